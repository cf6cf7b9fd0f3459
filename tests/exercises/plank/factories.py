"""Synthetic 33-landmark plank series with known geometry, for the plank rule's tests.

The body is built in its sagittal plane (u along the floor toward the head, h height above the
floor, metres) from segment lengths of a 1.75 m adult, with the supports on the floor: elbows
(forearm plank) or wrists (high plank) in front, toes or knees behind. The hip bend is exact:
``bend_deg`` is the signed angle between the torso and the leg line at the hip, + piked (hips
above the shoulder-ankle line), - sagging, as the rule measures it. Then the plane is put in
front of a camera: side-on (head to the image's right or left) or head-on ("front").
"""

from __future__ import annotations

import numpy as np

from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS, Landmark

UPPER_ARM, FOREARM, TORSO, THIGH, SHANK = 0.33, 0.27, 0.50, 0.45, 0.43
ELBOW_H, WRIST_H, ANKLE_H, KNEE_H = 0.04, 0.04, 0.09, 0.05
HALF_WIDTH = {"shoulder": 0.18, "elbow": 0.19, "wrist": 0.16, "hip": 0.12, "knee": 0.1}

L = Landmark
EARS = (L.LEFT_EAR, L.RIGHT_EAR)
FEET = (L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)
FACE_AND_HANDS = tuple(range(1, 11)) + tuple(range(17, 23))  # eyes, ears, mouth, fingers
# Degrees the face line (ear -> nose) of a head in line with the trunk points past the trunk's
# perpendicular, toward the feet, as the pose model reads it (PlankConfig.head_pitch_offset_deg).
FACE_PITCH_DEG = 6.0


def _arr(value: float | np.ndarray, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()


def ramp(n: int, fps: float, onset_s: float, value: float, ramp_s: float = 0.5) -> np.ndarray:
    """(n,) 0 before ``onset_s``, rising linearly to ``value`` over ``ramp_s``."""
    t = np.arange(n) / fps
    return value * np.clip((t - onset_s) / max(ramp_s, 1e-6), 0.0, 1.0)


def _dir(angle_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (n, 2) in (u, h) at ``angle_deg`` counter-clockwise from +u."""
    a = np.radians(angle_deg)
    return np.stack([np.cos(a), np.sin(a)], axis=-1)


def plank_points(
    n: int,
    variant: str = "forearm",
    knees: bool = False,
    bend_deg: float | np.ndarray = 0.0,
    neck_deg: float | np.ndarray = 0.0,
    arm_deg: float | np.ndarray = 0.0,
    face_pitch_deg: float = FACE_PITCH_DEG,
    knee_bend_deg: float = 0.0,
) -> dict[str, np.ndarray]:
    """Named sagittal-plane points (n, 2) in metres: (u toward the head, h up).

    ``knee_bend_deg`` (toe plank): the knees bent toward the floor by that much, the shank
    tilting up to the ankle; ``bend_deg`` is then the bend between the torso and the thigh."""
    bend, neck, arm = _arr(bend_deg, n), _arr(neck_deg, n), _arr(arm_deg, n)
    pts: dict[str, np.ndarray] = {}
    # Arm: + arm_deg puts the elbow (hand) ahead of the shoulder, toward the head.
    up_arm = np.stack([-np.sin(np.radians(arm)), np.cos(np.radians(arm))], axis=-1)
    if variant == "forearm":
        elbow = np.tile([0.0, ELBOW_H], (n, 1))
        shoulder = elbow + UPPER_ARM * up_arm
        wrist = elbow + np.array([FOREARM, 0.0])
    else:
        wrist = np.tile([0.0, WRIST_H], (n, 1))
        shoulder = wrist + (UPPER_ARM + FOREARM) * up_arm
        elbow = wrist + FOREARM * up_arm
    pts["shoulder"], pts["elbow"], pts["wrist"] = shoulder, elbow, wrist

    # Body line: torso descends backward at slope phi + sag, the legs at phi, where
    # sag = -bend (hips below the line when the torso is steeper). Solve phi so the back
    # support (toes: ankle; knees: knee) rests at its height.
    sag = -bend
    kb = 0.0 if knees else float(knee_bend_deg)
    thigh, shank = (THIGH, 0.0) if knees else (THIGH, SHANK)
    target = KNEE_H if knees else ANKLE_H
    phi = np.zeros(n)
    for _ in range(30):  # Newton on the back support's height over phi (the leg's slope)
        a, b, c = np.radians(phi + sag), np.radians(phi), np.radians(phi - kb)
        g = shoulder[:, 1] - TORSO * np.sin(a) - thigh * np.sin(b) - shank * np.sin(c) - target
        dg = -(TORSO * np.cos(a) + thigh * np.cos(b) + shank * np.cos(c)) * np.pi / 180.0
        phi = phi - g / dg
    back_torso = _dir(180.0 + phi + sag)  # shoulder -> hip
    back_leg = _dir(180.0 + phi)  # hip -> knee -> ankle
    hip = shoulder + TORSO * back_torso
    knee = hip + THIGH * back_leg
    pts["hip"], pts["knee"] = hip, knee
    if knees:
        # Shank folded up behind (knee flexion 100), foot in the air.
        shank = _dir(180.0 + phi - 100.0)
        ankle = knee + SHANK * shank
        pts["heel"] = ankle + 0.06 * _dir(180.0 + phi - 100.0 + 90.0)
        pts["foot_index"] = ankle + 0.14 * _dir(180.0 + phi - 190.0)
    else:
        ankle = knee + SHANK * _dir(180.0 + phi - kb)
        pts["heel"] = ankle + np.array([-0.05, 0.05])
        pts["foot_index"] = np.stack([ankle[:, 0] + 0.07, np.zeros(n)], axis=-1)
    pts["ankle"] = ankle

    # Head: the neck continues the trunk line (hip -> shoulder), turned toward the floor by
    # neck_deg (+ hanging, - craned), and the head turns with it. The nose sits ~0.10 m
    # anterior (toward the floor) of the ear, as in formcheck.features.core' NOSE_NECK_OFFSET_DEG
    # reasoning, and a little caudal of it: the face line (ear -> nose) points
    # ``face_pitch_deg`` past the perpendicular to the trunk, toward the feet, which is what
    # the pose model reads for a head in line (PlankConfig.head_pitch_offset_deg).
    trunk_angle = phi + sag  # the hip->shoulder direction points at angle trunk_angle
    neck_dir = _dir(trunk_angle - neck)
    anterior = _dir(trunk_angle - neck - 90.0)
    ear = shoulder + 0.21 * neck_dir
    pts["ear"] = ear
    pts["nose"] = ear + 0.10 * _dir(trunk_angle - neck - 90.0 - face_pitch_deg)
    pts["eye"] = ear + 0.02 * neck_dir + 0.08 * anterior
    pts["mouth"] = ear - 0.02 * neck_dir + 0.09 * anterior
    pts["hand"] = wrist + np.array([0.07, 0.0]) if variant == "forearm" else wrist
    return pts


PAIRS = {
    "shoulder": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "elbow": (L.LEFT_ELBOW, L.RIGHT_ELBOW),
    "wrist": (L.LEFT_WRIST, L.RIGHT_WRIST),
    "hip": (L.LEFT_HIP, L.RIGHT_HIP),
    "knee": (L.LEFT_KNEE, L.RIGHT_KNEE),
    "ankle": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
    "heel": (L.LEFT_HEEL, L.RIGHT_HEEL),
    "foot_index": (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
    "ear": (L.LEFT_EAR, L.RIGHT_EAR),
    "eye": (L.LEFT_EYE, L.RIGHT_EYE),
    "mouth": (L.MOUTH_LEFT, L.MOUTH_RIGHT),
    "hand": (L.LEFT_INDEX, L.RIGHT_INDEX),
}


def plank_series(
    duration_s: float = 6.0,
    fps: float = 30.0,
    variant: str = "forearm",
    knees: bool = False,
    bend_deg: float | np.ndarray = 0.0,
    neck_deg: float | np.ndarray = 0.0,
    arm_deg: float | np.ndarray = 0.0,
    facing: str = "right",
    view: str = "side",
    frame_size: tuple[int, int] = (1280, 720),
    noise_px: float = 0.0,
    missing_frames: float = 0.0,
    drop: tuple[int, ...] = (),
    mirror: bool = False,
    swap_prob: float = 0.0,
    seed: int = 0,
    face_pitch_deg: float = FACE_PITCH_DEG,
    knee_bend_deg: float = 0.0,
) -> PoseSeries:
    """A plank hold as a PoseSeries (raw, unsmoothed).

    ``facing``: the side of the image the head is on (side view). ``view``: ``"side"`` or
    ``"front"`` (camera in front of the head). ``drop``: landmark indices to leave out (NaN,
    e.g. :data:`EARS`, :data:`FEET`). ``mirror``: flip the image and the labels, as a mirrored
    clip does. ``swap_prob``: chance per frame that the model swapped left and right labels.
    ``missing_frames``: fraction of frames where nobody was detected. ``face_pitch_deg``: how
    far the face line (ear -> nose) of a head in line with the trunk points past the trunk's
    perpendicular, toward the feet.
    """
    n = int(round(duration_s * fps))
    rng = np.random.default_rng(seed)
    pts = plank_points(
        n, variant, knees, bend_deg, neck_deg, arm_deg, face_pitch_deg, knee_bend_deg
    )
    width, height = frame_size
    image = np.full((n, NUM_LANDMARKS, 3), np.nan)
    world = np.full((n, NUM_LANDMARKS, 3), np.nan)
    vis = np.zeros((n, NUM_LANDMARKS))
    hip_mid = pts["hip"]
    for name, (left, right) in PAIRS.items():
        p = pts[name]
        half = HALF_WIDTH.get(name, 0.08)
        for idx, side in ((left, 1.0), (right, -1.0)):  # left side is the near side
            lateral = side * half
            if view == "side":
                s = 1.0 if facing == "right" else -1.0
                scale = 0.6 * width / 1.9  # the body (~1.6 m) spans ~half the frame
                x = width / 2 + s * (p[:, 0] + 0.5) * scale
                y = 0.78 * height - p[:, 1] * scale
                depth = np.full(n, -lateral)  # near side closer to the camera
                wx, wy, wz = s * (p[:, 0] - hip_mid[:, 0]), -(p[:, 1] - hip_mid[:, 1]), depth
            else:  # camera on the floor in front of the head, looking along -u
                scale = 0.9 * height / 1.0
                x = width / 2 + lateral * scale
                y = 0.8 * height - p[:, 1] * scale - 0.05 * (p[:, 0] + 1.4) * scale
                wx, wy, wz = lateral, -(p[:, 1] - hip_mid[:, 1]), p[:, 0] - hip_mid[:, 0]
            image[:, idx, 0] = x / width
            image[:, idx, 1] = y / height
            image[:, idx, 2] = wz
            world[:, idx] = np.stack(np.broadcast_arrays(wx, wy, wz), axis=-1)
            vis[:, idx] = 0.97 if side > 0 or view == "front" else 0.6
    # Nose, and the fingers/thumbs/pinkies copy the hand point.
    image[:, L.NOSE] = image[:, L.LEFT_EYE]
    nose = pts["nose"]
    if view == "side":
        s = 1.0 if facing == "right" else -1.0
        scale = 0.6 * width / 1.9
        image[:, L.NOSE, 0] = (width / 2 + s * (nose[:, 0] + 0.5) * scale) / width
        image[:, L.NOSE, 1] = (0.78 * height - nose[:, 1] * scale) / height
        world[:, L.NOSE] = np.stack(
            [s * (nose[:, 0] - hip_mid[:, 0]), -(nose[:, 1] - hip_mid[:, 1]), np.zeros(n)], -1
        )
    else:
        world[:, L.NOSE] = world[:, L.LEFT_EYE] * np.array([0.0, 1.0, 1.0])
    vis[:, L.NOSE] = 0.99
    for a, b in ((L.LEFT_PINKY, L.LEFT_INDEX), (L.LEFT_THUMB, L.LEFT_INDEX)):
        image[:, a], world[:, a], vis[:, a] = image[:, b], world[:, b], vis[:, b]
    for a, b in ((L.RIGHT_PINKY, L.RIGHT_INDEX), (L.RIGHT_THUMB, L.RIGHT_INDEX)):
        image[:, a], world[:, a], vis[:, a] = image[:, b], world[:, b], vis[:, b]
    for a, b in ((L.LEFT_EYE_INNER, L.LEFT_EYE), (L.LEFT_EYE_OUTER, L.LEFT_EYE)):
        image[:, a], world[:, a], vis[:, a] = image[:, b], world[:, b], vis[:, b]
    for a, b in ((L.RIGHT_EYE_INNER, L.RIGHT_EYE), (L.RIGHT_EYE_OUTER, L.RIGHT_EYE)):
        image[:, a], world[:, a], vis[:, a] = image[:, b], world[:, b], vis[:, b]

    if noise_px > 0:
        image[:, :, 0] += rng.normal(0.0, noise_px / width, (n, NUM_LANDMARKS))
        image[:, :, 1] += rng.normal(0.0, noise_px / height, (n, NUM_LANDMARKS))
    if mirror:
        image[:, :, 0] = 1.0 - image[:, :, 0]
        world[:, :, 0] = -world[:, :, 0]
        _swap_labels(image, world, vis, np.ones(n, dtype=bool))
    if swap_prob > 0:
        _swap_labels(image, world, vis, rng.random(n) < swap_prob)
    for idx in drop:
        image[:, idx] = np.nan
        world[:, idx] = np.nan
        vis[:, idx] = np.nan
    presence = np.where(np.isfinite(vis), 0.99, np.nan)
    num_people = np.ones(n, dtype=np.int16)
    if missing_frames > 0:
        gone = rng.random(n) < missing_frames
        image[gone], world[gone], vis[gone], presence[gone] = np.nan, np.nan, np.nan, np.nan
        num_people[gone] = 0
    return PoseSeries(
        time_ms=np.arange(n) * 1000.0 / fps,
        image=image,
        world=world,
        visibility=vis,
        presence=presence,
        num_people=num_people,
        source=SourceInfo("synthetic-plank", width, height, fps, n),
    )


def _swap_labels(image: np.ndarray, world: np.ndarray, vis: np.ndarray, rows: np.ndarray) -> None:
    order = np.arange(NUM_LANDMARKS)
    for name in Landmark.__members__:
        if name.startswith("LEFT_"):
            a, b = Landmark[name], Landmark["RIGHT_" + name[5:]]
            order[a], order[b] = b, a
    order[L.MOUTH_LEFT], order[L.MOUTH_RIGHT] = L.MOUTH_RIGHT, L.MOUTH_LEFT
    for arr in (image, world, vis):
        arr[rows] = arr[rows][:, order]


def standing_series(duration_s: float = 3.0, fps: float = 30.0, seed: int = 0) -> PoseSeries:
    """A person standing side-on (not a plank): the trunk is vertical."""
    n = int(round(duration_s * fps))
    width, height = 1280, 720
    h_pts = {
        "ankle": (0.0, 0.09),
        "heel": (-0.05, 0.03),
        "foot_index": (0.15, 0.0),
        "knee": (0.0, 0.5),
        "hip": (0.0, 0.93),
        "shoulder": (0.0, 1.43),
        "elbow": (0.0, 1.12),
        "wrist": (0.02, 0.86),
        "hand": (0.03, 0.8),
        "ear": (0.0, 1.62),
        "eye": (0.08, 1.65),
        "mouth": (0.08, 1.58),
    }
    image = np.full((n, NUM_LANDMARKS, 3), np.nan)
    world = np.full((n, NUM_LANDMARKS, 3), np.nan)
    vis = np.zeros((n, NUM_LANDMARKS))
    scale = 0.8 * height / 1.8
    for name, (u, h) in h_pts.items():
        for idx, side in zip(PAIRS[name], (1.0, -1.0), strict=True):
            image[:, idx] = [
                (width / 2 + u * scale) / width,
                (0.9 * height - h * scale) / height,
                0,
            ]
            world[:, idx] = [u, -(h - 0.93), -side * HALF_WIDTH.get(name, 0.08)]
            vis[:, idx] = 0.97 if side > 0 else 0.6
    image[:, L.NOSE] = [
        (width / 2 + 0.11 * scale) / width,
        (0.9 * height - 1.62 * scale) / height,
        0,
    ]
    world[:, L.NOSE] = [0.11, -(1.62 - 0.93), 0.0]
    vis[:, L.NOSE] = 0.99
    rng = np.random.default_rng(seed)
    image[:, :, :2] += rng.normal(0.0, 0.5 / width, (n, NUM_LANDMARKS, 2))
    return PoseSeries(
        time_ms=np.arange(n) * 1000.0 / fps,
        image=image,
        world=world,
        visibility=vis,
        presence=np.where(vis > 0, 0.99, np.nan),
        num_people=np.ones(n, dtype=np.int16),
        source=SourceInfo("synthetic-standing", width, height, fps, n),
    )


def concat(*series: PoseSeries) -> PoseSeries:
    """Series one after the other on one time axis (same frame size and fps)."""
    first = series[0]
    fps = first.source.fps
    image = np.concatenate([s.image for s in series])
    n = image.shape[0]
    return PoseSeries(
        time_ms=np.arange(n) * 1000.0 / fps,
        image=image,
        world=np.concatenate([s.world for s in series]),
        visibility=np.concatenate([s.visibility for s in series]),
        presence=np.concatenate([s.presence for s in series]),
        num_people=np.concatenate([s.num_people for s in series]),
        source=SourceInfo("synthetic-concat", first.source.width, first.source.height, fps, n),
    )
