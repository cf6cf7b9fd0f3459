"""The engine's options: one frozen, validated value for the pose stage and the verdict.

``formcheck analyze``, ``batch``, ``evaluate``, the notebooks' ``score_clip`` and the pose stage
all take an :class:`EngineOptions`. Each field is checked once, when the value is made (a bad
value is a ConfigError before any clip is opened), with the bounds the frame sources enforce
(:func:`formcheck.frames.core.check_options`). The pose backend gets what it needs through
:meth:`EngineOptions.pose_options`.

Small and picklable: batch scoring sends it with every clip to worker processes and Dask
workers, so rule configs travel loaded (a config file need not exist on a remote worker).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.errors import ConfigError
from formcheck.exercises import registry
from formcheck.frames.core import DEFAULT_RATE, RATE_HINT, check_options, check_rate
from formcheck.pose.estimator import PoseOptions

DEFAULT_MAX_SIZE = 960  # the model sees 256 px; 960 keeps detail for the silhouette measure
DEFAULT_PEOPLE_CHECK_MS = 2000.0
NATIVE = "native"  # fps: analyse every frame of the clip


@dataclass(frozen=True)
class EngineOptions:
    """How a clip goes from its source to a verdict.

    ``exercise``: ``auto`` or an exercise id (aliases are accepted and normalised).
    ``model``: variant name or bundle path; None = ``$FORMCHECK_MODEL``, else the default.
    ``max_size``: shrink frames so their long side is at most this (None: keep the size).
    ``stride``: judge every N-th frame. ``smooth``: filter the landmarks as every offline path
    does (:func:`formcheck.series.smoothing.smooth_offline`); False keeps them raw.
    ``with_masks``: keep the model's segmentation mask and take the silhouette measures on it;
    None (the default) decides from the exercise (:attr:`masks`, :func:`registry.needs_masks`).
    ``people_check_ms``: how often to count the people in view (0: never).
    ``progress``: a per-frame progress bar (None: only on an interactive terminal).
    ``use_cache``/``cache_dir``: keep each clip file's raw landmarks in the landmark cache
    (:mod:`formcheck.engine.cache`; None = ``$FORMCHECK_CACHE`` or the user's cache folder).
    Off by default here, so analysing one clip writes nothing it was not asked to; the
    scoring API (``score_clip``, ``batch``, ``evaluate``) turns it on.
    ``configs``: loaded rule configs per exercise id (None: the standard presets); see
    :func:`make_options` to load them from a strictness and a TOML file.
    ``keep_series``: hand the smoothed series back with a batch report (batch workers drop
    it, so reports stay small to send between processes).
    ``start_s``/``end_s``: judge only that part of a video file, in seconds of the file
    (None: from its beginning / to its end); every time in the verdict stays the file's own.
    ``baseline``: a clip, photos or saved landmarks of one good hold or rep by the same person
    and camera: the verdict is judged against their own neutral
    (:mod:`formcheck.engine.baseline`); None: the population's.
    ``fps``: the processing rate of a video file. None (the default): about 30 frames a second
    (a 60 fps clip: every other frame; a clip at 30 or less: every frame); ``"native"``: every
    frame; a number: that rate, never above the clip's own (a ConfigError when the clip opens).
    Kept frames are evenly spaced and keep their exact times (:func:`formcheck.frames.core.rate_step`).
    ``chunks``: how many parallel pieces the pose stage splits a long recorded clip into (None:
    one per free core; 1: a single stream). Splitting does not change the verdict, so it is not
    part of the landmark cache key (:mod:`formcheck.engine.chunks`).
    """

    exercise: str = registry.AUTO
    model: str | None = None
    max_size: int | None = DEFAULT_MAX_SIZE
    stride: int = 1
    smooth: bool = True
    with_masks: bool | None = None
    people_check_ms: float = DEFAULT_PEOPLE_CHECK_MS
    progress: bool | None = None
    use_cache: bool = False
    cache_dir: str | None = None
    configs: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    keep_series: bool = False
    start_s: float | None = None
    end_s: float | None = None
    baseline: str | None = None
    fps: float | str | None = None
    chunks: int | None = None

    def __post_init__(self) -> None:
        # The frame sources' own bounds.
        check_options(self.max_size, self.stride, None, self.start_s, self.end_s)
        if isinstance(self.fps, str):
            if self.fps.strip().lower() != NATIVE:
                raise ConfigError(
                    f"The processing rate (--fps / fps) must be a number of frames a second or "
                    f"'native', got {self.fps!r}.",
                    RATE_HINT,
                )
            object.__setattr__(self, "fps", NATIVE)
        else:
            check_rate(self.fps)
        if self.chunks is not None and (
            not isinstance(self.chunks, numbers.Integral)
            or isinstance(self.chunks, bool)
            or self.chunks < 1
        ):
            raise ConfigError(
                f"chunks must be a whole number >= 1, got {self.chunks!r}.",
                "Leave it unset to use the free cores, or 1 for a single stream.",
            )
        if not (
            isinstance(self.people_check_ms, numbers.Real)
            and not isinstance(self.people_check_ms, bool)
            and math.isfinite(self.people_check_ms)
            and self.people_check_ms >= 0
        ):
            raise ConfigError(
                f"people_check_ms must be a number of milliseconds >= 0, got "
                f"{self.people_check_ms!r}.",
                "Use 2000 (the default) to count the people in view every 2 s, or 0 not to count them.",
            )
        if self.configs is not None:
            if not isinstance(self.configs, Mapping):
                raise ConfigError(
                    f"configs must map exercise ids to their configs, got {type(self.configs)}.",
                    "Load them with make_options(strictness=..., config=...).",
                )
            object.__setattr__(self, "configs", registry.complete_configs(self.configs))
        normal = {
            "exercise": registry.normalise(self.exercise),
            "model": None if self.model is None else os.fspath(self.model),
            "max_size": None if self.max_size is None else int(self.max_size),
            "stride": int(self.stride),
            "people_check_ms": float(self.people_check_ms),
            "start_s": None if self.start_s is None else float(self.start_s),
            "end_s": None if self.end_s is None else float(self.end_s),
            # Absolute, as the cache folder: batch workers may run in another folder.
            "baseline": (
                None if not self.baseline else str(Path(self.baseline).expanduser().absolute())
            ),
            "fps": self.fps if self.fps in (None, NATIVE) else float(self.fps),
            "chunks": None if self.chunks is None else int(self.chunks),
            "cache_dir": (
                None if not self.cache_dir else str(Path(self.cache_dir).expanduser().absolute())
            ),
        }
        for name, value in normal.items():
            object.__setattr__(self, name, value)

    @property
    def masks(self) -> bool:
        """Whether the pose stage keeps segmentation masks (and takes the silhouette measures).

        Unless forced by ``with_masks``: as the exercise needs (``auto``: as any exercise
        could). Landmarks kept in the cache are taken as ``auto`` needs them whatever the
        exercise, because a later run may judge them as another one (a re-score with another
        ``exercise``, or recognition); the entry then serves every exercise.
        """
        if self.with_masks is not None:
            return bool(self.with_masks)
        return registry.needs_masks(registry.AUTO if self.use_cache else self.exercise)

    def rate(self) -> tuple[float | None, bool]:
        """(rate, strict) for :func:`formcheck.frames.open_source`: the default rate gives way
        to a slower clip's own, an asked one must not exceed it."""
        if self.fps is None:
            return DEFAULT_RATE, False
        if self.fps == NATIVE:
            return None, True
        return float(self.fps), True

    def pose_options(self, model: str | os.PathLike | None = None) -> PoseOptions:
        """What the pose backend is built with; ``model`` (a located bundle) overrides ours."""
        chosen = self.model if model is None else os.fspath(model)
        return PoseOptions(
            model=chosen, with_masks=self.masks, people_check_ms=self.people_check_ms
        )


def make_options(
    *,
    strictness: str | None = None,
    config: str | os.PathLike | None = None,
    configs: Mapping[str, Any] | None = None,
    **fields: Any,
) -> EngineOptions:
    """:class:`EngineOptions` with the rule configs loaded from ``strictness`` and ``config``.

    ``strictness`` (relaxed | standard | strict) and ``config`` (a TOML file) are read here,
    once, by the caller; or pass ``configs`` already loaded. Other fields as EngineOptions.
    """
    if configs is None:
        from formcheck.engine.analyze import load_rule_configs

        configs = load_rule_configs(config, strictness)
    elif config is not None or strictness is not None:
        raise ConfigError("Pass either configs or config/strictness, not both.")
    return EngineOptions(configs=configs, **fields)
