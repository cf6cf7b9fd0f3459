"""Pure, vectorised geometry on landmark arrays.

Every function takes arrays shaped ``(..., 2)`` or ``(..., 3)`` (anything that broadcasts) and
works on all leading axes at once, so a whole series is one call. NaN in gives NaN out, and so
does a degenerate input (a zero-length vector has no direction): callers never get a silently
wrong 0 where nothing could be measured.

Image convention: x points right and y points DOWN (pixel or normalised image coordinates, and
MediaPipe world coordinates alike). "Up" is therefore ``(0, -1)``. Angles are in degrees.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

UP_2D = np.array([0.0, -1.0])
DOWN_2D = np.array([0.0, 1.0])


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def norm(v: ArrayLike) -> np.ndarray:
    """Euclidean length over the last axis."""
    v = _arr(v)
    return np.sqrt(np.sum(v * v, axis=-1))


def distance(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Distance between points ``a`` and ``b`` (last axis is the coordinate)."""
    return norm(_arr(b) - _arr(a))


def unit(v: ArrayLike) -> np.ndarray:
    """``v`` scaled to length 1; NaN where ``v`` has zero length."""
    v = _arr(v)
    length = norm(v)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(length > 0, v / length, np.nan)


def cross2d(v1: ArrayLike, v2: ArrayLike) -> np.ndarray:
    """z component of the cross product of two 2D vectors (``x1*y2 - y1*x2``).

    With y pointing down, a positive value means ``v2`` is clockwise from ``v1`` *on screen*.
    """
    v1, v2 = _arr(v1), _arr(v2)
    return v1[..., 0] * v2[..., 1] - v1[..., 1] * v2[..., 0]


def dot(v1: ArrayLike, v2: ArrayLike) -> np.ndarray:
    """Dot product over the last axis."""
    return np.sum(_arr(v1) * _arr(v2), axis=-1)


def rotate90(v: ArrayLike) -> np.ndarray:
    """Rotate 2D vectors by +90 degrees in the ``cross2d`` sense: ``(x, y) -> (-y, x)``.

    ``cross2d(v, rotate90(v)) = |v|^2 > 0``; on screen (y down) this is a clockwise quarter
    turn: up ``(0, -1)`` becomes right ``(1, 0)``.
    """
    v = _arr(v)
    return np.stack([-v[..., 1], v[..., 0]], axis=-1)


def joint_angle(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> np.ndarray:
    """Angle ``a-b-c`` at vertex ``b`` in degrees, 0..180 (180 = straight line).

    Uses ``atan2(|cross|, dot)``, which stays accurate near 0 and 180 where ``arccos`` does not.
    """
    a, b, c = _arr(a), _arr(b), _arr(c)
    v1, v2 = a - b, c - b
    cross_len = np.abs(cross2d(v1, v2)) if v1.shape[-1] == 2 else norm(np.cross(v1, v2))
    angle = np.degrees(np.arctan2(cross_len, dot(v1, v2)))
    valid = (norm(v1) > 0) & (norm(v2) > 0)
    return np.where(valid, angle, np.nan)


def signed_angle(v1: ArrayLike, v2: ArrayLike) -> np.ndarray:
    """Signed angle from 2D vector ``v1`` to ``v2`` in degrees, in (-180, 180].

    Positive in the ``cross2d`` sense, which on screen (y down) is *clockwise*.
    """
    v1, v2 = _arr(v1), _arr(v2)
    angle = np.degrees(np.arctan2(cross2d(v1, v2), dot(v1, v2)))
    angle = np.where(angle == -180.0, 180.0, angle)
    valid = (norm(v1) > 0) & (norm(v2) > 0)
    return np.where(valid, angle, np.nan)


def inclination_from_vertical(lower: ArrayLike, upper: ArrayLike) -> np.ndarray:
    """Angle of the segment ``lower -> upper`` from vertical-up, in degrees, 0..180.

    0 when ``upper`` is straight above ``lower`` (smaller y), 90 when level, 180 when straight
    below. With 2D input the horizontal part is ``|dx|``; with 3D input (camera-aligned world
    coordinates, y down) it is ``hypot(dx, dz)``, so the angle is from gravity's vertical.
    """
    v = _arr(upper) - _arr(lower)
    horizontal = np.abs(v[..., 0]) if v.shape[-1] == 2 else np.hypot(v[..., 0], v[..., 2])
    angle = np.degrees(np.arctan2(horizontal, -v[..., 1]))
    return np.where(norm(v) > 0, angle, np.nan)


def signed_line_offset(p: ArrayLike, a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Signed perpendicular distance of 2D point ``p`` from the line ``a -> b``, over ``|ab|``.

    Positive when ``p`` lies on the ``rotate90(b - a)`` side, i.e. to the right of ``a -> b`` as
    seen on screen (y down). Dividing by ``|ab|`` makes the value scale-free: 0.05 means the
    point is off the line by 5% of the line segment's length.
    """
    p, a, b = _arr(p), _arr(a), _arr(b)
    ab = b - a
    length_sq = dot(ab, ab)
    with np.errstate(invalid="ignore", divide="ignore"):
        offset = cross2d(ab, p - a) / length_sq
    return np.where(length_sq > 0, offset, np.nan)


def weighted_midpoint(
    p_left: ArrayLike,
    p_right: ArrayLike,
    w_left: ArrayLike,
    w_right: ArrayLike,
    min_weight: float = 0.3,
) -> np.ndarray:
    """Weighted midpoint of a left/right landmark pair, tolerant of swapped labels.

    ``w_*`` are per-point weights (normally the model's visibility), shaped like the points
    without their last axis. The rules, in order:

    * a point whose coordinates or weight are NaN, or whose weight is <= 0, does not count;
    * if one point's weight is below ``min_weight`` and the other's is not, only the other
      point is used (the far side of a side view is often a guess);
    * otherwise the weighted mean of the points that count; NaN when none counts.

    The result is exactly symmetric in (left, right), so a frame whose labels the model
    swapped gives the same point.
    """
    pl, pr = _arr(p_left), _arr(p_right)
    wl = np.nan_to_num(_arr(w_left), nan=0.0)
    wr = np.nan_to_num(_arr(w_right), nan=0.0)
    wl = np.where(np.all(np.isfinite(pl), axis=-1), np.clip(wl, 0.0, None), 0.0)
    wr = np.where(np.all(np.isfinite(pr), axis=-1), np.clip(wr, 0.0, None), 0.0)
    left_weak, right_weak = wl < min_weight, wr < min_weight
    wl = np.where(left_weak & ~right_weak, 0.0, wl)
    wr = np.where(right_weak & ~left_weak, 0.0, wr)
    total = wl + wr
    # Zero-weight points are replaced by 0 so a NaN there cannot poison the sum.
    pl0 = np.where((wl > 0)[..., None], pl, 0.0)
    pr0 = np.where((wr > 0)[..., None], pr, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mid = (wl[..., None] * pl0 + wr[..., None] * pr0) / total[..., None]
    return np.where((total > 0)[..., None], mid, np.nan)
