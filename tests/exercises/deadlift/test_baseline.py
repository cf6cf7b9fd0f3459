"""The deadlift's personal baseline: the rounded-back scale moves with the lifter's own
flat back and neck, within what good lifts show."""

import pytest

from formcheck.exercises.base import ExerciseResult, Rep
from formcheck.exercises.baseline import BaselineUnusable
from formcheck.exercises.deadlift.baseline import MAX_BULGE_SHIFT, deadlift_neutral
from formcheck.exercises.deadlift.config import DeadliftConfig


def result_with(bulges, heads):
    reps = []
    for i, (b, h) in enumerate(zip(bulges, heads, strict=True), start=1):
        metrics = {}
        if b is not None:
            metrics["back_bulge"] = b
        if h is not None:
            metrics["head_drop_deg"] = h
        reps.append(Rep(i, 1000.0 * i, 1000.0 * i + 500, 1000.0 * i + 900, metrics=metrics))
    return ExerciseResult(exercise="deadlift", reps=reps)


def test_the_scale_moves_with_the_lifters_flat_back():
    cfg = DeadliftConfig()
    neutral = deadlift_neutral(result_with([0.011, 0.012, 0.013], [-20.0, -22.0, -21.0]), None, cfg)
    personal = neutral.apply(cfg)
    shift = 0.012 - cfg.bulge_neutral
    assert personal.bulge_neutral == pytest.approx(0.012)
    assert personal.bulge_threshold == pytest.approx(cfg.bulge_threshold + shift)
    assert personal.bulge_full == pytest.approx(cfg.bulge_full + shift)
    assert personal.head_drop_neutral_deg == pytest.approx(-21.0)
    assert personal.head_drop_threshold_deg == pytest.approx(cfg.head_drop_threshold_deg - 6.0)
    # The rounding the threshold stands for (its margin over neutral) is the same.
    assert personal.bulge_threshold - personal.bulge_neutral == pytest.approx(
        cfg.bulge_threshold - cfg.bulge_neutral
    )


def test_a_back_outline_far_from_any_flat_back_cannot_serve():
    cfg = DeadliftConfig()
    far = cfg.bulge_neutral + MAX_BULGE_SHIFT + 0.004
    with pytest.raises(BaselineUnusable, match="further from a flat back"):
        deadlift_neutral(result_with([far, far], [None, None]), None, cfg)


def test_no_measured_rep_cannot_serve_and_a_far_gaze_keeps_the_population_neck():
    cfg = DeadliftConfig()
    with pytest.raises(BaselineUnusable, match="no rep where the back could be measured"):
        deadlift_neutral(result_with([None], [None]), None, cfg)
    neutral = deadlift_neutral(result_with([0.006], [20.0]), None, cfg)  # looking far down
    assert "head_drop_neutral_deg" not in neutral.overrides
