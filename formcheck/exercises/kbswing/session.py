"""Kettlebell swing: reps from the hinge/extension cycle and four side-view faults.

A swing is a hip hinge followed by an explosive hip extension: the hips fold back (hip flexion
~80-100 deg at the bottom of the backswing), then snap straight (~0-10 deg at the top) and the
bell floats up on straight, passive arms. Sets are 20-30 reps at about one rep per 1-2 s.

**Reps** come from a hysteresis state machine on hip flexion (side view): the hips count as
*hinged* above :attr:`SwingConfig.hinge_deg` and as *extended* below :attr:`SwingConfig.top_deg`.
A backswing (hinge phase) followed by extended hips is a rep once the bell floats (the wrists
rise to ``float_wrist_height``; with the wrists unseen, the hips alone decide): standing up
after parking the bell straightens the hips without a float and is no rep, nor is standing
still with the bell before the first backswing. The ``rep`` event fires at the float, ~0.1 s
after the hips straighten. ``Rep.start_ms`` is the start of the backswing (the deepest point of
the hike after a set-up from the floor), ``key_ms`` the top of the swing (the bell at its
highest, as the hand-checked ground truth marks it; the straightest hips when the wrists are
unseen), ``end_ms`` the start of the next backswing or the last frame seen;
``metrics["bottom_ms"]`` is the bottom of the backswing. The summary's tempo
(``mean_rep_s``) is the mean top-to-top time.

**Faults**, each judged once per rep, only on frames seen side-on or obliquely, and only when
held for ``min_fault_ms``:

* ``leaning_back`` (top): the trunk behind vertical (``trunk_lean``) by ``lean_back_deg`` with
  the hips pushed through ahead of the shoulder-ankle line (``hip_line_offset``): the cue's
  "shoulders behind the hips, lower back hyperextended"; or by ``lean_back_alone_deg``
  whatever the hips do. Standing tall with a bell floating in front needs a small counter-lean
  (the bell's weight is in front of the feet): real, labelled-good swings measure up to ~11 deg
  behind vertical with the hips ~0.03 through, so "a few degrees" is normal and the fault
  starts at a clear lean (see :class:`SwingConfig`).
* ``arms_lifting`` (top and upswing): the arms raise the bell instead of the hips: the wrists
  well above the shoulders at the top (``wrist_height`` >= ``wrist_above_shoulder``, off when
  ``allow_american``), or the arms already far forward (``shoulder_flexion`` >=
  ``arm_lead_shoulder_deg``) while the hips are still bent (>= ``arm_lead_hip_deg``) on the way
  up: the arms leading the hip drive.
* ``on_toes`` (bottom of the backswing): the weight rocks onto the balls of the feet. The
  foot pitches up about the ball and the body travels forward over it, so four readings, each
  against the lifter's own feet-flat level at the tops and each resting on other landmarks,
  must agree: the ankle risen in the image against the top just before
  (``ankle_y_px``, in that top's torso lengths: a fixed camera), the ankle risen above the
  toe point (``ankle_above_toe``), the heel risen over the toes (``heel_rise``), and the hips
  over the ankles (``ankle_to_hip_dx``; they sit well behind them in a flat-footed hinge).
  An ankle risen twice as far is enough without the hips (up on the balls of the feet with
  the knees forward). The ankle landmark is steadier than the heel and rises ~0.7x the heel
  lift; requiring all the readings, the three foot ones on the same frames, means no one
  noisy landmark (a toe point sinking below the floor in a deep hinge, a heel jumping), nor
  glitches of different ones at different moments, can raise the fault.
* ``squatting`` (bottom of the backswing): the knees bend as much as the hips instead of the
  hips going back: ``knee_flexion / hip_flexion`` >= ``squat_ratio`` with at least
  ``squat_min_knee_deg`` of knee bend.

**Noise**: each judged signal's jitter is measured from the signal itself over the last few
seconds (:class:`_Noise`). A reading counts past its limit only by more than ``noise_k`` of
its jitters (capped at a share of the limit, so a clear fault is never hidden), the fault's
confidence drops with the jitter, and a check whose signal jitters by too large a part of its
limit is not judged on that rep, with the reason (the evidence holds the jitter and margin).

**Personal baseline**: ``top_lean_offset_deg`` and ``hips_through_offset`` (set from a good
set of the same person and camera, :mod:`formcheck.exercises.kbswing.baseline`) are
subtracted from the top's lean and hip line before they are judged; the rep's metrics keep
the readings as measured.

A backswing is judged only when it starts from a top and lasts at most ``max_backswing_s``:
the set-up before the first hike (bell on the floor, arms reaching for it, knees bent more by
design) is not judged for ``squatting``, ``on_toes`` or the arms' timing.

**Views**: all four faults live in the sagittal plane, so a front view judges none of them
(``assessable=False`` with the reason, every code in ``not_judged``). Reps are still counted in
a front view, from the trunk's vertical foreshortening (the hip->shoulder vertical extent
against its standing value gives ``arccos`` of the trunk's inclination whatever the camera's
yaw); a swing's 55-65 deg hinge is unmistakable that way, so the count is reliable, faults would
not be. An oblique view foreshortens sagittal angles (a lean looks smaller), so faults are judged
there with lower confidence and only clear ones show.

Left/right labels are never trusted (features use label-free midpoints); facing-signed features
are re-signed with the session's majority facing, so a frame where the head turns and the facing
estimate flips cannot turn a forward lean into a lean back.
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
from formcheck.exercises.kbswing.config import SwingConfig
from formcheck.exercises.noise import MotionJitter, noise_margin
from formcheck.features.view import View

FAULT_CODES: tuple[str, ...] = ("leaning_back", "on_toes", "arms_lifting", "squatting")

CUES: dict[str, str] = {
    "leaning_back": "Stand tall, don't lean back",
    "on_toes": "Weight in your heels",
    "arms_lifting": "Drive with the hips, arms relaxed",
    "squatting": "Hips back, don't squat",
}

ADVICE: dict[str, str] = {
    "leaning_back": "Finish each swing standing tall: squeeze the glutes, ribs down, and let the "
    "bell float; the body stops at vertical, it does not lean back to counter the bell.",
    "on_toes": "Keep the weight on the midfoot and heels as the bell goes back; if the bell "
    "pulls you forward, hike it higher between the legs or use a lighter bell.",
    "arms_lifting": "Let the hip snap float the bell; the arms are ropes and the bell stops "
    "around chest height (set allow_american for overhead swings).",
    "squatting": "On the backswing push the hips back with shins nearly vertical; the knees "
    "soften, they do not bend like a squat.",
}

# The views whose frames are judged (a front view only counts reps).
_SIDE_VIEWS = (View.SIDE, View.SIDE_OBLIQUE, View.OBLIQUE, View.UNKNOWN)


# The signals whose jitter the rule tracks (_Noise): what a reason calls each, and its unit.
_NOISE_SIGNALS: dict[str, tuple[str, str]] = {
    "lean": ("trunk lean", "deg"),
    "hip_line": ("hips' offset from the body line", "body lengths"),
    "wrist": ("wrist height", "torso lengths"),
    "shoulder": ("arm angle", "deg"),
    "hip": ("hip angle", "deg"),
    "knee": ("knee angle", "deg"),
    "ankle_y": ("ankle height", "px"),
    "ankle_toe": ("ankle height over the toes", "torso lengths"),
    "heel": ("heel height", "foot lengths"),
    "hip_dx": ("hips' place over the ankles", "torso lengths"),
}
# Derived from two tracked signals (squatting): how a reason names it.
_DERIVED_NAMES: dict[str, tuple[str, str]] = {
    "ratio": ("knee-to-hip bend ratio", ""),
    "ankle_rise": ("ankle height", "torso lengths"),
}


class _Noise:
    """Each judged signal's jitter over the last ``window_ms`` of side-on frames (causal): a
    swing moves every signal fast, so each is a :class:`~formcheck.exercises.noise.MotionJitter`
    (the spread of its second differences)."""

    def __init__(self, window_ms: float) -> None:
        self._signals = {name: MotionJitter(window_ms) for name in _NOISE_SIGNALS}

    def add(self, t: float, values: dict[str, float] | None) -> None:
        """One frame's values (None: a frame not judged, which breaks the differences)."""
        for name, signal in self._signals.items():
            signal.add(t, values.get(name, math.nan) if values is not None else math.nan)

    def sigma(self, name: str) -> float:
        """The signal's current jitter (one standard deviation); NaN while unknown."""
        return self._signals[name].sigma()


# ----------------------------------------------------------------------------- helpers
def _window(t: np.ndarray, min_ms: float) -> int:
    """Frames spanning ``min_ms`` at the median frame interval of ``t``."""
    dt = float(np.median(np.diff(t))) if t.size > 1 else 33.3
    return max(1, int(round(min_ms / max(dt, 1e-6))) + 1)


def _held_windows(t: np.ndarray, mask: np.ndarray, min_ms: float) -> np.ndarray:
    """Start indices of the stretches of ``_window`` frames (all of them, for a series shorter
    than that, as in :func:`_sustained`) on which ``mask`` holds on every frame."""
    if mask.size == 0:
        return np.zeros(0, dtype=np.intp)
    k = min(_window(t, min_ms), mask.size)
    windows = np.lib.stride_tricks.sliding_window_view(mask, k)
    return np.flatnonzero(windows.all(axis=1))


def _sustained(t: np.ndarray, v: np.ndarray, min_ms: float, high: bool = True) -> float:
    """The most extreme value ``v`` held for at least ``min_ms`` (NaN-free input, time order).

    ``high=True``: the largest x with ``v >= x`` over a stretch of frames spanning ``min_ms``
    (max over windows of the window minimum); ``high=False`` the mirror image. A series
    shorter than the window gives its own min (max for low), the conservative reading.
    """
    if v.size == 0:
        return math.nan
    vals = v if high else -v
    k = _window(t, min_ms)
    if vals.size <= k:
        best = float(vals.min())
    else:
        windows = np.lib.stride_tricks.sliding_window_view(vals, k)
        best = float(windows.min(axis=1).max())
    return best if high else -best


def _span_where(t: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    if mask.any():
        return float(t[mask][0]), float(t[mask][-1])
    return float(t[0]), float(t[-1])


def _severity(excess: float, span: float) -> float:
    return float(np.clip(excess / span, 0.05, 1.0)) if span > 0 else 1.0


@dataclass
class _Phase:
    """Frames of one hinge or top phase (small: a phase lasts about a second)."""

    kind: str  # "hinge" | "top"
    start_ms: float
    from_top: bool = False  # a hinge phase that began after a top (a real backswing)
    rows: list[tuple[float, ...]] = field(default_factory=list)
    arms_seen: int = 0  # top phases: frames with visible wrists
    floated: bool = False  # top phases: the wrists rose to the float
    last_ms: float | None = None
    frames: int = 0  # frames seen, including those not kept
    # Backswings: (ankle y px, torso px) of the feet flat at the top just before, or None
    # with the reason why in foot_ref_why.
    foot_ref: tuple[float, float] | None = None
    foot_ref_why: str = ""

    def add(self, row: tuple[float, ...]) -> None:
        """Keep a bounded number of frames: a top keeps its start (the float is in its first
        second; standing between sets can last minutes), a hinge its end (the bottom and the
        upswing; a set-up can be long)."""
        self.last_ms = row[0]
        self.frames += 1
        if self.kind == "top":
            if len(self.rows) < _MAX_PHASE_ROWS:
                self.rows.append(row)
        else:
            self.rows.append(row)
            if len(self.rows) > _MAX_PHASE_ROWS:
                del self.rows[: len(self.rows) - _MAX_PHASE_ROWS]

    def array(self) -> np.ndarray:
        return np.asarray(self.rows, dtype=np.float64).reshape(-1, len(_COLUMNS))

    @property
    def end_ms(self) -> float:
        return self.last_ms if self.last_ms is not None else self.start_ms


_MAX_PHASE_ROWS = 300  # 10 s at 30 fps


# Per-frame values a phase keeps.
_COLUMNS = (
    "t",
    "depth",  # hip flexion (side) or foreshortened trunk inclination (front), deg
    "hip",
    "knee",
    "lean",  # trunk_lean, re-signed with the majority facing
    "hip_line",  # hip_line_offset, re-signed: - hips pushed through ahead of the body line
    "wrist",
    "shoulder",  # shoulder_flexion, re-signed
    "heel",
    "ankle_y",  # ankle_y_px
    "ankle_toe",  # ankle_above_toe
    "torso",  # torso_length_px
    "hip_dx",  # ankle_to_hip_dx, re-signed
    "vis_trunk",
    "vis_legs",
    "vis_feet",
    "vis_arms",
    "side",  # 1 when the frame's view allows judging (side/oblique/unknown)
    "view_conf",
)
_C = {name: i for i, name in enumerate(_COLUMNS)}


@dataclass
class _RepState:
    index: int
    start_ms: float  # bottom of the backswing
    key_ms: float  # top of the swing (provisional until the top phase ends)
    end_ms: float
    top_start_ms: float  # start of the top phase this rep owns
    faults: list[Fault] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    judged: set[str] = field(default_factory=set)  # codes measured on this rep
    not_judged: dict[str, str] = field(default_factory=dict)  # code -> why not

    def skip(self, code: str, reason: str) -> None:
        self.not_judged.setdefault(code, reason)

    def copy(self) -> _RepState:
        return _RepState(
            self.index,
            self.start_ms,
            self.key_ms,
            self.end_ms,
            self.top_start_ms,
            list(self.faults),
            dict(self.metrics),
            set(self.judged),
            dict(self.not_judged),
        )


class SwingSession(RuleSession):
    """Causal kettlebell-swing state machine; see the module docstring.

    A backswing followed by extended hips becomes a rep once the bell floats (the wrists rise
    to :attr:`SwingConfig.float_wrist_height`): standing up after parking the bell, or a
    deadlift of it, straightens the hips without a float and is not a swing. When the wrists
    cannot be seen, the hips alone decide.
    """

    def __init__(self, config: SwingConfig) -> None:
        self.config = config
        self.frames = 0
        self.detected = 0
        self.usable = 0
        self.first_ms: float | None = None
        self.last_ms: float | None = None
        self.view_counts: dict[str, int] = dict.fromkeys(
            (View.SIDE, View.SIDE_OBLIQUE, View.FRONT, View.OBLIQUE, View.UNKNOWN), 0
        )
        self.facing_sum = 0
        self.front_ref = 0.0  # standing (max) vertical torso extent, px
        self.state = "unknown"  # unknown | top | hinge
        self.phase: _Phase | None = None
        self.pending: _Phase | None = None  # backswing waiting for the bell to float
        self.last_valid_ms: float | None = None
        self.reps: list[_RepState] = []
        self.events: list[Event] = []
        # heel_rise and ankle_above_toe at the tops: the feet-flat baselines
        self.top_heels: list[float] = []
        self.top_ankles: list[float] = []
        self.noise = _Noise(config.noise_window_s * 1000.0)

    # ------------------------------------------------------------------ per frame
    def update(self, frame: FrameInput) -> list[Event]:
        cfg = self.config
        t = float(frame.time_ms)
        self.frames += 1
        if self.first_ms is None:
            self.first_ms = t
        self.last_ms = t
        out: list[Event] = []
        depth = math.nan
        row: tuple[float, ...] | None = None
        if frame.detected:
            self.detected += 1
            view = frame.view if frame.view in self.view_counts else View.UNKNOWN
            self.view_counts[view] += 1
            if frame.facing:
                self.facing_sum += int(np.sign(frame.facing))
            row = self._row(frame, view)
            depth = row[_C["depth"]]
        self._track_noise(t, row)
        self._check_gap(t, out)
        if not math.isfinite(depth):
            self.events.extend(out)
            return out
        self.usable += 1
        self.last_valid_ms = t

        top, hinge = (
            (cfg.front_top_deg, cfg.front_hinge_deg)
            if view == View.FRONT
            else (cfg.top_deg, cfg.hinge_deg)
        )
        if self.state == "unknown":
            if depth < top:
                self._start_phase("top", t)
            elif depth > hinge:
                self._start_phase("hinge", t)
        elif self.state == "top" and depth > hinge:
            ref, why = self._foot_ref(self.phase)  # feet flat at this top: on_toes' baseline
            self._close_top(out)
            self._start_phase("hinge", t, from_top=True, foot_ref=ref, foot_ref_why=why)
        elif self.state == "hinge" and depth < top:
            self.pending = self.phase
            self._start_phase("top", t)

        phase = self.phase
        if phase is not None:
            phase.add(row)
            if phase.kind == "top":
                self._top_frame(phase, row, out)
        self.events.extend(out)
        return out

    def _track_noise(self, t: float, row: tuple[float, ...] | None) -> None:
        """Feed the jitter trackers a frame judged side-on (others break the series)."""
        if row is None or row[_C["side"]] <= 0:
            self.noise.add(t, None)
            return
        self.noise.add(t, {name: row[_C[name]] for name in _NOISE_SIGNALS})

    def _noise(
        self, rep: _RepState, code: str, name: str, limit: float, sigma: float | None = None
    ) -> tuple[float, float] | None:
        """The jitter of signal ``name`` and the margin a reading must pass ``limit`` by; None
        (with the reason on the rep) when it jitters by too large a part of the limit."""
        cfg = self.config
        sigma = self.noise.sigma(name) if sigma is None else sigma
        limit = abs(limit)
        if math.isfinite(sigma) and sigma > cfg.max_jitter_fraction * limit:
            words, unit = _NOISE_SIGNALS.get(name) or _DERIVED_NAMES[name]
            digits = 0 if unit == "deg" else 2
            rep.skip(
                code,
                f"the {words} jittered by +-{sigma:.{digits}f} {unit} between frames against a "
                f"limit of {limit:.{digits}f} {unit}: too unsteady to tell a fault from noise "
                "(film closer, side-on, in good light)".replace(" :", ":").replace("  ", " "),
            )
            return None
        return sigma, noise_margin(sigma, cfg.noise_k, cfg.max_noise_margin_fraction * limit)

    def _margin(self, sigma: float, limit: float) -> float:
        cfg = self.config
        return noise_margin(sigma, cfg.noise_k, cfg.max_noise_margin_fraction * abs(limit))

    @staticmethod
    def _steadiness(sigma: float, limit: float) -> float:
        """A confidence factor: a shaky signal is less sure, even past its margin."""
        if not math.isfinite(sigma) or limit == 0:
            return 1.0
        return float(np.clip(1.0 - sigma / abs(limit), 0.0, 1.0))

    def _top_frame(self, phase: _Phase, row: tuple[float, ...], out: list[Event]) -> None:
        wrist = row[_C["wrist"]]
        if math.isfinite(wrist) and row[_C["vis_arms"]] >= 0.3:
            phase.arms_seen += 1
            if wrist >= self.config.float_wrist_height:
                phase.floated = True
        if self.pending is not None and phase.floated:
            self._confirm(row[_C["t"]], out)
        if row[_C["side"]] > 0 and row[_C["vis_feet"]] >= 0.5:
            for value, kept in (
                (row[_C["heel"]], self.top_heels),
                (row[_C["ankle_toe"]], self.top_ankles),
            ):
                if math.isfinite(value):
                    kept.append(value)
                    if len(kept) > 600:
                        del kept[:300]

    @staticmethod
    def _foot_ref(phase: _Phase | None) -> tuple[tuple[float, float] | None, str]:
        """The feet-flat ankle height (px) and torso length (px) of a top phase: the median
        over its side-on frames with the feet seen; None with fewer than 3 of them, and why."""
        no_top = "no flat-footed top before this backswing to compare the feet with"
        if phase is None or phase.kind != "top" or not phase.rows:
            return None, no_top
        arr = phase.array()
        y, torso = arr[:, _C["ankle_y"]], arr[:, _C["torso"]]
        side = (arr[:, _C["side"]] > 0) & np.isfinite(torso) & (torso > 0)
        ok = side & (arr[:, _C["vis_feet"]] >= 0.5) & np.isfinite(y)
        if ok.sum() >= 3:
            return (float(np.median(y[ok])), float(np.median(torso[ok]))), ""
        if side.sum() < 3:
            # Too short a top, or not seen from the side: the feet may well have been visible.
            return None, no_top
        return None, "ankles, heels and toes not visible at the top before this backswing"

    def _row(self, frame: FrameInput, view: str) -> tuple[float, ...]:
        f = frame.features
        nan = math.nan
        majority = int(np.sign(self.facing_sum))
        # Re-sign facing-signed features with the majority facing (see module docstring).
        flip = float(frame.facing * majority) if frame.facing and majority else 1.0

        def g(name: str) -> float:
            value = f.get(name, nan)
            return float(value) if value is not None else nan

        hip = g("hip_flexion")
        if view == View.FRONT:
            # The vertical extent of the trunk is T*cos(inclination) whatever the yaw.
            torso = g("torso_length_px")
            incl = g("trunk_inclination")
            vertical = torso * math.cos(math.radians(incl)) if math.isfinite(incl) else nan
            if math.isfinite(vertical) and vertical > 0:
                self.front_ref = max(self.front_ref, vertical)
                depth = math.degrees(math.acos(min(1.0, vertical / self.front_ref)))
            else:
                depth = nan
        else:
            depth = hip
        vis = frame.visibility

        def pv(*parts: str) -> float:
            values = [vis.get(p, 0.0) for p in parts]
            values = [v if math.isfinite(v) else 0.0 for v in values]
            return float(min(values)) if values else 0.0

        return (
            float(frame.time_ms),
            depth,
            hip,
            g("knee_flexion"),
            g("trunk_lean") * flip,
            g("hip_line_offset") * flip,
            g("wrist_height"),
            g("shoulder_flexion") * flip,
            g("heel_rise"),
            g("ankle_y_px"),
            g("ankle_above_toe"),
            g("torso_length_px"),
            g("ankle_to_hip_dx") * flip,
            pv("shoulder", "hip"),
            pv("hip", "knee", "ankle"),
            pv("heel", "foot_index"),
            pv("shoulder", "elbow", "wrist"),
            1.0 if view in _SIDE_VIEWS else 0.0,
            self.config.view_confidence.for_view(view),
        )

    def _check_gap(self, t: float, out: list[Event]) -> None:
        last = self.last_valid_ms
        if last is None or self.state == "unknown":
            return
        if t - last > self.config.max_gap_s * 1000.0:
            if self.state == "top":
                self._close_top(out)
            self.state = "unknown"
            self.phase = None
            self.pending = None

    def _start_phase(
        self,
        kind: str,
        t: float,
        from_top: bool = False,
        foot_ref: tuple[float, float] | None = None,
        foot_ref_why: str = "",
    ) -> None:
        self.state = kind
        self.phase = _Phase(
            kind, t, from_top=from_top, foot_ref=foot_ref, foot_ref_why=foot_ref_why
        )

    # ------------------------------------------------------------------ reps
    def _counts(self, phase: _Phase) -> bool:
        """Whether a top without a float yet still makes a rep (the wrists went unseen)."""
        return phase.floated or phase.arms_seen < max(2, 0.5 * phase.frames)

    def _build_rep(self, hinge: _Phase, top: _Phase, t: float) -> tuple[_RepState, list[Fault]]:
        """The rep made by this backswing and top, with the backswing's faults (no side effect
        on the session)."""
        arr = hinge.array()
        bottom_ms = float(arr[int(np.nanargmax(arr[:, _C["depth"]])), _C["t"]]) if len(arr) else t
        # A rep runs from the start of its backswing to the start of the next one; after a
        # set-up (bell on the floor) it starts at the deepest point of the hike.
        start_ms = hinge.start_ms if self._is_backswing(hinge) else bottom_ms
        rep = _RepState(len(self.reps) + 1, start_ms, t, t, top.start_ms)
        rep.metrics["bottom_ms"] = bottom_ms
        return rep, self._judge_hinge(hinge, rep)

    def _is_backswing(self, hinge: _Phase) -> bool:
        duration_s = (hinge.end_ms - hinge.start_ms) / 1000.0
        return hinge.from_top and duration_s <= self.config.max_backswing_s

    def _confirm(self, t: float, out: list[Event]) -> None:
        hinge, top = self.pending, self.phase
        self.pending = None
        if hinge is None or top is None:
            return
        rep, faults = self._build_rep(hinge, top, t)
        self.reps.append(rep)
        out.append(Event(EventKind.REP, t, f"Rep {rep.index}"))
        self._record(rep, faults, t, out)

    def _close_top(self, out: list[Event]) -> None:
        phase = self.phase
        if phase is None or phase.kind != "top" or not phase.rows:
            return
        if self.pending is not None:
            if self._counts(phase):
                self._confirm(phase.end_ms, out)
            else:
                self.pending = None  # hips straightened without a float: not a swing
        if not self.reps or self.reps[-1].top_start_ms != phase.start_ms:
            return
        rep = self.reps[-1]
        faults = self._judge_top(phase, rep)
        self._record(rep, faults, phase.end_ms, out)

    def _record(self, rep: _RepState, faults: list[Fault], t: float, out: list[Event]) -> None:
        rep.faults.extend(faults)
        event = self._cue(faults, t)
        if event is not None:
            out.append(event)

    def _cue(self, faults: list[Fault], t: float) -> Event | None:
        """One cue per judgement, the surest and most severe (the CuePolicy paces the cues)."""
        if not faults:
            return None
        best = max(faults, key=lambda f: f.severity * f.confidence)
        return Event(EventKind.FAULT, t, best.cue, code=best.code, severity=best.severity)

    # ------------------------------------------------------------------ judging
    def _judge_top(self, phase: _Phase, rep: _RepState) -> list[Fault]:
        """leaning_back and the arms' height at the top; also sets ``rep.key_ms``."""
        cfg = self.config
        arr = phase.array()
        if not len(arr):
            return []
        depth = arr[:, _C["depth"]]
        # The top of the swing is the float: the bell (wrists) at its highest, which comes
        # ~0.1-0.2 s after the hips straighten; without visible wrists, the straightest hips.
        wrist = arr[:, _C["wrist"]]
        seen = np.isfinite(wrist) & (arr[:, _C["vis_arms"]] >= 0.3)
        if seen.sum() >= max(2, 0.5 * len(arr)):
            key_i = int(np.argmax(np.where(seen, wrist, -np.inf)))
        else:
            key_i = int(np.nanargmin(depth))
        rep.key_ms = float(arr[key_i, _C["t"]])
        rep.end_ms = max(rep.end_ms, phase.end_ms)
        rep.metrics["top_hip_flexion_deg"] = float(np.nanmin(arr[:, _C["hip"]]))
        side = arr[arr[:, _C["side"]] > 0]
        faults: list[Fault] = []
        if not len(side) or len(side) < 0.5 * len(arr):
            for code in ("leaning_back", "arms_lifting"):
                rep.skip(code, "the top of this swing was not seen from the side")
            return faults
        t = side[:, _C["t"]]
        view_conf = float(np.median(side[:, _C["view_conf"]]))
        fault = self._judge_lean(side, t, view_conf, rep)
        if fault:
            faults.append(fault)
        if cfg.allow_american:
            return faults

        # arms_lifting: the bell raised above the shoulders.
        wrist = side[:, _C["wrist"]]
        ok = np.isfinite(wrist) & (side[:, _C["vis_arms"]] >= 0.3)
        if ok.sum() < 2:
            rep.skip("arms_lifting", "wrists not visible at the top")
            return faults
        noise = self._noise(rep, "arms_lifting", "wrist", cfg.wrist_above_shoulder)
        if noise is None:
            return faults
        sigma, margin = noise
        rep.judged.add("arms_lifting")
        height = _sustained(t[ok], wrist[ok], cfg.min_fault_ms, high=True)
        rep.metrics["top_wrist_height"] = height
        rep.metrics["top_wrist_jitter"] = sigma
        limit = cfg.wrist_above_shoulder
        if height >= limit + margin:
            conf = view_conf * float(np.median(side[ok, _C["vis_arms"]]))
            conf *= self._steadiness(sigma, limit)
            fault = self._fault(
                "arms_lifting",
                rep,
                t,
                ok & (wrist >= limit + margin),
                _severity(height - limit - margin, 0.5),
                conf * min(1.0, ok.sum() / 3),
                {"wrist_height": height, "wrist_jitter": sigma, "wrist_noise_margin": margin},
                {"wrist_height": limit},
                ("wrist_height",),
            )
            if fault:
                faults.append(fault)
        return faults

    def _judge_lean(
        self, side: np.ndarray, t: np.ndarray, view_conf: float, rep: _RepState
    ) -> Fault | None:
        cfg = self.config
        lean = side[:, _C["lean"]]
        ok = np.isfinite(lean)
        if ok.sum() < 2:
            rep.skip("leaning_back", "shoulders or hips not visible at the top")
            return None
        noise = self._noise(rep, "leaning_back", "lean", cfg.lean_back_deg)
        sigma = noise[0] if noise is not None else self.noise.sigma("lean")
        rep.metrics["top_lean_jitter_deg"] = sigma
        back = -_sustained(t[ok], lean[ok], cfg.min_fault_ms, high=False)
        line = side[:, _C["hip_line"]]
        okl = ok & np.isfinite(line)
        through = -_sustained(t[okl], line[okl], cfg.min_fault_ms, high=False) if okl.any() else 0
        measured_through = math.isfinite(through) and bool(okl.any())
        through = float(through) if measured_through else 0.0  # unmeasured: judged as 0
        # The rep's metrics are the readings as measured (what a baseline is read from; a hip
        # line that was not measured is NaN there, not a real 0); they are judged against the
        # person's own neutral, when a baseline set one.
        rep.metrics["top_lean_back_deg"] = back
        rep.metrics["top_hips_through"] = through if measured_through else math.nan
        if noise is None:
            return None
        raw_back, raw_through = back, through
        back -= cfg.top_lean_offset_deg
        through -= cfg.hips_through_offset
        lean = lean + cfg.top_lean_offset_deg  # the frames' lean after the offset (+ forward)
        rep.judged.add("leaning_back")
        # Each reading must pass its limit by more than its own jitter (noise_k of them).
        line_sigma = self.noise.sigma("hip_line")
        rep.metrics["top_hip_line_jitter"] = line_sigma
        margins = {
            "lean_back_deg": noise[1],
            "lean_back_alone_deg": self._margin(sigma, cfg.lean_back_alone_deg),
            "hips_through": self._margin(line_sigma, cfg.hips_through),
        }
        arched = (
            back >= cfg.lean_back_deg + margins["lean_back_deg"]
            and through >= cfg.hips_through + margins["hips_through"]
        )
        alone = back >= cfg.lean_back_alone_deg + margins["lean_back_alone_deg"]
        if not (arched or alone):
            return None
        threshold = cfg.lean_back_deg if arched else cfg.lean_back_alone_deg
        margin = margins["lean_back_deg" if arched else "lean_back_alone_deg"]
        over = ok & (-lean >= threshold + margin)
        conf = view_conf * float(np.median(side[ok, _C["vis_trunk"]])) * min(1.0, ok.sum() / 3)
        conf *= self._steadiness(sigma, threshold)
        # The evidence: each reading and its limit; beside them, the jitter and the margin the
        # reading had to pass its limit by.
        thresholds = {"lean_back_deg": threshold}
        measured = {"lean_back_deg": back, "hips_through": through}
        measured["lean_noise_margin_deg"] = margin
        if math.isfinite(sigma):
            measured["lean_jitter_deg"] = sigma
        if arched:
            thresholds["hips_through"] = cfg.hips_through
            measured["hips_through_noise_margin"] = margins["hips_through"]
        if cfg.top_lean_offset_deg or cfg.hips_through_offset:
            # Judged against the person's own neutral: the offsets and the readings as measured.
            thresholds["top_lean_offset_deg"] = cfg.top_lean_offset_deg
            thresholds["hips_through_offset"] = cfg.hips_through_offset
            measured["lean_back_measured_deg"] = raw_back
            measured["hips_through_measured"] = raw_through
        return self._fault(
            "leaning_back",
            rep,
            t,
            over,
            _severity(back - threshold - margin, cfg.lean_back_span_deg),
            conf,
            measured,
            thresholds,
            ("trunk_lean", "hip_line_offset") if arched else ("trunk_lean",),
        )

    def _judge_hinge(self, phase: _Phase, rep: _RepState) -> list[Fault]:
        """squatting, on_toes (backswing bottom) and arms leading the hips (upswing)."""
        arr = phase.array()
        faults: list[Fault] = []
        if not len(arr):
            return faults
        depth = arr[:, _C["depth"]]
        peak_i = int(np.nanargmax(depth))
        rep.metrics["bottom_hip_flexion_deg"] = float(arr[peak_i, _C["hip"]])
        side_mask = arr[:, _C["side"]] > 0
        codes = ("squatting", "on_toes", "arms_lifting")
        if side_mask.mean() < 0.5:
            for code in codes:
                rep.skip(code, "this backswing was not seen from the side")
            return faults
        if not self._is_backswing(phase):
            # A set-up with the bell on the floor (arms reaching forward to it, knees bent
            # more) or parking it: not a backswing, so none of its checks apply.
            for code in codes:
                rep.skip(code, "the set-up (bell hiked from the floor) is not judged")
            return faults
        view_conf = float(np.median(arr[side_mask, _C["view_conf"]]))
        fault = self._judge_arm_lead(arr, side_mask, peak_i, rep, view_conf)
        if fault:
            faults.append(fault)
        # Bottom of the backswing: the descent and the turn, hips within 70% of the peak.
        peak = float(depth[peak_i])
        near = side_mask & (np.arange(len(arr)) <= peak_i + 1) & (depth >= 0.7 * peak)
        faults += self._judge_squat(arr, near, peak_i, rep, view_conf)
        faults += self._judge_toes(arr, near, rep, view_conf, phase)
        return faults

    def _judge_arm_lead(
        self, arr: np.ndarray, side_mask: np.ndarray, peak_i: int, rep: _RepState, view_conf: float
    ) -> Fault | None:
        """Arms leading the hip drive: on the way up, hips still bent, arms already raised."""
        cfg = self.config
        t = arr[:, _C["t"]]
        up = (
            side_mask & (np.arange(len(arr)) > peak_i) & (arr[:, _C["hip"]] >= cfg.arm_lead_hip_deg)
        )
        shoulder = arr[:, _C["shoulder"]]
        ok = up & np.isfinite(shoulder) & (arr[:, _C["vis_arms"]] >= 0.3)
        if ok.sum() < 2:
            return None
        limit = cfg.arm_lead_shoulder_deg
        noise = self._noise(rep, "arms_lifting", "shoulder", limit)
        if noise is None:
            return None
        sigma, margin = noise
        rep.judged.add("arms_lifting")
        lead = _sustained(t[ok], shoulder[ok], cfg.min_fault_ms, high=True)
        rep.metrics["upswing_shoulder_flexion_deg"] = lead
        if lead < limit + margin:
            return None
        conf = view_conf * float(np.median(arr[ok, _C["vis_arms"]])) * min(1.0, ok.sum() / 3)
        conf *= self._steadiness(sigma, limit)
        return self._fault(
            "arms_lifting",
            rep,
            t,
            ok & (shoulder >= limit + margin),
            _severity(lead - limit - margin, 40.0),
            conf,
            {
                "upswing_shoulder_flexion_deg": lead,
                "shoulder_jitter_deg": sigma,
                "shoulder_noise_margin_deg": margin,
            },
            {"upswing_shoulder_flexion_deg": limit, "hip_flexion_deg": cfg.arm_lead_hip_deg},
            ("shoulder_flexion", "hip_flexion"),
        )

    def _judge_squat(
        self, arr: np.ndarray, near: np.ndarray, peak_i: int, rep: _RepState, view_conf: float
    ) -> list[Fault]:
        cfg = self.config
        t = arr[:, _C["t"]]
        hip, knee = arr[:, _C["hip"]], arr[:, _C["knee"]]
        # The bottom itself: frames within 85% of the deepest hinge.
        bottom = near & (arr[:, _C["depth"]] >= 0.85 * arr[peak_i, _C["depth"]])
        ok = bottom & np.isfinite(hip) & np.isfinite(knee) & (arr[:, _C["vis_legs"]] >= 0.3)
        if ok.sum() < 2:
            rep.skip("squatting", "hips, knees or ankles not visible at the bottom")
            return []
        knee_b = float(np.median(knee[ok]))
        hip_b = float(np.median(hip[ok]))
        ratio = knee_b / hip_b if hip_b > 1.0 else math.nan
        # The ratio's jitter from the two angles' (first-order propagation).
        knee_sigma, hip_sigma = self.noise.sigma("knee"), self.noise.sigma("hip")
        ratio_sigma = (
            math.hypot(knee_sigma, ratio * hip_sigma) / hip_b
            if math.isfinite(ratio) and hip_b > 0
            else math.nan
        )
        noise = self._noise(rep, "squatting", "ratio", cfg.squat_ratio, ratio_sigma)
        if noise is None:
            return []
        rep.judged.add("squatting")
        margin = noise[1]
        knee_margin = self._margin(knee_sigma, cfg.squat_min_knee_deg)
        rep.metrics["bottom_knee_flexion_deg"] = knee_b
        rep.metrics["bottom_knee_hip_ratio"] = ratio
        rep.metrics["bottom_ratio_jitter"] = ratio_sigma
        if not (
            knee_b >= cfg.squat_min_knee_deg + knee_margin and ratio >= cfg.squat_ratio + margin
        ):
            return []
        conf = view_conf * float(np.median(arr[ok, _C["vis_legs"]])) * min(1.0, ok.sum() / 3)
        conf *= self._steadiness(ratio_sigma, cfg.squat_ratio)
        fault = self._fault(
            "squatting",
            rep,
            t,
            ok,
            _severity(ratio - cfg.squat_ratio - margin, cfg.squat_span),
            conf,
            {
                "knee_flexion_deg": knee_b,
                "hip_flexion_deg": hip_b,
                "knee_hip_ratio": ratio,
                "knee_hip_ratio_jitter": ratio_sigma,
                "knee_hip_ratio_noise_margin": margin,
                "knee_noise_margin_deg": knee_margin,
            },
            {"knee_hip_ratio": cfg.squat_ratio, "knee_flexion_deg": cfg.squat_min_knee_deg},
            ("knee_flexion", "hip_flexion"),
        )
        return [fault] if fault else []

    def _judge_toes(
        self,
        arr: np.ndarray,
        near: np.ndarray,
        rep: _RepState,
        view_conf: float,
        phase: _Phase,
    ) -> list[Fault]:
        """on_toes: the foot pitched up about the ball and the body over it (see SwingConfig).

        The three foot readings must agree on the same frames: a frame counts when the ankle
        is over the toe point, the heel up and the ankle risen (by ankle_rise with the hips
        over the ankles, or by ankle_rise_alone), and the fault needs that on every frame of a
        stretch spanning min_fault_ms. So glitches of different foot landmarks at different
        moments of the backswing cannot add up to a fault.

        The hips-over-ankles reading stays one value for the whole bottom (held min_fault_ms
        on the same frames as the feet), not per frame: rocking forward, the hips are
        furthest forward as the hinge deepens toward the bottom and further back at the
        deepest point, where the heels are highest, so in a genuine heel lift they rarely
        pass on the same frame (that moved the rendered onset from 5 to 6 cm on exact
        landmarks and from 4 to 5 cm through the model). It comes from the hip and the
        ankle's x, not from the foot points whose glitches this guards against.
        """
        cfg = self.config
        if view_conf < cfg.toes_min_view_confidence:
            rep.skip(
                "on_toes",
                "the heels can only be judged side-on: from an angle, a heel lift and the "
                "foot turning toward the camera look alike (film straight from the side)",
            )
            return []
        t = arr[:, _C["t"]]
        feet = near & (arr[:, _C["vis_feet"]] >= 0.5)
        ankle_y, ankle_toe = arr[:, _C["ankle_y"]], arr[:, _C["ankle_toe"]]
        heel, dx = arr[:, _C["heel"]], arr[:, _C["hip_dx"]]
        ok = feet & np.isfinite(ankle_y) & np.isfinite(ankle_toe) & np.isfinite(heel)
        not_seen = "ankles, heels and toes not visible at the bottom and the top"
        if ok.sum() < 2:
            rep.skip("on_toes", not_seen)
            return []
        if phase.foot_ref is None:  # the feet were seen: say what the baseline lacked
            rep.skip("on_toes", phase.foot_ref_why or "no flat-footed top before this backswing")
            return []
        if len(self.top_heels) < 3 or len(self.top_ankles) < 3:
            rep.skip("on_toes", not_seen)
            return []
        # Each foot reading's jitter: all three must be steady enough for their limits.
        limits = {
            "ankle_rise": cfg.ankle_rise,
            "ankle_toe": cfg.ankle_toe_rise,
            "heel": cfg.heel_rise_delta,
        }
        # The ankle's rise is read in the top's torso length (one steady number): its jitter
        # is the ankle point's own, in those units.
        ref_torso = phase.foot_ref[1]
        sigmas = {"ankle_rise": self.noise.sigma("ankle_y") / ref_torso}
        for name, limit in limits.items():
            noise = self._noise(rep, "on_toes", name, limit, sigmas.get(name))
            if noise is None:
                return []
            sigmas[name] = noise[0]
        sigmas["hip_dx"] = self.noise.sigma("hip_dx")
        margins = {name: self._margin(sigmas[name], limit) for name, limit in limits.items()}
        margins["ankle_rise_alone"] = self._margin(sigmas["ankle_rise"], cfg.ankle_rise_alone)
        margins["hip_dx"] = self._margin(sigmas["hip_dx"], cfg.hips_forward_dx)
        rep.judged.add("on_toes")
        ref_y, ref_torso = phase.foot_ref
        # Heights are measured in the torso length at the top: the upright trunk shows its
        # whole length whatever the camera's yaw, the folded one at the bottom does not (an
        # oblique camera foreshortens it).
        # Image y grows downward: an ankle above its place at the top has a smaller y.
        lift = (ref_y - ankle_y) / ref_torso
        over_toe = ankle_toe * arr[:, _C["torso"]] / ref_torso - float(np.median(self.top_ankles))
        heel_up = heel - float(np.median(self.top_heels))
        readings = {"ankle_rise": lift, "ankle_toe_rise": over_toe, "heel_rise": heel_up}
        # The per-rep metrics (the benchmark's tables) stay each reading's own sustained peak
        # at the bottom, as before, judged or not: how close each came on its own.
        held = {
            name: _sustained(t[ok], v[ok], cfg.min_fault_ms, high=True)
            for name, v in readings.items()
        }
        okdx = ok & np.isfinite(dx)
        forward = _sustained(t[okdx], dx[okdx], cfg.min_fault_ms) if okdx.sum() >= 2 else math.nan
        rep.metrics["bottom_ankle_rise"] = held["ankle_rise"]
        rep.metrics["bottom_ankle_toe_rise"] = held["ankle_toe_rise"]
        rep.metrics["bottom_heel_rise"] = held["heel_rise"]
        rep.metrics["bottom_hip_ahead_of_ankle"] = forward

        rep.metrics["bottom_ankle_jitter"] = sigmas["ankle_rise"]
        rep.metrics["bottom_ankle_toe_jitter"] = sigmas["ankle_toe"]
        rep.metrics["bottom_heel_jitter"] = sigmas["heel"]

        # Per frame: which path's foot readings all pass on it, each by more than its jitter.
        foot_up = (over_toe >= cfg.ankle_toe_rise + margins["ankle_toe"]) & (
            heel_up >= cfg.heel_rise_delta + margins["heel"]
        )
        shift_f = foot_up & (lift >= cfg.ankle_rise + margins["ankle_rise"])
        alone_f = foot_up & (lift >= cfg.ankle_rise_alone + margins["ankle_rise_alone"])
        tt = t[ok]
        starts = np.zeros(0, dtype=np.intp)
        if forward >= cfg.hips_forward_dx + margins["hip_dx"]:  # NaN: not met
            starts = _held_windows(tt, shift_f[ok], cfg.min_fault_ms)
        with_shift = starts.size > 0
        if not with_shift:
            starts = _held_windows(tt, alone_f[ok], cfg.min_fault_ms)
            if starts.size == 0:
                return []
        threshold = cfg.ankle_rise if with_shift else cfg.ankle_rise_alone
        lift_margin = margins["ankle_rise" if with_shift else "ankle_rise_alone"]
        # The fault's evidence: each foot reading's lowest value over the one stretch where
        # the path held on every frame (so the three held together), the stretch with the
        # most ankle rise; each is thus at or past its threshold. The hips: their held value.
        k = min(_window(tt, cfg.min_fault_ms), int(ok.sum()))
        idx = np.flatnonzero(ok)
        lifts = np.lib.stride_tricks.sliding_window_view(lift[ok], k).min(axis=1)
        best = int(starts[np.argmax(lifts[starts])])
        frames = idx[best : best + k]
        measured = {name: float(np.min(v[frames])) for name, v in readings.items()}
        measured["hips_ahead_of_ankles"] = forward
        thresholds = {
            "ankle_rise": threshold,
            "ankle_toe_rise": cfg.ankle_toe_rise,
            "heel_rise": cfg.heel_rise_delta,
        }
        measured["ankle_rise_noise_margin"] = lift_margin
        measured["ankle_toe_rise_noise_margin"] = margins["ankle_toe"]
        measured["heel_rise_noise_margin"] = margins["heel"]
        signals = ("ankle_y_px", "ankle_above_toe", "heel_rise")
        if with_shift:
            thresholds["hips_ahead_of_ankles"] = cfg.hips_forward_dx
            measured["hips_ahead_noise_margin"] = margins["hip_dx"]
            signals += ("ankle_to_hip_dx",)
        for name in ("ankle_rise", "ankle_toe", "heel"):
            if math.isfinite(sigmas[name]):
                measured[f"{name}_jitter"] = sigmas[name]
        # Foot landmarks are the noisiest ones: the confidence says so, and so does their
        # measured jitter (the least steady of the three foot readings).
        conf = view_conf * float(np.median(arr[ok, _C["vis_feet"]])) * min(1.0, ok.sum() / 3)
        conf *= 0.85 if with_shift else 0.7
        conf *= min(self._steadiness(sigmas[name], limit) for name, limit in limits.items())
        fault = self._fault(
            "on_toes",
            rep,
            t,
            ok & (shift_f if with_shift else alone_f),
            _severity(measured["ankle_rise"] - threshold - lift_margin, 0.1),
            conf,
            measured,
            thresholds,
            signals,
        )
        return [fault] if fault else []

    def _fault(
        self,
        code: str,
        rep: _RepState,
        t: np.ndarray,
        mask: np.ndarray,
        severity: float,
        confidence: float,
        measured: dict[str, float],
        thresholds: dict[str, float],
        signals: tuple[str, ...],
    ) -> Fault | None:
        confidence = float(np.clip(confidence, 0.0, 1.0))
        if confidence < self.config.min_confidence:
            rep.skip(code, "the measurement was too uncertain (landmark visibility)")
            return None
        start, end = _span_where(t, mask)
        return Fault(
            code=code,
            cue=CUES[code],
            start_ms=start,
            end_ms=end,
            rep=rep.index,
            severity=float(severity),
            confidence=confidence,
            measured={k: float(v) for k, v in measured.items()},
            thresholds={k: float(v) for k, v in thresholds.items()},
            signals=signals,
        )

    # ------------------------------------------------------------------ verdict
    def _clip_view(self) -> str:
        counts = {k: v for k, v in self.view_counts.items() if k != View.UNKNOWN}
        if not any(counts.values()):
            return View.UNKNOWN
        return max(counts, key=lambda k: counts[k])

    def finish(self) -> ExerciseResult:
        cfg = self.config
        variant = "american" if cfg.allow_american else "russian"
        result = ExerciseResult(exercise="kbswing", variant=variant)
        duration_s = 0.0
        if self.first_ms is not None and self.last_ms is not None:
            duration_s = (self.last_ms - self.first_ms) / 1000.0
        reasons: list[str] = []
        if self.frames == 0:
            reasons.append("no frames were seen")
        elif duration_s < cfg.min_duration_s:
            reasons.append(
                f"the clip is too short ({duration_s:.1f} s): record at least one whole swing"
            )
        rate = self.detected / self.frames if self.frames else 0.0
        if self.frames and rate < cfg.min_detection_rate:
            reasons.append(f"the person was detected in only {100 * rate:.0f}% of the frames")
        elif self.detected and self.usable < 0.5 * self.detected:
            reasons.append("shoulders, hips or knees were not visible in most frames")
        view = self._clip_view()

        # The open top (if any) is judged on copies, so finish() leaves the session untouched
        # and can be called again, mid-set or at the end.
        states = list(self.reps)
        events = list(self.events)
        phase = self.phase
        if phase is not None and phase.kind == "top" and phase.rows:
            t_end = phase.end_ms
            if self.pending is not None and self._counts(phase):
                rep, hinge_faults = self._build_rep(self.pending, phase, t_end)
                rep.faults.extend(hinge_faults)
                states.append(rep)
                events.append(Event(EventKind.REP, t_end, f"Rep {rep.index}"))
                event = self._cue(hinge_faults, t_end)
                if event is not None:
                    events.append(event)
            if states and states[-1].top_start_ms == phase.start_ms:
                shadow = states[-1].copy()
                faults = self._judge_top(phase, shadow)
                shadow.faults.extend(faults)
                states[-1] = shadow
                event = self._cue(faults, t_end)
                if event is not None:
                    events.append(event)

        judged = set().union(*(s.judged for s in states)) if states else set()
        skipped: dict[str, str] = {}
        for s in states:
            for code, why in s.not_judged.items():
                skipped.setdefault(code, why)
        reps: list[Rep] = []
        faults: list[Fault] = []
        for s in states:
            metrics = dict(s.metrics)
            if reps:
                metrics["period_s"] = (s.key_ms - reps[-1].key_ms) / 1000.0
            faults.extend(s.faults)
            reps.append(
                Rep(
                    index=s.index,
                    start_ms=s.start_ms,
                    key_ms=s.key_ms,
                    end_ms=max(s.end_ms, s.key_ms),
                    fault_codes=tuple(dict.fromkeys(f.code for f in s.faults)),
                    metrics=metrics,
                )
            )

        not_judged: dict[str, str] = {}
        if view == View.FRONT:
            why = (
                "the camera faces the person: swing faults happen in the side plane and need a "
                "side view (reps are still counted)"
            )
            not_judged = dict.fromkeys(FAULT_CODES, why)
            reasons.append(why)
        elif reps:
            for code in FAULT_CODES:
                if code == "arms_lifting" and cfg.allow_american and code not in judged:
                    continue
                if code not in judged:
                    not_judged[code] = skipped.get(code, "could not be measured on any rep")
        if reasons:
            result.assessable = False
            result.reason = "; ".join(reasons)
            # Not assessable: no fault is claimed. Reps and tempo are kept (a front view counts
            # them reliably), but not side-view angles, which mean nothing from the front.
            faults = []
            keep = ("bottom_ms", "period_s")
            reps = [
                Rep(
                    r.index,
                    r.start_ms,
                    r.key_ms,
                    r.end_ms,
                    (),
                    {k: r.metrics[k] for k in keep if k in r.metrics},
                )
                for r in reps
            ]
            events = [e for e in events if e.kind != EventKind.FAULT]
        result.reps = reps
        result.faults = faults
        result.events = events
        result.not_judged = not_judged
        periods = [r.metrics["period_s"] for r in reps if "period_s" in r.metrics]
        mean_rep = float(np.mean(periods)) if periods else (reps[0].duration_s if reps else None)
        codes = dict.fromkeys(f.code for f in faults)
        result.summary = SetSummary(
            rep_count=len(reps),
            duration_s=max(0.0, duration_s),
            mean_rep_s=mean_rep,
            advice=[ADVICE[c] for c in codes],
        )
        return result


class KettlebellSwingRule(ExerciseRule):
    """Kettlebell swing: rep count, tempo and the four swing faults (side view)."""

    exercise = "kbswing"

    config_type = SwingConfig

    def session(self) -> SwingSession:
        return SwingSession(self.config)
