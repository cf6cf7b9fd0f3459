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
    assert personal.bulge_offset == pytest.approx(0.012 - cfg.bulge_neutral)
    assert personal.head_drop_offset_deg == pytest.approx(-21.0 - cfg.head_drop_neutral_deg)
    # The limits themselves stay: the readings are judged after the offsets, so the slight
    # level (the strict preset, formcheck.exercises.levels) keeps its margin too.
    assert personal.bulge_threshold == cfg.bulge_threshold
    from formcheck.exercises.levels import slight_config

    slight = slight_config(personal)
    assert slight.bulge_offset == personal.bulge_offset
    assert slight.bulge_threshold < personal.bulge_threshold


def test_an_offset_moves_the_verdict_like_the_reading():
    # Rounded for the population; not for a lifter whose own neutral reads that far along
    # (readings are judged after the offsets); the offset is shown with the evidence.
    from tests.exercises.deadlift.test_session import build_series, deadlift_reps, evaluate

    series = build_series(deadlift_reps(reps=2, spine=30.0))
    plain = evaluate(series)
    assert "rounded_back" in plain.fault_codes
    far = evaluate(series, DeadliftConfig(bulge_offset=0.5, head_drop_offset_deg=80.0))
    assert "rounded_back" not in far.fault_codes
    fault = next(f for f in evaluate(series, DeadliftConfig(head_drop_offset_deg=1.0)).faults)
    assert fault.thresholds.get("head_drop_offset_deg") == 1.0


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


def test_the_neutral_is_read_from_the_rules_own_rep_metrics():
    """The rule stores each rep's readings per pull and lowering; a good rep's result serves."""
    from formcheck.exercises.deadlift.session import DeadliftRule
    from tests.exercises.deadlift.factories import build_series, deadlift_reps

    cfg = DeadliftConfig()
    result = DeadliftRule(cfg).evaluate(build_series(deadlift_reps(reps=3)))
    assert result.reps and "pull_back_bulge" in result.reps[0].metrics
    neutral = deadlift_neutral(result, None, cfg)
    assert "bulge_offset" in neutral.overrides and "head_drop_offset_deg" in neutral.overrides
