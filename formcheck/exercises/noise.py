"""How much a measured angle jitters, estimated from the signal itself.

A landmark-based angle wobbles from frame to frame by an amount that depends on the view, the
person's size in the frame and how well the joints are seen: a degree or two side-on and close,
five or more far away or half hidden. A limit is only crossed for real when the value passes
it by more than that wobble, so the rules add a margin of the signal's own jitter to each
limit (:class:`JitterTracker`), and a signal that jitters by a large part of its limit is
reported as not judged rather than guessed.

The estimate is robust: the median absolute deviation of the frame-to-frame changes over a
short window (the estimator of white noise used in wavelet denoising). A fault that holds the
value steadily past the limit, a steady drift and a sudden step (one large change among many
small ones) leave it alone, while the model's jitter raises it.
"""

from __future__ import annotations

import math
from collections import deque
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike

# MAD -> standard deviation for normally distributed noise.
MAD_TO_SIGMA = 1.4826
# Fewer samples than this in the window say nothing about the jitter yet (margin 0).
MIN_SAMPLES = 8


def robust_sigma(values: ArrayLike) -> float:
    """The frame-to-frame jitter of ``values`` (in time order) as a standard deviation: the
    median absolute deviation of their successive changes, / sqrt(2) as each change holds two
    frames' noise. NaN with fewer than :data:`MIN_SAMPLES` finite values."""
    if isinstance(values, (list, tuple)):
        # The rules call this on every frame with a short window (~45 values): plain Python
        # is several times faster than numpy's per-call overhead there, with the same result.
        finite = [float(v) for v in values if math.isfinite(v)]
        if len(finite) < MIN_SAMPLES:
            return math.nan
        changes = [b - a for a, b in pairwise(finite)]
        middle = _median(changes)
        spread = _median([abs(c - middle) for c in changes])
        return MAD_TO_SIGMA * spread / math.sqrt(2.0)
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    arr = arr[np.isfinite(arr)]
    if arr.size < MIN_SAMPLES:
        return math.nan
    changes = np.diff(arr)
    spread = np.median(np.abs(changes - np.median(changes)))
    return float(MAD_TO_SIGMA * spread / math.sqrt(2.0))


def _median(values: list[float]) -> float:
    """The median as numpy computes it (the mean of the middle two for an even count)."""
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) / 2.0


class JitterTracker:
    """The robust spread of one signal over the last ``window_ms`` (causal, per frame)."""

    def __init__(self, window_ms: float) -> None:
        self.window_ms = float(window_ms)
        self._recent: deque[tuple[float, float]] = deque()

    def add(self, time_ms: float, value: float) -> None:
        if math.isfinite(value):
            self._recent.append((time_ms, value))
        while self._recent and self._recent[0][0] < time_ms - self.window_ms:
            self._recent.popleft()

    def reset(self) -> None:
        self._recent.clear()

    def sigma(self) -> float:
        """The current jitter (NaN until the window has enough samples)."""
        return robust_sigma([v for _, v in self._recent])

    def margin(self, k: float, cap: float) -> float:
        """:func:`noise_margin` of the current jitter."""
        return noise_margin(self.sigma(), k, cap)


# robust_sigma of a signal's frame-to-frame changes reads white noise of s as sqrt(3) s: those
# changes' own changes (second differences) have a spread of sqrt(6) s, and robust_sigma
# divides by sqrt(2).
SECOND_DIFFERENCE = math.sqrt(3.0)


class MotionJitter:
    """The jitter of a signal that moves fast, over the last ``window_ms`` (causal, per frame).

    :class:`JitterTracker` reads a still signal (a plank hold): on a moving one (a swing turns
    the trunk ~60 deg in half a second) its frame-to-frame changes hold the motion itself.
    Their own changes (second differences) cancel any steady motion, and at 30 fps even a
    turn adds well under a degree, so their robust spread is the model's wobble: the tracker
    is fed the signal's change since the frame before and read back at ``1/sqrt(3)``.
    """

    def __init__(self, window_ms: float) -> None:
        self._tracker = JitterTracker(window_ms)
        self._last = math.nan

    def add(self, time_ms: float, value: float) -> None:
        """One frame's value (NaN: not measured, which breaks the differences)."""
        if math.isfinite(value) and math.isfinite(self._last):
            self._tracker.add(time_ms, value - self._last)
        self._last = value

    def sigma(self) -> float:
        """The current jitter (one standard deviation); NaN while unknown."""
        return self._tracker.sigma() / SECOND_DIFFERENCE


def noise_margin(sigma: float, k: float, cap: float) -> float:
    """``k`` jitters, at most ``cap``: what a value must pass its limit by; 0 while the jitter
    is unknown (NaN)."""
    return 0.0 if not math.isfinite(sigma) else min(k * sigma, cap)
