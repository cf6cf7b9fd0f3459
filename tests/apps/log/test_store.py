"""The log file: round trip, schema migration, refusals that leave the file as it was,
two writers at once, and a writer killed mid-loop."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from formcheck.apps.log import store
from formcheck.apps.log.records import LoggedFault, LoggedSet, parse_date
from formcheck.apps.log.store import APPLICATION_ID, SCHEMA_VERSION, default_log_path, open_log
from formcheck.errors import LogError
from formcheck.exercises.base import FaultLevel

from .factories import logged, not_judged_result, reps_result, reps_spec


def fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    """The file's bytes, its modification time and the folder's listing."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(path.parent))


@pytest.fixture
def log_path(tmp_path) -> Path:
    return tmp_path / "log.sqlite"


def test_a_set_comes_back_as_it_was_stored(log_path):
    code = reps_spec().faults[0].code
    s = logged(reps_result(8, {7: code}, notes={2: code}), 0, "53 lb")
    with open_log(log_path, write=True) as log:
        set_id = log.add(s)
        log.add(logged(not_judged_result(), 1))
    with open_log(log_path) as log:
        back = log.get(set_id)
        assert log.schema_version == SCHEMA_VERSION
        assert not log.sets()[1].judged and log.sets()[1].reason == "filmed from the front"
    assert back.id == set_id and back.person == "ann" and back.exercise == s.exercise
    assert back.load.given == "53 lb" and back.load.kg == pytest.approx(24.04, abs=0.01)
    assert back.reps == 8 and back.measure is s.measure
    assert [(f.code, f.level, f.rep) for f in back.faults] == [
        (code, FaultLevel.SLIGHT, 2),
        (code, FaultLevel.FAULT, 7),
    ]
    assert back.thresholds == s.thresholds and back.thresholds  # the exercise's config
    assert back.formcheck_version


def test_default_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("FORMCHECK_LOG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_log_path() == tmp_path / "data" / "formcheck" / "log.sqlite"
    monkeypatch.setenv("FORMCHECK_LOG", str(tmp_path / "mine.sqlite"))
    assert default_log_path() == tmp_path / "mine.sqlite"


def test_reading_a_missing_log_says_how_to_start_one_and_creates_nothing(log_path):
    with pytest.raises(LogError, match="--log-as"):
        open_log(log_path)
    assert not log_path.exists()


def test_the_file_is_in_wal_mode_and_marked_as_a_formcheck_log(log_path):
    open_log(log_path, write=True).close()
    con = sqlite3.connect(log_path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


# Schema 1, written out by hand as the first log was: no report links, no record of the
# command that logged a set, no fault levels.
V1 = """
PRAGMA application_id = 1178815559;
CREATE TABLE sets (id INTEGER PRIMARY KEY, person TEXT NOT NULL, exercise TEXT NOT NULL,
  variant TEXT, performed_at TEXT NOT NULL, load_given TEXT, load_kg REAL, measure TEXT,
  reps INTEGER, hold_s REAL, good_form_s REAL, judged INTEGER NOT NULL, reason TEXT,
  not_judged TEXT NOT NULL DEFAULT '{}', clip_path TEXT, clip_sha256 TEXT,
  formcheck_version TEXT, thresholds TEXT, logged_at TEXT NOT NULL);
CREATE TABLE faults (id INTEGER PRIMARY KEY, set_id INTEGER NOT NULL REFERENCES sets (id),
  code TEXT NOT NULL, rep INTEGER, severity REAL NOT NULL, confidence REAL NOT NULL,
  start_s REAL, end_s REAL, cue TEXT);
PRAGMA user_version = 1;
"""


def test_an_older_schema_is_migrated_in_place_keeping_its_sets(log_path):
    assert APPLICATION_ID == 1178815559
    spec = reps_spec()
    con = sqlite3.connect(log_path)
    con.executescript(V1)
    con.execute(
        "INSERT INTO sets (person, exercise, performed_at, load_given, load_kg, measure, reps, "
        "judged, logged_at) VALUES ('bo', ?, '2025-12-01T10:00', '20 kg', 20.0, 'reps', 9, 1, 'x')",
        (spec.id,),
    )
    con.execute(
        "INSERT INTO faults (set_id, code, rep, severity, confidence) VALUES (1, ?, 2, 0.5, 0.8)",
        (spec.faults[0].code,),
    )
    con.commit()
    con.close()
    with open_log(log_path) as log:
        assert log.schema_version == SCHEMA_VERSION
        (old,) = log.sets("bo")
    assert old.reps == 9 and old.load.kg == 20.0 and old.source == "analyze"
    assert [(f.code, f.level, f.rep) for f in old.faults] == [
        (spec.faults[0].code, FaultLevel.FAULT, 2)
    ]
    with open_log(log_path, write=True) as log:  # and it takes new sets
        log.add(logged(reps_result(10), 0, person="bo"))
        assert len(log.sets("bo")) == 2


def _refused(path: Path, match: str, write: bool = True) -> None:
    before = fingerprint(path)
    with pytest.raises(LogError, match=match):
        open_log(path, write=write)
    assert fingerprint(path) == before


def test_a_file_that_is_not_a_log_is_refused_untouched(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("shopping list\n" * 20)
    _refused(text, "not a formcheck training log")
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    _refused(other, "another program")
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    _refused(empty, "not an SQLite database")


def test_a_newer_log_is_refused_untouched(log_path):
    open_log(log_path, write=True).close()
    con = sqlite3.connect(log_path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    _refused(log_path, "newer formcheck")
    _refused(log_path, "newer formcheck", write=False)


def test_a_corrupt_log_is_refused_untouched(log_path):
    with open_log(log_path, write=True) as log:
        for day in range(40):
            log.add(logged(reps_result(10), day))
    data = bytearray(log_path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[2 * page : 3 * page] = b"\xa5" * page  # a page of garbage in the middle
    log_path.write_bytes(bytes(data))
    _refused(log_path, "damaged")
    _refused(log_path, "damaged", write=False)


def test_a_truncated_log_is_refused_untouched(log_path):
    with open_log(log_path, write=True) as log:
        for day in range(40):
            log.add(logged(reps_result(10), day))
    data = log_path.read_bytes()
    log_path.write_bytes(data[: len(data) // 2])
    _refused(log_path, "damaged")


def test_a_read_only_log_can_be_read_but_not_written(log_path):
    with open_log(log_path, write=True) as log:
        log.add(logged(reps_result(10), 0))
    log_path.chmod(0o444)
    try:
        _refused(log_path, "cannot be written")
        before = fingerprint(log_path)
        with open_log(log_path) as log:
            assert len(log.sets()) == 1
            with pytest.raises(LogError, match="cannot be written"):
                log.add(logged(reps_result(10), 1))
        assert fingerprint(log_path)[:2] == before[:2]
    finally:
        log_path.chmod(0o644)


# ----------------------------------------------------------------------------- concurrency
def _writer(path: str, person: str, count: int, done_file: str | None = None) -> None:
    """Add ``count`` sets for ``person``, one transaction each; note each committed id."""
    code = reps_spec().faults[0].code
    with open_log(path, write=True) as log:
        for i in range(count):
            # The number of faults is the rep count: a half-written set would not match.
            reps = 1 + i % 10
            s = logged(
                reps_result(reps, {r: code for r in range(1, reps + 1)}), i % 50, person=person
            )
            set_id = log.add(s)
            if done_file is not None:
                with open(done_file, "a") as handle:
                    handle.write(f"{set_id}\n")
                    handle.flush()
                    os.fsync(handle.fileno())


def _complete(s: LoggedSet) -> bool:
    return len(s.real_faults) == s.reps


def test_two_processes_writing_at_once_lose_nothing(log_path):
    open_log(log_path, write=True).close()  # both start on the same existing file
    ctx = multiprocessing.get_context("spawn")
    workers = [
        ctx.Process(target=_writer, args=(str(log_path), name, 60)) for name in ("ann", "bo")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    with open_log(log_path) as log:
        for name in ("ann", "bo"):
            sets = log.sets(name)
            assert len(sets) == 60
            assert all(_complete(s) for s in sets)
        assert len({s.id for s in log.sets()}) == 120


def test_two_processes_creating_the_same_log_end_with_one(tmp_path):
    path = tmp_path / "new" / "log.sqlite"
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(str(path), name, 5)) for name in ("ann", "bo")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    with open_log(path) as log:
        assert len(log.sets()) == 10
    assert sorted(os.listdir(path.parent)) == ["log.sqlite"]


def test_a_writer_killed_mid_loop_leaves_every_committed_set(log_path, tmp_path):
    open_log(log_path, write=True).close()
    done = tmp_path / "committed.txt"
    done.touch()
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_writer, args=(str(log_path), "ann", 100_000, str(done)))
    child.start()
    # Wait (by count, not by the clock) until it has committed a few sets, then kill it.
    while len(done.read_text().split()) < 25:
        assert child.is_alive(), "the writer stopped before it was killed"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert child.exitcode == -signal.SIGKILL
    committed = {int(x) for x in done.read_text().split()}
    with open_log(log_path) as log:
        sets = log.sets("ann")
    ids = {s.id for s in sets}
    assert committed <= ids  # every set it said was committed is there
    assert len(ids) <= len(committed) + 1  # at most the one committed as it was killed
    assert all(_complete(s) for s in sets)  # and never half a set


def test_dates_in_the_future_are_refused():
    from formcheck.errors import ConfigError

    with pytest.raises(ConfigError, match="future"):
        parse_date("2999-01-01")
    assert parse_date("2026-01-05T18:30").hour == 18


def test_faults_of_a_deleted_set_go_with_it(log_path):
    with open_log(log_path, write=True) as log:
        set_id = log.add(logged(reps_result(10, {1: reps_spec().faults[0].code}), 0))
        log.delete_set(set_id)
        assert log.sets() == []
        assert log._con.execute("SELECT COUNT(*) FROM faults").fetchone()[0] == 0


def test_module_constants():
    assert store.BUSY_TIMEOUT_S >= 5
    assert isinstance(LoggedFault, type)
