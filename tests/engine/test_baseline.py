"""The personal baseline in the clip path: used when it can serve, refused with the reason
(and the clip judged without it) when it cannot."""

from __future__ import annotations

import json

import pytest

from formcheck.cli.main import main
from formcheck.engine.analyze import analyze_series
from formcheck.series.core import PoseSeries
from formcheck.series.smoothing import smooth_offline
from tests.baselines import judge, save_series
from tests.exercises.kbswing.factories import swing_series
from tests.exercises.plank.factories import plank_series

BUILD_DEG = 0.0  # this person's straight body, as the model reads it (population: +5)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("baseline")
    made = {
        # a mild sag of 4 under this person's own line: -4 raw
        "clip": plank_series(8, bend_deg=BUILD_DEG - 4.0, noise_px=1.0, seed=2),
        "good": plank_series(6, bend_deg=BUILD_DEG, noise_px=1.0, seed=1),
        "faulty": plank_series(6, bend_deg=-30.0, noise_px=1.0, seed=2),
        "swing": swing_series(5),
        "front": plank_series(6, view="front", seed=3),
        "nobody": plank_series(6, missing_frames=1.0, seed=4),
    }
    return save_series(root, made)


def test_a_good_baseline_removes_the_false_alarm(files):
    without = analyze_series(smooth_offline(PoseSeries.load(files["clip"])))
    assert "hips_sagging" in without.fault_codes
    result = judge(files["clip"], files["good"])
    assert "hips_sagging" not in result.fault_codes
    assert result.baseline["used"] is True
    assert result.baseline["overrides"]["hip_bend_offset_deg"] == pytest.approx(BUILD_DEG, abs=1.5)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("faulty", "shows a fault itself (hips sagging): record one hold of good form"),
        ("swing", "shows a kettlebell swing, not a plank"),
        ("front", "was not judged: the camera sees the person from the front"),
        ("nobody", "was not judged: nobody was found"),
        ("missing", "could not be read: Landmark file not found"),
    ],
)
def test_a_baseline_that_cannot_serve_says_why_and_the_clip_is_judged_without_it(
    files, name, why, caplog
):
    baseline = files.get(name, files["clip"].parent / "missing.npz")
    result = judge(files["clip"], baseline)
    assert result.baseline["used"] is False
    assert why in result.baseline["why"]
    assert "hips_sagging" in result.fault_codes  # the standard verdict
    assert any("baseline was not used" in a for a in result.summary.advice)
    assert any("not used" in r.getMessage() for r in caplog.records)


def test_cli_baseline_on_saved_landmarks(files, tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(
        ["analyze", str(files["clip"]), "--baseline", str(files["good"]), "--json", str(out)]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "baseline (used)" in text and "hips_sagging" not in text.split("notes")[0]
    saved = json.loads(out.read_text())["result"]
    assert saved["baseline"]["used"] is True and saved["faults"] == []
    code = main(["analyze", str(files["clip"]), "--baseline", str(files["swing"])])
    assert code == 0
    out = capsys.readouterr().out
    assert "The baseline was not used: it shows a kettlebell swing" in out
    assert out.count("shows a kettlebell swing") == 1  # said once


def test_cli_refuses_a_missing_baseline_before_any_model_run(files, capsys):
    code = main(["analyze", str(files["clip"]), "--baseline", str(files["clip"].parent / "no.mp4")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--baseline" in err and "not found" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("seen", "wanted", "same"),
    [
        ("side", "side", True),
        ("side", "unknown", True),
        ("side-oblique", "side", True),
        ("oblique", "side-oblique", True),
        ("side", "oblique", False),
        ("front", "side-oblique", False),
    ],
)
def test_views_that_can_share_a_neutral(seen, wanted, same):
    from formcheck.engine.baseline import _same_view

    assert _same_view(seen, wanted) is same
