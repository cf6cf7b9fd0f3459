"""Kettlebell swing: noise-aware decisions (each signal's own jitter is a margin past its
limit, lowers the confidence, and a check too unsteady for its limit is not judged)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.exercises.kbswing.session import KettlebellSwingRule, SwingConfig, _Noise
from formcheck.series.smoothing import ButterworthSmoother
from tests.exercises.kbswing.factories import swing_series

SMOOTH = ButterworthSmoother()


def evaluate(series, config: SwingConfig | None = None):
    return KettlebellSwingRule(config).evaluate(series)


def test_the_jitter_estimate_reads_the_noise_not_the_swing():
    # A fast, smooth movement (a swing's trunk: 30 deg each way at 0.7 Hz) plus white noise
    # of 1.5: the estimate finds the noise, not the movement; without noise, almost nothing.
    t = np.arange(90) * 1000.0 / 30.0
    motion = 30.0 * np.sin(2 * np.pi * 0.7 * t / 1000.0)
    noisy = motion + np.random.default_rng(0).normal(0.0, 1.5, t.size)
    for values, low, high in ((motion, 0.0, 0.3), (noisy, 1.1, 1.9)):
        noise = _Noise(3000.0)
        for ti, v in zip(t, values, strict=True):
            noise.add(ti, {"lean": v})
        assert low <= noise.sigma("lean") <= high
    noise = _Noise(3000.0)
    noise.add(0.0, {"lean": 1.0})
    assert math.isnan(noise.sigma("lean"))  # too few frames: unknown, so no margin


@pytest.mark.parametrize("seed", [0, 3])
def test_a_jittery_good_swing_is_not_flagged_and_the_margin_is_what_keeps_it(seed):
    # A good swing with 10 deg of counter-lean (hips through), 6 px of landmark noise,
    # smoothed as the pipeline does: noise alone carries some tops past 12 deg.
    series = SMOOTH.smooth(swing_series(5, lean_back_deg=10, noise_px=6, seed=seed))
    result = evaluate(series)
    assert "leaning_back" not in result.fault_codes
    assert "leaning_back" not in result.not_judged  # judged, not dodged
    without_margin = evaluate(series, SwingConfig(noise_k=0.0))
    assert "leaning_back" in without_margin.fault_codes


@pytest.mark.parametrize("seed", [0, 3])
def test_the_same_jittery_swing_with_a_real_lean_back_is_flagged(seed):
    series = SMOOTH.smooth(swing_series(5, lean_back_deg=20, noise_px=6, seed=seed))
    result = evaluate(series)
    flagged = {f.rep for f in result.faults if f.code == "leaning_back"}
    assert flagged == {r.index for r in result.reps}
    fault = next(f for f in result.faults if f.code == "leaning_back")
    # The evidence shows the jitter and the margin the reading passed its limit by.
    assert fault.measured["lean_jitter_deg"] > 0
    margin = fault.measured["lean_noise_margin_deg"]
    assert margin == pytest.approx(2.0 * fault.measured["lean_jitter_deg"])
    assert fault.measured["lean_back_deg"] >= fault.thresholds["lean_back_deg"] + margin
    # A shakier measurement of the same lean is less sure.
    clean = evaluate(SMOOTH.smooth(swing_series(5, lean_back_deg=20, noise_px=0.5, seed=seed)))
    sure = {f.rep: f.confidence for f in clean.faults if f.code == "leaning_back"}
    shaky = {f.rep: f.confidence for f in result.faults if f.code == "leaning_back"}
    assert np.mean(list(shaky.values())) < np.mean(list(sure.values()))


def test_a_clear_fault_is_never_hidden_by_a_shaky_measurement():
    # The margin is capped at half the limit: with jitter that large, a lean far past the
    # limit and its cap is still flagged.
    series = swing_series(5, lean_back_deg=30, noise_px=4, seed=2)  # raw: +-2-3 deg jitter
    result = evaluate(series, SwingConfig(noise_k=10.0))
    assert "leaning_back" in result.fault_codes
    fault = next(f for f in result.faults if f.code == "leaning_back")
    assert fault.measured["lean_noise_margin_deg"] <= 0.5 * fault.thresholds["lean_back_deg"]


def test_feet_too_unsteady_for_the_heel_limit_are_not_judged_with_the_reason():
    # Only the foot landmarks jitter (8 px, smoothed): the heel reading wobbles by more than
    # half its 0.03 limit, so on_toes is not judged, and says why; the other checks are.
    series = SMOOTH.smooth(swing_series(5, foot_noise_px=8, seed=1))
    result = evaluate(series)
    assert result.faults == []
    why = result.not_judged["on_toes"]
    assert "jittered by" in why and "too unsteady to tell a fault from noise" in why
    assert not {"leaning_back", "arms_lifting", "squatting"} & set(result.not_judged)
    # The same feet, steady: judged.
    steady = evaluate(SMOOTH.smooth(swing_series(5, foot_noise_px=1, seed=1)))
    assert "on_toes" not in steady.not_judged


def test_a_lean_too_unsteady_for_its_limit_is_not_judged():
    # Raw (unsmoothed) landmarks with 3 px of noise: the trunk lean wobbles by ~2 deg. Against
    # the 12 deg limit that is fine; a config that tolerates only a tenth of the limit refuses.
    series = swing_series(5, noise_px=3, seed=1)
    assert "leaning_back" not in evaluate(series).not_judged
    picky = evaluate(series, SwingConfig(max_jitter_fraction=0.1))
    why = picky.not_judged["leaning_back"]
    assert why.startswith(
        "the trunk lean jittered by +-2 deg between frames against a limit of 12 deg:"
    )
    assert "leaning_back" not in picky.fault_codes
