"""The jitter estimate behind every noise margin (formcheck.exercises.noise)."""

import math

import numpy as np
import pytest

from formcheck.exercises.noise import MIN_SAMPLES, JitterTracker, robust_sigma


def test_white_noise_is_measured_as_its_standard_deviation():
    rng = np.random.default_rng(0)
    values = 10.0 + rng.normal(0.0, 2.0, 4000)
    assert robust_sigma(values) == pytest.approx(2.0, rel=0.08)


@pytest.mark.parametrize(
    "signal",
    [
        np.linspace(0.0, -25.0, 60),  # a steady drift into a sag
        np.r_[np.zeros(30), np.full(30, -20.0)],  # a sudden step
        np.full(60, -18.0),  # a fault held steadily
    ],
    ids=["drift", "step", "held"],
)
def test_real_changes_are_not_noise(signal):
    rng = np.random.default_rng(1)
    noisy = signal + rng.normal(0.0, 0.5, signal.size)
    assert robust_sigma(noisy) < 0.8


def test_too_few_samples_say_nothing():
    assert math.isnan(robust_sigma([1.0] * (MIN_SAMPLES - 1)))
    assert math.isnan(robust_sigma([1.0] + [math.nan] * MIN_SAMPLES))


def test_tracker_window_margin_and_cap():
    tracker = JitterTracker(window_ms=1000.0)
    assert tracker.margin(1.0, cap=5.0) == 0.0  # nothing known yet: no margin
    rng = np.random.default_rng(2)
    for i in range(60):  # 2 s at 30 fps of +-3 jitter, then 1 s of a still signal
        tracker.add(i * 33.3, float(rng.normal(0.0, 3.0)))
    assert tracker.margin(1.0, cap=10.0) == pytest.approx(3.0, rel=0.35)
    assert tracker.margin(2.0, cap=2.5) == 2.5
    for i in range(60, 95):
        tracker.add(i * 33.3, 0.0)
    assert tracker.sigma() == pytest.approx(0.0, abs=1e-9)  # the old jitter left the window
    tracker.add(95 * 33.3, math.nan)  # unmeasured frames are skipped, not counted as values
    assert tracker.sigma() == pytest.approx(0.0, abs=1e-9)


def test_the_fast_path_for_a_window_list_matches_numpy_exactly():
    # The rules pass each window as a list (the fast path); any array takes numpy's. They
    # must agree to the last bit, or a margin could differ between the live coach and a test.
    rng = np.random.default_rng(7)
    for n in (7, 8, 9, 10, 45, 46):
        for _ in range(50):
            values = rng.normal(0.0, rng.uniform(0.1, 8.0), n)
            values[rng.integers(0, n)] = np.nan
            fast, reference = robust_sigma(list(values)), robust_sigma(values)
            assert (math.isnan(fast) and math.isnan(reference)) or fast == reference
