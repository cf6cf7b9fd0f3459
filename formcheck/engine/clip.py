"""The one clip path: source -> pose stage -> series -> smoothing -> verdict.

``formcheck analyze``, ``batch``, ``evaluate`` and the notebooks' ``score_clip`` all judge a
clip through :func:`analyze_clip`, so a clip gets the same verdict whichever way it came in.

The landmark cache sits between the pose stage and smoothing: with ``options.use_cache`` a
clip file's *raw* landmarks (unsmoothed, with the mask measures) are read from the cache, or
computed and stored there, keyed by the file's content and the options that change them
(:func:`cache_key`). Smoothing and every rule threshold are applied after loading, so
re-scoring with another strictness never runs the model.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.engine import pose_stage
from formcheck.engine.cache import CacheKey, LandmarkCache, file_sha256, options_token
from formcheck.engine.options import EngineOptions, make_options
from formcheck.errors import ConfigError

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from formcheck.exercises.base import ExerciseResult
    from formcheck.features.frame_input import FrameMeasures
    from formcheck.pose.estimator import PoseEstimator
    from formcheck.series.core import PoseSeries


@dataclass
class ClipAnalysis:
    """A clip's landmarks, their measures and verdict, and where the landmarks came from."""

    series: PoseSeries  # smoothed as options.smooth says
    result: ExerciseResult
    # Of the landmarks as the model gave them: smoothing fills short gaps, which would
    # overstate how often the person was found.
    raw_detection_rate: float = 0.0
    cache_hit: bool = False
    cache_key: str | None = None  # the entry's name, when the cache was used
    # Problems worth telling once, not failures (e.g. the cache cannot be written).
    warnings: list[str] = field(default_factory=list)
    # The series' features and per-frame view check, measured once for the verdict and kept
    # for the outputs (annotated video, report, CSV), so they do not measure it again.
    measures: FrameMeasures | None = None


@dataclass
class RawLandmarks:
    """The pose stage's output for a clip, before smoothing."""

    series: PoseSeries
    cache_hit: bool = False
    cache_key: str | None = None
    warnings: list[str] = field(default_factory=list)


def landmark_options(
    options: EngineOptions, path: str | os.PathLike | None = None
) -> dict[str, object]:
    """Everything in ``options`` that changes a clip's raw landmarks (resolves the model).

    With the clip's ``path``, ``stride`` is the one the frames are analysed at: the option's
    times the processing rate's step (:func:`formcheck.frames.opener.analysed_stride`), so
    the key names the frames analysed. A clip the rate leaves whole (30 fps or less at the
    default rate) keeps the key it had before rates existed, and one entry serves every way
    of asking for the same frames (``--stride 2`` or the default rate on a 60 fps clip). How
    many chunks the pose stage ran in is not part of the key: it does not change the verdict
    (``benchmarks/chunk_equivalence.py``).
    """
    from formcheck.frames.opener import analysed_stride

    factory = pose_stage.estimator_factory(options.pose_options())
    stride = options.stride
    if path is not None:
        stride = analysed_stride(path, options.stride, *options.rate())
    token: dict[str, object] = {
        "model": factory.model_token,
        "max_size": options.max_size,
        "stride": stride,
        "people_check_ms": options.people_check_ms,
        "with_masks": options.masks,
        "measures": sorted(pose_stage.mask_measures()) if options.masks else [],
    }
    # Only with a range, so the whole clip's key (and the entries cached under it) stays.
    if options.start_s is not None or options.end_s is not None:
        token["range_s"] = [options.start_s, options.end_s]
    return token


def cache_key(path: str | os.PathLike, options: EngineOptions | None = None) -> CacheKey:
    """The landmark cache key of a clip file under ``options`` (hashes the file)."""
    options = options or EngineOptions()
    return CacheKey(file_sha256(path), options_token(landmark_options(options, path)))


def _cacheable(source: object) -> bool:
    return isinstance(source, (str, os.PathLike)) and Path(source).is_file()


def cache_warning(cache: LandmarkCache, exc: OSError) -> str:
    # The same text for every clip, so a batch reports it once.
    why = exc.strerror or type(exc).__name__
    return (
        f"the landmark cache {cache.root} cannot be written ({why}): clips are still scored, "
        "but their landmarks are not kept and will be recomputed next time. Free disk space "
        "or choose another folder with --cache / cache_dir."
    )


def raw_landmarks(
    source, options: EngineOptions, *, estimator: PoseEstimator | None = None
) -> RawLandmarks:
    """The clip's raw landmark series: from the landmark cache, else from the pose stage.

    The cache is used for a clip file when ``options.use_cache`` is on and no ``estimator``
    is given (a caller's estimator could be any model, which the key could not name).
    """
    cache = key = None
    if options.use_cache and estimator is None and _cacheable(source):
        cache = LandmarkCache(options.cache_dir)
        key = cache_key(source, options)
        cached = cache.get(key)
        if cached is not None:
            log.debug("landmark cache hit: %s (%s)", key.name, cache.root)
            return RawLandmarks(cached, cache_hit=True, cache_key=key.name)
        log.debug("landmark cache miss: %s (%s)", key.name, cache.root)
    started = time.perf_counter()
    problems: list[str] = []
    series = pose_stage.extract_pose_series(
        source,
        replace(options, smooth=False),  # the cache keeps raw landmarks
        estimator=estimator,
        # Located (and checksummed) once per process; only after the source has opened.
        new_estimator=lambda: pose_stage.estimator_factory(options.pose_options())(),
        progress=options.progress,
        warnings=problems,
    )
    log.debug("pose stage: %d frames in %.2f s", len(series), time.perf_counter() - started)
    raw = RawLandmarks(series, cache_key=None if key is None else key.name, warnings=problems)
    # A part that could not be read is not kept: the next run tries it again.
    if cache is not None and key is not None and not problems:
        try:
            cache.put(key, series)
        except OSError as exc:
            raw.warnings.append(cache_warning(cache, exc))
    return raw


def analyze_clip(
    source,
    options: EngineOptions | None = None,
    *,
    estimator: PoseEstimator | None = None,
    **fields: Any,
) -> ClipAnalysis:
    """Judge one video, image, folder of images, camera or array source.

    ``options`` says how (exercise, model, frame size and stride, smoothing, masks, cache,
    rule configs); or give those as keywords (``analyze_clip("set.mp4", exercise=...,
    strictness="strict")``, read by :func:`~formcheck.engine.options.make_options`), not
    both. ``estimator`` reuses a loaded model (closed by the caller).
    """
    from formcheck.engine.analyze import analyze_series
    from formcheck.features.frame_input import measure_frames

    if options is None:
        options = make_options(**fields)
    elif fields:
        raise ConfigError(
            f"Pass either options or option keywords, not both (got {', '.join(sorted(fields))}).",
            "Set those fields on the EngineOptions instead.",
        )
    raw = raw_landmarks(source, options, estimator=estimator)
    from formcheck.series.smoothing import smooth_offline

    series = smooth_offline(raw.series) if options.smooth else raw.series
    measures = measure_frames(series)
    result = analyze_series(series, options.exercise, options.configs, measures=measures)
    if options.baseline:
        from formcheck.engine.baseline import apply_baseline

        result = apply_baseline(series, measures, result, options)
    return ClipAnalysis(
        series=series,
        result=result,
        measures=measures,
        raw_detection_rate=raw.series.detection_rate,
        cache_hit=raw.cache_hit,
        cache_key=raw.cache_key,
        warnings=raw.warnings,
    )
