"""Tables out: per-frame angles (CSV) and per-rep faults (CSV and JSON).

The per-frame table has one row per analysed frame: its time, every feature of
:data:`formcheck.features.core.FEATURE_NAMES` (empty where not measurable), the facing, the rep the
frame belongs to and the faults whose spans cover it, so a spreadsheet or pandas can re-plot or
re-judge a set. The per-rep table has one row per fault (and one per fault-free rep), with the
cue and the evidence. Files are written beside the target and renamed, so an interrupted run
never leaves half a table.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.exercises.base import ExerciseResult, Fault
from formcheck.features.core import FEATURE_NAMES, Features, compute_features
from formcheck.outputs.video_out import ensure_writable
from formcheck.paths import write_text_atomic
from formcheck.series.core import PoseSeries
from formcheck.series.jsonable import json_safe

FRAME_COLUMNS = ("frame", "time_ms", "detected", *FEATURE_NAMES, "facing", "rep", "faults")
REP_COLUMNS = (
    "rep",
    "rep_start_ms",
    "rep_key_ms",
    "rep_end_ms",
    "fault",
    "fault_start_ms",
    "fault_end_ms",
    "severity",
    "confidence",
    "cue",
    "signals",
    "measured",
    "thresholds",
)


def _num(value: float | None, digits: int = 4) -> str:
    """CSV cell for a number: empty for NaN/None, else compact fixed precision."""
    if value is None:
        return ""
    value = float(value)
    if not math.isfinite(value):
        return ""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def rep_index(result: ExerciseResult, time_ms: np.ndarray) -> np.ndarray:
    """(T,) 1-based rep each time falls in (start..end inclusive), 0 outside every rep."""
    t = np.asarray(time_ms, np.float64)
    reps = np.zeros(len(t), dtype=np.int64)
    for rep in result.reps:
        reps[(t >= rep.start_ms) & (t <= rep.end_ms) & (reps == 0)] = rep.index
    return reps


def frame_rows(
    series: PoseSeries, result: ExerciseResult, features: Features | None = None
) -> list[dict[str, str]]:
    """The per-frame table as rows of strings keyed by :data:`FRAME_COLUMNS`."""
    from formcheck.outputs.annotate import faults_covering

    features = features if features is not None else compute_features(series)
    t = series.time_ms
    reps = rep_index(result, t)
    codes = faults_covering(result, t)
    detected = series.detected
    columns = {name: features.values[name] for name in FEATURE_NAMES}
    rows = []
    for i in range(len(series)):
        row = {"frame": str(i), "time_ms": _num(t[i], 3), "detected": str(int(detected[i]))}
        row.update({name: _num(col[i]) for name, col in columns.items()})
        row["facing"] = str(int(features.facing[i]))
        row["rep"] = str(int(reps[i])) if reps[i] else ""
        row["faults"] = ";".join(codes[i])
        rows.append(row)
    return rows


def _fault_dict(fault: Fault) -> dict[str, Any]:
    return json_safe(
        {
            "code": fault.code,
            "cue": fault.cue,
            "start_ms": fault.start_ms,
            "end_ms": fault.end_ms,
            "rep": fault.rep,
            "severity": fault.severity,
            "confidence": fault.confidence,
            "signals": list(fault.signals),
            "measured": dict(fault.measured),
            "thresholds": dict(fault.thresholds),
        }
    )


def rep_fault_records(result: ExerciseResult) -> dict[str, Any]:
    """Per-rep faults as a JSON-ready dict: reps with their faults, then faults outside reps."""
    rep_ids = {r.index for r in result.reps}
    reps = []
    for rep in result.reps:
        reps.append(
            json_safe(
                {
                    "rep": rep.index,
                    "start_ms": rep.start_ms,
                    "key_ms": rep.key_ms,
                    "end_ms": rep.end_ms,
                    "duration_s": rep.duration_s,
                    "fault_codes": list(rep.fault_codes),
                    "metrics": dict(rep.metrics),
                    "faults": [_fault_dict(f) for f in result.faults if f.rep == rep.index],
                }
            )
        )
    outside = [_fault_dict(f) for f in result.faults if f.rep is None or f.rep not in rep_ids]
    return {
        "exercise": result.exercise,
        "variant": result.variant,
        "assessable": result.assessable,
        "reason": result.reason,
        "summary": json_safe(
            {
                "rep_count": result.summary.rep_count,
                "hold_s": result.summary.hold_s,
                "good_form_s": result.summary.good_form_s,
                "form_broke_ms": result.summary.form_broke_ms,
            }
        ),
        "reps": reps,
        "faults_outside_reps": outside,
        "not_judged": dict(result.not_judged),
        "disclaimer": result.disclaimer,
    }


def rep_rows(result: ExerciseResult) -> list[dict[str, str]]:
    """Per-rep faults as rows keyed by :data:`REP_COLUMNS` (a fault-free rep gets one empty row)."""
    rows: list[dict[str, str]] = []
    by_rep = {r.index: r for r in result.reps}

    def fault_row(fault: Fault | None, rep_no: int | None) -> dict[str, str]:
        rep = by_rep.get(rep_no) if rep_no is not None else None
        row = dict.fromkeys(REP_COLUMNS, "")
        if rep is not None:
            row |= {
                "rep": str(rep.index),
                "rep_start_ms": _num(rep.start_ms, 1),
                "rep_key_ms": _num(rep.key_ms, 1),
                "rep_end_ms": _num(rep.end_ms, 1),
            }
        if fault is not None:
            row |= {
                "rep": str(fault.rep) if fault.rep is not None else row["rep"],
                "fault": fault.code,
                "fault_start_ms": _num(fault.start_ms, 1),
                "fault_end_ms": _num(fault.end_ms, 1),
                "severity": _num(fault.severity, 3),
                "confidence": _num(fault.confidence, 3),
                "cue": fault.cue,
                "signals": ";".join(fault.signals),
                "measured": json.dumps(json_safe(dict(fault.measured)), sort_keys=True),
                "thresholds": json.dumps(json_safe(dict(fault.thresholds)), sort_keys=True),
            }
        return row

    for rep in result.reps:
        faults = [f for f in result.faults if f.rep == rep.index]
        if faults:
            rows.extend(fault_row(f, rep.index) for f in faults)
        else:
            rows.append(fault_row(None, rep.index))
    rows.extend(fault_row(f, None) for f in result.faults if f.rep not in by_rep)
    return rows


# ------------------------------------------------------------------------------- writing
def _write_text(path: Path, text: str, what: str) -> Path:
    return write_text_atomic(path, text, what, newline="")  # the text's own "\n" line ends


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_frames_csv(
    path: str | os.PathLike,
    series: PoseSeries,
    result: ExerciseResult,
    features: Features | None = None,
) -> Path:
    """Per-frame angles, rep index and active fault codes to ``path`` (CSV)."""
    out = ensure_writable(path, "CSV file")
    return _write_text(out, _csv_text(FRAME_COLUMNS, frame_rows(series, result, features)), "CSV")


def write_reps_csv(path: str | os.PathLike, result: ExerciseResult) -> Path:
    """Per-rep faults (cue, evidence) to ``path`` (CSV)."""
    out = ensure_writable(path, "CSV file")
    return _write_text(out, _csv_text(REP_COLUMNS, rep_rows(result)), "CSV")


def write_reps_json(path: str | os.PathLike, result: ExerciseResult) -> Path:
    """Per-rep faults to ``path`` (JSON, see :func:`rep_fault_records`)."""
    out = ensure_writable(path, "JSON file")
    return _write_text(out, json.dumps(rep_fault_records(result), indent=2) + "\n", "JSON")


def reps_csv_path(frames_csv: str | os.PathLike) -> Path:
    """``set.csv`` -> ``set_reps.csv``: where the per-rep table goes beside the per-frame one."""
    p = Path(frames_csv)
    return p.with_name(f"{p.stem}_reps{p.suffix or '.csv'}")
