"""Scoring of a labelled set: hand-made manifests and outcomes with known counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.apps.evaluation import (
    ClipOutcome,
    ManifestRow,
    all_fault_codes,
    evaluate_manifest,
    exercise_faults,
    fault_scores,
    label_to_fault,
    read_manifest,
    recognition_class,
    score_outcomes,
)
from formcheck.errors import ConfigError, InputError

HEADER = "file,exercise,label,view,notes\n"


def _row(file: str, exercise: str, label: str, view: str = "side") -> ManifestRow:
    return ManifestRow(file, Path(file), exercise, label, view)


def _out(row: ManifestRow, predicted: str | None, faults=(), error=None) -> ClipOutcome:
    return ClipOutcome(row.file, row.exercise, row.label, predicted, list(faults), error)


def _write(tmp_path: Path, text: str, name: str = "MANIFEST.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- manifest
def test_read_manifest_resolves_paths_and_normalises(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "b.mp4").write_bytes(b"x")
    path = _write(
        tmp_path,
        "\ufeff"
        + HEADER
        + "a.mp4, Deadlift ,GOOD,Side,x\n\nb.mp4,plank,,,y\nc.mp4,squat,unknown,front,\n"
        + "d.mp4,Kettlebell_Swing,toes,side,\n",
    )
    rows = read_manifest(path)
    assert [r.file for r in rows] == ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]
    assert (rows[3].exercise, rows[3].label) == ("kbswing", "toes")
    assert rows[0] == ManifestRow("a.mp4", tmp_path / "a.mp4", "deadlift", "good", "side")
    assert rows[1].path == tmp_path / "clips" / "b.mp4"  # the shared layout: clips/ beside it
    assert (rows[1].label, rows[1].view) == ("unknown", "unknown")
    assert rows[2].path == tmp_path / "c.mp4"  # missing clips resolve beside the manifest


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("", ConfigError, "no header"),
        ("file,exercise,view\na.mp4,plank,side\n", ConfigError, "label"),
        ("name,exercise,label,view\na.mp4,plank,good,side\n", ConfigError, "file"),
        (HEADER, ConfigError, "no rows"),
        (HEADER + ",plank,good,side,\n", ConfigError, "line 2"),
        (HEADER + "a.mp4,,good,side,\n", ConfigError, "no exercise"),
        (HEADER + "a.mp4,plank,good,side,\na.mp4,plank,good,side,\n", ConfigError, "twice"),
    ],
)
def test_bad_manifests_raise_clear_errors(tmp_path, text, error, words):
    with pytest.raises(error) as info:
        read_manifest(_write(tmp_path, text))
    assert words in info.value.problem
    assert info.value.hint


def test_missing_manifest_and_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_manifest(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="not a file"):
        read_manifest(tmp_path)


def test_shared_manifest_reads_if_present(shared_data):
    manifest = shared_data / "MANIFEST.csv"
    if not manifest.is_file():
        pytest.skip("../shared/data/MANIFEST.csv not available")
    rows = read_manifest(manifest)
    assert len(rows) > 50
    assert all(r.path.is_file() for r in rows)
    assert {r.label for r in rows} <= {"good", "unknown", *label_to_fault()}


# ----------------------------------------------------------------------------- scoring
@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((3, 1, 1, 5), (0.75, 0.75, 0.75)),
        ((0, 0, 0, 4), (None, None, None)),  # nothing to find, nothing found: all 0/0
        ((0, 0, 2, 1), (None, 0.0, 0.0)),  # missed everything, never flagged
        ((0, 2, 0, 1), (0.0, None, 0.0)),  # only false alarms, no positives
        ((2, 0, 0, 0), (1.0, 1.0, 1.0)),
        ((1, 3, 1, 0), (0.25, 0.5, 1 / 3)),
    ],
)
def test_fault_scores(counts, expected):
    s = fault_scores(*counts)
    got = (s["precision"], s["recall"], s["f1"])
    for value, want in zip(got, expected, strict=True):
        assert (value is None) == (want is None)
        if want is not None:
            assert value == pytest.approx(want)
    assert s["positives"] == counts[0] + counts[2]
    assert s["negatives"] == counts[1] + counts[3]


def _dataset():
    """Ten clips with known counts (see the asserts of the tests below)."""
    rows = [
        _row("d1", "deadlift", "roundedback"),
        _row("d2", "deadlift", "roundedback"),
        _row("d3", "deadlift", "good"),
        _row("d4", "deadlift", "good"),
        _row("d5", "deadlift", "unknown"),
        _row("p1", "plank", "sagging"),
        _row("p2", "plank", "good"),
        _row("k1", "kbswing", "good"),
        _row("s1", "squat", "unknown", "front"),
        _row("j1", "jumpingjack", "unknown", "front"),
    ]
    preds = {
        "d1": ("deadlift", ["rounded_back"]),  # TP
        "d2": ("kbswing", []),  # FN, wrong exercise
        "d3": ("deadlift", ["rounded_back", "squatting"]),  # FP twice
        "d4": ("deadlift", []),  # TN
        "d5": ("deadlift", ["rounded_back"]),  # unknown label: not scored
        "p1": ("plank", ["hips_piked"]),  # FN for sagging; not a negative for piked
        "p2": ("plank", ["neck_not_neutral"]),  # FP neck, TN for the rest
        "k1": ("kbswing", []),
        "s1": ("other", ["rounded_back"]),  # not scored for faults
        "j1": ("deadlift", []),
    }
    outcomes = [_out(r, *preds[r.file]) for r in rows]
    return rows, outcomes


@pytest.mark.parametrize(
    ("code", "tp", "fp", "fn", "tn"),
    [
        ("rounded_back", 1, 1, 1, 1),
        ("squatting", 0, 1, 0, 2),  # negatives: good deadlifts (2) + good swings (1)
        ("hips_sagging", 0, 0, 1, 1),
        ("hips_piked", 0, 0, 0, 1),
        ("neck_not_neutral", 0, 1, 0, 0),
        ("elbows_not_under_shoulders", 0, 0, 0, 1),
        ("leaning_back", 0, 0, 0, 1),
        ("on_toes", 0, 0, 0, 1),
        ("arms_lifting", 0, 0, 0, 1),
    ],
)
def test_fault_counts(code, tp, fp, fn, tn):
    report = score_outcomes(*_dataset())
    s = report.faults[code]
    assert (s["tp"], s["fp"], s["fn"], s["tn"]) == (tp, fp, fn, tn)


def test_exercise_accuracy_and_confusion():
    report = score_outcomes(*_dataset())
    acc = report.exercise_accuracy
    assert (acc["correct"], acc["total"]) == (8, 10)
    assert acc["accuracy"] == pytest.approx(0.8)
    assert acc["confusion"]["deadlift"] == {"deadlift": 4, "kbswing": 1}
    assert acc["confusion"]["other"] == {"other": 1, "deadlift": 1}  # squat + jumping jack
    assert list(acc["confusion"]) == ["deadlift", "plank", "kbswing", "other"]
    pooled = report.good_clips.pop("all")
    assert report.good_clips == {
        "deadlift": {"clean": 1, "total": 2},
        "plank": {"clean": 0, "total": 1},
        "kbswing": {"clean": 1, "total": 1},
    }
    # Pooled, with an interval that resamples whole groups (here each clip is its own).
    assert (pooled["clean"], pooled["total"], pooled["groups"]) == (2, 4, 4)
    low, high = pooled["interval_95"]
    assert 0.0 <= low < 0.5 < high <= 1.0


def test_clips_of_one_group_are_resampled_together():
    from formcheck.apps.heldout import group_bootstrap_share

    # Two groups: one of 5 clean clips, one of 5 flagged: an interval over groups spans
    # (almost) everything; over single clips it would be narrow around 0.5.
    hits = [True] * 5 + [False] * 5
    low, high = group_bootstrap_share(hits, ["a"] * 5 + ["b"] * 5)
    assert low == 0.0 and high == 1.0
    low, high = group_bootstrap_share(hits, [str(i) for i in range(10)])
    assert low > 0.1 and high < 0.9


def test_failed_clip_is_a_miss_or_a_failure_never_a_correct_negative():
    rows = [_row("d1", "deadlift", "roundedback"), _row("d2", "deadlift", "good")]
    outcomes = [
        _out(rows[0], "deadlift", ["rounded_back"], error="decoder crashed"),
        _out(rows[1], None, ["rounded_back"], error="no person"),
    ]
    report = score_outcomes(rows, outcomes)
    s = report.faults["rounded_back"]
    assert (s["tp"], s["fp"], s["fn"], s["tn"], s["failed"]) == (0, 0, 1, 0, 1)
    assert s["negatives"] == 1
    assert report.exercise_accuracy["correct"] == 0
    assert report.exercise_accuracy["confusion"] == {"deadlift": {"none": 2}}
    assert [c["error"] for c in report.errors] == ["decoder crashed", "no person"]
    table = report.format_table()
    assert "decoder crashed" in table and "none" in table


def test_missing_outcome_is_an_error_and_manifest_is_the_truth():
    rows = [_row("d1", "deadlift", "roundedback"), _row("d2", "deadlift", "good")]
    # The outcome echoes a wrong label; the manifest's must win. No outcome for d2.
    outcomes = [ClipOutcome("d1", "plank", "good", "deadlift", ["rounded_back"])]
    report = score_outcomes(rows, outcomes)
    assert report.faults["rounded_back"]["tp"] == 1
    assert report.clips[1]["error"] == "no outcome recorded"


def test_to_dict_is_json_with_nulls():
    report = score_outcomes(*_dataset())
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["faults"]["hips_piked"]["precision"] is None
    assert data["faults"]["rounded_back"]["f1"] == pytest.approx(0.5)
    assert len(data["clips"]) == 10
    assert data["clips"][0]["scored"] == {"rounded_back": "TP"}


def test_format_table_is_aligned():
    table = score_outcomes(*_dataset()).format_table()
    lines = table.splitlines()
    fault_lines = [ln for ln in lines if ln.split() and ln.split()[0] in all_fault_codes()]
    assert len(fault_lines) == len(all_fault_codes())
    header = next(ln for ln in lines if ln.startswith("fault "))
    # Right-aligned number columns end at the same place as their header.
    end = header.index("F1") + 2
    assert all(len(ln) == end for ln in fault_lines)
    assert "8/10 correct = 80.0%" in table
    assert "-" in fault_lines[3]  # a 0/0 precision shows as "-"


def test_recognition_class():
    assert recognition_class("Plank") == "plank"
    assert recognition_class("squat") == "other"
    assert recognition_class(None) == "none"


def test_every_label_maps_to_a_known_code():
    codes = {c for cs in exercise_faults().values() for c in cs}
    assert set(label_to_fault().values()) <= codes


# ----------------------------------------------------------------------------- running
def test_evaluate_manifest_goes_past_failures(tmp_path):
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        (tmp_path / name).write_bytes(b"x")
    path = _write(
        tmp_path,
        HEADER
        + "a.mp4,deadlift,roundedback,side,\n"
        + "b.mp4,deadlift,good,side,\n"
        + "c.mp4,plank,good,side,\n"
        + "gone.mp4,plank,sagging,side,\n",
    )
    seen: list[tuple[int, int, str]] = []

    def analyze(clip: Path, row: ManifestRow) -> ClipOutcome:
        assert clip == row.path and clip.is_file()
        if row.file == "b.mp4":
            raise RuntimeError("pose model exploded")
        if row.file == "c.mp4":
            return "not an outcome"  # type: ignore[return-value]
        return ClipOutcome("whatever", "?", "?", "deadlift", ["rounded_back"])

    report = evaluate_manifest(path, analyze, progress=lambda i, n, o: seen.append((i, n, o.file)))
    assert seen == [(1, 4, "a.mp4"), (2, 4, "b.mp4"), (3, 4, "c.mp4"), (4, 4, "gone.mp4")]
    errors = {c["file"]: c["error"] for c in report.errors}
    assert errors["b.mp4"] == "RuntimeError: pose model exploded"
    assert "ClipOutcome" in errors["c.mp4"]
    assert errors["gone.mp4"].startswith("file not found")
    assert report.faults["rounded_back"]["tp"] == 1
    assert report.faults["rounded_back"]["tn"] == 0  # the failed good clip is not a success
    assert report.faults["rounded_back"]["failed"] == 1
    assert report.faults["hips_sagging"]["fn"] == 1  # the missing clip
    assert report.exercise_accuracy["correct"] == 1


def test_evaluate_manifest_formcheck_error_message(tmp_path):
    from formcheck.errors import InputError as Err

    (tmp_path / "a.mp4").write_bytes(b"x")
    path = _write(tmp_path, HEADER + "a.mp4,plank,good,side,\n")

    def analyze(clip: Path, row: ManifestRow) -> ClipOutcome:
        raise Err("Cannot decode a.mp4", "Re-encode it")

    report = evaluate_manifest(path, analyze)
    assert report.clips[0]["error"] == "Cannot decode a.mp4"


def test_evaluate_shows_a_cache_warning_once_not_per_clip(tmp_path, monkeypatch, caplog):
    import logging

    import formcheck.apps.batch as batch
    from formcheck.apps.evaluate import run_evaluation

    for name in ("a.mp4", "b.mp4"):
        (tmp_path / name).write_bytes(b"x")
    path = _write(tmp_path, HEADER + "a.mp4,plank,good,side,\nb.mp4,plank,good,side,\n")

    def fake_score(clip, options):
        return batch.ClipReport(
            path=str(clip), status="error", error="no frames", warnings=["cache is full"]
        )

    monkeypatch.setattr(batch, "score_clip_with", fake_score)
    with caplog.at_level(logging.WARNING, logger="formcheck.apps.evaluate"):
        report = run_evaluation(path, progress=False, use_cache=False)
    assert [c["error"] for c in report.errors] == ["no frames", "no frames"]
    # Logged (the formcheck command shows it on stderr, also under -q), once.
    assert caplog.messages.count("warning: cache is full") == 1


def test_read_manifest_takes_the_group_from_the_notes(tmp_path):
    manifest = tmp_path / "MANIFEST.csv"
    manifest.write_text(
        "file,exercise,label,view,notes\n"
        'a.mp4,deadlift,good,side,"second lifter, same session [group PR5]"\n'
        "b.mp4,deadlift,good,side,no tag here\n"
    )
    rows = read_manifest(manifest)
    assert [r.group for r in rows] == ["PR5", ""]
