"""End to end: the real model and rules on the bundled samples and a few real clips, the
`analyze` and `evaluate` commands, re-scoring saved landmarks."""

from __future__ import annotations

import csv
import json

import pytest

from formcheck.cli.main import main
from formcheck.engine.analyze import analyze_series
from formcheck.engine.clip import analyze_clip
from formcheck.errors import ConfigError
from formcheck.exercises.registry import normalise as normalise_exercise
from formcheck.series.core import PoseSeries
from tests.conftest import SAMPLES, shared_clip

EXPECTED = {
    "deadlift_good": ("deadlift", set()),
    "deadlift_roundedback": ("deadlift", {"rounded_back"}),
    "plank_good": ("plank", set()),
    "plank_sagging": ("plank", {"hips_sagging"}),
    "kbswing_good": ("kbswing", set()),
    "kbswing_leanback": ("kbswing", {"leaning_back"}),
}


@pytest.fixture(scope="module")
def sample_analyses():
    return {name: analyze_clip(SAMPLES / f"{name}.mp4") for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_recognised_and_judged(sample_analyses, name):
    exercise, faults = EXPECTED[name]
    result = sample_analyses[name].result
    assert result.assessable, result.reason
    assert result.exercise == exercise
    assert result.fault_codes == faults


def test_sample_rep_counts_and_plank_timer(sample_analyses):
    for name in ("deadlift_good", "deadlift_roundedback"):
        assert sample_analyses[name].result.summary.rep_count == 3
    for name in ("kbswing_good", "kbswing_leanback"):
        assert sample_analyses[name].result.summary.rep_count == 5
    sagging = sample_analyses["plank_sagging"].result.summary
    # The sag starts at 3.5 s and passes the 10-degree cue at about 4.3 s (ground truth).
    assert sagging.form_broke_ms is not None and 3500 <= sagging.form_broke_ms <= 5500
    good = sample_analyses["plank_good"].result.summary
    assert good.form_broke_ms is None and good.good_form_s == pytest.approx(good.hold_s)


def test_rescoring_saved_landmarks_gives_the_same_verdict(sample_analyses, tmp_path):
    clip = sample_analyses["deadlift_roundedback"]
    path = clip.series.save(tmp_path / "dl.npz")
    again = analyze_series(PoseSeries.load(path), "auto")
    assert again.to_dict() == clip.result.to_dict()


def test_strictness_changes_thresholds_not_the_landmarks(sample_analyses):
    from formcheck.engine.analyze import load_rule_configs

    series = sample_analyses["kbswing_leanback"].series
    relaxed = analyze_series(series, "kbswing", load_rule_configs(strictness="relaxed"))
    strict = analyze_series(series, "kbswing", load_rule_configs(strictness="strict"))
    assert len(strict.faults) >= len(relaxed.faults)


def test_front_view_and_wrong_exercise_are_not_judged_as_side_faults(sample_analyses):
    # A plank judged as a deadlift must not produce a confident rounded-back verdict.
    as_deadlift = analyze_series(sample_analyses["plank_good"].series, "deadlift")
    assert "rounded_back" not in as_deadlift.fault_codes
    assert as_deadlift.summary.rep_count == 0


@pytest.mark.parametrize(
    "clip, fault",
    [
        ("deadlift_roundedback_side_08.mp4", True),
        ("deadlift_roundedback_side_13.mp4", True),
        ("deadlift_good_side_13.mp4", False),
        ("deadlift_good_side_15.mp4", False),
    ],
)
def test_real_deadlift_clips(shared_data, real_model, clip, fault):
    result = analyze_clip(shared_clip(clip), exercise="deadlift").result
    assert result.assessable, result.reason
    assert ("rounded_back" in result.fault_codes) == fault


def test_normalise_exercise():
    assert normalise_exercise("Kettlebell") == "kbswing"
    assert normalise_exercise("dead-lift") == "deadlift"
    with pytest.raises(ConfigError):
        normalise_exercise("bench press")


def test_analyze_cli_json_and_npz(real_model, tmp_path, capsys):
    out = tmp_path / "r.json"
    lm = tmp_path / "lm.npz"
    code = main(
        ["analyze", str(SAMPLES / "kbswing_leanback.mp4"), "--json", str(out),
         "--save-landmarks", str(lm)]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert "leaning_back" in printed and "does not diagnose" in printed
    data = json.loads(out.read_text())
    assert data["result"]["exercise"] == "kbswing"
    assert {f["code"] for f in data["result"]["faults"]} == {"leaning_back"}
    # Not told the exercise, it may be a deadlift: the silhouette measure is taken.
    assert "back_profile" in PoseSeries.load(lm).extras
    assert main(["analyze", str(lm)]) == 0
    assert "leaning_back" in capsys.readouterr().out


def test_analyze_skips_the_masks_when_the_exercise_has_no_use_for_them(
    real_model, tmp_path, capsys
):
    lm = tmp_path / "plank.npz"
    code = main(
        ["analyze", str(SAMPLES / "plank_good.mp4"), "--exercise", "plank",
         "--save-landmarks", str(lm)]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    series = PoseSeries.load(lm)
    assert "back_profile" not in series.extras  # no masks: the silhouette was never measured
    assert series.detection_rate > 0.95
    # Re-scored as a deadlift, the report says the silhouette is missing.
    assert main(["analyze", str(lm), "--exercise", "deadlift"]) == 0
    assert "saved without the person's silhouette" in capsys.readouterr().out


def test_analyze_cli_bad_config(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[deadlift]\nno_such_threshold = 3\n")
    code = main(["analyze", str(SAMPLES / "plank_good.mp4"), "--config", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "no_such_threshold" in err and "Traceback" not in err
    bad.write_text("[deadlift\n")
    assert main(["analyze", str(SAMPLES / "plank_good.mp4"), "--config", str(bad)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_evaluate_cli_on_a_labelled_sample_set(real_model, tmp_path, capsys):
    manifest = tmp_path / "MANIFEST.csv"
    rows = [
        ("deadlift_good.mp4", "deadlift", "good", "side"),
        ("deadlift_roundedback.mp4", "deadlift", "roundedback", "side"),
        ("missing.mp4", "deadlift", "good", "side"),
    ]
    with open(manifest, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "exercise", "label", "view"])
        for name, exercise, label, view in rows:
            path = name if name == "missing.mp4" else str(SAMPLES / name)
            writer.writerow([path, exercise, label, view])
    out = tmp_path / "results.json"
    cache = tmp_path / "cache"
    command = ["evaluate", str(manifest), "--out", str(out), "--cache", str(cache)]
    assert main(command) == 0
    table = capsys.readouterr().out
    assert "rounded_back" in table
    data = json.loads(out.read_text())
    rb = data["faults"]["rounded_back"]
    assert (rb["tp"], rb["fp"], rb["fn"], rb["failed"]) == (1, 0, 0, 1)
    assert data["exercise_accuracy"]["correct"] == 2
    errors = [c for c in data["clips"] if c["error"]]
    assert len(errors) == 1 and "missing.mp4" in errors[0]["file"]
    assert not any(c["details"].get("cache_hit") for c in data["clips"])

    # Re-evaluating (say after a threshold change) reads the landmarks from the cache and
    # gives the same verdicts without running the model.
    assert main(command) == 0
    again = json.loads(out.read_text())
    hits = [c["details"].get("cache_hit") for c in again["clips"] if not c["error"]]
    assert hits == [True, True]
    assert again["faults"] == data["faults"]
    assert [c["fault_codes"] for c in again["clips"]] == [c["fault_codes"] for c in data["clips"]]


def test_pose_then_analyze_saved_landmarks_keeps_the_silhouette(real_model, tmp_path, capsys):
    # `formcheck pose` must save what the rounded-back check needs, so re-scoring agrees.
    lm = tmp_path / "dl.npz"
    assert main(["pose", str(SAMPLES / "deadlift_roundedback.mp4"), "-o", str(lm)]) == 0
    assert "back_profile" in PoseSeries.load(lm).extras
    capsys.readouterr()
    assert main(["analyze", str(lm), "--exercise", "deadlift"]) == 0
    assert "rounded_back" in capsys.readouterr().out


def test_landmarks_without_silhouette_say_the_check_is_weaker(sample_analyses):
    series = sample_analyses["deadlift_good"].series
    series = series.slice(0)
    series.extras.clear()
    result = analyze_series(series, "deadlift")
    assert any("silhouette" in advice for advice in result.summary.advice)


def test_a_photo_of_a_plank_is_judged_for_posture_only(sample_analyses):
    sagging = sample_analyses["plank_sagging"].series
    photo = sagging.slice(len(sagging) - 10, len(sagging) - 9)  # one frame, well into the sag
    result = analyze_series(photo, "plank")
    assert result.assessable
    assert result.fault_codes == {"hips_sagging"}
    assert result.summary.hold_s is None and result.summary.form_broke_ms is None
    good = sample_analyses["plank_good"].series
    assert analyze_series(good.slice(100, 101), "plank").fault_codes == set()
    swing = sample_analyses["kbswing_good"].series.slice(30, 31)
    not_judged = analyze_series(swing, "kbswing")
    assert not not_judged.assessable and "photo" in not_judged.reason
