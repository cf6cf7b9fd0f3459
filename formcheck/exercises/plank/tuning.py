"""Placing the plank's hip limits from labelled frames, for held-out estimates.

The shipped limits (:class:`~formcheck.exercises.plank.config.PlankConfig`) are this rule
applied to both labelled keypoint sources pooled, so their figures on those sources are
in-sample. To estimate what a new person's frames get, ``benchmarks/plank_keypoints.py
--heldout`` places the limits with the same rule on one source alone and scores the other one
(leave one source out). The hip bends are the ones the rule judges
(``PlankFrameVerdicts.hip_bend_deg``: the bend the shoulder-hip-ankle and shoulder-hip-knee
lines agree on, after the model's offset). The rule (first written down from a hand
placement that left about as much room to each side):

* with frames labelled faulty on that side: halfway between the good frames' outer 1% and the
  faulty frames' inner 10%;
* with good frames only (a source whose "bad" label does not say which fault): the good
  frames' outer 1% plus :data:`ONE_CLASS_MARGIN_DEG`;
* the sag limit never closer than :data:`STRAIGHT_MARGIN_DEG` to a body that is exactly
  straight, which reads ``-offset`` (the model's usual offset absent: exact landmarks of a
  rendered straight plank read -6 after it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from formcheck.exercises.plank.config import PlankConfig

# Room beyond the good frames' outer 1% when no faulty frame shows where faults start: about
# twice the frame-to-frame noise of the hip bend on a still hold (1-2 degrees through the
# model), plus the spread between people seen between the two labelled sources (~3).
ONE_CLASS_MARGIN_DEG = 5.0
# Room a sag limit keeps beyond an exactly straight body (read -offset after the offset): about
# twice the hip bend's frame-to-frame noise on a still hold (1-2 degrees through the model).
# Without it the data alone put the sag at 6.5-7.1, within a degree of the rendered mannequin's
# exact straight body (-6.0 median, -7.0 5th percentile), which its exact-landmark samples
# then flag as sagging.
STRAIGHT_MARGIN_DEG = 3.0
GOOD_TAIL_PCT = 1.0  # the good frames' outer tail left unflagged
FAULT_TAIL_PCT = 10.0  # the faulty frames' inner tail the limit must still catch


@dataclass(frozen=True)
class HipLimits:
    """Limits of the hip bend after the model's offset: sag below ``-sag_deg``, pike above
    ``pike_deg``."""

    sag_deg: float
    pike_deg: float

    def apply(self, config: PlankConfig) -> PlankConfig:
        return dataclasses.replace(config, hip_sag_deg=self.sag_deg, hip_pike_deg=self.pike_deg)


def _finite(values: ArrayLike | None) -> np.ndarray:
    arr = np.asarray([] if values is None else values, dtype=np.float64).reshape(-1)
    return arr[np.isfinite(arr)]


def place_hip_limits(
    good: ArrayLike,
    sagging: ArrayLike | None = None,
    piked: ArrayLike | None = None,
    offset_deg: float | None = None,
) -> HipLimits:
    """Hip limits from the hip bends (after the offset, + piked) of labelled frames.

    ``good`` is required; ``sagging``/``piked`` may be empty when the source has no frames
    labelled with that fault (then the one-class margin applies on that side). ``offset_deg``:
    the model's straight-body offset the bends were taken after (default: PlankConfig's).
    """
    if offset_deg is None:
        offset_deg = PlankConfig().hip_bend_offset_deg
    good_v, sag_v, pike_v = _finite(good), _finite(sagging), _finite(piked)
    if good_v.size == 0:
        raise ValueError("place_hip_limits needs hip bends of good frames")
    good_low = float(np.percentile(good_v, GOOD_TAIL_PCT))
    good_high = float(np.percentile(good_v, 100.0 - GOOD_TAIL_PCT))
    if sag_v.size:
        sag_edge = float(np.percentile(sag_v, 100.0 - FAULT_TAIL_PCT))
        sag = -0.5 * (good_low + sag_edge)
    else:
        sag = -(good_low - ONE_CLASS_MARGIN_DEG)
    if pike_v.size:
        pike_edge = float(np.percentile(pike_v, FAULT_TAIL_PCT))
        pike = 0.5 * (good_high + pike_edge)
    else:
        pike = good_high + ONE_CLASS_MARGIN_DEG
    sag = max(sag, offset_deg + STRAIGHT_MARGIN_DEG)
    return HipLimits(sag_deg=round(max(sag, 0.0), 1), pike_deg=round(max(pike, 0.0), 1))
