"""Keyframed exercise motions with per-frame ground truth: poses, fault flags and rep boundaries.

Each generator returns a :class:`Motion`: joint angles for every frame (smooth: minimum-jerk or
PCHIP between keyframes, so no overshoot), the props to draw, continuous ground-truth metrics
measured on the true skeleton, and fault flags raised where a metric passes the coaching threshold
in :data:`THRESHOLDS`. Flags come from the measured geometry, not from the parameters, so a flag
means exactly "the true body was past the threshold in this frame".

Fault codes: rounded_back, squatting, hips_sagging, hips_piked, neck_not_neutral,
elbows_not_under_shoulders, leaning_back, on_toes, arms_lifting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import PchipInterpolator

from formcheck.errors import ConfigError
from formcheck.synth.skeleton import (
    Body,
    Pose,
    Skeleton,
    forward_kinematics,
    sagittal_angle,
)

# Threshold at which each fault flag is raised (degrees unless noted). Chosen to match the
# tolerance a coach gives: a few degrees of wobble is normal, these are visible faults.
THRESHOLDS: dict[str, float] = {
    "rounded_back": 15.0,  # lumbar + thoracic flexion beyond neutral
    "squatting_deadlift": 80.0,  # knee flexion (a conventional set-up is ~60-70)
    "squatting_swing": 45.0,  # knee flexion (a hinge swing bottoms out at ~25-30)
    "hips_sagging": 10.0,  # shoulder-hip-ankle line bent with the hips below it
    "hips_piked": 10.0,  # ... with the hips above it
    "neck_not_neutral": 20.0,  # head flexed or extended against the trunk
    "elbows_not_under_shoulders": 15.0,  # upper arm away from vertical in the plank
    "leaning_back": 10.0,  # hip->shoulder line behind vertical
    "on_toes": 0.02,  # heel height above the floor, metres
    "arms_lifting": 105.0,  # arm elevation from hanging (90 = horizontal, chest height)
}

FAULT_CODES: dict[str, tuple[str, ...]] = {
    "deadlift": ("rounded_back", "squatting"),
    "plank": ("hips_sagging", "hips_piked", "neck_not_neutral", "elbows_not_under_shoulders"),
    "kettlebell_swing": ("rounded_back", "squatting", "leaning_back", "on_toes", "arms_lifting"),
}

PLATE_DIAMETER_M = 0.45  # standard bumper plate: puts the bar 0.225 m above the floor


@dataclass(frozen=True)
class Rep:
    """Frame indices of one repetition: start, the turning point (top or bottom) and end."""

    start: int
    peak: int
    end: int

    def to_dict(self) -> dict:
        return {"start": self.start, "peak": self.peak, "end": self.end}


@dataclass(frozen=True)
class Prop:
    """Equipment held by the figure; the renderer builds it on the hands' grip points.

    A barbell with ``params["release_frame"]`` (a frame index) is let go of in that frame: from
    then on the renderer leaves it where it was (set down on the floor) instead of at the hands.
    """

    kind: str  # "barbell" | "kettlebell"
    params: dict = field(default_factory=dict)


@dataclass
class Motion:
    """A posed figure over time plus what is true about it in each frame."""

    exercise: str
    fps: float
    pose: Pose
    body: Body
    skeleton: Skeleton
    metrics: dict[str, np.ndarray]
    faults: dict[str, np.ndarray]
    reps: list[Rep]
    hold: tuple[int, int] | None
    props: tuple[Prop, ...]
    params: dict

    def __len__(self) -> int:
        return len(self.pose)

    @property
    def time_ms(self) -> np.ndarray:
        return np.arange(len(self)) * (1000.0 / self.fps)


# ------------------------------------------------------------------------------ timing helpers
def _min_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk easing 0->1 (zero velocity and acceleration at both ends)."""
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10.0 - 15.0 * u + 6.0 * u * u)


def _piecewise(t: np.ndarray, segments: list[tuple[float, float, float]]) -> np.ndarray:
    """Value over time from (duration, start, end) segments eased with minimum jerk."""
    out = np.full(t.shape, segments[-1][2], dtype=np.float64)
    t0 = 0.0
    for duration, a, b in segments:
        inside = (t >= t0) & (t < t0 + duration)
        out[inside] = a + (b - a) * _min_jerk((t[inside] - t0) / duration)
        t0 += duration
    return out


def _keyframes(t: np.ndarray, times: list[float], values: dict[str, list[float]]) -> dict:
    """PCHIP interpolation of keyframed channels (shape-preserving: no overshoot)."""
    return {
        k: PchipInterpolator(times, v)(np.clip(t, times[0], times[-1])) for k, v in values.items()
    }


def _frames(duration_s: float, fps: float) -> np.ndarray:
    if fps <= 0 or not np.isfinite(fps):
        raise ConfigError(f"fps must be positive, got {fps}.", "Use e.g. fps=30.")
    return np.arange(int(round(duration_s * fps))) / fps


def _check_range(name: str, value: float, lo: float, hi: float) -> float:
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={value} is outside {lo}..{hi}.", f"Pick {name} in {lo}..{hi}.")
    return float(value)


# ------------------------------------------------------------------------------ posing helpers
def _trunk_vector(lumbar: np.ndarray, thoracic: np.ndarray, body: Body) -> np.ndarray:
    """(T, 2) pelvis -> shoulder-midpoint vector (x, y) in the pelvis frame for a spine shape."""
    pose = Pose.zeros(len(lumbar))
    pose.set("lumbar_flex", lumbar)
    pose.set("thoracic_flex", thoracic)
    sk = forward_kinematics(pose, body)
    mid = 0.5 * (sk.point("shoulder_l") + sk.point("shoulder_r"))
    return mid[:, :2]


def _standing_pose(
    body: Body,
    trunk_deg: np.ndarray,
    thigh_deg: np.ndarray,
    shin_deg: np.ndarray,
    arm_deg: np.ndarray,
    lumbar: np.ndarray,
    thoracic: np.ndarray,
    heel_deg: np.ndarray | float = 0.0,
    neck: np.ndarray | float = 0.0,
    elbow: np.ndarray | float = 0.0,
    hip_abd: float = 4.0,
    shoulder_abd: float = 0.0,
) -> Pose:
    """Joint angles from world segment angles for a figure standing on both feet.

    trunk: hip->shoulder line from vertical (forward +); thigh: hip->knee from straight down
    (knee ahead +); shin: ankle->knee from vertical (knee ahead +); arm: shoulder->hand from
    straight down (forward +); heel: foot pitch about the ball of the foot (heel up +).
    """
    n = len(trunk_deg)
    vec = _trunk_vector(lumbar, thoracic, body)
    beta0 = np.degrees(np.arctan2(vec[:, 0], vec[:, 1]))
    pitch = trunk_deg - beta0
    pose = Pose.zeros(n)
    pose.set("root_pitch", pitch)
    pose.set("lumbar_flex", lumbar)
    pose.set("thoracic_flex", thoracic)
    pose.set("neck_flex", neck)
    pose.set("hip_flex", thigh_deg + pitch)
    pose.set("hip_abd", hip_abd)
    pose.set("knee_flex", thigh_deg + shin_deg)
    heel = np.broadcast_to(np.asarray(heel_deg, float), (n,))
    pose.set("ankle_dorsi", shin_deg - heel)
    pose.set("toe_ext", heel)
    pose.set("shoulder_flex", arm_deg + pitch + lumbar + thoracic)
    pose.set("shoulder_abd", shoulder_abd)
    pose.set("elbow_flex", elbow)
    return pose


def _plant_feet(pose: Pose, body: Body, ball_x: float = 0.15) -> Skeleton:
    """Move the root so the lowest foot point touches the floor and the balls stay at ball_x."""
    pose.root_pos[:] = 0.0
    sk = forward_kinematics(pose, body)
    contacts = np.stack(
        [sk.point(f"{p}_floor_{s}") for p in ("heel", "ball", "toe") for s in "lr"], axis=1
    )
    dy = -contacts[:, :, 1].min(axis=1)
    balls = 0.5 * (sk.point("ball_floor_l") + sk.point("ball_floor_r"))
    dx = ball_x * body.scale - balls[:, 0]
    pose.root_pos[:, 0] = dx
    pose.root_pos[:, 1] = dy
    return forward_kinematics(pose, body)


def _mid(sk: Skeleton, name: str) -> np.ndarray:
    return 0.5 * (sk.point(f"{name}_l") + sk.point(f"{name}_r"))


def _angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = np.einsum("ti,ti->t", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def measure(sk: Skeleton, pose: Pose, line_end: str = "ankle") -> dict[str, np.ndarray]:
    """Ground-truth metrics of a posed skeleton, one (T,) array each (see module docs).

    hip_line_deg: bend of the shoulder-hip-``line_end`` line, + with the hips below the line
    (sag, towards the floor in a plank), - above it (pike).
    """
    shoulder, hip, wrist = _mid(sk, "shoulder"), _mid(sk, "hip"), _mid(sk, "wrist")
    end = _mid(sk, line_end)
    bend = 180.0 - _angle_between(shoulder - hip, end - hip)
    # Side of the shoulder-end line the hip is on, using the body's own "down" (chest side).
    chest = sk.frame("pelvis")[:, :, 0]
    below = np.einsum("ti,ti->t", hip - 0.5 * (shoulder + end), chest) > 0
    heels = np.stack([sk.point("heel_floor_l"), sk.point("heel_floor_r")], axis=1)
    return {
        "spine_flex_deg": pose["lumbar_flex"] + pose["thoracic_flex"],
        "knee_flex_deg": 0.5 * (pose["knee_flex_l"] + pose["knee_flex_r"]),
        "hip_line_deg": np.where(below, bend, -bend),
        "neck_deg": pose["neck_flex"].copy(),
        "trunk_lean_deg": sagittal_angle(shoulder - hip),
        "upper_arm_deg": sagittal_angle(_mid(sk, "elbow") - shoulder, down=True),
        "arm_elevation_deg": sagittal_angle(wrist - shoulder, down=True),
        "heel_height_m": heels[:, :, 1].min(axis=1),
    }


def flag_faults(exercise: str, m: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-frame fault flags for an exercise from its ground-truth metrics and THRESHOLDS."""
    th = THRESHOLDS
    flags = {
        "rounded_back": m["spine_flex_deg"] > th["rounded_back"],
        "hips_sagging": m["hip_line_deg"] > th["hips_sagging"],
        "hips_piked": m["hip_line_deg"] < -th["hips_piked"],
        "neck_not_neutral": np.abs(m["neck_deg"]) > th["neck_not_neutral"],
        "elbows_not_under_shoulders": np.abs(m["upper_arm_deg"]) > th["elbows_not_under_shoulders"],
        "leaning_back": m["trunk_lean_deg"] < -th["leaning_back"],
        "on_toes": m["heel_height_m"] > th["on_toes"],
        "arms_lifting": m["arm_elevation_deg"] > th["arms_lifting"],
    }
    key = "squatting_deadlift" if exercise == "deadlift" else "squatting_swing"
    flags["squatting"] = m["knee_flex_deg"] > th[key]
    return {code: flags[code] for code in FAULT_CODES[exercise]}


def _finish(
    exercise: str,
    fps: float,
    pose: Pose,
    body: Body,
    sk: Skeleton,
    reps: list[Rep],
    hold: tuple[int, int] | None,
    props: tuple[Prop, ...],
    params: dict,
    line_end: str = "ankle",
) -> Motion:
    metrics = measure(sk, pose, line_end)
    return Motion(
        exercise=exercise,
        fps=float(fps),
        pose=pose,
        body=body,
        skeleton=sk,
        metrics=metrics,
        faults=flag_faults(exercise, metrics),
        reps=reps,
        hold=hold,
        props=props,
        params=params,
    )


def _frame_of(t_s: float, fps: float, n: int) -> int:
    return int(min(max(round(t_s * fps), 0), n - 1))


# ------------------------------------------------------------------------------ deadlift
def _hinge_ik(
    body: Body,
    bar_x: np.ndarray,
    bar_y: np.ndarray,
    shin: np.ndarray,
    arm: np.ndarray,
    lumbar: np.ndarray,
    thoracic: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Thigh and trunk angles that put the hands on the bar, given the shins and the spine.

    Two-link inverse kinematics in the sagittal plane: knee (from the shin angle over a fixed
    ankle) -> hip (thigh length) -> shoulder (trunk length for this spine shape), with the
    shoulder placed so straight arms at angle ``arm`` reach the bar; the hip takes the solution
    behind the knee-shoulder line. Out of reach (lockout) the chain is straightened.
    """
    s = body.scale
    thigh_len, shin_len = body.length("knee_r"), body.length("ankle_r")
    arm_len = body.length("elbow_r") + body.length("wrist_r") + body.length("grip_r")
    trunk = _trunk_vector(lumbar, thoracic, body)
    trunk_len = np.hypot(trunk[:, 0], trunk[:, 1])
    ar, sr = np.radians(arm), np.radians(shin)
    sx, sy = bar_x - arm_len * np.sin(ar), bar_y + arm_len * np.cos(ar)
    kx, ky = shin_len * np.sin(sr), 0.068 * s + shin_len * np.cos(sr)
    dx, dy = sx - kx, sy - ky
    d = np.clip(np.hypot(dx, dy), np.abs(thigh_len - trunk_len) + 1e-6, thigh_len + trunk_len)
    ux, uy = dx / np.hypot(dx, dy), dy / np.hypot(dx, dy)
    along = (thigh_len**2 - trunk_len**2 + d**2) / (2 * d)
    across = np.sqrt(np.maximum(thigh_len**2 - along**2, 0.0))
    # Two circle intersections; the hip is the one behind (smaller x).
    hx1, hy1 = kx + along * ux - across * uy, ky + along * uy + across * ux
    hx2, hy2 = kx + along * ux + across * uy, ky + along * uy - across * ux
    pick = hx1 < hx2
    hx, hy = np.where(pick, hx1, hx2), np.where(pick, hy1, hy2)
    thigh = np.degrees(np.arctan2(kx - hx, hy - ky))
    # The trunk points from the hip at the shoulder target (reached unless out of reach).
    trunk_deg = np.degrees(np.arctan2(sx - hx, sy - hy))
    return thigh, trunk_deg


def deadlift(
    reps: int = 3,
    variant: str = "conventional",
    lumbar_flexion_deg: float = 0.0,
    thoracic_flexion_deg: float = 0.0,
    squat_factor: float = 0.0,
    progression: float = 0.0,
    plate_diameter_m: float = PLATE_DIAMETER_M,
    fps: float = 30.0,
    height_m: float = 1.75,
    stand_up_pause_s: float | None = None,
) -> Motion:
    """Barbell deadlift reps, side-on friendly.

    conventional: from the floor (bar on the plates, at the shins) to lockout and back down.
    romanian: from standing, hips back with soft knees to the bar just below the knees, and up.
    lumbar/thoracic_flexion_deg: peak spine rounding, largest with the bar low (set-up and first
    pull, the bottom of an RDL), gone by lockout. squat_factor 0..1: knees forward and bent a lot,
    hips low, torso upright. progression 0..1: the faults grow over the set (first rep has
    1 - progression of the amount, last rep all of it), as fatigue does.
    stand_up_pause_s: after the set the bar stays on the floor: the lifter lets go, rests the
    hands on the knees for this many seconds and stands up without the bar (not a rep; only
    for the conventional variant). None (default): the clip ends with the bar on the floor.
    The bar's prop records the frame the hands leave it (``release_frame``): the renderer
    leaves it on the floor from then on; the landmarks are those of the stand-up.
    """
    if variant not in ("conventional", "romanian"):
        raise ConfigError(
            f"Unknown deadlift variant {variant!r}.", "Use 'conventional' or 'romanian'."
        )
    reps = int(_check_range("reps", reps, 1, 50))
    _check_range("lumbar_flexion_deg", lumbar_flexion_deg, -20, 60)
    _check_range("thoracic_flexion_deg", thoracic_flexion_deg, -20, 60)
    _check_range("squat_factor", squat_factor, 0, 1)
    _check_range("progression", progression, 0, 1)
    _check_range("plate_diameter_m", plate_diameter_m, 0.1, 0.5)
    if stand_up_pause_s is not None:
        _check_range("stand_up_pause_s", stand_up_pause_s, 0.0, 30.0)
        if variant != "conventional":
            raise ConfigError(
                "stand_up_pause_s needs the conventional variant (the bar set down on the floor)."
            )
    body = Body(height_m)
    s = body.scale
    params = dict(
        reps=reps,
        variant=variant,
        lumbar_flexion_deg=lumbar_flexion_deg,
        thoracic_flexion_deg=thoracic_flexion_deg,
        squat_factor=squat_factor,
        progression=progression,
        plate_diameter_m=plate_diameter_m,
        fps=fps,
        height_m=height_m,
    )
    if stand_up_pause_s is not None:  # only when used: the samples' ground truth stays as it was
        params["stand_up_pause_s"] = stand_up_pause_s

    # Bar height as a fraction h of the way from the floor (0) to lockout (1).
    floor_h = 0.0 if variant == "conventional" else 0.42
    segments: list[tuple[float, float, float]] = []
    marks: list[tuple[float, float, float]] = []  # (start, peak, end) times
    t0 = 0.0
    if variant == "conventional":
        segments.append((0.8, 0.0, 0.0))
        t0 = 0.8
        for k in range(reps):
            up, top, down = 1.1, 0.45, 1.2
            segments += [(up, 0.0, 1.0), (top, 1.0, 1.0), (down, 1.0, 0.0)]
            marks.append((t0, t0 + up, t0 + up + top + down))
            t0 += up + top + down
            rest = 0.5 if k < reps - 1 else 0.6
            segments.append((rest, 0.0, 0.0))
            t0 += rest
        if stand_up_pause_s is not None:  # let go (0.4 s), rest, stand up (0.8 s), stand (1 s)
            release_t, rise_t = t0, t0 + 0.4 + stand_up_pause_s
            segments.append((rise_t + 1.8 - t0, 0.0, 0.0))
            t0 = rise_t + 1.8
    else:
        segments.append((0.6, 1.0, 1.0))
        t0 = 0.6
        for k in range(reps):
            down, bottom, up = 1.3, 0.15, 1.1
            segments += [(down, 1.0, floor_h), (bottom, floor_h, floor_h), (up, floor_h, 1.0)]
            marks.append((t0, t0 + down + bottom / 2, t0 + down + bottom + up))
            t0 += down + bottom + up
            rest = 0.4 if k < reps - 1 else 0.6
            segments.append((rest, 1.0, 1.0))
            t0 += rest
    t = _frames(t0, fps)
    n = len(t)
    h = np.clip(_piecewise(t, segments), 0.0, 1.0)

    # Fault amount per frame: the rep's share of the progression.
    rep_index = np.zeros(n)
    for k, (a, _, _) in enumerate(marks):
        rep_index[t >= a - 0.5] = k
    amount = 1.0 - progression * (1.0 - rep_index / max(reps - 1, 1))

    # How "low" the bar is: 1 with the bar at its lowest point, 0 near lockout.
    low = np.clip((0.85 - h) / (0.85 - floor_h), 0.0, 1.0)
    lumbar = lumbar_flexion_deg * amount * low**0.8
    thoracic = thoracic_flexion_deg * amount * low**0.8
    sq = squat_factor * amount

    plate_r = plate_diameter_m / 2.0
    standing = forward_kinematics(_standing_pose(body, *(np.zeros(1),) * 6), body)
    lock_y = float(_mid(standing, "grip")[0, 1] - standing.point("heel_floor_r")[0, 1])
    lock_y -= 0.01 * s  # bar resting on the thighs, shoulders just behind it
    bar_y = plate_r + h * (lock_y - plate_r)
    bar_x = np.full(n, 0.085 * s) + 0.06 * s * sq * low
    if variant == "conventional":
        shin = (11.0 + 22.0 * sq) * (1.0 - h) ** 1.6
        arm = -5.0 + 13.0 * h**2
    else:
        shin = (4.0 + 22.0 * sq) * low
        arm = 8.0 - 10.0 * low
    thigh, trunk = _hinge_ik(body, bar_x, bar_y, shin, arm, lumbar, thoracic)
    neck = -12.0 * low  # eyes a couple of metres ahead on the floor, head in line
    elbow: np.ndarray | float = 0.0
    if stand_up_pause_s is not None:
        # Hands off the bar onto the knees (arm swung back, elbows bent), then stand up
        # unloaded: every angle eases from the bottom pose to standing, the arms to hanging.
        pause = rise_t - release_t - 0.4
        hands = _piecewise(
            t, [(release_t, 0.0, 0.0), (0.4, 0.0, 1.0), (pause, 1.0, 1.0), (0.8, 1.0, 0.0)]
        )
        up = _piecewise(t, [(rise_t, 0.0, 0.0), (0.8, 0.0, 1.0)])
        arm = arm + hands * (-28.0 - arm)
        elbow = 65.0 * hands
        trunk, thigh, shin, lumbar, thoracic, neck = (
            x * (1.0 - up) for x in (trunk, thigh, shin, lumbar, thoracic, neck)
        )
    pose = _standing_pose(body, trunk, thigh, shin, arm, lumbar, thoracic, neck=neck, elbow=elbow)
    pose.set("shoulder_abd", 4.0)  # hands just outside the knees
    sk = _plant_feet(pose, body)
    frame_reps = [Rep(*(_frame_of(x, fps, n) for x in m)) for m in marks]
    prop_params: dict = {"plate_diameter_m": plate_diameter_m}
    if stand_up_pause_s is not None:  # last frame with the hands still on the bar
        prop_params["release_frame"] = int(min(np.floor(release_t * fps + 1e-6), n - 1))
    prop = Prop("barbell", prop_params)
    return _finish("deadlift", fps, pose, body, sk, frame_reps, None, (prop,), params)


# ------------------------------------------------------------------------------ plank
def plank(
    duration_s: float = 6.0,
    variant: str = "forearm",
    knees: bool = False,
    hip_sag_deg: float = 0.0,
    hip_pike_deg: float = 0.0,
    neck_deg: float = 0.0,
    elbow_offset_deg: float = 0.0,
    sag_onset_s: float | None = None,
    fault_ramp_s: float = 1.5,
    fps: float = 30.0,
    height_m: float = 1.75,
) -> Motion:
    """A plank hold with slow breathing; hip faults may start part-way through.

    hip_sag_deg / hip_pike_deg: target bend of the shoulder-hip-ankle line (sag = hips dropped,
    put into hip and lumbar extension; pike = hips raised by hip flexion). They ramp in over
    ``fault_ramp_s`` from ``sag_onset_s`` (None: present from the start). neck_deg: head flexion
    against the trunk (+ hanging, - craned up). elbow_offset_deg: upper arm from vertical
    (+ elbows/hands ahead of the shoulders).
    """
    if variant not in ("forearm", "high"):
        raise ConfigError(f"Unknown plank variant {variant!r}.", "Use 'forearm' or 'high'.")
    _check_range("duration_s", duration_s, 0.5, 600)
    _check_range("hip_sag_deg", hip_sag_deg, 0, 45)
    _check_range("hip_pike_deg", hip_pike_deg, 0, 60)
    _check_range("neck_deg", neck_deg, -60, 60)
    _check_range("elbow_offset_deg", elbow_offset_deg, -40, 40)
    if sag_onset_s is not None:
        _check_range("sag_onset_s", sag_onset_s, 0, duration_s)
    body = Body(height_m)
    s = body.scale
    params = dict(
        duration_s=duration_s,
        variant=variant,
        knees=knees,
        hip_sag_deg=hip_sag_deg,
        hip_pike_deg=hip_pike_deg,
        neck_deg=neck_deg,
        elbow_offset_deg=elbow_offset_deg,
        sag_onset_s=sag_onset_s,
        fault_ramp_s=fault_ramp_s,
        fps=fps,
        height_m=height_m,
    )
    t = _frames(duration_s, fps)
    n = len(t)
    onset = 0.0 if sag_onset_s is None else sag_onset_s
    ramp = np.ones(n) if sag_onset_s is None else _min_jerk((t - onset) / max(fault_ramp_s, 1e-3))
    breath = np.sin(2 * np.pi * t / 3.6)
    # Sag: half from the hips, the rest from the lower back (the line bends by about the sum,
    # the lumbar share scaled by where it bends); pike: hips only.
    sag, pike = hip_sag_deg * ramp, hip_pike_deg * ramp
    lumbar = -0.62 * sag + 0.8 * breath
    thoracic = 1.2 * breath
    hip = -0.55 * sag + pike
    arm = np.full(n, float(elbow_offset_deg))
    neck = np.full(n, float(neck_deg))

    def build(pitch: np.ndarray) -> Pose:
        pose = Pose.zeros(n)
        pose.set("root_pitch", pitch)
        pose.set("lumbar_flex", lumbar)
        pose.set("thoracic_flex", thoracic)
        pose.set("neck_flex", neck)
        pose.set("hip_flex", hip)
        pose.set("hip_abd", 2.0)
        pose.set("shoulder_flex", arm + pitch + lumbar + thoracic)  # upper arm vertical
        pose.set("shoulder_abd", 3.0)
        if variant == "forearm":
            pose.set("elbow_flex", 90.0 - arm)  # forearms flat on the floor, pointing ahead
        else:
            pose.set("wrist_ext", 90.0 - arm)  # palms flat, fingers ahead
        if knees:
            pose.set("knee_flex", 50.0)  # shins angled up, feet off the floor
            pose.set("ankle_dorsi", -35.0)
        else:
            pose.set("ankle_dorsi", -8.0)
            pose.set("toe_ext", 70.0)
        return pose

    def support_gap(pitch: np.ndarray) -> tuple[np.ndarray, Skeleton, Pose]:
        pose = build(pitch)
        sk = forward_kinematics(pose, body)
        if variant == "forearm":
            front = np.minimum(sk.point("elbow_l")[:, 1], sk.point("elbow_r")[:, 1]) - 0.04 * s
        else:
            front = np.minimum(sk.point("wrist_l")[:, 1], sk.point("wrist_r")[:, 1]) - 0.03 * s
        if knees:
            back = np.minimum(sk.point("knee_l")[:, 1], sk.point("knee_r")[:, 1]) - 0.05 * s
        else:
            back = np.stack(
                [sk.point(f"{p}_floor_{sd}")[:, 1] for p in ("ball", "toe") for sd in "lr"]
            ).min(axis=0)
        return front - back, sk, pose

    # Body pitch that puts both supports on the floor (secant iterations, per frame).
    p0, p1 = np.full(n, 75.0), np.full(n, 85.0)
    g0 = support_gap(p0)[0]
    for _ in range(12):
        g1 = support_gap(p1)[0]
        slope = np.where(np.abs(g1 - g0) > 1e-12, (p1 - p0) / (g1 - g0 + 1e-18), 0.0)
        p0, g0, p1 = p1, g1, p1 - g1 * slope
    gap, sk, pose = support_gap(p1)
    # Translate: supports on the floor, elbows/hands at x = 0.
    hands = "elbow" if variant == "forearm" else "wrist"
    front_pt = _mid(sk, hands)
    lift = 0.04 * s if variant == "forearm" else 0.03 * s
    pose.root_pos[:, 0] = -front_pt[:, 0] + 1.0 * s
    pose.root_pos[:, 1] = -front_pt[:, 1] + lift + 0.002 * breath * s
    sk = forward_kinematics(pose, body)
    hold = (0, n - 1)
    return _finish(
        "plank", fps, pose, body, sk, [], hold, (), params, line_end="knee" if knees else "ankle"
    )


# ------------------------------------------------------------------------------ kettlebell swing
# How the whole body rocks forward when the bell pulls the lifter onto the toes, per metre of
# heel lift (deg/m; 0.12 m = up on the balls of the feet): the shins tip forward (knees travel
# over the toes), the thighs come nearer vertical (the hips leave their place behind the heels
# and drift over the balls of the feet) and the trunk is pulled a little further down by the
# bell. At a 0.12 m lift the hips end up just ahead of the ankles (they sit ~0.12 m behind them
# in a flat-footed hinge) and the knees ~0.09 m further ahead of them; hip flexion barely changes.
_ROCK_SHIN_DEG_PER_M = 100.0  # +12 deg at 0.12 m
_ROCK_THIGH_DEG_PER_M = -70.0  # -8.4 deg
_ROCK_TRUNK_DEG_PER_M = 35.0  # +4.2 deg


def _rock_forward(kf: dict[str, np.ndarray], heel_lift: float) -> None:
    """Shift the keyframed segment angles (in place) the way a body rocks onto its toes.

    Follows the heel channel (its weight 0..1 over the rep), so the body moves exactly while
    the heels are up and stands where it would with flat feet otherwise.
    """
    lift = heel_lift * kf["heel"]
    kf["shin"] = kf["shin"] + _ROCK_SHIN_DEG_PER_M * lift
    kf["thigh"] = kf["thigh"] + _ROCK_THIGH_DEG_PER_M * lift
    kf["trunk"] = kf["trunk"] + _ROCK_TRUNK_DEG_PER_M * lift


def kettlebell_swing(
    reps: int = 5,
    lean_back_deg: float = 0.0,
    heel_lift: float = 0.0,
    arm_lift_deg: float = 0.0,
    squat_factor: float = 0.0,
    lumbar_flexion_deg: float = 0.0,
    rep_period_s: float = 1.4,
    bell_kg: float = 16.0,
    fps: float = 30.0,
    height_m: float = 1.75,
) -> Motion:
    """Two-hand Russian kettlebell swings: hike -> hip snap -> float at chest height -> back.

    lean_back_deg: trunk behind vertical at the top (hips pushed through, lower back arched).
    heel_lift: heel rise in metres at the bottom of the backswing (bell pulling forward); the
    whole body rocks forward with it (knees and hips drifting over the toes, the weight on the
    balls of the feet), as it does when a real lifter comes up on the toes.
    arm_lift_deg: extra arm elevation at the top beyond the passive float (~85 deg).
    squat_factor 0..1: knees bent a lot and torso upright in the backswing instead of a hinge.
    lumbar_flexion_deg: back rounding in the backswing.
    """
    reps = int(_check_range("reps", reps, 1, 100))
    _check_range("lean_back_deg", lean_back_deg, 0, 40)
    _check_range("heel_lift", heel_lift, 0, 0.12)
    _check_range("arm_lift_deg", arm_lift_deg, 0, 90)
    _check_range("squat_factor", squat_factor, 0, 1)
    _check_range("lumbar_flexion_deg", lumbar_flexion_deg, -20, 60)
    _check_range("rep_period_s", rep_period_s, 0.6, 5)
    _check_range("bell_kg", bell_kg, 4, 48)
    body = Body(height_m)
    params = dict(
        reps=reps,
        lean_back_deg=lean_back_deg,
        heel_lift=heel_lift,
        arm_lift_deg=arm_lift_deg,
        squat_factor=squat_factor,
        lumbar_flexion_deg=lumbar_flexion_deg,
        rep_period_s=rep_period_s,
        bell_kg=bell_kg,
        fps=fps,
        height_m=height_m,
    )
    sq = squat_factor
    # One rep as keyframes (phase of the period): bottom -> snap -> float -> drop -> bottom.
    bottom = dict(
        trunk=58.0 - 30.0 * sq,
        thigh=24.0 + 48.0 * sq,
        shin=7.0 + 22.0 * sq,
        arm=-28.0 + 10.0 * sq,
        lumbar=lumbar_flexion_deg,
        heel=1.0,
    )
    snap = dict(
        trunk=22.0, thigh=8.0, shin=3.0, arm=30.0, lumbar=0.3 * lumbar_flexion_deg, heel=0.3
    )
    # Leaning back: hips pushed forward over straight legs (knee ahead of the ankle, hip ahead
    # of the knee), the rest from hip and lumbar extension.
    lean = lean_back_deg
    top = dict(trunk=-lean, thigh=-0.3 * lean, shin=0.3 * lean, arm=85.0 + arm_lift_deg)
    top.update(lumbar=-0.6 * lean_back_deg, heel=0.0)
    drop = dict(trunk=0.0, thigh=0.0, shin=0.0, arm=55.0 + 0.5 * arm_lift_deg, lumbar=0.0, heel=0.0)
    hinge = dict(trunk=30.0 - 10 * sq, thigh=10.0 + 15 * sq, shin=3.0 + 8 * sq, arm=5.0)
    hinge.update(lumbar=0.3 * lumbar_flexion_deg, heel=0.3)
    stand = dict(trunk=0.0, thigh=0.0, shin=0.0, arm=0.0, lumbar=0.0, heel=0.0)
    phases = [(0.0, bottom), (0.2, snap), (0.42, top), (0.58, drop), (0.8, hinge)]

    lead_in, tail = 0.6, 1.2
    times, frames_ = [0.0], [bottom]
    marks = []
    for k in range(reps):
        base = lead_in + k * rep_period_s
        for ph, key in phases:
            times.append(base + ph * rep_period_s)
            frames_.append(key)
        marks.append((base, base + 0.42 * rep_period_s, base + rep_period_s))
    end_bottom = lead_in + reps * rep_period_s
    times += [end_bottom, end_bottom + 0.6, end_bottom + tail]
    frames_ += [bottom, hinge | {"arm": -5.0}, stand]
    values = {ch: [f[ch] for f in frames_] for ch in bottom}
    t = _frames(end_bottom + tail, fps)
    n = len(t)
    kf = _keyframes(t, times, values)
    if heel_lift > 0:
        _rock_forward(kf, heel_lift)
    # Heel rise: the keyframed weight 0..1 times the requested rise (rotation about the ball).
    heel_floor_to_ball = 0.19 * body.scale
    heel_deg = np.degrees(np.arcsin(np.clip(heel_lift * kf["heel"] / heel_floor_to_ball, 0, 1)))
    lumbar = kf["lumbar"]
    thoracic = 0.5 * np.minimum(lumbar, 0) + 0.4 * np.maximum(lumbar, 0)
    shoulder_adduction = -11.0  # both hands meet on the handle
    pose = _standing_pose(
        body,
        kf["trunk"],
        kf["thigh"],
        kf["shin"],
        kf["arm"],
        lumbar,
        thoracic,
        heel_deg=heel_deg,
        neck=-0.25 * np.maximum(kf["trunk"], 0.0),
        hip_abd=8.0,
        shoulder_abd=shoulder_adduction,
    )
    sk = _plant_feet(pose, body)
    frame_reps = [Rep(*(_frame_of(x, fps, n) for x in m)) for m in marks]
    prop = Prop("kettlebell", {"bell_kg": bell_kg})
    return _finish("kettlebell_swing", fps, pose, body, sk, frame_reps, None, (prop,), params)


# ------------------------------------------------------------------------------ negatives
# Movements that are none of the exercises, for recognition's "other" class: squats (the
# knees dominate, no weight comes off the floor, no bell swings), a belt squat (the load hangs
# from a belt at the hips, the hands hold the machine's handles) and standing movements.
SQUAT_VARIANTS = ("bodyweight", "goblet", "belt", "arm_raises")


def squat(
    reps: int = 4,
    variant: str = "bodyweight",
    rep_period_s: float = 2.6,
    depth: float = 1.0,
    fps: float = 30.0,
    height_m: float = 1.75,
) -> Motion:
    """Squat-like negatives for recognition (none is a deadlift, a swing or a plank).

    bodyweight: air squats, the arms reaching forward to shoulder height on the way down and
    back to the sides on the way up; the torso leans ~35 deg at the bottom, knees ~130 deg.
    goblet: a kettlebell held at the chest (elbows bent, hands under the chin), torso upright
    (~20 deg), knees ~130 deg. belt: a belt squat, the load hanging from a belt at the hips
    (drawn as a bell between the legs) and the hands on handles in front at hip height
    (fixed in the room: the arms rise from ~35 to ~75 deg as the body goes down), torso upright (~12 deg), knees ~115 deg, a brisk
    rhythm. arm_raises: standing front raises (arms from the sides to shoulder height), knees
    and hips almost straight: a standing movement with the arms rising like a swing's float.
    depth 0..1 scales how far the hips go down (1 = the depths above).
    """
    if variant not in SQUAT_VARIANTS:
        raise ConfigError(f"Unknown squat variant {variant!r}.", f"Use one of {SQUAT_VARIANTS}.")
    reps = int(_check_range("reps", reps, 1, 50))
    _check_range("rep_period_s", rep_period_s, 0.8, 8.0)
    _check_range("depth", depth, 0.0, 1.0)
    body = Body(height_m)
    params = dict(
        reps=reps, variant=variant, rep_period_s=rep_period_s, depth=depth, fps=fps,
        height_m=height_m,
    )  # fmt: skip
    # (top, bottom) of each channel: trunk, thigh, shin, arm (segment angles, degrees) and the
    # elbow; the bottom scaled by depth.
    ends = {
        "bodyweight": dict(trunk=(3, 35), thigh=(0, 95), shin=(0, 35), arm=(5, 88), elbow=(5, 5)),
        "goblet": dict(trunk=(3, 20), thigh=(0, 100), shin=(0, 32), arm=(22, 35), elbow=(135, 120)),
        "belt": dict(trunk=(5, 12), thigh=(0, 90), shin=(0, 25), arm=(35, 75), elbow=(10, 20)),
        "arm_raises": dict(trunk=(2, 4), thigh=(0, 3), shin=(0, 3), arm=(5, 90), elbow=(5, 5)),
    }[variant]
    lead_in, tail = 0.8, 0.8
    t = _frames(lead_in + reps * rep_period_s + tail, fps)
    n = len(t)
    segments: list[tuple[float, float, float]] = [(lead_in, 0.0, 0.0)]
    marks = []
    t0 = lead_in
    for _ in range(reps):
        down, bottom, up, top = (0.42, 0.06, 0.38, 0.14)
        segments += [
            (down * rep_period_s, 0.0, 1.0),
            (bottom * rep_period_s, 1.0, 1.0),
            (up * rep_period_s, 1.0, 0.0),
            (top * rep_period_s, 0.0, 0.0),
        ]
        marks.append((t0, t0 + (down + bottom / 2) * rep_period_s, t0 + rep_period_s))
        t0 += rep_period_s
    d = np.clip(_piecewise(t, segments), 0.0, 1.0)
    ch = {}
    for key, (top, low) in ends.items():
        scale = depth if key in ("trunk", "thigh", "shin") else 1.0
        ch[key] = top + (low - top) * scale * d
    breath = 0.5 * np.sin(2 * np.pi * t / 3.3)
    zeros = np.zeros(n)
    pose = _standing_pose(
        body,
        ch["trunk"] + breath,
        ch["thigh"],
        ch["shin"],
        ch["arm"],
        zeros,
        zeros,
        neck=-0.3 * ch["trunk"],
        elbow=ch["elbow"],
        hip_abd=12.0 if variant == "belt" else 8.0,
        shoulder_abd=-8.0 if variant == "goblet" else 4.0,
    )
    sk = _plant_feet(pose, body)
    metrics = measure(sk, pose)
    frame_reps = [Rep(*(_frame_of(x, fps, n) for x in m)) for m in marks]
    props: tuple[Prop, ...] = ()
    if variant == "goblet":
        props = (Prop("kettlebell", {"bell_kg": 16.0}),)
    elif variant == "belt":
        props = (Prop("belt", {"bell_kg": 24.0}),)
    return Motion(
        exercise=f"{variant}_squat" if variant != "arm_raises" else "front_raise",
        fps=float(fps),
        pose=pose,
        body=body,
        skeleton=sk,
        metrics=metrics,
        faults={},
        reps=frame_reps,
        hold=None,
        props=props,
        params=params,
    )


def standing(duration_s: float = 8.0, fps: float = 30.0, height_m: float = 1.75) -> Motion:
    """Standing in place: weight shifts, a look around, the arms crossed then hanging."""
    _check_range("duration_s", duration_s, 1.0, 120.0)
    body = Body(height_m)
    t = _frames(duration_s, fps)
    n = len(t)
    sway = np.sin(2 * np.pi * t / 4.0)
    arms = _piecewise(t, [(duration_s / 3, 0.0, 0.0), (1.0, 0.0, 1.0), (2.0, 1.0, 1.0)])
    pose = _standing_pose(
        body,
        3.0 + 2.0 * sway,
        2.0 + 3.0 * np.maximum(sway, 0),
        1.0 + 3.0 * np.maximum(sway, 0),
        5.0 + 30.0 * arms,
        np.zeros(n),
        np.zeros(n),
        neck=10.0 * np.sin(2 * np.pi * t / 5.0),
        elbow=110.0 * arms,
    )
    sk = _plant_feet(pose, body)
    params = dict(duration_s=duration_s, fps=fps, height_m=height_m)
    return Motion(
        exercise="standing",
        fps=float(fps),
        pose=pose,
        body=body,
        skeleton=sk,
        metrics=measure(sk, pose),
        faults={},
        reps=[],
        hold=None,
        props=(),
        params=params,
    )


# Every negative the renderer makes, by name: a factory each (for benchmarks and tests).
NEGATIVE_MOTIONS = {
    "squat_bodyweight": lambda: squat(variant="bodyweight"),
    "squat_goblet": lambda: squat(variant="goblet"),
    "squat_belt": lambda: squat(variant="belt", rep_period_s=2.0),
    "squat_belt_half": lambda: squat(variant="belt", rep_period_s=1.6, depth=0.6),
    "front_raises": lambda: squat(variant="arm_raises", rep_period_s=2.2),
    "standing": lambda: standing(),
}
