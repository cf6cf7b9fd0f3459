"""Tests of the mannequin renderer: geometry and ground truth, then the real model on samples."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.errors import ConfigError, InputError
from formcheck.series.landmarks import Landmark
from formcheck.synth import (
    FAULT_CODES,
    LOOKS,
    Body,
    Camera,
    GroundTruth,
    Pose,
    deadlift,
    forward_kinematics,
    ground_truth,
    kettlebell_swing,
    plank,
    render_clip,
    render_frames,
    side_camera,
    truth_path,
)
from formcheck.synth.render import background

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MODEL = ROOT / "models" / "pose_landmarker_lite.task"


def _random_pose(n: int = 20, seed: int = 0) -> Pose:
    rng = np.random.default_rng(seed)
    pose = Pose(rng.normal(0, 0.5, (n, 3)))
    for name in pose.angles:
        pose.angles[name] = rng.uniform(-60, 60, n)
    return pose


# ----------------------------------------------------------------------------- skeleton
@pytest.mark.parametrize("height", [1.55, 1.75, 1.95])
def test_segment_lengths_are_kept_in_any_pose(height):
    body = Body(height)
    sk = forward_kinematics(_random_pose(), body)
    s = height / 1.75
    for a, b, length in [
        ("hip_l", "knee_l", 0.43),
        ("knee_r", "ankle_r", 0.43),
        ("shoulder_l", "elbow_l", 0.326),
        ("elbow_r", "wrist_r", 0.255),
    ]:
        d = np.linalg.norm(sk.point(a) - sk.point(b), axis=1)
        np.testing.assert_allclose(d, length * s, rtol=1e-9)


def test_standing_figure_has_human_proportions():
    body = Body(1.80)
    pose = Pose.zeros(1)
    pose.root_pos[:] = [0, 0.0, 0]
    sk = forward_kinematics(pose, body)
    floor = sk.point("heel_floor_r")[0, 1]
    top = sk.local_to_world("head", np.array([[0.0, 0.19, 0.0]]))[0, 0, 1]
    assert top - floor == pytest.approx(1.80, abs=0.02)
    lm = sk.landmarks()[0]
    assert lm.shape == (33, 3)
    # Hip and shoulder heights as fractions of stature (Drillis & Contini: 0.53, 0.82).
    assert (lm[Landmark.LEFT_HIP, 1] - floor) / 1.8 == pytest.approx(0.53, abs=0.02)
    assert (lm[Landmark.RIGHT_SHOULDER, 1] - floor) / 1.8 == pytest.approx(0.81, abs=0.02)
    # Left is -z (the body's left), face and toes point +x.
    assert lm[Landmark.LEFT_SHOULDER, 2] < 0 < lm[Landmark.RIGHT_SHOULDER, 2]
    assert lm[Landmark.NOSE, 0] > lm[Landmark.LEFT_EAR, 0]
    assert lm[Landmark.LEFT_FOOT_INDEX, 0] > lm[Landmark.LEFT_HEEL, 0]


def _spine(sk) -> np.ndarray:
    return np.stack(
        [sk.point(n) for n in ("pelvis", "sacrum", "l3", "t12", "t8", "t4", "c7")], axis=1
    )


def _max_offset_from_chord(points: np.ndarray) -> np.ndarray:
    """Largest distance of inner points from the line through the first and last."""
    a, b = points[:, :1], points[:, -1:]
    u = (b - a) / np.linalg.norm(b - a, axis=2, keepdims=True)
    rel = points - a
    perp = rel - np.sum(rel * u, axis=2, keepdims=True) * u
    return np.linalg.norm(perp, axis=2).max(axis=1)


def test_spine_flexion_curves_the_back_instead_of_hinging():
    pose = Pose.zeros(3)
    pose.set("lumbar_flex", [0.0, 40.0, 0.0])
    pose.set("thoracic_flex", [0.0, 0.0, 40.0])
    sk = forward_kinematics(pose)
    bow = _max_offset_from_chord(_spine(sk))
    assert bow[0] < 0.012  # neutral: near-straight centre line
    assert bow[1] > bow[0] + 0.02 and bow[2] > bow[0] + 0.02  # flexion: a visible curve
    seg = np.diff(_spine(sk), axis=1)
    turn = np.degrees(np.arctan2(seg[..., 0], seg[..., 1]))
    # The bend is spread over several joints: no single joint takes it all.
    steps = np.diff(turn, axis=1)
    assert (steps[1] > 1).sum() >= 2 and (steps[2] > 1).sum() >= 3
    assert turn[1, -1] == pytest.approx(40.0) and turn[2, -1] == pytest.approx(40.0)
    # The head and shoulders drop forward, as a rounded back does.
    assert sk.point("c7")[1, 0] > sk.point("c7")[0, 0] + 0.1


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ConfigError):
        Pose(np.zeros((2, 3)), {"elbow": np.zeros(2)})
    with pytest.raises(ConfigError):
        Body(0.3)
    with pytest.raises(ConfigError, match="variant"):
        deadlift(variant="sumo-ish")
    with pytest.raises(ConfigError):
        plank(hip_sag_deg=-5)
    with pytest.raises(ConfigError):
        kettlebell_swing(reps=0)
    with pytest.raises(ConfigError):
        Camera(distance_m=0)


# ----------------------------------------------------------------------------- motions
def _onset(flags: np.ndarray) -> int | None:
    return int(np.argmax(flags)) if flags.any() else None


def test_good_motions_raise_no_fault():
    for m in (deadlift(), deadlift(variant="romanian"), plank(4), plank(4, variant="high")):
        assert not any(v.any() for v in m.faults.values()), m.params
    m = kettlebell_swing()
    assert not any(v.any() for v in m.faults.values())
    assert set(m.faults) == set(FAULT_CODES["kettlebell_swing"])


def test_deadlift_faults_and_reps():
    good = deadlift(reps=3)
    assert len(good.reps) == 3
    for r in good.reps:
        assert r.start < r.peak < r.end
        # Peak is the lockout: standing tall, the trunk near vertical.
        assert abs(good.metrics["trunk_lean_deg"][r.peak]) < 12
        assert good.metrics["trunk_lean_deg"][r.start] > 45  # hinged at the bar
    rounded = deadlift(reps=3, lumbar_flexion_deg=30, thoracic_flexion_deg=15)
    flags = rounded.faults["rounded_back"]
    assert flags[rounded.reps[0].start] and not flags[rounded.reps[0].peak]
    squat = deadlift(reps=2, squat_factor=1.0)
    assert squat.faults["squatting"][squat.reps[0].start]
    assert squat.metrics["trunk_lean_deg"][0] < good.metrics["trunk_lean_deg"][0] - 8
    # The hands stay on a bar that rests on the floor at the start of each rep.
    grip = 0.5 * (good.skeleton.point("grip_l") + good.skeleton.point("grip_r"))
    assert grip[good.reps[0].start, 1] == pytest.approx(0.225, abs=0.01)


def test_plank_sag_starts_at_onset():
    m = plank(duration_s=8, hip_sag_deg=18, sag_onset_s=3.5)
    sag = m.faults["hips_sagging"]
    onset = _onset(sag) / m.fps
    assert 3.5 < onset < 5.0
    assert sag[-1] and m.metrics["hip_line_deg"][-1] == pytest.approx(18, abs=4)
    assert abs(m.metrics["hip_line_deg"][: int(3.5 * m.fps)]).max() < 5
    assert m.hold == (0, len(m) - 1) and m.reps == []
    # Supports stay on the floor: forearms and toes.
    sk = m.skeleton
    assert np.abs(sk.point("elbow_l")[:, 1] - 0.04).max() < 0.01
    toes = np.minimum(sk.point("toe_floor_l")[:, 1], sk.point("ball_floor_l")[:, 1])
    assert np.abs(toes).max() < 0.01


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"hip_pike_deg": 20}, "hips_piked"),
        ({"neck_deg": 30}, "neck_not_neutral"),
        ({"neck_deg": -30}, "neck_not_neutral"),
        ({"elbow_offset_deg": 25}, "elbows_not_under_shoulders"),
        ({"hip_sag_deg": 20, "knees": True}, "hips_sagging"),
        ({"hip_sag_deg": 20, "variant": "high"}, "hips_sagging"),
    ],
)
def test_plank_faults_set_their_flag_only(kwargs, code):
    m = plank(duration_s=2, **kwargs)
    assert m.faults[code].all()
    assert not any(v.any() for k, v in m.faults.items() if k != code)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"lean_back_deg": 20}, "leaning_back"),
        ({"heel_lift": 0.05}, "on_toes"),
        ({"heel_lift": 0.12}, "on_toes"),  # rocked forward, still a hinge (no squat flag)
        ({"arm_lift_deg": 45}, "arms_lifting"),
        ({"squat_factor": 1.0}, "squatting"),
        ({"lumbar_flexion_deg": 30}, "rounded_back"),
    ],
)
def test_swing_faults_set_their_flag_only(kwargs, code):
    m = kettlebell_swing(reps=3, **kwargs)
    assert m.faults[code].any()
    assert not any(v.any() for k, v in m.faults.items() if k != code)
    # Each rep shows the fault (it is built into every rep).
    for r in m.reps:
        assert m.faults[code][r.start : r.end + 1].any()


def test_swing_reps_and_bell_height():
    m = kettlebell_swing(reps=5)
    assert len(m.reps) == 5
    sk = m.skeleton
    grip = 0.5 * (sk.point("grip_l") + sk.point("grip_r"))
    shoulders = 0.5 * (sk.point("shoulder_l") + sk.point("shoulder_r"))
    for r in m.reps:
        assert r.start < r.peak < r.end
        # Float: arms about horizontal, hands near chest height; hike: hands below the hips.
        assert grip[r.peak, 1] == pytest.approx(shoulders[r.peak, 1] - 0.05, abs=0.12)
        assert grip[r.start, 1] < sk.point("hip_l")[r.start, 1] - 0.15
    assert m.metrics["heel_height_m"].max() < 0.005  # feet flat


def _mid(m, name: str) -> np.ndarray:
    return 0.5 * (m.skeleton.point(f"{name}_l") + m.skeleton.point(f"{name}_r"))


@pytest.mark.parametrize("lift", [0.04, 0.1])
def test_swing_heel_lift_rocks_the_whole_body_forward(lift):
    """Heels up at the bottom of the backswing means the weight is over the balls of the feet:
    the ankles rise ~0.7x the heels and the hips and knees travel forward over the feet."""
    flat, lifted = kettlebell_swing(reps=3), kettlebell_swing(reps=3, heel_lift=lift)
    for r in lifted.reps:
        b = r.start  # the bottom of the backswing
        heel = lifted.metrics["heel_height_m"][b]
        assert heel == pytest.approx(lift, abs=0.01)
        rise = _mid(lifted, "ankle")[b, 1] - _mid(flat, "ankle")[b, 1]
        assert 0.55 * heel < rise < 0.85 * heel
        # x is anterior (toes ahead of heels): hips and knees move forward with the lift.
        for part in ("hip", "knee"):
            assert _mid(lifted, part)[b, 0] - _mid(flat, part)[b, 0] > 0.8 * lift
        # The hips get nearer the ankles (they sit ~12 cm behind them with flat feet) ...
        behind = _mid(flat, "ankle")[b, 0] - _mid(flat, "hip")[b, 0]
        behind_lifted = _mid(lifted, "ankle")[b, 0] - _mid(lifted, "hip")[b, 0]
        assert behind > 0.1 and behind_lifted < behind - 0.5 * lift
        # ... and it is still a hinge, not a squat.
        assert lifted.metrics["knee_flex_deg"][b] < 40
        # The top of the swing is untouched: feet flat, same pose.
        np.testing.assert_allclose(lifted.skeleton.pos[r.peak], flat.skeleton.pos[r.peak])
    # Heel up exactly where the truth says so; the body is back in place with the feet flat.
    assert not lifted.faults["on_toes"][[r.peak for r in lifted.reps]].any()


def test_default_swings_match_the_bundled_sample_truth():
    """The motions behind samples/kbswing_*.mp4 have not changed (their .truth.npz stay valid)."""
    size = (640, 480)
    for name, motion in (
        ("kbswing_good", kettlebell_swing(reps=5)),
        ("kbswing_leanback", kettlebell_swing(reps=5, lean_back_deg=20)),
    ):
        video = SAMPLES / f"{name}.mp4"
        if not truth_path(video).is_file():
            pytest.skip("samples not generated: run python samples/make_samples.py")
        stored = GroundTruth.load(video)
        fresh = ground_truth(motion, side_camera(motion, size, yaw_deg=90), size)
        # Stored as float32: the same motion rounds to the very same values.
        np.testing.assert_array_equal(
            fresh.landmarks_px.astype(np.float32), stored.landmarks_px.astype(np.float32)
        )
        for code, flags in stored.faults.items():
            np.testing.assert_array_equal(fresh.faults[code], flags)


# ----------------------------------------------------------------------------- rendering
def test_camera_yaw_sets_facing_direction():
    m = plank(1)
    for yaw, sign in ((90, 1), (-90, -1)):
        cam = side_camera(m, yaw_deg=yaw)
        px, _ = cam.project(m.skeleton.landmarks()[0], (640, 480))
        assert sign * (px[Landmark.NOSE, 0] - px[Landmark.LEFT_ANKLE, 0]) > 200


def test_render_matches_truth_and_is_deterministic():
    m = kettlebell_swing(reps=1, fps=10)
    cam = side_camera(m)
    frames = list(render_frames(m, cam, (320, 240)))
    again = list(render_frames(m, cam, (320, 240)))
    assert len(frames) == len(m)
    assert all(np.array_equal(a, b) for a, b in zip(frames, again, strict=True))
    assert frames[0].shape == (240, 320, 3) and frames[0].dtype == np.uint8
    truth = ground_truth(m, cam, (320, 240))
    bg = background(cam, (320, 240), truth.look).astype(int)
    for t in range(0, len(m), 3):
        diff = np.abs(frames[t].astype(int) - bg).sum(axis=2) > 30
        assert 0.02 < diff.mean() < 0.5  # a figure, not an empty or flooded frame
        # The figure is drawn where the truth says the joints are.
        for lm in (Landmark.RIGHT_HIP, Landmark.RIGHT_SHOULDER, Landmark.RIGHT_KNEE):
            x, y = np.round(truth.landmarks_px[t, lm]).astype(int)
            assert diff[y - 2 : y + 3, x - 2 : x + 3].any()
        assert np.all((truth.landmarks_px[t] > 0) & (truth.landmarks_px[t] < [320, 240]))


def test_rounded_back_shows_in_the_outline():
    """The back outline (top edge of the figure between hips and shoulders) bows upwards."""
    size = (640, 480)
    out = []
    for flex in (0.0, 40.0):
        m = deadlift(reps=1, lumbar_flexion_deg=flex, thoracic_flexion_deg=flex / 2, fps=5)
        m.props = ()  # the plates would hide the hips
        cam = Camera(yaw_deg=90, pitch_deg=0, distance_m=3.0, height_m=0.8, focal_mm=35)
        img = next(iter(render_frames(m, cam, size)))
        bg = background(cam, size, LOOKS["blue"])
        fg = np.abs(img.astype(int) - bg.astype(int)).sum(axis=2) > 30
        px, _ = cam.project(m.skeleton.landmarks()[0], size)
        hip_x, sh_x = int(px[Landmark.RIGHT_HIP, 0]), int(px[Landmark.RIGHT_SHOULDER, 0])
        cols = range(hip_x + 3, sh_x - 3)
        top = np.array([np.argmax(fg[:, c]) for c in cols], float)
        line = np.linspace(top[0], top[-1], len(top))
        out.append((line - top).max())  # pixels the back rises above the straight line
    assert out[1] > out[0] + 4


def test_render_clip_writes_video_and_truth(tmp_path):
    m = plank(duration_s=1.0, hip_sag_deg=20, fps=15)
    for codec in ("mp4v", "auto"):
        path = tmp_path / f"p_{codec}.mp4"
        truth = render_clip(m, None, path, size=(320, 240), codec=codec)
        assert path.stat().st_size > 1000
        cap = cv2.VideoCapture(str(path))
        count = 0
        while cap.read()[0]:
            count += 1
        cap.release()
        assert count == len(m)
        loaded = GroundTruth.load(path)
        assert loaded.video == path.name and truth_path(path).is_file()
        np.testing.assert_allclose(loaded.landmarks_px, truth.landmarks_px, atol=1e-3)
        assert loaded.faults["hips_sagging"].all() and loaded.hold == (0, len(m) - 1)
        assert loaded.camera == truth.camera and loaded.look == truth.look
        assert loaded.fault_onset_ms("hips_sagging") == 0.0
        series = loaded.to_pose_series()
        assert len(series) == len(m) and series.detection_rate == 1.0
        np.testing.assert_allclose(series.pixels(), truth.landmarks_px, atol=1e-3)
    with pytest.raises(ConfigError):
        render_clip(m, None, tmp_path / "x.mp4", size=(321, 240), codec="h264")
    with pytest.raises(ConfigError):
        render_clip(m, None, tmp_path / "x.avi")
    with pytest.raises(ConfigError):
        render_clip(m, None, tmp_path / "x.mp4", fps=60)
    with pytest.raises(InputError):
        GroundTruth.load(tmp_path / "missing.mp4")


def test_sample_truth_files_match_the_samples():
    names = ["deadlift_good", "deadlift_roundedback", "plank_good", "plank_sagging"]
    names += ["kbswing_good", "kbswing_leanback"]
    for name in names:
        video = SAMPLES / f"{name}.mp4"
        if not video.is_file():
            pytest.skip("samples not generated: run python samples/make_samples.py")
        assert video.stat().st_size < 1_000_000
        assert truth_path(video).is_file(), (
            f"{truth_path(video).name} is missing: is samples/*.truth.npz committed "
            "(not hidden by a '*.npz' line in .gitignore)?"
        )
        truth = GroundTruth.load(video)
        faulty = not name.endswith("_good")
        assert any(v.any() for v in truth.faults.values()) == faulty, name


# ----------------------------------------------------------------------------- real model
MODEL_STRIDE = 2  # every 2nd frame keeps the model test fast; VIDEO mode tracks across gaps


def _detect(path: Path, truth: GroundTruth) -> np.ndarray:
    """Model landmarks in pixels for every MODEL_STRIDE-th frame (others stay NaN)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    cap = cv2.VideoCapture(str(path))
    pred = np.full((len(truth), 33, 2), np.nan)
    with vision.PoseLandmarker.create_from_options(opts) as lm:
        for i in range(len(truth)):
            ok, bgr = cap.read()
            assert ok, f"{path.name} ended at frame {i}"
            if i % MODEL_STRIDE:
                continue
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=bgr[:, :, ::-1].copy())
            result = lm.detect_for_video(image, int(truth.time_ms[i]))
            if result.pose_landmarks:
                pred[i] = [(p.x, p.y) for p in result.pose_landmarks[0]]
    cap.release()
    return pred * [truth.width, truth.height]


SAMPLE_VIDEOS = sorted(p.name for p in SAMPLES.glob("*.mp4") if truth_path(p).is_file())
SAMPLE_VIDEOS = SAMPLE_VIDEOS or ["(no samples)"]


@pytest.mark.model
@pytest.mark.parametrize("name", SAMPLE_VIDEOS)
def test_model_finds_the_mannequin_in_samples(name):
    if not MODEL.is_file():
        pytest.skip(f"pose model not built: {MODEL} is missing")
    video = SAMPLES / name
    if not video.is_file():
        pytest.skip("samples not generated: run python samples/make_samples.py")
    truth = GroundTruth.load(video)
    pred = _detect(video, truth)
    found = np.isfinite(pred[:, 0, 0])
    assert found[::MODEL_STRIDE].mean() >= 0.95
    for a, b in ((11, 12), (23, 24), (25, 26)):
        # Side-on the model may swap left/right labels; score the better assignment.
        same = np.linalg.norm(pred[:, [a, b]] - truth.landmarks_px[:, [a, b]], axis=2).mean(1)
        swap = np.linalg.norm(pred[:, [a, b]] - truth.landmarks_px[:, [b, a]], axis=2).mean(1)
        err = np.minimum(same, swap)[found] / truth.width
        assert np.median(err) < 0.05, (name, Landmark(a).name)
