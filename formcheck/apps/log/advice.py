"""Load advice from the form the camera saw: pure functions over a person's logged sets.

The programme behind formcheck's exercises (16 weeks, chronic low back pain; see the coaching
notes) trains at loads of the lifter's 6- to 10-rep maximum and adds weight as they get
stronger. Reps alone would say "add weight" whenever the reps go up; here the form in each rep
decides as well:

* **add load** when the last sessions at this load reached the top of the rep range with no
  fault in any rep;
* **keep the load** when faults appear only in the last reps of a set (fatigue at the end of a
  near-maximal set, expected at a 6-10-rep max), or when the top of the range is not reached
  yet;
* **lower the load or fix form first** when a fault shows from the first reps (the load or the
  pattern is wrong before fatigue comes in) or comes back in consecutive sessions;
* for a hold (a plank), **lengthen the hold** while the time in good form keeps up with it, and
  shorten it to the time in good form when form keeps breaking.

Slight-level notes are not faults and never change the advice. A set that was not judged
(wrong camera view, nobody in frame) is never used: it is listed beside the advice as skipped.
Every piece of advice carries its evidence: which sets, which reps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import groupby

from formcheck.apps.log.loads import format_kg
from formcheck.apps.log.records import LoggedSet, join
from formcheck.exercises.spec import Measure

# The programme's rep range: loads are chosen at the lifter's 6- to 10-rep maximum.
REP_RANGE_LOW = 6
REP_RANGE_TOP = 10
# Add load only after this many consecutive sessions at the top of the range with clean reps:
# one good day can be a good day; two in a row mean the load has become light.
SESSIONS_TO_ADD = 2
# The step to suggest: about 5% is the usual progression at a 6-10-rep max (one small plate
# per side on a bar; a lighter kettlebell step may be larger, so the advice says "smallest").
ADD_STEP_SHARE = 0.05
# A fault in the first half of a set came before fatigue, so it is the load or the pattern;
# only faults after that point count as "the last reps" (reps 6-10 of 10, 4-6 of 6).
LATE_FROM_SHARE = 0.5
# The same fault in this many consecutive sessions is not a bad day: the load is beyond what
# the pattern holds. (The coaching notes: if a flat back cannot be kept, raise the bar on
# blocks or reduce the load.)
RECURRING_SESSIONS = 2
# A hold: time in good form at least this share of the hold counts as keeping up with it
# (the last seconds of a plank held to the end are allowed to wobble).
GOOD_FORM_SHARE = 0.9
# Lengthen a hold that keeps up by this much: 10 s is a step a person notices and can hold
# form through; the same number of consecutive sessions as for adding load.
HOLD_STEP_S = 10.0


class Action(StrEnum):
    ADD = "add load"
    KEEP = "keep the load"
    LOWER = "lower the load or fix form first"
    LENGTHEN = "lengthen the hold"
    KEEP_HOLD = "keep the hold"
    SHORTEN = "shorten the hold to the time in good form"
    NONE = "no advice yet"


@dataclass(frozen=True)
class Evidence:
    """One set behind a piece of advice, and what in it counted."""

    set_id: int | None
    when: str
    load: str
    what: str  # "10 reps, no fault", "rounded back in reps 1, 2"

    def __str__(self) -> str:
        load = f" at {self.load}" if self.load else ""
        return f"set {self.set_id} ({self.when}{load}): {self.what}"


@dataclass(frozen=True)
class Advice:
    exercise: str
    action: Action
    message: str  # plain words: what to do next time
    reason: str  # why, from the evidence
    evidence: tuple[Evidence, ...] = ()
    skipped: tuple[Evidence, ...] = ()  # sets not judged: never used

    def lines(self) -> list[str]:
        out = [f"{self.message}", f"  why: {self.reason}"]
        out.extend(f"  evidence: {e}" for e in self.evidence)
        out.extend(f"  not used (not judged): {e}" for e in self.skipped)
        return out


def _load_text(s: LoggedSet) -> str:
    return "" if s.load is None else s.load.given


def evidence_of(s: LoggedSet, what: str | None = None) -> Evidence:
    return Evidence(s.id, s.when.replace("T", " "), _load_text(s), what or s.describe())


def sessions(sets: Iterable[LoggedSet]) -> list[tuple[date, list[LoggedSet]]]:
    """Judged sets grouped by the day they were done, oldest first."""
    ordered = sorted((s for s in sets if s.judged), key=lambda s: (s.performed_at, s.id or 0))
    return [(day, list(group)) for day, group in groupby(ordered, key=lambda s: s.day)]


def first_fault_rep(s: LoggedSet) -> int | None:
    """The first rep with a fault; 1 for a fault with no rep (it cannot be placed late)."""
    faults = s.real_faults
    if not faults:
        return None
    reps = [f.rep if f.rep is not None else 1 for f in faults]
    return min(reps)


def is_late_only(s: LoggedSet) -> bool:
    """Whether every fault of the set lies in its last reps (after ``LATE_FROM_SHARE``)."""
    first = first_fault_rep(s)
    if first is None or not s.reps:
        return False
    return first > math.floor(s.reps * LATE_FROM_SHARE)


def _same_load(a: LoggedSet, b: LoggedSet) -> bool:
    if a.load_kg is None or b.load_kg is None:
        return a.load_kg is None and b.load_kg is None
    return abs(a.load_kg - b.load_kg) < 1e-6


def _recurring(days: Sequence[tuple[date, list[LoggedSet]]]) -> set[str]:
    """Fault codes present in each of the last ``RECURRING_SESSIONS`` sessions."""
    if len(days) < RECURRING_SESSIONS:
        return set()
    per_session = [
        {f.code for s in group for f in s.real_faults} for _, group in days[-RECURRING_SESSIONS:]
    ]
    return set.intersection(*per_session)


def _unchecked(sets: Sequence[LoggedSet]) -> Evidence | None:
    """Why more cannot be advised when a check could not be made in ``sets`` (else None).

    "No fault" is only as good as the checks the camera could make: a fault the camera could
    not see from where it stood is not good form. So load (or hold time) is only added from
    sets in which every check was judged.
    """
    for s in sets:
        if s.not_judged:
            checks = join(sorted(code.replace("_", " ") for code in s.not_judged))
            return evidence_of(s, f"{s.describe()}; not judged: {checks}")
    return None


def _skipped(sets: Sequence[LoggedSet]) -> tuple[Evidence, ...]:
    return tuple(evidence_of(s) for s in sets if not s.judged)


def _nothing_judged(exercise: str, what: str, skipped: tuple[Evidence, ...]) -> Advice:
    return Advice(
        exercise,
        Action.NONE,
        f"No advice yet: no judged {what}.",
        "advice is only taken from sets the camera could judge",
        (),
        skipped,
    )


def advise_reps(exercise: str, sets: Sequence[LoggedSet]) -> Advice:
    """Advice for an exercise counted in reps, from one person's sets of it."""
    skipped = _skipped(sets)
    days = sessions(sets)
    if not days:
        return _nothing_judged(exercise, "set", skipped)
    latest_day, latest = days[-1]
    current = latest[-1]
    # The sessions at the current load, most recent last, back to the last change of load.
    at_load: list[tuple[date, list[LoggedSet]]] = []
    for day, group in reversed(days):
        group = [s for s in group if _same_load(s, current)]
        if not group:
            break
        at_load.insert(0, (day, group))

    early = [s for s in latest if s.real_faults and not is_late_only(s)]
    if early:
        what = [
            evidence_of(s, f"{s.describe()} (first fault in rep {first_fault_rep(s)} of {s.reps})")
            for s in early
        ]
        return Advice(
            exercise,
            Action.LOWER,
            "Lower the load or fix form first: form went before fatigue came in.",
            "a fault showed in the first half of the set, so it is the load or the movement "
            "pattern, not tiredness at the end of a hard set",
            tuple(what),
            skipped,
        )
    recurring = _recurring(days)
    if recurring:
        recent = [s for _, group in days[-RECURRING_SESSIONS:] for s in group]
        words = join(sorted(c.replace("_", " ") for c in recurring))
        return Advice(
            exercise,
            Action.LOWER,
            f"Lower the load or fix form first: {words} came back in {RECURRING_SESSIONS} "
            "sessions in a row.",
            "a fault that recurs across sessions is not a bad day; the load is beyond what "
            "the movement holds",
            tuple(evidence_of(s) for s in recent if {f.code for f in s.real_faults} & recurring),
            skipped,
        )
    late = [s for s in latest if s.real_faults]
    if late:
        return Advice(
            exercise,
            Action.KEEP,
            "Keep the load: form held until the last reps.",
            "faults appeared only in the last reps of the set (fatigue at the end of a "
            f"near-maximal set); add load once all {REP_RANGE_TOP} reps are clean",
            tuple(evidence_of(s) for s in late),
            skipped,
        )
    clean_top = [
        (day, group)
        for day, group in at_load
        if all(not s.real_faults and (s.reps or 0) >= REP_RANGE_TOP for s in group)
    ]
    recent_top = 0
    for day, group in reversed(at_load):
        if (day, group) not in clean_top:
            break
        recent_top += 1
    if recent_top >= SESSIONS_TO_ADD:
        step = ""
        if current.load_kg:
            step = f" (about {format_kg(current.load_kg * ADD_STEP_SHARE)}, or the smallest step you have)"
        used = [s for _, group in at_load[-SESSIONS_TO_ADD:] for s in group]
        unchecked = _unchecked(used)
        if unchecked is not None:
            return Advice(
                exercise,
                Action.KEEP,
                "Keep the load: film the next set so every check can be made before adding.",
                "the reps were at the top of the range, but some checks could not be judged "
                "from the camera's view",
                (unchecked,),
                skipped,
            )
        return Advice(
            exercise,
            Action.ADD,
            f"Add load next time{step}.",
            f"the last {SESSIONS_TO_ADD} sessions at this load reached {REP_RANGE_TOP} reps "
            "with no fault in any rep",
            tuple(evidence_of(s) for s in used),
            skipped,
        )
    best = max((s.reps or 0) for s in latest)
    if best >= REP_RANGE_TOP:
        why = (
            f"{REP_RANGE_TOP} clean reps in {recent_top} session(s) at this load; "
            f"{SESSIONS_TO_ADD} in a row before adding load"
        )
    elif best < REP_RANGE_LOW:
        why = (
            f"{best} clean reps: below the programme's {REP_RANGE_LOW}-{REP_RANGE_TOP} range; "
            f"work up to {REP_RANGE_TOP} clean reps at this load"
        )
    else:
        why = f"{best} clean reps; work up to {REP_RANGE_TOP} at this load before adding"
    return Advice(
        exercise,
        Action.KEEP,
        "Keep the load: clean reps, not at the top of the range yet.",
        why,
        tuple(evidence_of(s) for s in latest),
        skipped,
    )


def _keeps_up(s: LoggedSet) -> bool:
    hold = s.hold_s or 0.0
    return hold > 0 and (s.good_form_s or 0.0) >= GOOD_FORM_SHARE * hold


def advise_hold(exercise: str, sets: Sequence[LoggedSet]) -> Advice:
    """Advice for a timed hold: lengthen it while the time in good form keeps up."""
    skipped = _skipped(sets)
    days = sessions(sets)
    if not days:
        return _nothing_judged(exercise, "hold", skipped)
    _, latest = days[-1]
    recent = [s for _, group in days[-SESSIONS_TO_ADD:] for s in group]
    good = min((s.good_form_s or 0.0) for s in latest)
    if len(days) >= SESSIONS_TO_ADD and all(_keeps_up(s) for s in recent):
        unchecked = _unchecked(recent)
        if unchecked is not None:
            return Advice(
                exercise,
                Action.KEEP_HOLD,
                "Keep the hold: film the next one so every check can be made before lengthening.",
                "form kept up with the hold, but some checks could not be judged from the "
                "camera's view",
                (unchecked,),
                skipped,
            )
        target = max((s.hold_s or 0.0) for s in latest) + HOLD_STEP_S
        return Advice(
            exercise,
            Action.LENGTHEN,
            f"Lengthen the hold by {HOLD_STEP_S:.0f} s (to about {target:.0f} s).",
            f"in the last {SESSIONS_TO_ADD} sessions the time in good form kept up with the "
            f"hold (at least {GOOD_FORM_SHARE:.0%} of it)",
            tuple(evidence_of(s) for s in recent),
            skipped,
        )
    if all(_keeps_up(s) for s in latest):
        return Advice(
            exercise,
            Action.KEEP_HOLD,
            "Keep the hold: form kept up with it.",
            f"one more session like this ({SESSIONS_TO_ADD} in a row) before lengthening it",
            tuple(evidence_of(s) for s in latest),
            skipped,
        )
    broke_before = len(days) >= RECURRING_SESSIONS and not any(
        _keeps_up(s) for _, group in days[-RECURRING_SESSIONS:] for s in group
    )
    if broke_before:
        return Advice(
            exercise,
            Action.SHORTEN,
            f"Shorten the hold to the time in good form (about {good:.0f} s) and fix form first.",
            f"form broke before the end of the hold in {RECURRING_SESSIONS} sessions in a row; "
            "the set is over when form breaks",
            tuple(evidence_of(s) for _, g in days[-RECURRING_SESSIONS:] for s in g),
            skipped,
        )
    return Advice(
        exercise,
        Action.KEEP_HOLD,
        f"Keep the hold, and stop when form breaks (about {good:.0f} s last time).",
        "form broke before the end of the hold in the last session",
        tuple(evidence_of(s) for s in latest),
        skipped,
    )


def advise(exercise: str, sets: Sequence[LoggedSet]) -> Advice:
    """Advice for one person's sets of one exercise; the measure is the one the sets were
    logged with (the plug-in's spec at the time)."""
    mine = [s for s in sets if s.exercise == exercise]
    measures = {s.measure for s in mine if s.judged and s.measure is not None}
    if Measure.HOLD in measures and Measure.REPS not in measures:
        return advise_hold(exercise, mine)
    if measures:
        return advise_reps(exercise, mine)
    return Advice(
        exercise,
        Action.NONE,
        "No advice yet: no judged set.",
        "advice is only taken from sets the camera could judge",
        (),
        _skipped(mine),
    )


def advise_person(sets: Sequence[LoggedSet]) -> list[Advice]:
    """Advice for every exercise in ``sets`` (one person's), in the order first logged."""
    exercises = list(dict.fromkeys(s.exercise for s in sorted(sets, key=lambda s: s.performed_at)))
    return [advise(exercise, sets) for exercise in exercises]
