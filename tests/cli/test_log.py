"""``formcheck log`` and ``--log-as`` end to end: sets logged from saved landmarks, from the
landmark cache (batch, score_clip) and, with the real model, from a sample video; every bad
input a clear message with exit 2 and the log file as it was."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest

from formcheck.apps.log.store import SCHEMA_VERSION, open_log
from formcheck.cli.main import main
from formcheck.synth import GroundTruth
from tests.apps.log.factories import logged, not_judged_result, reps_result, reps_spec

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def rep_clips() -> list[Path]:
    """The bundled samples of the first exercise counted in reps (named by its id)."""
    return sorted(SAMPLES.glob(f"{reps_spec().id}_*.mp4"))


def run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def fingerprint(path: Path):
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.fixture
def landmarks(tmp_path) -> Path:
    """A sample's landmarks saved as formcheck analyze re-scores them (no model)."""
    path = tmp_path / "set.npz"
    GroundTruth.load(rep_clips()[-1]).to_pose_series().save(path)
    return path


@pytest.fixture
def log_path(tmp_path) -> Path:
    return tmp_path / "log.sqlite"


def test_analyze_with_log_as_keeps_the_set(landmarks, log_path, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    report = tmp_path / "set.html"
    code, out, err = run(
        [
            "analyze",
            landmarks,
            "--log-as",
            "ann",
            "--load",
            "53 lb",
            "--date",
            "2026-01-05T18:30",
            "--log",
            log_path,
            "--report",
            report,
        ],
        capsys,
    )
    assert code == 0, err
    assert "set 1 logged for ann" in err
    with open_log(log_path) as log:
        (s,) = log.sets("ann")
    assert s.exercise == reps_spec().id and s.judged and s.reps
    assert s.load.given == "53 lb" and s.load.kg == pytest.approx(24.04, abs=0.01)
    assert s.when == "2026-01-05T18:30"
    assert s.clip_sha256 == hashlib.sha256(landmarks.read_bytes()).hexdigest()
    assert s.report_path == str(report.absolute()) and report.is_file()
    assert s.thresholds and s.formcheck_version and s.source == "analyze"

    code, out, _ = run(["log", "--log", log_path, "show", "ann"], capsys)
    assert code == 0
    assert "2026-01-05 18:30" in out and "53 lb" in out
    assert "why:" in out and "evidence: set 1" in out

    code, out, _ = run(["log", "list", "--log", log_path], capsys)
    assert code == 0 and "ann" in out and "2026-01-05" in out

    code, out, _ = run(["log", "--log", log_path, "export", "ann", "--json"], capsys)
    (exported,) = json.loads(out)
    assert exported["load"] == {"given": "53 lb", "kg": s.load.kg}
    assert exported["report_path"] == str(report.absolute())


def test_nothing_is_kept_without_log_as(landmarks, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FORMCHECK_LOG", str(tmp_path / "default.sqlite"))
    code, _, _ = run(["analyze", landmarks], capsys)
    assert code == 0
    assert not (tmp_path / "default.sqlite").exists()


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--load", "24 stone"], "Unknown unit 'stone'"),
        (["--load=-5kg"], "cannot be negative"),
        (["--load", "24"], "no unit"),
        (["--load", "heavy"], "Cannot read the load"),
        (["--date", "2999-01-01"], "in the future"),
        (["--date", "yesterday"], "Cannot read the date"),
    ],
)
def test_bad_load_or_date_exit_2_before_anything_runs(flags, words, tmp_path, log_path, capsys):
    missing = tmp_path / "not_there.mp4"  # would fail later, if anything ran
    code, out, err = run(["analyze", missing, "--log-as", "ann", "--log", log_path, *flags], capsys)
    assert code == 2
    assert words in err and "Traceback" not in err
    assert not log_path.exists()


def test_load_without_log_as_is_refused(landmarks, capsys):
    code, _, err = run(["analyze", landmarks, "--load", "24kg"], capsys)
    assert code == 2 and "--log-as" in err


def _newer(path: Path) -> None:
    open_log(path, write=True).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.commit()
    con.close()


def _corrupt(path: Path) -> None:
    with open_log(path, write=True) as log:
        for day in range(40):
            log.add(logged(reps_result(10), day))
    data = bytearray(path.read_bytes())
    data[8192:12288] = b"\x5a" * 4096
    path.write_bytes(bytes(data))


def _not_a_log(path: Path) -> None:
    path.write_text("person,load\nann,24kg\n" * 10)


def _read_only(path: Path) -> None:
    with open_log(path, write=True) as log:
        log.add(logged(reps_result(10), 0))
    path.chmod(0o444)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_not_a_log, "is not a formcheck training log"),
        (_newer, "from a newer formcheck"),
        (_corrupt, "is damaged"),
        (_read_only, "cannot be written"),
    ],
    ids=["not_a_log", "newer", "corrupt", "read_only"],
)
def test_a_bad_log_file_is_one_message_exit_2_and_untouched(
    make, words, landmarks, log_path, capsys
):
    make(log_path)
    before = fingerprint(log_path)
    try:
        code, out, err = run(["analyze", landmarks, "--log-as", "ann", "--log", log_path], capsys)
        assert code == 2
        assert words in err and "left as it is" in err and "Traceback" not in err
        assert out == ""  # refused before the clip was scored
        assert fingerprint(log_path) == before
        code, out, err = run(["log", "--log", log_path, "list"], capsys)
        if make is _read_only:  # reading a read-only log is fine
            assert code == 0 and "ann" in out
        else:
            assert code == 2 and words in err
        assert fingerprint(log_path) == before
        assert sorted(os.listdir(log_path.parent)) == [log_path.name, landmarks.name]
    finally:
        log_path.chmod(0o644)


@pytest.fixture
def filled(log_path) -> Path:
    code = reps_spec().faults[0].code
    with open_log(log_path, write=True) as log:
        for day, faulty in ((0, {}), (3, {}), (7, {9: code})):
            log.add(logged(reps_result(10, faulty), day, "24kg"))
        log.add(logged(not_judged_result(), 8))
        log.add(logged(reps_result(8), 0, "30kg", person="bo"))
    return log_path


def test_show_lists_sets_and_advice_with_evidence(filled, capsys):
    code, out, _ = run(["log", "--log", filled, "show", "ann"], capsys)
    assert code == 0
    assert "keep the load" in out
    assert "evidence: set 3" in out and "rep 9" in out
    assert "not used (not judged): set 4" in out


def test_unknown_person_lists_who_is_there(filled, capsys):
    code, _, err = run(["log", "--log", filled, "show", "cy"], capsys)
    assert code == 2 and "Nobody called 'cy'" in err and "ann, bo" in err


def test_export_csv_to_a_file(filled, tmp_path, capsys):
    out_file = tmp_path / "ann.csv"
    code, _, _ = run(["log", "--log", filled, "export", "ann", "--csv", "-o", out_file], capsys)
    assert code == 0
    lines = out_file.read_text().splitlines()
    assert lines[0].startswith("set_id,person,exercise")
    assert len(lines) == 1 + 4


def test_deleting_a_person_needs_confirmation_without_a_terminal(filled, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    before = fingerprint(filled)
    code, _, err = run(["log", "--log", filled, "delete", "--person", "ann"], capsys)
    assert code == 2 and "--yes" in err
    assert fingerprint(filled) == before
    code, out, _ = run(["log", "--log", filled, "delete", "--person", "ann", "--yes"], capsys)
    assert code == 0 and "deleted ann: 4 sets" in out
    with open_log(filled) as log:
        assert [p.person for p in log.people()] == ["bo"]


def test_deleting_asks_on_a_terminal(filled, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    code, out, _ = run(["log", "--log", filled, "delete", "--set", "1"], capsys)
    assert code == 1 and "nothing deleted" in out
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    code, out, _ = run(["log", "--log", filled, "delete", "--set", "1"], capsys)
    assert code == 0 and "deleted set 1" in out
    code, _, err = run(["log", "--log", filled, "delete", "--set", "1", "--yes"], capsys)
    assert code == 2 and "no set 1" in err


def test_report_writes_the_progress_page(filled, tmp_path, capsys):
    page = tmp_path / "progress.html"
    code, _, err = run(["log", "--log", filled, "report", "ann", "-o", page], capsys)
    assert code == 0, err
    text = page.read_text()
    assert text.count('<svg class="plot"') >= 3
    code, _, err = run(["log", "--log", filled, "report", "ann", "-o", tmp_path / "p.txt"], capsys)
    assert code == 2 and ".html" in err


# ----------------------------------------------------------------------------- batch, import, API
@pytest.fixture
def cache(tmp_path) -> Path:
    """The samples' landmarks in a landmark cache, so batch and score_clip run no model."""
    pytest.importorskip("pandas")
    from tests.apps.test_batch import fill_cache

    return fill_cache(tmp_path / "cache", rep_clips())


def test_batch_with_log_as_logs_every_clip_dated_by_its_file(cache, tmp_path, log_path, capsys):
    from tests.apps.test_batch import MODEL

    folder = tmp_path / "clips"
    folder.mkdir()
    for i, clip in enumerate(rep_clips()):
        copy = folder / clip.name
        copy.write_bytes(clip.read_bytes())
        stamp = 1767600000 + i * 7 * 86400  # a week apart, in Jan 2026
        os.utime(copy, (stamp, stamp))
    out = tmp_path / "results.csv"
    code, _, err = run(
        [
            "batch",
            folder,
            "--out",
            out,
            "--model",
            MODEL,
            "--cache",
            cache,
            "--no-progress",
            "--log-as",
            "ann",
            "--load",
            "24kg",
            "--log",
            log_path,
        ],
        capsys,
    )
    assert code == 0, err
    with open_log(log_path) as log:
        sets = log.sets("ann")
    assert len(sets) == len(rep_clips())
    assert all(s.source == "batch" and s.load.given == "24kg" for s in sets)
    assert (sets[1].performed_at - sets[0].performed_at).days == 7

    # The same table imported for another person: the same sets, with their faults.
    code, outtext, err = run(["log", "--log", log_path, "import", out, "--log-as", "bo"], capsys)
    assert code == 0, err
    assert f"imported {len(sets)} sets" in outtext
    with open_log(log_path) as log:
        imported = log.sets("bo")
    assert [s.reps for s in imported] == [s.reps for s in sets]
    assert [len(s.real_faults) for s in imported] == [len(s.real_faults) for s in sets]
    assert [s.day for s in imported] == [s.day for s in sets]

    # And as parquet (the batch's other format), with a person column instead of --log-as.
    pytest.importorskip("pyarrow")
    import pandas as pd

    table = pd.read_csv(out)
    table["person"] = "cy"
    table.to_parquet(tmp_path / "results.parquet")
    pd.read_csv(tmp_path / "results_faults.csv").to_parquet(tmp_path / "results_faults.parquet")
    code, _, err = run(["log", "--log", log_path, "import", tmp_path / "results.parquet"], capsys)
    assert code == 0, err
    with open_log(log_path) as log:
        cy = log.sets("cy")
    assert [len(s.real_faults) for s in cy] == [len(s.real_faults) for s in sets]


def test_import_refuses_a_table_without_person(cache, tmp_path, log_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("path,status,exercise,reps\nx.mp4,ok,a,3\n")
    code, _, err = run(["log", "--log", log_path, "import", table], capsys)
    assert code == 2 and "person" in err
    assert not log_path.exists()


def test_score_clip_logs_with_log_as(cache, log_path):
    from formcheck import score_clip
    from formcheck.errors import ConfigError
    from tests.apps.test_batch import MODEL

    clip = rep_clips()[0]
    report = score_clip(
        clip,
        model=MODEL,
        cache_dir=cache,
        log_as="ann",
        load="16kg",
        date="2026-01-05",
        log=log_path,
    )
    assert report.status == "ok" and report.log_set_id == 1
    with open_log(log_path) as log:
        (s,) = log.sets("ann")
    assert s.reps == report.reps and s.load.kg == 16.0 and s.source == "api"
    assert s.clip_sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    with pytest.raises(ConfigError, match="Unknown unit"):
        score_clip(clip, model=MODEL, cache_dir=cache, log_as="ann", load="16 st", log=log_path)
    from formcheck.engine.options import EngineOptions

    with pytest.raises(ConfigError, match="not both"):  # the options/keywords rule still holds
        score_clip(clip, options=EngineOptions(), model=MODEL, log_as="ann", log=log_path)
    # log_as with ready-made options is fine: it is not an engine option
    with open_log(log_path) as log:
        assert len(log.sets("ann")) == 1


def test_live_with_log_as_logs_each_finished_set(tmp_path, log_path, monkeypatch, capsys):
    """The live command over a hold sample (its ground truth standing in for the model)."""
    import formcheck.pose.backend as backend
    from tests.apps.log.factories import hold_spec
    from tests.apps.test_live import IndexReplay

    clip = sorted(SAMPLES.glob(f"{hold_spec().id}_*.mp4"))[-1]
    series = GroundTruth.load(clip).to_pose_series()
    monkeypatch.setattr(backend, "MediaPipePoseEstimator", lambda options: IndexReplay(series))
    code, out, err = run(
        [
            "live",
            "--source",
            clip,
            "--no-display",
            "--no-realtime",
            "--exercise",
            hold_spec().id,
            "--summary",
            tmp_path / "live.json",
            "--log-as",
            "ann",
            "--load",
            "bodyweight",
            "--log",
            log_path,
            "-q",
        ],
        capsys,
    )
    assert code == 0, err
    with open_log(log_path) as log:
        (s,) = log.sets("ann")
    assert s.source == "live" and s.judged and s.measure is hold_spec().measure
    assert s.hold_s and s.good_form_s is not None and s.good_form_s < s.hold_s
    assert s.real_faults and all(f.rep is None for f in s.real_faults)
    assert s.clip_sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()


def test_log_commands_take_quiet_after_their_name(filled, capsys):
    code, out, _ = run(["log", "--log", filled, "show", "bo", "-q"], capsys)
    assert code == 0 and "bo: 1 sets" in out


def test_score_clips_logs_every_clip_with_a_verdict(cache, log_path, tmp_path):
    from formcheck import score_clips
    from tests.apps.test_batch import MODEL

    missing = tmp_path / "gone.mp4"
    result = score_clips(
        [*rep_clips(), missing], model=MODEL, cache_dir=cache, progress=False,
        log_as="ann", load="24kg", date="2026-01-05", log=log_path,
    )  # fmt: skip
    ids = [r.log_set_id for r in result.reports]
    assert ids[:-1] == list(range(1, len(rep_clips()) + 1)) and ids[-1] is None
    with open_log(log_path) as log:
        sets = log.sets("ann")
    assert [s.clip_path for s in sets] == [str(c) for c in rep_clips()]
    assert {s.when for s in sets} == {"2026-01-05T00:00"}


# ----------------------------------------------------------------------------- real model
def test_real_sample_logged_and_reported_end_to_end(real_model, tmp_path, log_path, capsys):
    page = tmp_path / "progress.html"
    for day, clip in enumerate(rep_clips()):
        code, out, err = run(
            [
                "analyze",
                clip,
                "--model",
                "lite",
                "--stride",
                "2",
                "--log-as",
                "ann",
                "--load",
                "24kg",
                "--date",
                f"2026-01-0{5 + day}",
                "--log",
                log_path,
            ],
            capsys,
        )
        assert code == 0, err
        assert "logged for ann" in err
    code, out, _ = run(["log", "--log", log_path, "show", "ann"], capsys)
    assert code == 0 and "why:" in out
    code, _, err = run(["log", "--log", log_path, "report", "ann", "-o", page], capsys)
    assert code == 0, err
    with open_log(log_path) as log:
        sets = log.sets("ann")
    assert len(sets) == len(rep_clips()) and all(s.judged for s in sets)
    assert any(s.real_faults for s in sets) and any(not s.real_faults for s in sets)
    assert "Weeks where form broke" in page.read_text()
