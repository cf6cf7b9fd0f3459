"""A toy exercise plug-in that formcheck does not ship: a "good morning" (a standing hip hinge).

It exists to prove the plug-in contract: the tests register it with
``formcheck.exercises.registry.registered`` and drive it through every consumer (analyze, the
overlay, the annotated video, the reports, batch tables, the live loop) without touching any
other module. Its rule is deliberately small but real: a rep is a hinge past ``down_deg`` of hip
flexion and back up past ``up_deg``; a rep whose knees bend past ``knee_limit_deg`` gets the
``knees_bent`` fault.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from formcheck.exercises.base import (
    Event,
    ExerciseResult,
    ExerciseRule,
    Fault,
    FrameInput,
    Rep,
    RuleSession,
    SetSummary,
)
from formcheck.exercises.spec import (
    ExerciseSpec,
    FaultSpec,
    KeyAngle,
    Measure,
    PlotSpec,
    band,
)

TOY_ID = "goodmorning"
KNEES_BENT = "knees_bent"
CUE = "Keep the knees soft, not bent: push the hips back"


@dataclass(frozen=True)
class GoodMorningConfig:
    down_deg: float = 45.0  # hip flexion that starts a rep
    up_deg: float = 20.0  # hip flexion that ends it (standing)
    knee_limit_deg: float = 100.0  # knee flexion past this in a rep: knees_bent

    # --strictness: how much knee bend is tolerated.
    PRESETS: ClassVar[dict[str, dict[str, float]]] = {
        "relaxed": {"knee_limit_deg": 120.0},
        "strict": {"knee_limit_deg": 80.0},
    }


@dataclass
class _Open:
    start_ms: float
    max_knee: float = 0.0
    max_hip: float = 0.0


@dataclass
class GoodMorningSession(RuleSession):
    config: GoodMorningConfig
    reps: list[Rep] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    _open: _Open | None = None
    _first_ms: float | None = None
    _last_ms: float = 0.0

    def update(self, frame: FrameInput) -> list[Event]:
        if self._first_ms is None:
            self._first_ms = frame.time_ms
        self._last_ms = frame.time_ms
        hip = frame.features.get("hip_flexion", math.nan)
        knee = frame.features.get("knee_flexion", math.nan)
        if not frame.detected or not math.isfinite(hip):
            return []
        out: list[Event] = []
        if self._open is None:
            if hip >= self.config.down_deg:
                self._open = _Open(start_ms=frame.time_ms)
        else:
            self._open.max_hip = max(self._open.max_hip, hip)
            if math.isfinite(knee):
                self._open.max_knee = max(self._open.max_knee, knee)
            if hip <= self.config.up_deg:
                out.extend(self._close(frame.time_ms))
        self.events.extend(out)
        return out

    def _close(self, end_ms: float) -> list[Event]:
        assert self._open is not None
        index = len(self.reps) + 1
        codes: tuple[str, ...] = ()
        out = [Event("rep", end_ms, f"Rep {index}")]
        if self._open.max_knee > self.config.knee_limit_deg:
            codes = (KNEES_BENT,)
            excess = self._open.max_knee - self.config.knee_limit_deg
            fault = Fault(
                code=KNEES_BENT,
                cue=CUE,
                start_ms=self._open.start_ms,
                end_ms=end_ms,
                rep=index,
                severity=min(1.0, excess / 30.0),
                confidence=1.0,
                measured={"knee_flexion_max": self._open.max_knee},
                thresholds={"knee_flexion_max": self.config.knee_limit_deg},
            )
            self.faults.append(fault)
            out.append(Event("fault", end_ms, CUE, KNEES_BENT, fault.severity))
        self.reps.append(
            Rep(
                index=index,
                start_ms=self._open.start_ms,
                key_ms=end_ms,
                end_ms=end_ms,
                fault_codes=codes,
                metrics={"hip_flexion_max": self._open.max_hip},
            )
        )
        self._open = None
        return out

    def finish(self) -> ExerciseResult:
        duration = 0.0 if self._first_ms is None else (self._last_ms - self._first_ms) / 1000.0
        durations = [r.duration_s for r in self.reps]
        return ExerciseResult(
            exercise=TOY_ID,
            reps=list(self.reps),
            faults=list(self.faults),
            events=list(self.events),
            summary=SetSummary(
                rep_count=len(self.reps),
                duration_s=duration,
                mean_rep_s=sum(durations) / len(durations) if durations else None,
            ),
        )


class GoodMorningRule(ExerciseRule):
    exercise = TOY_ID
    config_type = GoodMorningConfig

    def session(self) -> GoodMorningSession:
        return GoodMorningSession(self.config)


class GoodMorningRecognizer:
    """Never claims a clip: a toy must not steal recognition from the real exercises."""

    def clip_evidence(self, cues):
        return 0.0, "toy"

    def still_evidence(self, cues):
        return 0.0, "toy"


TOY_SPEC = ExerciseSpec(
    id=TOY_ID,
    name="good morning",
    title="Good morning",
    badge="GOOD MORNING",
    aliases=("good-morning", "gm"),
    measure=Measure.REPS,
    key_moment="standing",
    faults=(
        FaultSpec(
            KNEES_BENT,
            spoken="soft knees, hips back",
            colour="#009e73",
            manifest_label="kneesbent",
            worst_signal="knee_flexion",
            worst_direction=1,
        ),
    ),
    key_angles=(KeyAngle("hip", "hip_flexion"), KeyAngle("knee", "knee_flexion")),
    plots=(
        PlotSpec("hip_flexion", "Hip flexion", "deg", "0 standing, 90 folded"),
        PlotSpec(
            "knee_flexion",
            "Knee flexion",
            "deg",
            "0 straight legs",
            faults=(KNEES_BENT,),
            bands=lambda c: band(c.knee_limit_deg, True, "knees bent"),
        ),
    ),
    config_type=GoodMorningConfig,
    rule_type=GoodMorningRule,
    recognizer=GoodMorningRecognizer(),
    order=900,
)


# ------------------------------------------------------------------------ a hold exercise
HOLD_ID = "forearmhold"
LINE_BROKEN = "line_broken"
LINE_CUE = "Keep one straight line from shoulders to ankles"


@dataclass(frozen=True)
class ForearmHoldConfig:
    # The body counts as in position when the trunk is this close to horizontal (deg).
    min_trunk_deg: float = 60.0
    max_trunk_deg: float = 120.0
    line_limit_deg: float = 10.0  # body-line bend past this is a broken line
    broke_after_s: float = 1.0  # a broken line held this long ends the set ("form broke")

    PRESETS: ClassVar[dict[str, dict[str, float]]] = {
        "relaxed": {"line_limit_deg": 15.0},
        "strict": {"line_limit_deg": 6.0},
    }


@dataclass
class ForearmHoldSession(RuleSession):
    """A hold timer: time in position, time in good form, and when form broke."""

    config: ForearmHoldConfig
    events: list[Event] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _start: float | None = None
    _last_in: float | None = None
    _bad_since: float | None = None
    _broke_ms: float | None = None
    _first_ms: float | None = None
    _last_ms: float = 0.0

    def update(self, frame: FrameInput) -> list[Event]:
        if self._first_ms is None:
            self._first_ms = frame.time_ms
        self._last_ms = frame.time_ms
        trunk = frame.features.get("trunk_inclination", math.nan)
        line = frame.features.get("body_line_angle", math.nan)
        c = self.config
        out: list[Event] = []
        in_position = frame.detected and c.min_trunk_deg <= trunk <= c.max_trunk_deg
        if in_position and self._start is None:
            self._start = frame.time_ms
            out.append(Event("hold_started", frame.time_ms, "Hold started."))
        if in_position:
            self._last_in = frame.time_ms
            bad = math.isfinite(line) and line > c.line_limit_deg
            if bad and self._bad_since is None:
                self._bad_since = frame.time_ms
            elif not bad:
                self._bad_since = None
            long_enough = (
                self._bad_since is not None
                and frame.time_ms - self._bad_since >= c.broke_after_s * 1000.0
            )
            if long_enough and self._broke_ms is None:
                self._broke_ms = self._bad_since
                self.faults.append(
                    Fault(
                        code=LINE_BROKEN,
                        cue=LINE_CUE,
                        start_ms=self._bad_since,
                        end_ms=frame.time_ms,
                        rep=None,
                        severity=min(1.0, (line - c.line_limit_deg) / 20.0),
                        confidence=1.0,
                        measured={"body_line_angle": line},
                        thresholds={"body_line_angle": c.line_limit_deg},
                    )
                )
                out.append(Event("form_broke", self._bad_since, LINE_CUE, LINE_BROKEN, 1.0))
        self.events.extend(out)
        return out

    def finish(self) -> ExerciseResult:
        held = 0.0 if self._start is None else ((self._last_in or self._start) - self._start)
        good = held if self._broke_ms is None else self._broke_ms - (self._start or 0.0)
        events = list(self.events)
        if self._start is not None:
            events.append(Event("hold_ended", self._last_in or self._start, "Hold ended."))
        first = self._first_ms or 0.0
        return ExerciseResult(
            exercise=HOLD_ID,
            faults=list(self.faults),
            events=events,
            summary=SetSummary(
                duration_s=(self._last_ms - first) / 1000.0,
                hold_s=held / 1000.0,
                good_form_s=max(0.0, good) / 1000.0,
                form_broke_ms=self._broke_ms,
            ),
        )


class ForearmHoldRule(ExerciseRule):
    exercise = HOLD_ID
    config_type = ForearmHoldConfig

    def session(self) -> ForearmHoldSession:
        return ForearmHoldSession(self.config)


HOLD_SPEC = ExerciseSpec(
    id=HOLD_ID,
    name="forearm hold",
    title="Forearm hold",
    badge="HOLD",
    aliases=("hold",),
    measure=Measure.HOLD,
    faults=(
        FaultSpec(
            LINE_BROKEN,
            spoken="straight line",
            colour="#56b4e9",
            worst_signal="body_line_angle",
            worst_direction=1,
        ),
    ),
    key_angles=(KeyAngle("body line", "body_line_angle"),),
    plots=(
        PlotSpec(
            "body_line_angle",
            "Body line",
            "deg",
            "0 straight",
            faults=(LINE_BROKEN,),
            bands=lambda c: band(c.line_limit_deg, True, "line broken"),
        ),
    ),
    config_type=ForearmHoldConfig,
    rule_type=ForearmHoldRule,
    judges_stills=True,
    order=901,
)
