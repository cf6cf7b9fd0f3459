"""Deadlift checks: reps from the hip-hinge cycle, a rounded back and a squatted pull, per rep.

Coaching cues checked (docs/coaching-cues.md, "Deadlift"):

* **Flat back** ("Chest up, flat back"): the spine stays neutral from the floor to lockout and on
  the way down. Landmark models have no spine points, so two independent signals are combined:

  - *silhouette*: the back's outline from the segmentation mask (``extras["back_profile"]``)
    bulges past the straight line from the glutes to the upper back
    (:func:`~formcheck.exercises.deadlift.signals.back_bulge`);
  - *landmarks*: the head drops below the line of the trunk (``neck_flexion``), as it does
    when the upper back rounds and carries the neck and head down with it.

  Each signal is turned into *evidence* (0 at a neutral back, 1 at its own threshold) and the
  two are mixed with :attr:`DeadliftConfig.silhouette_weight`; the fault fires at a mixed
  evidence of 1, or when one signal alone reaches :attr:`DeadliftConfig.single_signal_factor`
  times its threshold (each can miss real rounding: a hump right at the shoulders escapes the
  outline's middle, a lifter craning the neck hides the head drop). Without a mask (or with
  too few pixels along the back) only the head signal is left: it must then pass that higher
  bar and the confidence drops. Only *loaded* frames count (torso tipped at least
  :attr:`DeadliftConfig.loaded_lean_deg` from vertical), per pull (including the floor break)
  and per lowering, because flexion under load is what hurts; the outline is read on the
  heavier half of them (tipped at least their median: the floor break, the bottom of a
  lowering), so a back that rounds off the floor and straightens as the bar rises is not
  outvoted by the straighter top of the pull. ``Fault.signals`` names the signals past their
  own threshold; ``Fault.measured`` has both readings and evidences.

  *Noise* (:mod:`formcheck.exercises.noise`): each signal's frame-to-frame jitter is measured
  on the phase's loaded frames (the median over the clip's phases so far). A reading counts
  only by how far it passes its limit beyond one jitter (``thresholds`` shows the margin,
  ``measured`` the jitter), a jittery signal lowers the confidence, and a signal whose jitter
  spans the whole way from neutral to its limit is left out; with neither signal left the
  phase is "not judged" with the reason.

  The thresholds come from the coaching cue (a visibly rounded back, ~15-20 deg of spine
  flexion) through the rendered mannequin, whose flexion is known exactly; the lifter's own
  upright posture is *not* used as the baseline, because standing, the outline is shaped by
  the glutes and the lumbar curve and on real footage did not predict the same lifter's
  flat-back hinge.
* **Hinge, not squat** ("Push the hips back"): at the bottom of the pull the knees are bent a
  lot while the torso stays upright.

Reps come from the torso's inclination (hip -> shoulder from vertical), which needs only the
shoulders and hips, the landmarks the model keeps best; at lockout the plates often hide the
hips and knees, so hip and knee angles there are unreliable (docs/facts.md). A rep is a pull
from the bottom (torso tipped) to lockout (torso upright) with hysteresis, a minimum pull time
and a minimum time between lockouts, so setup fidgeting, walking in and out and noise make no
phantom reps. ``Rep.key_ms`` is the lockout. Standing up after the bar is put down looks like one
more pull; what tells it apart is the hands leaving the bar: from the set-down until the rise
toward lockout starts in earnest (the lift-off, which may come after the hips have already come
up a little as the hands go to the knees) the wrists sit higher under the shoulders and the
elbows are bent (hands on the knees or thighs, reaching for the phone), where on the set's own
reps the arms hung straight to the bar. The hands must be off over the whole last
:attr:`DeadliftConfig.release_hold_s` up to the lift-off, so a lifter who shakes the hands out,
re-grips and pulls at once keeps the rep. Such a rise is neither counted nor judged (the set-down
before it stays the last rep's lowering); the first rise of a set, and any rise the arms could
not be measured for, are counted.

Camera: side view. A front view cannot show rounding (``not_judged``); an oblique view (30-60
degrees of yaw) is judged with reduced confidence: on the labelled oblique clips (a flat back at
~45 deg, rounded backs at ~35 and ~45 deg) both signals still separated rounded from flat backs,
but the foreshortened torso makes every measure less certain.

Known limits: a lifter who lets go of the bar and stands up with the arms hanging straight shows
nothing of the release, and that stand-up still counts as a rep; trap bar, kettlebell and sumo
pulls cannot be told apart from the side (set ``variant`` so the squat check allows their upright
torso).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from formcheck.exercises.base import (
    Event,
    EventKind,
    ExerciseResult,
    ExerciseRule,
    Fault,
    FrameInput,
    Rep,
    RuleSession,
    SetSummary,
)
from formcheck.exercises.deadlift.config import UPRIGHT_VARIANTS, VARIANTS, DeadliftConfig
from formcheck.exercises.deadlift.signals import (
    back_bulge,
    clip01,
    finite_count,
    finite_median,
    majority,
    posterior_profile,
    ramp,
)
from formcheck.exercises.noise import noise_margin, robust_sigma
from formcheck.features.view import View

__all__ = ["VARIANTS", "DeadliftConfig", "DeadliftRule", "DeadliftSession"]

ROUNDED_BACK = "rounded_back"
SQUATTING = "squatting"
CUES = {
    ROUNDED_BACK: "Chest up, flat back: keep your spine neutral from the floor to lockout",
    SQUATTING: "Push the hips back: hinge at the hips, this is not a squat",
}
SPOKEN = {ROUNDED_BACK: "Chest up, flat back", SQUATTING: "Hips back, don't squat it up"}
PRIORITY = {ROUNDED_BACK: 0, SQUATTING: 1}  # the back first: it is why people get hurt
FRONT_VIEW_REASON = "rounding cannot be judged from the front: film side-on"
SQUAT_FRONT_REASON = "knee and hip bend cannot be measured from the front: film side-on"
# Back bulge per degree of spine flexion, measured on the rendered mannequin's severity sweep
# (see DeadliftConfig.bulge_threshold): used to express a bulge as an estimated flexion.
BULGE_PER_DEG = 0.001


# ----------------------------------------------------------------------------- internals
@dataclass
class _Phase:
    """A pull (bottom -> lockout) or a lowering (lockout -> bottom), as frame indices."""

    kind: str  # "pull" | "lowering"
    start: int
    end: int  # inclusive
    rep: int | None  # 1-based rep it belongs to, None when no rep was completed around it
    # The first descent of a set, not after a lockout: loaded in a Romanian deadlift (and in
    # clips that start at lockout), but often just reaching down to the bar.
    setup: bool = False


@dataclass
class _RepRecord:
    index: int
    start: int
    pull_start: int
    lockout: int  # frame the lockout was reached (crossing)
    key: int  # most upright frame of the top that followed
    end: int
    metrics: dict[str, float] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    # (wrist height, elbow flexion) just before the rise, hands on the bar: the set's reference.
    grip: tuple[float, float] = (math.nan, math.nan)


@dataclass
class _Noise:
    """One rounded-back signal's jitter on a phase's loaded frames, and what follows from it."""

    sigma: float  # robust frame-to-frame spread (NaN: unknown)
    margin: float  # how far past its limit the reading must be (0 while unknown)
    relative: float  # sigma / (limit - neutral), 0 while unknown
    too_noisy: bool
    reason: str = ""


@dataclass
class _Judgement:
    faults: list[Fault]
    metrics: dict[str, float]
    not_judged: dict[str, str]  # code -> why this phase could not be judged for it
    judged: set[str]  # codes this phase gave a verdict on (fault or clean)


class _Frames:
    """Growing per-frame columns (plain lists; sliced into arrays when a phase is judged)."""

    NAMES = ("t", "lean", "hip", "knee", "neck", "bulge", "torso", "in_frame", "wrist", "elbow")

    def __init__(self) -> None:
        self.cols: dict[str, list[float]] = {n: [] for n in self.NAMES}
        self.view: list[str] = []

    def __len__(self) -> int:
        return len(self.cols["t"])

    def add(self, view: str, **values: float) -> None:
        for name in self.NAMES:
            self.cols[name].append(float(values[name]))
        self.view.append(view)

    def arr(self, name: str, start: int, end: int) -> np.ndarray:
        return np.asarray(self.cols[name][start : end + 1], dtype=np.float64)


def _f(features: dict[str, float], name: str) -> float:
    value = features.get(name, math.nan)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def _first_fault_only(events: list[Event]) -> list[Event]:
    """A frame's events with at most one fault event, the first.

    A new rep judges the last lowering and its own pull at the same frame; one cue is said at a
    time, and the lowering's, judged first, is the one the rule has always raised.
    """
    first = next((e for e in events if e.kind == EventKind.FAULT), None)
    return [e for e in events if e.kind != EventKind.FAULT or e is first]


# ----------------------------------------------------------------------------- session
class DeadliftSession(RuleSession):
    """Causal deadlift state machine; see the module docstring."""

    def __init__(self, config: DeadliftConfig) -> None:
        self.cfg = config
        self.frames = _Frames()
        self.events: list[Event] = []
        self.faults: list[Fault] = []
        self.reps: list[_RepRecord] = []
        self._phase_notes: list[tuple[str, str]] = []  # (fault code, why a phase was not judged)
        self._facing_votes = 0
        self._detected = 0
        self._state = "unknown"  # unknown | top | bottom
        self._candidate = ""
        self._candidate_run = 0
        self._state_start = 0
        self._lowering_from: int | None = None  # last top frame before the current bottom
        self._last_valid_t = -math.inf
        self._last_valid_i = 0
        self._verdicts: dict[str, int] = {ROUNDED_BACK: 0, SQUATTING: 0}
        # Each rounded-back signal's jitter on the phases judged so far: a phase too short to
        # measure its own falls back on their median.
        self._jitter: dict[str, list[float]] = {"bulge": [], "neck": []}
        self._now_ms = 0.0
        self._dt_s = 1.0 / 30.0

    # -- per frame ------------------------------------------------------------------------
    def update(self, frame: FrameInput) -> list[Event]:
        cfg = self.cfg
        t = float(frame.time_ms)
        self._now_ms = t
        n = len(self.frames)
        if n:
            step = (t - self.frames.cols["t"][-1]) / 1000.0
            if step > 0:
                self._dt_s = 0.8 * self._dt_s + 0.2 * step if n > 1 else step
        feats = frame.features if frame.detected else {}
        incl = _f(feats, "trunk_inclination")
        if frame.detected:
            self._detected += 1
            self._facing_votes += int(np.sign(frame.facing))
        facing = self._facing(frame.facing)
        bulge = math.nan
        profile = frame.extras.get("back_profile") if frame.detected else None
        if profile is not None:
            bulge = back_bulge(posterior_profile(profile, facing))
        self.frames.add(
            str(frame.view) if frame.detected else View.UNKNOWN,
            t=t,
            lean=incl,
            hip=_f(feats, "hip_flexion"),
            knee=_f(feats, "knee_flexion"),
            neck=_f(feats, "neck_flexion"),
            bulge=bulge,
            torso=_f(feats, "torso_length_px"),
            in_frame=1.0 if frame.detected and frame.in_frame else 0.0,
            wrist=_f(feats, "wrist_height"),
            elbow=_f(feats, "elbow_flexion"),
        )
        events: list[Event] = []
        if not math.isfinite(incl):
            self._candidate_run = 0
            return events
        if t - self._last_valid_t > cfg.max_gap_s * 1000.0 and self._state != "unknown":
            events += self._close_bottom(self._last_valid_i)
            self._state = "unknown"
        self._last_valid_t = t
        self._last_valid_i = n
        events += self._step_state(n, incl, _f(feats, "hip_flexion"))
        events = _first_fault_only(events)
        self.events.extend(events)
        return events

    def _facing(self, frame_facing: int) -> int:
        """The frame's facing when it agrees with the clip so far, else the majority."""
        vote = int(np.sign(self._facing_votes))
        if frame_facing != 0 and (vote == 0 or frame_facing == vote):
            return int(frame_facing)
        return vote

    def _classify(self, incl: float, hip: float) -> str:
        cfg = self.cfg
        if incl <= cfg.lockout_lean_deg:
            return "top"
        deep_hips = math.isfinite(hip) and hip >= cfg.hinge_hip_flexion_deg
        if incl >= cfg.hinge_lean_deg or (deep_hips and incl >= cfg.hinge_min_lean_for_hips_deg):
            return "bottom"
        return "between"

    def _step_state(self, i: int, incl: float, hip: float) -> list[Event]:
        zone = self._classify(incl, hip)
        if self._state == "unknown":
            if zone in ("top", "bottom"):
                self._enter(zone, i, from_state="unknown")
            return []
        if zone == self._state or zone == "between":
            self._candidate_run = 0
            if self._state == "top":
                self._track_key(i)
            return []
        # zone is the opposite state: debounce.
        if zone != self._candidate:
            self._candidate, self._candidate_run = zone, 0
        self._candidate_run += 1
        needed = max(1, int(round(self.cfg.debounce_s / max(self._dt_s, 1e-3))))
        if self._candidate_run < needed:
            if self._state == "top":
                self._track_key(i)
            return []
        first = i - self._candidate_run + 1  # first frame of the run that confirmed the change
        self._candidate_run = 0
        previous = self._state
        events: list[Event] = []
        if zone == "top":
            events += self._on_lockout(first)
        self._enter(zone, first, from_state=previous)
        return events

    def _enter(self, zone: str, i: int, from_state: str) -> None:
        if zone == "bottom":
            # The descent started at the last frame of the top (None: no descent seen).
            self._lowering_from = self._last_top_frame(i) if from_state == "top" else None
        self._state = zone
        self._state_start = i

    def _last_top_frame(self, i: int) -> int:
        lean = self.frames.cols["lean"]
        j = i
        while j > self._state_start and not (
            math.isfinite(lean[j]) and lean[j] <= self.cfg.lockout_lean_deg
        ):
            j -= 1
        return j

    def _track_key(self, i: int) -> None:
        if not self.reps or self.reps[-1].lockout < self._state_start:
            return
        rep = self.reps[-1]
        lean = self.frames.cols["lean"]
        if math.isfinite(lean[i]) and (not math.isfinite(lean[rep.key]) or lean[i] < lean[rep.key]):
            rep.key = i
        rep.end = i

    # -- phases ---------------------------------------------------------------------------
    def _depth(self, start: int, end: int) -> np.ndarray:
        """Bar-height proxy over frames: hip flexion where measured, else the torso's lean.

        Hip flexion falls steadily as the bar rises, even when the hips shoot up first and the
        torso tips further; the lean is the fallback when the knees are hidden.
        """
        hip = self.frames.arr("hip", start, end)
        lean = self.frames.arr("lean", start, end)
        if np.isfinite(hip).mean() >= 0.6:
            return hip
        return lean

    def _split_bottom(self, start: int, end: int) -> tuple[int, int]:
        """(end of the lowering, start of the pull) inside a bottom stretch ``start..end``."""
        lowering_end, pull_start, _ = self._bottom_marks(start, end)
        return lowering_end, pull_start

    def _bottom_marks(self, start: int, end: int) -> tuple[int, int, int]:
        """(end of the lowering, start of the pull, rise) inside a bottom stretch ``start..end``.

        The lowering ends when the bar first gets near its lowest point. The pull starts
        :attr:`DeadliftConfig.floor_window_s` before the bar last leaves it: the floor break,
        where the back takes the load, belongs to the pull; a longer rest at the floor does not.
        """
        depth = self._depth(start, end)
        if not np.isfinite(depth).any():
            return start, start, start
        deepest = float(np.nanmax(depth))
        margin = self.cfg.bottom_margin_deg
        near = np.flatnonzero(np.nan_to_num(depth, nan=-np.inf) >= deepest - margin)
        lowering_end, rise = start + int(near[0]), start + int(near[-1])
        t = self.frames.cols["t"]
        pull_start = rise
        limit = t[rise] - self.cfg.floor_window_s * 1000.0
        while pull_start > max(start, lowering_end) and t[pull_start - 1] >= limit:
            pull_start -= 1
        return lowering_end, pull_start, rise

    def _lift_off(self, start: int, rise: int, end: int) -> int:
        """The last frame at the bottom before the rise toward lockout starts in earnest.

        ``rise`` (the bar's last frame near the deepest point) is too early when the lifter came
        up a little after letting go (hands onto the knees lift the hips ~10 deg): the lift-off
        is the last frame from ``rise`` to ``end``, torso still hinged, where the depth had come
        up less than :attr:`DeadliftConfig.bottom_margin_deg` over the preceding
        :attr:`DeadliftConfig.release_smooth_s` (slower than ~50 deg/s: settling onto the knees
        moves the hips ~10 deg in ~0.4 s, a pull or a stand-up ~100 deg in about a second). On a
        rise straight from the floor that is about ``rise`` itself.
        """
        cfg = self.cfg
        depth = self._depth(start, end)
        t, lean, hip = (self.frames.cols[n] for n in ("t", "lean", "hip"))
        still_ms = cfg.release_smooth_s * 1000.0
        for j in range(end, rise, -1):
            d = depth[j - start]
            if not (math.isfinite(d) and self._classify(lean[j], hip[j]) == "bottom"):
                continue
            k = j
            while k > start and t[j] - t[k - 1] <= still_ms + 1e-3:
                k -= 1
            if d >= np.nanmax(depth[k - start : j - start + 1]) - cfg.bottom_margin_deg:
                return j
        return rise

    def _grip(self, start: int, end: int, window_s: float) -> tuple[float, float]:
        """Median (wrist height, elbow flexion) over the last ``window_s`` up to frame ``end``.

        Only frames from ``start`` on; NaN when that leaves less than half of the window (at
        30 fps a 0.1 s window holds 3-4 frames, 2 with jittery timestamps) or the arms were
        measured on fewer than half of its frames.
        """
        t = self.frames.cols["t"]
        span_ms = window_s * 1000.0
        first = end
        while first > start and t[end] - t[first - 1] <= span_ms + 1e-3:
            first -= 1
        if t[end] - t[first] < 0.5 * span_ms:
            return math.nan, math.nan
        wrist = self.frames.arr("wrist", first, end)
        elbow = self.frames.arr("elbow", first, end)
        ok = np.isfinite(wrist) & np.isfinite(elbow)
        if ok.mean() < 0.5:
            return math.nan, math.nan
        return float(np.median(wrist[ok])), float(np.median(elbow[ok]))

    def _release_score(self, grip: tuple[float, float]) -> float:
        """How far ``grip`` is from the hands on the bar: >= 1 means off; NaN when unknown.

        Compared with the set's counted reps (the median of their grips at the lift-off), so
        the camera's and the model's reading of straight arms cancels out. Each signal counts up
        to twice its own margin.
        """
        cfg = self.cfg
        refs = np.asarray([r.grip for r in self.reps], dtype=np.float64).reshape(-1, 2)
        refs = refs[np.isfinite(refs).all(axis=1)]
        if refs.size == 0 or not all(math.isfinite(v) for v in grip):
            return math.nan
        ref_wrist, ref_elbow = np.median(refs, axis=0)
        wrist = clip01((grip[0] - ref_wrist) / cfg.release_wrist_rise / 2.0) * 2.0
        elbow = clip01((grip[1] - ref_elbow) / cfg.release_elbow_bend_deg / 2.0) * 2.0
        return 0.5 * wrist + 0.5 * elbow

    def _hands_off(self, start: int, lift: int) -> tuple[bool, tuple[float, float]]:
        """Were the hands off the bar from :attr:`DeadliftConfig.release_hold_s` to the lift-off?

        The arms are read as the median over each :attr:`DeadliftConfig.release_smooth_s`; every
        reading from the lift-off back over the hold, after ``start`` (the set-down's bottom),
        must be off the bar. A re-grip before the pull, however quick, puts the hands back on
        the bar at the lift-off and keeps the rep. Unsure (no reference, an unmeasured stretch)
        -> False: the rep is kept. Also returns the grip at the lift-off, which is the set's
        reference when the rep is counted.
        """
        cfg = self.cfg
        t = self.frames.cols["t"]
        grip = self._grip(start, lift, cfg.release_smooth_s)
        j = lift
        while True:
            reading = grip if j == lift else self._grip(start, j, cfg.release_smooth_s)
            if not self._release_score(reading) >= 1.0:
                return False, grip
            # The reading at j spans release_smooth_s: the hands were off from about then.
            if t[lift] - t[j] + cfg.release_smooth_s * 1000.0 >= cfg.release_hold_s * 1000.0:
                return True, grip
            j -= 1
            if j < start:
                return False, grip

    def _on_lockout(self, i: int) -> list[Event]:
        """The torso came up to lockout at frame ``i`` from the bottom."""
        cfg = self.cfg
        bottom_start = self._state_start
        lowering_end, pull_start, rise = self._bottom_marks(bottom_start, i - 1)
        lift = self._lift_off(bottom_start, rise, i - 1)
        t = self.frames.cols["t"]
        pull_s = (t[i] - t[pull_start]) / 1000.0
        last_lock = self.reps[-1].lockout if self.reps else None
        since_last = (t[i] - t[last_lock]) / 1000.0 if last_lock is not None else math.inf
        events: list[Event] = []
        lowering = None
        if self._lowering_from is not None:
            lowering = (self._lowering_from, lowering_end)
        released, grip = self._hands_off(lowering_end, lift)
        if pull_s < cfg.min_pull_s or since_last < cfg.min_rep_interval_s or released:
            # Too quick to be a lift, or standing up after letting go of the bar: judge
            # nothing, but keep a pending lowering (the set-down) attached to the previous rep.
            if lowering is not None and self.reps:
                prev = self.reps[-1]
                if released and prev.end >= lowering[0] - 1:
                    prev.end = lowering[1]
                events += self._judge_and_record(_Phase("lowering", *lowering, prev.index))
            return events
        # A lowering that followed a counted rep belongs to it; the first descent of a set
        # (setup, or the first rep of a Romanian deadlift) belongs to the new rep.
        prev = self.reps[-1] if self.reps else None
        new_index = len(self.reps) + 1
        start = pull_start
        if lowering is not None:
            if prev is not None and prev.end >= lowering[0] - 1:
                prev.end = lowering[1]
                events += self._judge_and_record(_Phase("lowering", *lowering, prev.index))
            else:
                start = lowering[0]
                phase = _Phase("lowering", *lowering, new_index, setup=True)
                events += self._judge_and_record(phase)
        rep = _RepRecord(new_index, start, pull_start, i, i, i, grip=grip)
        self.reps.append(rep)
        events.append(Event(EventKind.REP, t[i], f"Rep {new_index}", None, 0.0))
        events += self._judge_and_record(_Phase("pull", pull_start, i, new_index))
        return events

    def _close_bottom(self, last: int) -> list[Event]:
        """Judge a lowering still open at frame ``last`` (the clip ended or the lifter left)."""
        if self._state != "bottom" or self._lowering_from is None:
            return []
        start = self._lowering_from
        self._lowering_from = None
        lowering_end, _ = self._split_bottom(self._state_start, last)
        prev = self.reps[-1] if self.reps else None
        rep = None
        if prev is not None and prev.end >= start - 1:
            prev.end = lowering_end
            rep = prev.index
        phase = _Phase("lowering", start, lowering_end, rep, setup=rep is None)
        return self._judge_and_record(phase)

    def _judge_and_record(self, phase: _Phase) -> list[Event]:
        judgement = self._judge(phase)
        events: list[Event] = []
        rep = next((r for r in self.reps if r.index == phase.rep), None)
        for code, reason in judgement.not_judged.items():
            self._phase_notes.append((code, reason))
        for code in judgement.judged:
            self._verdicts[code] += 1
        for fault in judgement.faults:
            self.faults.append(fault)
            if rep is not None and fault.code not in rep.faults:
                rep.faults.append(fault.code)
        # One cue per judgement, the most important fault (the CuePolicy paces the cues).
        if judgement.faults:
            fault = min(judgement.faults, key=lambda f: (PRIORITY[f.code], -f.severity))
            events.append(
                Event(EventKind.FAULT, self._now_ms, SPOKEN[fault.code], fault.code, fault.severity)
            )
        if rep is not None:
            prefix = "pull_" if phase.kind == "pull" else "lowering_"
            rep.metrics.update({prefix + k: v for k, v in judgement.metrics.items()})
        return events

    # -- judging --------------------------------------------------------------------------
    def _judge(self, phase: _Phase) -> _Judgement:
        faults: list[Fault] = []
        metrics: dict[str, float] = {}
        not_judged: dict[str, str] = {}
        fr = self.frames
        a, b = phase.start, phase.end
        t = fr.arr("t", a, b)
        lean = fr.arr("lean", a, b)
        metrics["duration_s"] = float((t[-1] - t[0]) / 1000.0) if t.size else 0.0
        metrics["max_lean_deg"] = float(np.nanmax(lean)) if np.isfinite(lean).any() else math.nan

        loaded = np.flatnonzero(np.nan_to_num(lean, nan=-1.0) >= self.cfg.loaded_lean_deg)
        views = [fr.view[a + k] for k in loaded]
        view = majority([v for v in views if v != View.UNKNOWN], default=View.UNKNOWN)
        metrics["loaded_frames"] = float(loaded.size)

        fault = self._judge_rounding(phase, loaded, view, metrics, not_judged)
        if fault is not None:
            faults.append(fault)
        if phase.kind == "pull":
            fault = self._judge_squat(phase, metrics, not_judged)
            if fault is not None:
                faults.append(fault)
        judged = {ROUNDED_BACK} if "rounded_back_score" in metrics else set()
        if "bottom_knee_flexion_deg" in metrics:
            judged.add(SQUATTING)
        return _Judgement(faults, metrics, not_judged, judged)

    def _judge_rounding(
        self,
        phase: _Phase,
        loaded: np.ndarray,
        view: str,
        metrics: dict[str, float],
        not_judged: dict[str, str],
    ) -> Fault | None:
        cfg = self.cfg
        fr = self.frames
        if loaded.size == 0:
            not_judged[ROUNDED_BACK] = "the torso never tipped far enough to load the back"
            return None
        if view == View.FRONT:
            not_judged[ROUNDED_BACK] = FRONT_VIEW_REASON
            return None
        idx = phase.start + loaded
        bulge = np.asarray([fr.cols["bulge"][i] for i in idx])
        neck = np.asarray([fr.cols["neck"][i] for i in idx])
        chord_px = finite_median(np.asarray([fr.cols["torso"][i] for i in idx]))
        if not chord_px >= cfg.min_chord_px:
            # Too few pixels along the back: one pixel of mask edge is already a bulge the size
            # of the threshold's margin.
            bulge = np.full_like(bulge, np.nan)
        n_sil, n_lm = finite_count(bulge), finite_count(neck)
        # The outline is read where the back carries the most load: the loaded frames tipped
        # at least as far as their median (the heavier half: the floor break of a pull, the
        # bottom of a lowering). A back that rounds off the floor and straightens as the bar
        # rises is still a rounded back; over all loaded frames the straighter top half would
        # outvote it. The head keeps all loaded frames (its neutral, lifters looking ahead, was
        # read on them), and both signals' jitter is measured on all loaded frames.
        lean = np.asarray([fr.cols["lean"][i] for i in idx])
        b_raw = self._phase_reading(bulge, lean >= np.median(lean))
        h_raw = self._phase_reading(neck, np.ones(idx.size, dtype=bool))
        # As read, in the rep's metrics (a personal baseline measures them); judged after the
        # person's own offsets from the population's neutral (0 without a baseline).
        b = b_raw - cfg.bulge_offset
        h = h_raw - cfg.head_drop_offset_deg
        if math.isfinite(b):
            metrics["back_bulge"] = b_raw
            metrics["spine_flexion_est_deg"] = max(0.0, b - cfg.bulge_neutral) / BULGE_PER_DEG
        if math.isfinite(h):
            metrics["head_drop_deg"] = h_raw
        # Noise: each signal's jitter on these frames (formcheck.exercises.noise). A reading
        # counts only by how far it passes its limit beyond noise_k jitters, and a signal that
        # jitters by more than max_jitter_fraction of its scale (neutral -> limit) is left out.
        noise = {
            name: self._signal_noise(name, values, reading, span)
            for name, values, reading, span in (
                ("bulge", bulge, b, cfg.bulge_threshold - cfg.bulge_neutral),
                ("neck", neck, h, cfg.head_drop_threshold_deg - cfg.head_drop_neutral_deg),
            )
        }
        sil, lm = noise["bulge"], noise["neck"]
        if math.isfinite(sil.sigma):
            metrics["back_bulge_jitter"] = sil.sigma
        if math.isfinite(lm.sigma):
            metrics["head_drop_jitter_deg"] = lm.sigma
        e_sil = math.nan if sil.too_noisy else ramp(b - sil.margin, cfg.bulge_neutral,
                                                    cfg.bulge_threshold)  # fmt: skip
        e_lm = math.nan if lm.too_noisy else ramp(h - lm.margin, cfg.head_drop_neutral_deg,
                                                  cfg.head_drop_threshold_deg)  # fmt: skip
        if math.isfinite(e_sil) and math.isfinite(e_lm):
            w = cfg.silhouette_weight
            mixed = w * e_sil + (1.0 - w) * e_lm
            # Each signal can miss real rounding (a hump at the shoulder end of the outline, a
            # lifter craning the neck), so one signal far past its threshold decides alone.
            score = max(mixed, max(e_sil, e_lm) / cfg.single_signal_factor)
            if e_sil >= 1.0 and e_lm >= 1.0:
                agreement = 1.0
            elif mixed >= 1.0:
                agreement = 0.8
            else:
                agreement = 0.6
            unsteady = w * sil.relative + (1.0 - w) * lm.relative
        elif math.isfinite(e_sil):  # no head measurement: the outline alone, as above
            score, agreement, unsteady = e_sil / cfg.single_signal_factor, 0.7, sil.relative
        elif math.isfinite(e_lm):  # no mask (or too few pixels): the head alone, as above
            score, agreement = e_lm / cfg.single_signal_factor, cfg.landmark_only_confidence
            unsteady = lm.relative
        else:
            too_noisy = [n.reason for n in (sil, lm) if n.too_noisy]
            if too_noisy:
                not_judged[ROUNDED_BACK] = (
                    f"{' and '.join(too_noisy)}: too unsteady to tell rounding from noise (film "
                    "closer, side-on, in good light)"
                )
            else:
                not_judged[ROUNDED_BACK] = (
                    "the back's outline and the head could not be measured on the loaded frames"
                )
            return None
        metrics["rounded_back_score"] = score
        if score < 1.0:
            return None
        view_factor = cfg.view_confidence.for_view(view)
        if math.isfinite(e_sil):
            span = cfg.full_chord_px - cfg.min_chord_px
            view_factor *= 0.7 + 0.3 * clip01((chord_px - cfg.min_chord_px) / span)
        n = max(n_sil, n_lm)
        frames_factor = min(1.0, n / (2.0 * cfg.min_judged_frames))
        margin = 0.6 + 0.4 * clip01((score - 1.0) / 0.5)
        # A shaky signal is less sure, even past its noise margin: down to half as sure at
        # the jitter where it would no longer be judged.
        steadiness = 1.0 - 0.5 * clip01(unsteady / cfg.max_jitter_fraction)
        confidence = view_factor * agreement * margin * frames_factor * steadiness
        if phase.setup and cfg.variant != "romanian":
            confidence *= cfg.setup_confidence
        measured = {"score": score}
        thresholds = {"score": 1.0}
        signals: list[str] = []
        if math.isfinite(e_sil):
            measured.update(
                back_bulge=b,
                silhouette_evidence=e_sil,
                spine_flexion_est_deg=metrics["spine_flexion_est_deg"],
            )
            thresholds["back_bulge"] = cfg.bulge_threshold
            if cfg.bulge_offset:
                thresholds["bulge_offset"] = cfg.bulge_offset
            if math.isfinite(sil.sigma):
                measured["back_bulge_jitter"] = sil.sigma
                thresholds["back_bulge_noise_margin"] = sil.margin
            if e_sil >= 1.0:
                signals.append("silhouette")
        if math.isfinite(e_lm):
            measured.update(head_drop_deg=h, landmark_evidence=e_lm)
            thresholds["head_drop_deg"] = cfg.head_drop_threshold_deg
            if cfg.head_drop_offset_deg:
                thresholds["head_drop_offset_deg"] = cfg.head_drop_offset_deg
            if math.isfinite(lm.sigma):
                measured["head_drop_jitter_deg"] = lm.sigma
                thresholds["head_drop_noise_margin_deg"] = lm.margin
            if e_lm >= 1.0:
                signals.append("landmarks")
        if not signals:  # neither alone, only together
            signals = [
                name
                for name, e in (("silhouette", e_sil), ("landmarks", e_lm))
                if math.isfinite(e) and e >= 0.5
            ]
        measured["lowering"] = 1.0 if phase.kind == "lowering" else 0.0
        measured["setup"] = 1.0 if phase.setup else 0.0
        if math.isfinite(b):
            severity = clip01(ramp(b, cfg.bulge_threshold, cfg.bulge_full))
            severity = max(severity, clip01((score - 1.0) / 1.5))
        else:
            severity = clip01((score - 1.0) / 1.5)
        t = fr.cols["t"]
        return Fault(
            code=ROUNDED_BACK,
            cue=CUES[ROUNDED_BACK],
            start_ms=float(t[int(phase.start + loaded[0])]),
            end_ms=float(t[int(phase.start + loaded[-1])]),
            rep=phase.rep,
            severity=round(float(severity), 3),
            confidence=round(float(clip01(confidence)), 3),
            measured={k: round(float(v), 4) for k, v in measured.items()},
            thresholds=thresholds,
            signals=tuple(signals),
        )

    def _phase_reading(self, values: np.ndarray, heavy: np.ndarray) -> float:
        """Median of ``values`` over the ``heavy`` frames, or over all of them when fewer than
        :attr:`DeadliftConfig.min_judged_frames` heavy frames were measured; NaN when even all
        of them are fewer."""
        need = self.cfg.min_judged_frames
        if finite_count(values[heavy]) >= need:
            return finite_median(values[heavy])
        return finite_median(values) if finite_count(values) >= need else math.nan

    def _signal_noise(self, name: str, values: np.ndarray, reading: float, span: float) -> _Noise:
        """The jitter of ``values`` (one signal over a phase's loaded frames, in time order),
        its noise margin and whether it is too unsteady for its limit ``span`` past neutral.

        The jitter is the median over the clip's phases so far, this one included (each phase's
        own with enough frames, formcheck.exercises.noise.MIN_SAMPLES): a single phase of 10-20
        loaded frames can read a jittery signal as steady by chance, and one lowering read that
        way must not escape the margin the clip's other phases need. Unknown (no margin) before
        any phase had enough frames.
        """
        cfg = self.cfg
        if not math.isfinite(reading):
            return _Noise(math.nan, 0.0, 0.0, False)
        own = robust_sigma(values)
        if math.isfinite(own):
            self._jitter[name].append(own)
        if not self._jitter[name]:
            return _Noise(math.nan, 0.0, 0.0, False)
        sigma = float(np.median(self._jitter[name]))
        margin = noise_margin(sigma, cfg.noise_k, cfg.max_noise_margin_fraction * span)
        relative = sigma / span
        if relative <= cfg.max_jitter_fraction:
            return _Noise(sigma, margin, relative, False)
        if name == "bulge":
            reason = (
                f"the back's outline jittered by +-{sigma:.3f} chord lengths between frames "
                f"against {span:.3f} from a flat back to the limit"
            )
        else:
            reason = (
                f"the head jittered by +-{sigma:.0f} deg between frames against {span:.0f} from "
                "a neutral neck to the limit"
            )
        return _Noise(sigma, margin, relative, True, reason)

    def _judge_squat(
        self, phase: _Phase, metrics: dict[str, float], not_judged: dict[str, str]
    ) -> Fault | None:
        cfg = self.cfg
        fr = self.frames
        a, b = phase.start, phase.end
        depth = self._depth(a, b)
        if not np.isfinite(depth).any():
            not_judged[SQUATTING] = "the hips and knees were not visible at the bottom"
            return None
        # The bottom of the pull: frames within 10 deg of its deepest point.
        bottom = np.flatnonzero(np.nan_to_num(depth, nan=-np.inf) >= np.nanmax(depth) - 10.0)
        view = majority([fr.view[a + k] for k in bottom if fr.view[a + k] != View.UNKNOWN])
        if view == View.FRONT:
            not_judged[SQUATTING] = SQUAT_FRONT_REASON
            return None
        if fr.arr("in_frame", a, b)[bottom].mean() < 0.5:
            not_judged[SQUATTING] = "the hips or feet were out of the frame at the bottom"
            return None
        knee = finite_median(fr.arr("knee", a, b)[bottom])
        hip = finite_median(fr.arr("hip", a, b)[bottom])
        lean = finite_median(fr.arr("lean", a, b)[bottom])
        if not (math.isfinite(knee) and math.isfinite(hip) and math.isfinite(lean)):
            not_judged[SQUATTING] = "the hips and knees were not visible at the bottom"
            return None
        ratio = knee / hip if hip > 1.0 else math.nan
        metrics.update(bottom_knee_flexion_deg=knee, bottom_hip_flexion_deg=hip)
        metrics["bottom_lean_deg"] = lean
        if knee > cfg.squat_max_plausible_knee_deg:
            # A leg folded flat is no stance: the model misplaced the ankle (seen on a rendered
            # Romanian deadlift with straight legs read at 176 deg).
            not_judged[SQUATTING] = (
                f"the knee read {knee:.0f} deg bent at the bottom, past any real stance: the "
                "legs were not clearly seen"
            )
            return None
        allowance = cfg.upright_variant_allowance_deg if cfg.variant in UPRIGHT_VARIANTS else 0.0
        knee_th = cfg.squat_knee_flexion_deg + allowance
        lean_th = cfg.squat_max_lean_deg - allowance
        upright = knee >= knee_th and lean <= lean_th and ratio >= cfg.squat_knee_hip_ratio
        # A knee-dominant pull: the knees bend clearly more than the hips with the torso no
        # more tipped than a hinge's least (see DeadliftConfig.squat_dominant_ratio).
        dominant_lean_th = cfg.squat_dominant_max_lean_deg - allowance
        dominant = (
            knee >= knee_th and ratio >= cfg.squat_dominant_ratio and lean <= dominant_lean_th
        )
        if not (upright or dominant):
            return None
        if not upright:
            lean_th = dominant_lean_th
        severity = clip01(
            0.5 * clip01(ramp(knee, knee_th, knee_th + 30.0))
            + 0.5 * clip01(ramp(lean, lean_th, lean_th - 20.0))
        )
        view_factor = cfg.view_confidence.for_view(view)
        margin = min(knee - knee_th, lean_th - lean) / 10.0
        confidence = view_factor * (0.6 + 0.4 * clip01(margin))
        t = fr.cols["t"]
        return Fault(
            code=SQUATTING,
            cue=CUES[SQUATTING],
            start_ms=float(t[a + int(bottom[0])]),
            end_ms=float(t[a + int(bottom[-1])]),
            rep=phase.rep,
            severity=round(float(max(severity, 0.05)), 3),
            confidence=round(float(clip01(confidence)), 3),
            measured={
                "knee_flexion_deg": round(knee, 2),
                "trunk_lean_deg": round(lean, 2),
                "knee_hip_ratio": round(ratio, 3),
            },
            thresholds={
                "knee_flexion_deg": knee_th,
                "trunk_lean_deg": lean_th,
                "knee_hip_ratio": cfg.squat_knee_hip_ratio if upright else cfg.squat_dominant_ratio,
            },
            signals=("landmarks",),
        )

    # -- verdict --------------------------------------------------------------------------
    def finish(self) -> ExerciseResult:
        """The verdict so far. Does not change the session: feeding more frames continues."""
        snapshot = _Snapshot.of(self)
        try:
            self._close_bottom(len(self.frames) - 1)
            return self._result()
        finally:
            snapshot.restore(self)

    def _result(self) -> ExerciseResult:
        cfg = self.cfg
        fr = self.frames
        n = len(fr)
        result = ExerciseResult(exercise="deadlift", variant=self._variant())
        t = fr.cols["t"]
        duration = (t[-1] - t[0]) / 1000.0 + self._dt_s if n else 0.0
        rate = self._detected / n if n else 0.0
        detected_s = self._detected * self._dt_s
        result.events = list(self.events)
        reps = [self._rep(r) for r in self.reps]
        result.reps = reps
        result.faults = sorted(self.faults, key=lambda f: (f.start_ms, f.code))
        result.summary = SetSummary(
            rep_count=len(reps),
            duration_s=round(duration, 3),
            mean_rep_s=round(float(np.mean([r.duration_s for r in reps])), 3) if reps else None,
            advice=self._advice(reps),
        )
        # Few detected frames only matter when they left nothing to judge: a long recording
        # with the lifter walking in and out of view can still hold clean reps.
        if n == 0 or (rate < cfg.min_detection_rate and not reps):
            result.assessable = False
            result.reason = (
                "nobody was detected"
                if self._detected == 0
                else f"the person was detected on only {100 * rate:.0f}% of frames: keep the whole "
                "body in view"
            )
            return result
        if detected_s < cfg.min_duration_s:
            result.assessable = False
            result.reason = (
                f"too short to judge ({detected_s:.1f} s with the lifter in view): record at "
                "least one full rep"
            )
            return result
        views = [v for v in fr.view if v != View.UNKNOWN]
        front = majority(views) == View.FRONT
        lean = np.asarray(fr.cols["lean"])
        if front:
            # From the front the torso tips toward the camera: its inclination, the hip and knee
            # angles and the back's outline all leave the image plane.
            result.not_judged[ROUNDED_BACK] = FRONT_VIEW_REASON
            result.not_judged[SQUATTING] = SQUAT_FRONT_REASON
        if not (np.nan_to_num(lean, nan=-1.0) >= cfg.loaded_lean_deg).any():
            result.assessable = False
            result.reason = (
                "the camera faces the lifter: film side-on, whole body in view"
                if front
                else "no hip hinge was seen: record the lift from the side, whole body in view"
            )
            return result
        for code in (ROUNDED_BACK, SQUATTING):
            notes = [reason for c, reason in self._phase_notes if c == code]
            if self._verdicts[code] == 0 and notes and code not in result.not_judged:
                result.not_judged[code] = majority(notes)
            if self._verdicts[code] > 0:
                result.not_judged.pop(code, None)
        return result

    def _rep(self, r: _RepRecord) -> Rep:
        t = self.frames.cols["t"]
        metrics = {k: round(float(v), 4) for k, v in r.metrics.items() if math.isfinite(v)}
        metrics["pull_s"] = round((t[r.lockout] - t[r.pull_start]) / 1000.0, 3)
        return Rep(
            index=r.index,
            start_ms=float(t[r.start]),
            key_ms=float(t[r.key]),
            end_ms=float(t[max(r.end, r.key)]),
            fault_codes=tuple(r.faults),
            metrics=metrics,
        )

    def _variant(self) -> str | None:
        """The configured variant, or "romanian" when the reps clearly were one (else None).

        Barbell, trap bar, kettlebell and sumo pulls look alike from the side (the load and
        the stance width do not show), so only the Romanian deadlift is recognised: the set
        starts standing (a lowering before the first pull) and the knees stay soft (< 35 deg)
        at the bottom of every rep, so the bar cannot have gone back to the floor.
        """
        if self.cfg.variant != "auto":
            return self.cfg.variant
        if not self.reps or self.reps[0].start >= self.reps[0].pull_start:
            return None
        knees = [r.metrics.get("pull_bottom_knee_flexion_deg", math.nan) for r in self.reps]
        if all(math.isfinite(k) and k < 35.0 for k in knees):
            return "romanian"
        return None

    def _advice(self, reps: list[Rep]) -> list[str]:
        advice: list[str] = []
        if not reps:
            return advice
        n = len(reps)
        pulls = {
            f.rep for f in self.faults if f.code == ROUNDED_BACK and not f.measured["lowering"]
        }
        pulls.discard(None)
        rounded = {f.rep for f in self.faults if f.code == ROUNDED_BACK} - {None}
        if len(pulls) * 2 > n:
            advice.append(
                f"Your back rounded from the floor on {len(pulls)} of {n} reps: raise the bar "
                "(pull from blocks) or reduce the load until you can keep it flat, and work in "
                "sets of 6-10 reps."
            )
        elif rounded and min(rounded) > 1:
            advice.append(
                f"Your back stayed flat at first but rounded from rep {min(rounded)}: end the set "
                "when your form goes, or lighten the load so all 6-10 reps stay flat."
            )
        elif rounded:
            advice.append(
                "Keep your chest up and your back flat on every rep; lighten the load if it "
                "keeps rounding."
            )
        if any(SQUATTING in r.fault_codes for r in reps):
            advice.append(
                "Start with the hips higher and push them back: the deadlift is a hip hinge with "
                "the shins near vertical, not a squat."
            )
        if n > 10:
            advice.append(f"{n} reps in one set: deadlifts work best in sets of 6-10 reps.")
        return advice


@dataclass
class _Snapshot:
    """What ``finish`` may touch, so it can leave the session as it found it."""

    reps: list[tuple[int, dict[str, float], list[str]]]
    n_faults: int
    n_notes: int
    lowering_from: int | None
    verdicts: dict[str, int]
    n_jitter: dict[str, int]

    @classmethod
    def of(cls, s: DeadliftSession) -> _Snapshot:
        return cls(
            [(r.end, dict(r.metrics), list(r.faults)) for r in s.reps],
            len(s.faults),
            len(s._phase_notes),
            s._lowering_from,
            dict(s._verdicts),
            {name: len(values) for name, values in s._jitter.items()},
        )

    def restore(self, s: DeadliftSession) -> None:
        for r, (end, metrics, faults) in zip(s.reps, self.reps, strict=True):
            r.end, r.metrics, r.faults = end, metrics, faults
        del s.faults[self.n_faults :]
        del s._phase_notes[self.n_notes :]
        s._lowering_from = self.lowering_from
        s._verdicts = self.verdicts
        for name, n in self.n_jitter.items():
            del s._jitter[name][n:]


class DeadliftRule(ExerciseRule):
    """Deadlift checks (rounded back, squatting) and rep counting; see the module docstring."""

    exercise = "deadlift"

    config_type = DeadliftConfig

    def session(self) -> DeadliftSession:
        return DeadliftSession(self.config)
