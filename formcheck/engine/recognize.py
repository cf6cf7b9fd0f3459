"""Which exercise is this? One of the registered exercises or something else, from landmarks.

The recogniser reads a (smoothed) :class:`~formcheck.series.core.PoseSeries` and answers with a
:class:`Recognition`: the exercise, a confidence, a score per class and one line saying what it
saw. It is a small set of explicit, coaching-based cues, not a trained model, because the
labelled footage at hand is far too small to train on without learning the files.

The cues, and the judgements built on them (a prone hold, a hinge movement and how ballistic it
is, a squat, arms overhead...), are measured by :mod:`formcheck.features.movement`. Each
registered exercise's :class:`~formcheck.exercises.spec.Recognizer` (its plug-in's
``recognition`` module) turns those numbers into its evidence and a phrase; ``other`` (none of
them) is scored here. Still images (or clips too short to show a movement) are judged on their
posture with a capped confidence (:data:`STILL_MAX_CONFIDENCE`), because a single frame cannot
show tempo.

The scores are the evidence normalised to sum to 1, blended toward uniform when few frames
have a person in them; ``sure`` is ``confidence >=`` :data:`SURE_CONFIDENCE`.

``other`` also takes the share of a hinge movement that no recogniser claims (a hinge whose
hands neither go down to the floor nor float up with the hips).

Known limits: a deep squat holding weights hanging at the sides takes them to the floor like a
dumbbell or trap-bar deadlift (and is read as one, with the knees dominating); a still of
someone standing with the arms down cannot tell a deadlift's lockout from a swing's start (the
answer leans deadlift, unsure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from formcheck.exercises import registry
from formcheck.exercises.registry import OTHER
from formcheck.features.frame_input import FrameMeasures, measure_frames
from formcheck.features.movement import (
    HINGE_MIN_DEG,
    PRONE_HOLD_S,
    clip_cues,
    clip_judgements,
    finite_or,
    hinge_phases_text,
    ramp,
    signals,
    still_cues,
    still_judgements,
)

if TYPE_CHECKING:
    from formcheck.exercises.spec import ExerciseSpec
    from formcheck.series.core import PoseSeries


# ``sure`` needs at least this share of the evidence for the winning class: with four classes
# 0.25 is a coin toss; 0.6 means the winner has more evidence than all others together.
SURE_CONFIDENCE = 0.6
# A still image (or a clip without a movement to read) cannot show tempo or a hold; its
# confidence is capped here so it is never "sure".
STILL_MAX_CONFIDENCE = 0.55
# Fewer detected frames than this, or a detected span shorter than this, is read as a still.
STILL_MAX_FRAMES = 3
STILL_MAX_SPAN_S = 0.5
# Share of frames with a person found: below the first value the cues count for nothing (the
# scores are blended all the way to uniform), from the second on they count fully.
DETECTION_RELIABLE = (0.1, 0.5)


@dataclass(frozen=True)
class Recognition:
    """The recognised exercise.

    ``exercise`` is a registered exercise's id or ``other`` (``CLASSES``); ``scores`` maps
    every class to its share of the evidence (they sum to 1) and ``confidence`` is the winner's share. ``sure`` is
    ``confidence >= SURE_CONFIDENCE``: below it, ask the user. ``reason`` says in one line what
    was seen. ``cues`` holds the clip-level numbers behind the decision (for reports and
    debugging; NaN when not measurable).
    """

    exercise: str
    confidence: float
    scores: dict[str, float]
    sure: bool
    reason: str
    cues: dict[str, float] = field(default_factory=dict)


def _recognised_names(specs: tuple[ExerciseSpec, ...]) -> str:
    """``"deadlift, plank or swing"``: the exercises recognition can tell, for sentences."""
    from formcheck.engine.analyze import join_words

    names = [s.short_name or s.name for s in specs if s.recognizer is not None]
    return join_words(names) or "known exercise"


# ----------------------------------------------------------------------------- scoring
def _other_clip(
    c: Mapping[str, float], specs: tuple[ExerciseSpec, ...], claimed: float = 0.0
) -> tuple[float, str]:
    """Evidence that a clip is none of the exercises: a squat, arms overhead, no pattern, or
    a hinge movement that no exercise's recogniser claims (``claimed``: the largest
    evidence a recogniser gave)."""
    hinge, squat, overhead = c["hinge"], c["squat_bottom"], c["overhead"]
    unclaimed = c["hinge_move"] * (1.0 - min(max(claimed, 0.0), 1.0))
    evidence = max(hinge * squat, overhead, 1.0 - max(hinge, c["prone_hold"]), unclaimed)
    if overhead >= 0.5:
        text = f"arms overhead in {100 * c['overhead_frac']:.0f}% of frames"
    elif hinge * squat >= 0.5:
        text = (
            f"knees bent {c['knee_bottom_deg']:.0f} deg with the torso "
            f"{c['tilt_bottom_deg']:.0f} deg from vertical at the bottom (squat-like)"
        )
    elif c["push_ups"] >= 0.5 and c["horizontal_frac"] >= 0.5:
        text = f"body horizontal but the elbows bend by {c['elbow_range_deg']:.0f} deg (push-ups?)"
    elif int(c["hinge_phases"]):
        text = (
            f"{hinge_phases_text(c, tempo=False)} but no clear {_recognised_names(specs)} pattern"
        )
    else:
        text = "no hinge movement and no horizontal hold"
    return evidence, text


def _other_still(
    c: Mapping[str, float], specs: tuple[ExerciseSpec, ...], claimed: float = 0.0
) -> tuple[float, str]:
    """Evidence that a still shows none of the exercises: a squat, arms overhead, or neither."""
    evidence = max(c["squat"], c["arms_overhead"], 0.35)
    if c["squat"] >= 0.5:
        text = "knees deeply bent with the torso upright (squat-like)"
    elif c["arms_overhead"] >= 0.5:
        text = "arms overhead"
    else:
        text = f"no posture typical of a {_recognised_names(specs)}"
    return evidence, text


def _score(
    cues: Mapping[str, float], specs: tuple[ExerciseSpec, ...], *, still: bool
) -> tuple[dict[str, float], dict[str, str]]:
    """Evidence per class and a phrase per class saying why: each exercise's recogniser, then
    ``other``. An exercise without a recogniser gets no evidence."""
    view = MappingProxyType(cues)  # recognisers read the cues, never change them
    evidence: dict[str, float] = {}
    why: dict[str, str] = {}
    for spec in specs:
        recognizer = spec.recognizer
        if recognizer is None:
            evidence[spec.id], why[spec.id] = 0.0, ""
        elif still:
            evidence[spec.id], why[spec.id] = recognizer.still_evidence(view)
        else:
            evidence[spec.id], why[spec.id] = recognizer.clip_evidence(view)
    other = _other_still if still else _other_clip
    claimed = max((finite_or(v, 0.0) for v in evidence.values()), default=0.0)
    evidence[OTHER], why[OTHER] = other(view, specs, claimed)
    return evidence, why


def _normalise(
    evidence: dict[str, float], classes: tuple[str, ...], floor: float = 0.02
) -> dict[str, float]:
    raw = {k: max(0.0, finite_or(evidence[k], 0.0)) + floor for k in classes}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


def _temper(scores: dict[str, float], reliability: float, cap: float = 1.0) -> dict[str, float]:
    """Blend scores toward uniform by ``1 - reliability``, then until the top is <= ``cap``."""
    uniform = 1.0 / len(scores)
    w = float(np.clip(reliability, 0.0, 1.0))
    top = max(scores.values())
    if top > uniform and w * top + (1 - w) * uniform > cap:
        w = (cap - uniform) / (top - uniform)
    return {k: w * v + (1 - w) * uniform for k, v in scores.items()}


# ----------------------------------------------------------------------------- entry point
def recognize_exercise(series: PoseSeries, *, measures: FrameMeasures | None = None) -> Recognition:
    """Recognise the exercise in a series (smooth it first, as the pipeline does).

    ``measures``: the series' :func:`~formcheck.features.frame_input.measure_frames`, when the
    caller has them already (the engine measures a clip once); else measured here. Never
    raises on odd input: an empty series or one with nobody in it is ``other``.
    """
    specs = registry.all_specs()
    classes = registry.recognition_classes()
    n = len(series)
    detected = series.detected
    n_det = int(detected.sum()) if n else 0
    if n_det == 0:
        scores = _normalise({k: 1.0 if k == OTHER else 0.0 for k in classes}, classes)
        reason = "no frames" if n == 0 else "nobody was found in the frames"
        return _result(scores, {OTHER: reason}, {"detected_frames": 0.0}, True, classes)

    if measures is None:
        measures = measure_frames(series)
    elif measures.series is not series:
        raise ValueError("measures must be of the series being recognised")
    sig = signals(measures)
    t_det = sig.time_s[detected]
    span_s = float(t_det[-1] - t_det[0]) if n_det > 1 else 0.0
    det_rate = n_det / n
    view = measures.view
    base = {
        "detected_frames": float(n_det),
        "detection_rate": det_rate,
        "span_s": span_s,
        "yaw_deg": view.yaw_deg,
    }
    reliability = finite_or(ramp(det_rate, *DETECTION_RELIABLE), 0.0)

    still = n_det <= STILL_MAX_FRAMES or span_s < STILL_MAX_SPAN_S
    if not still:
        cues = clip_cues(sig)
        cues.update(clip_judgements(cues))
        evidence, why = _score(cues, specs, still=False)
        # A clip in which nothing readable happens is judged on its posture like a still.
        if (
            cues["hinge_deg"] < HINGE_MIN_DEG
            and cues["hold_s"] < PRONE_HOLD_S[0]
            and cues["horizontal_frac"] < 0.5
        ):
            posture = still_cues(sig)
            posture.update(still_judgements(posture))
            s_evidence, s_why = _score(posture, specs, still=True)
            evidence[OTHER] = max(evidence[OTHER], 0.7)  # movement was expected, none seen
            for spec in specs:
                evidence[spec.id] = 0.5 * s_evidence[spec.id]
            why = {k: (f"{s_why[k]}, no hinge movement" if k != OTHER else why[k]) for k in why}
            cues.update({f"still_{k}": v for k, v in posture.items()})
        scores = _temper(_normalise(evidence, classes), reliability)
    else:
        cues = still_cues(sig)
        cues.update(still_judgements(cues))
        evidence, why = _score(cues, specs, still=True)
        kind = "one frame" if n_det == 1 else f"{n_det} frames over {span_s:.2f} s"
        why = {k: f"{kind}: {v} (a still cannot show the movement)" for k, v in why.items()}
        scores = _temper(_normalise(evidence, classes), reliability, cap=STILL_MAX_CONFIDENCE)
    if view.view != "unknown":
        why = {k: f"{v}; {view.view} view" for k, v in why.items()}
    return _result(scores, why, {**base, **cues}, None, classes)


def _result(
    scores: dict[str, float],
    why: dict[str, str],
    cues: dict[str, float],
    sure: bool | None,
    classes: tuple[str, ...],
) -> Recognition:
    exercise = max(classes, key=lambda k: scores[k])
    confidence = float(scores[exercise])
    return Recognition(
        exercise=exercise,
        confidence=confidence,
        scores={k: float(v) for k, v in scores.items()},
        sure=bool(confidence >= SURE_CONFIDENCE) if sure is None else sure,
        reason=why.get(exercise, ""),
        cues={k: float(v) for k, v in cues.items()},
    )
