"""Per-set figures over time, shared by the progress page and the DataFrame.

Kept apart from both so the page and the frame show the same numbers: faults per rep, the
programme week, the weeks where form broke.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from formcheck.apps.log.records import LoggedSet
from formcheck.exercises.spec import Measure


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (a training week runs Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def programme_week(first: date, day: date) -> int:
    """1-based week of the programme, counted from the week of the person's first set (the
    programme is 16 weeks, reassessed every 4)."""
    return (week_start(day) - week_start(first)).days // 7 + 1


def faults_per_rep(s: LoggedSet) -> float | None:
    """Faults (level fault) per rep: each kind of fault counted once in each rep it was found
    in (a rule may report one fault as several spans within a rep). For a hold: the faults of
    the set. None when not judged."""
    if not s.judged:
        return None
    if s.measure is Measure.REPS:
        found = {(f.rep, f.code) for f in s.real_faults}
        return len(found) / s.reps if s.reps else float(len(found))
    return float(len(s.real_faults))


@dataclass(frozen=True)
class BrokenWeek:
    """A week in which form broke: a judged set had at least one fault."""

    week: int  # programme week
    start: date  # its Monday
    set_ids: tuple[int, ...]
    codes: tuple[str, ...]

    def describe(self) -> str:
        words = ", ".join(c.replace("_", " ") for c in self.codes)
        sets = ", ".join(str(i) for i in self.set_ids)
        return f"week {self.week} (from {self.start:%Y-%m-%d}): {words} (set{'s' if len(self.set_ids) > 1 else ''} {sets})"


def broken_weeks(sets: Sequence[LoggedSet], first: date | None = None) -> list[BrokenWeek]:
    judged = [s for s in sets if s.judged]
    if not judged:
        return []
    first = first or min(s.day for s in sets)
    weeks: dict[date, list[LoggedSet]] = {}
    for s in judged:
        if s.real_faults:
            weeks.setdefault(week_start(s.day), []).append(s)
    return [
        BrokenWeek(
            week=programme_week(first, start),
            start=start,
            set_ids=tuple(s.id or 0 for s in group),
            codes=tuple(sorted({f.code for s in group for f in s.real_faults})),
        )
        for start, group in sorted(weeks.items())
    ]


def first_day(sets: Sequence[LoggedSet]) -> date | None:
    return min((s.day for s in sets), default=None)


def as_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)
