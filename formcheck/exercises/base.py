"""The one rule interface every exercise implements, and the verdict types it returns.

A rule is a causal state machine fed one frame at a time (``RuleSession.update``). Offline
evaluation of a recorded series is the very same session run over every frame, so a clip
scored afterwards and the same frames seen live give the same reps and faults. Rules read
per-frame features (angles, offsets) and never import cv2 or mediapipe.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from itertools import islice
from typing import TYPE_CHECKING, Any

from formcheck.errors import ConfigError
from formcheck.features.frame_input import FrameInput
from formcheck.features.view import View, ViewAssessment
from formcheck.series.core import PoseSeries
from formcheck.series.jsonable import json_safe

if TYPE_CHECKING:
    from formcheck.features.frame_input import FrameMeasures

DISCLAIMER = (
    "formcheck checks exercise technique from video; it does not diagnose pain or injury. "
    "If you have back pain, involve a doctor or physiotherapist first and start light."
)


class FaultLevel(StrEnum):
    """How far a finding is from good form. A ``str``, so the JSON of a result is the same text.

    ``slight``: past the smallest deviation the model can see reliably, short of where a coach
    would correct it. Shown and reported as a note (:attr:`ExerciseResult.notes`): it does not
    end good form and is not counted as a fault. ``fault``: the cue a coach would give.
    ``--strictness strict`` places the fault level at the slight one.
    """

    SLIGHT = "slight"
    FAULT = "fault"


@dataclass(frozen=True)
class Fault:
    """One detected fault (or, at ``level`` slight, a note), with the evidence behind it."""

    code: str  # e.g. "rounded_back"
    cue: str  # the coaching cue in plain words, e.g. "Chest up, keep your back flat"
    start_ms: float
    end_ms: float
    rep: int | None  # 1-based rep number, None for holds
    severity: float  # 0..1: how far past the threshold (1 = far past)
    confidence: float  # 0..1: how sure the measurement is (visibility, agreeing signals)
    measured: dict[str, float] = field(default_factory=dict)  # name -> value measured
    thresholds: dict[str, float] = field(default_factory=dict)  # name -> threshold crossed
    signals: tuple[str, ...] = ()  # which independent signals fired (e.g. landmarks, silhouette)
    level: FaultLevel = FaultLevel.FAULT  # a plain string naming a level is turned into the member

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", FaultLevel(self.level))

    @property
    def duration_s(self) -> float:
        return max(0.0, (self.end_ms - self.start_ms) / 1000.0)


@dataclass(frozen=True)
class Rep:
    index: int  # 1-based
    start_ms: float
    key_ms: float  # deadlift: lockout; swing: top of the swing
    end_ms: float
    fault_codes: tuple[str, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000.0


class EventKind(StrEnum):
    """What an :class:`Event` tells. A ``str``, so the JSON of a result is the same text."""

    REP = "rep"  # a rep was counted (``message`` "Rep 3")
    FAULT = "fault"  # a fault to cue (``code``, ``severity``), unpaced: CuePolicy paces cues
    FORM_BROKE = "form_broke"  # a hold's form broke for good: stop the set
    HOLD_STARTED = "hold_started"  # ``time_ms`` is when the hold began
    HOLD_ENDED = "hold_ended"


@dataclass(frozen=True)
class Event:
    """Something to tell the person as it happens (live) or to mark on a timeline."""

    kind: EventKind  # a plain string naming a kind is turned into the member
    time_ms: float
    message: str
    code: str | None = None
    severity: float = 0.0

    def __post_init__(self) -> None:
        # A mistyped kind fails here, where it is made, not later as a silent non-match.
        object.__setattr__(self, "kind", EventKind(self.kind))


@dataclass(frozen=True)
class ViewConfidence:
    """How far a fault seen from each camera view is trusted: a factor 0..1 on its confidence.

    Faults in the sagittal plane show as they are only from the side; an oblique camera
    foreshortens the body and so distorts its angles; ``unknown`` is a frame whose yaw could not
    be estimated. Each exercise's config holds its own (``view_confidence``, overridden in TOML
    as ``[<exercise>.view_confidence]``). 0 means the view cannot show the faults: the plank
    does not judge such frames, and the deadlift and swing never judge a front view anyway.
    """

    side: float
    oblique: float
    unknown: float
    front: float

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not (
                isinstance(value, (int, float)) and 0.0 <= value <= 1.0
            ):
                raise ConfigError(
                    f"view_confidence {item.name} must be a number within 0..1, got {value!r}."
                )

    def for_view(self, view: str) -> float:
        """The factor for a view label (:class:`~formcheck.features.view.View`); any other
        label counts as unknown. A clip between side and oblique (``side-oblique``, see
        :func:`~formcheck.features.view.judged_views`) is judged with the checks valid for
        both: the stricter of the two factors."""
        if view == View.SIDE:
            return self.side
        if view == View.SIDE_OBLIQUE:
            return min(self.side, self.oblique)
        if view == View.OBLIQUE:
            return self.oblique
        if view == View.FRONT:
            return self.front
        return self.unknown


@dataclass
class SetSummary:
    rep_count: int = 0
    duration_s: float = 0.0
    mean_rep_s: float | None = None  # tempo: mean rep duration
    hold_s: float | None = None  # planks: total time in the plank position
    good_form_s: float | None = None  # planks: time held before form broke / with good form
    form_broke_ms: float | None = None  # planks: when a fault persisted ("stop the set")
    advice: list[str] = field(default_factory=list)


@dataclass
class ExerciseResult:
    exercise: str  # deadlift | plank | kbswing | other
    variant: str | None = None  # e.g. "forearm/toes", "romanian"
    assessable: bool = True
    reason: str | None = None  # why not assessable
    reps: list[Rep] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)  # level fault only
    notes: list[Fault] = field(default_factory=list)  # level slight: shown, not counted
    events: list[Event] = field(default_factory=list)
    summary: SetSummary = field(default_factory=SetSummary)
    not_judged: dict[str, str] = field(default_factory=dict)  # fault code -> reason
    view: ViewAssessment | None = None  # the clip's camera view, when it had frames
    recognition: dict[str, float] | None = None  # exercise -> confidence when auto-detected
    # The personal baseline, when one was given: source, used, why, measured, overrides.
    baseline: dict[str, Any] | None = None
    disclaimer: str = DISCLAIMER

    @property
    def fault_codes(self) -> set[str]:
        return {f.code for f in self.faults}

    def to_dict(self) -> dict[str, Any]:
        return json_safe(asdict(self))


class RuleSession(ABC):
    """Incremental evaluation: feed frames in time order, read events, finish for the verdict."""

    @abstractmethod
    def update(self, frame: FrameInput) -> list[Event]:
        """Consume one frame; return events that happened at it (new rep, fault, form broke)."""

    def update_many(self, frames: Iterable[FrameInput]) -> list[Event]:
        """Consume frames in order (offline: a clip, block by block): the same as ``update`` on
        each, which a session may do faster by measuring them at once."""
        return [event for frame in frames for event in self.update(frame)]

    @abstractmethod
    def finish(self) -> ExerciseResult:
        """The verdict for everything seen so far (may be called more than once)."""


# Frames handed to a session at once offline: enough for a vectorised rule to gain, few enough
# that a long clip's rule inputs are never all held at once (memory stays flat in its length).
EVALUATE_BLOCK = 600


def _blocks(items: Iterable[FrameInput], size: int) -> Iterator[list[FrameInput]]:
    iterator = iter(items)
    while block := list(islice(iterator, size)):
        yield block


class ExerciseRule(ABC):
    """One exercise's checks: its typed config and a session per set.

    Subclasses set ``exercise`` (the plug-in's id) and ``config_type`` (its frozen config
    dataclass) and define ``session``; the config is checked here once for all of them.
    """

    exercise: str = ""
    config_type: type = object

    def __init__(self, config: Any = None) -> None:
        if config is not None and not isinstance(config, self.config_type):
            name, wanted = type(self).__name__, self.config_type.__name__
            raise ConfigError(
                f"{name} needs a {wanted}, got {type(config).__name__}.",
                f"Build one with {wanted}(...) or formcheck.exercises.config.preset().",
            )
        self.config = config if config is not None else self.config_type()

    @abstractmethod
    def session(self) -> RuleSession:
        """A session judging at this rule's own thresholds (the fault level)."""

    def graded_session(self) -> RuleSession:
        """A session that grades its findings: faults at this rule's thresholds, and notes at
        the slight level (:mod:`formcheck.exercises.levels`). Every app judges through it."""
        from formcheck.exercises.levels import GradedSession, slight_config

        slight = slight_config(self.config)
        beside = type(self)(slight).session() if slight is not None else None
        return GradedSession(self.session(), beside)

    def evaluate(
        self, series: PoseSeries, *, measures: FrameMeasures | None = None
    ) -> ExerciseResult:
        """Offline: the same session fed every frame of a (smoothed) series.

        ``measures``: the series' :func:`~formcheck.features.frame_input.measure_frames`, when
        the caller has them already (the engine measures a clip once); else measured here.
        """
        if measures is None:
            from formcheck.features.frame_input import measure_frames

            measures = measure_frames(series)
        elif measures.series is not series:
            raise ValueError("measures must be of the series being evaluated")
        session = self.graded_session()
        for block in _blocks(measures.frame_inputs(), EVALUATE_BLOCK):
            session.update_many(block)
        result = session.finish()
        if result.view is None and len(series):
            result.view = measures.view
        return result
