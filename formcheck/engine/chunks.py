"""Both cores on one recorded clip: the pose stage in parallel time chunks, stitched.

One PoseLandmarker keeps about one core busy, so a long recording is split into time chunks,
each analysed by its own landmarker on its own thread, and the pieces are stitched back into
one series. The model's VIDEO mode tracks the person from frame to frame, so a chunk starts
reading a little before the range it keeps (``WARMUP_S``, the warm-up): by its first kept frame
the tracker has found the person and settled, and the warm-up frames are dropped.

Threads, not processes: the model releases the GIL while it runs, a thread shares the located
model and the imported mediapipe, and nothing has to be pickled back; measured on 2 cores,
processes were no faster and paid a second or two of start-up per clip
(``benchmarks/peer_speed.py``).

What is pure here (the plan and the stitch) is tested on synthetic series; the equivalence of
the chunked and the single-stream series on real clips is shown by
``benchmarks/chunk_equivalence.py``.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from formcheck.errors import InputError
from formcheck.frames import VideoFileSource, open_source
from formcheck.frames.core import format_time
from formcheck.pose.estimator import PoseEstimator
from formcheck.series.core import PoseSeries, SourceInfo

log = logging.getLogger(__name__)

# Warm-up read before each chunk after the first: the tracker's person detection, and the
# hand-over of its region of interest from frame to frame, settle within a few frames; a
# second leaves a wide margin (measured agreement at the boundaries: chunk_equivalence.py).
WARMUP_S = 1.0
# A chunk shorter than this is not worth a landmarker (~0.2 s to load) and a warm-up.
MIN_CHUNK_S = 4.0
MAX_CHUNKS = 8  # each landmarker holds ~100 MB; more than the cores buy nothing anyway


def free_cores() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Chunk:
    """One piece of a clip, in positions among the frames analysed (0 = the first of them).

    The chunk reads positions ``read_from`` .. ``stop - 1`` and keeps ``first`` .. ``stop - 1``
    (``read_from < first``: warm-up frames, analysed then dropped). ``stop`` None: to the end.
    """

    read_from: int
    first: int
    stop: int | None

    @property
    def warmup(self) -> int:
        return self.first - self.read_from


def chunk_count(
    frames: int | None,
    fps: float,
    requested: int | None = None,
    cores: int | None = None,
    *,
    min_chunk_s: float = MIN_CHUNK_S,
) -> int:
    """How many chunks a clip of ``frames`` analysed frames at ``fps`` is split into.

    ``requested`` (an option) or else the free cores, at most one chunk per ``min_chunk_s``
    of clip (a short clip runs as one chunk, as does one of unknown length) and ``MAX_CHUNKS``.
    """
    if not frames or not math.isfinite(fps) or fps <= 0:
        return 1
    wanted = requested if requested is not None else (cores or free_cores())
    fit = int(frames / (min_chunk_s * fps))
    return max(1, min(wanted, fit, MAX_CHUNKS))


def plan_chunks(frames: int, count: int, warmup: int) -> list[Chunk]:
    """Split ``frames`` analysed frames into ``count`` chunks with ``warmup`` frames each.

    Every chunk after the first reads ``warmup`` extra frames, so it keeps that many fewer:
    each does about the same work, ``(frames + (count - 1) * warmup) / count`` frames, and
    the chunks finish together. The kept ranges tile ``0 .. frames`` exactly, in order.
    """
    if count <= 1 or frames <= 0:
        return [Chunk(0, 0, None)]
    warmup = max(0, int(warmup))
    work = (frames + (count - 1) * warmup) / count
    # Chunk 0 keeps ``work`` frames, the others ``work - warmup``.
    bounds = [0] + [round(k * work - (k - 1) * warmup) for k in range(1, count)]
    chunks = []
    for k, first in enumerate(bounds):
        stop = bounds[k + 1] if k + 1 < count else None
        chunks.append(Chunk(max(0, first - warmup) if k else 0, first, stop))
    return chunks


def plan_for(info: SourceInfo, requested: int | None = None) -> list[Chunk]:
    """The chunks of a recorded clip described by ``info`` (its analysed frames and rate)."""
    count = chunk_count(info.frame_count, info.fps, requested)
    return plan_chunks(info.frame_count or 0, count, round(WARMUP_S * info.fps))


def stitch(parts: Sequence[PoseSeries], keep_from_ms: Sequence[float], source: SourceInfo):
    """One series from chunk series: part ``k`` gives its rows from ``keep_from_ms[k]`` up to
    (not including) ``keep_from_ms[k + 1]``; earlier rows (its warm-up) are dropped.

    Times are compared with half a frame's tolerance (both sides compute them as index /
    fps). An extra measure missing from a part (nobody found in it) is NaN there.
    """
    if not parts:
        return PoseSeries.empty(source, 0)
    period = 1000.0 / source.fps if source.fps and source.fps > 0 else 1.0
    kept: list[PoseSeries] = []
    for k, part in enumerate(parts):
        lo = keep_from_ms[k] - period / 2
        hi = keep_from_ms[k + 1] - period / 2 if k + 1 < len(parts) else math.inf
        rows = np.flatnonzero((part.time_ms >= lo) & (part.time_ms < hi))
        if len(rows):
            kept.append(part.slice(int(rows[0]), int(rows[-1]) + 1))
    if not kept:
        return PoseSeries.empty(source, 0, model=parts[0].model)
    keys: dict[str, tuple] = {}
    for part in kept:
        for key, values in part.extras.items():
            keys.setdefault(key, np.asarray(values).shape[1:])

    def extra(part: PoseSeries, key: str) -> np.ndarray:
        if key in part.extras:
            return np.asarray(part.extras[key], dtype=np.float32)
        return np.full((len(part), *keys[key]), np.nan, np.float32)

    return PoseSeries(
        time_ms=np.concatenate([p.time_ms for p in kept]),
        image=np.concatenate([p.image for p in kept]),
        world=np.concatenate([p.world for p in kept]),
        visibility=np.concatenate([p.visibility for p in kept]),
        presence=np.concatenate([p.presence for p in kept]),
        num_people=np.concatenate([p.num_people for p in kept]),
        source=source,
        model=kept[0].model,
        extras={key: np.concatenate([extra(p, key) for p in kept]) for key in keys},
    )


def nobody_found(source: SourceInfo, time_ms: np.ndarray, model: str = "") -> PoseSeries:
    """Rows with nobody found at ``time_ms`` (a chunk that could not be decoded)."""
    series = PoseSeries.empty(source, len(time_ms), model=model)
    series.time_ms = np.asarray(time_ms, dtype=np.float64)
    return series


@dataclass(frozen=True)
class ChunkedClip:
    """A video file opened once, to plan its chunks: where its analysed frames lie."""

    source: VideoFileSource

    @property
    def frames(self) -> int | None:
        return self.source.info.frame_count

    def index(self, position: int) -> int:
        """The file's frame index of analysed frame ``position``."""
        return self.source.first_index + position * self.source.stride

    def time_ms(self, position: int) -> float:
        return self.index(position) * 1000.0 / self.source.source_fps

    def seconds(self, position: int) -> float:
        return self.index(position) / self.source.source_fps


def run_chunked(
    spec,
    clip: ChunkedClip,
    chunks: Sequence[Chunk],
    open_kwargs: Mapping[str, object],
    new_estimator: Callable[[], PoseEstimator],
    run: Callable[..., PoseSeries],
    *,
    bar=None,
) -> tuple[PoseSeries, list[str]]:
    """Analyse ``chunks`` of the video file ``spec`` in parallel and stitch them.

    ``open_kwargs``: how the single stream opened it (size, stride, rate, range); each chunk
    narrows the range to its own. ``run(frames, estimator, info, bar=...)``: the pose stage
    over one chunk. A chunk that cannot be read is a warning naming its time range, and its
    frames are rows with nobody found; the other chunks are still analysed.
    """
    info = clip.source.info
    end_s = open_kwargs.get("end_s")

    # What each chunk's reader could not decode (frames of the file by index, so the frames
    # of a warm-up overlap read twice count once), joined into one damage report below.
    read_faults: dict[int, tuple[set[int], int, int, int | None]] = {}

    def one(chunk: Chunk) -> PoseSeries:
        start = clip.seconds(chunk.read_from)
        stop = end_s if chunk.stop is None else clip.seconds(chunk.stop - 1)
        kwargs = {**open_kwargs, "start_s": start, "end_s": stop}
        with open_source(spec, **kwargs) as source:
            estimator = new_estimator()
            try:
                series = run(source, estimator, info, bar=bar)
            finally:
                estimator.close()
            if hasattr(source, "missing_indices"):
                read_faults[chunk.first] = (
                    set(source.missing_indices),
                    int(source.shortfall),
                    int(source.first_index),
                    source.last_index,
                )
            return series

    warnings: list[str] = []
    parts: list[PoseSeries] = []
    with ThreadPoolExecutor(len(chunks), thread_name_prefix="formcheck-chunk") as pool:
        futures = [pool.submit(one, chunk) for chunk in chunks]
        for chunk, future in zip(chunks, futures, strict=True):
            try:
                parts.append(future.result())
            except InputError as exc:  # this part of the file could not be read
                # A model that cannot be loaded (ModelError) or a bad option is no damaged
                # part: it fails every chunk alike and is raised, for one clear message.
                last = (clip.frames or chunk.first + 1) if chunk.stop is None else chunk.stop
                positions = np.arange(chunk.first, max(last, chunk.first + 1))
                times = np.array([clip.time_ms(int(p)) for p in positions])
                warnings.append(
                    f"{info.name}: the part from {format_time(round(times[0] / 1000, 2))} to "
                    f"{format_time(round(times[-1] / 1000, 2))} could not be analysed "
                    f"({exc.problem}); it counts as nobody found, the rest of the clip is judged."
                )
                parts.append(nobody_found(info, times))
    keep_from = [clip.time_ms(chunk.first) for chunk in chunks]
    series = stitch(parts, keep_from, info)
    if len(read_faults) == len(chunks):  # every chunk read (a failed one is a warning above)
        series = _with_read_faults(series, clip, chunks, read_faults)
    return series, warnings


def _with_read_faults(series: PoseSeries, clip: ChunkedClip, chunks, read_faults) -> PoseSeries:
    """The stitched series with one damage report for the whole range the chunks read: the
    frames any chunk skipped, the shortfall at the end (the last chunk's), and one PyAV scan
    of the range (:func:`formcheck.frames.damage.video_damage`)."""
    from dataclasses import replace

    from formcheck.frames.damage import video_damage

    missing: set[int] = set().union(*(faults[0] for faults in read_faults.values()))
    first = read_faults[chunks[0].first]
    last = read_faults[chunks[-1].first]
    source = clip.source
    path = getattr(source, "path", None)
    fps = getattr(source, "source_fps", None)
    if path is None or not fps:
        return series
    # The scan started when the clip was planned covers the range the chunks read together.
    scan = getattr(source, "damage_scan", None)
    same_range = (source.first_index, source.last_index) == (first[2], last[3])
    damage = video_damage(
        path, fps, missing, last[1], first[2], last[3], scan=scan if same_range else None
    )
    return replace(series, source=replace(series.source, damage=damage))


__all__ = [
    "MAX_CHUNKS",
    "MIN_CHUNK_S",
    "WARMUP_S",
    "Chunk",
    "ChunkedClip",
    "chunk_count",
    "free_cores",
    "plan_chunks",
    "plan_for",
    "run_chunked",
    "stitch",
]
