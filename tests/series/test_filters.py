"""formcheck.series.filters against the SciPy functions it replaces (SciPy is a test dependency).

The filtering and interpolation follow SciPy's arithmetic and agree with it bit for bit on the
same coefficients; the Butterworth design has SciPy's poles, zeros and response but shares the
gain over its sections, so filter outputs agree to rounding. The tolerances are tight but leave
room for another SciPy release or platform rounding an operation differently.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import signal
from scipy.interpolate import PchipInterpolator

from formcheck.series import smoothing
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.filters import (
    butter_lowpass_sos,
    default_padlen,
    pchip_interpolate,
    sosfiltfilt,
)

TIGHT = {"rtol": 1e-9, "atol": 1e-9}


def scipy_butter(order: int, cutoff_hz: float, fs: float) -> np.ndarray:
    return signal.butter(order, cutoff_hz, btype="low", fs=fs, output="sos")


def increasing(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` strictly increasing, unevenly spaced abscissae."""
    return np.cumsum(rng.uniform(0.05, 2.0, n)) - 3.0


# ----------------------------------------------------------------------------- butter
def _poles(sos: np.ndarray) -> np.ndarray:
    """Every section's poles, sorted by real part (rounded: 1e-17 is 0), then imaginary part."""
    roots = np.concatenate([np.roots(a[: 3 if a[2] else 2]) for a in sos[:, 3:]])
    return roots[np.lexsort((roots.imag, np.round(roots.real, 9)))]


def assert_same_filter(got: np.ndarray, expected: np.ndarray, label: str = "") -> None:
    """Same sections count, poles, zeros and frequency response (the gain may be shared out
    differently over the sections)."""
    assert got.shape == expected.shape, label
    np.testing.assert_allclose(_poles(got), _poles(expected), atol=1e-10, err_msg=label)
    # Every zero at z = -1 (a low-pass blocks Nyquist): each section's numerator is a
    # multiple of (1 + z^-1)^2, or of (1 + z^-1) for the first-order one.
    for b in got[:, :3]:
        shape = [1.0, 1.0, 0.0] if b[2] == 0 else [1.0, 2.0, 1.0]
        np.testing.assert_allclose(b / b[0], shape, rtol=1e-12, err_msg=label)
    _, h1 = signal.sosfreqz(got, 256)
    _, h2 = signal.sosfreqz(expected, 256)
    np.testing.assert_allclose(h1, h2, rtol=1e-9, atol=1e-12, err_msg=label)


@pytest.mark.parametrize("order", range(1, 9))
@pytest.mark.parametrize("fs", [2.0, 25.0, 30.0, 59.94, 240.0, 1000.0])
def test_butter_matches_scipy(order, fs):
    fractions = [1e-3, 0.01, 0.1, 0.2, 0.25, 1 / 3, 0.4, 0.5, 0.6, 0.75, 0.9, 0.99]
    for fraction in fractions:
        cutoff = fraction * fs / 2
        got = butter_lowpass_sos(order, cutoff, fs)
        assert got.shape == ((order + 1) // 2, 6)
        assert_same_filter(got, scipy_butter(order, cutoff, fs), f"{cutoff=}")


def test_butter_random_cutoffs_match_scipy():
    rng = np.random.default_rng(7)
    for _ in range(300):
        order = int(rng.integers(1, 9))
        fs = float(rng.uniform(1.0, 500.0))
        cutoff = float(rng.uniform(1e-3, 0.99)) * fs / 2
        got = butter_lowpass_sos(order, cutoff, fs)
        assert_same_filter(got, scipy_butter(order, cutoff, fs), f"{order=} {cutoff=} {fs=}")


def test_butter_sections_are_the_same_shape_as_scipys():
    # Which sections are first order decides the pad length (and so which runs are filtered).
    for order in range(1, 9):
        got, expected = butter_lowpass_sos(order, 6.0, 30.0), scipy_butter(order, 6.0, 30.0)
        assert default_padlen(got) == default_padlen(expected)
        np.testing.assert_array_equal(got[:, 3], 1.0)


def test_butter_has_unit_dc_gain():
    # The property smoothing relies on: a constant passes unchanged.
    sos = butter_lowpass_sos(4, 6.0, 30.0)
    gain = np.prod(sos[:, :3].sum(axis=1) / sos[:, 3:].sum(axis=1))
    assert gain == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("order", "cutoff_hz", "fs", "scipy_raises_too"),
    [
        (2, 0.0, 30.0, True),
        (2, -1.0, 30.0, True),
        (2, 15.0, 30.0, True),  # exactly Nyquist
        (2, 20.0, 30.0, True),
        (2, float("nan"), 30.0, False),  # SciPy returns NaN coefficients; we refuse
        (0, 6.0, 30.0, False),  # SciPy returns a pass-through section; we refuse
        (-1, 6.0, 30.0, True),
        (2.5, 6.0, 30.0, True),
        (2, 6.0, 0.0, True),
        (2, 6.0, -30.0, True),
    ],
)
def test_butter_rejects_bad_parameters(order, cutoff_hz, fs, scipy_raises_too):
    with pytest.raises(ValueError):
        butter_lowpass_sos(order, cutoff_hz, fs)
    if scipy_raises_too:
        with pytest.raises(ValueError), np.errstate(divide="ignore"):  # fs = 0 divides first
            scipy_butter(order, cutoff_hz, fs)


# ----------------------------------------------------------------------------- sosfiltfilt
@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 8])
def test_padlen_is_scipys_default(order):
    sos = scipy_butter(order, 6.0, 30.0)
    ntaps = 2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
    assert default_padlen(sos) == 3 * ntaps
    x = np.ones(3 * ntaps)  # not longer than padlen: SciPy refuses, so do we
    with pytest.raises(ValueError, match="padlen"):
        signal.sosfiltfilt(sos, x)
    with pytest.raises(ValueError, match="padlen"):
        sosfiltfilt(sos, x)


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 8])
@pytest.mark.parametrize("extra", [1, 2, 37, 5000])
def test_sosfiltfilt_matches_scipy_along_time(order, extra):
    rng = np.random.default_rng(order * 1000 + extra)
    sos = scipy_butter(order, 6.0, 30.0)
    n = default_padlen(sos) + extra  # just above padlen, and long
    x = np.cumsum(rng.normal(0, 0.05, (n, 7)), axis=0) + rng.uniform(-1, 1, 7)
    expected = signal.sosfiltfilt(sos, x, axis=0)
    got = sosfiltfilt(sos, x, axis=0)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, expected, **TIGHT)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_sosfiltfilt_matches_scipy_along_any_axis(axis):
    rng = np.random.default_rng(11)
    sos = scipy_butter(3, 4.0, 25.0)
    x = rng.standard_normal((40, 50, 30))
    np.testing.assert_allclose(
        sosfiltfilt(sos, x, axis=axis), signal.sosfiltfilt(sos, x, axis=axis), **TIGHT
    )


def test_sosfiltfilt_one_dimensional_and_cutoff_extremes():
    rng = np.random.default_rng(5)
    x = rng.standard_normal(400)
    for cutoff in (0.05, 1.0, 6.0, 13.0, 14.9):
        sos = scipy_butter(2, cutoff, 30.0)
        np.testing.assert_allclose(sosfiltfilt(sos, x), signal.sosfiltfilt(sos, x), **TIGHT)


def test_sosfiltfilt_with_our_design_equals_scipy_end_to_end():
    rng = np.random.default_rng(2)
    x = 0.5 + 0.01 * rng.standard_normal((3000, 99))  # a clip's worth of landmark coordinates
    ours = sosfiltfilt(butter_lowpass_sos(2, 6.0, 30.0), x, axis=0)
    theirs = signal.sosfiltfilt(scipy_butter(2, 6.0, 30.0), x, axis=0)
    np.testing.assert_allclose(ours, theirs, **TIGHT)


def test_sosfiltfilt_leaves_input_and_constants_alone():
    sos = butter_lowpass_sos(2, 6.0, 30.0)
    x = np.full((50, 3), 0.25)
    before = x.copy()
    np.testing.assert_allclose(sosfiltfilt(sos, x), x, atol=1e-12)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize(
    ("sos", "x"),
    [
        (np.ones((1, 5)), np.zeros(50)),  # not (n_sections, 6)
        (np.array([[1.0, 2.0, 1.0, 2.0, 0.1, 0.1]]), np.zeros(50)),  # a0 != 1
        (butter_lowpass_sos(2, 6.0, 30.0), np.float64(1.0)),  # 0-d input
        (butter_lowpass_sos(2, 6.0, 30.0), np.zeros((9, 4))),  # not longer than padlen 9
    ],
)
def test_sosfiltfilt_rejects_bad_input(sos, x):
    with pytest.raises(ValueError):
        sosfiltfilt(sos, x)


# ----------------------------------------------------------------------------- PCHIP
def pchip_cases(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 6) columns that exercise each slope rule: random, monotone, constant, flat
    stretches, alternating signs of the secants, and a spike."""
    t = np.arange(n, dtype=np.float64)
    spike = np.zeros(n)
    spike[n // 2] = 5.0
    return np.column_stack(
        [
            rng.standard_normal(n),
            np.cumsum(rng.uniform(0.0, 1.0, n)),
            np.full(n, 0.3),
            np.round(rng.uniform(-1.5, 1.5, n)),
            (-1.0) ** t * rng.uniform(0.5, 1.0, n),
            spike,
        ]
    )


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 60])
def test_pchip_matches_scipy(n):
    rng = np.random.default_rng(n)
    for _ in range(10):
        x = increasing(rng, n)
        y = pchip_cases(rng, n)
        inside = rng.uniform(x[0], x[-1], 50)
        outside = np.concatenate([x[0] - rng.uniform(0, 3, 5), x[-1] + rng.uniform(0, 3, 5)])
        x_new = np.concatenate([inside, x, outside])  # at the knots too: which piece counts
        expected = PchipInterpolator(x, y, axis=0)(x_new)
        got = pchip_interpolate(x, y, x_new)
        assert got.shape == expected.shape == (x_new.size, y.shape[1])
        np.testing.assert_allclose(got, expected, **TIGHT)
        for j in range(y.shape[1]):  # 1-D y
            np.testing.assert_allclose(
                pchip_interpolate(x, y[:, j], x_new), PchipInterpolator(x, y[:, j])(x_new), **TIGHT
            )


def test_pchip_two_points_is_a_straight_line():
    x = np.array([1.0, 3.0])
    y = np.array([[0.0, 2.0], [4.0, -2.0]])
    x_new = np.array([0.0, 1.0, 2.0, 2.5, 3.0, 5.0])
    expected = y[0] + (x_new[:, None] - 1.0) / 2.0 * (y[1] - y[0])
    np.testing.assert_allclose(pchip_interpolate(x, y, x_new), expected, atol=1e-12)
    np.testing.assert_allclose(
        pchip_interpolate(x, y, x_new), PchipInterpolator(x, y)(x_new), **TIGHT
    )


def test_pchip_does_not_overshoot_monotone_data():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([0.0, 0.0, 1.0, 1.0, 1.0])  # a step: a cubic spline would ring
    values = pchip_interpolate(x, y, np.linspace(0, 4, 401))
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert np.all(np.diff(values) >= 0)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_pchip_along_any_axis_and_shaped_x_new(axis):
    rng = np.random.default_rng(3)
    y = rng.standard_normal((6, 7, 8))
    x = increasing(rng, y.shape[axis])
    x_new = rng.uniform(x[0] - 1, x[-1] + 1, (4, 5))
    expected = PchipInterpolator(x, y, axis=axis)(x_new)
    got = pchip_interpolate(x, y, x_new, axis=axis)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TIGHT)


def test_pchip_scalar_empty_and_nan_x_new():
    rng = np.random.default_rng(4)
    x = increasing(rng, 6)
    y = rng.standard_normal((6, 3))
    for x_new in (np.float64(x[2] + 0.1), np.array([]), np.array([np.nan, x[1]])):
        expected = PchipInterpolator(x, y)(x_new)
        got = pchip_interpolate(x, y, x_new)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, equal_nan=True, **TIGHT)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (np.array([0.0, 2.0, 1.0]), np.zeros(3)),  # not increasing
        (np.array([0.0, 1.0, 1.0]), np.zeros(3)),  # repeated
        (np.array([0.0]), np.zeros(1)),  # one point
        (np.array([0.0, 1.0, 2.0]), np.zeros(4)),  # lengths differ
        (np.array([0.0, np.nan, 2.0]), np.zeros(3)),
        (np.array([0.0, 1.0, 2.0]), np.array([0.0, np.inf, 1.0])),
        (np.zeros((2, 2)), np.zeros(2)),  # 2-D x
    ],
)
def test_pchip_rejects_what_scipy_rejects(x, y):
    with pytest.raises(ValueError):
        PchipInterpolator(x, y)
    with pytest.raises(ValueError):
        pchip_interpolate(x, y, np.array([0.5]))


# ----------------------------------------------------------------------------- smoothing
def test_butterworth_smoother_equals_the_scipy_pipeline(monkeypatch):
    """The whole offline smoother, run once on filters.py and once with SciPy swapped in."""
    rng = np.random.default_rng(9)
    n = 900
    series = PoseSeries.empty(SourceInfo("synthetic", 640, 480, 30.0), n)
    t = np.arange(n) / 30.0
    motion = 0.5 + 0.2 * np.sin(2 * np.pi * 0.8 * t)[:, None, None]
    series.image[:] = motion + rng.normal(0, 0.004, (n, 33, 3))
    series.world[:] = (motion - 0.5) * 2 + rng.normal(0, 0.006, (n, 33, 3))
    series.visibility[:] = 0.9
    series.presence[:] = 0.95
    series.num_people[:] = 1
    for gap in (slice(100, 104), slice(300, 301), slice(500, 530), slice(895, 900)):
        series.image[gap] = np.nan  # short gaps are filled, 500-530 splits the series
        series.world[gap] = np.nan
    series.image[700:702, 5] = np.nan  # one landmark missing alone: a second column group
    ours = smoothing.ButterworthSmoother().smooth(series)

    monkeypatch.setattr(smoothing, "butter_lowpass_sos", scipy_butter)
    monkeypatch.setattr(
        smoothing, "sosfiltfilt", lambda sos, x, axis=0: signal.sosfiltfilt(sos, x, axis=axis)
    )
    monkeypatch.setattr(
        smoothing, "pchip_interpolate", lambda x, y, x_new: PchipInterpolator(x, y)(x_new)
    )
    theirs = smoothing.ButterworthSmoother().smooth(series)
    for name in ("image", "world", "visibility", "presence", "num_people"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), **TIGHT)
    assert np.isnan(ours.image[510]).all() and np.isfinite(ours.image[102]).all()


def test_importing_smoothing_does_not_import_scipy():
    code = "import formcheck.series.smoothing, sys; print('scipy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False", result.stderr
