"""Clip-level movement cues measured from the features, which recognition scores each exercise by.

Generic and exercise-free: from a clip's :class:`~formcheck.features.frame_input.FrameMeasures`
this module measures cues of the movement and the posture (:func:`signals` per frame, then
:func:`clip_cues`, or :func:`still_cues` for a still) and a few judgements built on them
(:func:`clip_judgements`, :func:`still_judgements`: a prone hold, a hinge movement and how
ballistic it is, a squat, arms overhead...), and the phrases the one-line reasons are made of.
Each registered exercise's :class:`~formcheck.exercises.spec.Recognizer` (its plug-in's
``recognition`` module) turns those numbers into its evidence and a phrase, and
:mod:`formcheck.engine.recognize` scores them. The cues:

* **prone hold**: the body line (ankle to shoulder) *and* the legs are roughly horizontal, the
  trunk clearly off vertical (a high plank's trunk rises steeply when the hips sag), and the
  body stays still for seconds (a plank). A prone body that moves without push-ups' bending elbows (piking, hip
  dips, adjusting) is still a hold, an unsure one; push-ups are "other".
* **hinge phases**: excursions of the hip angle (shoulder-hip-knee) of at least
  :data:`HINGE_MIN_DEG`, found as alternating turning points (a "zigzag" with that minimum
  swing). A deadlift and a swing are both made of them; a squat too, which the posture at the
  bottom tells apart.
* **tempo**: how long the hips take to cover the middle 60% of an extension phase. A swing's
  hip snap is ballistic (about 0.2 s); a deadlift's pull is a grind (0.4 s and more), and so
  is a squat's. With two or more cycles the rep period adds to it: swings repeat every
  0.9-2 s, deadlift reps every 2.5-6 s.
* **the arms at the top**: in a swing the arms float up from between the legs to chest height
  or higher while the hips are extended (:data:`ARM_RISE_DEG`); in a deadlift they hang. Arms
  held up all along (goblet, air and prisoner squats, a belt squat's hands on the handles) do
  not float; arms overhead for much of the clip (jumping jacks, presses) are neither.
* **the bottom posture**: in a deadlift the hands (bar, bell) go down to the floor: a lift from
  the floor (:func:`floor_lift`, read as on-screen heights in standing leg lengths), whatever
  the knees do (a knee-dominant pull is a deadlift with the ``squatting`` fault); in a squat
  the knees bend a lot (or the hips drop far) with the torso fairly upright
  (:data:`SQUAT_MAX_TILT_DEG`) or the hands high, and the hands stay off the floor.
* **still images** (or clips too short to show a movement) get the same posture cues
  (:func:`still_cues`), because a single frame cannot show tempo.

Angles come from the model's *world* landmarks (metres, camera-aligned, y down) where present:
unlike image angles they do not shrink when the body turns toward the camera, so a hinge seen
from the front still reads as a hinge. The image landmarks (pixels) are the fallback, and they
alone give on-screen motion (world landmarks are centred on the hips, so they cannot show the
whole body moving). Left/right labels are never used: every part is the visibility-weighted
midpoint of its pair (:func:`formcheck.features.core.body_parts`).

The judgements are 0..1 values from soft ramps (:func:`ramp`) on those cues. The hinge
movement is split between grind and ballistic by adding the cues' log-odds (tempo, arms at the
top, hands at the bottom; naive-Bayes style), so one misleading cue (a fast deadlift, a wrist
misplaced behind a plate) does not decide alone. Frames next to a detection gap are not used
for timing or posture: the model's last guesses before it loses a person are poor.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from formcheck.features import geometry as geo

if TYPE_CHECKING:
    from formcheck.features.core import Features
    from formcheck.features.frame_input import FrameMeasures

# A hip-angle excursion of at least this much is a hinge phase. A deadlift from the floor moves
# the hips through ~100-140 deg, a Romanian deadlift or a swing ~80-110 deg; 40 deg excludes
# fidgeting, walking and breathing in a plank.
HINGE_MIN_DEG = 40.0
# Time for the middle 60% of a hip-extension phase: at or below FAST the phase is a swing's
# ballistic snap (~0.15-0.25 s), at or above SLOW a deadlift's (or squat's) grind (0.4-1 s).
# From this many hinge phases on (ramp) a repeated hinge counts fully even at a small range.
REPEATED_PHASES = (4.0, 7.0)
EXTENSION_FAST_S = 0.24
EXTENSION_SLOW_S = 0.36
# Landmarks within this of a frame where nobody was found are not trusted for timing/posture.
GAP_MARGIN_S = 0.3
# Log-odds weights of the ballistic-vs-grind cues (see clip_judgements): tempo with a rep
# period, tempo of a single phase, the arms at the top, the hands at the bottom.
W_TEMPO = 2.0
W_TEMPO_ONE_PHASE = 1.5
W_ARMS = 2.5
W_HANDS = 1.0
# Rep period (time between successive deepest points): swings 0.9-2 s, deadlifts 2.5-6 s.
PERIOD_FAST_S = 1.8
PERIOD_SLOW_S = 2.6
# Arm elevation (shoulder->wrist from straight down) at the top of a rep: a swing brings the
# bell to chest/shoulder height (70-100 deg); hanging arms are 0-30 deg in fact, but at a
# deadlift's lockout the plates hide the hands and the model's wrists drift 30-55 deg forward,
# so "forward" starts at 50. Overhead is > 140.
ARMS_FORWARD_DEG = (50.0, 75.0)  # ramp up: not forward .. forward
ARMS_OVERHEAD_DEG = (125.0, 150.0)  # ramp up: below the head .. overhead
# Share of frames with the arms overhead that marks jumping jacks, presses, snatches...
OVERHEAD_SHARE = (0.1, 0.3)
# The arms' highest point is looked for this long either side of the hips' top: the bell
# floats up just after the hips lock out.
ARM_TOP_WINDOW_S = 0.35
# The bottom of a squat: knees bent past ~80 deg with the torso within ~45 deg of vertical
# (or the hands up at the chest), and the hands nowhere near the floor (FLOOR_*).
# A conventional deadlift bends the knees as much but tips the torso 55-75 deg forward.
# Real squats (shared data, groups NEmrp1, NEmrp2, NEnik1, NEkrt1, NEkovi) bend the knees
# 110-130 deg at the bottom; real swings (KBmw) 42-52 deg.
SQUAT_MIN_KNEE_DEG = (60.0, 85.0)
SQUAT_MAX_TILT_DEG = (55.0, 40.0)  # ramp down: hinged .. upright
# ... or the hips drop a long way (hip height over the ankles at the bottom, as a share of it
# standing): a front view can read the knees' bend short (the model's depth is compressed),
# but not how far the hips go down on screen. Real squats drop 0.44-0.67 (their knees read
# 98-130 deg even from the front, so this is a hedge for the front views the belt
# squat came from), real swings 0.08-0.14 (a hinge sends the hips back, not down): placed by
# hand, 0.2 above the swings so a sloppy swing is not half a squat. Deadlifts drop as far as
# squats, which is why this only adds to the knees' evidence and the hands (FLOOR_*) tell
# the two apart.
SQUAT_HIP_DROP = (0.35, 0.5)  # ramp up: a hinge's .. a squat's
# Hands at the bottom, as height above the knees in torso lengths: a deadlift takes the bar
# (or bell) to the knees or lower (<= ~0.1); squats keep the hands at the chest or head (> 0.6).
HANDS_LOW = (0.35, 0.1)  # ramp down: not low .. low
HANDS_HIGH = (0.5, 0.8)  # ramp up: not high .. high
# A lift from the floor: the hands go down to the bar or bell on the floor at the bottom,
# whatever the knees and the torso do (issue 12: kettlebell deadlifts done knee-dominant, the
# torso fairly upright, are deadlifts with the `squatting` fault, not squats). Two readings,
# either is enough:
# * FLOOR_HANDS_LEG: wrist height over the ankles at the bottom, in standing leg lengths
#   (hips over ankles at the tops), on screen. Real deadlifts -0.25..0.36 (33 clips with it
#   measured; barbell 0.0-0.2, the TBY66 kettlebell deadlifts 0.20-0.24, the highest DLseb
#   0.36, a low camera with cuts); real squats 0.70-1.34 (their hands at the chest, forward
#   or overhead), real swings 0.66-0.79 (the bell between the knees).
# * FLOOR_HANDS_KNEE: the same with HANDS_LOW's measure (wrists over the knees in torso
#   lengths), for clips whose standing height is not measured (no hip-extension top, e.g.
#   a single pull or gaps at lockout): real deadlifts -0.63..+0.09, real squats 0.61-1.47.
#   Real swings read 0.32-0.44, which makes a swing's bottom partly "floor": harmless, it
#   only says "not a squat".
# Both ramps span the middle half of the gap between the deadlifts and the others (the rule
# benchmarks/recognition_eval.py re-applies without each lifter session to get held-out
# figures): 0.07 (leg) and 0.13 (knee) inside the gap on either side, where a few degrees of
# model noise move a clip by a few hundredths.
# Known limit: a deep squat holding dumbbells hanging at the sides takes them to the floor
# too and reads as a (knee-dominant) deadlift, which in effect it is.
FLOOR_HANDS_LEG = (0.59, 0.43)  # ramp down: hands high .. at the floor
FLOOR_HANDS_KNEE = (0.48, 0.22)  # ramp down: hands high .. at the knees or lower
# The arms float up in a swing: from hanging between the legs at the bottom (real swings
# 3-5 deg from straight down) to chest height at the top (104-106 deg): a rise of ~100 deg,
# and at least ~60 by the cue itself (the bell from between the knees to chest height).
# A squat's arms do not rise with the hips: real squats rise -25..+10 deg (arms held
# forward, at the chest or overhead throughout, or reaching forward on the way down), a belt
# squat's hands on the machine's handles rise as the body sinks (negative). Deadlifts' arms
# hang, but the model drifts the wrists forward at lockout behind the plates: real deadlifts
# rise 0-50 deg with their tops at 12-54 deg, so the float also needs the arms forward at the
# top (ARMS_FORWARD_DEG). Placed by hand between the real squats' +10 and the cue's 60 (one
# group of real swings cannot place it).
ARM_RISE_DEG = (20.0, 45.0)  # ramp up: arms still .. floating up with the hips
# Plank (prone support): the body (ankle->shoulder) and the legs (ankle->hip) at least this far
# from vertical. A deadlift's bottom tips the trunk as far, but its legs stay near vertical.
HORIZONTAL_DEG = (45.0, 60.0)
# The trunk alone may be steeper: in a high plank the shoulders sit an arm's length above the
# floor, and with the hips sagging the hip->shoulder line rises steeply (issue 12: a held-out
# rendered high plank with 20 deg of sag read as "other"; formcheck.synth's high planks with
# 20-25 deg of sag read 61-67 deg, other builds included, just above the old 45-60 ramp the
# trunk had to pass). The shoulder->ankle line (the body's, HORIZONTAL_DEG) stays flatter
# there (the same renders: 66-74 deg); the trunk need only be clearly off vertical, which
# still keeps sitting up with the legs out in front (trunk within ~30 deg of vertical) out.
# Real planks (11 clips, 10th percentile of their frames): trunk 70-118 deg, body 69-108 deg,
# 20 and 9 deg past the ends of these ramps.
PRONE_TRUNK_DEG = (35.0, 50.0)
# ... and no further than this from vertical-up. The trunk may point down to the hands in a
# piked plank (~135 deg); legs pointing up mean a rotated video or a handstand, not a plank.
TRUNK_MAX_DEG = (150.0, 165.0)  # ramp down: prone .. upside down
LEGS_MAX_DEG = (120.0, 135.0)
# Stillness: on-screen speed of shoulders and hips, in body sizes per second, at or below
# which a frame is calm. A held plank shakes by ~0.01-0.03; push-ups and mountain climbers
# move 0.2 and more except at their turning points.
STILL_SPEED = 0.06
# Share of the prone frames that must be calm: a plank is held (nearly all calm), a set of
# push-ups is calm only at its turning points (~0.1-0.2).
CALM_SHARE = (0.25, 0.6)
# Window over which on-screen movement is averaged and measured (s).
SPEED_WINDOW_S = 0.5
# Elbow-flexion range (p90 - p10, deg) over the prone frames that reads as push-ups.
PUSH_UP_ELBOW_RANGE_DEG = (35.0, 60.0)
# ... while the hip angle stays within this range (the body held straight as a board).
PUSH_UP_HIP_RANGE_DEG = (40.0, 25.0)  # ramp down: hips moving .. body straight
# Evidence for a plank from a prone body that is not held still (and not doing push-ups):
# below recognition's SURE_CONFIDENCE share on its own, so such a clip is a plank, but an
# unsure one.
PRONE_MOVING_EVIDENCE = 0.6
# Seconds of horizontal, still body that make a prone hold (a plank) on their own, whatever
# else the clip has.
PRONE_HOLD_S = (1.0, 3.0)
# A still's trunk within about this of vertical counts as standing tall (the world landmarks
# read a standing trunk 10-15 deg forward).
UPRIGHT_DEG = 30.0


def ramp(x: float, start: float, end: float) -> float:
    """0 at ``start``, 1 at ``end``, linear between (``start > end`` makes it decreasing).

    NaN gives NaN, so a missing cue can be told apart from a weak one.
    """
    if not math.isfinite(x):
        return math.nan
    return float(np.clip((x - start) / (end - start), 0.0, 1.0))


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _nanpct(x: np.ndarray, q: float) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else math.nan


def _nanmedian(x: np.ndarray) -> float:
    return _nanpct(x, 50.0)


def finite_or(value: float, default: float) -> float:
    """``value``, or ``default`` when it is NaN or infinite (a cue not measured)."""
    return value if math.isfinite(value) else default


# ----------------------------------------------------------------------------- per-frame
@dataclass(frozen=True)
class Signals:
    """Per-frame posture signals, (T,) each, NaN where not measurable."""

    time_s: np.ndarray
    detected: np.ndarray
    tilt: np.ndarray  # trunk (hip->shoulder) from vertical, deg
    hip: np.ndarray  # hip flexion, 180 - angle(shoulder, hip, knee), deg
    knee: np.ndarray  # knee flexion, deg
    legs: np.ndarray  # ankle->hip from vertical, deg
    body: np.ndarray  # ankle->shoulder from vertical, deg
    arm: np.ndarray  # shoulder->wrist from straight down, deg
    elbow: np.ndarray  # elbow flexion, deg
    hands_above_knee: np.ndarray  # wrist height above the knee / torso length
    speed: np.ndarray  # on-screen speed of shoulders and hips, body sizes per second
    # On-screen heights above the ankles (pixels, up +) of the wrists and the hips. Vertical
    # distances on screen do not shrink when the body turns toward a level camera, so they
    # read a front view like a side view; clip_cues scales them by the standing leg length.
    hands_above_ankle: np.ndarray | None = None
    hips_above_ankle: np.ndarray | None = None


# Posture angles the pixel features define the same way (formcheck.features.core), by the
# feature's name: recognition reads those instead of measuring them again.
_FEATURE_ANGLES = {
    "tilt": "trunk_inclination",
    "hip": "hip_flexion",
    "knee": "knee_flexion",
    "elbow": "elbow_flexion",
}


def _posture(
    parts: dict[str, np.ndarray], features: Features | None = None
) -> dict[str, np.ndarray]:
    """Posture angles from part positions (2D pixels or 3D world, y down in both).

    ``features``: the pixel features measured from these very ``parts``, whose angles in
    :data:`_FEATURE_ANGLES` are read rather than computed again.
    """
    sh, elbow, wrist = parts["shoulder"], parts["elbow"], parts["wrist"]
    hip, knee, ankle = parts["hip"], parts["knee"], parts["ankle"]
    down = np.zeros(sh.shape[-1])
    down[1] = 1.0
    torso = geo.norm(sh - hip)
    with _quiet():
        if features is not None:
            angles = {key: features[name] for key, name in _FEATURE_ANGLES.items()}
        else:
            angles = {
                "tilt": geo.inclination_from_vertical(hip, sh),
                "hip": 180.0 - geo.joint_angle(sh, hip, knee),
                "knee": 180.0 - geo.joint_angle(hip, knee, ankle),
                "elbow": 180.0 - geo.joint_angle(sh, elbow, wrist),
            }
        arm_cos = geo.dot(geo.unit(wrist - sh), down)
        return {
            **angles,
            "legs": geo.inclination_from_vertical(ankle, hip),
            "body": geo.inclination_from_vertical(ankle, sh),
            "arm": np.degrees(np.arccos(np.clip(arm_cos, -1.0, 1.0))),
            "hands_above_knee": np.where(torso > 0, (knee[..., 1] - wrist[..., 1]) / torso, np.nan),
        }


def _body_speed(parts: dict[str, np.ndarray], time_s: np.ndarray) -> np.ndarray:
    """(T,) on-screen speed of the shoulders' and hips' centre, in body sizes per second.

    The body size is the median on-screen extent of the person (the larger of width and
    height), which does not collapse for a plank seen head-on as a trunk or leg length would.
    The centre is averaged over :data:`SPEED_WINDOW_S` and differenced across the same span,
    so landmark jitter does not read as movement.
    """
    n = time_s.size
    speed = np.full(n, np.nan)
    if n < 3:
        return speed
    names = ("nose", "shoulder", "hip", "knee", "ankle", "wrist")
    pts = np.stack([parts[k] for k in names], axis=-2)
    with _quiet():
        extent = np.nanmax(pts, axis=-2) - np.nanmin(pts, axis=-2)
        scale = float(np.nanmedian(np.nanmax(extent, axis=-1)))
    if not (math.isfinite(scale) and scale > 0):
        return speed
    centre = 0.5 * (parts["shoulder"] + parts["hip"])
    centre = np.stack([_moving_mean(centre[:, i], time_s, SPEED_WINDOW_S) for i in (0, 1)], -1)
    frame_s = float(np.median(np.diff(time_s)))
    k = max(1, int(round(SPEED_WINDOW_S / 2 / max(frame_s, 1e-6))))
    if n <= 2 * k:
        return speed
    moved = geo.norm(centre[2 * k :] - centre[: -2 * k])
    speed[k:-k] = moved / (time_s[2 * k :] - time_s[: -2 * k]) / scale
    return speed


def signals(measures: FrameMeasures) -> Signals:
    # The part positions the features were measured from, and the same parts in world
    # coordinates: found once per clip, shared with the view check and the rules.
    series = measures.series
    px_parts = measures.features.parts
    image = _posture(px_parts, measures.features)
    world = _posture(measures.world_parts)
    # World angles where the model gave them (they survive a turned body), image angles else.
    merged = {k: np.where(np.isfinite(world[k]), world[k], image[k]) for k in image}

    time_s = np.asarray(series.time_ms, dtype=np.float64) / 1000.0
    speed = _body_speed(px_parts, time_s)
    ankle_y = px_parts["ankle"][..., 1]
    return Signals(
        time_s=time_s,
        detected=series.detected.copy(),
        speed=speed,
        hands_above_ankle=ankle_y - px_parts["wrist"][..., 1],
        hips_above_ankle=ankle_y - px_parts["hip"][..., 1],
        **merged,
    )


# ----------------------------------------------------------------------------- phases
@dataclass(frozen=True)
class HingePhase:
    """One monotone excursion of the hip angle between two turning points (frame indices)."""

    start: int
    end: int
    amplitude_deg: float  # signed: + flexing (going down), - extending (coming up)
    mid_duration_s: float  # time to cover the middle 60% of the excursion

    @property
    def extending(self) -> bool:
        return self.amplitude_deg < 0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of every run of True in a 1D bool array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def turning_points(x: np.ndarray, min_swing: float) -> list[int]:
    """Indices of alternating extrema of ``x`` (finite, gap-free) that differ by ``min_swing``.

    A zigzag filter: a new extreme is confirmed only once the signal has moved back from it by
    at least ``min_swing``; smaller wiggles are absorbed. Loops over local extrema only.
    """
    x = np.asarray(x, dtype=np.float64)
    step = np.diff(x)
    moving = np.flatnonzero(step != 0)
    if moving.size == 0:
        return []
    sign = np.sign(step[moving])
    # A turn is where the direction of travel changes (plateaus skipped); +1: index of the point.
    turns = moving[np.flatnonzero(sign[1:] != sign[:-1])] + 1
    cand = np.concatenate([[0], turns, [x.size - 1]]).astype(int)

    # Before the first confirmed swing, the lowest and highest points so far are both possible
    # starts; the first swing of min_swing from either fixes the direction.
    lo = hi = int(cand[0])
    points: list[int] = []
    direction = 0.0
    for c in cand[1:]:
        c = int(c)
        if direction == 0.0:
            if x[c] - x[lo] >= min_swing:
                points, direction = [lo, c], 1.0
            elif x[hi] - x[c] >= min_swing:
                points, direction = [hi, c], -1.0
            else:
                lo = c if x[c] < x[lo] else lo
                hi = c if x[c] > x[hi] else hi
            continue
        diff = x[c] - x[points[-1]]
        if diff * direction > 0:
            points[-1] = c  # the same swing goes further
        elif abs(diff) >= min_swing:
            points.append(c)
            direction = -direction
    return points


def hinge_phases(
    time_s: np.ndarray,
    hip: np.ndarray,
    min_swing: float = HINGE_MIN_DEG,
    unreliable: np.ndarray | None = None,
) -> list[HingePhase]:
    """Hinge phases of a hip-flexion series; gaps (NaN) split it, phases never span one.

    ``unreliable`` (T,) bool marks frames whose landmarks are doubtful; a phase whose middle
    60% touches one gets a NaN ``mid_duration_s`` (it still counts as a phase).
    """
    bad = np.zeros(hip.shape, dtype=bool) if unreliable is None else np.asarray(unreliable)
    phases: list[HingePhase] = []
    for start, stop in _runs(np.isfinite(hip)):
        x = hip[start:stop]
        t = time_s[start:stop]
        points = turning_points(x, min_swing)
        for a, b in zip(points[:-1], points[1:], strict=False):
            seg = x[a : b + 1]
            amp = float(x[b] - x[a])
            frac = (seg - x[a]) / amp
            i20 = a + int(np.argmax(frac >= 0.2))
            i80 = a + int(np.argmax(frac >= 0.8))
            duration = float(t[i80] - t[i20])
            if bad[start + i20 : start + i80 + 1].any():
                duration = math.nan
            phases.append(HingePhase(start + a, start + b, amp, duration))
    return phases


def _near_gaps(detected: np.ndarray, time_s: np.ndarray, margin_s: float) -> np.ndarray:
    """(T,) bool: frames within ``margin_s`` of a frame where nobody was found.

    The model's last frames before it loses a person (and first after it finds them again)
    are often wrong by a lot, and the smoother bridges short gaps with guesses, so timing
    and postures read there are not trusted.
    """
    missing = ~np.asarray(detected, dtype=bool)
    if not missing.any():
        return np.zeros(missing.shape, dtype=bool)
    gap_times = time_s[missing]
    pos = np.searchsorted(gap_times, time_s)
    before = np.abs(time_s - gap_times[np.clip(pos - 1, 0, gap_times.size - 1)])
    after = np.abs(gap_times[np.clip(pos, 0, gap_times.size - 1)] - time_s)
    return np.minimum(before, after) <= margin_s


# ----------------------------------------------------------------------------- clip cues
def ramp_array(x: np.ndarray, start: float, end: float) -> np.ndarray:
    """Vectorised :func:`ramp` (NaN stays NaN)."""
    with _quiet():
        return np.clip((np.asarray(x, dtype=np.float64) - start) / (end - start), 0.0, 1.0)


def _moving_mean(x: np.ndarray, time_s: np.ndarray, window_s: float) -> np.ndarray:
    """Centred moving mean over ``window_s`` seconds, ignoring NaN (NaN where all are NaN)."""
    if x.size < 2:
        return x.copy()
    frame_s = float(np.median(np.diff(time_s)))
    half = max(1, int(round(window_s / max(frame_s, 1e-6) / 2)))
    ok = np.isfinite(x)
    padded = np.concatenate([[0.0], np.cumsum(np.where(ok, x, 0.0))])
    count = np.concatenate([[0], np.cumsum(ok)])
    idx = np.arange(x.size)
    lo, hi = np.clip(idx - half, 0, x.size), np.clip(idx + half + 1, 0, x.size)
    n = count[hi] - count[lo]
    with _quiet():
        return np.where(n > 0, (padded[hi] - padded[lo]) / n, np.nan)


def _longest_run_s(mask: np.ndarray, time_s: np.ndarray) -> float:
    frame_s = float(np.median(np.diff(time_s))) if time_s.size > 1 else 0.0
    return max(
        (float(time_s[stop - 1] - time_s[start]) + frame_s for start, stop in _runs(mask)),
        default=0.0,
    )


def _horizontal(sig: Signals) -> np.ndarray:
    """(T,) 0..1: how much trunk and legs lie like a plank's (NaN where unknown)."""
    parts = [
        ramp_array(sig.body, *HORIZONTAL_DEG),
        ramp_array(sig.tilt, *PRONE_TRUNK_DEG),
        ramp_array(sig.legs, *HORIZONTAL_DEG),
        1.0 - ramp_array(sig.tilt, *TRUNK_MAX_DEG),
        1.0 - ramp_array(sig.legs, *LEGS_MAX_DEG),
    ]
    return np.fmin.reduce(parts)


def clip_cues(sig: Signals) -> dict[str, float]:
    """Clip-level cues (see the module docstring); NaN where not measurable."""
    det, t = sig.detected, sig.time_s
    flat = np.nan_to_num(_horizontal(sig), nan=0.0) >= 0.5
    calm = np.nan_to_num(sig.speed, nan=np.inf) <= STILL_SPEED
    measured = flat & np.isfinite(sig.speed)
    cues: dict[str, float] = {
        "horizontal_frac": float(np.mean(flat[det])) if det.any() else 0.0,
        "calm_share": float(np.mean(calm[measured])) if measured.any() else math.nan,
        "hold_s": _longest_run_s(flat & calm, t),
        # Push-ups bend the elbows by ~70-90 deg every rep with the body straight; a plank
        # holds both, plank drills (piking, walk-ups) move the hips.
        "elbow_range_deg": _nanpct(sig.elbow[flat], 90.0) - _nanpct(sig.elbow[flat], 10.0),
        "prone_hip_range_deg": _nanpct(sig.hip[flat], 90.0) - _nanpct(sig.hip[flat], 10.0),
    }

    # Hinge phases of the upright part only (getting into or out of a plank is not a hinge).
    doubtful = _near_gaps(det, t, GAP_MARGIN_S)
    phases = hinge_phases(t, np.where(flat, np.nan, sig.hip), unreliable=doubtful)
    bottoms = {p.end for p in phases if not p.extending} | {p.start for p in phases if p.extending}
    tops = {p.start for p in phases if not p.extending} | {p.end for p in phases if p.extending}
    bottoms_ok = sorted(i for i in bottoms if not doubtful[i])
    tops_ok = sorted(i for i in tops if not doubtful[i])
    periods = [
        t[b] - t[a]
        for a, b in zip(sorted(bottoms)[:-1], sorted(bottoms)[1:], strict=False)
        if not doubtful[a : b + 1].any()  # successive bottoms with good frames between them
    ]
    timed = [p.mid_duration_s for p in phases if p.extending]
    arm_tops = [
        _nanpct(sig.arm[(np.abs(t - t[i]) <= ARM_TOP_WINDOW_S) & ~doubtful], 100.0) for i in tops_ok
    ]
    arm_bottoms = [
        _nanpct(sig.arm[(np.abs(t - t[i]) <= ARM_TOP_WINDOW_S) & ~doubtful], 0.0)
        for i in bottoms_ok
    ]
    idx = np.array(bottoms_ok, dtype=int)
    # Heights at the bottom in standing leg lengths (hips over the ankles at the tops).
    leg = math.nan
    hands_floor = hip_drop = math.nan
    if sig.hands_above_ankle is not None and sig.hips_above_ankle is not None:
        standing = sig.hips_above_ankle[np.array(tops_ok, dtype=int)]
        leg = _nanmedian(standing)
        if math.isfinite(leg) and leg > 0:
            hands_floor = _nanmedian(sig.hands_above_ankle[idx]) / leg
            hip_drop = 1.0 - _nanmedian(sig.hips_above_ankle[idx]) / leg
    upright_hip = sig.hip[~flat & ~doubtful]
    amplitude = max((abs(p.amplitude_deg) for p in phases), default=0.0)
    hip_range = finite_or(_nanpct(upright_hip, 95.0) - _nanpct(upright_hip, 5.0), 0.0)
    cues.update(
        hinge_phases=float(len(phases)),
        hinge_amplitude_deg=amplitude,
        hip_range_deg=hip_range,
        # Phases can be cut by detection gaps, so the hip's overall range also counts.
        hinge_deg=max(amplitude, hip_range),
        extension_s=_nanmedian(np.array(timed)),
        period_s=_nanmedian(np.array(periods)),
        arm_top_deg=_nanmedian(np.array(arm_tops)),
        tilt_bottom_deg=_nanmedian(sig.tilt[idx]),
        knee_bottom_deg=_nanmedian(sig.knee[idx]),
        hands_bottom=_nanmedian(sig.hands_above_knee[idx]),
        hands_floor=hands_floor,
        hip_drop=hip_drop,
        arm_bottom_deg=_nanmedian(np.array(arm_bottoms)),
        overhead_frac=float(np.mean(np.nan_to_num(sig.arm[det]) >= ARMS_OVERHEAD_DEG[1]))
        if det.any()
        else 0.0,
    )
    return cues


def still_cues(sig: Signals) -> dict[str, float]:
    """Posture cues of a still: medians over its detected frames."""
    det = sig.detected
    return {
        "horizontal": _nanmedian(_horizontal(sig)[det]),
        "tilt_deg": _nanmedian(sig.tilt[det]),
        "hip_deg": _nanmedian(sig.hip[det]),
        "knee_deg": _nanmedian(sig.knee[det]),
        "arm_deg": _nanmedian(sig.arm[det]),
        "hands_above_knee": _nanmedian(sig.hands_above_knee[det]),
    }


# ----------------------------------------------------------------------------- judgements
def floor_lift(hands_above_knee: float, hands_floor: float = math.nan) -> float:
    """0..1: the hands reach the bar or bell on the floor at the bottom (a lift from the floor).

    ``hands_above_knee``: wrists over the knees in torso lengths; ``hands_floor``: wrists over
    the ankles in standing leg lengths (NaN when not measured). Either reading is enough.
    """
    return max(
        finite_or(ramp(hands_floor, *FLOOR_HANDS_LEG), 0.0),
        finite_or(ramp(hands_above_knee, *FLOOR_HANDS_KNEE), 0.0),
    )


def _squat(
    knee_deg: float,
    tilt_deg: float,
    hands: float,
    hands_floor: float = math.nan,
    hip_drop: float = math.nan,
    arms_float: float = 0.0,
) -> float:
    """Squat-likeness of a bottom posture: knees well bent (or the hips dropped far), torso
    upright or hands high, the hands not down at the floor, the arms not floating up.

    Hands down at the floor make it a lift from the floor, a deadlift variant, however much the
    knees bend and however upright the torso (trap-bar, sumo and knee-dominant kettlebell
    deadlifts); arms floating up to chest height with the hips make it a swing, squatted or not.
    """
    upright = finite_or(ramp(tilt_deg, *SQUAT_MAX_TILT_DEG), 0.0)
    hands_high = finite_or(ramp(hands, *HANDS_HIGH), 0.0)
    knees = max(
        finite_or(ramp(knee_deg, *SQUAT_MIN_KNEE_DEG), 0.0),
        finite_or(ramp(hip_drop, *SQUAT_HIP_DROP), 0.0),
    )
    floor = floor_lift(hands, hands_floor)
    return knees * max(upright, hands_high) * (1.0 - floor) * (1.0 - finite_or(arms_float, 0.0))


def _arms_forward(arm_deg: float) -> float:
    return ramp(arm_deg, *ARMS_FORWARD_DEG) * (1.0 - ramp(arm_deg, *ARMS_OVERHEAD_DEG))


def clip_judgements(c: Mapping[str, float]) -> dict[str, float]:
    """Judgements from clip cues that the exercises' recognisers (and ``other``) combine.

    All 0..1; the three marked may be NaN (not measurable):

    * ``prone_hold``: a prone support held still, or moved in without push-ups (which, still
      in a prone support, is a hold of sorts, an unsure one);
    * ``push_ups``: the elbows keep bending in a straight prone body;
    * ``hinge``: the hips go through a hinge's range;
    * ``fast_tempo`` (NaN): the hips extend ballistically, and reps come quickly;
    * ``arms_forward_top`` (NaN): the arms float up forward (to chest height or higher) from
      the bottom to the top;
    * ``hands_low_bottom`` (NaN): the hands reach the knees or lower at the bottom;
    * ``squat_bottom``: the bottom posture is a squat's; ``overhead``: the arms go overhead;
    * ``hinge_move``: a hinge movement that is neither a squat, an overhead movement nor part
      of a prone hold; ``ballistic_share``: the share of it that looks ballistic (fast, arms
      forward at the top, hands staying above the knees) rather than a grind.
    """
    held = finite_or(ramp(c["calm_share"], *CALM_SHARE), 0.0)
    # A body that stays in a prone support while it moves (hip dips, piking, adjusting) is
    # still a hold of sorts, unless the elbows keep bending: then it is push-ups.
    push_ups = finite_or(ramp(c["elbow_range_deg"], *PUSH_UP_ELBOW_RANGE_DEG), 0.0) * finite_or(
        ramp(c["prone_hip_range_deg"], *PUSH_UP_HIP_RANGE_DEG), 1.0
    )
    prone_moving = PRONE_MOVING_EVIDENCE * (1.0 - push_ups)
    prone_hold = max(
        c["horizontal_frac"] * max(held, prone_moving),
        finite_or(ramp(c["hold_s"], *PRONE_HOLD_S), 0.0),
    )

    # A hinge: the hips' range, or hinge phases repeated at a steady pace: seen from the
    # front the model's depth compresses the hip angle (rendered swings, 55-60 deg of trunk
    # tilt, read 45-50 deg at yaw 10, against 70-85 side-on and obliquely), and four or more
    # excursions of HINGE_MIN_DEG are no fidget (walking keeps the knees' midpoint under the
    # hips; the jumping jacks read 13 deg).
    hinge = max(
        ramp(c["hinge_deg"], HINGE_MIN_DEG, HINGE_MIN_DEG + 20.0),
        ramp(c["hinge_phases"], *REPEATED_PHASES) * ramp(c["hinge_deg"], HINGE_MIN_DEG, 45.0),
    )
    tempo = [
        (0.6, ramp(c["extension_s"], EXTENSION_SLOW_S, EXTENSION_FAST_S)),
        (0.4, ramp(c["period_s"], PERIOD_SLOW_S, PERIOD_FAST_S)),
    ]
    known = [(w, v) for w, v in tempo if math.isfinite(v)]
    fast = sum(w * v for w, v in known) / sum(w for w, _ in known) if known else math.nan
    # The arms at the top: forward at chest height or higher and, where the bottom is measured
    # too, risen there from the bottom with the hips (a swing's float, not arms held up all
    # along). Higher is not held against it: a swing whose arms lift the bell to head height
    # or above is a swing with the `arms_lifting` fault (issue 12: a rendered oblique swing
    # with the arms lifting was read as a deadlift); movements with the arms overhead for a
    # good share of the clip are told apart by ``overhead``, and squats with the arms up all
    # along by the rise.
    arms = ramp(c["arm_top_deg"], *ARMS_FORWARD_DEG)
    rise = ramp(c["arm_top_deg"] - c["arm_bottom_deg"], *ARM_RISE_DEG)
    if math.isfinite(arms) and math.isfinite(rise):
        arms *= rise
    hands_low = ramp(c["hands_bottom"], *HANDS_LOW)
    squat = _squat(
        c["knee_bottom_deg"],
        c["tilt_bottom_deg"],
        c["hands_bottom"],
        c["hands_floor"],
        c["hip_drop"],
        finite_or(arms, 0.0),
    )
    overhead = finite_or(ramp(c["overhead_frac"], *OVERHEAD_SHARE), 0.0)

    # Ballistic or grind? Each cue adds its weight of log-odds (naive-Bayes style): a cue at
    # 1 argues fully for ballistic, at 0 fully for a grind, unknown (NaN) not at all. The arms
    # weigh most: a ballistic swing cannot be done with hanging arms, a grind can be fast.
    tempo_weight = W_TEMPO if math.isfinite(c["period_s"]) else W_TEMPO_ONE_PHASE
    log_odds = sum(
        w * (2.0 * v - 1.0)
        for w, v in (
            (tempo_weight, fast),
            (W_ARMS, arms),
            (W_HANDS, 1.0 - finite_or(hands_low, 0.5)),
        )
        if math.isfinite(v)
    )
    ballistic_share = 1.0 / (1.0 + math.exp(-log_odds))
    hinge_move = hinge * (1.0 - squat) * (1.0 - overhead) * (1.0 - prone_hold)
    return {
        "prone_hold": prone_hold,
        "push_ups": push_ups,
        "hinge": hinge,
        "fast_tempo": fast,
        "arms_forward_top": arms,
        "hands_low_bottom": hands_low,
        "floor_lift": floor_lift(c["hands_bottom"], c["hands_floor"]),
        "squat_bottom": squat,
        "overhead": overhead,
        "hinge_move": hinge_move,
        "ballistic_share": ballistic_share,
    }


def still_judgements(c: Mapping[str, float]) -> dict[str, float]:
    """Judgements from a still's posture cues, each 0..1 (0 where not measurable).

    ``flat``: trunk and legs horizontal; ``hinged``: the torso tipped forward at the hips;
    ``upright``: the trunk near vertical; ``hands_low``: the hands at the knees or lower;
    ``arms_forward``, ``arms_hanging``, ``arms_overhead``: where the arms point; ``squat``:
    a squat's posture; ``upright_body``: neither lying nor squatting.
    """
    flat = finite_or(c["horizontal"], 0.0)
    squat = _squat(c["knee_deg"], c["tilt_deg"], c["hands_above_knee"])
    return {
        "flat": flat,
        "hinged": finite_or(ramp(c["tilt_deg"], 25.0, 45.0) * ramp(c["hip_deg"], 35.0, 60.0), 0.0),
        "upright": finite_or(ramp(c["tilt_deg"], UPRIGHT_DEG + 5.0, UPRIGHT_DEG - 10.0), 0.0),
        "hands_low": finite_or(ramp(c["hands_above_knee"], *HANDS_LOW), 0.0),
        "arms_forward": finite_or(_arms_forward(c["arm_deg"]), 0.0),
        "arms_hanging": finite_or(ramp(c["arm_deg"], 35.0, 20.0), 0.0),
        "arms_overhead": finite_or(ramp(c["arm_deg"], *ARMS_OVERHEAD_DEG), 0.0),
        "squat": squat,
        "upright_body": (1.0 - flat) * (1.0 - squat),
    }


# ----------------------------------------------------------------------------- phrases
# Pieces of the one-line reasons, shared by the exercises' recognisers.
def hinge_phases_text(c: Mapping[str, float], *, tempo: bool = True) -> str:
    """``"3 hinge phases (hip extension 0.45 s, a rep every 3.1 s)"`` from clip cues."""
    n = int(c["hinge_phases"])
    text = f"{n} hinge phase{'s' if n != 1 else ''}"
    words = []
    if math.isfinite(c["extension_s"]):
        words.append(f"hip extension {c['extension_s']:.2f} s")
    if math.isfinite(c["period_s"]):
        words.append(f"a rep every {c['period_s']:.1f} s")
    return f"{text} ({', '.join(words)})" if tempo and words else text


def arms_at_top_text(c: Mapping[str, float]) -> str:
    """Where the arms were at the top of the reps, or "" when not measured."""
    if not math.isfinite(c["arm_top_deg"]):
        return ""
    return f"arms at {c['arm_top_deg']:.0f} deg at the top"


def hands_at_bottom_text(c: Mapping[str, float]) -> str:
    """Where the hands were at the bottom of the reps, or "" when not measured."""
    if finite_or(c["hands_low_bottom"], 0.0) >= 0.5:
        return "hands to the knees or lower"
    return "hands above the knees" if math.isfinite(c["hands_bottom"]) else ""


def join_parts(*parts: str) -> str:
    """The non-empty parts, comma-separated."""
    return ", ".join(p for p in parts if p)
