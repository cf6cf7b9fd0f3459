"""The plank's personal baseline: where the model puts this person's straight body and head.

``hip_bend_offset_deg`` (what a straight body reads) and ``head_pitch_offset_deg`` (what a
neutral head reads) are population values: correctly held planks read +1 to +13 at the hip
across people, and the two labelled sources put their good frames' medians on the
shoulder-hip-ankle line 14 degrees apart (+11 vs -4 before the offset; the bend the rule
judges discounts bent knees, which explain most of that gap). Measured on the person's own
good hold, the offset is theirs; the sag limit is then never wider than the cue plus the
baseline's own measurement error (nor than the population's limit).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.exercises.base import ExerciseResult
from formcheck.exercises.baseline import BaselineUnusable, Neutral
from formcheck.exercises.plank.config import PlankConfig
from formcheck.exercises.plank.session import classify_series_frames

# A good hold reads within this of the population's straight body (labelled good frames of
# both sources, 1st-99th percentile, lie within about -14..+18 of it); a baseline further out
# is no neutral hold, whatever its verdict said.
MAX_HIP_SHIFT_DEG = 15.0
# The head's neutral varies more with the gaze: three correct real planks span -20..+17.
MAX_HEAD_SHIFT_DEG = 20.0
# With the person's own straight line known, the sag limit is the cue's 10 degrees plus 2 for
# the error of the baseline's median (1-2 degrees of jitter over a few seconds of hold).
PERSONAL_SAG_DEG = 12.0
# Frames of the hold the neutral is measured on, at least.
MIN_FRAMES = 15


def plank_neutral(result: ExerciseResult, measures, config: PlankConfig) -> Neutral:
    """The person's straight-body hip bend and neutral head pitch from a good hold."""
    verdicts = classify_series_frames(measures.series, config, measures=measures)
    hold = verdicts.in_position & np.isfinite(verdicts.hip_bend_deg)
    if int(hold.sum()) < MIN_FRAMES:
        raise BaselineUnusable(
            f"shows only {int(hold.sum())} frames in a plank (at least {MIN_FRAMES} are needed)"
        )
    # The bend the hip faults are judged on (the body and knee lines' agreed bend), with the
    # configured offset added back: what this person's straight body reads.
    hip = float(np.median(verdicts.hip_bend_deg[hold])) + config.hip_bend_offset_deg
    if abs(hip - config.hip_bend_offset_deg) > MAX_HIP_SHIFT_DEG:
        raise BaselineUnusable(
            f"reads a hip bend of {hip:+.0f} deg, further from a straight line than any good "
            "hold: it cannot show this person's neutral"
        )
    overrides: dict[str, float] = {
        "hip_bend_offset_deg": round(hip, 2),
        "hip_sag_deg": min(config.hip_sag_deg, PERSONAL_SAG_DEG),
    }
    measured = {"hip_bend_raw_deg": round(hip, 2)}
    by_pitch = hold & (verdicts.neck_signal == "head_pitch") & np.isfinite(verdicts.neck_deg)
    if int(by_pitch.sum()) >= MIN_FRAMES:
        # neck_deg is the head pitch after the configured offset: add it back.
        pitch = float(np.median(verdicts.neck_deg[by_pitch])) + config.head_pitch_offset_deg
        if abs(pitch - config.head_pitch_offset_deg) <= MAX_HEAD_SHIFT_DEG:
            overrides["head_pitch_offset_deg"] = round(pitch, 2)
            measured["head_pitch_raw_deg"] = round(pitch, 2)
    return Neutral(overrides=overrides, measured=measured)


assert {"hip_bend_offset_deg", "hip_sag_deg", "head_pitch_offset_deg"} <= {
    f.name for f in dataclasses.fields(PlankConfig)
}
