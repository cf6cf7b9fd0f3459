"""View checks on hand-made 3D skeletons seen through a pinhole camera written here.

Camera coordinates: x right, y down, z away from the camera (MediaPipe's world axes). World
landmarks are the joints minus the hip centre; image landmarks are their pinhole projection,
so both views of the body agree exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.errors import InputError
from formcheck.features.view import (
    ViewAssessment,
    assess_frame_view,
    assess_view,
    classify_yaw,
    frame_yaw,
    view_matches_label,
    yaw_from_image,
    yaw_from_world,
)
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import SIDE_PAIRS, Landmark

L = Landmark
W, H, FOCAL = 1280, 720, 1000.0
UP = np.array([0.0, -1.0, 0.0])

# Body points as (lateral to the right, height, forward) in metres from the hip centre. The
# widths follow BlazePose's landmarks (hip points at the hip joints): mean width/torso = 0.5.
# "forward" is where the chest points for the standing body and where the head points for the
# plank (prone, chest down).
_MID = {L.NOSE: (0.0, 0.70, 0.11)}
_PAIRS_STANDING = {
    "shoulder": (0.16, 0.50, 0.0),
    "hip": (0.09, 0.0, 0.0),
    "elbow": (0.19, 0.22, 0.0),
    "wrist": (0.19, -0.03, 0.05),
    "knee": (0.1, -0.45, 0.02),
    "ankle": (0.1, -0.88, 0.0),
    "heel": (0.1, -0.93, -0.06),
    "foot_index": (0.1, -0.95, 0.15),
    "ear": (0.07, 0.68, -0.02),
    "eye": (0.035, 0.72, 0.08),
}
_PAIRS_HINGE = {  # torso tipped forward ~80 degrees, arms hanging
    "shoulder": (0.16, 0.09, 0.49),
    "hip": (0.09, 0.0, 0.0),
    "elbow": (0.19, -0.19, 0.52),
    "wrist": (0.19, -0.44, 0.55),
    "knee": (0.1, -0.45, 0.06),
    "ankle": (0.1, -0.88, 0.0),
    "heel": (0.1, -0.93, -0.06),
    "foot_index": (0.1, -0.95, 0.15),
    "ear": (0.07, 0.12, 0.68),
    "eye": (0.035, 0.06, 0.74),
}
_MID_HINGE = {L.NOSE: (0.0, 0.02, 0.74)}
_PAIRS_PLANK = {
    "shoulder": (0.16, 0.05, 0.50),
    "hip": (0.09, 0.0, 0.0),
    "elbow": (0.16, -0.25, 0.50),
    "wrist": (0.10, -0.30, 0.75),
    "knee": (0.09, -0.05, -0.45),
    "ankle": (0.09, -0.10, -0.90),
    "heel": (0.09, -0.02, -0.95),
    "foot_index": (0.09, -0.20, -0.92),
    "ear": (0.07, 0.03, 0.68),
    "eye": (0.035, -0.02, 0.72),
}
_MID_PLANK = {L.NOSE: (0.0, -0.04, 0.74)}
POSES = {
    "standing": (_PAIRS_STANDING, _MID),
    "hinge": (_PAIRS_HINGE, _MID_HINGE),
    "plank": (_PAIRS_PLANK, _MID_PLANK),
}


def body_points(pose: str) -> np.ndarray:
    """(33, 3) body-frame points (lateral, height, forward); unused landmarks copy neighbours."""
    pairs, mids = POSES[pose]
    pts = np.zeros((33, 3))
    for name, (left, right) in SIDE_PAIRS.items():
        lat, height, fwd = pairs[name]
        pts[left] = (-lat, height, fwd)
        pts[right] = (lat, height, fwd)
    for idx, p in mids.items():
        pts[idx] = p
    for left, right, src_l, src_r in (
        (L.LEFT_EYE_INNER, L.RIGHT_EYE_INNER, L.LEFT_EYE, L.RIGHT_EYE),
        (L.LEFT_EYE_OUTER, L.RIGHT_EYE_OUTER, L.LEFT_EYE, L.RIGHT_EYE),
        (L.MOUTH_LEFT, L.MOUTH_RIGHT, L.NOSE, L.NOSE),
        (L.LEFT_PINKY, L.RIGHT_PINKY, L.LEFT_WRIST, L.RIGHT_WRIST),
        (L.LEFT_INDEX, L.RIGHT_INDEX, L.LEFT_WRIST, L.RIGHT_WRIST),
        (L.LEFT_THUMB, L.RIGHT_THUMB, L.LEFT_WRIST, L.RIGHT_WRIST),
    ):
        pts[left], pts[right] = pts[src_l], pts[src_r]
    return pts


def camera_frame(
    pose: str, yaw_deg: float, distance: float = 2.8, hip_height: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """(image (33, 3) normalised, world (33, 3) metres) of ``pose`` turned ``yaw_deg``.

    yaw 0: the body's forward direction points at the camera; +90: it points to image +x.
    ``hip_height`` moves the hips down in camera y (positive = lower in the image).
    """
    pts = body_points(pose)
    r = math.radians(yaw_deg)
    forward = np.array([math.sin(r), 0.0, -math.cos(r)])
    right = np.cross(forward, UP)
    hip_centre = np.array([0.0, hip_height, distance])
    cam = hip_centre + pts[:, :1] * right + pts[:, 1:2] * UP + pts[:, 2:3] * forward
    u = FOCAL * cam[:, 0] / cam[:, 2] + W / 2
    v = FOCAL * cam[:, 1] / cam[:, 2] + H / 2
    image = np.stack([u / W, v / H, (cam[:, 2] - distance) / 2.0], axis=-1)
    world = cam - hip_centre
    return image, world


def make_series(frames: list[tuple[np.ndarray, np.ndarray]], presence: float = 0.99):
    series = PoseSeries.empty(SourceInfo("synthetic", W, H, 30.0), len(frames))
    for i, (image, world) in enumerate(frames):
        series.image[i], series.world[i] = image, world
        series.visibility[i] = 0.9
        series.presence[i] = presence
        series.num_people[i] = 1
    return series


def assess(pose: str, yaw: float, n: int = 8, **kw) -> ViewAssessment:
    return assess_view(make_series([camera_frame(pose, yaw, **kw)] * n))


# ----------------------------------------------------------------------------- yaw
@pytest.mark.parametrize("pose", list(POSES))
@pytest.mark.parametrize("yaw", [0.0, 30.0, 45.0, 60.0, 90.0])
def test_yaw_cues(pose, yaw):
    image, world = camera_frame(pose, yaw)
    assert float(yaw_from_world(world)) == pytest.approx(yaw, abs=0.5)  # exact 3D
    px = image[:, :2] * [W, H]
    # The image cue assumes an orthographic camera; perspective costs a few degrees.
    assert float(yaw_from_image(px)) == pytest.approx(yaw, abs=8.0)


@pytest.mark.parametrize("pose", list(POSES))
@pytest.mark.parametrize(
    ("yaw", "views"),
    [
        (0.0, {"front"}),
        (30.0, {"front", "oblique"}),
        (45.0, {"oblique"}),
        (60.0, {"side-oblique"}),  # on the limit: the band between side and oblique
        (75.0, {"side"}),
        (90.0, {"side"}),
        (-90.0, {"side"}),
        (-45.0, {"oblique"}),
    ],
)
def test_assess_view_classes(pose, yaw, views):
    a = assess(pose, yaw)
    assert a.view in views
    assert a.yaw_deg == pytest.approx(abs(yaw), abs=6.0)
    assert a.body_in_frame
    if pose == "plank" and abs(yaw) < 20:
        # Seen head-on a plank is foreshortened to a small patch of the frame.
        assert not a.large_enough
    else:
        assert a.large_enough and a.reasons == []
    if a.view == "front":
        assert a.facing is None
    else:
        assert a.facing == ("right" if yaw > 0 else "left")
    assert 0.5 < a.confidence <= 1.0


def test_clear_views_are_confident():
    side, front, mid = assess("standing", 90.0), assess("plank", 0.0), assess("hinge", 45.0)
    assert side.confidence > 0.9 and front.confidence > 0.9 and mid.confidence > 0.9
    near_boundary = assess("hinge", 57.0)
    assert near_boundary.confidence < 0.9


def test_label_swap_and_noise_do_not_change_the_view():
    rng = np.random.default_rng(0)
    frames = []
    for i in range(30):
        image, world = camera_frame("hinge", 80.0)
        image = image + rng.normal(0, 0.002, image.shape)
        world = world + rng.normal(0, 0.01, world.shape)
        if i % 3 == 0:  # the model swaps left/right labels now and then
            for left, right in SIDE_PAIRS.values():
                image[[left, right]] = image[[right, left]]
                world[[left, right]] = world[[right, left]]
        frames.append((image, world))
    a = assess_view(make_series(frames))
    assert a.view == "side" and a.facing == "right"
    assert a.yaw_deg == pytest.approx(80.0, abs=6.0)
    assert a.confidence > 0.8


def test_frame_yaw_per_frame_and_classify():
    series = make_series([camera_frame("standing", y) for y in (0.0, 45.0, 90.0)])
    yaw = frame_yaw(series)
    np.testing.assert_allclose(yaw, [0.0, 45.0, 90.0], atol=6.0)
    assert list(classify_yaw([0.0, 45.0, 90.0, np.nan])) == ["front", "oblique", "side", "unknown"]


def test_start_stop_select_frames():
    frames = [camera_frame("plank", 90.0)] * 10 + [camera_frame("plank", 0.0)] * 10
    series = make_series(frames)
    assert assess_view(series, 0, 10).view == "side"
    assert assess_view(series, 10).view == "front"
    mixed = assess_view(series)
    assert mixed.confidence < 0.8
    assert any("camera angle changes" in r for r in mixed.reasons)


# ----------------------------------------------------------------------------- framing and size
def test_feet_cropped_by_coordinates():
    # Hips lower in the picture: the feet project below the bottom edge.
    a = assess("standing", 90.0, hip_height=0.5)
    assert not a.body_in_frame
    assert any(r.startswith("feet out of frame on 100%") for r in a.reasons)
    assert a.view == "side"  # the view itself is still known


def test_head_out_by_presence_on_some_frames():
    frames = [camera_frame("plank", 90.0)] * 10
    series = make_series(frames)
    series.presence[:4, L.NOSE] = 0.1  # the model says the nose is outside the frame
    a = assess_view(series)
    assert not a.body_in_frame
    assert "head out of frame on 40% of frames" in a.reasons
    series.presence[:4, L.NOSE] = 0.99
    series.presence[:1, L.NOSE] = 0.1  # 10% is tolerated
    assert assess_view(series).body_in_frame


def test_one_hip_or_ankle_in_frame_is_enough():
    series = make_series([camera_frame("standing", 90.0)] * 5)
    series.presence[:, L.LEFT_ANKLE] = 0.1
    series.presence[:, L.LEFT_HIP] = 0.1
    assert assess_view(series).body_in_frame


def test_small_person():
    span = 0.72 + 0.95  # eyes to toes, metres
    a = assess("standing", 90.0, distance=12.0)
    assert a.body_height_frac == pytest.approx(span * FOCAL / 12.0 / W, rel=0.05)
    assert not a.large_enough
    assert any("small in the frame" in r for r in a.reasons)
    b = assess("standing", 90.0)
    assert b.large_enough and b.body_height_frac == pytest.approx(span * FOCAL / 2.8 / W, rel=0.05)


def test_plank_extent_counts_its_length():
    a = assess("plank", 90.0)
    assert a.large_enough
    assert a.body_height_frac > 0.35


# ----------------------------------------------------------------------------- degenerate
def test_nobody_detected():
    series = PoseSeries.empty(SourceInfo("x", W, H, 30.0), 12)
    a = assess_view(series)
    assert a.view == "unknown" and a.facing is None and math.isnan(a.yaw_deg)
    assert a.confidence == 0.0 and not a.body_in_frame and not a.large_enough
    assert a.reasons == ["nobody was detected in these frames"]
    assert assess_view(PoseSeries.empty(SourceInfo("x", W, H, 30.0), 0)).view == "unknown"


def test_low_detection_rate_costs_confidence():
    frames = [camera_frame("standing", 90.0)] * 10
    series = make_series(frames)
    full = assess_view(series)
    series.image[:7] = np.nan
    series.world[:7] = np.nan
    partial = assess_view(series)
    assert partial.view == "side"
    assert partial.confidence < 0.5 * full.confidence
    assert any("detected on only 30%" in r for r in partial.reasons)


# ----------------------------------------------------------------------------- live
@pytest.mark.parametrize(("pose", "yaw"), [("standing", 90.0), ("plank", -80.0), ("hinge", 0.0)])
def test_frame_view_matches_clip_view(pose, yaw):
    image, world = camera_frame(pose, yaw)
    fv = assess_frame_view(image, world, np.full(33, 0.9), np.full(33, 0.99), (W, H))
    clip = assess(pose, yaw, n=1)
    assert fv.view == clip.view and fv.facing == clip.facing
    assert fv.yaw_deg == pytest.approx(clip.yaw_deg, abs=1e-3)  # the series stores float32
    assert fv.in_frame and fv.out_of_frame == ()
    assert fv.extent_frac == pytest.approx(clip.body_height_frac, rel=1e-6)


def test_frame_view_out_of_frame_and_errors():
    image, world = camera_frame("standing", 90.0, hip_height=0.5)
    fv = assess_frame_view(image, world, np.full(33, 0.9), np.full(33, 0.99), (W, H))
    assert not fv.in_frame and fv.out_of_frame == ("feet",)
    empty = np.full((33, 3), np.nan)
    fv = assess_frame_view(empty, empty, np.full(33, np.nan), np.full(33, np.nan))
    assert fv.view == "unknown" and not fv.in_frame
    with pytest.raises(InputError):
        assess_frame_view(np.zeros((17, 3)), world, np.ones(33), np.ones(33))


def test_view_matches_label():
    side, oblique = assess("standing", 90.0), assess("standing", 66.0)
    assert view_matches_label(side, "side") and not view_matches_label(side, "front")
    assert view_matches_label(oblique, "side")
    assert view_matches_label(oblique, "oblique")  # within the 10-degree tolerance of 60
    assert not view_matches_label(side, "oblique")
    assert view_matches_label(side, "unknown")
    with pytest.raises(InputError):
        view_matches_label(side, "top")


# ----------------------------------------------------------------------------- the band
def test_a_clip_near_the_side_limit_reads_between_side_and_oblique():
    from formcheck.features.view import (
        SIDE_MIN_YAW_DEG,
        VIEW_BAND_DEG,
        VIEW_WORDS,
        classify_clip_yaw,
    )

    below, above = SIDE_MIN_YAW_DEG - VIEW_BAND_DEG, SIDE_MIN_YAW_DEG + VIEW_BAND_DEG
    # Noise smaller than the band never moves a clip at the limit out of it.
    for yaw in (SIDE_MIN_YAW_DEG - 4.9, SIDE_MIN_YAW_DEG, SIDE_MIN_YAW_DEG + 4.9):
        assert classify_clip_yaw(yaw) == "side-oblique"
    assert classify_clip_yaw(below - 0.1) == "oblique"
    assert classify_clip_yaw(above) == "side"
    assert classify_clip_yaw(float("nan")) == "unknown"
    assert VIEW_WORDS["side-oblique"] == "between side and oblique"
    # A frame is labelled by the limit alone.
    assert classify_yaw(SIDE_MIN_YAW_DEG - 1) == "oblique"


def test_a_banded_clip_is_judged_with_the_checks_valid_for_both_views():
    from formcheck.exercises.base import ViewConfidence
    from formcheck.features.view import judged_views

    views = frame_views_of(np.array([58.0, 62.0, 10.0, np.nan]))
    judged = judged_views(views, "side-oblique")
    assert list(judged.view) == ["side-oblique", "side-oblique", "front", "unknown"]
    assert judged_views(views, "side") is views  # any other clip: unchanged
    conf = ViewConfidence(side=1.0, oblique=0.6, unknown=0.5, front=0.0)
    assert conf.for_view("side-oblique") == 0.6  # the stricter of side and oblique
    assert ViewConfidence(side=0.5, oblique=0.8, unknown=0, front=0).for_view("side-oblique") == 0.5


def frame_views_of(yaw: np.ndarray):
    """FrameViews whose frames have these yaws (the other columns do not matter here)."""
    from formcheck.features.view import FrameViews

    n = len(yaw)
    return FrameViews(
        yaw_deg=yaw,
        view=classify_yaw(yaw).astype(str),
        inside={"head": np.ones(n, bool)},
        extent_frac=np.full(n, 0.5),
        yaw_world_deg=yaw,
        yaw_image_deg=yaw,
        extent_px=np.full(n, 300.0),
        found=np.isfinite(yaw),
    )


def test_the_engine_judges_a_banded_clip_by_the_band(monkeypatch):
    # A standing body turned 58 deg: each frame reads oblique by the limit, the clip is in
    # the band, and the rule is handed the band's label on every frame.
    from formcheck.engine.analyze import analyze_series
    from formcheck.exercises import registry

    series = make_series([camera_frame("standing", 58.0)] * 40)
    assert set(classify_yaw(frame_yaw(series))) == {"oblique"}
    spec = registry.all_specs()[0]
    rule_type = type(spec.make_rule(registry.complete_configs({})[spec.id]))
    original = rule_type.evaluate
    seen: list[str] = []

    def spy(self, judged, *, measures=None):
        seen.extend(str(v) for v in measures.views.view)
        return original(self, judged, measures=measures)

    monkeypatch.setattr(rule_type, "evaluate", spy)
    result = analyze_series(series, spec.id)
    assert result.view is not None and result.view.view == "side-oblique"
    assert set(seen) == {"side-oblique"}
