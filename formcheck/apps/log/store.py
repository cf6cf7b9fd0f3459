"""The training log on disk: one SQLite file (the standard library's ``sqlite3``).

Why SQLite: one file the person owns and can copy, no server, and transactions. Each set is
written in one transaction (the set's row and its faults' rows commit together or not at all),
the journal is a write-ahead log (WAL: readers never block the writer, and a process killed
mid-write leaves the last committed state), and a writer waits for another's transaction
(``BUSY_TIMEOUT_S``) instead of failing, so parallel batch workers lose nothing.

The file says what it is: ``PRAGMA application_id`` marks it as a formcheck log and
``PRAGMA user_version`` is its schema version. Opening checks both, and the file's integrity,
before anything is written to it; a file that is not a formcheck log,
is newer than this formcheck, is corrupt or is read-only (when it must be written) is refused
with one message and left byte for byte as it was. An older schema is migrated in place, in
one transaction.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from formcheck.apps.log.loads import Load
from formcheck.apps.log.records import DATE_FORMAT, LoggedFault, LoggedSet
from formcheck.errors import LogError
from formcheck.exercises.base import FaultLevel

APPLICATION_ID = 0x46434C47  # "FCLG": marks the file as a formcheck log (SQLite header offset 68)
SCHEMA_VERSION = 2
# A writer waits this long for another writer's transaction (a set is a few rows: it takes
# milliseconds; the margin covers a busy disk and many batch workers finishing at once).
BUSY_TIMEOUT_S = 30.0
SQLITE_MAGIC = b"SQLite format 3\x00"
ENV_VAR = "FORMCHECK_LOG"

# The current schema, as a new log is created.
SCHEMA = """
CREATE TABLE sets (
    id INTEGER PRIMARY KEY,
    person TEXT NOT NULL,
    exercise TEXT NOT NULL,
    variant TEXT,
    performed_at TEXT NOT NULL,
    load_given TEXT,
    load_kg REAL,
    measure TEXT,
    reps INTEGER,
    hold_s REAL,
    good_form_s REAL,
    judged INTEGER NOT NULL,
    reason TEXT,
    not_judged TEXT NOT NULL DEFAULT '{}',
    clip_path TEXT,
    clip_sha256 TEXT,
    formcheck_version TEXT,
    thresholds TEXT,
    logged_at TEXT NOT NULL,
    report_path TEXT,
    source TEXT NOT NULL DEFAULT 'analyze'
);
CREATE INDEX sets_by_person ON sets (person, exercise, performed_at);
CREATE TABLE faults (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES sets (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    rep INTEGER,
    severity REAL NOT NULL,
    confidence REAL NOT NULL,
    start_s REAL,
    end_s REAL,
    cue TEXT,
    level TEXT NOT NULL DEFAULT 'fault'
);
CREATE INDEX faults_by_set ON faults (set_id);
"""

# Schema history. Version 1 (the first log) had no report links, no record of which command
# logged a set, and no fault levels (every finding was a fault). Each step takes a log from
# version N to N + 1; all run in one transaction, so a failed upgrade leaves version N.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE sets ADD COLUMN report_path TEXT",
        "ALTER TABLE sets ADD COLUMN source TEXT NOT NULL DEFAULT 'analyze'",
        # Sets logged before levels existed held only faults.
        "ALTER TABLE faults ADD COLUMN level TEXT NOT NULL DEFAULT 'fault'",
    ),
}

HINT_LOG = "Pass --log PATH (or set $FORMCHECK_LOG) to use another log file."


def default_log_path() -> Path:
    """``$FORMCHECK_LOG``, else ``$XDG_DATA_HOME/formcheck/log.sqlite``, else
    ``~/.local/share/formcheck/log.sqlite``."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "formcheck" / "log.sqlite"


def resolve_path(path: str | os.PathLike | None) -> Path:
    return Path(path).expanduser() if path else default_log_path()


@dataclass(frozen=True)
class PersonSummary:
    person: str
    sets: int
    judged: int
    first: datetime
    last: datetime
    exercises: tuple[str, ...]


# ----------------------------------------------------------------------------- checks
def _not_a_log(path: Path, why: str) -> LogError:
    return LogError(
        f"{path} is not a formcheck training log ({why}); it was left as it is.", HINT_LOG
    )


def _corrupt(path: Path, detail: str) -> LogError:
    return LogError(
        f"The training log {path} is damaged ({detail}); it was left as it is.",
        "Restore it from a backup, or move it aside to start a new log "
        "(sqlite3's .recover can often save the sets in it).",
    )


def _read_only(path: Path, why: str = "read-only") -> LogError:
    return LogError(
        f"The training log {path} cannot be written ({why}); it was left as it is.",
        f"Make it writable (chmod u+w {path}) or choose another log with --log PATH.",
    )


def _check_header(path: Path) -> None:
    """Refuse a file that is not a SQLite database, or a database that is not our log."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except IsADirectoryError:
        raise _not_a_log(path, "it is a folder") from None
    except OSError as exc:
        raise LogError(f"Cannot read the training log {path} ({exc.strerror}).", HINT_LOG) from exc
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise _not_a_log(path, "not an SQLite database")
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise _not_a_log(path, "an SQLite database of another program")


def _writable(path: Path) -> bool:
    # Permission bits as well as access(): the superuser may write anything, but a log its
    # owner made read-only is meant to stay as it is.
    mode = path.stat().st_mode
    return os.access(path, os.W_OK) and bool(mode & 0o222) and os.access(path.parent, os.W_OK)


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """A connection with the busy timeout. ``read_only`` (for a file that cannot be written):
    opened as immutable, because SQLite would otherwise leave -wal and -shm files beside a
    read-only log; nobody writes to a file without write permission meanwhile. (A writable log
    is opened read-write even to read: reading writes nothing to it, and SQLite removes its
    -wal and -shm files when the connection closes.)"""
    if read_only:
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    else:
        con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    con.execute("PRAGMA foreign_keys = ON")
    return con


def _inspect(path: Path) -> int:
    """The schema version of an existing log, checked without writing to it."""
    _check_header(path)
    try:
        con = _connect(path, read_only=not _writable(path))
    except sqlite3.Error as exc:
        raise _corrupt(path, str(exc)) from exc
    try:
        check = con.execute("PRAGMA quick_check").fetchall()
        if [tuple(row) for row in check] != [("ok",)]:
            raise _corrupt(path, "; ".join(str(row[0]) for row in check[:3]))
        if con.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise _not_a_log(path, "an SQLite database of another program")
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise _corrupt(path, str(exc)) from exc
    finally:
        con.close()
    if version > SCHEMA_VERSION:
        from formcheck import __version__

        raise LogError(
            f"The training log {path} is from a newer formcheck (schema {version}; "
            f"formcheck {__version__} reads up to {SCHEMA_VERSION}); it was left as it is.",
            "Upgrade formcheck (pip install -U formcheck) to use it.",
        )
    if version < 1:
        raise _corrupt(path, "no schema version")
    return version


def _create(path: Path) -> None:
    """Make a new, complete log at ``path`` unless one appears there meanwhile.

    Built beside it and linked into place, so no process ever sees a half-made log, and two
    processes creating the same log at once end with one (the second link fails; its copy is
    dropped).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    except OSError as exc:
        raise LogError(
            f"Cannot create the training log {path} ({exc.strerror}).", HINT_LOG
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        con = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            con.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            con.execute("PRAGMA journal_mode = WAL")  # persistent: kept in the file's header
        finally:
            con.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    except OSError as exc:
        raise LogError(
            f"Cannot create the training log {path} ({exc.strerror}).", HINT_LOG
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
        for extra in ("-wal", "-shm", "-journal"):
            Path(f"{tmp}{extra}").unlink(missing_ok=True)


# ----------------------------------------------------------------------------- the log
def _set_row(s: LoggedSet) -> dict[str, object]:
    return {
        "person": s.person,
        "exercise": s.exercise,
        "variant": s.variant,
        "performed_at": s.performed_at.strftime(DATE_FORMAT),
        "load_given": None if s.load is None else s.load.given,
        "load_kg": s.load_kg,
        "measure": None if s.measure is None else str(s.measure),
        "reps": s.reps,
        "hold_s": s.hold_s,
        "good_form_s": s.good_form_s,
        "judged": int(s.judged),
        "reason": s.reason,
        "not_judged": json.dumps(dict(s.not_judged)),
        "clip_path": s.clip_path,
        "clip_sha256": s.clip_sha256,
        "formcheck_version": s.formcheck_version,
        "thresholds": None if s.thresholds is None else json.dumps(s.thresholds),
        "logged_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "report_path": s.report_path,
        "source": s.source,
    }


def _set_of(row: sqlite3.Row, faults: list[LoggedFault]) -> LoggedSet:
    load = None
    if row["load_given"] is not None and row["load_kg"] is not None:
        load = Load(given=row["load_given"], kg=float(row["load_kg"]))
    return LoggedSet(
        id=int(row["id"]),
        person=row["person"],
        exercise=row["exercise"],
        variant=row["variant"],
        performed_at=datetime.strptime(row["performed_at"], DATE_FORMAT),
        judged=bool(row["judged"]),
        load=load,
        measure=row["measure"],
        reps=row["reps"],
        hold_s=row["hold_s"],
        good_form_s=row["good_form_s"],
        reason=row["reason"],
        not_judged=json.loads(row["not_judged"] or "{}"),
        faults=tuple(faults),
        clip_path=row["clip_path"],
        clip_sha256=row["clip_sha256"],
        report_path=row["report_path"],
        formcheck_version=row["formcheck_version"],
        thresholds=json.loads(row["thresholds"]) if row["thresholds"] else None,
        source=row["source"],
    )


class TrainingLog:
    """An open training log. Use :func:`open_log`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, con: sqlite3.Connection, *, writable: bool) -> None:
        self.path = path
        self._con = con
        self._con.row_factory = sqlite3.Row
        self.writable = writable

    def __enter__(self) -> TrainingLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise _read_only(self.path, str(exc)) from exc
            if "locked" in str(exc) or "busy" in str(exc):
                raise LogError(
                    f"The training log {self.path} stayed locked by another program for "
                    f"{BUSY_TIMEOUT_S:.0f} s.",
                    "Close other programs using it and try again.",
                ) from exc
            raise _corrupt(self.path, str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise _corrupt(self.path, str(exc)) from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything in the block commits together or not at all."""
        if not self.writable:
            raise _read_only(self.path, "opened for reading")
        with self._errors():
            self._con.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    # ------------------------------------------------------------------- writing
    def add(self, logged: LoggedSet) -> int:
        """Store one set with its faults in one transaction; return its id."""
        row = _set_row(logged)
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        with self.transaction() as con:
            set_id = int(
                con.execute(f"INSERT INTO sets ({columns}) VALUES ({marks})", row).lastrowid
            )
            con.executemany(
                "INSERT INTO faults (set_id, code, rep, severity, confidence, start_s, end_s, cue, "
                "level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        set_id,
                        f.code,
                        f.rep,
                        f.severity,
                        f.confidence,
                        f.start_s,
                        f.end_s,
                        f.cue,
                        str(f.level),
                    )
                    for f in logged.faults
                ],
            )
        return set_id

    def delete_set(self, set_id: int) -> LoggedSet:
        """Remove one set (and its faults); return what was removed."""
        found = self.get(set_id)
        with self.transaction() as con:
            con.execute("DELETE FROM sets WHERE id = ?", (set_id,))
        return found

    def delete_person(self, person: str) -> int:
        """Remove a person with every set of theirs; return how many sets went."""
        self._require_person(person)
        with self.transaction() as con:
            return con.execute("DELETE FROM sets WHERE person = ?", (person,)).rowcount

    # ------------------------------------------------------------------- reading
    def _faults(self, set_ids: list[int]) -> dict[int, list[LoggedFault]]:
        found: dict[int, list[LoggedFault]] = {i: [] for i in set_ids}
        for start in range(0, len(set_ids), 500):  # SQLite's limit on bound parameters
            chunk = set_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._con.execute(
                f"SELECT * FROM faults WHERE set_id IN ({marks}) ORDER BY set_id, start_s, id",
                chunk,
            )
            for r in rows:
                found[r["set_id"]].append(
                    LoggedFault(
                        code=r["code"],
                        level=FaultLevel(r["level"]),
                        severity=r["severity"],
                        confidence=r["confidence"],
                        rep=r["rep"],
                        start_s=r["start_s"],
                        end_s=r["end_s"],
                        cue=r["cue"] or "",
                    )
                )
        return found

    def sets(self, person: str | None = None, exercise: str | None = None) -> list[LoggedSet]:
        """The sets, oldest first (by when they were done, then as logged)."""
        where, params = [], []
        if person is not None:
            where.append("person = ?")
            params.append(person)
        if exercise is not None:
            where.append("exercise = ?")
            params.append(exercise)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._errors():
            rows = self._con.execute(
                f"SELECT * FROM sets {clause} ORDER BY performed_at, id", params
            ).fetchall()
            faults = self._faults([r["id"] for r in rows])
        return [_set_of(r, faults[r["id"]]) for r in rows]

    def get(self, set_id: int) -> LoggedSet:
        with self._errors():
            row = self._con.execute("SELECT * FROM sets WHERE id = ?", (set_id,)).fetchone()
            if row is None:
                raise LogError(
                    f"There is no set {set_id} in the training log {self.path}.",
                    "See the set ids with 'formcheck log show NAME'.",
                )
            return _set_of(row, self._faults([set_id])[set_id])

    def people(self) -> list[PersonSummary]:
        with self._errors():
            rows = self._con.execute(
                "SELECT person, COUNT(*) AS n, SUM(judged) AS judged, MIN(performed_at) AS first, "
                "MAX(performed_at) AS last, GROUP_CONCAT(DISTINCT exercise) AS exercises "
                "FROM sets GROUP BY person ORDER BY person"
            ).fetchall()
        return [
            PersonSummary(
                person=r["person"],
                sets=int(r["n"]),
                judged=int(r["judged"] or 0),
                first=datetime.strptime(r["first"], DATE_FORMAT),
                last=datetime.strptime(r["last"], DATE_FORMAT),
                exercises=tuple(sorted((r["exercises"] or "").split(","))),
            )
            for r in rows
        ]

    def _require_person(self, person: str) -> None:
        with self._errors():
            known = self._con.execute(
                "SELECT 1 FROM sets WHERE person = ? LIMIT 1", (person,)
            ).fetchone()
        if known is None:
            names = [p.person for p in self.people()]
            listed = f"People in it: {', '.join(names)}." if names else "It has no sets yet."
            raise LogError(f"Nobody called {person!r} is in the training log {self.path}.", listed)

    def person_sets(self, person: str) -> list[LoggedSet]:
        """Every set of ``person`` (refused with the names in the log when there are none)."""
        self._require_person(person)
        return self.sets(person=person)

    @property
    def schema_version(self) -> int:
        return int(self._con.execute("PRAGMA user_version").fetchone()[0])


def _migrate(path: Path, con: sqlite3.Connection) -> None:
    """Bring an older log to :data:`SCHEMA_VERSION` in one transaction."""
    con.execute("BEGIN IMMEDIATE")
    try:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])  # under the lock
        while version < SCHEMA_VERSION:
            for statement in MIGRATIONS[version]:
                con.execute(statement)
            version += 1
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("PRAGMA journal_mode = WAL")  # a log from before WAL, made by hand or old tools


def open_log(path: str | os.PathLike | None = None, *, write: bool = False) -> TrainingLog:
    """Open the training log at ``path`` (default :func:`default_log_path`).

    ``write``: it will be written (created when missing; refused when read-only). For reading
    only, a missing log is an error saying how to start one. Every refusal leaves the file as
    it was.
    """
    path = resolve_path(path)
    if not path.exists():
        if not write:
            raise LogError(
                f"There is no training log at {path} yet.",
                "Log a set first: formcheck analyze CLIP --log-as NAME (or pass --log PATH).",
            )
        _create(path)
    version = _inspect(path)
    writable = _writable(path)
    if (write or version < SCHEMA_VERSION) and not writable:
        why = (
            "read-only"
            if version == SCHEMA_VERSION
            else f"read-only, and schema {version} needs upgrading"
        )
        raise _read_only(path, why)
    read_only = not writable  # see _connect
    try:
        con = _connect(path, read_only=read_only)
        if version < SCHEMA_VERSION:
            _migrate(path, con)
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc):
            raise _read_only(path, str(exc)) from exc
        raise _corrupt(path, str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise _corrupt(path, str(exc)) from exc
    return TrainingLog(path, con, writable=not read_only)
