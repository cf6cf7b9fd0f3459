"""One live pose result -> the :class:`~formcheck.exercises.base.FrameInput` a rule session reads.

Offline, :func:`formcheck.exercises.base.frames_from_series` computes features for a whole series
at once; live, frames arrive one by one. Both must hand the rules the same numbers, or a set
coached live and the same set scored afterwards would disagree. So this module reproduces the
series path step by step: landmarks are stored as float32 in a series, scaled to pixels in
float32 (``PoseSeries.pixels``) and only then widened, per-part visibility is the one
:func:`formcheck.features.core.body_parts` gives, and the view label comes from the per-frame twin of
the series view check. Undetected frames go through the same arithmetic on NaN landmarks, so they
get exactly the NaN features (and zero visibilities) a NaN row of a series gets.

Two per-frame helpers are local, leaner twins of shared functions (per frame, the shared
code's small-array numpy overhead costs more than the arithmetic): :func:`part_visibility`
(``features.body_parts``' visibilities) and :func:`frame_view` (``view.assess_frame_view``
without the facing). The tests hold them equal to the offline path.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np

from formcheck.exercises.base import FrameInput
from formcheck.features.core import MIN_VISIBILITY, compute_frame_features
from formcheck.features.view import (
    MIN_PRESENCE,
    FrameView,
    classify_yaw,
    yaw_from_image,
    yaw_from_world,
)
from formcheck.pose.result import PoseResult
from formcheck.series.landmarks import NUM_LANDMARKS, SIDE_PAIRS, Landmark

_NAN3 = np.full((NUM_LANDMARKS, 3), np.nan, dtype=np.float32)
_NAN1 = np.full(NUM_LANDMARKS, np.nan, dtype=np.float32)
# The parts that must be in the frame, as formcheck.features.view checks them (head = nose,
# hips, feet = ankles).
FRAME_PARTS: dict[str, tuple[int, ...]] = {
    "head": (Landmark.NOSE,),
    "hips": (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    "feet": (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
}
_PARTS = (*SIDE_PAIRS, "nose")
_LEFT = np.array([*(pair[0] for pair in SIDE_PAIRS.values()), Landmark.NOSE])
_RIGHT = np.array([*(pair[1] for pair in SIDE_PAIRS.values()), Landmark.NOSE])


def part_visibility(visibility: np.ndarray) -> dict[str, float]:
    """Per body part, the better visibility of its two landmarks (the nose's own for "nose").

    The values :func:`formcheck.features.core.body_parts` gives (NaN and anything below
    ``MIN_VISIBILITY`` count as 0), in one vectorised step: per frame, body_parts' ten
    small-array midpoints cost more than the rest of the frame's features.
    """
    vis = np.nan_to_num(np.asarray(visibility, dtype=np.float64), nan=0.0)
    vis = np.where(vis >= MIN_VISIBILITY, vis, 0.0)
    best = np.maximum(vis[_LEFT], vis[_RIGHT])
    return dict(zip(_PARTS, best.tolist(), strict=True))


def _stored(values: np.ndarray | None, empty: np.ndarray) -> np.ndarray:
    """The array as a PoseSeries row would hold it (float32; NaN when missing)."""
    return empty if values is None else np.asarray(values, dtype=np.float32)


def frame_view(
    pixels: np.ndarray,
    image: np.ndarray,
    world: np.ndarray,
    presence: np.ndarray,
    width: int,
    height: int,
) -> FrameView:
    """One frame's view check for the rules and for setup guidance, without the facing.

    The per-frame twin of :func:`formcheck.features.view.frame_view_labels` (which rows of a series get
    offline): yaw as the mean of the world and image cues, classified by
    :func:`formcheck.features.view.classify_yaw`, and the head, hips and feet each in the frame when one
    of their landmarks lies inside it with presence >= ``MIN_PRESENCE``. It reads the same
    float32-scaled ``pixels`` a series does, so it labels a frame as the series would.
    :func:`formcheck.features.view.assess_frame_view` answers the same questions and the person's
    facing as well, which costs a second pass over the body parts per frame; the rules take
    the facing from the features, so the live loop uses this leaner check.
    """
    xy = np.asarray(image, dtype=np.float64)[:, :2]
    out_all = tuple(FRAME_PARTS)
    if not np.isfinite(xy).any():
        return FrameView("unknown", None, math.nan, False, out_all, 0.0)
    cues = np.array([float(yaw_from_world(world)), float(yaw_from_image(pixels))])
    finite = cues[np.isfinite(cues)]
    yaw = float(finite.mean()) if finite.size else math.nan
    inside = np.all((xy >= 0.0) & (xy <= 1.0), axis=-1)
    inside &= ~(np.asarray(presence, dtype=np.float64) < MIN_PRESENCE)
    out = tuple(part for part, idx in FRAME_PARTS.items() if not inside[list(idx)].any())
    clipped = np.clip(xy, 0.0, 1.0)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: nothing to measure
        span = np.nanmax(clipped, axis=0) - np.nanmin(clipped, axis=0)
    extent = max(float(span[0]) * width, float(span[1]) * height)
    extent_frac = extent / max(width, height) if math.isfinite(extent) else 0.0
    return FrameView(str(classify_yaw(yaw)), None, yaw, not out, out, extent_frac)


def frame_observation(
    result: PoseResult,
    width: int,
    height: int,
    extras: Mapping[str, object] | None = None,
) -> tuple[FrameInput, FrameView]:
    """The rule input for one frame and the frame's view check (for setup guidance).

    ``width`` and ``height`` are the pixel size of the frame the model saw; ``extras`` are
    per-frame measurements (e.g. ``"back_profile"`` from :mod:`formcheck.features.silhouette`).
    """
    found = result.found
    image = _stored(result.image if found else None, _NAN3)
    world = _stored(result.world if found else None, _NAN3)
    visibility = _stored(result.visibility if found else None, _NAN1)
    presence = _stored(result.presence if found else None, _NAN1)

    # Exactly PoseSeries.pixels(): float32 product, widened afterwards.
    scale = np.array([width, height], dtype=np.float32)
    pixels = (image[:, :2] * scale).astype(np.float64)
    vis64 = visibility.astype(np.float64)
    features = compute_frame_features(pixels, vis64)
    facing = int(features.pop("facing"))

    view = frame_view(pixels, image, world, presence, int(width), int(height))
    frame = FrameInput(
        time_ms=float(result.time_ms),
        detected=bool(found),
        num_people=int(result.num_people),
        features=features,
        facing=facing,
        visibility=part_visibility(vis64),
        # A series stores extras as float32 rows (pipeline._stack_extra).
        extras={k: np.asarray(v, dtype=np.float32) for k, v in (extras or {}).items()},
        in_frame=bool(found and view.in_frame),
        view=view.view,
    )
    return frame, view


def frame_input_from_result(
    result: PoseResult,
    width: int,
    height: int,
    extras: Mapping[str, object] | None = None,
) -> FrameInput:
    """The :class:`FrameInput` the rules get for this frame, equal to the offline one.

    Feeding a rule session these for every result of a clip gives the same features, facing,
    visibilities, view labels and in-frame flags as ``frames_from_series`` on the series built
    from the same results (:class:`formcheck.pose.stage.SeriesBuilder`).
    """
    return frame_observation(result, width, height, extras)[0]
