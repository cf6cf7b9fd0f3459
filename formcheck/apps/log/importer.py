"""``formcheck log import``: the sets of a batch clips table (and its faults table) into the log.

A batch table (``formcheck batch ... --out results.csv``) has one row per clip; the faults table
written beside it (``results_faults.csv``) one row per fault. Import reads both: each judged
clip becomes a set with its faults, each clip that could not be judged a set kept as not judged
(with the reason), each clip that could not be read is skipped and listed. The person is
``--log-as NAME`` or a ``person`` column; the load and date are ``--load`` / ``--date`` or
``load`` / ``date`` columns, else the clip file's time (about when it was filmed).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.apps.log.loads import Load, parse_load
from formcheck.apps.log.records import LoggedFault, LoggedSet, parse_date
from formcheck.apps.log.store import open_log
from formcheck.apps.log.writer import clip_hash, clip_time
from formcheck.errors import ConfigError
from formcheck.exercises import registry
from formcheck.exercises.base import FaultLevel

SUFFIXES = (".csv", ".parquet")


@dataclass
class ImportResult:
    added: list[int] = field(default_factory=list)  # set ids
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (clip, why)


def _clean(value: Any) -> Any:
    """A table cell as Python: empty, NaN and NA -> None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:
        pass
    return value


def read_table(path: Path) -> list[dict[str, Any]]:
    """The rows of a .csv or .parquet table as dicts (empty cells None)."""
    if path.suffix.lower() == ".csv":
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                return [{k: _clean(v) for k, v in row.items()} for row in csv.DictReader(handle)]
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise ConfigError(f"Cannot read the table {path} ({exc}).") from exc
    try:
        import pandas as pd

        table = pd.read_parquet(path)
    except ImportError as exc:
        raise ConfigError(
            "Reading a .parquet table needs pandas and pyarrow.",
            'pip install "formcheck[notebook]", or import the .csv batch table.',
        ) from exc
    except Exception as exc:  # pyarrow's errors are many; any of them means "cannot read"
        raise ConfigError(f"Cannot read the table {path} ({exc}).") from exc
    return [{k: _clean(v) for k, v in row.items()} for row in table.to_dict("records")]


def faults_path(clips: Path) -> Path:
    return clips.with_name(f"{clips.stem}_faults{clips.suffix}")


def _number(value: Any) -> float | None:
    value = _clean(value)
    return None if value is None else float(value)


def _faults_by_clip(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[LoggedFault]]:
    found: dict[str, list[LoggedFault]] = {}
    for row in rows:
        rep = _number(row.get("rep"))
        found.setdefault(str(row.get("path") or row.get("clip")), []).append(
            LoggedFault(
                code=str(row["code"]),
                level=FaultLevel(row.get("level") or FaultLevel.FAULT),
                severity=_number(row.get("severity")) or 0.0,
                confidence=_number(row.get("confidence")) or 0.0,
                rep=None if rep is None else int(rep),
                start_s=_number(row.get("start_s")) or 0.0,
                end_s=_number(row.get("end_s")) or 0.0,
                cue=str(row.get("cue") or ""),
            )
        )
    return found


def sets_from_table(
    rows: Iterable[Mapping[str, Any]],
    faults: Mapping[str, list[LoggedFault]],
    person: str | None = None,
    load: Load | None = None,
    date: Any = None,
) -> tuple[list[LoggedSet], list[tuple[str, str]]]:
    """The sets of a clips table's rows (and why the others were skipped)."""
    sets, skipped = [], []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        clip = str(row.get("path") or row.get("clip") or f"row {number}")
        who = person or _clean(row.get("person"))
        if not who:
            raise ConfigError(
                f"Row {number} ({clip}) names no person.",
                "Pass --log-as NAME for the whole table, or give it a 'person' column.",
            )
        status = row.get("status")
        if status not in ("ok", "not_assessable"):
            skipped.append((clip, str(row.get("error") or f"status {status!r}: no verdict")))
            continue
        exercise = str(row.get("exercise") or registry.OTHER)
        spec = registry.find(exercise)
        judged = status == "ok" and spec is not None
        row_load = load or parse_load(_clean(row.get("load")))
        when = (
            parse_date(date)
            if date is not None
            else parse_date(row["date"])
            if _clean(row.get("date"))
            else clip_time(clip) or parse_date(None)
        )
        reps = _number(row.get("reps"))
        sets.append(
            LoggedSet(
                person=str(who),
                exercise=exercise,
                variant=_clean(row.get("variant")),
                performed_at=when,
                judged=judged,
                load=row_load,
                measure=None if spec is None else spec.measure,
                reps=None if reps is None or not judged or not spec.counts_reps else int(reps),
                hold_s=_number(row.get("hold_s")) if judged else None,
                good_form_s=_number(row.get("good_form_s")) if judged else None,
                reason=None if judged else str(row.get("reason") or "not judged"),
                faults=tuple(faults.get(clip, [])) if judged else (),
                clip_path=clip if clip != f"row {number}" else None,
                clip_sha256=clip_hash(clip),
                source="import",
            )
        )
    return sets, skipped


def import_table(
    table: str | os.PathLike,
    person: str | None = None,
    *,
    load: str | Load | None = None,
    date: Any = None,
    log: str | os.PathLike | None = None,
) -> ImportResult:
    """Import a batch clips table (.csv, or .parquet with pyarrow) into the training log.

    Every set is checked before the first is written; each is then stored in its own
    transaction.
    """
    path = Path(table).expanduser()
    if path.suffix.lower() not in SUFFIXES:
        raise ConfigError(
            f"Cannot import {path.name}: a batch table is a .csv or .parquet file.",
            "Import the table 'formcheck batch ... --out results.csv' wrote.",
        )
    if not path.is_file():
        raise ConfigError(f"No table at {path}.", "Give the path of a batch clips table.")
    rows = read_table(path)
    if rows and "status" not in rows[0]:
        raise ConfigError(
            f"{path.name} is not a batch clips table (it has no 'status' column).",
            "Import the clips table of 'formcheck batch', not its faults table.",
        )
    extra = faults_path(path)
    faults = _faults_by_clip(read_table(extra)) if extra.is_file() else {}
    sets, skipped = sets_from_table(rows, faults, person, parse_load(load), date)
    result = ImportResult(skipped=skipped)
    if not sets:
        return result
    with open_log(log, write=True) as opened:
        for logged in sets:
            result.added.append(opened.add(logged))
    return result
