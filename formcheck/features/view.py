"""Can this camera view show the fault? Side/front/oblique, facing, framing and size.

Rounding, sagging, piking and leaning back all happen in the body's sagittal plane, which only
a side view shows. This module estimates, per frame and over a clip:

* **yaw**: the body's rotation about the vertical against the camera axis, 0 = facing (or
  turned away from) the camera, 90 = side-on. Two cues, because the model's depth is poor:

  - *world*: the direction of the left->right shoulder and hip vectors of the world landmarks
    (metres, x right, y down, z depth) in the x-z plane, ``atan2(|dz|, |dx|)``, summed over both
    pairs. Label swaps do not change it. It depends on the model's z, which is the weakest
    coordinate, so it is only half the answer.
  - *image*: the 2D shoulder and hip widths against the 2D torso. For a body that is not rolled
    (shoulders level: standing, hinging, in a plank), seen by a level camera, the projected
    width is ``K * T * cos(yaw)`` and the projected torso has a vertical part ``T * cos(incl)``
    and a horizontal part ``T * sin(incl) * sin(yaw)``, where ``T`` is the 3D torso length,
    ``incl`` its inclination and ``K`` the body's width/torso ratio
    (:data:`WIDTH_TO_TORSO`). Those three equations give ``cos^2(yaw)`` as a root of a
    quadratic, whatever the inclination, so the cue works for upright, hinged and lying
    bodies alike (a plank seen head-on has a foreshortened torso, which a plain
    width/torso ratio would misread).

  The clip's yaw is the mean of the two cues' medians; ``side`` at or above
  :data:`SIDE_MIN_YAW_DEG`, ``front`` at or below :data:`FRONT_MAX_YAW_DEG`, else ``oblique``.
  A frame is labelled by those limits alone. A *clip* within :data:`VIEW_BAND_DEG` of the
  side limit is ``side-oblique``, "between side and oblique": the pose model's output differs
  slightly from one CPU to another (XNNPACK picks other kernels), so a clip at the limit would
  read side on one machine and oblique on another. In the band the clip is judged with the
  checks valid for both views (:func:`judged_views`: each frame that reads side or oblique
  is judged as the band, whose view confidence is the stricter of the two), so it gets the
  same verdict everywhere unless the noise carries it across a band edge, 2 x VIEW_BAND_DEG
  away from the other edge.
* **framing**: the head (nose), hips and feet (ankles) must be in the frame: a landmark is out
  when its normalised coordinates leave 0..1 (the model extrapolates) or its presence is
  below :data:`MIN_PRESENCE`.
* **size**: the person's larger landmark extent (vertical or horizontal, so a plank counts by
  its length) over the frame's long side.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from formcheck.errors import InputError
from formcheck.features import geometry as geo
from formcheck.features.core import (
    body_parts,
    facing_from_parts,
    majority_facing,
    series_body_parts,
)
from formcheck.series.landmarks import NUM_LANDMARKS, Landmark

if TYPE_CHECKING:
    from formcheck.series.core import PoseSeries


class View(StrEnum):
    """A camera view label, per frame or per clip (a ``str``: it compares with the text labels
    and serialises as them)."""

    SIDE = "side"  # yaw >= SIDE_MIN_YAW_DEG: the sagittal plane is seen as it is
    # A clip within VIEW_BAND_DEG of SIDE_MIN_YAW_DEG: between side and oblique (a clip label;
    # its frames are judged as it, see judged_views).
    SIDE_OBLIQUE = "side-oblique"
    FRONT = "front"  # yaw <= FRONT_MAX_YAW_DEG: facing (or turned away from) the camera
    OBLIQUE = "oblique"  # in between: sagittal angles are foreshortened
    UNKNOWN = "unknown"  # the yaw could not be estimated


SIDE_MIN_YAW_DEG = 60.0
FRONT_MAX_YAW_DEG = 30.0
# Half-width of the clip band around SIDE_MIN_YAW_DEG, sized from the model's noise on a
# clip's yaw (benchmarks/view_noise.py, lite model, 43 real side and oblique clips). The one
# cross-CPU pair measured on real hardware differed by 4.8 deg (deadlift_roundedback_side_10,
# 10 sampled frames: Xeon 50.9, EPYC 46.1). The model's own knobs show nothing here (delegate
# DEFAULT vs CPU, 1 core vs 2: bit-identical), so the stand-in is the smallest input change, one
# grey level of noise: it moved the clip yaw by p95 3.3 deg sampled as the real-clip test samples
# (p95 0.8 over every frame). 5 deg covers both. Two clips moved by 11.4-11.7 deg: their
# tracking took another path (lite model), a jump no band of sensible width absorbs; the
# real-clip test keeps side clips that far above the band instead.
VIEW_BAND_DEG = 5.0
# How the clip labels read in a sentence.
VIEW_WORDS = {View.SIDE_OBLIQUE: "between side and oblique"}
# Mean of (shoulder width, hip width) over the shoulder-hip midpoint distance of BlazePose's
# landmarks (the model's hip points are the hip joints, narrower than the pelvis). Calibrated
# with the full model on real clips of people squarely facing the camera (world cue < 5 deg):
# the 2D ratio was 0.46-0.59 there. Only the image cue uses it; an error in it shifts oblique
# yaws by a few degrees and does not change a clear side or front view.
WIDTH_TO_TORSO = 0.5
MIN_PRESENCE = 0.5
# A part must be in the frame on at least this fraction of the detected frames.
IN_FRAME_MIN_FRACTION = 0.9
# The person must span at least this fraction of the frame's long side, and this many pixels
# of the frames the model saw. Real side-view deadlift clips whose lifter spans 0.13-0.25 of
# a landscape frame's long side were still detected on every frame, so 0.25 would reject
# ordinary footage; below ~0.15 the detector (which sees the whole frame at 224 px) starts
# to lose people, and under ~100 px the landmarks get coarse.
MIN_EXTENT_FRAC = 0.15
MIN_EXTENT_PX = 100.0
# Cue disagreement (deg) that starts to cost confidence, and where confidence in them is 0.
CUE_AGREE_DEG = 15.0
CUE_DISAGREE_DEG = 45.0

# The parts that must be in the frame, by their landmarks (any one of them inside will do).
_FRAME_PARTS: dict[str, np.ndarray] = {
    "head": np.array([Landmark.NOSE]),
    "hips": np.array([Landmark.LEFT_HIP, Landmark.RIGHT_HIP]),
    "feet": np.array([Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE]),
}


@dataclass(frozen=True)
class ViewAssessment:
    """What the camera sees of the person over a stretch of frames.

    ``facing`` is "left"/"right" for side and oblique views: the image direction the person's
    front points to when upright, or the head's side for a prone body (see
    :mod:`formcheck.features.core`). ``yaw_deg`` is NaN when unknown. ``body_height_frac`` is the
    median over detected frames of the person's larger landmark extent (vertical or horizontal,
    clipped to the frame) over the frame's long side. ``confidence`` (0..1) is the detection
    rate times the mean of: how consistently frames agree with the view, how well the two yaw
    cues agree, and how far the yaw is from a class boundary. ``reasons`` lists problems in
    plain words; empty when all is well.
    """

    view: str
    facing: str | None
    yaw_deg: float
    body_in_frame: bool
    body_height_frac: float
    large_enough: bool
    confidence: float
    reasons: list[str] = field(default_factory=list)
    yaw_world_deg: float = math.nan
    yaw_image_deg: float = math.nan


@dataclass(frozen=True)
class FrameView:
    """The same questions for one frame (live set-up guidance): a row of :class:`FrameViews`."""

    view: str
    facing: str | None
    yaw_deg: float
    in_frame: bool
    out_of_frame: tuple[str, ...]
    extent_frac: float


@dataclass(frozen=True)
class FrameViews:
    """The per-frame view check of T frames, as columns; :meth:`row` is one frame's answer.

    One computation serves a whole series offline (rules, plank verdicts, annotated video, and
    the clip's :class:`ViewAssessment` through :func:`assess_views`) and a one-frame series live
    (rules and set-up guidance), so both label a frame alike.
    """

    yaw_deg: np.ndarray  # (T,) mean of the world and image cues, NaN when unknown
    view: np.ndarray  # (T,) str: side | front | oblique | unknown
    inside: dict[str, np.ndarray]  # part (head, hips, feet) -> (T,) bool: in the frame
    extent_frac: np.ndarray  # (T,) larger landmark extent over the frame's long side; 0 if none
    # The columns the clip's assessment summarises: each cue on its own, the extent in pixels
    # (NaN when nobody was found) and which frames have any landmark at all.
    yaw_world_deg: np.ndarray  # (T,)
    yaw_image_deg: np.ndarray  # (T,)
    extent_px: np.ndarray  # (T,)
    found: np.ndarray  # (T,) bool

    @property
    def in_frame(self) -> np.ndarray:
        """(T,) bool: every part in the frame."""
        return np.logical_and.reduce(list(self.inside.values()))

    def row(self, i: int, facing: int = 0) -> FrameView:
        """Frame ``i``; ``facing`` (+1/-1/0, the features' facing) is named for side views."""
        view = str(self.view[i])
        face = _FACING_WORDS.get(int(facing)) if view in ("side", "oblique") else None
        out = tuple(part for part, ok in self.inside.items() if not ok[i])
        return FrameView(
            view, face, float(self.yaw_deg[i]), not out, out, float(self.extent_frac[i])
        )


# ----------------------------------------------------------------------------- cues
def yaw_from_world(world: np.ndarray) -> np.ndarray:
    """(...,) yaw in degrees 0..90 from (..., 33, 3) world landmarks; NaN where unknown."""
    w = np.asarray(world, dtype=np.float64)
    dx = np.zeros(w.shape[:-2])
    dz = np.zeros(w.shape[:-2])
    seen = np.zeros(w.shape[:-2], dtype=bool)
    for left, right in ((Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
                        (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)):  # fmt: skip
        v = w[..., right, :] - w[..., left, :]
        ok = np.isfinite(v[..., 0]) & np.isfinite(v[..., 2])
        dx += np.where(ok, np.abs(v[..., 0]), 0.0)
        dz += np.where(ok, np.abs(v[..., 2]), 0.0)
        seen |= ok
    yaw = np.degrees(np.arctan2(dz, dx))
    return np.where(seen & ((dx > 0) | (dz > 0)), yaw, np.nan)


def yaw_from_image(pixels: np.ndarray, width_to_torso: float = WIDTH_TO_TORSO) -> np.ndarray:
    """(...,) yaw in degrees 0..90 from (..., 33, 2) image landmarks in pixels.

    Solves the projection model in the module docstring for ``c = cos^2(yaw)``:
    ``k^2 ty^2 c^2 - (k^2 (tx^2 + ty^2) + w^2) c + w^2 = 0`` (smaller root, always in 0..1),
    with ``w`` the mean 2D shoulder/hip width, ``(tx, ty)`` the 2D torso and ``k`` the
    width/torso ratio.
    """
    px = np.asarray(pixels, dtype=np.float64)
    ls, rs = px[..., Landmark.LEFT_SHOULDER, :], px[..., Landmark.RIGHT_SHOULDER, :]
    lh, rh = px[..., Landmark.LEFT_HIP, :], px[..., Landmark.RIGHT_HIP, :]
    w = 0.5 * (geo.distance(ls, rs) + geo.distance(lh, rh))
    torso = 0.5 * (ls + rs) - 0.5 * (lh + rh)
    tx2, ty2 = torso[..., 0] ** 2, torso[..., 1] ** 2
    k2 = width_to_torso**2
    a, b, c = k2 * ty2, k2 * (tx2 + ty2) + w * w, w * w
    with np.errstate(invalid="ignore", divide="ignore"):
        cos2 = 2.0 * c / (b + np.sqrt(np.maximum(b * b - 4.0 * a * c, 0.0)))
    yaw = np.degrees(np.arccos(np.sqrt(np.clip(cos2, 0.0, 1.0))))
    return np.where(b > 0, yaw, np.nan)


def _combine(yaw_world: np.ndarray, yaw_image: np.ndarray) -> np.ndarray:
    """The mean of the cues that are known (NaN when neither is).

    Written out pair-wise rather than as a nansum over a stack: the live loop calls this on
    every frame, where numpy's per-call overhead is most of the cost (the same numbers).
    """
    count = np.isfinite(yaw_world).astype(np.int64) + np.isfinite(yaw_image)
    total = np.where(np.isnan(yaw_world), 0.0, yaw_world) + np.where(
        np.isnan(yaw_image), 0.0, yaw_image
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def frame_yaw(series: PoseSeries) -> np.ndarray:
    """(T,) per-frame yaw estimate in degrees (mean of the world and image cues)."""
    return series_frame_views(series).yaw_deg


_VIEW_LABELS = np.array(["side", "front", "oblique", "unknown"])


def classify_yaw(yaw_deg: np.ndarray | float) -> np.ndarray:
    """ "side" / "front" / "oblique" / "unknown" for each yaw (degrees)."""
    yaw = np.asarray(yaw_deg, dtype=np.float64)
    # Indexes into _VIEW_LABELS (a third of np.select's cost on the live loop's one frame).
    code = np.where(yaw >= SIDE_MIN_YAW_DEG, 0, np.where(yaw <= FRONT_MAX_YAW_DEG, 1, 2))
    return _VIEW_LABELS[np.where(np.isfinite(yaw), code, 3)]


def classify_clip_yaw(yaw_deg: float) -> str:
    """The clip's view for its yaw: as :func:`classify_yaw`, with the side/oblique band."""
    if math.isfinite(yaw_deg) and abs(yaw_deg - SIDE_MIN_YAW_DEG) < VIEW_BAND_DEG:
        return View.SIDE_OBLIQUE.value
    return str(classify_yaw(yaw_deg))


def judged_views(views: FrameViews, clip_view: str) -> FrameViews:
    """The per-frame views the rules judge a clip by.

    A clip in the side/oblique band is judged with the checks valid for both views: its frames
    that read side or oblique are labelled ``side-oblique``, whose view confidence is the
    stricter of the two (:meth:`formcheck.exercises.base.ViewConfidence.for_view`), so a
    frame's own reading on one side of the limit or the other, which the model's noise can
    tip, does not change the verdict. Any other clip: the views unchanged.
    """
    if clip_view != View.SIDE_OBLIQUE:
        return views
    either = np.isin(views.view, (View.SIDE.value, View.OBLIQUE.value))
    return replace(views, view=np.where(either, View.SIDE_OBLIQUE.value, views.view))


def _in_frame(image: np.ndarray, presence: np.ndarray) -> dict[str, np.ndarray]:
    """Per part, (...,) bool: at least one of its landmarks is inside the frame."""
    xy = np.asarray(image, dtype=np.float64)[..., :2]
    pres = np.asarray(presence, dtype=np.float64)
    inside = np.all((xy >= 0.0) & (xy <= 1.0), axis=-1)
    # A missing presence (some saved datasets have none) is not held against the point.
    inside &= ~(pres < MIN_PRESENCE)
    return {part: inside[..., idx].any(axis=-1) for part, idx in _FRAME_PARTS.items()}


def _extent_px(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """(...,) larger of the person's horizontal and vertical landmark extent, in pixels."""
    xy = np.clip(np.asarray(image, dtype=np.float64)[..., :2], 0.0, 1.0)
    with np.errstate(invalid="ignore"), _quiet():
        span = np.nanmax(xy, axis=-2) - np.nanmin(xy, axis=-2)
    return np.maximum(span[..., 0] * width, span[..., 1] * height)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's all-NaN-slice warnings (an undetected frame is expected, not a bug)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


_FACING_WORDS = {1: "right", -1: "left"}


def _facing_word(facing: np.ndarray) -> str | None:
    """Majority facing of frames as a word, or None when too few frames agree."""
    return _FACING_WORDS.get(majority_facing(facing))


# ----------------------------------------------------------------------------- clip
def assess_view(series: PoseSeries, start: int = 0, stop: int | None = None) -> ViewAssessment:
    """Assess the view over frames ``start:stop`` of ``series``.

    Measures the series itself; the engine, which has measured it already, summarises its
    columns with :func:`assess_views` instead.
    """
    parts, _ = series_body_parts(series)  # the features' facing, without the other features
    size = (int(series.source.width), int(series.source.height))
    return assess_views(series_frame_views(series), facing_from_parts(parts), size, start, stop)


def assess_views(
    views: FrameViews,
    facing: np.ndarray,
    frame_size: tuple[int, int],
    start: int = 0,
    stop: int | None = None,
) -> ViewAssessment:
    """The view over frames ``start:stop``, summarised from their per-frame view check.

    ``facing`` is (T,) the features' per-frame facing (+1/-1/0,
    :attr:`formcheck.features.core.Features.facing`); ``frame_size`` is (width, height) of the
    frames the model saw. Only frames with a person in them count.
    """
    sel = slice(start, stop)
    detected = views.found[sel]
    n = detected.shape[0]
    n_det = int(detected.sum())
    if n_det == 0:
        reason = "no frames to check" if n == 0 else "nobody was detected in these frames"
        return ViewAssessment("unknown", None, math.nan, False, 0.0, False, 0.0, [reason])

    width, height = frame_size
    yaw_w = views.yaw_world_deg[sel][detected]
    yaw_i = views.yaw_image_deg[sel][detected]
    with _quiet():
        med_w = float(np.nanmedian(yaw_w)) if np.isfinite(yaw_w).any() else math.nan
        med_i = float(np.nanmedian(yaw_i)) if np.isfinite(yaw_i).any() else math.nan
    yaw = float(_combine(np.array(med_w), np.array(med_i)))
    view = classify_clip_yaw(yaw)
    reasons: list[str] = []

    det_rate = n_det / n
    if det_rate < 0.5:
        reasons.append(f"the person was detected on only {100 * det_rate:.0f}% of frames")

    # Confidence terms (each 0..1).
    per_frame = views.view[sel][detected]
    # Frames agree with the band when they read either of its views.
    agreeing = (
        (View.SIDE.value, View.OBLIQUE.value, View.SIDE_OBLIQUE.value)
        if view == View.SIDE_OBLIQUE
        else (view,)
    )
    stability = float(np.mean(np.isin(per_frame, agreeing))) if view != "unknown" else 0.0
    if np.isfinite(med_w) and np.isfinite(med_i):
        gap = abs(med_w - med_i)
        agree = float(np.clip(1 - (gap - CUE_AGREE_DEG) / (CUE_DISAGREE_DEG - CUE_AGREE_DEG), 0, 1))
        if gap > CUE_DISAGREE_DEG - CUE_AGREE_DEG:
            reasons.append(
                f"depth and image cues disagree about the camera angle ({med_w:.0f} vs "
                f"{med_i:.0f} deg)"
            )
    else:
        agree = 0.6 if np.isfinite(yaw) else 0.0
    if view == "unknown":
        margin = 0.0
    elif view == View.SIDE_OBLIQUE:
        margin = 0.5  # at the side limit by definition: as unsure as a view can be there
    else:
        bounds = {
            "side": [SIDE_MIN_YAW_DEG + VIEW_BAND_DEG],
            "front": [FRONT_MAX_YAW_DEG],
        }.get(view, [FRONT_MAX_YAW_DEG, SIDE_MIN_YAW_DEG - VIEW_BAND_DEG])
        dist = min(abs(yaw - b) for b in bounds)
        margin = float(np.clip(0.5 + dist / 20.0, 0.5, 1.0))
    if view != "unknown" and stability < 0.7:
        reasons.append(
            f"the camera angle changes: only {100 * stability:.0f}% of frames look {view}"
        )
    confidence = det_rate * (stability + agree + margin) / 3.0

    facing_word = None
    if view in ("side", "oblique", "side-oblique"):
        facing_word = _facing_word(np.asarray(facing)[sel][detected])

    inside = {part: ok[sel][detected] for part, ok in views.inside.items()}
    for part, ok in inside.items():
        out = 1.0 - float(np.mean(ok))
        if out > 1.0 - IN_FRAME_MIN_FRACTION:
            reasons.append(f"{part} out of frame on {100 * out:.0f}% of frames")
    body_in_frame = all(float(np.mean(ok)) >= IN_FRAME_MIN_FRACTION for ok in inside.values())

    extent = views.extent_px[sel][detected]
    long_side = float(max(width, height))
    extent_px = float(np.nanmedian(extent)) if np.isfinite(extent).any() else 0.0
    frac = extent_px / long_side if long_side > 0 else 0.0
    large_enough = frac >= MIN_EXTENT_FRAC and extent_px >= MIN_EXTENT_PX
    if not large_enough:
        reasons.append(
            f"the person is small in the frame ({100 * frac:.0f}% of its long side, "
            f"{extent_px:.0f} px): move the camera closer"
        )

    return ViewAssessment(
        view=view,
        facing=facing_word,
        yaw_deg=yaw,
        body_in_frame=body_in_frame,
        body_height_frac=frac,
        large_enough=large_enough,
        confidence=float(np.clip(confidence, 0.0, 1.0)),
        reasons=reasons,
        yaw_world_deg=med_w,
        yaw_image_deg=med_i,
    )


def frame_views(
    image: np.ndarray,
    world: np.ndarray,
    presence: np.ndarray,
    pixels: np.ndarray,
    width: int,
    height: int,
) -> FrameViews:
    """The view check of each frame: (T, 33, 3) image and world, (T, 33) presence, (T, 33, 2)
    image landmarks in pixels, and the pixel size of the frames the model saw."""
    yaw_world, yaw_image = yaw_from_world(world), yaw_from_image(pixels)
    yaw = _combine(yaw_world, yaw_image)
    extent = _extent_px(image, width, height)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(np.isfinite(extent), extent / max(width, height), 0.0)
    return FrameViews(
        yaw_deg=yaw,
        view=classify_yaw(yaw).astype(str),
        inside=_in_frame(image, presence),
        extent_frac=frac,
        yaw_world_deg=yaw_world,
        yaw_image_deg=yaw_image,
        extent_px=extent,
        found=np.isfinite(np.asarray(image)[..., :2]).all(axis=-1).any(axis=-1),
    )


def series_frame_views(series: PoseSeries) -> FrameViews:
    """:func:`frame_views` of every frame of a series.

    The image cue reads pixels scaled in float64 (not :meth:`PoseSeries.pixels`' float32), as
    the clip's view assessment always has, so its yaw numbers are unchanged.
    """
    width, height = int(series.source.width), int(series.source.height)
    pixels = np.asarray(series.image[..., :2], dtype=np.float64) * np.array(
        [width, height], dtype=np.float64
    )
    return frame_views(series.image, series.world, series.presence, pixels, width, height)


def assess_frame_view(
    image: np.ndarray,
    world: np.ndarray,
    visibility: np.ndarray,
    presence: np.ndarray,
    frame_size: tuple[int, int] | None = None,
) -> FrameView:
    """One frame's view: (33, 3) image and world, (33,) visibility and presence.

    The one-frame form of :func:`frame_views`, with the person's facing. ``frame_size`` is
    (width, height) in pixels; without it the frame is taken as square, which distorts the
    image cue and the extent for non-square frames.
    """
    img = np.asarray(image, dtype=np.float64)
    wld = np.asarray(world, dtype=np.float64)
    vis = np.asarray(visibility, dtype=np.float64)
    pres = np.asarray(presence, dtype=np.float64)
    shapes = (img.shape, wld.shape, vis.shape, pres.shape)
    if shapes != ((NUM_LANDMARKS, 3), (NUM_LANDMARKS, 3), (NUM_LANDMARKS,), (NUM_LANDMARKS,)):
        raise InputError(
            f"assess_frame_view got arrays shaped {shapes}.",
            f"Pass one frame: image and world ({NUM_LANDMARKS}, 3), visibility and presence "
            f"({NUM_LANDMARKS},).",
        )
    width, height = frame_size if frame_size is not None else (1, 1)
    px = img[None, :, :2] * np.array([width, height], dtype=np.float64)
    views = frame_views(img[None], wld[None], pres[None], px, width, height)
    facing = 0
    if views.view[0] in ("side", "oblique"):
        parts, _ = body_parts(px, vis[None])
        facing = int(facing_from_parts(parts)[0])
    return views.row(0, facing)


def view_matches_label(assessment: ViewAssessment, label: str, tolerance_deg: float = 10.0) -> bool:
    """Whether an assessment agrees with a human view label (side/front/oblique/unknown).

    Meant for tests against labelled real clips: an "unknown" label matches anything, and a
    yaw within ``tolerance_deg`` of the labelled class's range counts as agreeing, because
    people label a 55-degree view "side" as readily as "oblique".
    """
    ranges = {
        "side": (SIDE_MIN_YAW_DEG, 90.0),
        "front": (0.0, FRONT_MAX_YAW_DEG),
        "oblique": (FRONT_MAX_YAW_DEG, SIDE_MIN_YAW_DEG),
    }
    label = label.strip().lower()
    if label == "unknown":
        return True
    if label not in ranges:
        raise InputError(
            f"Unknown view label {label!r}.", "Use one of: side, front, oblique, unknown."
        )
    if assessment.view == label:
        return True
    lo, hi = ranges[label]
    yaw = assessment.yaw_deg
    return bool(np.isfinite(yaw) and lo - tolerance_deg <= yaw <= hi + tolerance_deg)


def frame_view_labels(
    series: PoseSeries, views: FrameViews | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: the view label ((T,) str) and whether the whole body is in frame ((T,) bool).

    ``views``: the series' per-frame view check when already measured (else measured here).
    """
    views = views if views is not None else series_frame_views(series)
    return views.view, views.in_frame & series.detected
