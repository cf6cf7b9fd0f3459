from __future__ import annotations

import numpy as np
import pytest

from formcheck.errors import InputError
from formcheck.features.core import (
    FEATURE_DEFINITIONS,
    NOSE_NECK_OFFSET_DEG,
    compute_features,
    compute_frame_features,
    majority_facing,
)
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import SIDE_PAIRS, Landmark

W, H = 1920, 1080  # a wide frame: features must come out in pixels, undistorted
L = Landmark
FAR_OFFSET = np.array([7.0, -5.0])  # where the far side's landmarks sit relative to the near ones
NEAR_VIS, FAR_VIS = 0.95, 0.6
# Midpoints of the pairs sit this far from the near side; single points get the same shift.
MID_SHIFT = FAR_OFFSET * FAR_VIS / (NEAR_VIS + FAR_VIS)
# Landmarks are stored as float32 fractions of a 1920 px frame: ~1e-4 px, ~3e-5 degrees.
TOL = 1e-4
# The ear->nose segment is only ~40 px long, so its direction is a few times less precise.
HEAD_TOL = 5e-4

SIGNED = (
    "shoulder_flexion",
    "trunk_lean",
    "neck_flexion",
    "head_pitch",
    "hip_line_offset",
    "hip_line_offset_knee",
    "shoulder_ahead_of_hip",
    "ankle_to_hip_dx",
    "knee_ahead_of_toe",
)


def up(deg: float) -> np.ndarray:
    """Unit vector tilted ``deg`` from vertical-up toward +x (y points down)."""
    r = np.radians(deg)
    return np.array([np.sin(r), -np.cos(r)])


def down(deg: float) -> np.ndarray:
    """Unit vector tilted ``deg`` from vertical-down toward +x."""
    r = np.radians(deg)
    return np.array([np.sin(r), np.cos(r)])


def skeleton(parts: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(33, 2) pixels and (33,) visibility from near-side part positions (facing +x).

    The far side is the near side shifted by FAR_OFFSET with lower visibility, as in a side
    view; a pure shift keeps every angle of the visibility-weighted midpoints.
    """
    px = np.full((33, 2), np.nan)
    vis = np.zeros(33)
    for name, (left, right) in SIDE_PAIRS.items():
        if name in parts:
            px[left], vis[left] = parts[name], NEAR_VIS
            px[right], vis[right] = parts[name] + FAR_OFFSET, FAR_VIS
    for name, idx in (("nose", L.NOSE), ("nose", L.MOUTH_LEFT), ("nose", L.MOUTH_RIGHT)):
        if name in parts:
            px[idx], vis[idx] = parts[name] + MID_SHIFT, NEAR_VIS
    for idx in (L.LEFT_PINKY, L.LEFT_INDEX, L.LEFT_THUMB):
        px[idx], vis[idx] = px[L.LEFT_WRIST], NEAR_VIS
    for idx in (L.RIGHT_PINKY, L.RIGHT_INDEX, L.RIGHT_THUMB):
        px[idx], vis[idx] = px[L.RIGHT_WRIST], FAR_VIS
    for idx in (L.LEFT_EYE_INNER, L.LEFT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_EYE_OUTER):
        px[idx], vis[idx] = px[L.LEFT_EYE], NEAR_VIS
    return px, vis


def upright(
    trunk=0.0, thigh=0.0, shank=0.0, shoulder=0.0, elbow=0.0, neck=0.0, heel=0.0
) -> dict[str, np.ndarray]:
    """A right-facing body from segment angles (degrees, + toward the front).

    trunk/thigh/shank: tilt from vertical of hip->shoulder, knee->hip, ankle->knee.
    shoulder: flexion of the upper arm from the trunk line; elbow: elbow flexion;
    neck: neck flexion; heel: heel rise angle of the foot about the toe.
    """
    ankle = np.array([900.0, 950.0])
    knee = ankle + 220 * up(shank)
    hip = knee + 230 * up(thigh)
    sh = hip + 250 * up(trunk)
    elbow_pt = sh + 150 * down(shoulder - trunk)
    wrist = elbow_pt + 130 * down(shoulder - trunk + elbow)
    ear = sh + 90 * up(trunk + neck)
    nose = ear + 90 * np.tan(np.radians(NOSE_NECK_OFFSET_DEG)) * up(trunk + neck + 90)
    eye = 0.5 * (ear + nose) + 8 * up(trunk + neck)
    toe = ankle + np.array([60.0, 30.0])
    heel_pt = toe + 85 * np.array([-np.cos(np.radians(heel)), -np.sin(np.radians(heel))])
    return {
        "shoulder": sh,
        "elbow": elbow_pt,
        "wrist": wrist,
        "hip": hip,
        "knee": knee,
        "ankle": ankle,
        "heel": heel_pt,
        "foot_index": toe,
        "ear": ear,
        "eye": eye,
        "nose": nose,
    }


def plank(hip_drop=0.0, elbow_dx=0.0, neck=0.0, knee_plank=False) -> dict[str, np.ndarray]:
    """A right-facing forearm plank (head at +x); ``hip_drop`` px toward the ground (+y)."""
    sh = np.array([1300.0, 600.0])
    ankle = np.array([500.0, 700.0])
    hip = 0.5 * (sh + ankle) + np.array([0.0, hip_drop])
    knee = 0.5 * (hip + ankle)
    if knee_plank:  # knees on the ground, shins resting on it too
        knee = np.array([800.0, 770.0])
        hip = sh + 0.55 * (knee - sh) + np.array([0.0, hip_drop])
        ankle = np.array([560.0, 760.0])
    elbow_pt = np.array([sh[0] + elbow_dx, 760.0])
    wrist = elbow_pt + np.array([140.0, 0.0])
    axis = (sh - hip) / np.linalg.norm(sh - hip)
    anterior = np.array([-axis[1], axis[0]])  # toward the ground for this plank
    r = np.radians(neck)
    neck_dir = np.cos(r) * axis + np.sin(r) * anterior
    ear = sh + 90 * neck_dir
    nose = ear + 40 * (np.array([-neck_dir[1], neck_dir[0]]))
    return {
        "shoulder": sh,
        "elbow": elbow_pt,
        "wrist": wrist,
        "hip": hip,
        "knee": knee,
        "ankle": ankle,
        "heel": ankle + np.array([-10.0, -40.0]),
        "foot_index": ankle + np.array([15.0, 30.0]),
        "ear": ear,
        "eye": 0.5 * (ear + nose),
        "nose": nose,
    }


def series_of(frames: list[tuple[np.ndarray, np.ndarray]]) -> PoseSeries:
    series = PoseSeries.empty(SourceInfo("synthetic", W, H, 30.0), len(frames))
    for i, (px, vis) in enumerate(frames):
        series.image[i, :, 0] = px[:, 0] / W
        series.image[i, :, 1] = px[:, 1] / H
        series.image[i, :, 2] = 0.0
        series.visibility[i] = vis
        series.presence[i] = 0.99
        series.num_people[i] = 1
    return series


def feats(parts: dict[str, np.ndarray]) -> dict[str, float]:
    out = compute_features(series_of([skeleton(parts)]))
    values = {k: float(v[0]) for k, v in out.values.items()}
    values["facing"] = float(out.facing[0])
    return values


def mirror(px: np.ndarray) -> np.ndarray:
    out = px.copy()
    out[:, 0] = W - out[:, 0]
    return out


def swap_labels(px: np.ndarray, vis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    px, vis = px.copy(), vis.copy()
    pairs = list(SIDE_PAIRS.values()) + [
        (L.LEFT_EYE_INNER, L.RIGHT_EYE_INNER),
        (L.LEFT_EYE_OUTER, L.RIGHT_EYE_OUTER),
        (L.MOUTH_LEFT, L.MOUTH_RIGHT),
        (L.LEFT_PINKY, L.RIGHT_PINKY),
        (L.LEFT_INDEX, L.RIGHT_INDEX),
        (L.LEFT_THUMB, L.RIGHT_THUMB),
    ]
    for left, right in pairs:
        px[[left, right]] = px[[right, left]]
        vis[[left, right]] = vis[[right, left]]
    return px, vis


# ----------------------------------------------------------------------------- definitions
def test_every_feature_is_defined_and_computed():
    out = compute_features(series_of([skeleton(upright())]))
    assert list(out.values) == list(FEATURE_DEFINITIONS)
    assert all(len(text) > 20 for text in FEATURE_DEFINITIONS.values())
    for arr in out.values.values():
        assert arr.dtype == np.float64 and arr.shape == (1,)
    assert out.facing.dtype == np.int8
    assert out["hip_flexion"] is out.values["hip_flexion"]
    with pytest.raises(KeyError, match="known features"):
        out["spine_curve"]


def test_standing_tall():
    f = feats(upright())
    assert f["facing"] == 1
    for name in (
        "hip_flexion",
        "knee_flexion",
        "elbow_flexion",
        "shoulder_flexion",
        "trunk_inclination",
        "trunk_lean",
        "neck_flexion",
        "hip_line_offset",
        "body_line_angle",
        "heel_rise",
        "shoulder_ahead_of_hip",
    ):
        assert f[name] == pytest.approx(0.0, abs=TOL), name
    assert f["wrist_height"] == pytest.approx(-280 / 250)
    assert f["torso_length_px"] == pytest.approx(250.0)
    assert f["body_length_px"] == pytest.approx(700.0)
    assert np.isnan(f["upper_arm_from_vertical"])  # no "toward the head" for an upright trunk


@pytest.mark.parametrize(
    "pose",
    [
        dict(trunk=90.0),  # hinged 90 degrees, legs straight
        dict(trunk=60.0, thigh=-10.0, shank=10.0, shoulder=60.0),  # Romanian deadlift-ish
        dict(trunk=40.0, thigh=-70.0, shank=35.0, shoulder=50.0, elbow=30.0),  # squat
        dict(trunk=-15.0, shoulder=-20.0, neck=-25.0),  # leaning back, craning
        dict(trunk=20.0, neck=35.0, heel=20.0),  # head dropped, up on the toes
    ],
)
def test_angles_recovered(pose):
    p = upright(**pose)
    f = feats(p)
    trunk, thigh, shank = pose.get("trunk", 0.0), pose.get("thigh", 0.0), pose.get("shank", 0.0)
    assert f["facing"] == 1
    assert f["hip_flexion"] == pytest.approx(abs(trunk - thigh), abs=TOL)
    assert f["knee_flexion"] == pytest.approx(abs(shank - thigh), abs=TOL)
    assert f["trunk_inclination"] == pytest.approx(abs(trunk), abs=TOL)
    assert f["trunk_lean"] == pytest.approx(trunk, abs=TOL)
    assert f["shoulder_flexion"] == pytest.approx(pose.get("shoulder", 0.0), abs=TOL)
    assert f["elbow_flexion"] == pytest.approx(pose.get("elbow", 0.0), abs=TOL)
    assert f["neck_flexion"] == pytest.approx(pose.get("neck", 0.0), abs=TOL)
    assert f["heel_rise"] == pytest.approx(np.sin(np.radians(pose.get("heel", 0.0))), abs=TOL)
    torso = 250.0
    assert f["shoulder_ahead_of_hip"] == pytest.approx(
        (p["shoulder"][0] - p["hip"][0]) / torso, abs=TOL
    )
    assert f["ankle_to_hip_dx"] == pytest.approx((p["hip"][0] - p["ankle"][0]) / torso, abs=TOL)
    assert f["knee_ahead_of_toe"] == pytest.approx(
        (p["knee"][0] - p["foot_index"][0]) / torso, abs=TOL
    )


def test_hinge_values():
    f = feats(upright(trunk=90.0, shoulder=90.0))  # torso level, arms hanging to the floor
    assert f["hip_flexion"] == pytest.approx(90.0)
    assert f["trunk_lean"] == pytest.approx(90.0)
    assert f["shoulder_ahead_of_hip"] == pytest.approx(1.0)
    assert f["upper_arm_from_vertical"] == pytest.approx(0.0, abs=TOL)
    assert f["hip_line_offset"] > 0.2  # hips pushed back of the shoulder-ankle line


def test_squat_vs_hinge():
    squat = feats(upright(trunk=40.0, thigh=-70.0, shank=35.0))
    hinge = feats(upright(trunk=70.0, thigh=-10.0, shank=10.0))
    assert squat["knee_flexion"] > 90 > hinge["knee_flexion"]
    assert squat["knee_ahead_of_toe"] > hinge["knee_ahead_of_toe"]
    assert hinge["trunk_lean"] > squat["trunk_lean"]


# ----------------------------------------------------------------------------- plank
def test_plank_straight_sagging_piked():
    straight, sag, pike = feats(plank()), feats(plank(hip_drop=60)), feats(plank(hip_drop=-80))
    for f in (straight, sag, pike):
        assert f["facing"] == 1  # head on the right, chest to the ground
        assert 70 < f["trunk_lean"] < 100
        assert 70 < f["trunk_inclination"] < 100
    assert straight["hip_line_offset"] == pytest.approx(0.0, abs=1e-6)
    assert straight["body_line_angle"] == pytest.approx(0.0, abs=TOL)
    assert sag["hip_line_offset"] == pytest.approx(-60 * 800 / np.hypot(800, 100) ** 2, rel=1e-6)
    assert pike["hip_line_offset"] > 0.08
    assert sag["body_line_angle"] > 5 and pike["body_line_angle"] > 5
    assert abs(straight["upper_arm_from_vertical"]) < 1e-6
    assert sag["hip_line_offset_knee"] < 0 < pike["hip_line_offset_knee"]


def test_plank_elbows_and_neck():
    forward = feats(plank(elbow_dx=50.0))
    back = feats(plank(elbow_dx=-50.0))
    assert forward["upper_arm_from_vertical"] == pytest.approx(np.degrees(np.arctan(50 / 160)))
    assert back["upper_arm_from_vertical"] == pytest.approx(-np.degrees(np.arctan(50 / 160)))
    dropped, craned, neutral = feats(plank(neck=30)), feats(plank(neck=-30)), feats(plank())
    assert dropped["neck_flexion"] == pytest.approx(30.0, abs=TOL)
    assert craned["neck_flexion"] == pytest.approx(-30.0, abs=TOL)
    assert neutral["neck_flexion"] == pytest.approx(0.0, abs=TOL)


def nod(parts: dict[str, np.ndarray], face_deg: float) -> dict[str, np.ndarray]:
    """The same body with only the face turned about the ear (+ toward the chest/feet).

    Facing +x: the anterior direction is the trunk's up direction turned clockwise on screen,
    so a turn toward the chest is a further clockwise turn of ear->nose (y points down)."""
    r = np.radians(face_deg)
    rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
    out = dict(parts)
    out["nose"] = parts["ear"] + rot @ (parts["nose"] - parts["ear"])
    out["eye"] = 0.5 * (out["ear"] + out["nose"])
    return out


@pytest.mark.parametrize("neck", [0.0, 30.0, -30.0])
@pytest.mark.parametrize("facing", ["right", "left"])
def test_head_pitch_plank(neck, facing):
    # These skeletons hold the face at right angles to the neck line: with the whole neck
    # bent, the face line turns with it.
    px, vis = skeleton(plank(neck=neck))
    if facing == "left":
        px = mirror(px)
    f = compute_features(series_of([(px, vis)]))
    assert f.facing[0] == (1 if facing == "right" else -1)
    assert f["head_pitch"][0] == pytest.approx(neck, abs=HEAD_TOL)
    assert f["neck_flexion"][0] == pytest.approx(neck, abs=TOL)


@pytest.mark.parametrize("face", [25.0, -25.0])
@pytest.mark.parametrize("facing", ["right", "left"])
def test_head_pitch_follows_a_nod_the_neck_line_misses(face, facing):
    # A nod at the top of the neck: the face turns, the shoulder->ear line does not.
    for parts in (plank(), upright(trunk=30.0)):
        px, vis = skeleton(nod(parts, face))
        if facing == "left":
            px = mirror(px)
        f = compute_features(series_of([(px, vis)]))
        assert f["head_pitch"][0] == pytest.approx(face, abs=HEAD_TOL)
        assert f["neck_flexion"][0] == pytest.approx(0.0, abs=TOL)


def test_head_pitch_standing_and_label_swap():
    # Upright: + chin toward the chest, - head tipped back; label swaps change nothing.
    for neck in (0.0, 20.0, -20.0):
        px, vis = skeleton(upright(trunk=10.0, neck=neck))
        a = compute_features(series_of([(px, vis)]))
        b = compute_features(series_of([swap_labels(px, vis)]))
        assert a["head_pitch"][0] == pytest.approx(neck, abs=HEAD_TOL)
        assert b["head_pitch"][0] == a["head_pitch"][0]


@pytest.mark.parametrize("how", ["nan", "invisible"])
@pytest.mark.parametrize("part", ["ear", "nose"])
def test_head_pitch_needs_ear_and_nose(part, how):
    out = compute_features(series_of([drop(*skeleton(plank(neck=20.0)), [part], how)]))
    assert np.isnan(out["head_pitch"][0])
    if part == "ear":  # the neck is still read, from the nose
        assert np.isfinite(out["neck_flexion"][0])


def test_knee_plank_line():
    f = feats(plank(knee_plank=True))
    assert f["hip_line_offset_knee"] == pytest.approx(0.0, abs=TOL)
    assert feats(plank(hip_drop=40.0, knee_plank=True))["hip_line_offset_knee"] < -0.05
    assert feats(plank(hip_drop=-40.0, knee_plank=True))["hip_line_offset_knee"] > 0.05


# ----------------------------------------------------------------------------- invariance
POSES = [
    upright(),
    upright(trunk=90.0, shoulder=90.0),
    upright(trunk=40.0, thigh=-70.0, shank=35.0, shoulder=50.0, elbow=30.0),
    upright(trunk=-15.0, neck=-25.0),
    upright(trunk=20.0, neck=35.0, heel=20.0),
    plank(),
    plank(hip_drop=60.0, neck=25.0),
    plank(hip_drop=-80.0, elbow_dx=40.0),
]


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], atol: float = 1e-9):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(a[name], b[name], atol=atol, err_msg=name)


def test_facing_left_mirror_gives_identical_values():
    frames = [skeleton(p) for p in POSES]
    right = compute_features(series_of(frames))
    left = compute_features(series_of([(mirror(px), vis) for px, vis in frames]))
    assert (right.facing == 1).all() and (left.facing == -1).all()
    head = "head_pitch"
    assert_same(
        {k: v for k, v in right.values.items() if k != head},
        {k: v for k, v in left.values.items() if k != head},
        atol=TOL,
    )
    np.testing.assert_allclose(right[head], left[head], atol=HEAD_TOL)


def test_label_swap_does_not_change_values():
    frames = [skeleton(p) for p in POSES]
    swapped = [swap_labels(px, vis) for px, vis in frames]
    a, b = compute_features(series_of(frames)), compute_features(series_of(swapped))
    assert_same(a.values, b.values, atol=0.0)
    np.testing.assert_array_equal(a.facing, b.facing)


def test_weak_far_side_is_ignored():
    px, vis = skeleton(upright(trunk=50.0, shoulder=30.0))
    # Far side wildly wrong but barely visible: the near side alone decides.
    for _left, right in SIDE_PAIRS.values():
        px[right] += np.array([120.0, 80.0])
        vis[right] = 0.2
    f = compute_features(series_of([(px, vis)]))
    assert f["trunk_lean"][0] == pytest.approx(50.0, abs=TOL)
    assert f["shoulder_flexion"][0] == pytest.approx(30.0, abs=TOL)


# ----------------------------------------------------------------------------- missing parts
EAR_FEATURES = {"neck_flexion", "head_pitch"}
FOOT_FEATURES = {
    "knee_flexion",
    "hip_line_offset",
    "body_line_angle",
    "heel_rise",
    "ankle_above_toe",
    "ankle_y_px",
    "body_length_px",
    "ankle_to_hip_dx",
    "knee_ahead_of_toe",
}


def drop(px: np.ndarray, vis: np.ndarray, parts: list[str], how: str):
    px, vis = px.copy(), vis.copy()
    for part in parts:
        idx = [L.NOSE] if part == "nose" else list(SIDE_PAIRS[part])
        if how == "nan":
            px[idx] = np.nan
        else:
            vis[idx] = 0.0
    return px, vis


@pytest.mark.parametrize("how", ["nan", "invisible"])
def test_missing_ears_use_nose(how):
    pose = upright(trunk=30.0, neck=20.0)
    full = compute_features(series_of([skeleton(pose)]))
    no_ears = compute_features(series_of([drop(*skeleton(pose), ["ear"], how)]))
    assert_same(
        {k: v for k, v in full.values.items() if k not in EAR_FEATURES},
        {k: v for k, v in no_ears.values.items() if k not in EAR_FEATURES},
    )
    # The nose sits NOSE_NECK_OFFSET_DEG in front of the ear in this skeleton.
    assert no_ears["neck_flexion"][0] == pytest.approx(20.0, abs=TOL)
    # Without ears and nose the neck is not measurable.
    no_head = compute_features(series_of([drop(*skeleton(pose), ["ear", "nose"], how)]))
    assert np.isnan(no_head["neck_flexion"][0])


@pytest.mark.parametrize("how", ["nan", "invisible"])
def test_missing_feet_nan_only_where_needed(how):
    pose = upright(trunk=45.0, thigh=-20.0, shank=15.0, shoulder=40.0)
    full = compute_features(series_of([skeleton(pose)]))
    frame = drop(*skeleton(pose), ["ankle", "heel", "foot_index"], how)
    out = compute_features(series_of([frame]))
    for name, arr in out.values.items():
        if name in FOOT_FEATURES:
            assert np.isnan(arr[0]), name
        elif name == "upper_arm_from_vertical" or np.isfinite(full[name][0]):
            np.testing.assert_allclose(arr, full[name], atol=1e-9, err_msg=name)
    assert out.facing[0] == 1


def test_facing_falls_back_to_feet_then_unknown():
    pose = upright(trunk=30.0)
    no_head = drop(*skeleton(pose), ["ear", "nose"], "nan")
    f = compute_features(series_of([no_head, (mirror(no_head[0]), no_head[1])]))
    np.testing.assert_array_equal(f.facing, [1, -1])
    nothing = drop(*no_head, ["heel", "foot_index"], "nan")
    f = compute_features(series_of([nothing]))
    assert f.facing[0] == 0
    for name in SIGNED:
        assert np.isnan(f[name][0]), name
    assert f["hip_flexion"][0] == pytest.approx(30.0)  # unsigned ones still measurable
    # A caller may supply facing (e.g. the clip's majority).
    f = compute_features(series_of([nothing]), facing=1)
    assert f["trunk_lean"][0] == pytest.approx(30.0)


def test_undetected_frames_are_nan():
    series = series_of([skeleton(upright()), skeleton(plank())])
    series.image[1] = np.nan
    series.visibility[1] = np.nan
    f = compute_features(series)
    assert all(np.isnan(v[1]) for v in f.values.values())
    assert f.facing[1] == 0 and f.facing[0] == 1
    assert len(f) == 2


# ----------------------------------------------------------------------------- live
def test_frame_features_equal_series_rows():
    frames = [skeleton(p) for p in POSES]
    frames += [(mirror(px), vis) for px, vis in frames]
    frames.append(drop(*skeleton(upright(trunk=20.0)), ["ear", "ankle"], "nan"))
    series = series_of(frames)
    series.image[3] = np.nan  # one undetected frame
    full = compute_features(series)
    pixels = series.pixels()
    for i in range(len(series)):
        row = compute_frame_features(pixels[i], series.visibility[i])
        assert row.pop("facing") == full.facing[i]
        for name, value in row.items():
            expected = full[name][i]
            assert (np.isnan(value) and np.isnan(expected)) or value == expected, (i, name)


def test_frame_features_bad_shape():
    with pytest.raises(InputError):
        compute_frame_features(np.zeros((17, 2)), np.ones(17))


def test_empty_series():
    f = compute_features(PoseSeries.empty(SourceInfo("x", 640, 480, 30.0), 0))
    assert len(f) == 0 and all(v.shape == (0,) for v in f.values.values())


def test_majority_facing_and_bad_facing():
    assert majority_facing(np.array([1, 1, 1, 0, -1], dtype=np.int8)) == 1
    assert majority_facing(np.array([-1, -1, 0, 0], dtype=np.int8)) == -1
    assert majority_facing(np.array([1, -1, 1, -1], dtype=np.int8)) == 0
    assert majority_facing(np.array([0, 0, 0, 0, 1], dtype=np.int8)) == 0  # too few known
    assert majority_facing(np.array([], dtype=np.int8)) == 0
    series = series_of([skeleton(upright())] * 3)
    with pytest.raises(InputError):
        compute_features(series, facing=np.array([1, 1]))
    with pytest.raises(InputError):
        compute_features(series, facing=2)


def test_body_parts_in_one_call_equal_each_pair_on_its_own():
    """body_parts takes every pair in one vectorised call; it must equal a call per pair, on
    one frame (the live loop) and on a series, with NaNs and weak points in the mix."""
    from formcheck.features import geometry
    from formcheck.features.core import MIN_VISIBILITY, PAIR_MIN_WEIGHT, body_parts

    rng = np.random.default_rng(3)
    pixels = rng.uniform(0, 640, size=(50, 33, 2))
    visibility = rng.uniform(0, 1, size=(50, 33))
    pixels[rng.random((50, 33)) < 0.1] = np.nan
    visibility[rng.random((50, 33)) < 0.1] = np.nan
    for px, vis in ((pixels, visibility), (pixels[7], visibility[7])):
        parts, part_vis = body_parts(px, vis)
        v = np.nan_to_num(vis, nan=0.0)
        v = np.where(v >= MIN_VISIBILITY, v, 0.0)
        for name, (left, right) in SIDE_PAIRS.items():
            expected = geometry.weighted_midpoint(
                px[..., left, :], px[..., right, :], v[..., left], v[..., right], PAIR_MIN_WEIGHT
            )
            np.testing.assert_array_equal(parts[name], expected)
            np.testing.assert_array_equal(part_vis[name], np.maximum(v[..., left], v[..., right]))
