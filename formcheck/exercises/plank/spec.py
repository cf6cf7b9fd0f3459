"""The plank plug-in: forearm or high plank, on the toes or on the knees."""

import numpy as np

from formcheck.exercises.plank.baseline import plank_neutral
from formcheck.exercises.plank.config import PlankConfig
from formcheck.exercises.plank.recognition import RECOGNIZER
from formcheck.exercises.plank.session import PlankRule, hip_line_consensus
from formcheck.exercises.spec import ExerciseSpec, FaultSpec, KeyAngle, Measure, PlotSpec, band


def hip_bend(features) -> np.ndarray:
    """Signed bend at the hip the hip faults read, as measured (before the model's offset):
    + hips posterior (piked), - sagging. The shoulder-hip-ankle line's bend, or where the
    knee is seen the bend it and the shoulder-hip-knee line agree on (bent knees are not a
    hip fault; :func:`~formcheck.exercises.plank.session.hip_line_consensus`), around the
    default offset."""
    values = features.values
    offset = PlankConfig().hip_bend_offset_deg
    with np.errstate(invalid="ignore"):
        body = values["body_line_angle"] * np.sign(values["hip_line_offset"])
        knee = values["hip_flexion"] * np.sign(values["hip_line_offset_knee"])
    return hip_line_consensus(body - offset, knee - offset) + offset


PLOTS = (
    PlotSpec(
        "hip_bend",
        "Hip bend (shoulder-hip-ankle and -knee lines)",
        "deg",
        "0 straight; - hips sagging below the line, + hips piked above it "
        "(the model reads a straight body a few degrees piked)",
        faults=("hips_sagging", "hips_piked"),
        bands=lambda c: (
            band(c.hip_bend_offset_deg - c.hip_sag_deg, False, "sagging")
            + band(c.hip_bend_offset_deg + c.hip_pike_deg, True, "piked")
        ),
        derive=hip_bend,
    ),
    PlotSpec(
        "head_pitch",
        "Head (face against the trunk)",
        "deg",
        "the main neck check; + head hanging, - craned up (the model reads a neutral head a "
        "few degrees +)",
        faults=("neck_not_neutral",),
        bands=lambda c: (
            band(c.head_pitch_offset_deg + c.head_hang_max_deg, True, "hanging")
            + band(c.head_pitch_offset_deg - c.head_crane_max_deg, False, "craned")
        ),
    ),
    PlotSpec(
        "neck_flexion",
        "Neck line (shoulder to ear)",
        "deg",
        "~0 neutral; + head hanging, - craned up; flags a whole neck out of line",
        faults=("neck_not_neutral",),
        bands=lambda c: (
            band(c.neck_max_deg, True, "hanging") + band(-c.neck_max_deg, False, "craned")
        ),
    ),
    PlotSpec(
        "upper_arm_from_vertical",
        "Upper arm from vertical",
        "deg",
        "0 elbows directly under the shoulders",
        faults=("elbows_not_under_shoulders",),
        bands=lambda c: (
            band(c.elbow_max_deg, True, "elbows off") + band(-c.elbow_max_deg, False, "elbows off")
        ),
    ),
)

SPEC = ExerciseSpec(
    id="plank",
    neutral=plank_neutral,
    name="plank",
    title="Plank",
    badge="PLANK",
    aliases=("planks",),
    measure=Measure.HOLD,
    faults=(
        FaultSpec(
            "hips_sagging",
            spoken="hips up",
            colour="#d55e00",
            manifest_label="sagging",
            worst_signal="hip_bend",
            worst_direction=-1,
        ),
        FaultSpec(
            "hips_piked",
            spoken="hips down",
            colour="#e69f00",
            manifest_label="piked",
            worst_signal="hip_bend",
            worst_direction=1,
        ),
        FaultSpec(
            "neck_not_neutral",
            spoken="neck neutral, look down",
            colour="#cc79a7",
            worst_signal="head_pitch",
            worst_direction=0,
            # Raised mostly by the neck line (or the nose), not the head pitch: look at that.
            alt_worst_signal="neck_flexion",
            worst_share_key="neck_head_pitch_share",
            worst_share_min=0.5,
        ),
        FaultSpec(
            "elbows_not_under_shoulders",
            spoken="elbows under your shoulders",
            colour="#0072b2",
            worst_signal="upper_arm_from_vertical",
            worst_direction=0,
        ),
    ),
    # One straight line (0 = straight), a neutral neck, elbows under the shoulders.
    key_angles=(
        KeyAngle("body line", "body_line_angle"),
        KeyAngle("neck", "neck_flexion"),
        KeyAngle("upper arm", "upper_arm_from_vertical"),
    ),
    plots=PLOTS,
    config_type=PlankConfig,
    order=20,
    rule_type=PlankRule,
    recognizer=RECOGNIZER,
    # A plank is a posture: one photo shows it (judged as a short motionless hold).
    judges_stills=True,
)
