"""The kettlebell-swing plug-in: the Russian (two-handed, to chest height) swing."""

from formcheck.exercises.kbswing.baseline import swing_neutral
from formcheck.exercises.kbswing.config import SwingConfig
from formcheck.exercises.kbswing.recognition import RECOGNIZER
from formcheck.exercises.kbswing.session import KettlebellSwingRule
from formcheck.exercises.spec import (
    ExerciseSpec,
    FaultSpec,
    KeyAngle,
    Measure,
    PlotSpec,
    band,
    ref,
)

PLOTS = (
    PlotSpec(
        "hip_flexion",
        "Hip flexion",
        "deg",
        "0 hips fully extended at the top, ~90 deep in the backswing",
        refs=lambda c: ref(c.top_deg, "top") + ref(c.hinge_deg, "hinge"),
    ),
    PlotSpec(
        "trunk_lean",
        "Trunk lean",
        "deg",
        "+ bent forward, 0 vertical, - leaning back",
        faults=("leaning_back",),
        bands=lambda c: band(-c.lean_back_deg, False, "leaning back"),
    ),
    PlotSpec(
        "ankle_above_toe",
        "Ankle above the toes",
        "",
        "ankle height over the toe point, in torso lengths; it rises with the heels. No fixed "
        "band: the rule compares each backswing with the lifter's own flat-footed tops, "
        "together with the heel, the ankle's rise and the hips over the ankles",
        faults=("on_toes",),
    ),
    PlotSpec(
        "wrist_height",
        "Wrist height",
        "",
        "wrists above (+) or below (-) the shoulders, in torso lengths",
        faults=("arms_lifting",),
        bands=lambda c: band(c.wrist_above_shoulder, True, "arms lifting"),
    ),
    PlotSpec(
        "knee_flexion",
        "Knee flexion",
        "deg",
        "0 straight leg; a squat bends the knees as much as the hips",
        faults=("squatting",),
    ),
)

SPEC = ExerciseSpec(
    id="kbswing",
    name="kettlebell swing",
    short_name="swing",
    title="Kettlebell swing",
    badge="KB SWING",
    aliases=("swing", "kettlebell", "kb", "kbswings", "kettlebell swings"),
    measure=Measure.REPS,
    key_moment="top",
    faults=(
        FaultSpec(
            "leaning_back",
            spoken="stand tall, don't lean back",
            colour="#d55e00",
            manifest_label="leanback",
            worst_signal="trunk_lean",
            worst_direction=-1,
        ),
        FaultSpec(
            "on_toes",
            spoken="weight in your heels",
            colour="#e69f00",
            manifest_label="toes",
            worst_signal="ankle_above_toe",
            worst_direction=1,
        ),
        FaultSpec(
            "arms_lifting",
            spoken="drive with the hips, arms relaxed",
            colour="#0072b2",
            manifest_label="armlift",
            worst_signal="wrist_height",
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
    # Hip snap to full extension; the torso must stop at vertical (negative = leaning back).
    key_angles=(
        KeyAngle("hip", "hip_flexion"),
        KeyAngle("knee", "knee_flexion"),
        KeyAngle("trunk lean", "trunk_lean"),
    ),
    plots=PLOTS,
    config_type=SwingConfig,
    order=30,
    rule_type=KettlebellSwingRule,
    recognizer=RECOGNIZER,
    neutral=swing_neutral,
)
