"""A person's sets as JSON (everything, faults nested) or CSV (one row per set), without pandas."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from formcheck.apps.log.records import LoggedSet
from formcheck.apps.log.summary import faults_per_rep

CSV_COLUMNS = (
    "set_id",
    "person",
    "exercise",
    "variant",
    "performed_at",
    "load_given",
    "load_kg",
    "measure",
    "reps",
    "hold_s",
    "good_form_s",
    "judged",
    "reason",
    "faults",
    "faults_per_rep",
    "fault_reps",
    "fault_codes",
    "notes",
    "not_judged",
    "clip_path",
    "clip_sha256",
    "report_path",
    "formcheck_version",
    "source",
)


def set_dict(s: LoggedSet) -> dict[str, Any]:
    """Everything the log holds about a set, JSON-ready."""
    return {
        "set_id": s.id,
        "person": s.person,
        "exercise": s.exercise,
        "variant": s.variant,
        "performed_at": s.when,
        "load": None if s.load is None else {"given": s.load.given, "kg": s.load.kg},
        "measure": None if s.measure is None else str(s.measure),
        "reps": s.reps,
        "hold_s": s.hold_s,
        "good_form_s": s.good_form_s,
        "judged": s.judged,
        "reason": s.reason,
        "not_judged": dict(s.not_judged),
        "faults": [
            {
                "code": f.code,
                "level": str(f.level),
                "rep": f.rep,
                "severity": f.severity,
                "confidence": f.confidence,
                "start_s": f.start_s,
                "end_s": f.end_s,
                "cue": f.cue,
            }
            for f in s.faults
        ],
        "clip_path": s.clip_path,
        "clip_sha256": s.clip_sha256,
        "report_path": s.report_path,
        "formcheck_version": s.formcheck_version,
        "thresholds": s.thresholds,
        "source": s.source,
    }


def to_json(sets: Sequence[LoggedSet]) -> str:
    return json.dumps([set_dict(s) for s in sets], indent=2) + "\n"


def csv_row(s: LoggedSet) -> dict[str, Any]:
    per_rep = faults_per_rep(s)
    return {
        "set_id": s.id,
        "person": s.person,
        "exercise": s.exercise,
        "variant": s.variant or "",
        "performed_at": s.when,
        "load_given": "" if s.load is None else s.load.given,
        "load_kg": "" if s.load is None else s.load.kg,
        "measure": "" if s.measure is None else str(s.measure),
        "reps": "" if s.reps is None else s.reps,
        "hold_s": "" if s.hold_s is None else round(s.hold_s, 2),
        "good_form_s": "" if s.good_form_s is None else round(s.good_form_s, 2),
        "judged": int(s.judged),
        "reason": s.reason or "",
        "faults": len(s.real_faults) if s.judged else "",
        "faults_per_rep": "" if per_rep is None else round(per_rep, 4),
        "fault_reps": ";".join(str(r) for r in s.fault_reps),
        "fault_codes": ";".join(sorted({f.code for f in s.real_faults})),
        "notes": ";".join(sorted({f.code for f in s.notes})),
        "not_judged": json.dumps(dict(s.not_judged)) if s.not_judged else "",
        "clip_path": s.clip_path or "",
        "clip_sha256": s.clip_sha256 or "",
        "report_path": s.report_path or "",
        "formcheck_version": s.formcheck_version or "",
        "source": s.source,
    }


def to_csv(sets: Sequence[LoggedSet]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_row(s) for s in sets)
    return buffer.getvalue()
