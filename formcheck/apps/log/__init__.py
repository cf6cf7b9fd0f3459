"""The training log: every analysed set kept (when asked), progress over weeks, load advice.

One module per job: :mod:`.loads` (what was lifted, as given and in kg), :mod:`.records` (the
typed set and fault records, built from a verdict), :mod:`.store` (the SQLite file: schema
version, migrations, WAL, one transaction per set), :mod:`.writer` (logging a verdict, for
``analyze``, ``live``, ``batch`` and ``score_clip``), :mod:`.importer` (batch tables),
:mod:`.advice` (pure functions: add, keep or lower the load, from the form in each rep),
:mod:`.summary` (figures over time), :mod:`.progress` (the HTML page) and :mod:`.frame` (pandas).

The log is a consumer of the exercise registry and the engine's results: it never names an
exercise or a fault.
"""

from __future__ import annotations

from formcheck.apps.log.advice import Action, Advice, Evidence, advise, advise_person
from formcheck.apps.log.importer import ImportResult, import_table
from formcheck.apps.log.loads import Load, parse_load
from formcheck.apps.log.records import LoggedFault, LoggedSet, parse_date, set_from_result
from formcheck.apps.log.store import (
    SCHEMA_VERSION,
    TrainingLog,
    default_log_path,
    open_log,
)
from formcheck.apps.log.writer import LogRequest, check_request, log_result


def progress_frame(person: str, log=None):
    """One row per set of ``person`` as a pandas DataFrame (see :mod:`.frame`)."""
    from formcheck.apps.log.frame import progress_frame as frame

    return frame(person, log)


def write_progress(path, person: str, log=None):
    """Write ``person``'s progress page (see :mod:`.progress`) from the log at ``log``."""
    from formcheck.apps.log.progress import write_progress as write

    with open_log(log) as opened:
        return write(path, person, opened.person_sets(person))


__all__ = [
    "SCHEMA_VERSION",
    "Action",
    "Advice",
    "Evidence",
    "ImportResult",
    "Load",
    "LogRequest",
    "LoggedFault",
    "LoggedSet",
    "TrainingLog",
    "advise",
    "advise_person",
    "check_request",
    "default_log_path",
    "import_table",
    "log_result",
    "open_log",
    "parse_date",
    "parse_load",
    "progress_frame",
    "set_from_result",
    "write_progress",
]
