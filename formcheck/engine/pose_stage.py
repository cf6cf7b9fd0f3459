"""The pose stage: frames in, a PoseSeries out.

Streaming: frames are decoded, passed through the model and dropped one at a time, so memory
does not grow with clip length (only the landmark arrays, ~1 kB a frame, are kept). Per-frame
measurements that need the image or the segmentation mask (which are not kept) are taken here
through ``measures`` and stored in ``PoseSeries.extras``.

The stage takes the engine's options (:class:`formcheck.engine.options.EngineOptions`) and
talks to the model only through the :class:`~formcheck.pose.estimator.PoseEstimator` interface.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from formcheck.engine import imports
from formcheck.frames import Frame, FrameSource, VideoFileSource, open_source
from formcheck.pose.estimator import PoseEstimator, PoseOptions
from formcheck.pose.result import PoseResult
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from formcheck.engine.options import EngineOptions
    from formcheck.pose.models import ModelInfo

# A measurement taken on each frame while the frame and mask still exist: returns a float or
# a small fixed-size array (NaN when it cannot be measured).
FrameMeasure = Callable[[Frame, PoseResult], "float | np.ndarray"]


def mask_measures() -> dict[str, FrameMeasure]:
    """The measures taken on each frame's segmentation mask while it exists (masks on).

    Every registered exercise's (:attr:`ExerciseSpec.mask_measures`): a series with masks may
    be judged later as any exercise (the landmark cache, recognition), so it carries all.
    """
    from formcheck.exercises import registry

    return registry.mask_measures()


# --------------------------------------------------------------------------- the model
@lru_cache(maxsize=4)
def _model_info(spec: str | None) -> ModelInfo:
    from formcheck.pose.models import resolve_model

    return resolve_model(spec)


@dataclass(frozen=True)
class EstimatorFactory:
    """Fresh pose estimators over one located, verified model bundle.

    Each clip gets a fresh estimator: the VIDEO-mode tracker follows the person from frame to
    frame, so reusing one would carry a clip's track into the next and make its landmarks
    depend on which clip came before (and on the cache entry written for it). Creating the
    landmarkers costs about 0.1-0.2 s against seconds of pose work per clip; locating and
    checksumming the bundle is what is done once (see :func:`estimator_factory`).
    """

    model: ModelInfo
    options: PoseOptions

    @property
    def model_token(self) -> str:
        """The bundle's variant and checksum: what a cache key says about the model."""
        return f"{self.model.variant}:{self.model.sha256[:16]}"

    def __call__(self) -> PoseEstimator:
        from formcheck.pose.backend import MediaPipePoseEstimator

        return MediaPipePoseEstimator(replace(self.options, model=self.model.path))


def estimator_factory(options: PoseOptions) -> EstimatorFactory:
    """The process-wide factory for ``options``: the bundle located and checksummed once.

    mediapipe itself is imported ahead once a clip to analyse has opened
    (:mod:`formcheck.engine.imports`), or by the first estimator made; never for a clip read
    from the landmark cache. It stays imported for the life of the process.
    """
    model = options.model if options.model is None else str(options.model)
    return EstimatorFactory(_model_info(model), options)


class SeriesBuilder:
    """Collects PoseResults frame by frame into a PoseSeries (NaN rows where nobody was found)."""

    def __init__(self, source: SourceInfo, model: str = "") -> None:
        self.source = source
        self.model = model
        self._time: list[float] = []
        self._image: list[np.ndarray] = []
        self._world: list[np.ndarray] = []
        self._visibility: list[np.ndarray] = []
        self._presence: list[np.ndarray] = []
        self._people: list[int] = []
        self._extras: dict[str, list] = {}
        self._nan3 = np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
        self._nan1 = np.full(NUM_LANDMARKS, np.nan, np.float32)

    def __len__(self) -> int:
        return len(self._time)

    def append(self, result: PoseResult, extras: Mapping[str, object] | None = None) -> None:
        if self._time and result.time_ms <= self._time[-1]:
            return  # a repeated timestamp (some containers) would break the series invariant
        self._time.append(float(result.time_ms))
        found = result.found
        self._image.append(result.image if found else self._nan3)
        self._world.append(result.world if found else self._nan3)
        self._visibility.append(result.visibility if found else self._nan1)
        self._presence.append(result.presence if found else self._nan1)
        self._people.append(result.num_people)
        for key, value in (extras or {}).items():
            self._extras.setdefault(key, [np.nan] * (len(self._time) - 1)).append(value)
        for values in self._extras.values():
            if len(values) < len(self._time):
                values.append(np.nan)

    def build(self) -> PoseSeries:
        t = len(self._time)
        if t == 0:
            return PoseSeries.empty(self.source, 0, model=self.model)
        return PoseSeries(
            time_ms=np.array(self._time),
            image=np.stack(self._image),
            world=np.stack(self._world),
            visibility=np.stack(self._visibility),
            presence=np.stack(self._presence),
            num_people=np.array(self._people),
            source=self.source,
            model=self.model,
            extras={k: _stack_extra(v) for k, v in self._extras.items()},
        )


def _stack_extra(values: list) -> np.ndarray:
    """Stack per-frame measurements; frames without one (scalar NaN) get a NaN of the right shape."""
    shape = next((np.shape(v) for v in values if np.ndim(v) > 0), ())
    rows = [np.full(shape, np.nan) if np.ndim(v) == 0 and shape else v for v in values]
    return np.asarray(rows, dtype=np.float32)


def _progress(total: int | None, desc: str, enabled: bool | None):
    from tqdm.auto import tqdm

    # enabled=None: a bar only on an interactive terminal, so logs and CI stay clean.
    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(total=total, desc=desc, unit="frame", disable=disable, leave=False)


_END = object()


def prefetch(
    frames: Iterable[Frame], depth: int = 4, work: Callable[[Frame], object] | None = None
) -> Iterator:
    """Decode ahead on a worker thread while the model runs.

    The model and OpenCV's decoder both release the GIL, and the model keeps only about one
    of two cores busy, so decoding the next frames overlaps inference instead of adding to
    it. ``work``, if given, also runs on the worker and its result is yielded instead of the
    frame (the estimator's ``prepare``: image conversion and the people count). The queue is
    bounded (``depth`` items), so memory stays flat; an error in the decoder or in ``work``
    is re-raised here, in order.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        """Queue ``item`` unless the consumer has gone; False once it has."""
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for frame in frames:
                if stop.is_set() or not hand_over(frame if work is None else work(frame)):
                    return
            hand_over(_END)
        except BaseException as exc:  # handed to the consumer, raised in its thread
            hand_over(exc)

    worker = threading.Thread(target=produce, name="formcheck-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        # Wait for the worker to finish the frame in hand (one decode and one ``work``, tens
        # of ms): the caller closes the source and the estimator next, and ``work`` must not
        # be running on them when it does.
        stop.set()
        worker.join()


def run_pose(
    frames: Iterable[Frame],
    estimator: PoseEstimator,
    source: SourceInfo,
    *,
    measures: Mapping[str, FrameMeasure] | None = None,
    progress: bool | None = None,
    decode_ahead: bool = True,
    bar=None,
) -> PoseSeries:
    """Run ``estimator`` over ``frames`` and collect the raw (unsmoothed) series.

    Recorded frames are decoded ahead on a worker thread, where the estimator's per-frame
    set-up (``prepare``: image conversion, people count) runs too, and only the tracker
    (``process_prepared``) runs here. Live sources must pass ``decode_ahead=False``: they
    serve the newest frame on demand, and ``process`` runs on this thread. ``bar``: a progress
    bar to count frames on (shared by the chunks of one clip) instead of one of its own.
    """
    builder = SeriesBuilder(source, model=estimator.name)
    items: Iterable[tuple[Frame, object]]
    ahead = None
    if decode_ahead:
        ahead = prefetch(frames, work=lambda frame: (frame, estimator.prepare(frame)))
        items = ahead
    else:
        items = ((frame, None) for frame in frames)
    collect = _Collector(builder, measures, background=decode_ahead)
    try:
        own_bar = (
            _progress(source.frame_count, Path(source.name).name, progress) if bar is None else None
        )
        with contextlib.nullcontext(bar) if own_bar is None else own_bar as bar:
            for frame, prepared in items:
                if decode_ahead:
                    result = estimator.process_prepared(prepared)
                else:
                    result = estimator.process(frame)
                collect.add(frame, result)
                bar.update(1)
        collect.finish()
    finally:
        # On an error, stop the decode thread now (not when the traceback is freed): the
        # caller closes the estimator next, and prepare() must not run on a closed one.
        if ahead is not None:
            ahead.close()
        collect.close()
    return builder.build()


class _Collector:
    """Takes each frame's measures and appends the result to the series.

    With ``background=True`` (recorded files) this runs on its own thread, so the model's
    thread only runs the model: the silhouette measure reads a fresh 2 MB mask and costs
    about 0.5 ms a frame, which the model's idle second core absorbs. Results arrive in
    order through a bounded queue; an error in a measure is re-raised on the caller's
    thread at the next ``add`` or at ``finish``.
    """

    def __init__(
        self,
        builder: SeriesBuilder,
        measures: Mapping[str, FrameMeasure] | None,
        background: bool,
        depth: int = 8,
    ) -> None:
        self._builder = builder
        self._measures = dict(measures or {})
        self._error: BaseException | None = None  # the first failure; later frames are skipped
        self._queue: queue.Queue | None = None
        self._worker: threading.Thread | None = None
        if background:
            self._queue = queue.Queue(maxsize=depth)
            self._worker = threading.Thread(
                target=self._drain, name="formcheck-collect", daemon=True
            )
            self._worker.start()

    def _collect(self, frame: Frame, result: PoseResult) -> None:
        extras = None
        if self._measures:
            extras = {name: measure(frame, result) for name, measure in self._measures.items()}
        self._builder.append(result, extras)

    def _drain(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self._error is None:  # after an error, keep taking items so add() never blocks
                try:
                    self._collect(*item)
                except BaseException as exc:
                    self._error = exc

    def _raise_error(self) -> None:
        # Raised once: the caller's loop ends at the first raise and only close() follows.
        if self._error is not None:
            raise self._error

    def add(self, frame: Frame, result: PoseResult) -> None:
        if self._queue is None:
            self._collect(frame, result)
            return
        self._raise_error()
        self._queue.put((frame, result))

    def finish(self) -> None:
        """Wait until every result is in the series; re-raise a measure's error."""
        self.close()
        self._raise_error()

    def close(self) -> None:
        if self._worker is not None:
            self._queue.put(_END)
            self._worker.join()
            self._worker = None


def _with_damage(series: PoseSeries, source: FrameSource) -> PoseSeries:
    """The series with what its file's decoder could not read whole (see
    :mod:`formcheck.frames.damage`); unchanged for a live source or one not checked."""
    if source.info.is_live:
        return series
    damage = source.damage()
    if damage is None:
        return series
    return replace(series, source=replace(series.source, damage=damage))


def extract_pose_series(
    spec,
    options: EngineOptions | None = None,
    *,
    estimator: PoseEstimator | None = None,
    new_estimator: Callable[[], PoseEstimator] | None = None,
    measures: Mapping[str, FrameMeasure] | None = None,
    progress: bool | None = None,
    warnings: list[str] | None = None,
) -> PoseSeries:
    """Open ``spec`` (video, image, folder, camera index or arrays) and return its PoseSeries.

    Uses ``options.max_size``, ``stride``, the processing rate (``fps``), the range
    (``start_s``/``end_s``), the mask decision and ``smooth`` (smoothed as every
    offline path smooths; ``smooth=False`` keeps the raw landmarks). ``measures`` defaults to
    :func:`mask_measures` when masks are on. Pass ``estimator`` to reuse one (closed by the
    caller); else one is made by ``new_estimator`` (default: from ``options``) once the source
    is open, so an unreadable clip fails before the model loads, and closed after.
    ``progress`` (None: ``options.progress``) shows a per-frame bar.

    A long recorded video file is analysed in parallel time chunks (``options.chunks``, None:
    one per free core; :mod:`formcheck.engine.chunks`), each by its own estimator, unless an
    ``estimator`` is given. A part that cannot be read is described in ``warnings`` (if given;
    else logged) and the rest is still analysed.
    """
    from formcheck.engine import chunks
    from formcheck.engine.options import EngineOptions

    options = options or EngineOptions()
    if measures is None and options.masks:
        measures = mask_measures()
    if progress is None:
        progress = options.progress
    rate, strict_rate = options.rate()
    open_kwargs = {
        "max_size": options.max_size,
        "stride": options.stride,
        "start_s": options.start_s,
        "end_s": options.end_s,
        "rate": rate,
        "strict_rate": strict_rate,
    }
    source: FrameSource = open_source(spec, **open_kwargs)
    if estimator is None:
        # The clip is readable: mediapipe loads now, while the chunks find their start frames.
        imports.import_ahead(["formcheck.pose.backend"])
    make = new_estimator or estimator_factory(options.pose_options())
    plan = [chunks.Chunk(0, 0, None)]
    if estimator is None and isinstance(source, VideoFileSource):
        plan = chunks.plan_for(source.info, options.chunks)
    if len(plan) > 1:
        clip = chunks.ChunkedClip(source)
        source.scan_damage_ahead()  # the whole range, beside the chunks (it opens its own file)
        source.close()  # each chunk opens its own reader

        def run(frames, chunk_estimator, info, bar):
            return run_pose(frames, chunk_estimator, info, measures=measures, bar=bar)

        name = Path(source.info.name).name
        try:
            with _progress(source.info.frame_count, name, progress) as bar:
                series, problems = chunks.run_chunked(
                    spec, clip, plan, open_kwargs, make, run, bar=bar
                )
        finally:
            _stop_scan(source)  # a no-op once the report has used it
        log.debug("pose stage: %d chunks %s", len(plan), plan)
        if warnings is not None:
            warnings.extend(problems)
        else:
            for problem in problems:
                log.warning(problem)
        return _smoothed(series) if options.smooth else series
    own_estimator = estimator is None
    try:
        if estimator is None:
            estimator = make()
        with source:
            if isinstance(source, VideoFileSource):
                source.scan_damage_ahead()  # the second decode overlaps the model's pass
            series = run_pose(
                source,
                estimator,
                source.info,
                measures=measures,
                progress=progress,
                decode_ahead=not source.info.is_live,
            )
            series = _with_damage(series, source)
    finally:
        source.close()
        _stop_scan(source)
        if own_estimator and estimator is not None:
            estimator.close()
    return _smoothed(series) if options.smooth else series


def _stop_scan(source: FrameSource) -> None:
    """Stop a damage scan whose result was not used (the pass failed, or a chunk did): it
    would otherwise decode the rest of the file in the background."""
    scan = getattr(source, "damage_scan", None)
    if scan is not None:
        scan.cancel()


def _smoothed(series: PoseSeries) -> PoseSeries:
    from formcheck.series.smoothing import smooth_offline

    return smooth_offline(series)
