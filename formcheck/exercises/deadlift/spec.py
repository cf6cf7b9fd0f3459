"""The deadlift plug-in: barbell, trap bar, kettlebell, Romanian and sumo deadlifts."""

from dataclasses import replace

from formcheck.exercises.deadlift.baseline import deadlift_neutral
from formcheck.exercises.deadlift.config import DeadliftConfig
from formcheck.exercises.deadlift.recognition import RECOGNIZER
from formcheck.exercises.deadlift.session import DeadliftRule
from formcheck.exercises.generic_plots import HIP_FLEXION, KNEE_FLEXION
from formcheck.exercises.spec import (
    ExerciseSpec,
    FaultSpec,
    KeyAngle,
    Measure,
    PlotSpec,
    band,
    ref,
)
from formcheck.features.silhouette import back_profile_measure

PLOTS = (
    HIP_FLEXION,
    PlotSpec(
        "trunk_inclination",
        "Torso from vertical",
        "deg",
        "0 upright, 90 horizontal; reps run from the bottom (tipped) to lockout (upright)",
        refs=lambda c: ref(c.lockout_lean_deg, "lockout") + ref(c.hinge_lean_deg, "bottom"),
    ),
    replace(
        KNEE_FLEXION,
        faults=("squatting",),
        bands=lambda c: band(c.squat_knee_flexion_deg, True, "squat depth"),
    ),
    PlotSpec(
        "neck_flexion",
        "Head against the trunk",
        "deg",
        "+ head dropped toward the floor; with the back outline it shows a rounding back",
        faults=("rounded_back",),
        bands=lambda c: band(c.head_drop_threshold_deg, True, "head dropped"),
    ),
)

SPEC = ExerciseSpec(
    id="deadlift",
    neutral=deadlift_neutral,
    name="deadlift",
    title="Deadlift",
    badge="DEADLIFT",
    aliases=("dl", "deadlifts"),
    measure=Measure.REPS,
    key_moment="lockout",
    faults=(
        FaultSpec(
            "rounded_back",
            spoken="chest up, flat back",
            colour="#d55e00",
            manifest_label="roundedback",
            # The pull from the floor loads the back most.
            worst_signal="hip_flexion",
            worst_direction=1,
        ),
        FaultSpec(
            "squatting",
            spoken="hips back, don't squat",
            colour="#cc79a7",
            worst_signal="knee_flexion",
            worst_direction=1,
        ),
    ),
    # The hinge: hips fold, knees stay modestly bent, torso tips as one piece.
    key_angles=(
        KeyAngle("hip", "hip_flexion"),
        KeyAngle("knee", "knee_flexion"),
        KeyAngle("torso", "trunk_inclination"),
    ),
    plots=PLOTS,
    config_type=DeadliftConfig,
    order=10,
    rule_type=DeadliftRule,
    recognizer=RECOGNIZER,
    # The silhouette (segmentation mask) is the second, independent rounded-back signal.
    mask_measures={"back_profile": back_profile_measure},
    missing_extras={
        "back_profile": "These landmarks were saved without the person's silhouette, so the "
        "rounded-back check used the head position only and is less reliable: analyse the "
        "video itself."
    },
)
