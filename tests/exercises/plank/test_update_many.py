"""Offline, the plank session classifies a clip's frames at once (``update_many``); live, one
frame at a time (``update``). Both must give the same events and the same verdict, noise
margins included (they depend on the frames before each one)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.exercises.config import preset as config_preset
from formcheck.exercises.plank.config import PlankConfig
from formcheck.exercises.plank.session import PlankRule
from formcheck.features.frame_input import measure_frames
from formcheck.series.smoothing import smooth_offline
from tests.exercises.plank.factories import concat, plank_series, ramp, standing_series


def _both_ways(series, config):
    frames = list(measure_frames(series).frame_inputs())
    rule = PlankRule(config)
    one = rule.graded_session()
    one_events = [event for frame in frames for event in one.update(frame)]
    many = rule.graded_session()
    many_events = many.update_many(frames)
    return (one_events, one.finish()), (many_events, many.finish())


CASES = {
    "good, jittery": lambda: plank_series(20.0, noise_px=3.0, seed=1),
    "sag growing, noisy": lambda: plank_series(
        20.0, bend_deg=ramp(600, 30.0, 8.0, -22.0), noise_px=2.0, seed=2
    ),
    "pike, high plank": lambda: plank_series(12.0, variant="high", bend_deg=30.0, seed=3),
    "neck dropped, knees": lambda: plank_series(
        12.0, knees=True, neck_deg=ramp(360, 30.0, 4.0, 40.0), seed=4
    ),
    "elbows forward, missing frames": lambda: plank_series(
        15.0, arm_deg=25.0, missing_frames=0.1, noise_px=1.5, seed=5
    ),
    "facing left, swapped labels, sag": lambda: plank_series(
        15.0, facing="left", bend_deg=-20.0, swap_prob=0.05, noise_px=2.0, seed=6
    ),
    "standing, then a plank that sags, then standing": lambda: concat(
        standing_series(3.0),
        plank_series(15.0, bend_deg=ramp(450, 30.0, 6.0, -20.0), noise_px=2.0, seed=7),
        standing_series(3.0, seed=1),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("preset", ["standard", "strict"])
def test_update_many_gives_what_update_gives_frame_by_frame(name, preset):
    series = smooth_offline(CASES[name]())
    config = config_preset(PlankConfig, preset)
    (one_events, one), (many_events, many) = _both_ways(series, config)
    assert many_events == one_events
    assert many.to_dict() == one.to_dict()
    # Not a comparison of two empty verdicts: the cases hold planks and most have faults.
    assert one.summary.duration_s > 0
    if "good" not in name:
        assert one.faults or one.notes


def test_update_many_of_nothing_is_nothing():
    session = PlankRule(PlankConfig()).graded_session()
    assert session.update_many([]) == []
    assert np.isfinite(session.finish().summary.duration_s)
