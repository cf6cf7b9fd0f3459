"""Synthetic side-view deadlift landmark series for the deadlift rule's tests.

A 2D stick figure in the image plane (facing right or left) posed by a few angles per frame:
torso lean from vertical, thigh and shin angles, and a head drop. A spine-flexion channel bows
the back's outline (``extras["back_profile"]``, the same layout as formcheck.features.silhouette) and
drops the head toward the floor, as a rounded back does. A hands channel moves the hands from
hanging straight (holding the bar, or relaxed) to resting on the thighs just above the knees, as
a lifter does after letting go of the bar. World landmarks put the left/right pairs along the
depth axis, so the view module sees a side view (or a front view when asked).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.features.silhouette import PROFILE_POSITIONS
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS, Landmark

W, H = 640, 480
SHIN, THIGH, TORSO, NECK = 95.0, 100.0, 125.0, 28.0
# Arms in proportion to the torso (Winter's anthropometric tables: hip to shoulder ~0.29 of
# height, upper arm 0.19, forearm 0.15, i.e. ~80 and ~63 px for this torso; the plank and swing
# factories use the same ratios). With the former 70-px upper arm the hands reached the knees
# with the arms almost straight once the hips came up a little.
UPPER_ARM, FOREARM = 80.0, 62.0
PX_PER_M = 200.0

# Poses (lean, thigh, shin) in degrees: torso from vertical, thigh from vertical (hip behind the
# knee), shin from vertical (knee ahead of the ankle). Hip flexion = lean + thigh, knee flexion
# = thigh + shin.
STAND = (0.0, 0.0, 0.0)
CONVENTIONAL_BOTTOM = (58.0, 62.0, 12.0)  # hip flexion 120, knee 74
RDL_BOTTOM = (72.0, 15.0, 5.0)  # hip flexion 87, knee 20
SQUAT_BOTTOM = (32.0, 82.0, 38.0)  # hip flexion 114, knee 120


@dataclass
class Keyframes:
    """Piecewise-smooth channels: a list of (duration_s, target) segments per channel."""

    fps: float = 30.0
    times: list[float] = field(default_factory=lambda: [0.0])
    poses: list[tuple[float, float, float]] = field(default_factory=lambda: [STAND])
    spine: list[float] = field(default_factory=lambda: [0.0])  # spine flexion, deg
    head: list[float] = field(default_factory=lambda: [0.0])  # extra head drop, deg
    # 0: arms hanging straight (on the bar, or relaxed); 1: hands on the thighs above the knees.
    hands: list[float] = field(default_factory=lambda: [0.0])

    def to(
        self, duration: float, pose, spine: float = 0.0, head: float = 0.0, hands: float = 0.0
    ) -> Keyframes:
        self.times.append(self.times[-1] + duration)
        self.poses.append(tuple(pose))
        self.spine.append(spine)
        self.head.append(head)
        self.hands.append(hands)
        return self

    def hold(self, duration: float) -> Keyframes:
        return self.to(duration, self.poses[-1], self.spine[-1], self.head[-1], self.hands[-1])

    def sample(self) -> dict[str, np.ndarray]:
        n = int(round(self.times[-1] * self.fps)) + 1
        t = np.arange(n) / self.fps
        keys = np.asarray(self.times)
        seg = np.clip(np.searchsorted(keys, t, side="right") - 1, 0, len(keys) - 2)
        u = np.clip((t - keys[seg]) / np.maximum(keys[seg + 1] - keys[seg], 1e-9), 0, 1)
        ease = 0.5 - 0.5 * np.cos(np.pi * u)  # smooth start and stop

        def interp(values) -> np.ndarray:
            v = np.asarray(values, dtype=np.float64)
            return v[seg] + (v[seg + 1] - v[seg]) * (ease[:, None] if v.ndim > 1 else ease)

        poses = interp(self.poses)
        return {
            "t": t,
            "lean": poses[:, 0],
            "thigh": poses[:, 1],
            "shin": poses[:, 2],
            "spine": interp(self.spine),
            "head": interp(self.head),
            "hands": interp(self.hands),
        }


def deadlift_reps(
    reps: int = 5,
    bottom=CONVENTIONAL_BOTTOM,
    spine: float | list[float] = 0.0,
    head: float | list[float] = 0.0,
    from_floor: bool = True,
    fps: float = 30.0,
    lead_s: float = 1.0,
    stand_up: str | None = None,
    pause_s: float = 2.0,
    rise_s: float = 0.8,
    settle: float = 0.0,
) -> Keyframes:
    """Reps of a deadlift. ``spine``/``head``: flexion and head drop at the bottom, per rep or all.

    from_floor: start hinged at the bar (conventional); else start standing (Romanian).
    stand_up: after the last rep the bar is set down and left on the floor; the lifter lets go,
    stays down ``pause_s`` and stands up without it in ``rise_s``: ``"knees"`` with the hands
    pushing off the thighs, ``"hanging"`` with the arms hanging. While letting go the lifter
    comes up ``settle`` of the way toward standing (0.1: the hips ~12 deg higher, as when the
    hands move to the knees). None: the recording stops with the bar on the floor.
    """
    spines = spine if isinstance(spine, list) else [spine] * reps
    heads = head if isinstance(head, list) else [head] * reps
    k = Keyframes(fps=fps)
    k.hold(lead_s)  # standing, walked up to the bar
    if from_floor:  # set up at the bar: the first rep's back shape
        k.to(1.0, bottom, spines[0], heads[0]).hold(0.6)
    for i in range(reps):
        if not from_floor:
            k.to(1.2, bottom, spines[i], heads[i]).hold(0.15)
        k.to(1.1, STAND, 0.0, 0.0).hold(0.5)
        if from_floor:  # lower the bar back to the floor, back shaped as on the way up
            k.to(1.2, bottom, spines[i], heads[i])
            if i + 1 < reps:
                # At the floor the lifter sets the back for the next pull at once (0.2 s), and
                # the rest at the floor before it is that pull's wedge: the rule judges the last
                # floor_window_s before the bar leaves the floor with the pull.
                k.to(0.2, bottom, spines[i + 1], heads[i + 1]).hold(0.3)
            else:
                k.hold(0.5)
    if stand_up is not None:
        if stand_up not in ("knees", "hanging"):
            raise ValueError(f"stand_up must be 'knees', 'hanging' or None, got {stand_up!r}")
        hands = 1.0 if stand_up == "knees" else 0.0
        rest = tuple(b + settle * (s - b) for b, s in zip(bottom, STAND, strict=True))
        k.to(0.4, rest, 0.0, 0.0, hands)  # lets go of the bar
        k.hold(max(pause_s - 0.4, 0.0))
        k.to(rise_s, STAND, 0.0, 0.0, 0.0)  # stands up; the hands slide off the thighs
    k.hold(lead_s)  # without stand_up the recording stops with the bar on the floor
    return k


def _arms(
    shoulder: np.ndarray, knee: np.ndarray, hip: np.ndarray, hands: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Elbows and wrists: arms hanging straight down, blended toward hands on the thighs.

    On the thighs: the hands rest on the front of the thigh just above the knee (two-link IK,
    elbow behind the shoulder-hand line); out of reach the arm points straight at that spot.
    """
    hang_elbow = shoulder + np.array([0.0, UPPER_ARM])
    hang_wrist = hang_elbow + np.array([0.0, FOREARM])
    target = knee + 0.15 * (hip - knee) + np.array([8.0, 0.0])
    d = target - shoulder
    dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)
    u = d / dist[:, None]
    reach = np.clip(dist, abs(UPPER_ARM - FOREARM) + 1.0, UPPER_ARM + FOREARM)
    # Angle at the shoulder between the shoulder-hand line and the upper arm (law of cosines).
    cos_a = (UPPER_ARM**2 + reach**2 - FOREARM**2) / (2 * UPPER_ARM * reach)
    a = np.arccos(np.clip(cos_a, -1.0, 1.0))
    # Rotate u by -a in (forward, down) coordinates: toward the back for a hand below.
    rot = np.stack([u[:, 0] * np.cos(a) + u[:, 1] * np.sin(a),
                    -u[:, 0] * np.sin(a) + u[:, 1] * np.cos(a)], axis=1)  # fmt: skip
    thigh_elbow = shoulder + UPPER_ARM * rot
    thigh_wrist = shoulder + reach[:, None] * u
    w = np.clip(hands, 0.0, 1.0)[:, None]
    return hang_elbow + w * (thigh_elbow - hang_elbow), hang_wrist + w * (thigh_wrist - hang_wrist)


def build_series(
    k: Keyframes,
    facing: int = 1,
    view: str = "side",
    noise_px: float = 0.0,
    missing: float = 0.0,
    with_profile: bool = True,
    bulge_per_deg: float = 0.0015,
    thickness: float = 0.22,
    seed: int = 0,
    profile_noise: float | None = None,
) -> PoseSeries:
    """A PoseSeries of the keyframed motion.

    ``noise_px``: Gaussian jitter of the landmarks (pixels). ``profile_noise``: Gaussian jitter
    of each back-outline sample (chord lengths); None: 0.004 with ``noise_px``, else none.

    ``view="front"`` turns the body to face the camera: left/right pairs spread across the
    image and the sagittal plane runs along depth, so only the vertical component of each
    segment is left in the image.
    """
    rng = np.random.default_rng(seed)
    c = k.sample()
    n = c["t"].size
    f = float(facing)
    lean, thigh, shin = (np.radians(c[name]) for name in ("lean", "thigh", "shin"))
    flex = np.radians(c["spine"])
    # A rounded back shortens the hip-shoulder chord a little and tips the chord and the neck
    # down: the chord turns by about half the flexion, the neck by all of it.
    chord = TORSO * np.sinc(flex / (2 * np.pi))
    trunk = lean + flex / 2.0
    neck = trunk + flex / 2.0 + np.radians(c["head"])

    sag = np.zeros((n, 2))  # sagittal plane: (forward, down) in pixels
    ankle = np.stack([np.zeros(n), np.zeros(n)], axis=1)
    knee = ankle + SHIN * np.stack([np.sin(shin), -np.cos(shin)], axis=1)
    hip = knee + THIGH * np.stack([-np.sin(thigh), -np.cos(thigh)], axis=1)
    shoulder = hip + chord[:, None] * np.stack([np.sin(trunk), -np.cos(trunk)], axis=1)
    # Neutral head: standing, the ear sits a little in front of the trunk line's extension
    # (neck_flexion ~ +15); hinged, lifters look ahead, which extends the neck against the
    # trunk (~ -12 at the bottom of a pull), as on real footage.
    ear_dir = neck + np.radians(15.0) - 0.45 * lean
    ear = shoulder + NECK * np.stack([np.sin(ear_dir), -np.cos(ear_dir)], axis=1)
    fwd = np.stack([np.sin(neck + np.pi / 2), -np.cos(neck + np.pi / 2)], axis=1)
    nose = ear + 18.0 * fwd + 4.0 * np.stack([np.sin(neck), -np.cos(neck)], axis=1)
    eye = ear + 14.0 * fwd + 7.0 * np.stack([np.sin(neck), -np.cos(neck)], axis=1)
    mouth = ear + 12.0 * fwd - 5.0 * np.stack([np.sin(neck), -np.cos(neck)], axis=1)
    elbow, wrist = _arms(shoulder, knee, hip, c["hands"])
    heel = ankle + np.array([-14.0, 9.0])
    toe = ankle + np.array([30.0, 11.0])
    del sag

    pts = np.zeros((n, NUM_LANDMARKS, 2))
    lm = Landmark
    mid = {
        "SHOULDER": shoulder, "ELBOW": elbow, "WRIST": wrist, "PINKY": wrist + [2, 12],
        "INDEX": wrist + [5, 13], "THUMB": wrist + [6, 8], "HIP": hip, "KNEE": knee,
        "ANKLE": ankle, "HEEL": heel, "FOOT_INDEX": toe, "EAR": ear, "EYE": eye,
        "EYE_INNER": eye + [2, 0], "EYE_OUTER": eye - [2, 0], "MOUTH": mouth,
    }  # fmt: skip
    depth = {}
    for name, p in mid.items():
        for side, dz in (("LEFT", -1.0), ("RIGHT", 1.0)):
            key = f"{side}_{name}" if name != "MOUTH" else f"MOUTH_{side}"
            idx = lm[key]
            pts[:, idx] = p
            depth[idx] = dz
    pts[:, lm.NOSE] = nose

    # Screen placement: feet at the bottom centre; facing left mirrors x.
    x0, y0 = W * 0.5, H * 0.9
    img = np.empty((n, NUM_LANDMARKS, 2))
    world = np.zeros((n, NUM_LANDMARKS, 3))
    hip_mid = hip[:, None, :]
    half_width = {"SHOULDER": 18.0, "HIP": 13.0}
    for i in range(NUM_LANDMARKS):
        dz = depth.get(i, 0.0)
        sx = pts[:, i, 0]
        sy = pts[:, i, 1]
        name = lm(i).name.split("_", 1)[-1]
        spread = half_width.get(name, 8.0) * dz
        if view == "side":
            img[:, i, 0] = x0 + f * sx + 2.0 * dz  # the far side peeks out a little
            img[:, i, 1] = y0 + sy
            world[:, i] = (
                np.stack(
                    [f * (sx - hip_mid[:, 0, 0]), sy - hip_mid[:, 0, 1], spread * np.ones(n)],
                    axis=1,
                )
                / PX_PER_M
            )
        else:  # front: sagittal forward axis goes into depth
            img[:, i, 0] = x0 + spread
            img[:, i, 1] = y0 + sy
            world[:, i] = (
                np.stack(
                    [spread * np.ones(n), sy - hip_mid[:, 0, 1], -(sx - hip_mid[:, 0, 0])], axis=1
                )
                / PX_PER_M
            )
    if noise_px:
        img = img + rng.normal(0.0, noise_px, img.shape)

    image = np.zeros((n, NUM_LANDMARKS, 3))
    image[..., 0] = img[..., 0] / W
    image[..., 1] = img[..., 1] / H
    vis = np.full((n, NUM_LANDMARKS), 0.95)
    if view == "side":
        far = "LEFT" if facing > 0 else "RIGHT"
        for i in range(NUM_LANDMARKS):
            if lm(i).name.startswith(far) or lm(i).name.endswith(far):
                vis[:, i] = 0.55
    presence = np.full((n, NUM_LANDMARKS), 0.99)
    people = np.ones(n, dtype=np.int16)

    extras = {}
    if with_profile:
        posterior = thickness + bulge_per_deg * c["spine"][:, None] * 4 * PROFILE_POSITIONS * (
            1 - PROFILE_POSITIONS
        )
        anterior = np.full((n, PROFILE_POSITIONS.size), thickness + 0.05)
        if profile_noise is None:
            profile_noise = 0.004 if noise_px else 0.0
        if profile_noise:
            posterior = posterior + rng.normal(0.0, profile_noise, posterior.shape)
        # Row 0 is the side of rotate90(hip -> shoulder) on screen: the front when facing
        # right, the back when facing left (formcheck.features.silhouette / features conventions).
        rows = (anterior, posterior) if facing > 0 else (posterior, anterior)
        if view == "front":
            rows = (np.full_like(anterior, 0.3), np.full_like(anterior, 0.3))
        extras["back_profile"] = np.concatenate(rows, axis=1).astype(np.float32)

    if missing:
        drop = rng.random(n) < missing
        image[drop] = np.nan
        world[drop] = np.nan
        vis[drop] = np.nan
        presence[drop] = np.nan
        people[drop] = 0
        if with_profile:
            extras["back_profile"][drop] = np.nan

    return PoseSeries(
        time_ms=c["t"] * 1000.0,
        image=image,
        world=world,
        visibility=vis,
        presence=presence,
        num_people=people,
        source=SourceInfo("synthetic-deadlift", W, H, k.fps),
        model="factory",
        extras=extras,
    )
