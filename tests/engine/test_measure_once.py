"""A clip is measured once: recognition, the view check, the rule and the outputs share it.

The engine measures a series with :func:`formcheck.features.frame_input.measure_frames` and
hands those measures on; these tests count the calls of the measuring functions (wherever a
module imported them) through one analysis of saved landmarks.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable

import pytest

# Imported before counting starts, so every module's own reference gets counted.
import formcheck.cli.outputs
import formcheck.engine.clip
import formcheck.engine.recognize
import formcheck.exercises.plank.session
import formcheck.features.frame_input
import formcheck.outputs.annotate
import formcheck.outputs.exports  # noqa: F401
from formcheck.cli.main import main
from formcheck.engine.analyze import analyze_series
from formcheck.features import core, view
from formcheck.features.frame_input import measure_frames
from formcheck.series.core import PoseSeries
from formcheck.synth import GroundTruth
from tests.conftest import SAMPLES

MEASURING = (core.compute_features, core.body_parts, view.frame_views)


def _counting(original: Callable, counts: Counter) -> Callable:
    def wrapper(*args, **kwargs):
        counts[original.__name__] += 1
        return original(*args, **kwargs)

    return wrapper


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Calls of the measuring functions by name, from every formcheck module."""
    counts: Counter = Counter()
    for name, module in list(sys.modules.items()):
        if name == "formcheck" or name.startswith("formcheck."):
            for original in MEASURING:
                if getattr(module, original.__name__, None) is original:
                    monkeypatch.setattr(module, original.__name__, _counting(original, counts))
    return counts


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory):
    """Saved landmarks of a deadlift (the rendered sample's ground truth)."""
    series = GroundTruth.load(SAMPLES / "deadlift_good.truth.npz").to_pose_series()
    return series.save(tmp_path_factory.mktemp("lm") / "deadlift_good.npz")


def test_auto_analysis_measures_the_clip_once(saved, calls):
    result = analyze_series(PoseSeries.load(saved), "auto")
    assert result.exercise == "deadlift" and result.recognition and result.view is not None
    # body_parts twice: the pixel parts the features are measured from, and the same parts in
    # world coordinates, which only recognition reads.
    assert calls == {"compute_features": 1, "body_parts": 2, "frame_views": 1}


def test_a_named_exercise_skips_the_world_parts(saved, calls):
    result = analyze_series(PoseSeries.load(saved), "deadlift")
    assert result.assessable and result.view is not None
    assert calls == {"compute_features": 1, "body_parts": 1, "frame_views": 1}


def test_analyze_command_hands_its_measures_to_the_outputs(saved, calls, tmp_path, capsys):
    out = tmp_path / "angles.csv"
    assert main(["analyze", str(saved), "--csv", str(out)]) == 0
    assert out.is_file() and "per-frame angles written" in capsys.readouterr().err
    assert calls == {"compute_features": 1, "body_parts": 2, "frame_views": 1}


def test_given_measures_give_the_same_verdict(saved):
    series = PoseSeries.load(saved)
    alone = analyze_series(series, "auto")
    measured = analyze_series(series, "auto", measures=measure_frames(series))
    assert measured.to_dict() == alone.to_dict()


def test_measures_of_another_series_are_refused(saved):
    series = PoseSeries.load(saved)
    with pytest.raises(ValueError, match="measures"):
        analyze_series(series, "auto", measures=measure_frames(PoseSeries.load(saved)))
