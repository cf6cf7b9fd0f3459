"""Synthetic kettlebell-swing landmark series for the rule tests (no model, no video).

A stick figure in the sagittal plane is posed from segment angles keyframed per rep (bottom of
the backswing -> hip snap -> float at the top -> drop -> hinge), as in ``formcheck.synth``, and
its 33 BlazePose landmarks are projected by an orthographic camera at the side (or in front).
Fault parameters change the keyframes the way the fault looks:

* ``lean_back_deg``: trunk behind vertical at the top, hips pushed through (thighs behind
  vertical by 0.4x the lean), so the shoulder-hip-knee line bends backwards.
* ``heel_lift``: the heels leave the floor at the bottom (foot pitched about the ball, metres),
  with ``hips_forward`` moving the hips over the ankles there (the bell pulling forward).
* ``toe_sink``: pose-model artefacts of a flat-footed hinge, at the bottom (metres): the toe
  point sinking below the floor (a phantom heel rise). ``ankle_jump``: the ankle landmark alone
  drawn that much higher (a landmark glitch, the foot itself stays flat).
* ``glitches`` (:func:`swing_series`): one foot landmark alone (both sides) drawn higher for a
  few frames at a set moment of every backswing, e.g. a heel point jumping early in the descent
  and the ankle point later, at the bottom.
* ``arm_lift_deg``: arms raised that much beyond the passive float (85 deg from hanging).
* ``arm_lead_deg``: arms raised early, while the hips are still bent on the way up.
* ``squat``: 0..1, knees bent a lot and torso upright at the bottom instead of a hinge.

Angles: trunk = hip->shoulder from vertical (+ forward), thigh = hip->knee from straight down
(+ knee forward), shin = ankle->knee from vertical (+ knee forward), arm = shoulder->wrist from
straight down (+ forward). Hip flexion = trunk + thigh, knee flexion = thigh + shin.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS, Landmark

L = Landmark
# Segment lengths (m) of a 1.75 m adult.
SHIN, THIGH, TORSO, UPPER_ARM, FOREARM, NECK = 0.43, 0.43, 0.50, 0.30, 0.27, 0.20
ANKLE_H, HEEL_BACK, BALL_FWD, TOE_FWD = 0.08, 0.06, 0.13, 0.18
# Lateral (z) half-widths of left/right pairs.
HALF = {
    "eye": 0.03,
    "ear": 0.07,
    "mouth": 0.025,
    "shoulder": 0.18,
    "elbow": 0.17,
    "wrist": 0.05,
    "hand": 0.05,
    "hip": 0.10,
    "knee": 0.10,
    "ankle": 0.10,
    "foot": 0.10,
}
PAIRS = {
    "eye": [(L.LEFT_EYE_INNER, L.RIGHT_EYE_INNER), (L.LEFT_EYE, L.RIGHT_EYE),
            (L.LEFT_EYE_OUTER, L.RIGHT_EYE_OUTER)],
    "ear": [(L.LEFT_EAR, L.RIGHT_EAR)],
    "mouth": [(L.MOUTH_LEFT, L.MOUTH_RIGHT)],
    "shoulder": [(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)],
    "elbow": [(L.LEFT_ELBOW, L.RIGHT_ELBOW)],
    "wrist": [(L.LEFT_WRIST, L.RIGHT_WRIST)],
    "hand": [(L.LEFT_PINKY, L.RIGHT_PINKY), (L.LEFT_INDEX, L.RIGHT_INDEX),
             (L.LEFT_THUMB, L.RIGHT_THUMB)],
    "hip": [(L.LEFT_HIP, L.RIGHT_HIP)],
    "knee": [(L.LEFT_KNEE, L.RIGHT_KNEE)],
    "ankle": [(L.LEFT_ANKLE, L.RIGHT_ANKLE)],
    "heel": [(L.LEFT_HEEL, L.RIGHT_HEEL)],
    "toe": [(L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)],
}  # fmt: skip


def _keyframes(t: np.ndarray, times: list[float], frames: list[dict]) -> dict[str, np.ndarray]:
    return {
        k: PchipInterpolator(times, [f[k] for f in frames])(np.clip(t, times[0], times[-1]))
        for k in frames[0]
    }


def swing_angles(
    reps: int = 5,
    period_s: float = 1.4,
    fps: float = 30.0,
    lean_back_deg: float = 0.0,
    heel_lift: float = 0.0,
    hips_forward: float = 0.0,
    toe_sink: float = 0.0,
    ankle_jump: float = 0.0,
    arm_lift_deg: float = 0.0,
    arm_lead_deg: float = 0.0,
    squat: float = 0.0,
    start: str = "top",
    end: str = "top",
) -> tuple[np.ndarray, dict[str, np.ndarray], list[float]]:
    """Per-frame segment angles (deg), heel lift (m) and hip shift (m); plus the tops' times.

    ``start``: "top" (standing, bell in hand) or "floor" (a 1.5 s set-up hinge, bell on the
    floor, then the hike). ``end``: "top" (stops standing with the bell floated down),
    "park" (last backswing, bell parked, stays hinged) or "stand" (parks, then stands up).
    """
    sq = squat
    bottom = dict(
        trunk=58.0 - 30.0 * sq,
        thigh=24.0 + 48.0 * sq,
        shin=7.0 + 22.0 * sq,
        arm=-28.0 + 10.0 * sq,
        heel=heel_lift,
        shift=hips_forward,
        sink=toe_sink,
        jump=ankle_jump,
    )
    snap = dict(
        trunk=22.0,
        thigh=8.0,
        shin=3.0,
        arm=30.0 + arm_lead_deg,
        heel=0.3 * heel_lift,
        shift=0.3 * hips_forward,
        sink=0.3 * toe_sink,
        jump=0.3 * ankle_jump,
    )
    top = dict(
        trunk=-lean_back_deg,
        thigh=-0.4 * lean_back_deg,
        shin=0.0,
        arm=85.0 + arm_lift_deg,
        heel=0.0,
        shift=0.0,
    )
    flat = dict(heel=0.0, shift=0.0, sink=0.0, jump=0.0)
    top.update(sink=0.0, jump=0.0)
    drop = dict(trunk=0.0, thigh=0.0, shin=0.0, arm=55.0 + 0.5 * arm_lift_deg) | flat
    hinge = dict(
        trunk=30.0, thigh=10.0, shin=3.0, arm=5.0, heel=0.3 * heel_lift, shift=0.3 * hips_forward
    )
    hinge.update(sink=0.3 * toe_sink, jump=0.3 * ankle_jump)
    stand = dict(trunk=0.0, thigh=0.0, shin=0.0, arm=0.0) | flat
    setup = dict(trunk=58.0, thigh=50.0, shin=25.0, arm=70.0) | flat
    phases = [(0.0, bottom), (0.2, snap), (0.42, top), (0.58, drop), (0.8, hinge)]

    times: list[float] = []
    frames: list[dict] = []
    if start == "floor":
        times += [0.0, 1.5]
        frames += [setup, setup]
        lead = 2.0
    else:
        times += [0.0, 0.5]
        frames += [stand, stand]
        lead = 1.2
    tops = []
    for k in range(reps):
        base = lead + k * period_s
        for ph, key in phases:
            times.append(base + ph * period_s)
            frames.append(key)
        tops.append(base + 0.42 * period_s)
    t_end = lead + reps * period_s
    if end == "top":
        # After the last float the bell comes down in front and the lifter stands still.
        times[-1] = times[-2] + 0.3 * period_s
        frames[-1] = stand
        times += [times[-1] + 0.8]
        frames += [stand]
    elif end == "park":
        times += [t_end, t_end + 0.6, t_end + 2.0]
        frames += [bottom, setup, setup]
    elif end == "stand":
        times += [t_end, t_end + 0.6, t_end + 1.6, t_end + 2.4]
        frames += [bottom, setup, stand, stand]
    else:
        raise ValueError(end)
    n = int(round(times[-1] * fps))
    t = np.arange(n) / fps
    return t, _keyframes(t, times, frames), tops


def _pose_points(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sagittal-plane (x anterior, y up) points, (T, 2) each, from segment angles."""
    r = np.radians
    n = len(a["trunk"])
    ball = np.tile([BALL_FWD, 0.0], (n, 1))
    # The foot pitches about the ball by the heel lift.
    pitch = np.arcsin(np.clip(a["heel"] / (BALL_FWD + HEEL_BACK), 0.0, 0.9))
    c, s = np.cos(pitch), np.sin(pitch)

    def foot(p: tuple[float, float]) -> np.ndarray:
        v = np.array(p) - np.array([BALL_FWD, 0.0])
        # Clockwise in (x anterior, y up): the heel, behind the ball, goes up.
        return ball + np.stack([c * v[0] + s * v[1], -s * v[0] + c * v[1]], axis=-1)

    ankle = foot((0.0, ANKLE_H))
    heel = foot((-HEEL_BACK, 0.02))
    toe = np.tile([TOE_FWD, 0.01], (n, 1))
    toe[:, 1] -= a["sink"]
    knee = ankle + SHIN * np.stack([np.sin(r(a["shin"])), np.cos(r(a["shin"]))], axis=-1)
    hip = knee + THIGH * np.stack([-np.sin(r(a["thigh"])), np.cos(r(a["thigh"]))], axis=-1)
    # The bell pulling the lifter forward moves the hips (and all above) toward the toes.
    hip = hip + np.stack([a["shift"], np.zeros(n)], axis=-1)
    knee = knee + np.stack([0.5 * a["shift"], np.zeros(n)], axis=-1)
    trunk = np.stack([np.sin(r(a["trunk"])), np.cos(r(a["trunk"]))], axis=-1)
    shoulder = hip + TORSO * trunk
    arm = np.stack([np.sin(r(a["arm"])), -np.cos(r(a["arm"]))], axis=-1)
    elbow = shoulder + UPPER_ARM * arm
    wrist = elbow + FOREARM * arm
    hand = wrist + 0.06 * arm
    ear = shoulder + NECK * trunk
    # The face points forward, perpendicular to the trunk (anterior = trunk turned clockwise).
    face = np.stack([trunk[:, 1], -trunk[:, 0]], axis=-1)
    nose = ear + 0.10 * face + 0.02 * trunk
    eye = ear + 0.08 * face + 0.04 * trunk
    mouth = ear + 0.08 * face - 0.03 * trunk
    ankle = ankle + np.stack([np.zeros(n), a["jump"]], axis=-1)  # the landmark only
    return dict(ankle=ankle, heel=heel, toe=toe, knee=knee, hip=hip, shoulder=shoulder,
                elbow=elbow, wrist=wrist, hand=hand, ear=ear, nose=nose, eye=eye,
                mouth=mouth)  # fmt: skip


def swing_series(
    reps: int = 5,
    *,
    view: str = "side",
    facing: int = 1,
    noise_px: float = 0.0,
    foot_noise_px: float = 0.0,
    drop_frames: float = 0.0,
    swap_labels: float = 0.0,
    far_visibility: float = 0.6,
    size: tuple[int, int] = (640, 480),
    seed: int = 0,
    glitches: tuple[tuple[str, float, float, float], ...] = (),
    **motion,
) -> PoseSeries:
    """A PoseSeries of synthetic swings (see :func:`swing_angles` for ``motion`` keywords).

    ``view`` "side" or "front"; ``facing`` +1 faces image right, -1 left (side view);
    ``noise_px`` Gaussian pixel noise (``foot_noise_px`` more on the ankles, heels and toes
    only); ``drop_frames`` the share of frames with nobody found
    (NaN rows); ``swap_labels`` the share of frames whose left/right labels are swapped.
    ``glitches``: (part, start_s, duration_s, metres) with part "ankle", "heel" or "toe": that
    landmark drawn ``metres`` higher from ``start_s`` after each bottom of the backswing
    (negative: before it) for ``duration_s``.
    """
    fps = float(motion.pop("fps", 30.0))
    period_s = float(motion.get("period_s", 1.4))
    t, angles, tops = swing_angles(reps=reps, fps=fps, **motion)
    pts = _pose_points(angles)
    n = len(t)
    w, h = size
    scale = 0.8 * h / 1.9  # px per metre
    x0, y0 = 0.5 * w, 0.92 * h
    rng = np.random.default_rng(seed)

    image = np.zeros((n, NUM_LANDMARKS, 3))
    world = np.zeros((n, NUM_LANDMARKS, 3))
    vis = np.full((n, NUM_LANDMARKS), 0.98)
    # Left side of the body is at +z (toward a camera on the person's left when facing -1).
    near_left = facing < 0
    for part, pairs in PAIRS.items():
        p = pts[part]
        half = HALF.get(part, 0.1)
        for k, pair in enumerate(pairs):
            for side, idx in zip((1.0, -1.0), pair, strict=True):  # left, right
                z = side * half * (1.0 - 0.3 * k)
                if view == "side":
                    px = x0 + facing * scale * p[:, 0]
                    depth = -z if near_left else z
                    far = (side > 0) != near_left
                    vis[:, idx] = far_visibility if far else 0.98
                    wx, wz = facing * p[:, 0], depth
                elif view == "front":
                    px = x0 + scale * z
                    depth = -p[:, 0]
                    wx, wz = np.full(n, z), depth
                else:
                    raise ValueError(view)
                py = y0 - scale * p[:, 1]
                image[:, idx, 0] = px / w
                image[:, idx, 1] = py / h
                image[:, idx, 2] = depth
                world[:, idx] = np.stack([wx, 1.0 - p[:, 1], np.broadcast_to(wz, n)], axis=-1)
    for part, start_s, duration_s, metres in glitches:
        for top in tops:
            bottom = top - 0.42 * period_s  # see the phases in swing_angles
            on = (t >= bottom + start_s - 1e-9) & (t < bottom + start_s + duration_s - 1e-9)
            for pair in PAIRS[part]:
                image[np.ix_(on, list(pair), [1])] -= metres * scale / h
    nose = pts["nose"]
    if view == "side":
        image[:, L.NOSE, 0] = (x0 + facing * scale * nose[:, 0]) / w
    else:
        image[:, L.NOSE, 0] = x0 / w
    image[:, L.NOSE, 1] = (y0 - scale * nose[:, 1]) / h
    world[:, L.NOSE] = np.stack([facing * nose[:, 0], 1.0 - nose[:, 1], np.zeros(n)], axis=-1)

    if noise_px > 0:
        image[:, :, 0] += rng.normal(0, noise_px / w, (n, NUM_LANDMARKS))
        image[:, :, 1] += rng.normal(0, noise_px / h, (n, NUM_LANDMARKS))
    if foot_noise_px > 0:
        feet = [idx for part in ("ankle", "heel", "toe") for pair in PAIRS[part] for idx in pair]
        image[:, feet, 0] += rng.normal(0, foot_noise_px / w, (n, len(feet)))
        image[:, feet, 1] += rng.normal(0, foot_noise_px / h, (n, len(feet)))
    if swap_labels > 0:
        swap = rng.random(n) < swap_labels
        lefts = [p[0] for pairs in PAIRS.values() for p in pairs]
        rights = [p[1] for pairs in PAIRS.values() for p in pairs]
        for arr in (image, world, vis):
            tmp = arr[swap][:, lefts].copy()
            sub = arr[swap]
            sub[:, lefts] = sub[:, rights]
            sub[:, rights] = tmp
            arr[swap] = sub
    people = np.ones(n, dtype=np.int16)
    if drop_frames > 0:
        gone = rng.random(n) < drop_frames
        image[gone] = np.nan
        world[gone] = np.nan
        vis[gone] = np.nan
        people[gone] = 0
    return PoseSeries(
        time_ms=t * 1000.0,
        image=image,
        world=world,
        visibility=vis,
        presence=np.where(np.isfinite(vis), 0.99, np.nan),
        num_people=people,
        source=SourceInfo(name="synthetic swing", width=w, height=h, fps=fps),
    )
