"""The batch's pandas tables: one row per clip, per fault and per rep, with fixed dtypes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from formcheck.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from formcheck.apps.batch.report import ClipReport

PANDAS_HINT = 'Install the table extras: pip install "formcheck[batch]" (pandas, pyarrow).'


def pandas():
    try:
        import pandas as pd
    except ImportError as exc:
        raise ConfigError("Batch result tables need pandas.", PANDAS_HINT) from exc
    return pd


def fault_column(code: str) -> str:
    return f"fault_{code}"


def clips_table(reports: list[ClipReport]) -> pd.DataFrame:
    """One row per clip; fault counts per code as ``fault_<code>`` columns (NA if not judged)."""
    pd = pandas()
    codes = sorted({code for r in reports for code in r.fault_counts})
    rows = []
    for r in reports:
        judged = r.status == "ok"
        row: dict[str, Any] = {
            "clip": r.name,
            "path": r.path,
            "status": r.status,
            "exercise": r.exercise,
            "exercise_confidence": r.exercise_confidence,
            "variant": r.variant,
            "reps": r.reps,
            "faults": sum(r.fault_counts.values()) if judged else None,
            # Slight findings (level slight): shown, never counted among the faults.
            "notes": len(r.result.notes) if judged and r.result is not None else None,
            "hold_s": r.hold_s,
            "good_form_s": r.good_form_s,
            "duration_s": r.duration_s,
            "frames": r.frames,
            "detection_rate": r.detection_rate,
            "damage": r.damage,
        }
        for code in codes:
            row[fault_column(code)] = r.fault_counts.get(code, 0) if judged else None
        row.update(
            {
                "reason": r.reason,
                "error": r.error,
                "cache_hit": r.cache_hit,
                "seconds": r.seconds,
            }
        )
        rows.append(row)
    columns = [
        "clip",
        "path",
        "status",
        "exercise",
        "exercise_confidence",
        "variant",
        "reps",
        "faults",
        "notes",
        "hold_s",
        "good_form_s",
        "duration_s",
        "frames",
        "detection_rate",
        "damage",
        *(fault_column(c) for c in codes),
        "reason",
        "error",
        "cache_hit",
        "seconds",
    ]
    table = pd.DataFrame(rows, columns=columns)
    ints = ["reps", "faults", "notes", "frames", *(fault_column(c) for c in codes)]
    floats = ["exercise_confidence", "hold_s", "good_form_s", "duration_s", "detection_rate"]
    strings = ["clip", "path", "status", "exercise", "variant", "damage", "reason", "error"]
    table[ints] = table[ints].astype("Int64")
    table[floats] = table[floats].astype("float64")
    table[strings] = table[strings].astype("string")
    table["cache_hit"] = table["cache_hit"].astype(bool)
    table["seconds"] = table["seconds"].astype("float64")
    return table


FAULT_COLUMNS = {
    "clip": "string",
    "path": "string",
    "exercise": "string",
    "rep": "Int64",
    "code": "string",
    "start_s": "float64",
    "end_s": "float64",
    "duration_s": "float64",
    "severity": "float64",
    "confidence": "float64",
    "cue": "string",
    "signals": "string",
}

REP_COLUMNS = {
    "clip": "string",
    "path": "string",
    "exercise": "string",
    "rep": "Int64",
    "start_s": "float64",
    "key_s": "float64",
    "end_s": "float64",
    "duration_s": "float64",
    "faults": "string",
    "worst_severity": "float64",
}


def _typed(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    pd = pandas()
    table = pd.DataFrame(rows, columns=list(columns))
    return table.astype(columns)


def _judged(reports: list[ClipReport]) -> Iterator[tuple[ClipReport, dict[str, Any]]]:
    """Each clip with a verdict, and the cells that name it on its fault and rep rows."""
    for r in reports:
        if r.result is not None and r.status == "ok":
            yield r, {"clip": r.name, "path": r.path, "exercise": r.exercise}


def faults_table(reports: list[ClipReport]) -> pd.DataFrame:
    """One row per fault (a rep's fault, or a span of a hold with ``rep`` NA), in time order."""
    rows = []
    for r, clip in _judged(reports):
        for f in sorted(r.result.faults, key=lambda f: (f.start_ms, f.code)):
            rows.append(
                {
                    **clip,
                    "rep": f.rep,
                    "code": f.code,
                    "start_s": f.start_ms / 1000.0,
                    "end_s": f.end_ms / 1000.0,
                    "duration_s": f.duration_s,
                    "severity": f.severity,
                    "confidence": f.confidence,
                    "cue": f.cue,
                    "signals": ";".join(f.signals),  # as in the per-rep CSV export
                }
            )
    return _typed(rows, FAULT_COLUMNS)


def reps_table(reports: list[ClipReport]) -> pd.DataFrame:
    """One row per rep, with its fault codes and the worst fault severity (NA: clean rep)."""
    rows = []
    for r, clip in _judged(reports):
        worst: dict[int, float] = {}
        for f in r.result.faults:
            if f.rep is not None:
                worst[f.rep] = max(worst.get(f.rep, 0.0), f.severity)
        for rep in r.result.reps:
            rows.append(
                {
                    **clip,
                    "rep": rep.index,
                    "start_s": rep.start_ms / 1000.0,
                    "key_s": rep.key_ms / 1000.0,
                    "end_s": rep.end_ms / 1000.0,
                    "duration_s": rep.duration_s,
                    "faults": ";".join(rep.fault_codes),
                    "worst_severity": worst.get(rep.index),
                }
            )
    return _typed(rows, REP_COLUMNS)
