"""What an exercise plug-in tells the rest of formcheck: one frozen :class:`ExerciseSpec`.

Everything the program knows about an exercise beyond its rules lives in its spec: names and
aliases, whether it counts reps or times a hold, its faults (cue, spoken phrase, manifest
label, plot colour, the moment a fault is worst), the angles the overlay shows, the signals
the report plots, how recognition scores it, and whether it needs the segmentation mask. The
CLI, recognition, evaluation, overlay, annotated video, reports, plots, speech and live loop
iterate :mod:`formcheck.exercises.registry` and read these fields; none of them names an
exercise. This module is pure data: no cv2, no mediapipe, no rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from formcheck.exercises.base import ExerciseRule


class Measure(StrEnum):
    """What a set of the exercise is measured in."""

    REPS = "reps"  # counted repetitions, each with a key moment (lockout, top)
    HOLD = "hold"  # one timed hold, with the time in good form and when form broke


@dataclass(frozen=True)
class FaultSpec:
    """One fault an exercise's rules can raise, as the outputs present it."""

    code: str  # stable identifier in results, tables and JSON, e.g. "rounded_back"
    spoken: str  # a phrase short enough to take in mid-rep: "chest up, flat back"
    colour: str  # plot colour (hex), from a colour-blind-safe palette
    # The manifest label a labelled clip of this fault carries (``MANIFEST.csv``), if any.
    manifest_label: str | None = None
    # The moment a fault is worst, for key frames: (signal, direction): the frame of its span
    # where the signal is largest (+1), smallest (-1) or furthest from 0 (0).
    worst_signal: str | None = None
    worst_direction: int = 1
    # A fault either of two signals can raise: ``measured[worst_share_key]`` is the share of
    # ``worst_signal`` in raising it; below ``worst_share_min`` (or not measured) the worst
    # moment is where ``alt_worst_signal`` is most extreme instead (same direction).
    alt_worst_signal: str | None = None
    worst_share_key: str | None = None
    worst_share_min: float = 0.5

    def worst_key(self, measured: Mapping[str, float]) -> str | None:
        """The signal whose extreme marks this fault's worst moment, given what it measured."""
        if (
            self.alt_worst_signal is not None
            and self.worst_share_key is not None
            and measured.get(self.worst_share_key, 0.0) < self.worst_share_min
        ):
            return self.alt_worst_signal
        return self.worst_signal


@dataclass(frozen=True)
class KeyAngle:
    """An angle the overlay draws beside the joint it is measured at."""

    label: str  # "hip", "body line"
    feature: str  # a name of formcheck.features.core.FEATURE_DEFINITIONS


@dataclass(frozen=True)
class Band:
    """The zone beyond a threshold on a plot: values above ``value`` (``above``) or below it."""

    value: float
    above: bool
    label: str


def no_bands(config: Any) -> list[Band]:
    return []


def no_refs(config: Any) -> list[tuple[float, str]]:
    return []


@dataclass(frozen=True)
class PlotSpec:
    """One signal the report plots, and how to judge it against the exercise's config."""

    key: str  # a feature name, or the name of the signal ``derive`` computes
    title: str
    unit: str  # "deg" or "" (ratios)
    description: str
    faults: tuple[str, ...] = ()
    # (typed config of the exercise) -> the fault zones to shade.
    bands: Callable[[Any], list[Band]] = field(default=no_bands)
    # (typed config) -> reference lines (value, label): rep-detection levels, not faults.
    refs: Callable[[Any], list[tuple[float, str]]] = field(default=no_refs)
    # (Features of a clip) -> (T,) values, for a signal the exercise derives from features
    # (e.g. a bend signed by a side); None: ``key`` is a feature, read as it is.
    derive: Callable[[Any], Any] | None = None


class Recognizer(Protocol):
    """How recognition scores one exercise from the generic cues measured for it.

    ``cues`` are the clip-level (or, for a photo, posture) numbers and judgements of
    :mod:`formcheck.features.movement`; each returns (evidence >= 0, a phrase saying why).
    """

    def clip_evidence(self, cues: Mapping[str, float]) -> tuple[float, str]: ...

    def still_evidence(self, cues: Mapping[str, float]) -> tuple[float, str]: ...


@dataclass(frozen=True)
class ExerciseSpec:
    """All that formcheck knows about one exercise outside its rules."""

    id: str  # "kbswing": the value of --exercise, results, tables, config sections
    name: str  # in a sentence: "kettlebell swing"
    title: str  # as a heading: "Kettlebell swing"
    badge: str  # on the overlay: "KB SWING"
    aliases: tuple[str, ...]  # other spellings people and manifests use: "swing", "kb"
    measure: Measure
    faults: tuple[FaultSpec, ...]
    key_angles: tuple[KeyAngle, ...]
    plots: tuple[PlotSpec, ...]
    config_type: type  # frozen dataclass of thresholds; its TOML section is ``[<id>]``
    rule_type: type[ExerciseRule]  # built as rule_type(config)
    # Measures taken on each frame's segmentation mask while it exists, by the series extra
    # they fill: name -> measure(frame, pose_result) -> array. Masks are dropped with their
    # frame, so what a rule reads from the silhouette is measured in the pose stage. Empty:
    # the exercise needs no mask (and the model runs about 13% faster without).
    mask_measures: Mapping[str, Callable[[Any, Any], Any]] = field(default_factory=dict)
    # Whether one photo can be judged (as a short motionless hold) or needs a video.
    judges_stills: bool = False
    # The rep's key moment in words ("lockout", "top"); REPS exercises only.
    key_moment: str | None = None
    recognizer: Recognizer | None = None
    # A shorter name for lists in running text where the context is clear ("no clear
    # deadlift, plank or swing pattern"); empty: ``name``.
    short_name: str = ""
    # series extra -> advice when a series lacks it (e.g. landmarks saved without the mask).
    missing_extras: Mapping[str, str] = field(default_factory=dict)
    # Where the exercise comes in lists (help, tables, menus): lower first, then by id.
    order: int = 100
    # The personal baseline (formcheck.exercises.baseline): (the baseline clip's result, its
    # frame measures, config) -> Neutral; None: the exercise has no baseline yet.
    neutral: Callable[[Any, Any, Any], Any] | None = None

    def __post_init__(self) -> None:
        codes = [f.code for f in self.faults]
        if len(set(codes)) != len(codes):
            raise ValueError(f"exercise {self.id!r}: fault codes repeat: {codes}")
        if self.measure is Measure.REPS and not self.key_moment:
            raise ValueError(f"exercise {self.id!r} counts reps: give key_moment")
        if getattr(self.rule_type, "config_type", self.config_type) is not self.config_type:
            raise ValueError(f"exercise {self.id!r}: its rule judges another config type")

    @property
    def needs_masks(self) -> bool:
        return bool(self.mask_measures)

    @property
    def counts_reps(self) -> bool:
        return self.measure is Measure.REPS

    @property
    def fault_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.faults)

    def fault(self, code: str) -> FaultSpec | None:
        return next((f for f in self.faults if f.code == code), None)

    def make_rule(self, config: Any = None) -> ExerciseRule:
        return self.rule_type(config if config is not None else self.config_type())


def band(value: float, above: bool, label: str) -> list[Band]:
    """A fault zone from a threshold; none where the threshold is switched off (inf or NaN)."""
    value = float(value)
    return [Band(value, above, label)] if math.isfinite(value) else []


def ref(value: float, label: str) -> list[tuple[float, str]]:
    """A reference line; none where the level is switched off."""
    value = float(value)
    return [(value, label)] if math.isfinite(value) else []
