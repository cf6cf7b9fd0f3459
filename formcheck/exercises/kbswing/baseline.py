"""The swing's personal baseline: how this person's upright finish reads at the top.

A good top is not a vertical line to the model: standing tall with a bell floating in front
takes a small counter-lean, and how much the model reads depends on the build, the bell and
the camera. Labelled-good real swings finish between 0 and 10 deg behind vertical (the
medians of their tops; single reps reach 11), which is why the population's leaning_back
limit sits at 12. From one good set of the same person and camera, the lean and the hip line
at their own lockout become offsets (``top_lean_offset_deg``, ``hips_through_offset``) the
readings are judged after, so the same lean back past *their* upright finish is flagged, at
the fault and the slight level alike.

The heels need no baseline: on_toes already compares each backswing with the lifter's own
flat-footed tops in the same clip.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.exercises.base import ExerciseResult
from formcheck.exercises.baseline import BaselineUnusable, Neutral
from formcheck.exercises.kbswing.config import SwingConfig

# Tops where the lean was measured, at least (a median of fewer says little about a set).
MIN_TOPS = 3
# A good set's tops finish this far forward at most (their median): the labelled-good real
# swings' medians lie between 0.2 forward and 9.7 behind vertical (single reps -4..+11), the
# rendered good swing's 1.9 forward. Further forward is no upright finish, and as a neutral
# it would make a vertical finish read as a lean back.
MAX_FORWARD_DEG = 4.0
# The most lean back a good set's median top may show to serve as a neutral, whatever the
# preset: 1.3 deg above the good real swings' largest median (9.7, above), below the fault
# limit (12). Tied to the fault limit instead, a set leaning 11.9 deg would pass and move the
# limits 6 deg out (and further under ``relaxed``).
MAX_BASELINE_LEAN_DEG = 11.0
# The hips at lockout: good real tops read 0-11 deg of hip bend per rep (medians 1-5).
MAX_LOCKOUT_HIP_DEG = 20.0


def swing_neutral(result: ExerciseResult, measures, config: SwingConfig) -> Neutral:
    """The person's own lean and hip line at the top of the swing, from a good set."""
    tops = [
        r.metrics
        for r in result.reps
        if np.isfinite(r.metrics.get("top_lean_back_deg", np.nan))
        and np.isfinite(r.metrics.get("top_hips_through", np.nan))
    ]
    if len(tops) < MIN_TOPS:
        raise BaselineUnusable(
            f"shows the top of only {len(tops)} swings seen side-on (at least {MIN_TOPS} are "
            "needed: film the whole body from the side)"
        )
    lean = float(np.median([m["top_lean_back_deg"] for m in tops]))
    through = float(np.median([m["top_hips_through"] for m in tops]))
    hips = [
        m["top_hip_flexion_deg"]
        for m in tops
        if np.isfinite(m.get("top_hip_flexion_deg", np.nan))  # the hip unseen at that top
    ]
    hip = float(np.median(hips)) if hips else float("nan")
    if lean > MAX_BASELINE_LEAN_DEG:
        raise BaselineUnusable(
            f"leans back {lean:.0f} deg at the top of its swings, more than good swings do "
            f"(at most {MAX_BASELINE_LEAN_DEG:.0f}): it cannot show this person's upright finish"
        )
    if lean < -MAX_FORWARD_DEG:
        raise BaselineUnusable(
            f"finishes its swings {-lean:.0f} deg bent forward, not standing tall: it cannot "
            "show this person's upright finish"
        )
    if hip > MAX_LOCKOUT_HIP_DEG:
        raise BaselineUnusable(
            f"never straightens the hips at the top ({hip:.0f} deg of hip bend): it cannot "
            "show this person's lockout"
        )
    if through >= config.hips_through:
        raise BaselineUnusable(
            f"pushes the hips {through:.2f} body lengths through at the top, as far as an arched "
            "back does: it cannot show this person's lockout"
        )
    overrides = {
        "top_lean_offset_deg": round(lean - config.top_lean_neutral_deg, 2),
        "hips_through_offset": round(through, 4),
    }
    measured = {"top_lean_back_deg": round(lean, 2), "top_hips_through": round(through, 4)}
    if np.isfinite(hip):
        measured["top_hip_flexion_deg"] = round(hip, 2)
    return Neutral(overrides=overrides, measured=measured)


assert {"top_lean_neutral_deg", "top_lean_offset_deg", "hips_through_offset"} <= {
    f.name for f in dataclasses.fields(SwingConfig)
}
