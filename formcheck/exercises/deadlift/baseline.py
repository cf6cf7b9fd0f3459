"""The deadlift's personal baseline: how this lifter's flat back and neutral neck read.

``bulge_neutral`` (the back outline of a flat back) and ``head_drop_neutral_deg`` (a neutral
neck in a hinge) are population values; a lifter's build, clothing and gaze move both. From
the lifter's own good reps, the whole rounded-back scale (neutral, threshold, full severity)
is read from their neutral (``bulge_offset``, ``head_drop_offset_deg``), so the same rounding
past *their* flat back is flagged, at the fault and the slight level alike.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.exercises.base import ExerciseResult
from formcheck.exercises.baseline import BaselineUnusable, Neutral
from formcheck.exercises.deadlift.config import DeadliftConfig

# Good lifts read a flat back within about +-0.008 of the population's neutral (about +-8 deg
# of apparent flexion at 0.001/deg; the labelled good real clips); a baseline further out is
# no flat back, whatever its verdict said.
MAX_BULGE_SHIFT = 0.010
# A neutral neck in a hinge: lifters look from the floor to well ahead, about +-15 deg.
MAX_HEAD_SHIFT_DEG = 15.0


# A rep's readings, as the rule stores them: per pull and per lowering (the bare name too).
PHASE_PREFIXES = ("pull_", "lowering_", "")


def _readings(result: ExerciseResult, name: str) -> list[float]:
    return [
        r.metrics[prefix + name]
        for r in result.reps
        for prefix in PHASE_PREFIXES
        if prefix + name in r.metrics
    ]


def deadlift_neutral(result: ExerciseResult, measures, config: DeadliftConfig) -> Neutral:
    """The lifter's own flat-back outline and neck reading, from good reps."""
    bulges = _readings(result, "back_bulge")
    heads = _readings(result, "head_drop_deg")
    if not bulges and not heads:
        raise BaselineUnusable(
            "has no rep where the back could be measured (film side-on, whole body in view)"
        )
    overrides: dict[str, float] = {}
    measured: dict[str, float] = {}
    if bulges:
        bulge = float(np.median(bulges))
        shift = bulge - config.bulge_neutral
        if abs(shift) > MAX_BULGE_SHIFT:
            raise BaselineUnusable(
                f"reads a back outline of {bulge:.3f}, further from a flat back than good "
                "lifts read: it cannot show this lifter's neutral"
            )
        overrides["bulge_offset"] = round(shift, 5)
        measured["back_bulge"] = round(bulge, 5)
    if heads:
        head = float(np.median(heads))
        shift = head - config.head_drop_neutral_deg
        if abs(shift) <= MAX_HEAD_SHIFT_DEG:  # a gaze far off neutral: keep the population's
            overrides["head_drop_offset_deg"] = round(shift, 2)
            measured["head_drop_deg"] = round(head, 2)
    return Neutral(overrides=overrides, measured=measured)


assert {"bulge_neutral", "bulge_offset", "head_drop_neutral_deg", "head_drop_offset_deg"} <= {
    f.name for f in dataclasses.fields(DeadliftConfig)
}
