"""Batch scoring: a folder of clips in, tables you can sort, plot and export out.

``score_clip(path)`` scores one clip into a :class:`ClipReport`; ``score_clips(paths)`` scores
many, in this process, in local worker processes (``workers=N``) or on any
``concurrent.futures.Executor`` (a Dask cluster's ``client.get_executor()``), and returns a
:class:`BatchResult` with pandas tables: ``clips`` (one row per clip), ``faults`` (one row per
fault) and ``reps`` (one row per rep).

Nothing lost, nothing redone: each clip's raw landmark series goes to the landmark cache
(:mod:`formcheck.engine.cache`) keyed by the file's content and the pose options. A rerun after a
crash or Ctrl-C only runs the model on clips without an entry, and re-scoring with another
strictness or config reads every clip from the cache. A clip that fails is recorded with its
error; the batch goes on.

The per-clip engine is the same as ``formcheck analyze``: the pose stage with the silhouette
measure rounded-back checks need, Butterworth smoothing, then ``analyze_series``.

Model loading. mediapipe is imported and the bundle located and checksummed once per worker
process (:func:`estimator_factory`). Each clip still gets a fresh VIDEO-mode landmarker: it
tracks the person from frame to frame, so reusing it would carry one clip's track into the
next and make a clip's landmarks depend on which clip the worker happened to score before it
(and on the cache entry written for it). Creating the landmarkers costs about 0.1-0.2 s on an
idle 2-core machine against several seconds of pose work per short clip (a few percent; see
``benchmarks/batch_speed.py``, which measures both), so reproducibility wins.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import glob as globlib
import multiprocessing
import os
import signal
import socket
import sys
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from formcheck.engine.analyze import analyze_series, load_rule_configs, normalise_exercise
from formcheck.engine.cache import CacheKey, LandmarkCache, file_sha256, options_token
from formcheck.errors import ConfigError, FormcheckError, InputError
from formcheck.frames.video import VIDEO_EXTENSIONS

if TYPE_CHECKING:
    import pandas as pd

    from formcheck.exercises.base import ExerciseResult
    from formcheck.pose.models import ModelInfo
    from formcheck.series.core import PoseSeries

Status = Literal["ok", "not_assessable", "error"]
OUTPUT_SUFFIXES = (".parquet", ".csv")
PANDAS_HINT = 'Install the table extras: pip install "formcheck[notebook]" (pandas, pyarrow).'


class BatchWarning(UserWarning):
    """Something the whole batch should know once (e.g. the cache cannot be written)."""


# --------------------------------------------------------------------------- options
@dataclass(frozen=True)
class ScoreOptions:
    """Everything a worker needs to score a clip; small and picklable (sent with each task)."""

    exercise: str = "auto"
    model: str | None = None  # variant name or bundle path; None = the worker's default
    max_size: int | None = 960
    stride: int = 1
    people_check_ms: float = 2000.0
    smooth: bool = True
    # Loaded once by the caller, so a config file need not exist on remote workers.
    configs: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    cache_dir: str | None = None  # None = the worker's own default (see formcheck.engine.cache)
    use_cache: bool = True
    keep_series: bool = False


def make_options(
    *,
    exercise: str = "auto",
    model: str | os.PathLike | None = None,
    max_size: int | None = 960,
    stride: int = 1,
    strictness: str | None = None,
    config: str | os.PathLike | None = None,
    configs: dict[str, Any] | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    keep_series: bool = False,
    smooth: bool = True,
) -> ScoreOptions:
    """Validate the user's options once, before any clip is touched (ConfigError if bad)."""
    if not isinstance(stride, int) or isinstance(stride, bool) or stride < 1:
        raise ConfigError(f"stride must be a whole number of 1 or more, got {stride!r}.")
    if max_size is not None and (not isinstance(max_size, int) or max_size < 16):
        raise ConfigError(
            f"max_size must be None or at least 16 pixels, got {max_size!r}.",
            "Use 960 (the default) or None to keep the original size.",
        )
    if configs is None:
        configs = load_rule_configs(config, strictness)
    elif config is not None or strictness is not None:
        raise ConfigError("Pass either configs or config/strictness, not both.")
    return ScoreOptions(
        exercise=normalise_exercise(exercise),
        model=str(model) if model is not None else None,
        max_size=max_size,
        stride=stride,
        smooth=smooth,
        configs=configs,
        cache_dir=str(Path(cache_dir).expanduser().absolute()) if cache_dir else None,
        use_cache=use_cache,
        keep_series=keep_series,
    )


# --------------------------------------------------------------------------- one clip
@dataclass
class ClipReport:
    """The verdict on one clip, or why there is none.

    ``status``: ``ok`` (judged), ``not_assessable`` (read, but nobody or not one of the three
    exercises in it: ``reason`` says why) or ``error`` (could not be read or scored: ``error``).
    ``exercise_confidence`` is the recogniser's confidence with ``exercise="auto"``; None
    when the exercise was given. ``fault_counts`` maps fault code -> number of faults.
    """

    path: str
    status: Status
    exercise: str | None = None
    exercise_confidence: float | None = None
    variant: str | None = None
    reps: int | None = None
    fault_counts: dict[str, int] = field(default_factory=dict)
    duration_s: float | None = None
    hold_s: float | None = None
    good_form_s: float | None = None
    frames: int | None = None
    detection_rate: float | None = None
    reason: str | None = None
    error: str | None = None
    error_detail: str | None = None  # traceback of an unexpected error (a bug to report)
    result: ExerciseResult | None = None
    cache_hit: bool = False
    cache_key: str | None = None
    seconds: float = 0.0  # wall time spent on this clip
    cpu_s: float = 0.0  # CPU time of the worker process for it (wall >> CPU: it waited for a core)
    worker: str = ""  # host:pid that scored it
    peak_rss_mb: float | None = None  # of that worker process so far
    warnings: list[str] = field(default_factory=list)
    series: PoseSeries | None = field(default=None, repr=False)  # smoothed; score_clip only

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def fault_codes(self) -> list[str]:
        return sorted(self.fault_counts)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@lru_cache(maxsize=4)
def _model_info(spec: str | None) -> ModelInfo:
    from formcheck.pose.models import resolve_model

    return resolve_model(spec)


@dataclass(frozen=True)
class EstimatorFactory:
    """Fresh pose estimators over one located, verified model (see the module docstring)."""

    model: ModelInfo
    people_check_ms: float = 2000.0

    @property
    def model_token(self) -> str:
        return f"{self.model.variant}:{self.model.sha256[:16]}"

    def __call__(self):
        from formcheck.pose import MediaPipePoseEstimator, PoseOptions

        return MediaPipePoseEstimator(
            PoseOptions(
                model=self.model.path, with_masks=True, people_check_ms=self.people_check_ms
            )
        )


@lru_cache(maxsize=4)
def estimator_factory(model: str | None, people_check_ms: float = 2000.0) -> EstimatorFactory:
    """The process-wide factory for ``model``: the bundle located and checksummed once.

    mediapipe itself is imported by the first clip that needs the model (never for clips
    read from the cache), and stays imported for the life of the process.
    """
    return EstimatorFactory(_model_info(model), people_check_ms)


def pose_options_key(factory: EstimatorFactory, options: ScoreOptions) -> str:
    """The options part of a cache key: everything that changes the raw landmarks."""
    return options_token(
        {
            "model": factory.model_token,
            "max_size": options.max_size,
            "stride": options.stride,
            "people_check_ms": options.people_check_ms,
            "with_masks": True,
            "measures": ["back_profile"],
        }
    )


def landmark_cache_key(path: str | os.PathLike, options: ScoreOptions | None = None) -> CacheKey:
    """The cache key of a clip under ``options`` (hashes the file; resolves the model)."""
    options = options or ScoreOptions()
    factory = estimator_factory(options.model, options.people_check_ms)
    return CacheKey(file_sha256(path), pose_options_key(factory, options))


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _cache_warning(cache: LandmarkCache, exc: OSError) -> str:
    # The same text for every clip, so the batch reports it once.
    why = exc.strerror or type(exc).__name__
    return (
        f"the landmark cache {cache.root} cannot be written ({why}): clips are still scored, "
        "but their landmarks are not kept and will be recomputed next time. Free disk space "
        "or choose another folder with --cache / cache_dir."
    )


def _load_or_extract(
    path: str, options: ScoreOptions, report: ClipReport
) -> tuple[PoseSeries, bool]:
    """The clip's raw series from the cache, else from the model (then cached)."""
    from formcheck.features.silhouette import back_profile_measure
    from formcheck.pose.stage import PoseStageOptions, extract_pose_series

    factory = estimator_factory(options.model, options.people_check_ms)
    cache = LandmarkCache(options.cache_dir) if options.use_cache else None
    if cache is not None:
        key = CacheKey(file_sha256(path), pose_options_key(factory, options))
        report.cache_key = key.name
        cached = cache.get(key)
        if cached is not None:
            return cached, True
    stage = PoseStageOptions(
        model=factory.model.path,
        max_size=options.max_size,
        stride=options.stride,
        smooth=False,  # the cache keeps raw landmarks; smoothing is applied after loading
        with_masks=True,
        people_check_ms=options.people_check_ms,
    )
    # Open the clip before loading the model: an unreadable file fails in milliseconds.
    from formcheck.frames import open_source

    open_source(path, max_size=options.max_size, stride=options.stride).close()
    estimator = factory()
    try:
        series = extract_pose_series(
            path,
            stage,
            estimator=estimator,
            measures={"back_profile": back_profile_measure},
            progress=False,
        )
    finally:
        estimator.close()
    if cache is not None:
        try:
            cache.put(key, series)
        except OSError as exc:
            report.warnings.append(_cache_warning(cache, exc))
    return series, False


def _fill_from_result(report: ClipReport, result: ExerciseResult) -> None:
    report.result = result
    report.exercise = result.exercise
    report.variant = result.variant
    if result.recognition:
        report.exercise_confidence = float(result.recognition.get(result.exercise, 0.0))
    summary = result.summary
    report.duration_s = summary.duration_s
    if not result.assessable:
        report.status = "not_assessable"
        report.reason = result.reason
        return
    report.status = "ok"
    report.reps = len(result.reps)
    report.fault_counts = dict(sorted(Counter(f.code for f in result.faults).items()))
    report.hold_s = summary.hold_s
    report.good_form_s = summary.good_form_s


def _score_task(path: str, options: ScoreOptions) -> ClipReport:
    """Score one clip; never raises for a bad clip (the error goes in the report).

    Module-level so process pools and Dask can pickle it by reference.
    """
    from formcheck.series.smoothing import ButterworthSmoother

    started, cpu_started = time.perf_counter(), time.process_time()
    report = ClipReport(path=str(path), status="error", worker=_worker_id())
    try:
        if not Path(path).is_file():
            raise InputError("a folder, not a clip" if Path(path).is_dir() else "file not found")
        series, report.cache_hit = _load_or_extract(str(path), options, report)
        report.frames = len(series)
        report.detection_rate = series.detection_rate
        if options.smooth and len(series) > 1:
            series = ButterworthSmoother().smooth(series)
        result = analyze_series(series, options.exercise, options.configs)
        _fill_from_result(report, result)
        if options.keep_series:
            report.series = series
    except FormcheckError as exc:
        report.status = "error"
        report.error = f"{exc.problem} {exc.hint}".strip()
    except OSError as exc:  # unreadable file, vanished mid-batch
        report.status = "error"
        report.error = f"cannot read {path}: {exc.strerror or exc}"
    except Exception as exc:  # a bug: keep the batch going, keep the traceback
        report.status = "error"
        report.error = f"internal error ({type(exc).__name__}: {exc})"
        report.error_detail = traceback.format_exc()
    report.seconds = time.perf_counter() - started
    report.cpu_s = time.process_time() - cpu_started
    report.peak_rss_mb = _peak_rss_mb()
    return report


def score_clip(
    path: str | os.PathLike,
    exercise: str = "auto",
    *,
    model: str | os.PathLike | None = None,
    max_size: int | None = 960,
    stride: int = 1,
    strictness: str | None = None,
    config: str | os.PathLike | None = None,
    configs: dict[str, Any] | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    keep_series: bool = True,
) -> ClipReport:
    """Score one clip: reps, faults and a verdict, with its landmarks cached on disk.

    ``exercise``: ``auto`` (recognised from the movement) or deadlift / plank / kbswing.
    ``strictness`` (relaxed | standard | strict) and ``config`` (a TOML file) set thresholds;
    ``model``, ``max_size`` and ``stride`` set the pose stage. ``cache_dir`` defaults to
    ``$FORMCHECK_CACHE`` or ``~/.cache/formcheck/landmarks``; ``use_cache=False`` skips it.
    A clip that cannot be scored gives ``status="error"`` and the reason in ``error``; bad
    options raise ConfigError. The smoothed series is kept in ``report.series``.
    """
    options = make_options(
        exercise=exercise,
        model=model,
        max_size=max_size,
        stride=stride,
        strictness=strictness,
        config=config,
        configs=configs,
        cache_dir=cache_dir,
        use_cache=use_cache,
        keep_series=keep_series,
    )
    report = score_clip_with(path, options)
    for message in report.warnings:
        warnings.warn(message, BatchWarning, stacklevel=2)
    return report


def score_clip_with(path: str | os.PathLike, options: ScoreOptions) -> ClipReport:
    """:func:`score_clip` with options already validated by :func:`make_options`.

    For callers that score many clips one after the other in this process (``formcheck
    evaluate``). Cache warnings are left in ``report.warnings`` for the caller to show once.
    """
    return _score_task(str(path), options)


# --------------------------------------------------------------------------- inputs
def _is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS and not path.name.startswith(".")


def _expand(item: str | os.PathLike) -> list[str] | None:
    """A folder or glob -> its video files (sorted); a plain path -> None (kept as given)."""
    text = os.path.expanduser(os.fspath(item))
    if globlib.has_magic(text):
        matches = [Path(p) for p in globlib.glob(text, recursive=True)]
        return sorted(str(p) for p in matches if p.is_file() and _is_video(p))
    path = Path(text)
    if path.is_dir():
        return sorted(str(p) for p in path.iterdir() if p.is_file() and _is_video(p))
    return None


def resolve_inputs(paths_or_glob: str | os.PathLike | Iterable[str | os.PathLike]) -> list[str]:
    """The clips to score, in a stable order, without duplicates.

    One string or path: a folder (its video files), a glob (``clips/**/*.mp4``; only video
    files are kept) or one file; nothing to score raises InputError. A list: folders and
    globs are expanded, other entries are kept as given (a missing one becomes an error row).
    """
    extensions = ", ".join(sorted(e.lstrip(".") for e in VIDEO_EXTENSIONS))
    if isinstance(paths_or_glob, (str, os.PathLike)):
        expanded = _expand(paths_or_glob)
        if expanded is None:
            path = Path(os.path.expanduser(os.fspath(paths_or_glob)))
            if not path.exists():
                raise InputError(
                    f"Not found: {paths_or_glob}",
                    "Pass a folder of clips, a glob such as 'clips/*.mp4' (quoted) or a video.",
                )
            return [str(path)]
        if not expanded:
            where = "match" if globlib.has_magic(os.fspath(paths_or_glob)) else "in"
            raise InputError(
                f"No video files {where} {paths_or_glob}.",
                f"formcheck batch reads {extensions}; for sub-folders use a quoted glob such "
                "as 'clips/**/*.mp4'.",
            )
        return expanded
    found: list[str] = []
    for item in paths_or_glob:
        expanded = _expand(item)
        found.extend(expanded if expanded is not None else [os.fspath(item)])
    unique = list(dict.fromkeys(found))
    if not unique:
        raise InputError(
            "No clips to score: the folders and patterns given match no video files.",
            f"formcheck batch reads {extensions}.",
        )
    return unique


# --------------------------------------------------------------------------- many clips
class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`score_clips`; ``.result`` holds the clips finished so far."""

    def __init__(self, result: BatchResult) -> None:
        super().__init__(f"interrupted after {len(result.reports)} of {result.total} clips")
        self.result = result


def _progress_bar(total: int, enabled: bool):
    with warnings.catch_warnings():
        # tqdm.auto warns when a notebook lacks ipywidgets, then falls back to text: fine.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm

    return tqdm(total=total, desc="scoring", unit="clip", disable=not enabled, leave=True)


def _init_worker() -> None:
    """Pool worker initializer: Ctrl-C is the parent's to handle (it stops the workers)."""
    import threading

    from tqdm import tqdm

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # tqdm otherwise makes a multiprocessing lock on first use, which a stopped worker
    # leaves behind ("leaked semaphore" warnings at exit); workers draw no bars anyway.
    tqdm.set_lock(threading.RLock())


def _process_pool(workers: int) -> cf.ProcessPoolExecutor:
    # spawn: mediapipe's native threads do not survive fork, and spawn works the same on
    # Linux, macOS, Windows and inside notebooks (the task function lives in this module).
    return cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    )


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel queued clips and stop running ones now (Python < 3.14 has no public way)."""
    # Stop the workers first: a plain shutdown() would wait for every running clip. The pool
    # then sees them gone, and shutdown(wait=True) returns at once with its queues closed.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _failed_report(path: str, exc: BaseException) -> ClipReport:
    if isinstance(exc, cf.process.BrokenProcessPool):
        message = (
            "the worker process died while scoring (crash or out of memory); "
            "re-run the batch to retry (finished clips come from the cache)"
        )
    else:
        message = f"the executor failed to run this clip ({type(exc).__name__}: {exc})"
    return ClipReport(path=path, status="error", error=message)


class _Collector:
    """Reports by input position, with the progress bar kept up to date."""

    def __init__(self, paths: list[str], progress: bool) -> None:
        self.paths = paths
        self.reports: dict[int, ClipReport] = {}
        self.bar = _progress_bar(len(paths), progress)
        self.errors = 0
        self.cached = 0

    def add(self, index: int, report: ClipReport) -> None:
        self.reports[index] = report
        self.errors += report.status == "error"
        self.cached += report.cache_hit
        self.bar.set_postfix(errors=self.errors, cached=self.cached, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()

    def ordered(self) -> list[ClipReport]:
        return [self.reports[i] for i in sorted(self.reports)]


def _run_sequential(collector: _Collector, options: ScoreOptions) -> None:
    for index, path in enumerate(collector.paths):
        collector.add(index, _score_task(path, options))


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _run_on(executor: cf.Executor, collector: _Collector, options: ScoreOptions, todo) -> list:
    """Submit ``todo`` (indices) to ``executor``; return indices lost to a broken pool.

    Largest files first: the long clips start early instead of one of them running alone
    at the end while the other workers idle (executors hand out work in submission order).
    """
    order = sorted(todo, key=lambda i: -_file_size(collector.paths[i]))
    futures = {executor.submit(_score_task, collector.paths[i], options): i for i in order}
    broken: list[int] = []
    try:
        for future in cf.as_completed(futures):
            index = futures[future]
            try:
                report = future.result()
            except cf.process.BrokenProcessPool:
                broken.append(index)
                continue
            except Exception as exc:  # e.g. Dask's KilledWorker: the clip failed, not the batch
                report = _failed_report(collector.paths[index], exc)
            collector.add(index, report)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return broken


def _run_pool(collector: _Collector, options: ScoreOptions, workers: int) -> None:
    todo = list(range(len(collector.paths)))
    for attempt in range(2):  # a crashed worker breaks the pool: retry its clips once
        pool = _process_pool(workers)
        try:
            todo = _run_on(pool, collector, options, todo)
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        if not todo:
            return
        if attempt == 1:
            for index in todo:
                collector.add(
                    index,
                    _failed_report(collector.paths[index], cf.process.BrokenProcessPool()),
                )


def score_clips(
    paths_or_glob: str | os.PathLike | Iterable[str | os.PathLike],
    workers: int | None = None,
    executor: cf.Executor | None = None,
    exercise: str = "auto",
    cache_dir: str | os.PathLike | None = None,
    strictness: str | None = None,
    config: str | os.PathLike | None = None,
    model: str | os.PathLike | None = None,
    progress: bool = True,
    *,
    max_size: int | None = 960,
    stride: int = 1,
    use_cache: bool = True,
    configs: dict[str, Any] | None = None,
) -> BatchResult:
    """Score every clip in a folder, glob or list; one bad clip never stops the batch.

    ``workers``: None or 1 scores in this process; N > 1 starts N local worker processes.
    ``executor``: any ``concurrent.futures.Executor`` instead, e.g. a Dask cluster's
    ``Client(address).get_executor()`` (formcheck must be installed on its workers; the
    executor is not shut down). Other options as :func:`score_clip`; with an executor and
    ``cache_dir=None`` each worker uses its own default cache folder.

    Ctrl-C raises :class:`BatchInterrupted` (a KeyboardInterrupt) whose ``.result`` holds
    the clips finished so far; running the same call again resumes from the cache.
    """
    if workers is not None and (
        not isinstance(workers, int) or isinstance(workers, bool) or workers < 1
    ):
        raise ConfigError(f"workers must be a whole number of 1 or more, got {workers!r}.")
    if executor is not None and workers not in (None, 1):
        raise ConfigError("Pass either workers or executor, not both.")
    paths = resolve_inputs(paths_or_glob)
    options = make_options(
        exercise=exercise,
        model=model,
        max_size=max_size,
        stride=stride,
        strictness=strictness,
        config=config,
        configs=configs,
        cache_dir=cache_dir,
        use_cache=use_cache,
    )
    if executor is None:
        # Local runs share this machine's model and cache: check them before any work.
        estimator_factory(options.model, options.people_check_ms)
        if options.use_cache:
            with contextlib.suppress(OSError):
                LandmarkCache(options.cache_dir).clean_temp()
    started = time.perf_counter()
    collector = _Collector(paths, progress)
    interrupted = False
    try:
        if executor is not None:
            for index in _run_on(executor, collector, options, range(len(paths))):
                collector.add(index, _failed_report(paths[index], cf.process.BrokenProcessPool()))
        elif workers is None or workers == 1:
            _run_sequential(collector, options)
        else:
            _run_pool(collector, options, min(workers, len(paths)))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        collector.close()
    result = BatchResult(
        reports=collector.ordered(),
        total=len(paths),
        elapsed_s=time.perf_counter() - started,
        interrupted=interrupted,
    )
    for message in result.warnings:
        warnings.warn(message, BatchWarning, stacklevel=2)
    if interrupted:
        raise BatchInterrupted(result)
    return result


@contextlib.contextmanager
def dask_executor(address: str, timeout_s: float = 5.0) -> Iterator[cf.Executor]:
    """Connect to a running Dask scheduler and yield an Executor over its workers.

    Raises ConfigError when Dask is not installed or nothing answers at ``address`` within
    ``timeout_s`` seconds. The client is closed afterwards; the cluster keeps running.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise ConfigError(
            "Running on a Dask cluster needs the 'distributed' package.",
            'Install it with: pip install "formcheck[dask]"',
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # version-mismatch chatter; the tasks tell us
            client = Client(address, timeout=f"{timeout_s}s")
    except Exception as exc:  # OSError/TimeoutError unreachable, ValueError bad address
        raise ConfigError(
            f"Cannot reach a Dask scheduler at {address} within {timeout_s:g} s "
            f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}).",
            "Start one with 'dask scheduler' and workers with 'dask worker "
            "tcp://HOST:8786', check the address and port, or leave out --scheduler to run "
            "locally.",
        ) from exc
    try:
        yield client.get_executor()
    finally:
        with contextlib.suppress(Exception):
            client.close()


# --------------------------------------------------------------------------- tables
def _pandas():
    try:
        import pandas as pd
    except ImportError as exc:
        raise ConfigError("Batch result tables need pandas.", PANDAS_HINT) from exc
    return pd


def fault_column(code: str) -> str:
    return f"fault_{code}"


def clips_table(reports: list[ClipReport]) -> pd.DataFrame:
    """One row per clip; fault counts per code as ``fault_<code>`` columns (NA if not judged)."""
    pd = _pandas()
    codes = sorted({code for r in reports for code in r.fault_counts})
    rows = []
    for r in reports:
        judged = r.status == "ok"
        row: dict[str, Any] = {
            "clip": r.name,
            "path": r.path,
            "status": r.status,
            "exercise": r.exercise,
            "exercise_confidence": r.exercise_confidence,
            "variant": r.variant,
            "reps": r.reps,
            "faults": sum(r.fault_counts.values()) if judged else None,
            "hold_s": r.hold_s,
            "good_form_s": r.good_form_s,
            "duration_s": r.duration_s,
            "frames": r.frames,
            "detection_rate": r.detection_rate,
        }
        for code in codes:
            row[fault_column(code)] = r.fault_counts.get(code, 0) if judged else None
        row.update(
            {
                "reason": r.reason,
                "error": r.error,
                "cache_hit": r.cache_hit,
                "seconds": r.seconds,
            }
        )
        rows.append(row)
    columns = [
        "clip",
        "path",
        "status",
        "exercise",
        "exercise_confidence",
        "variant",
        "reps",
        "faults",
        "hold_s",
        "good_form_s",
        "duration_s",
        "frames",
        "detection_rate",
        *(fault_column(c) for c in codes),
        "reason",
        "error",
        "cache_hit",
        "seconds",
    ]
    table = pd.DataFrame(rows, columns=columns)
    ints = ["reps", "faults", "frames", *(fault_column(c) for c in codes)]
    floats = ["exercise_confidence", "hold_s", "good_form_s", "duration_s", "detection_rate"]
    strings = ["clip", "path", "status", "exercise", "variant", "reason", "error"]
    table[ints] = table[ints].astype("Int64")
    table[floats] = table[floats].astype("float64")
    table[strings] = table[strings].astype("string")
    table["cache_hit"] = table["cache_hit"].astype(bool)
    table["seconds"] = table["seconds"].astype("float64")
    return table


FAULT_COLUMNS = {
    "clip": "string",
    "path": "string",
    "exercise": "string",
    "rep": "Int64",
    "code": "string",
    "start_s": "float64",
    "end_s": "float64",
    "duration_s": "float64",
    "severity": "float64",
    "confidence": "float64",
    "cue": "string",
    "signals": "string",
}

REP_COLUMNS = {
    "clip": "string",
    "path": "string",
    "exercise": "string",
    "rep": "Int64",
    "start_s": "float64",
    "key_s": "float64",
    "end_s": "float64",
    "duration_s": "float64",
    "faults": "string",
    "worst_severity": "float64",
}


def _typed(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    pd = _pandas()
    table = pd.DataFrame(rows, columns=list(columns))
    return table.astype(columns)


def faults_table(reports: list[ClipReport]) -> pd.DataFrame:
    """One row per fault (a rep's fault, or a span of a hold with ``rep`` NA), in time order."""
    rows = []
    for r in reports:
        if r.result is None or r.status != "ok":
            continue
        for f in sorted(r.result.faults, key=lambda f: (f.start_ms, f.code)):
            rows.append(
                {
                    "clip": r.name,
                    "path": r.path,
                    "exercise": r.exercise,
                    "rep": f.rep,
                    "code": f.code,
                    "start_s": f.start_ms / 1000.0,
                    "end_s": f.end_ms / 1000.0,
                    "duration_s": f.duration_s,
                    "severity": f.severity,
                    "confidence": f.confidence,
                    "cue": f.cue,
                    "signals": ";".join(f.signals),  # as in the per-rep CSV export
                }
            )
    return _typed(rows, FAULT_COLUMNS)


def reps_table(reports: list[ClipReport]) -> pd.DataFrame:
    """One row per rep, with its fault codes and the worst fault severity (NA: clean rep)."""
    rows = []
    for r in reports:
        if r.result is None or r.status != "ok":
            continue
        worst: dict[int, float] = {}
        for f in r.result.faults:
            if f.rep is not None:
                worst[f.rep] = max(worst.get(f.rep, 0.0), f.severity)
        for rep in r.result.reps:
            rows.append(
                {
                    "clip": r.name,
                    "path": r.path,
                    "exercise": r.exercise,
                    "rep": rep.index,
                    "start_s": rep.start_ms / 1000.0,
                    "key_s": rep.key_ms / 1000.0,
                    "end_s": rep.end_ms / 1000.0,
                    "duration_s": rep.duration_s,
                    "faults": ";".join(rep.fault_codes),
                    "worst_severity": worst.get(rep.index),
                }
            )
    return _typed(rows, REP_COLUMNS)


# --------------------------------------------------------------------------- results
def output_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """``results.parquet`` -> (``results.parquet``, ``results_faults.parquet``)."""
    path = Path(path).expanduser()
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ConfigError(
            f"Results must go to a .parquet or .csv file, got {path.name}.",
            "Use --out results.parquet (needs pyarrow) or --out results.csv.",
        )
    return path, path.with_name(f"{path.stem}_faults{path.suffix}")


def check_writable(path: str | os.PathLike) -> None:
    """Fail before scoring, not after, if the results cannot be written there."""
    clips_path, _ = output_paths(path)
    if clips_path.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                "Writing .parquet needs pyarrow.", f"{PANDAS_HINT} Or use --out results.csv."
            ) from exc
    _pandas()
    from formcheck.paths import ensure_writable

    try:
        ensure_writable(clips_path, "results file")
    except ConfigError as exc:
        raise ConfigError(f"Cannot write results: {exc.problem}", exc.hint) from exc


def _write_table(table: pd.DataFrame, path: Path) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if path.suffix.lower() == ".parquet":
            table.to_parquet(temp, index=False)
        else:
            table.to_csv(temp, index=False)
        os.replace(temp, path)
    except ImportError as exc:
        raise ConfigError("Writing .parquet needs pyarrow.", PANDAS_HINT) from exc
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise ConfigError(
            f"Cannot write {path} ({exc.strerror or exc}).", "Choose a writable output path."
        ) from exc


@dataclass
class BatchResult:
    """The reports of a batch and their tables (built on first access).

    ``total`` is the number of clips asked for; fewer reports than that means the batch was
    interrupted (``interrupted``). ``warnings`` lists batch-wide problems once each.
    """

    reports: list[ClipReport]
    total: int
    elapsed_s: float = 0.0
    interrupted: bool = False

    @property
    def warnings(self) -> list[str]:
        return list(dict.fromkeys(m for r in self.reports for m in r.warnings))

    @cached_property
    def clips(self) -> pd.DataFrame:
        return clips_table(self.reports)

    @cached_property
    def faults(self) -> pd.DataFrame:
        return faults_table(self.reports)

    @cached_property
    def reps(self) -> pd.DataFrame:
        return reps_table(self.reports)

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.reports)
        return {
            "clips": len(self.reports),
            "ok": counts["ok"],
            "not_assessable": counts["not_assessable"],
            "error": counts["error"],
            "cache_hits": sum(r.cache_hit for r in self.reports),
        }

    def to_parquet(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``clips`` to ``path`` and ``faults`` beside it (``<stem>_faults.parquet``)."""
        return self._write(path, ".parquet")

    def to_csv(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``clips`` to ``path`` and ``faults`` beside it (``<stem>_faults.csv``)."""
        return self._write(path, ".csv")

    def save(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write both tables in the format of ``path``'s suffix (.parquet or .csv)."""
        return self._write(path, None)

    def _write(self, path: str | os.PathLike, suffix: str | None) -> tuple[Path, Path]:
        clips_path, faults_path = output_paths(path)
        if suffix is not None and clips_path.suffix.lower() != suffix:
            raise ConfigError(f"{clips_path.name} does not end in {suffix}.")
        clips_path.parent.mkdir(parents=True, exist_ok=True)
        _write_table(self.clips, clips_path)
        _write_table(self.faults, faults_path)
        return clips_path, faults_path

    def summary(self) -> str:
        """A few lines for a terminal: counts, per-exercise faults, errors, warnings."""
        c = self.counts
        head = f"scored {c['clips']} of {self.total} clips in {self.elapsed_s:.1f} s"
        lines = [
            f"{head}: {c['ok']} ok, {c['not_assessable']} not assessable, {c['error']} "
            f"error{'s' if c['error'] != 1 else ''} ({c['cache_hits']} from the landmark cache)"
        ]
        by_exercise: dict[str, list[ClipReport]] = {}
        for r in self.reports:
            if r.status == "ok" and r.exercise:
                by_exercise.setdefault(r.exercise, []).append(r)
        for exercise, reports in sorted(by_exercise.items()):
            faults: Counter[str] = Counter()
            for r in reports:
                faults.update(r.fault_counts)
            reps = sum(r.reps or 0 for r in reports)
            found = ", ".join(f"{code} {n}" for code, n in faults.most_common()) or "none"
            lines.append(f"  {exercise}: {len(reports)} clips, {reps} reps; faults: {found}")
        problems = [r for r in self.reports if r.status != "ok"]
        for r in problems[:10]:
            lines.append(f"  {r.name}: {r.status.replace('_', ' ')}: {r.error or r.reason}")
        if len(problems) > 10:
            lines.append(f"  ... and {len(problems) - 10} more (see the status column)")
        lines.extend(f"warning: {m}" for m in self.warnings)
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"BatchResult({c['clips']}/{self.total} clips: {c['ok']} ok, "
            f"{c['not_assessable']} not assessable, {c['error']} errors)"
        )

    def _repr_html_(self) -> str:  # notebooks show the clips table
        return f"<p>{self!r}</p>" + self.clips._repr_html_()
