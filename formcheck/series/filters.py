"""The three SciPy routines landmark smoothing needs, in numpy: Butterworth design, zero-phase
filtering and PCHIP interpolation.

Why not SciPy: ``import scipy.signal`` and ``scipy.interpolate`` cost about a second of CPU at
every start of ``formcheck analyze`` (holding the GIL while the pose model's threads start),
and these three functions were an analysis's only use of it (now only the synthetic test-clip
generator, formcheck.synth, imports SciPy). ``tests/series/test_filters.py`` checks each
function against its SciPy counterpart to floating-point rounding, so smoothing, and every
verdict built on it, is unchanged.

The filtering and the interpolation do their arithmetic in the order SciPy's compiled loops do,
so they agree with SciPy to the last bit on the same coefficients; the filter design shares the
gain out over its sections, so a filtered signal differs from SciPy's by rounding only (at
most 1e-13 over orders 1-8 and all cutoffs tried; a real clip's smoothed landmarks, stored as
float32, came out identical).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["butter_lowpass_sos", "default_padlen", "pchip_interpolate", "sosfiltfilt"]


# ----------------------------------------------------------------------------- Butterworth design
def butter_lowpass_sos(order: int, cutoff_hz: float, fs: float) -> np.ndarray:
    """Second-order sections of a digital Butterworth low-pass filter, shape (n_sections, 6),
    each ``[b0, b1, b2, 1, a1, a2]`` with unit gain at 0 Hz.

    The response of ``scipy.signal.butter(order, cutoff_hz, btype="low", fs=fs,
    output="sos")`` (same poles and zeros; each section carries its own share of the gain,
    where SciPy puts it all in the first, which changes the output only by rounding):

    - the analog prototype's poles lie evenly on the left half of the unit circle;
    - prewarped to the cutoff (``tan(pi * fc / fs)``) and mapped by the bilinear transform
      ``z = (1 + s) / (1 - s)``, each conjugate pair gives a section with both zeros at
      z = -1 (a low-pass passes nothing at Nyquist), and an odd order one first-order
      section for its real pole;
    - sections run from the least to the most resonant (poles nearest the unit circle last),
      as SciPy orders them, so rounding is least amplified.
    """
    if isinstance(order, bool) or int(order) != order or order < 1:
        raise ValueError(f"Filter order must be an integer >= 1, got {order!r}.")
    if not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"Sampling frequency fs must be a positive number, got {fs!r}.")
    order = int(order)
    if not 0 < cutoff_hz < fs / 2:  # also refuses NaN
        raise ValueError(
            f"Digital filter critical frequencies must be 0 < Wn < fs/2 (fs={fs} -> fs/2={fs / 2})"
        )
    warped = math.tan(math.pi * cutoff_hz / fs)
    sections = []
    # One pole of each conjugate pair (upper half plane), then the real pole of an odd order.
    for k in range(order // 2):
        analog = warped * complex(np.exp(1j * np.pi * (2 * k + order + 1) / (2 * order)))
        pole = (1 + analog) / (1 - analog)
        a1, a2 = -2.0 * pole.real, abs(pole) ** 2
        gain = (1.0 + a1 + a2) / 4.0  # b = gain * (1 + z^-1)^2 sums to 4 * gain at DC
        sections.append((abs(pole), [gain, 2.0 * gain, gain, 1.0, a1, a2]))
    if order % 2:
        pole = (1 - warped) / (1 + warped)  # the analog pole -warped, mapped
        gain = (1.0 - pole) / 2.0
        sections.append((abs(pole), [gain, gain, 0.0, 1.0, -pole, 0.0]))
    sections.sort(key=lambda item: item[0])
    return np.array([coefficients for _, coefficients in sections])


# ----------------------------------------------------------------------------- zero-phase filter
def default_padlen(sos: np.ndarray) -> int:
    """The pad ``sosfiltfilt`` adds at each end by default; a signal must be longer than this.

    Three times the filter's number of taps, less the sections that are really first order
    (a zero and a pole at the origin add no taps).
    """
    sos = np.asarray(sos)
    zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * (2 * len(sos) + 1 - zeros)


def sosfiltfilt(sos: np.ndarray, x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Zero-phase filtering of ``x`` along ``axis``: ``scipy.signal.sosfiltfilt`` with its
    defaults (odd-extension padding of :func:`default_padlen` samples at each end, initial
    state at the steady state of the first/last value, a forward then a backward pass)."""
    sos = _check_sos(sos)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        raise ValueError("x must be at least 1-D")
    edge = default_padlen(sos)
    if x.shape[axis] <= edge:
        raise ValueError(
            f"The length of the input vector x must be greater than padlen, which is {edge}."
        )
    # Time first, every other axis flattened into contiguous channels, so each time step
    # below is one numpy operation over all channels.
    moved = np.moveaxis(x, axis, 0)
    data = np.ascontiguousarray(moved.reshape(moved.shape[0], math.prod(moved.shape[1:])))
    ext = np.concatenate(
        (2 * data[:1] - data[edge:0:-1], data, 2 * data[-1:] - data[-2 : -(edge + 2) : -1])
    )
    zi = _sosfilt_zi(sos)  # (n_sections, 2): steady state for a unit step
    forward = _sosfilt(sos, ext, zi[:, :, None] * ext[0])
    backward = _sosfilt(sos, forward[::-1], zi[:, :, None] * forward[-1])[::-1]
    out = backward[edge:-edge]
    return np.moveaxis(out.reshape(moved.shape), 0, axis)


def _check_sos(sos: np.ndarray) -> np.ndarray:
    sos = np.asarray(sos, dtype=np.float64)
    if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] < 1:
        raise ValueError("sos array must be shape (n_sections, 6)")
    if not (sos[:, 3] == 1).all():
        raise ValueError("sos[:, 3] should be all ones")
    return sos


def _sosfilt_zi(sos: np.ndarray) -> np.ndarray:
    """SciPy's ``sosfilt_zi``: per section, the state in which a unit step passes unchanged
    (``lfilter_zi``), scaled by the DC gain of the sections before it."""
    zi = np.empty((sos.shape[0], 2))
    scale = 1.0
    for s, (b, a) in enumerate(zip(sos[:, :3], sos[:, 3:], strict=True)):
        # lfilter_zi solves zi = A zi + B with A the transposed companion matrix of ``a``;
        # the same 2x2 solve as SciPy's, so the same rounding.
        i_minus_a = np.eye(2) - np.array([[-a[1], 1.0], [-a[2], 0.0]])
        zi[s] = scale * np.linalg.solve(i_minus_a, b[1:] - a[1:] * b[0])
        scale *= np.sum(b) / np.sum(a)
    return zi


def _sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """Cascade of sections (transposed direct form II) along axis 0 of a (T, C) ``x`` with
    initial state ``zi`` (n_sections, 2, C); returns a new (T, C) array.

    A recursive filter needs each output before the next, so time is a Python loop. SciPy's
    kernel runs all sections inside that loop; each section only sees the previous section's
    output, so running one section over the whole signal before the next does the same
    arithmetic, and lets the ``b * input`` products be done for all samples at once. What is
    left per sample is six in-place operations on arrays of all channels, in SciPy's order:

        y = b0 x + z0;   z0 = (b1 x - a1 y) + z1;   z1 = b2 x - a2 y
    """
    add, sub, mul = np.add, np.subtract, np.multiply
    u = x
    for (b0, b1, b2, _, a1, a2), state in zip(sos.tolist(), zi, strict=True):
        y = np.empty_like(u)
        bu0, bu1, bu2 = b0 * u, b1 * u, b2 * u
        z0, z1 = state[0].copy(), state[1].copy()
        tmp = np.empty_like(z0)
        # a1, a2 as arrays: an array-by-array ufunc call costs half of one with a Python float.
        a1s, a2s = np.full_like(z0, a1), np.full_like(z0, a2)
        for y_n, bu0_n, bu1_n, bu2_n in zip(y, bu0, bu1, bu2, strict=True):
            add(bu0_n, z0, y_n)
            mul(y_n, a1s, tmp)
            sub(bu1_n, tmp, z0)
            add(z0, z1, z0)
            mul(y_n, a2s, tmp)
            sub(bu2_n, tmp, z1)
        u = y
    return u


# ----------------------------------------------------------------------------- PCHIP
def pchip_interpolate(x: np.ndarray, y: np.ndarray, x_new: np.ndarray, axis: int = 0) -> np.ndarray:
    """``scipy.interpolate.PchipInterpolator(x, y, axis=axis)(x_new)``.

    Piecewise cubic Hermite interpolation with shape-preserving slopes (Fritsch-Carlson
    harmonic mean inside, SciPy's one-sided three-point rule at the ends; a straight line
    through two points). ``x`` must be strictly increasing. Beyond the data it extrapolates
    with the first or last piece, as SciPy does by default. The result has shape
    ``x_new.shape`` in place of ``y``'s ``axis``.

    Only the pieces ``x_new`` falls in are built: filling a few missing frames in a long run
    then costs next to nothing, where SciPy builds every piece of the run.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("`x` must be 1-dimensional.")
    if x.shape[0] < 2:
        raise ValueError("`x` must contain at least 2 elements.")
    if y.ndim == 0:
        raise ValueError("`y` must be at least 1-dimensional.")
    axis = axis % y.ndim
    if x.shape[0] != y.shape[axis]:
        raise ValueError(f"The length of `y` along `axis`={axis} doesn't match the length of `x`")
    if not np.all(np.isfinite(x)):
        raise ValueError("`x` must contain only finite values.")
    if not np.all(np.isfinite(y)):
        raise ValueError("`y` must contain only finite values.")
    if np.any(np.diff(x) <= 0):
        raise ValueError("`x` must be strictly increasing sequence.")

    moved = np.moveaxis(y, axis, 0)
    y2 = moved.reshape(x.shape[0], math.prod(moved.shape[1:]))  # (points, channels)
    x_new = np.asarray(x_new, dtype=np.float64)
    flat = x_new.reshape(-1)
    # The piece with x_i <= v < x_{i+1}; the last one also takes v == x_n, and the end pieces
    # take everything beyond the data (PPoly's interval search, extrapolating).
    i = np.clip(np.searchsorted(x, flat, side="right") - 1, 0, x.shape[0] - 2)
    knots = np.unique(np.concatenate((i, i + 1)))
    slopes = _pchip_slopes(x, y2, knots)
    left = np.searchsorted(knots, i)  # i + 1 is the next knot, at left + 1
    d0, d1 = slopes[left], slopes[left + 1]
    # CubicHermiteSpline's coefficients of each piece in powers of s = v - x_i ...
    h = (x[i + 1] - x[i])[:, None]
    y0 = y2[i]
    secant = (y2[i + 1] - y0) / h
    t = (d0 + d1 - 2 * secant) / h
    c3, c2 = t / h, (secant - d0) / h - t
    # ... summed from the constant term up, as PPoly's ``evaluate_poly1`` does (a NaN or
    # infinite x_new gives NaN quietly, as in SciPy's compiled loop).
    with np.errstate(invalid="ignore", over="ignore"):
        s = (flat - x[i])[:, None]
        s2 = s * s
        out = ((y0 + d0 * s) + c2 * s2) + c3 * (s2 * s)
    out = out.reshape(x_new.shape + moved.shape[1:])
    # Put the interpolated axis back where ``axis`` was (PPoly's transpose).
    dims = list(range(out.ndim))
    nd = x_new.ndim
    return out.transpose(dims[nd : nd + axis] + dims[:nd] + dims[nd + axis :])


def _pchip_slopes(x: np.ndarray, y: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Slopes of the PCHIP interpolant at the data points ``knots`` (sorted indices),
    (len(knots), channels) for (points, channels) ``y``: SciPy's
    ``PchipInterpolator._find_derivatives``, at those points only.

    Inside: 0 where the secants either side differ in sign or either is flat (so the curve
    cannot overshoot), else their harmonic mean weighted by the interval lengths.
    """
    n = x.shape[0]
    h = np.diff(x)[:, None]

    def secant(j):
        return (y[j + 1] - y[j]) / h[j]

    if n == 2:  # a straight line
        return np.repeat(secant(np.array([0])), len(knots), axis=0)
    slopes = np.empty((len(knots), y.shape[1]))
    inner = (knots > 0) & (knots < n - 1)
    k = knots[inner]
    hl, hr, ml, mr = h[k - 1], h[k], secant(k - 1), secant(k)
    w1 = 2 * hr + hl
    w2 = hr + 2 * hl
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = 1.0 / ((w1 / ml + w2 / mr) / (w1 + w2))
    flat = (np.sign(mr) != np.sign(ml)) | (mr == 0) | (ml == 0)
    slopes[inner] = np.where(flat, 0.0, harmonic)
    if len(knots) and knots[0] == 0:
        slopes[0] = _pchip_end_slope(h[0], h[1], secant(0), secant(1))
    if len(knots) and knots[-1] == n - 1:
        slopes[-1] = _pchip_end_slope(h[-1], h[-2], secant(n - 2), secant(n - 3))
    return slopes


def _pchip_end_slope(h0, h1, m0, m1) -> np.ndarray:
    """One-sided three-point slope at an end (Moler, *Numerical Computing with MATLAB*,
    ``pchiptx``), zeroed if it points against the end secant and capped at three times the
    secant when the data turn, so the end piece keeps the data's shape."""
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    against = np.sign(d) != np.sign(m0)
    too_steep = (np.sign(m0) != np.sign(m1)) & (np.abs(d) > 3.0 * np.abs(m0))
    d[against] = 0.0
    d[~against & too_steep] = 3.0 * m0[~against & too_steep]
    return d
