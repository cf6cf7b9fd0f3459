"""Back outline from the person's segmentation mask: the second, independent rounded-back signal.

Landmark models have no spine points. The silhouette does show the back, so for each frame we
measure, at several positions along the hip->shoulder chord, how far the silhouette extends
from the chord on each side. A flat back gives an outline roughly parallel to the chord on the
posterior side; a rounded back bulges away from it in the middle. Which side is posterior is
decided later by the rules (from the facing direction), so this stays label-free and pure numpy.
"""

from __future__ import annotations

import numpy as np

# Fractions along the chord from hip (0) to shoulder (1) where the outline is sampled.
PROFILE_POSITIONS = np.linspace(0.1, 0.9, 9)
# How far from the chord to look for the edge, as a fraction of the chord length.
MAX_REACH = 0.8
MASK_THRESHOLD = 0.5
MIN_CHORD_PX = 12.0
_SIDE_SIGNS = np.array([1.0, -1.0])  # row 0: along the normal, row 1: against it


def torso_profile(mask: np.ndarray, hip_px: np.ndarray, shoulder_px: np.ndarray) -> np.ndarray:
    """(2, K) distances from the chord to the silhouette edge, in chord lengths.

    Row 0 is the side of ``n = rotate90(shoulder - hip)`` (x, y) -> (-y, x) in image pixels,
    row 1 the opposite side. NaN where the chord is too short, a sample starts outside the
    silhouette, or no edge is found within ``MAX_REACH``.
    """
    k = PROFILE_POSITIONS.size
    out = np.full((2, k), np.nan)
    hip = np.asarray(hip_px, dtype=np.float64)
    shoulder = np.asarray(shoulder_px, dtype=np.float64)
    if mask is None or not (np.isfinite(hip).all() and np.isfinite(shoulder).all()):
        return out
    chord = shoulder - hip
    length = float(np.hypot(*chord))
    if length < MIN_CHORD_PX:
        return out
    height, width = mask.shape[:2]
    normal = np.array([-chord[1], chord[0]]) / length
    steps = np.arange(0.0, MAX_REACH * length, 1.0)  # one-pixel steps
    starts = hip + PROFILE_POSITIONS[:, None] * chord  # (K, 2)
    # Both sides in one (2, K, R) pass: this runs on every frame of the pose stage.
    offsets = (_SIDE_SIGNS[:, None, None] * steps[None, :, None]) * normal  # (2, R, 2)
    cols = np.rint(starts[None, :, None, 0] + offsets[:, None, :, 0]).astype(np.intp)
    rows = np.rint(starts[None, :, None, 1] + offsets[:, None, :, 1]).astype(np.intp)
    inside_frame = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    flat_index = np.where(inside_frame, rows * width + cols, 0)
    inside = (np.ravel(mask)[flat_index] >= MASK_THRESHOLD) & inside_frame
    leaves = ~inside
    first_out = np.argmax(leaves, axis=2)
    found = leaves.any(axis=2) & inside[:, :, 0]
    out[found] = steps[first_out[found]] / length
    return out


def _pair_midpoint(points: np.ndarray, visibility: np.ndarray, left: int, right: int) -> np.ndarray:
    w = np.clip(np.nan_to_num(visibility[[left, right]]), 0.05, 1.0)
    return (points[left] * w[0] + points[right] * w[1]) / w.sum()


def back_profile_measure(frame, result) -> np.ndarray:
    """Pipeline measure: the torso profile of this frame, flattened to (2*K,)."""
    k = PROFILE_POSITIONS.size
    if not result.found or result.mask is None:
        return np.full(2 * k, np.nan)
    height, width = result.mask.shape[:2]
    pixels = result.image[:, :2] * np.array([width, height])
    hip = _pair_midpoint(pixels, result.visibility, 23, 24)
    shoulder = _pair_midpoint(pixels, result.visibility, 11, 12)
    return torso_profile(result.mask, hip, shoulder).reshape(-1)
