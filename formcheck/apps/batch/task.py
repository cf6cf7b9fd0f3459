"""One clip, scored where a worker runs it: the options it needs and the task itself.

:func:`score_task` is what local worker processes and Dask workers run; it is module-level so
they can pickle it by reference, and it never raises for a bad clip (the error goes in the
report). The clip itself goes through the engine's one clip path
(:func:`formcheck.engine.clip.analyze_clip`), landmark cache included.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import traceback
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from formcheck.apps.batch.report import BatchWarning, ClipReport
from formcheck.engine import clip, pose_stage
from formcheck.engine.cache import CacheKey
from formcheck.engine.options import DEFAULT_MAX_SIZE, DEFAULT_PEOPLE_CHECK_MS, EngineOptions
from formcheck.engine.options import make_options as engine_options
from formcheck.errors import ConfigError, FormcheckError, InputError


def make_options(**fields: Any) -> EngineOptions:
    """Batch scoring's :class:`EngineOptions`, validated once before any clip is touched.

    Fields as :func:`formcheck.engine.options.make_options` (``strictness``, ``config`` or
    ``configs``, and the :class:`EngineOptions` fields), with two batch defaults: the landmark
    cache is on unless ``use_cache=False``, and clips draw no per-frame progress bars (a batch
    shows one bar over the clips; ``progress`` cannot be set).
    """
    return engine_options(**{"use_cache": True, **fields}, progress=False)


def estimator_factory(
    model: str | os.PathLike | None = None, people_check_ms: float = DEFAULT_PEOPLE_CHECK_MS
) -> pose_stage.EstimatorFactory:
    """The factory a batch worker makes estimators with for ``model`` (``auto``: masks on).

    For warming up workers before timing them (``benchmarks/batch_speed.py``).
    """
    options = EngineOptions(model=model, people_check_ms=people_check_ms)
    return pose_stage.estimator_factory(options.pose_options())


def landmark_cache_key(path: str | os.PathLike, options: EngineOptions | None = None) -> CacheKey:
    """The cache key of a clip under batch ``options`` (hashes the file; resolves the model)."""
    return clip.cache_key(path, options or make_options())


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def score_task(path: str, options: EngineOptions) -> ClipReport:
    """Score one clip; never raises for a bad clip (the error goes in the report)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    report = ClipReport(path=str(path), status="error", worker=worker_id())
    try:
        if not Path(path).is_file():
            raise InputError("a folder, not a clip" if Path(path).is_dir() else "file not found")
        report.fill(clip.analyze_clip(str(path), options), keep_series=options.keep_series)
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
    report.peak_rss_mb = peak_rss_mb()
    return report


def score_clip(
    path: str | os.PathLike,
    exercise: str = "auto",
    *,
    model: str | os.PathLike | None = None,
    max_size: int | None = DEFAULT_MAX_SIZE,
    stride: int = 1,
    strictness: str | None = None,
    config: str | os.PathLike | None = None,
    configs: Mapping[str, Any] | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    keep_series: bool = True,
    start_s: float | None = None,
    end_s: float | None = None,
    baseline: str | os.PathLike | None = None,
    fps: float | str | None = None,
    options: EngineOptions | None = None,
    log_as: str | None = None,
    load: str | None = None,
    date: Any = None,
    log: str | os.PathLike | None = None,
) -> ClipReport:
    """Score one clip: reps, faults and a verdict, with its landmarks cached on disk.

    ``exercise``: ``auto`` (recognised from the movement) or an exercise id
    (:func:`formcheck.exercises.registry.exercise_ids`). ``strictness`` (relaxed | standard |
    strict) and ``config`` (a TOML file) set thresholds; ``model``, ``max_size`` and
    ``stride`` set the pose stage. ``cache_dir`` defaults to ``$FORMCHECK_CACHE`` or
    ``~/.cache/formcheck/landmarks``; ``use_cache=False`` skips it. ``start_s``/``end_s``
    score only that part of the file (seconds; times in the report stay the file's own).
    ``baseline``: one good hold or rep of the same person and camera (a clip or saved
    landmarks), to judge against their own neutral (``report.result.baseline`` says whether it
    served, and why not). ``fps``: the processing rate (None: about 30; ``"native"``: every
    frame). Or pass ready-made
    ``options`` (an :class:`EngineOptions`) instead of those keywords. A clip that cannot be
    scored gives ``status="error"`` and the reason in ``error``; bad options raise
    ConfigError. The smoothed series is kept in ``report.series``.

    ``log_as``: keep the set in that person's training log (:mod:`formcheck.apps.log`), with
    ``load`` ("24kg", "53 lb"), ``date`` ("2026-03-14", "2026-03-14T18:30"; default now) and
    ``log`` (the log file; default ``$FORMCHECK_LOG`` or the user's data folder). They are
    checked before the clip is scored; the set's id is ``report.log_set_id``. A clip that
    could not be read is not logged (it has no verdict); one not judged is kept as such.
    """
    options = options_or_keywords(options, locals(), SCORE_CLIP_DEFAULTS)
    from formcheck.apps.log.writer import check_request, log_result

    request = check_request(log_as, load, date, log)
    report = score_clip_with(path, options)
    if request is not None and report.result is not None:
        configs = options.configs or {}
        report.log_set_id = log_result(
            request,
            report.result,
            clip=path,
            config=configs.get(report.result.exercise),
            source="api",
        )
    for message in report.warnings:
        warnings.warn(message, BatchWarning, stacklevel=2)
    return report


SCORE_CLIP_DEFAULTS: dict[str, Any] = {
    "exercise": "auto",
    "model": None,
    "max_size": DEFAULT_MAX_SIZE,
    "stride": 1,
    "strictness": None,
    "config": None,
    "configs": None,
    "cache_dir": None,
    "use_cache": True,
    "keep_series": True,
    "start_s": None,
    "end_s": None,
    "baseline": None,
    "fps": None,
}


def options_or_keywords(
    options: EngineOptions | None, arguments: Mapping[str, Any], defaults: Mapping[str, Any]
) -> EngineOptions:
    """``options`` as given, or made from the option keywords; refuse a mix of the two.

    ``arguments``: the calling function's ``locals()``; its option keywords are the keys of
    ``defaults`` (one it does not take, e.g. ``keep_series`` for :func:`score_clips`, has its
    default). Read this way so each public signature is the one list of its keywords.
    """
    keywords = {name: arguments.get(name, default) for name, default in defaults.items()}
    if options is None:
        return make_options(**keywords)
    changed = sorted(k for k, v in keywords.items() if v != defaults[k])
    if changed:
        raise ConfigError(
            f"Pass either options or option keywords, not both (got {', '.join(changed)}).",
            "Set those fields on the EngineOptions instead.",
        )
    if not isinstance(options, EngineOptions):
        raise ConfigError(f"options must be EngineOptions, got {type(options).__name__}.")
    return options


def score_clip_with(path: str | os.PathLike, options: EngineOptions) -> ClipReport:
    """:func:`score_clip` with options already validated by :func:`make_options`.

    For callers that score many clips one after the other in this process (``formcheck
    evaluate``). Cache warnings are left in ``report.warnings`` for the caller to show once.
    """
    return score_task(str(path), options)
