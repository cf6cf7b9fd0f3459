from __future__ import annotations

import numpy as np
import pytest

from formcheck.errors import ConfigError, InputError
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.smoothing import (
    ButterworthSmoother,
    LandmarkSmoother,
    NoSmoother,
    OneEuroSmoother,
    make_smoother,
    smooth_offline,
)


def make_series(signal: np.ndarray, fps: float = 30.0) -> PoseSeries:
    """Every coordinate of every landmark follows ``signal``; NaN frames are 'nobody found'."""
    signal = np.asarray(signal, dtype=np.float64)
    n = signal.shape[0]
    series = PoseSeries.empty(SourceInfo("synthetic", 640, 480, fps), n)
    detected = np.isfinite(signal)
    series.image[:] = signal[:, None, None]
    series.world[:] = (signal * 2.0)[:, None, None]
    series.visibility[detected] = 0.9
    series.presence[detected] = 0.95
    series.num_people[detected] = 1
    return series


def x_of(series: PoseSeries) -> np.ndarray:
    return series.image[:, 0, 0].astype(np.float64)


def rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(a))))


# ----------------------------------------------------------------------------- interface
def test_protocol_and_factory():
    for smoother in (ButterworthSmoother(), OneEuroSmoother(), NoSmoother()):
        assert isinstance(smoother, LandmarkSmoother)
    assert isinstance(make_smoother("butterworth", cutoff_hz=4.0), ButterworthSmoother)
    assert isinstance(make_smoother("One-Euro"), OneEuroSmoother)
    assert isinstance(make_smoother("none"), NoSmoother)
    with pytest.raises(ConfigError):
        make_smoother("kalman")
    with pytest.raises(ConfigError):
        make_smoother("butterworth", cutof_hz=4.0)


def test_the_offline_smoothing_is_the_default_butterworth_bit_for_bit():
    rng = np.random.default_rng(3)
    signal = np.sin(np.linspace(0, 6, 90)) + rng.normal(0, 0.01, 90)
    signal[40:44] = np.nan  # a short gap, filled
    series = make_series(signal)
    out = smooth_offline(series)
    expected = ButterworthSmoother().smooth(series)
    for name in ("image", "world", "visibility", "presence", "num_people"):
        np.testing.assert_array_equal(getattr(out, name), getattr(expected, name))
    assert out.smoothing == expected.smoothing
    photo = make_series(np.array([0.5]))
    assert smooth_offline(photo) is photo  # one frame: nothing to filter along


@pytest.mark.parametrize(
    "factory",
    [
        lambda: ButterworthSmoother(cutoff_hz=0.0),
        lambda: ButterworthSmoother(cutoff_hz=float("nan")),
        lambda: ButterworthSmoother(order=0),
        lambda: ButterworthSmoother(max_gap_ms=-1.0),
        lambda: OneEuroSmoother(min_cutoff=-1.0),
        lambda: OneEuroSmoother(beta=-0.1),
        lambda: OneEuroSmoother(d_cutoff=0.0),
    ],
)
def test_bad_parameters(factory):
    with pytest.raises(ConfigError):
        factory()


@pytest.mark.parametrize("smoother", [ButterworthSmoother(), OneEuroSmoother(), NoSmoother()])
def test_returns_new_series_named_and_input_untouched(smoother):
    rng = np.random.default_rng(0)
    series = make_series(0.5 + 0.01 * rng.standard_normal(60))
    before = series.image.copy()
    out = smoother.smooth(series)
    assert out is not series
    assert out.smoothing == smoother.name
    np.testing.assert_array_equal(series.image, before)
    assert out.image.shape == series.image.shape and out.world.shape == series.world.shape
    assert not np.shares_memory(out.visibility, series.visibility)
    np.testing.assert_array_equal(out.visibility, series.visibility)
    np.testing.assert_array_equal(out.time_ms, series.time_ms)


@pytest.mark.parametrize("smoother", [ButterworthSmoother(), OneEuroSmoother()])
@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_series(smoother, n):
    series = make_series(np.linspace(0.2, 0.3, n))
    out = smoother.smooth(series)
    assert len(out) == n
    # The first frame passes through either filter; Butterworth cannot filter 2 frames at all.
    np.testing.assert_allclose(x_of(out)[:1], x_of(series)[:1], atol=1e-6)
    if isinstance(smoother, ButterworthSmoother):
        np.testing.assert_allclose(x_of(out), x_of(series), atol=1e-6)


@pytest.mark.parametrize("smoother", [ButterworthSmoother(), OneEuroSmoother()])
def test_all_nan_series(smoother):
    series = make_series(np.full(40, np.nan))
    out = smoother.smooth(series)
    assert np.isnan(out.image).all() and np.isnan(out.world).all()
    assert (out.num_people == 0).all()


# ----------------------------------------------------------------------------- Butterworth
def test_butterworth_step_is_symmetric_and_settles():
    n, c = 121, 60
    step = np.where(np.arange(n) >= c, 1.0, 0.0)
    y = x_of(ButterworthSmoother().smooth(make_series(step)))
    # Zero phase: the response is point-symmetric about the step's midpoint.
    k = np.arange(30)
    np.testing.assert_allclose(y[c + k] + y[c - 1 - k], 1.0, atol=1e-4)
    assert abs(y[c] - 0.5) < 0.5 and abs(y[c - 1] - 0.5) < 0.5  # it does smooth the edge
    np.testing.assert_allclose(y[: c - 15], 0.0, atol=0.01)
    np.testing.assert_allclose(y[c + 15 :], 1.0, atol=0.01)


def test_butterworth_follows_ramp():
    t = np.arange(120) / 30.0
    ramp = 0.2 + 0.15 * t
    y = x_of(ButterworthSmoother().smooth(make_series(ramp)))
    np.testing.assert_allclose(y[10:-10], ramp[10:-10], atol=1e-4)
    np.testing.assert_allclose(y, ramp, atol=2e-3)  # odd padding keeps even the ends close


@pytest.mark.parametrize(("fps", "max_ratio"), [(30.0, 0.7), (60.0, 0.5)])
def test_butterworth_reduces_noise_on_sinusoid(fps, max_ratio):
    rng = np.random.default_rng(1)
    t = np.arange(int(6 * fps)) / fps
    clean = 0.5 + 0.1 * np.sin(2 * np.pi * 1.0 * t)
    noisy = clean + 0.005 * rng.standard_normal(t.size)
    y = x_of(ButterworthSmoother().smooth(make_series(noisy, fps)))
    assert rms(y - clean) < max_ratio * rms(noisy - clean)


def test_butterworth_short_gap_filled_long_gap_kept():
    t = np.arange(150) / 30.0
    clean = 0.5 + 0.1 * np.sin(2 * np.pi * 0.5 * t)
    signal = clean.copy()
    signal[30:34] = np.nan  # 4 frames = 133 ms: filled
    signal[80:100] = np.nan  # 20 frames = 667 ms: kept as a gap
    series = make_series(signal)
    series.num_people[29] = 2
    out = ButterworthSmoother().smooth(series)
    y = x_of(out)
    assert np.isfinite(y[30:34]).all()
    np.testing.assert_allclose(y[30:34], clean[30:34], atol=2e-3)
    assert np.isnan(y[80:100]).all()
    assert np.isnan(out.world[80:100]).all()
    # Filled frames get interpolated visibility/presence and a person count.
    np.testing.assert_allclose(out.visibility[30:34], 0.9, atol=1e-6)
    np.testing.assert_allclose(out.presence[30:34], 0.95, atol=1e-6)
    assert (out.num_people[30:34] == 1).all() and out.num_people[29] == 2
    assert (out.num_people[80:100] == 0).all()
    assert out.detected[30:34].all() and not out.detected[80:100].any()
    np.testing.assert_allclose(out.world[30:34, 5, 1], 2 * clean[30:34], atol=4e-3)


def test_butterworth_gap_length_threshold():
    # At 30 fps, 7 missing frames last 233 ms (filled) and 8 last 267 ms (not) with 250 ms.
    for missing, filled in ((7, True), (8, False)):
        signal = np.full(80, 0.4)
        signal[30 : 30 + missing] = np.nan
        y = x_of(ButterworthSmoother(max_gap_ms=250.0).smooth(make_series(signal)))
        assert np.isfinite(y[30 : 30 + missing]).all() == filled


def test_butterworth_filled_frame_without_people_on_one_side():
    signal = np.full(60, 0.4)
    signal[20:23] = np.nan
    series = make_series(signal)
    series.num_people[19] = 0  # landmarks but no count (e.g. imported data)
    out = ButterworthSmoother().smooth(series)
    assert np.isfinite(x_of(out)[20:23]).all()
    assert (out.num_people[20:23] == 0).all()


def test_butterworth_runs_are_independent_across_long_gap():
    # A jump across a long gap must not leak into either side.
    rng = np.random.default_rng(2)
    signal = np.concatenate([np.full(50, 0.2), np.full(20, np.nan), np.full(50, 0.8)])
    signal[:50] += 0.004 * rng.standard_normal(50)
    signal[70:] += 0.004 * rng.standard_normal(50)
    series = make_series(signal)
    smoother = ButterworthSmoother()
    y = x_of(smoother.smooth(series))
    left = x_of(smoother.smooth(series.slice(0, 50)))
    right = x_of(smoother.smooth(series.slice(70)))
    np.testing.assert_allclose(y[:50], left, atol=1e-6)
    np.testing.assert_allclose(y[70:], right, atol=1e-6)
    assert np.abs(y[:50] - 0.2).max() < 0.01 and np.abs(y[70:] - 0.8).max() < 0.01


def test_butterworth_short_run_left_as_is():
    signal = np.full(80, np.nan)
    rng = np.random.default_rng(3)
    signal[:30] = 0.3 + 0.01 * rng.standard_normal(30)
    signal[45:52] = 0.5 + 0.01 * rng.standard_normal(7)  # 7 frames: shorter than padlen 9
    signal[65:] = 0.3 + 0.01 * rng.standard_normal(15)
    series = make_series(signal)
    y = x_of(ButterworthSmoother().smooth(series))
    np.testing.assert_allclose(y[45:52], x_of(series)[45:52], atol=1e-7)
    assert rms(np.diff(y[:30])) < 0.7 * rms(np.diff(x_of(series)[:30]))


def test_butterworth_skips_filter_when_cutoff_near_nyquist():
    rng = np.random.default_rng(4)
    signal = 0.5 + 0.01 * rng.standard_normal(50)
    series = make_series(signal, fps=10.0)  # Nyquist 5 Hz, cutoff 6 Hz
    assert ButterworthSmoother().design(10.0) is None
    np.testing.assert_allclose(x_of(ButterworthSmoother().smooth(series)), x_of(series), atol=1e-7)
    assert ButterworthSmoother(cutoff_hz=2.0).design(10.0) is not None


def test_butterworth_per_landmark_gaps():
    # One landmark missing on its own (e.g. masked by another tool) is handled separately.
    t = np.arange(90) / 30.0
    series = make_series(0.5 + 0.05 * np.sin(2 * np.pi * 0.5 * t))
    series.image[40:44, 7, :] = np.nan
    series.image[10:50, 8, 0] = np.nan
    out = ButterworthSmoother().smooth(series)
    assert np.isfinite(out.image[40:44, 7]).all()
    assert np.isnan(out.image[10:50, 8, 0]).all() and np.isfinite(out.image[10:50, 8, 1]).all()
    np.testing.assert_allclose(out.image[:, 0, 0], out.image[:, 0, 1], atol=1e-7)


# ----------------------------------------------------------------------------- One Euro
def test_one_euro_step_causal_no_overshoot_and_beta_lag():
    n, c = 90, 30
    step = np.where(np.arange(n) >= c, 0.7, 0.3)
    reach = {}
    for beta in (1.0, 20.0):
        y = x_of(OneEuroSmoother(beta=beta).smooth(make_series(step)))
        np.testing.assert_allclose(y[:c], 0.3, atol=1e-7)  # causal: nothing before the step
        assert y.max() <= 0.7 + 1e-6 and y.min() >= 0.3 - 1e-6  # no overshoot
        assert np.all(np.diff(y[c:]) >= -1e-7)  # monotone approach
        reach[beta] = int(np.argmax(y >= 0.3 + 0.9 * 0.4)) - c
        assert abs(y[-1] - 0.7) < 0.01  # settles
    assert reach[20.0] < reach[1.0]


def test_one_euro_ramp_lag_bounded():
    fps, speed = 30.0, 0.3  # frame widths per second
    t = np.arange(150) / fps
    ramp = 0.1 + speed * t
    smoother = OneEuroSmoother()
    y = x_of(smoother.smooth(make_series(ramp, fps)))
    lag = ramp[60:] - y[60:]
    assert np.all(lag > 0)  # a causal filter trails a ramp
    # Steady state of a first-order filter: lag = speed / (2 pi fc), fc >= min_cutoff + beta*v.
    bound = speed / (2 * np.pi * (smoother.min_cutoff + smoother.beta * speed))
    assert lag.max() < 1.2 * bound
    assert lag.max() < 0.02


def test_one_euro_reduces_noise():
    rng = np.random.default_rng(5)
    t = np.arange(300) / 30.0
    for clean in (np.full(t.size, 0.5), 0.5 + 0.02 * np.sin(2 * np.pi * 0.25 * t)):
        noisy = clean + 0.005 * rng.standard_normal(t.size)
        y = x_of(OneEuroSmoother().smooth(make_series(noisy)))
        assert rms(y[30:] - clean[30:]) < 0.65 * rms(noisy[30:] - clean[30:])


def test_one_euro_nan_and_reset_after_long_gap():
    smoother = OneEuroSmoother()
    img = np.full((33, 3), 0.2)
    nan = np.full((33, 3), np.nan)
    t = 0.0
    for _ in range(20):
        out, _ = smoother.step(t, img, img)
        t += 33.3
    # NaN in -> NaN out.
    out, wout = smoother.step(t, nan, nan)
    assert np.isnan(out).all() and np.isnan(wout).all()
    # Short gap (100 ms): state kept, so a jump is smoothed.
    out, _ = smoother.step(t + 66.6, img + 0.4, img)
    assert 0.2 < out[0, 0] < 0.6
    # Long gap (400 ms): state reset, the first value passes through unchanged.
    smoother.step(t + 100.0, nan, nan)
    out, _ = smoother.step(t + 500.0, img - 0.1, img)
    np.testing.assert_allclose(out, img - 0.1)


def test_one_euro_series_gaps_do_not_leak():
    signal = np.concatenate([np.full(40, 0.2), np.full(15, np.nan), np.full(40, 0.8)])
    y = x_of(OneEuroSmoother().smooth(make_series(signal)))
    np.testing.assert_allclose(y[:40], 0.2, atol=1e-7)
    assert np.isnan(y[40:55]).all()
    np.testing.assert_allclose(y[55:], 0.8, atol=1e-7)


def test_one_euro_smooth_matches_steps_and_keeps_live_state():
    rng = np.random.default_rng(6)
    series = make_series(0.5 + 0.01 * rng.standard_normal(40))
    live = OneEuroSmoother()
    live.step(0.0, np.zeros((33, 3)), np.zeros((33, 3)))
    out = live.smooth(series)
    fresh = OneEuroSmoother()
    for i in range(len(series)):
        img, wld = fresh.step(series.time_ms[i], series.image[i], series.world[i])
        np.testing.assert_allclose(out.image[i], img, atol=1e-6)
        np.testing.assert_allclose(out.world[i], wld, atol=1e-6)
    # The live filter's own state was not touched by smooth().
    nxt, _ = live.step(33.3, np.ones((33, 3)), np.ones((33, 3)))
    assert nxt[0, 0] < 1.0


def test_one_euro_time_must_increase():
    smoother = OneEuroSmoother()
    smoother.step(100.0, np.zeros((33, 3)), np.zeros((33, 3)))
    with pytest.raises(InputError):
        smoother.step(100.0, np.zeros((33, 3)), np.zeros((33, 3)))
    smoother.reset()
    smoother.step(0.0, np.zeros((33, 3)), np.zeros((33, 3)))
    with pytest.raises(InputError):
        smoother.step(40.0, np.zeros((17, 3)), np.zeros((33, 3)))
