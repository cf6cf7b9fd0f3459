"""What the training log keeps about one set, as typed values, and how a verdict becomes one.

A :class:`LoggedSet` is built from the engine's :class:`~formcheck.exercises.base.ExerciseResult`
by :func:`set_from_result`; whether the exercise counts reps or times a hold comes from the
plug-in's spec (:class:`~formcheck.exercises.spec.Measure`), and the exercise's name from the
result, so the log never names an exercise itself. Slight findings (``result.notes``) are kept
with their level, so they can be shown, but they are not faults: advice reads faults only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from formcheck.apps.log.loads import Load
from formcheck.errors import ConfigError
from formcheck.exercises import registry
from formcheck.exercises.base import ExerciseResult, Fault, FaultLevel
from formcheck.exercises.spec import Measure
from formcheck.series.jsonable import json_safe

DATE_FORMAT = "%Y-%m-%dT%H:%M"  # minutes are enough to order the sets of one session
DATE_HINT = "Give the date as YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. --date 2026-03-14T18:30."
# A date a little ahead of this machine's clock is a clock difference (a phone's clock, a
# camera's), not a set from the future.
FUTURE_SLACK_S = 5 * 60


@dataclass(frozen=True)
class LoggedFault:
    """One fault (or, at level slight, a note) of a logged set."""

    code: str
    level: FaultLevel
    severity: float
    confidence: float
    rep: int | None  # 1-based; None for a hold's fault
    start_s: float
    end_s: float
    cue: str = ""

    @property
    def is_fault(self) -> bool:
        return self.level is FaultLevel.FAULT

    @classmethod
    def of(cls, fault: Fault) -> LoggedFault:
        return cls(
            code=fault.code,
            level=FaultLevel(fault.level),
            severity=float(fault.severity),
            confidence=float(fault.confidence),
            rep=fault.rep,
            start_s=fault.start_ms / 1000.0,
            end_s=fault.end_ms / 1000.0,
            cue=fault.cue,
        )


@dataclass(frozen=True)
class LoggedSet:
    """One set in the log. ``id`` is None until it is stored.

    ``judged`` False: the verdict could not be given (wrong view, nobody in frame, not one of
    the exercises); ``reason`` says why, and no advice is ever taken from it. ``not_judged``:
    the checks the camera could not make on a judged set, code -> why. ``measure``: the
    plug-in's (reps or hold) when it was logged; None for a set whose exercise is unknown.
    """

    person: str
    exercise: str
    performed_at: datetime
    judged: bool
    variant: str | None = None
    load: Load | None = None
    measure: Measure | None = None
    reps: int | None = None
    hold_s: float | None = None
    good_form_s: float | None = None
    reason: str | None = None
    not_judged: Mapping[str, str] = field(default_factory=dict)
    faults: tuple[LoggedFault, ...] = ()  # faults and notes, in time order
    clip_path: str | None = None
    clip_sha256: str | None = None
    report_path: str | None = None
    formcheck_version: str | None = None
    thresholds: Mapping[str, Any] | None = None
    source: str = "analyze"  # analyze | live | batch | import | api
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.person or not self.person.strip():
            raise ConfigError("A logged set needs a person's name.", "Use --log-as NAME.")
        if self.measure is not None:
            object.__setattr__(self, "measure", Measure(self.measure))

    @property
    def day(self) -> date:
        return self.performed_at.date()

    @property
    def real_faults(self) -> tuple[LoggedFault, ...]:
        """Faults at level fault: what advice reads (slight notes are not faults)."""
        return tuple(f for f in self.faults if f.is_fault)

    @property
    def notes(self) -> tuple[LoggedFault, ...]:
        return tuple(f for f in self.faults if not f.is_fault)

    @property
    def fault_reps(self) -> tuple[int, ...]:
        """The reps with at least one fault (level fault), in order."""
        return tuple(sorted({f.rep for f in self.real_faults if f.rep is not None}))

    @property
    def load_kg(self) -> float | None:
        return None if self.load is None else self.load.kg

    @property
    def when(self) -> str:
        return self.performed_at.strftime(DATE_FORMAT)

    def describe(self) -> str:
        """``10 reps, no fault`` / ``rounded back in reps 1, 2`` / ``held 40 s, 35 s in good
        form`` / ``not judged: ...``: the set in a few words, for evidence and tables."""
        if not self.judged:
            return f"not judged: {self.reason or 'no verdict'}"
        parts = []
        if self.measure is Measure.HOLD:
            parts.append(
                f"held {self.hold_s or 0:.0f} s, {self.good_form_s or 0:.0f} s in good form"
            )
        else:
            parts.append(f"{self.reps or 0} reps")
        by_code: dict[str, list[LoggedFault]] = {}
        for f in self.real_faults:
            by_code.setdefault(f.code, []).append(f)
        if not by_code:
            parts.append("no fault")
        for code, faults in by_code.items():
            reps = sorted({f.rep for f in faults if f.rep is not None})
            words = code.replace("_", " ")
            parts.append(
                f"{words} in rep{'s' if len(reps) > 1 else ''} {join(reps)}" if reps else words
            )
        return ", ".join(parts)


def join(numbers) -> str:
    return ", ".join(str(n) for n in numbers)


def parse_date(text: str | date | datetime | None, *, now: datetime | None = None) -> datetime:
    """``2026-03-14`` / ``2026-03-14T18:30`` (or a date/datetime) -> a local datetime to the minute.

    None: now. A date in the future (beyond a few minutes of clock difference) is refused:
    a set cannot have been done yet, and a typo in the year would skew every plot.
    """
    now = now or datetime.now()
    if text is None:
        value = now
    elif isinstance(text, datetime):
        value = text.astimezone().replace(tzinfo=None) if text.tzinfo else text
    elif isinstance(text, date):
        value = datetime(text.year, text.month, text.day)
    else:
        raw = str(text).strip().replace(" ", "T")
        value = None
        for pattern in ("%Y-%m-%d", DATE_FORMAT, "%Y-%m-%dT%H:%M:%S"):
            try:
                value = datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
        if value is None:
            try:  # an ISO time with an offset, as the live summary writes
                parsed = datetime.fromisoformat(raw)
            except ValueError:
                raise ConfigError(f"Cannot read the date {text!r}.", DATE_HINT) from None
            value = parsed.astimezone().replace(tzinfo=None) if parsed.tzinfo else parsed
    value = value.replace(second=0, microsecond=0)
    if (value - now).total_seconds() > FUTURE_SLACK_S:
        raise ConfigError(
            f"The date {value:%Y-%m-%d %H:%M} is in the future.",
            "Give the day the set was done (leave --date out for now).",
        )
    return value


def thresholds_of(config: Any) -> dict[str, Any] | None:
    """An exercise config (a frozen dataclass) as a JSON-able dict; None when there is none."""
    if config is None:
        return None
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return json_safe(dataclasses.asdict(config))
    if isinstance(config, Mapping):
        return json_safe(dict(config))
    return None


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def set_from_result(
    result: ExerciseResult,
    person: str,
    *,
    load: Load | None = None,
    performed_at: datetime | None = None,
    clip_path: str | None = None,
    clip_sha256: str | None = None,
    report_path: str | None = None,
    config: Any = None,
    source: str = "analyze",
) -> LoggedSet:
    """The set to log for a verdict. Thresholds: ``config`` (the exercise's config the verdict
    used), else the plug-in's defaults."""
    from formcheck import __version__

    spec = registry.find(result.exercise)
    judged = bool(result.assessable) and spec is not None
    if config is None and spec is not None:
        config = spec.config_type()
    summary = result.summary
    measure = spec.measure if spec is not None else None
    findings = sorted([*result.faults, *result.notes], key=lambda f: (f.start_ms, f.code))
    return LoggedSet(
        person=person.strip(),
        exercise=result.exercise,
        variant=result.variant,
        performed_at=performed_at or parse_date(None),
        judged=judged,
        load=load,
        measure=measure,
        reps=(len(result.reps) if judged and measure is Measure.REPS else None),
        hold_s=_finite(summary.hold_s) if judged else None,
        good_form_s=_finite(summary.good_form_s) if judged else None,
        reason=None if judged else (result.reason or "the exercise was not recognised"),
        not_judged=dict(result.not_judged),
        faults=tuple(LoggedFault.of(f) for f in findings) if judged else (),
        clip_path=clip_path,
        clip_sha256=clip_sha256,
        report_path=report_path,
        formcheck_version=__version__,
        thresholds=thresholds_of(config),
        source=source,
    )
