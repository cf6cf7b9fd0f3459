"""Plot specs of signals that mean the same in any exercise: the hinge and the knee bend.

An exercise's spec may list them as they are, or with its own fault zones added
(``dataclasses.replace(KNEE_FLEXION, faults=..., bands=...)``); the report plots
:data:`GENERIC_PLOTS` when the exercise is not known (auto, other), as they show most movements.
"""

from __future__ import annotations

from formcheck.exercises.spec import PlotSpec

HIP_FLEXION = PlotSpec(
    "hip_flexion",
    "Hip flexion",
    "deg",
    "0 standing tall, ~90 torso folded to the thighs: the hinge",
)
KNEE_FLEXION = PlotSpec(
    "knee_flexion",
    "Knee flexion",
    "deg",
    "0 straight leg; a squatted pull bends the knees a lot with the torso upright",
)
GENERIC_PLOTS = (HIP_FLEXION, KNEE_FLEXION)
