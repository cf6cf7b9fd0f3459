"""Plank: hold timer, variant, and the four plank faults, judged from a side view.

Coaching cues checked (shared/docs/coaching-cues.md):

* one straight line from head to heels (knees in a knee plank): ``hips_sagging`` /
  ``hips_piked``, from the signed bend of the shoulder-hip-ankle line at the hip
  (shoulder-hip-knee for a knee plank, or when the ankles are not seen);
* neck neutral, head in line with the spine: ``neck_not_neutral`` (``head_pitch``, the face's
  direction ear -> nose against the trunk, when the ear and the nose are both seen, with the
  neck line ``neck_flexion`` to the ear as a second check; otherwise that neck line alone, or
  the one to the nose with a wider margin);
* elbows under the shoulders (forearm plank) or hands under the shoulders (high plank):
  ``elbows_not_under_shoulders`` (``upper_arm_from_vertical``).

Two layers, so that the very same per-frame logic serves a live session, offline clips and
per-frame benchmarks on keypoint tables:

* :func:`classify_plank_frames` is pure and vectorised: features of N frames in, per-frame
  verdicts out (in plank position?, variant, measured values, fault flags, judged masks).
* :class:`PlankSession` is the causal state machine: it runs the classifier on each frame
  (live) or on a block of frames at once (offline, ``update_many``, each frame's noise margin
  applied after), times the hold (in position and still), turns flags that persist into faults with spans,
  and raises ``form_broke`` when a hip fault has persisted :attr:`PlankConfig.form_broke_s`.

**Facing.** formcheck.features.core signs features by the body's anterior direction, found from the
nose or the feet. A prone body's front faces the floor, so for a plank the head side is the
only thing that matters: the anterior direction is the one that points down. When the
feature code's facing disagrees (a craned head lifts the nose above the trunk line, and the
head-based facing flips), the shoulders come out *behind* the hips along that facing
(``shoulder_ahead_of_hip`` < 0); the classifier then flips the signed features back.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from formcheck.exercises.base import (
    Event,
    EventKind,
    ExerciseResult,
    ExerciseRule,
    Fault,
    FrameInput,
    RuleSession,
    SetSummary,
)
from formcheck.exercises.noise import JitterTracker, noise_margin
from formcheck.exercises.plank.config import PlankConfig
from formcheck.features.core import NOSE_NECK_OFFSET_DEG
from formcheck.features.view import View

if TYPE_CHECKING:
    from formcheck.features.frame_input import FrameMeasures
    from formcheck.series.core import PoseSeries

HIP_FAULTS = ("hips_sagging", "hips_piked")
FAULT_CODES = ("hips_sagging", "hips_piked", "neck_not_neutral", "elbows_not_under_shoulders")
# The measured signal behind each fault (both hip faults read the one hip bend).
SIGNAL_OF = {
    "hips_sagging": "hip",
    "hips_piked": "hip",
    "neck_not_neutral": "neck",
    "elbows_not_under_shoulders": "arm",
}
SIGNAL_NAMES = {"hip": "hip bend", "neck": "head direction", "arm": "upper arm"}

# Confidence factor for a neck measured from the nose (ears missing): the nose's offset from
# the ear line varies between people and with the jaw and gaze.
NOSE_NECK_CONFIDENCE = 0.6
# How a fault's evidence names the neck signals (PlankFrameVerdicts.neck_signal).
NECK_SIGNAL_NAMES = {
    "head_pitch": "head pitch (ear->nose)",
    "ear": "neck line (shoulder->ear)",
    "nose": "nose (ears not visible)",
}

CUES = {
    "hips_sagging": "One straight line from head to {end}: squeeze your glutes and brace your "
    "abs so the hips do not sag",
    "hips_piked": "One straight line from head to {end}: lower the hips, do not pike them up",
    "neck_not_neutral": "Neck neutral: look at the floor, head in line with the spine",
    "elbows_not_under_shoulders": "{arm} directly under the shoulders",
}
NAMES = {
    "hips_sagging": "hips sagging",
    "hips_piked": "hips too high",
    "neck_not_neutral": "head out of line",
    "elbows_not_under_shoulders": "elbows not under the shoulders",
}


# ----------------------------------------------------------------------------- per frame
@dataclass
class PlankFrameVerdicts:
    """Per-frame verdicts of :func:`classify_plank_frames`, all (N,) arrays.

    ``in_position``: the body is in a plank (prone, supported on the arms, not folded) and the
    view allows judging it. ``forearm`` / ``knees``: the variant. ``hip_bend_deg``: signed bend
    at the hip the hip faults are judged on, + piked (hips above the line), - sagging, after
    subtracting the model's offset: on the toes with the knee seen, the bend the
    shoulder-hip-ankle and shoulder-hip-knee lines agree on (:func:`hip_line_consensus`), so
    that bent knees are not taken for a hip fault; ``hip_bend_raw_deg``: the body line's bend
    as measured (shoulder-hip-ankle, or -knee), before the offset; ``hip_line_end`` is
    ``"ankle"`` or ``"knee"`` (the end of the line used) or ``""``. ``neck_deg``: + head
    dropped toward the floor, - craned up, from the signal ``neck_signal`` names:
    ``"head_pitch"`` (ear -> nose against the trunk, after its neutral offset), ``"ear"`` or
    ``"nose"`` (the neck line to it; ``neck_from_nose`` where the nose was used; ``"ear"``
    also where the head pitch is within its band but the neck line is past its own), ``""``
    none; ``neck_limit_deg`` is the threshold that applies to it.
    ``arm_deg``: upper arm from vertical, + elbow toward the head. ``flags[code]`` is True
    where the fault is seen, ``judged[code]`` where it could be measured (in position, part
    visible, side-ish view); ``confidence[code]`` is 0..1.
    """

    in_position: np.ndarray
    forearm: np.ndarray
    knees: np.ndarray
    trunk_inclination_deg: np.ndarray
    hip_bend_deg: np.ndarray
    hip_bend_raw_deg: np.ndarray
    hip_line_end: np.ndarray
    hip_line_offset: np.ndarray
    neck_deg: np.ndarray
    neck_from_nose: np.ndarray
    neck_signal: np.ndarray
    neck_limit_deg: np.ndarray
    arm_deg: np.ndarray
    arm_allowance_deg: np.ndarray
    view: np.ndarray
    flags: dict[str, np.ndarray] = field(default_factory=dict)
    judged: dict[str, np.ndarray] = field(default_factory=dict)
    confidence: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.in_position.shape[0])

    def hip_class(self) -> np.ndarray:
        """(N,) ``"H"`` where hips are flagged piked, ``"L"`` sagging, else ``"C"``."""
        return np.select(
            [self.flags["hips_piked"], self.flags["hips_sagging"]], ["H", "L"], default="C"
        )


def _col(mapping: Mapping[str, ArrayLike], name: str, n: int) -> np.ndarray:
    value = mapping.get(name)
    if value is None:
        return np.full(n, np.nan)
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    return arr if arr.shape[0] == n else np.broadcast_to(arr, (n,))


def _columns(frames: Sequence[FrameInput]) -> tuple:
    """The ``features, facing, visibility, view`` arguments of :func:`classify_plank_frames`
    for rule inputs in order (a name some frame lacks is NaN there)."""
    features = {name: [] for frame in frames for name in frame.features}
    parts = {part: [] for frame in frames for part in frame.visibility}
    for frame in frames:
        for name, column in features.items():
            column.append(frame.features.get(name, math.nan))
        for part, column in parts.items():
            column.append(frame.visibility.get(part, math.nan))
    return (
        {name: np.array(column, dtype=np.float64) for name, column in features.items()},
        np.array([frame.facing for frame in frames]),
        {part: np.array(column, dtype=np.float64) for part, column in parts.items()},
        np.array(
            [frame.view if frame.detected else View.UNKNOWN.value for frame in frames],
            dtype=object,
        ),
    )


def classify_plank_frames(
    features: Mapping[str, ArrayLike],
    facing: ArrayLike,
    visibility: Mapping[str, ArrayLike],
    view: ArrayLike | None = None,
    config: PlankConfig | None = None,
    margins: Mapping[str, ArrayLike] | None = None,
) -> PlankFrameVerdicts:
    """Judge N independent frames: the plank rule's per-frame logic, pure and vectorised.

    ``features``: name -> (N,) values of :mod:`formcheck.features.core` (NaN where unmeasurable);
    ``facing``: (N,) +1/-1/0 as computed there; ``visibility``: part -> (N,) best visibility
    (``Features.part_visibility`` / ``FrameInput.visibility``); ``view``: (N,) per-frame view
    labels (``side``/``oblique``/``front``/``unknown``), None for unknown. Missing features or
    parts count as NaN / invisible, so a table without ears or feet is judged with what it has.
    ``margins``: fault code -> (N,) degrees added to that fault's limit (the session's noise
    margin: a fault must exceed its limit by more than the signal's own jitter); none for
    independent frames such as a keypoint table's rows.
    """
    cfg = config or PlankConfig()
    n = int(np.asarray(facing).reshape(-1).shape[0])
    f = {name: _col(features, name, n) for name in features}

    def feat(name: str) -> np.ndarray:
        return f[name] if name in f else np.full(n, np.nan)

    vis_cache: dict[str, np.ndarray] = {}

    def vis(part: str) -> np.ndarray:
        if part not in vis_cache:
            raw = _col(visibility, part, n)
            vis_cache[part] = np.where(np.isfinite(raw), raw, 0.0)
        return vis_cache[part]

    views = (
        np.full(n, View.UNKNOWN.value, dtype=object)
        if view is None
        else np.broadcast_to(np.asarray(view, dtype=object), (n,))
    )
    view_conf = np.array([cfg.view_confidence.for_view(str(v)) for v in views], dtype=np.float64)
    side_ish = view_conf > 0

    # Plank facing: flip the signed features where the feature code's facing put the
    # shoulders behind the hips (see the module docstring).
    ahead = feat("shoulder_ahead_of_hip")
    flip = np.where(np.isfinite(ahead) & (ahead != 0), np.sign(ahead), np.nan)

    ok_sh = vis("shoulder") >= cfg.min_visibility
    ok_hip = vis("hip") >= cfg.min_visibility
    ok_knee = vis("knee") >= cfg.min_visibility
    ok_ankle = vis("ankle") >= cfg.min_visibility

    trunk = feat("trunk_inclination")
    knee_flex = feat("knee_flexion")
    knees = (
        (knee_flex >= cfg.knees_min_knee_flexion_deg)
        & ok_knee
        & (vis("ankle") >= cfg.knees_min_ankle_visibility)
    )
    elbow_flex = feat("elbow_flexion")
    forearm = ~(elbow_flex < cfg.forearm_min_elbow_flexion_deg)  # unknown -> forearm (common)

    # Hip line: shoulder-hip-ankle for a toe plank, shoulder-hip-knee for a knee plank and as
    # the fallback when the ankles are not seen (a straight leg puts the knee on that line).
    offset_ankle = feat("hip_line_offset") * flip
    offset_knee = feat("hip_line_offset_knee") * flip
    use_ankle = ~knees & ok_ankle & np.isfinite(feat("body_line_angle"))
    use_knee = ~use_ankle & ok_knee & np.isfinite(feat("hip_flexion"))
    bend_abs = np.where(use_ankle, feat("body_line_angle"), feat("hip_flexion"))
    offset = np.where(use_ankle, offset_ankle, offset_knee)
    hip_bend_raw = np.where(use_ankle | use_knee, bend_abs * np.sign(offset), np.nan)
    hip_bend_raw = np.where(offset == 0, 0.0, hip_bend_raw)
    # On the toes, the shoulder-hip-ankle line also bends with the knees: a knee bent toward
    # the floor lifts the ankle off the thigh's line by about half the knee's bend, which that
    # line reads as hips sagging (and a bent knee read on the shoulder-hip-knee line reads as
    # hips piked). A hip fault is the trunk and the legs meeting at an angle at the hip, so
    # with the knee seen it must show on both lines: the judged bend is the one they agree on
    # (the smaller, 0 when they disagree in sign). Straight legs put the knee on the body line,
    # so the two read alike and nothing changes. Measured on the labelled tables: the second
    # source's good frames hold the knees bent by 26 (median; first source 4-8), which reads
    # -9 on the ankle line after the offset but +4 on the knee line.
    knee_raw = feat("hip_flexion") * np.sign(offset_knee)
    knee_raw = np.where(offset_knee == 0, 0.0, knee_raw)
    both = use_ankle & ok_knee & np.isfinite(knee_raw)
    hip_bend = hip_line_consensus(
        hip_bend_raw - cfg.hip_bend_offset_deg,
        np.where(both, knee_raw - cfg.hip_bend_offset_deg, np.nan),
    )
    line_end = np.where(use_ankle, "ankle", np.where(use_knee, "knee", ""))
    line_vis = np.where(use_ankle, vis("ankle"), vis("knee"))

    # Position: prone trunk, supported on an arm hanging to the floor, not folded in two.
    arm = feat("upper_arm_from_vertical")
    wrist_h = feat("wrist_height")
    max_bend = np.where(knees, cfg.max_bend_knees_deg, cfg.max_bend_toes_deg)
    in_position = (
        side_ish
        & ok_sh
        & ok_hip
        & (use_ankle | use_knee)
        & (trunk >= cfg.min_trunk_inclination_deg)
        & (trunk <= cfg.max_trunk_inclination_deg)
        & (np.abs(arm) <= cfg.max_support_arm_deg)
        & ~(wrist_h > 0.0)  # the hand is on the floor, not above the shoulder (NaN: unseen)
        & (bend_abs <= max_bend)
    )

    # Neck: from the head's pitch (ear -> nose) when both are seen clearly; else from the
    # neck line, to the ear when seen, else to the nose (features subtract the nose's offset).
    # A flip negates the ear reading; the nose reading (raw - offset) becomes -raw - offset;
    # the head pitch (angle from the trunk's up direction - 90) becomes -raw - 180.
    neck_raw = feat("neck_flexion")
    from_nose = ~(vis("ear") > 0) & (vis("nose") > 0) & cfg.neck_from_nose
    neck_line = np.where(
        flip < 0,
        np.where(from_nose, -neck_raw - 2.0 * NOSE_NECK_OFFSET_DEG, -neck_raw),
        neck_raw,
    )
    pitch_raw = feat("head_pitch")
    pitch = np.where(flip < 0, -pitch_raw - 180.0, pitch_raw) - cfg.head_pitch_offset_deg
    use_pitch = (
        np.isfinite(pitch)
        & (vis("ear") >= cfg.min_visibility)
        & (vis("nose") >= cfg.min_visibility)
    )
    line_limit = cfg.neck_max_deg + np.where(from_nose, cfg.neck_nose_extra_deg, 0.0)
    pitch_limit = np.where(pitch < 0, cfg.head_crane_max_deg, cfg.head_hang_max_deg)
    # With the head pitch measured, the neck line to the ear still counts when it alone is
    # past its own threshold: a neck craned as a whole bends the line (the rendered mannequin
    # craned by 50 reads -21 there) while a gaze ahead of the hands turns only the face (the
    # real correct plank looking furthest ahead reads -14 there but -40 in head pitch).
    line_only = use_pitch & ~(np.abs(pitch) > pitch_limit) & (np.abs(neck_line) > line_limit)
    by_pitch = use_pitch & ~line_only
    neck = np.where(by_pitch, pitch, neck_line)
    neck = np.where(np.isfinite(flip), neck, np.nan)
    neck_limit = np.where(by_pitch, pitch_limit, line_limit)
    neck_signal = np.where(
        by_pitch, "head_pitch", np.where(from_nose, "nose", np.where(vis("ear") > 0, "ear", ""))
    ).astype(object)
    head_vis = np.where(
        use_pitch,
        np.minimum(vis("ear"), vis("nose")),
        np.where(from_nose, vis("nose") * NOSE_NECK_CONFIDENCE, vis("ear")),
    )

    # Arm: upper arm from vertical; a high plank gets the wrist allowance (see the config).
    allowance = np.where(
        forearm, 0.0, cfg.high_plank_wrist_allowance * np.nan_to_num(elbow_flex, nan=0.0)
    )
    arm_vis = np.minimum(vis("elbow"), np.where(forearm, 1.0, vis("wrist")))

    base = in_position
    judged = {
        "hips_sagging": base & np.isfinite(hip_bend),
        "hips_piked": base & np.isfinite(hip_bend),
        "neck_not_neutral": base & np.isfinite(neck) & (head_vis > 0),
        "elbows_not_under_shoulders": base
        & np.isfinite(arm)
        & (vis("elbow") >= cfg.min_visibility),
    }
    hip_conf = np.minimum(np.minimum(vis("shoulder"), vis("hip")), line_vis) * view_conf
    confidence = {
        "hips_sagging": hip_conf,
        "hips_piked": hip_conf,
        "neck_not_neutral": np.minimum(head_vis, vis("shoulder")) * view_conf,
        "elbows_not_under_shoulders": np.minimum(arm_vis, vis("shoulder")) * view_conf,
    }
    confidence = {k: np.clip(np.where(judged[k], v, 0.0), 0.0, 1.0) for k, v in confidence.items()}
    verdicts = PlankFrameVerdicts(
        in_position=in_position,
        forearm=forearm,
        knees=knees,
        trunk_inclination_deg=trunk,
        hip_bend_deg=hip_bend,
        hip_bend_raw_deg=hip_bend_raw,
        hip_line_end=line_end,
        hip_line_offset=offset,
        neck_deg=neck,
        neck_from_nose=from_nose,
        neck_signal=neck_signal,
        neck_limit_deg=neck_limit,
        arm_deg=arm,
        arm_allowance_deg=allowance,
        view=np.asarray(views, dtype=object),
        judged=judged,
        confidence=confidence,
    )
    verdicts.flags = fault_flags(verdicts, cfg, margins)
    return verdicts


def fault_flags(
    v: PlankFrameVerdicts,
    config: PlankConfig,
    margins: Mapping[str, ArrayLike] | None = None,
    rows: slice = slice(None),
) -> dict[str, np.ndarray]:
    """Where each fault is seen in ``v``'s ``rows``: a judged value past its limit by more
    than that fault's ``margins`` (degrees per row, or one for all; none: 0).

    The one place a limit is compared, for :func:`classify_plank_frames` and for a session
    that classified many frames at once and adds each frame's noise margin afterwards."""
    cfg = config
    judged = {code: j[rows] for code, j in v.judged.items()}
    hip_bend, neck, arm = v.hip_bend_deg[rows], v.neck_deg[rows], v.arm_deg[rows]
    n = hip_bend.shape[0]
    margins = margins or {}

    def margin(code: str) -> np.ndarray:
        return np.nan_to_num(_col(margins, code, n), nan=0.0) if code in margins else np.zeros(n)

    return {
        "hips_sagging": judged["hips_sagging"]
        & (hip_bend < -(cfg.hip_sag_deg + margin("hips_sagging"))),
        "hips_piked": judged["hips_piked"] & (hip_bend > cfg.hip_pike_deg + margin("hips_piked")),
        "neck_not_neutral": judged["neck_not_neutral"]
        & (np.abs(neck) > v.neck_limit_deg[rows] + margin("neck_not_neutral")),
        "elbows_not_under_shoulders": judged["elbows_not_under_shoulders"]
        & (
            np.abs(arm) - v.arm_allowance_deg[rows]
            > cfg.elbow_max_deg + margin("elbows_not_under_shoulders")
        ),
    }


def hip_line_consensus(body_line: ArrayLike, knee_line: ArrayLike) -> np.ndarray:
    """The hip bend two lines agree on (both after the offset; + piked, - sagging).

    Where both are below 0 the larger (less sagging), where both are above 0 the smaller
    (less piked), 0 where they disagree in sign; ``body_line`` alone where ``knee_line`` is
    NaN (knee not seen, or a knee plank, whose body line is the knee line).
    """
    body = np.asarray(body_line, dtype=np.float64)
    knee = np.asarray(knee_line, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        high, low = np.fmax(body, knee), np.fmin(body, knee)
        agreed = np.where(high < 0, high, np.where(low > 0, low, 0.0))
    return np.where(np.isfinite(body) & np.isfinite(knee), agreed, body)


def classify_series_frames(
    series: PoseSeries,
    config: PlankConfig | None = None,
    *,
    measures: FrameMeasures | None = None,
) -> PlankFrameVerdicts:
    """:func:`classify_plank_frames` on every frame of a series, each frame on its own.

    ``measures``: the series' features and view check when already measured.
    """
    if measures is None:
        from formcheck.features.frame_input import measure_frames

        measures = measure_frames(series)
    feats = measures.features
    detected = series.detected
    verdicts = classify_plank_frames(
        feats.values, feats.facing, feats.part_visibility, measures.views.view, config
    )
    # Undetected rows are all-NaN already; make that explicit for in_position.
    verdicts.in_position &= detected
    return verdicts


# ----------------------------------------------------------------------------- session
@dataclass
class _Episode:
    start_ms: float
    last_on_ms: float
    values: list[float] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    # The threshold each flagged frame was judged against, and the signal it came from.
    limits: list[float] = field(default_factory=list)
    signals: dict[str, int] = field(default_factory=dict)
    judged_frames: int = 0
    flagged_frames: int = 0
    end_ms: float | None = None


@dataclass
class _Tracker:
    """Debounces one fault's per-frame flags into episodes (causal)."""

    code: str
    candidate: _Episode | None = None
    active: _Episode | None = None
    done: list[_Episode] = field(default_factory=list)
    # (time, flagged) of the judged frames of the candidate's last fault_min_s
    recent: deque[tuple[float, bool]] = field(default_factory=deque)

    def feed(
        self,
        t: float,
        judged: bool,
        flagged: bool,
        value: float,
        conf: float,
        cfg: PlankConfig,
        hold_start: float | None,
        limit: float = math.nan,
        signal: str = "",
    ) -> _Episode | None:
        """Consume one in-position frame; return the episode if it just became a fault."""
        gap_ms, release_ms = cfg.flag_gap_s * 1000.0, cfg.fault_release_s * 1000.0
        ep = self.active
        if ep is not None:
            if judged:
                ep.judged_frames += 1
            if flagged:
                ep.last_on_ms = t
                ep.flagged_frames += 1
                _record(ep, value, conf, limit, signal)
            elif judged and t - ep.last_on_ms >= release_ms:
                self.close(ep.last_on_ms)
            return None
        cand = self.candidate
        window_ms = cfg.fault_min_s * 1000.0
        if flagged:
            if cand is None or t - cand.last_on_ms > gap_ms:
                cand = self.candidate = _Episode(start_ms=t, last_on_ms=t)
                self.recent.clear()
            cand.last_on_ms = t
            cand.judged_frames += 1
            cand.flagged_frames += 1
            _record(cand, value, conf, limit, signal)
        elif cand is not None:
            if judged:
                cand.judged_frames += 1
            if t - cand.last_on_ms > gap_ms:
                self.candidate = cand = None
        if cand is None:
            return None
        # The share of flagged frames counts over the last fault_min_s only: a long hover at
        # the limit must neither hold back a real fault that follows it nor date its start.
        if judged or flagged:
            self.recent.append((t, flagged))
        while self.recent and self.recent[0][0] < t - window_ms:
            self.recent.popleft()
        share_now = sum(f for _, f in self.recent) / max(len(self.recent), 1)
        if (
            hold_start is not None
            and cand.last_on_ms - cand.start_ms >= window_ms
            and share_now >= cfg.fault_min_share
        ):
            if cand.flagged_frames < cfg.fault_min_share * cand.judged_frames:
                # The run began as a hover: the fault starts where the steady flags do.
                cand.start_ms = next(time for time, f in self.recent if f)
            cand.start_ms = max(cand.start_ms, hold_start)
            self.active, self.candidate = cand, None
            self.recent.clear()
            return cand
        return None

    def close(self, end_ms: float) -> None:
        if self.active is not None:
            self.active.end_ms = end_ms
            self.done.append(self.active)
            self.active = None
        self.candidate = None
        self.recent.clear()


def _record(ep: _Episode, value: float, conf: float, limit: float, signal: str) -> None:
    ep.values.append(value)
    ep.confidences.append(conf)
    ep.limits.append(limit)
    if signal:
        ep.signals[signal] = ep.signals.get(signal, 0) + 1


class PlankSession(RuleSession):
    """Causal plank judge: feed frames in time order, read events, ``finish`` for the verdict."""

    def __init__(self, config: PlankConfig | None = None) -> None:
        self.config = config or PlankConfig()
        self._frames = 0
        self._detected = 0
        self._first_ms: float | None = None
        self._last_ms: float | None = None
        self._dt: deque[float] = deque(maxlen=900)  # recent frame intervals (median = dt)
        self._views: dict[str, int] = {}
        # hold state
        self._run_start: float | None = None
        self._pos_last: float | None = None
        self._window: list[tuple[float, float, float, bool]] = []
        self._hold_start: float | None = None
        self._holds: list[tuple[float, float]] = []
        # per-hold frame statistics
        self._hold_frames = 0
        self._judged_counts = dict.fromkeys(FAULT_CODES, 0)
        self._variant_votes = {"forearm": 0, "high": 0, "toes": 0, "knees": 0}
        self._knee_line_frames = 0
        self._oblique_frames = 0
        # noise: each signal's recent jitter, and the jitter seen on each judged hold frame
        window_ms = self.config.noise_window_s * 1000.0
        self._jitter = {signal: JitterTracker(window_ms) for signal in SIGNAL_NAMES}
        self._jitter_seen: dict[str, list[tuple[float, float]]] = {c: [] for c in FAULT_CODES}
        # faults
        self._trackers = {code: _Tracker(code) for code in FAULT_CODES}
        self._form_broke_ms: float | None = None
        self._form_broke_code: str | None = None
        self._events: list[Event] = []

    # ------------------------------------------------------------------ update
    def update(self, frame: FrameInput) -> list[Event]:
        # Each signal's jitter over the recent frames, once per frame: it sets the margins
        # and is what the hold's jitter record keeps.
        jitter = self._jitter_now()
        v = classify_plank_frames(*_columns([frame]), self.config, margins=self._margins(jitter))
        return self._judge(frame, v, 0, jitter, {code: bool(f[0]) for code, f in v.flags.items()})

    def update_many(self, frames: Iterable[FrameInput]) -> list[Event]:
        """``update`` on each of ``frames`` in turn, with the same result, faster: the frames
        are classified at once (one vectorised call instead of one per frame), and each
        frame's noise margin, which depends on the frames before it, is applied after."""
        frames = list(frames)
        if not frames:
            return []
        # Classified without margins: ``v.flags`` is not read here, each frame's flags are
        # taken again below at the margins of the jitter before it.
        v = classify_plank_frames(*_columns(frames), self.config)
        events: list[Event] = []
        for i, frame in enumerate(frames):
            if frame.detected and v.in_position[i]:
                jitter = self._jitter_now()
                row = fault_flags(v, self.config, self._margins(jitter), slice(i, i + 1))
                flags = {code: bool(f[0]) for code, f in row.items()}
                events += self._judge(frame, v, i, jitter, flags)
            else:  # the jitter and the flags are only read in position
                events += self._judge(frame, v, i, None, None)
        return events

    def _jitter_now(self) -> dict[str, float]:
        return {signal: tracker.sigma() for signal, tracker in self._jitter.items()}

    def _judge(
        self,
        frame: FrameInput,
        v: PlankFrameVerdicts,
        i: int,
        jitter: dict[str, float] | None,
        flags: dict[str, bool] | None,
    ) -> list[Event]:
        """One frame, classified as row ``i`` of ``v``; ``flags``: where its faults are seen at
        its noise margins (``jitter``). Both are only read in position (None elsewhere)."""
        cfg = self.config
        t = float(frame.time_ms)
        if self._last_ms is not None and t > self._last_ms:
            self._dt.append(t - self._last_ms)
        if self._first_ms is None:
            self._first_ms = t
        self._last_ms = t
        self._frames += 1
        events: list[Event] = []
        if frame.detected:
            self._detected += 1
            self._views[frame.view] = self._views.get(frame.view, 0) + 1
        in_pos = bool(frame.detected and v.in_position[i])
        in_frame_factor = 1.0 if frame.in_frame else 0.8

        if in_pos:
            events += self._position_frame(
                t, float(v.trunk_inclination_deg[i]), float(v.hip_bend_raw_deg[i]), bool(v.knees[i])
            )
        elif self._hold_start is not None and t - (self._pos_last or t) >= cfg.hold_end_s * 1e3:
            events += self._end_hold()

        if in_pos:
            assert jitter is not None and flags is not None
            if self._hold_start is not None:
                self._hold_frames += 1
                for code in FAULT_CODES:
                    self._judged_counts[code] += int(v.judged[code][i])
                self._variant_votes["forearm" if v.forearm[i] else "high"] += 1
                self._variant_votes["knees" if v.knees[i] else "toes"] += 1
                self._knee_line_frames += int(v.hip_line_end[i] == "knee" and not v.knees[i])
                self._oblique_frames += int(frame.view == View.OBLIQUE)
            values = {
                "hips_sagging": float(v.hip_bend_deg[i]),
                "hips_piked": float(v.hip_bend_deg[i]),
                "neck_not_neutral": float(v.neck_deg[i]),
                "elbows_not_under_shoulders": float(v.arm_deg[i]),
            }
            limits = {code: self._threshold(code) for code in FAULT_CODES}
            limits["neck_not_neutral"] = float(v.neck_limit_deg[i])
            self._track_jitter(t, v, i, values, limits, jitter)
            for code, tracker in self._trackers.items():
                started = tracker.feed(
                    t,
                    bool(v.judged[code][i]),
                    flags[code],
                    values[code],
                    float(v.confidence[code][i]) * in_frame_factor,
                    cfg,
                    self._hold_start,
                    limits[code],
                    str(v.neck_signal[i]) if code == "neck_not_neutral" else "",
                )
                if started is not None:
                    events += self._fault_started(
                        code, started, t, bool(v.knees[i]), bool(v.forearm[i])
                    )
            events += self._check_form_broke(t)
        self._events += events
        return events

    def _position_frame(self, t: float, trunk: float, bend: float, knees: bool) -> list[Event]:
        cfg = self.config
        events: list[Event] = []
        if self._pos_last is None or t - self._pos_last >= cfg.hold_end_s * 1e3:
            if self._hold_start is not None:
                events += self._end_hold()
            self._run_start = t
            self._window = []
        self._pos_last = t
        self._window.append((t, trunk, bend, knees))
        horizon = t - cfg.hold_start_s * 1e3
        while len(self._window) > 1 and self._window[1][0] <= horizon:
            self._window.pop(0)
        if self._hold_start is None and self._run_start is not None:
            span = t - self._window[0][0]
            still = len({w[3] for w in self._window}) == 1
            for k in (1, 2):
                values = [w[k] for w in self._window if math.isfinite(w[k])]
                still &= bool(values) and max(values) - min(values) <= cfg.hold_still_max_deg
            if span >= cfg.hold_start_s * 1e3 * 0.999 and still:
                self._hold_start = self._window[0][0]
                events.append(
                    Event(EventKind.HOLD_STARTED, self._hold_start, "Plank hold started.")
                )
        return events

    def _end_hold(self) -> list[Event]:
        assert self._hold_start is not None and self._pos_last is not None
        end = self._pos_last
        for tracker in self._trackers.values():
            if tracker.active is not None:
                tracker.close(min(tracker.active.last_on_ms, end))
            tracker.candidate = None
        self._holds.append((self._hold_start, end))
        self._hold_start = None
        held = (end - self._holds[-1][0]) / 1000.0
        return [Event(EventKind.HOLD_ENDED, end, f"Hold ended after {held:.0f} seconds.")]

    def _fault_started(
        self, code: str, ep: _Episode, t: float, knees: bool, forearm: bool
    ) -> list[Event]:
        return [
            Event(
                EventKind.FAULT,
                ep.start_ms,
                _spoken(code, float(np.median(ep.values)), knees, forearm),
                code,
                self._severity(code, ep),
            )
        ]

    def _check_form_broke(self, t: float) -> list[Event]:
        if self._form_broke_ms is not None:
            return []
        for code in HIP_FAULTS:
            ep = self._trackers[code].active
            if ep is not None and ep.last_on_ms - ep.start_ms >= self.config.form_broke_s * 1e3:
                self._form_broke_ms, self._form_broke_code = ep.start_ms, code
                message = f"Form is breaking: {NAMES[code]}. Stop the set."
                return [Event(EventKind.FORM_BROKE, ep.start_ms, message, code, 1.0)]
        return []

    # ------------------------------------------------------------------ noise
    def _margins(self, jitter: dict[str, float]) -> dict[str, float]:
        """Per fault, what a frame must pass its limit by: its signal's recent jitter."""
        cfg = self.config
        return {
            code: noise_margin(
                jitter[SIGNAL_OF[code]],
                cfg.noise_k,
                cfg.max_noise_margin_fraction * self._threshold(code),
            )
            for code in FAULT_CODES
        }

    def _track_jitter(
        self,
        t: float,
        v: PlankFrameVerdicts,
        i: int,
        values: dict[str, float],
        limits: dict[str, float],
        jitter: dict[str, float],
    ) -> None:
        seen = {SIGNAL_OF[code]: values[code] for code in FAULT_CODES if v.judged[code][i]}
        for signal, value in seen.items():
            self._jitter[signal].add(t, value)
        if self._hold_start is None:
            return
        for code in FAULT_CODES:
            sigma = jitter[SIGNAL_OF[code]]
            if v.judged[code][i] and math.isfinite(sigma):
                self._jitter_seen[code].append((sigma, limits[code]))

    def _too_noisy(self) -> dict[str, str]:
        """Checks whose signal jittered by too large a part of its limit over the holds."""
        out = {}
        for code, seen in self._jitter_seen.items():
            if not seen:
                continue
            sigma = float(np.median([s for s, _ in seen]))
            limit = float(np.median([lim for _, lim in seen]))
            if sigma > self.config.max_jitter_fraction * limit:
                out[code] = (
                    f"the {SIGNAL_NAMES[SIGNAL_OF[code]]} jittered by +-{sigma:.0f} deg between "
                    f"frames against a limit of {limit:.0f}: too unsteady to tell a fault from "
                    "noise (film closer, side-on, in good light)"
                )
        return out

    def _jitter_of(self, code: str) -> float:
        seen = self._jitter_seen[code]
        return float(np.median([s for s, _ in seen])) if seen else math.nan

    # ------------------------------------------------------------------ verdict helpers
    def _threshold(self, code: str) -> float:
        cfg = self.config
        return {
            "hips_sagging": cfg.hip_sag_deg,
            "hips_piked": cfg.hip_pike_deg,
            "neck_not_neutral": cfg.neck_max_deg,
            "elbows_not_under_shoulders": cfg.elbow_max_deg,
        }[code]

    def _severity(self, code: str, ep: _Episode) -> float:
        """0 at the threshold, 1 at twice the threshold (90th percentile of |value| / limit).

        Each frame counts against the threshold it was judged by (the neck's depends on the
        signal and the side)."""
        values = np.abs(np.asarray(ep.values, dtype=np.float64))
        limits = np.asarray(ep.limits, dtype=np.float64)
        if limits.shape != values.shape:
            limits = np.full(values.shape, math.nan)
        limits = np.where(np.isfinite(limits) & (limits > 0), limits, self._threshold(code))
        ratio = values / limits
        ratio = ratio[np.isfinite(ratio)]
        if ratio.size == 0:
            return 0.0
        return float(np.clip(np.percentile(ratio, 90) - 1.0, 0.0, 1.0))

    def _fault_of(
        self, code: str, ep: _Episode, end_ms: float, knees: bool, forearm: bool
    ) -> Fault:
        vals = np.asarray(ep.values, dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        median = float(np.median(vals)) if vals.size else math.nan
        peak = float(vals[np.argmax(np.abs(vals))]) if vals.size else math.nan
        steady = ep.flagged_frames / max(ep.judged_frames, ep.flagged_frames, 1)
        conf = float(np.mean(ep.confidences)) if ep.confidences else 0.0
        name = {
            "hips_sagging": "hip_bend_deg",
            "hips_piked": "hip_bend_deg",
            "neck_not_neutral": "neck_deg",
            "elbows_not_under_shoulders": "upper_arm_from_vertical_deg",
        }[code]
        threshold_name = {
            "hips_sagging": "hip_sag_deg",
            "hips_piked": "hip_pike_deg",
            "neck_not_neutral": "neck_max_deg",
            "elbows_not_under_shoulders": "elbow_max_deg",
        }[code]
        thresholds = {threshold_name: self._threshold(code)}
        if code in HIP_FAULTS:
            # The bend is judged after the model's straight-body offset (see PlankConfig).
            thresholds["hip_bend_offset_deg"] = self.config.hip_bend_offset_deg
        measured = {f"{name}_median": median, f"{name}_peak": peak}
        jitter = self._jitter_of(code)
        if math.isfinite(jitter):
            measured["jitter_deg"] = jitter
            # A shaky signal is less sure, even past its margin.
            conf *= float(np.clip(1.0 - jitter / max(self._threshold(code), 1e-6), 0.0, 1.0))
        signals = ["landmarks"]
        if code == "neck_not_neutral":
            thresholds, neck_signals, shares = self._neck_evidence(ep, median)
            signals += neck_signals
            measured.update(shares)
        return Fault(
            code=code,
            cue=_cue(code, knees, forearm),
            start_ms=ep.start_ms,
            end_ms=end_ms,
            rep=None,
            severity=self._severity(code, ep),
            confidence=float(np.clip(conf * (0.5 + 0.5 * steady), 0.0, 1.0)),
            measured=measured,
            thresholds=thresholds,
            signals=tuple(signals),
        )

    def _neck_evidence(
        self, ep: _Episode, median: float
    ) -> tuple[dict[str, float], list[str], dict[str, float]]:
        """Thresholds, signal names and per-signal frame shares of a neck episode."""
        cfg = self.config
        total = max(sum(ep.signals.values()), 1)
        thresholds: dict[str, float] = {}
        signals: list[str] = []
        shares: dict[str, float] = {}
        for sig in ("head_pitch", "ear", "nose"):
            count = ep.signals.get(sig, 0)
            if not count:
                continue
            shares[f"neck_{sig}_share"] = count / total
            signals.append(NECK_SIGNAL_NAMES[sig])
            if sig == "head_pitch":
                key = "head_crane_max_deg" if median < 0 else "head_hang_max_deg"
                thresholds[key] = getattr(cfg, key)
                thresholds["head_pitch_offset_deg"] = cfg.head_pitch_offset_deg
            else:
                thresholds["neck_max_deg"] = cfg.neck_max_deg
                if sig == "nose":
                    thresholds["neck_nose_extra_deg"] = cfg.neck_nose_extra_deg
        if not thresholds:
            thresholds["neck_max_deg"] = cfg.neck_max_deg
        return thresholds, signals, shares

    # ------------------------------------------------------------------ finish
    def finish(self) -> ExerciseResult:
        cfg = self.config
        result = ExerciseResult(exercise="plank")
        dt = float(np.median(self._dt)) if self._dt else 0.0
        duration = (
            0.0 if self._first_ms is None else (self._last_ms - self._first_ms + dt) / 1000.0  # type: ignore[operator]
        )
        result.summary = SetSummary(duration_s=duration)
        result.events = sorted(self._events, key=lambda e: e.time_ms)

        side_reason = (
            "the camera sees the person from the front: sagging, piked hips, the neck and "
            "the elbows can only be judged from the side (film side-on, head to feet in frame)"
        )
        if self._frames == 0 or duration < cfg.min_duration_s:
            return _not_assessable(
                result, f"the clip is too short to judge a plank ({duration:.1f} s)"
            )
        rate = self._detected / self._frames
        if rate < cfg.min_detection_rate:
            return _not_assessable(
                result,
                f"nobody was detected on {100 * (1 - rate):.0f}% of frames: keep the whole "
                "body in view",
            )

        holds = list(self._holds)
        if self._hold_start is not None and self._pos_last is not None:
            holds.append((self._hold_start, self._pos_last))
        if not holds:
            front = self._views.get(View.FRONT, 0)
            if front >= 0.5 * max(self._detected, 1):
                result.not_judged = dict.fromkeys(FAULT_CODES, side_reason)
                return _not_assessable(result, side_reason)
            return _not_assessable(
                result,
                "no plank hold was found: get into a plank side-on to the camera with the "
                "head, hips and feet in frame, and hold still",
            )

        # Episodes: done ones plus those still open at the last frame (without mutating).
        votes = self._variant_votes
        knees = votes["knees"] > votes["toes"]
        forearm = votes["forearm"] >= votes["high"]
        episodes: list[tuple[str, _Episode, float]] = []
        noisy = self._too_noisy()  # not judged: their episodes are no evidence of a fault
        for code, tracker in self._trackers.items():
            if code in noisy:
                continue
            for ep in tracker.done:
                episodes.append((code, ep, float(ep.end_ms or ep.last_on_ms)))
            if tracker.active is not None:
                episodes.append((code, tracker.active, tracker.active.last_on_ms))
        episodes.sort(key=lambda e: (e[1].start_ms, e[0]))
        result.faults = [
            self._fault_of(code, ep, end, knees, forearm) for code, ep, end in episodes
        ]

        hold_s = sum(end - start + dt for start, end in holds) / 1000.0
        good_ms = 0.0
        for start, end in holds:
            stop = end + dt
            if self._form_broke_ms is not None:
                stop = min(stop, self._form_broke_ms)
            if stop <= start:
                continue
            bad = _union_length(
                [(max(ep.start_ms, start), min(e + dt, stop)) for _, ep, e in episodes]
            )
            good_ms += max(0.0, stop - start - bad)
        result.summary.hold_s = hold_s
        result.summary.good_form_s = good_ms / 1000.0
        result.summary.form_broke_ms = self._form_broke_ms

        arms = "forearm" if forearm else "high"
        result.variant = f"{arms}/{'knees' if knees else 'toes'}"

        frames = max(self._hold_frames, 1)
        for code in FAULT_CODES:
            if self._judged_counts[code] / frames < cfg.min_judged_fraction:
                result.not_judged[code] = _not_judged_reason(code)
        for code, why in noisy.items():
            result.not_judged.setdefault(code, why)
        result.summary.advice = self._advice(result, hold_s, knees)
        if self._knee_line_frames > 0.5 * frames:
            result.summary.advice.append(
                "The feet were not clearly seen: the hips were judged on the shoulder-hip-knee "
                "line. Keep the whole body, heels included, in frame."
            )
        if self._oblique_frames > 0.5 * frames:
            result.summary.advice.append(
                "The camera is at an angle to the body: film straight from the side for "
                "surer hip and neck judgments."
            )
        return result

    def _advice(self, result: ExerciseResult, hold_s: float, knees: bool) -> list[str]:
        advice: list[str] = []
        codes = result.fault_codes
        good = result.summary.good_form_s or 0.0
        if self._form_broke_ms is not None and self._first_ms is not None:
            advice.append(
                f"Form broke ({NAMES[self._form_broke_code or 'hips_sagging']}) after "
                f"{good:.0f} s of good form: end the set there, and build up with holds of "
                "good form rather than longer ones with broken form."
            )
        if "hips_sagging" in codes and not knees:
            advice.append("If the hips sag early, hold a knee plank or shorter sets first.")
        if not codes:
            advice.append(f"Good plank: {hold_s:.0f} s held in one straight line.")
        return advice


def _union_length(intervals: list[tuple[float, float]]) -> float:
    spans = sorted((a, b) for a, b in intervals if b > a)
    total, cur_a, cur_b = 0.0, None, None
    for a, b in spans:
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                total += cur_b - cur_a  # type: ignore[operator]
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b is not None:
        total += cur_b - cur_a  # type: ignore[operator]
    return total


def _not_assessable(result: ExerciseResult, reason: str) -> ExerciseResult:
    result.assessable = False
    result.reason = reason
    return result


def _not_judged_reason(code: str) -> str:
    return {
        "hips_sagging": "the shoulders, hips and ankles (or knees) were not clearly seen "
        "side-on during the hold",
        "hips_piked": "the shoulders, hips and ankles (or knees) were not clearly seen "
        "side-on during the hold",
        "neck_not_neutral": "the ears were not seen during the hold, and the nose alone does "
        "not tell the head's direction reliably (turn so the near ear faces the camera)",
        "elbows_not_under_shoulders": "the elbows were not clearly seen during the hold",
    }[code]


def _cue(code: str, knees: bool, forearm: bool = True) -> str:
    return CUES[code].format(
        end="knees" if knees else "heels", arm="Elbows" if forearm else "Hands"
    )


def _spoken(code: str, value: float, knees: bool, forearm: bool = True) -> str:
    end = "knees" if knees else "heels"
    if code == "hips_sagging":
        return f"Hips are sagging: squeeze your glutes, one straight line to your {end}."
    if code == "hips_piked":
        return f"Hips are too high: lower them into one straight line to your {end}."
    if code == "neck_not_neutral":
        if value < 0:
            return "Don't crane your neck: look at the floor, head in line with your spine."
        return "Don't let your head hang: keep it in line with your spine."
    joint = "elbows" if forearm else "hands"
    if value > 0:
        return f"Your {joint} are ahead of your shoulders: stack your shoulders over them."
    return f"Your shoulders are ahead of your {joint}: stack them over your {joint}."


class PlankRule(ExerciseRule):
    """Plank hold: timer, variant (forearm/high, toes/knees) and the four plank faults."""

    exercise = "plank"

    config_type = PlankConfig

    def session(self) -> PlankSession:
        return PlankSession(self.config)
