"""Real verdicts (ExerciseResult) for synthetic sets, and sets logged from them.

The exercises and fault codes come from the registry (a reps exercise and a hold exercise),
so these tests name none.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from formcheck.apps.log.loads import parse_load
from formcheck.apps.log.records import LoggedSet, set_from_result
from formcheck.exercises import registry
from formcheck.exercises.base import ExerciseResult, Fault, Rep, SetSummary
from formcheck.exercises.spec import Measure

REP_MS = 3000.0


def reps_spec():
    return next(s for s in registry.all_specs() if s.measure is Measure.REPS and s.faults)


def hold_spec():
    return next(s for s in registry.all_specs() if s.measure is Measure.HOLD and s.faults)


def fault(
    code: str, rep: int | None, *, level: str = "fault", start_ms: float | None = None
) -> Fault:
    start = (rep - 1) * REP_MS if rep is not None else (start_ms or 0.0)
    return Fault(code, "a cue", start, start + 1000.0, rep, 0.6, 0.9, level=level)


def reps_result(
    reps: int,
    faulty: dict[int, str] | None = None,
    *,
    notes: dict[int, str] | None = None,
    exercise: str | None = None,
) -> ExerciseResult:
    """A judged set of ``reps`` reps; ``faulty``: rep -> fault code (level fault);
    ``notes``: rep -> code at level slight."""
    spec = registry.get(exercise) if exercise else reps_spec()
    faulty, notes = faulty or {}, notes or {}
    rep_list = [
        Rep(
            i,
            (i - 1) * REP_MS,
            (i - 0.5) * REP_MS,
            i * REP_MS,
            tuple(sorted({faulty[i]} if i in faulty else ())),
        )
        for i in range(1, reps + 1)
    ]
    return ExerciseResult(
        exercise=spec.id,
        reps=rep_list,
        faults=[fault(code, rep) for rep, code in sorted(faulty.items())],
        notes=[fault(code, rep, level="slight") for rep, code in sorted(notes.items())],
        summary=SetSummary(rep_count=reps, duration_s=reps * REP_MS / 1000.0, mean_rep_s=3.0),
    )


def hold_result(hold_s: float, good_form_s: float, codes: tuple[str, ...] = ()) -> ExerciseResult:
    spec = hold_spec()
    return ExerciseResult(
        exercise=spec.id,
        faults=[fault(code, None, start_ms=good_form_s * 1000.0) for code in codes],
        summary=SetSummary(duration_s=hold_s, hold_s=hold_s, good_form_s=good_form_s),
    )


def not_judged_result(exercise: str | None = None) -> ExerciseResult:
    spec = registry.get(exercise) if exercise else reps_spec()
    return ExerciseResult(exercise=spec.id, assessable=False, reason="filmed from the front")


DAY0 = datetime(2026, 1, 5, 18, 0)  # a Monday


def logged(
    result: ExerciseResult,
    day: int,
    load: str | None = "24kg",
    set_id: int | None = None,
    person: str = "ann",
) -> LoggedSet:
    """The set logged from ``result`` on day ``day`` of the programme (id for evidence)."""
    s = set_from_result(
        result, person, load=parse_load(load), performed_at=DAY0 + timedelta(days=day)
    )
    return s if set_id is None else _with_id(s, set_id)


def _with_id(s: LoggedSet, set_id: int) -> LoggedSet:
    from dataclasses import replace

    return replace(s, id=set_id)
