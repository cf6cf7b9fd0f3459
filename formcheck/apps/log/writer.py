"""Logging a verdict: the one function ``analyze``, ``live``, ``batch`` and ``score_clip`` call.

Nothing is kept unless asked (``--log-as NAME`` / ``log_as=``). What was asked is checked
before any clip is scored (:func:`check_request`: the load, the date and the log file), so a
typo fails in a second, not after the model has run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from formcheck.apps.log.loads import Load, parse_load
from formcheck.apps.log.records import parse_date, set_from_result
from formcheck.apps.log.store import open_log, resolve_path
from formcheck.errors import ConfigError
from formcheck.exercises.base import ExerciseResult


@dataclass(frozen=True)
class LogRequest:
    """Who to log a set for, with what load and date, in which log (checked once)."""

    person: str
    load: Load | None = None
    performed_at: datetime | None = None  # None: when the set is logged (or the clip's time)
    path: Path | None = None

    @property
    def log_path(self) -> Path:
        return resolve_path(self.path)


def check_request(
    person: str | None,
    load: str | Load | None = None,
    date: Any = None,
    log: str | os.PathLike | None = None,
) -> LogRequest | None:
    """The checked request, or None when nothing is to be logged (no person given).

    A load or date without a person is refused (they would be silently dropped); a bad load,
    a future date, or a log file that cannot be written fail here, before any work.
    """
    if person is None:
        if load is not None or date is not None:
            raise ConfigError(
                "--load and --date describe a set to log; they need --log-as NAME.",
                "Add --log-as NAME to keep this set in the training log.",
            )
        return None
    if not str(person).strip():
        raise ConfigError("--log-as needs a name.", "Use --log-as NAME, e.g. --log-as ann.")
    request = LogRequest(
        person=str(person).strip(),
        load=parse_load(load),
        performed_at=None if date is None else parse_date(date),
        path=None if log is None else Path(log).expanduser(),
    )
    open_log(request.log_path, write=True).close()  # created, or checked writable, now
    return request


def clip_hash(clip: str | os.PathLike | None) -> str | None:
    if clip is None or not Path(clip).is_file():
        return None
    from formcheck.engine.cache import file_sha256

    return file_sha256(clip)


def clip_time(clip: str | os.PathLike | None) -> datetime | None:
    """When a recorded clip was last modified (about when it was filmed), to the minute."""
    if clip is None or not Path(clip).is_file():
        return None
    return datetime.fromtimestamp(Path(clip).stat().st_mtime).replace(second=0, microsecond=0)


def log_result(
    request: LogRequest,
    result: ExerciseResult,
    *,
    clip: str | os.PathLike | None = None,
    config: Any = None,
    report_path: str | os.PathLike | None = None,
    performed_at: datetime | None = None,
    source: str = "analyze",
) -> int:
    """Store one verdict as a set; return its id in the log.

    ``performed_at``: when the request gives no date (the request's date wins); else now.
    ``config``: the exercise config the verdict used (its thresholds are kept with the set).
    """
    when = request.performed_at or performed_at or parse_date(None)
    logged = set_from_result(
        result,
        request.person,
        load=request.load,
        performed_at=when,
        clip_path=None if clip is None else str(Path(clip).expanduser().absolute()),
        clip_sha256=clip_hash(clip),
        report_path=None if report_path is None else str(Path(report_path).absolute()),
        config=config,
        source=source,
    )
    with open_log(request.log_path, write=True) as log:
        return log.add(logged)


def log_reports(
    request: LogRequest,
    reports: Iterable[Any],
    configs: Mapping[str, Any] | None = None,
    source: str = "batch",
) -> list[int]:
    """Keep every batch report with a verdict as a set (a clip that could not be read has
    none); each dated by its clip file's time unless the request gives a date. Each report's
    ``log_set_id`` is set; returns the ids. One transaction per set, written by the calling
    process after the workers are done.
    """
    ids = []
    for report in reports:
        if report.result is None:
            continue
        report.log_set_id = log_result(
            request,
            report.result,
            clip=report.path,
            config=(configs or {}).get(report.result.exercise),
            performed_at=clip_time(report.path),
            source=source,
        )
        ids.append(report.log_set_id)
    return ids
