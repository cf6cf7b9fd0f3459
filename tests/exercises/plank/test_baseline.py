"""The plank's personal baseline: a build offset is absorbed, a fault on top of it is not."""

import pytest

from formcheck.exercises.baseline import BaselineUnusable
from formcheck.exercises.plank.baseline import PERSONAL_SAG_DEG, plank_neutral
from formcheck.exercises.plank.config import PlankConfig
from formcheck.exercises.plank.session import PlankRule
from formcheck.features.frame_input import measure_frames
from formcheck.series.smoothing import ButterworthSmoother
from tests.exercises.plank.factories import plank_series


def judged(series, config=None):
    smooth = ButterworthSmoother().smooth(series)
    measures = measure_frames(smooth)
    return PlankRule(config).evaluate(smooth, measures=measures), measures


def personal(baseline_series, config=None):
    config = config or PlankConfig()
    result, measures = judged(baseline_series, config)
    assert result.faults == []  # the engine only offers fault-free baselines
    return plank_neutral(result, measures, config).apply(config)


# A build whose straight body the model reads 5 degrees sagging (0 raw against the
# population's +5): inside the fault band, so this person's good hold is clean but barely.
BUILD_DEG = 0.0


def test_a_build_offset_is_absorbed():
    config = personal(plank_series(6, bend_deg=BUILD_DEG, noise_px=1.0, seed=1))
    assert config.hip_bend_offset_deg == pytest.approx(BUILD_DEG, abs=1.5)
    assert config.hip_sag_deg == min(PERSONAL_SAG_DEG, PlankConfig().hip_sag_deg)
    # A mild extra sag of 4 on this build reads -4 raw, -9 after the population's offset:
    # a false alarm without the baseline (the hips are 4 degrees under *their* line).
    mild = plank_series(8, bend_deg=BUILD_DEG - 4.0, noise_px=1.0, seed=2)
    assert "hips_sagging" in judged(mild)[0].fault_codes
    assert "hips_sagging" not in judged(mild, config)[0].fault_codes


def test_a_fault_on_top_of_the_build_is_still_caught():
    config = personal(plank_series(6, bend_deg=BUILD_DEG, noise_px=1.0, seed=1))
    sag = plank_series(8, bend_deg=BUILD_DEG - 18.0, noise_px=1.0, seed=3)
    result = judged(sag, config)[0]
    assert "hips_sagging" in result.fault_codes
    fault = next(f for f in result.faults if f.code == "hips_sagging")
    assert fault.thresholds["hip_bend_offset_deg"] == pytest.approx(BUILD_DEG, abs=1.5)


def test_the_opposite_build_catches_a_sag_the_population_limit_misses():
    # A straight body read +14 (piked-looking build): a sag of 14 under their line reads 0
    # raw, -5 after the population's offset, clean without the baseline.
    config = personal(plank_series(6, bend_deg=14.0, noise_px=1.0, seed=4))
    sag = plank_series(8, bend_deg=0.0, noise_px=1.0, seed=5)
    assert "hips_sagging" not in judged(sag)[0].fault_codes
    assert "hips_sagging" in judged(sag, config)[0].fault_codes


def test_a_hold_too_far_from_straight_cannot_be_a_baseline():
    config = PlankConfig(hip_sag_deg=40.0, hip_pike_deg=40.0)  # so the hold has no fault
    result, measures = judged(plank_series(6, bend_deg=-25.0, noise_px=1.0), config)
    with pytest.raises(BaselineUnusable, match="further from a straight line"):
        plank_neutral(result, measures, config)
