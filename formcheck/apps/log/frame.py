"""The log as pandas DataFrames, for notebooks: one row per set, per fault, per piece of advice.

pandas is not a core dependency (it comes with the ``batch``, ``notebook``, ``dask`` and ``dev`` extras),
so it is imported when a frame is asked for, with the install line when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from formcheck.apps.log.advice import advise_person, first_fault_rep, is_late_only
from formcheck.apps.log.records import LoggedSet
from formcheck.apps.log.store import open_log
from formcheck.apps.log.summary import faults_per_rep, first_day, programme_week
from formcheck.errors import ConfigError
from formcheck.exercises.spec import Measure

if TYPE_CHECKING:
    import pandas as pd

PANDAS_HINT = 'Install the table extras: pip install "formcheck[batch]" (pandas, pyarrow).'

SET_COLUMNS = {
    "set_id": "Int64",
    "person": "string",
    "exercise": "string",
    "variant": "string",
    "performed_at": "datetime64[ns]",
    "week": "Int64",
    "load_given": "string",
    "load_kg": "float64",
    "measure": "string",
    "reps": "Int64",
    "hold_s": "float64",
    "good_form_s": "float64",
    "judged": "bool",
    "reason": "string",
    "faults": "Int64",
    "faults_per_rep": "float64",
    "notes": "Int64",
    "fault_codes": "string",
    "first_fault_rep": "Int64",
    "late_only": "boolean",
    "not_judged": "string",
    "clip_path": "string",
    "clip_sha256": "string",
    "report_path": "string",
    "formcheck_version": "string",
    "source": "string",
}


def pandas():
    try:
        import pandas as pd
    except ImportError as exc:
        raise ConfigError("The training log's tables need pandas.", PANDAS_HINT) from exc
    return pd


def sets_frame(sets: Sequence[LoggedSet]) -> pd.DataFrame:
    """One row per set, oldest first: the figures the progress page plots."""
    pd = pandas()
    first = first_day(sets)
    rows = []
    for s in sets:
        judged = s.judged
        counted = s.measure is Measure.REPS
        rows.append(
            {
                "set_id": s.id,
                "person": s.person,
                "exercise": s.exercise,
                "variant": s.variant,
                "performed_at": s.performed_at,
                "week": programme_week(first, s.day) if first else None,
                "load_given": None if s.load is None else s.load.given,
                "load_kg": s.load_kg,
                "measure": None if s.measure is None else str(s.measure),
                "reps": s.reps,
                "hold_s": s.hold_s,
                "good_form_s": s.good_form_s,
                "judged": judged,
                "reason": s.reason,
                "faults": len(s.real_faults) if judged else None,  # every span reported
                "faults_per_rep": faults_per_rep(s),
                "notes": len(s.notes) if judged else None,
                "fault_codes": ";".join(sorted({f.code for f in s.real_faults})),
                # Reps exercises only: a hold's faults have no rep.
                "first_fault_rep": first_fault_rep(s) if counted and s.real_faults else None,
                "late_only": is_late_only(s) if counted and s.real_faults else None,
                "not_judged": "; ".join(f"{k}: {v}" for k, v in s.not_judged.items()),
                "clip_path": s.clip_path,
                "clip_sha256": s.clip_sha256,
                "report_path": s.report_path,
                "formcheck_version": s.formcheck_version,
                "source": s.source,
            }
        )
    return pd.DataFrame(rows, columns=list(SET_COLUMNS)).astype(SET_COLUMNS)


def faults_frame(sets: Sequence[LoggedSet]) -> pd.DataFrame:
    """One row per fault or slight note of every judged set (``level`` says which)."""
    pd = pandas()
    rows = [
        {
            "set_id": s.id,
            "exercise": s.exercise,
            "performed_at": s.performed_at,
            "rep": f.rep,
            "code": f.code,
            "level": str(f.level),
            "severity": f.severity,
            "confidence": f.confidence,
            "start_s": f.start_s,
            "end_s": f.end_s,
            "cue": f.cue,
        }
        for s in sets
        for f in s.faults
    ]
    columns = {
        "set_id": "Int64",
        "exercise": "string",
        "performed_at": "datetime64[ns]",
        "rep": "Int64",
        "code": "string",
        "level": "string",
        "severity": "float64",
        "confidence": "float64",
        "start_s": "float64",
        "end_s": "float64",
        "cue": "string",
    }
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def advice_frame(sets: Sequence[LoggedSet]) -> pd.DataFrame:
    """One row per exercise: the advice, its reason and its evidence."""
    pd = pandas()
    rows = [
        {
            "exercise": a.exercise,
            "action": str(a.action),
            "advice": a.message,
            "reason": a.reason,
            "evidence": "\n".join(str(e) for e in a.evidence),
            "not_used": "\n".join(str(e) for e in a.skipped),
        }
        for a in advise_person(sets)
    ]
    return pd.DataFrame(
        rows, columns=["exercise", "action", "advice", "reason", "evidence", "not_used"]
    )


def progress_frame(person: str, log: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per set of ``person`` in the log at ``log`` (default: the user's log)."""
    with open_log(log) as opened:
        return sets_frame(opened.person_sets(person))
