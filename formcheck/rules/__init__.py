"""Exercise rules: deadlift, plank and kettlebell swing checks on landmark series."""

from formcheck.rules.core import (
    DISCLAIMER,
    Event,
    ExerciseResult,
    ExerciseRule,
    Fault,
    FrameInput,
    Rep,
    RuleSession,
    SetSummary,
    frames_from_series,
)

__all__ = [
    "DISCLAIMER",
    "Event",
    "ExerciseResult",
    "ExerciseRule",
    "Fault",
    "FrameInput",
    "Rep",
    "RuleSession",
    "SetSummary",
    "frames_from_series",
]
