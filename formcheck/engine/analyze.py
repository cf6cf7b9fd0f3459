"""The one engine behind the CLI, the notebook API and batch scoring.

``analyze_clip`` runs the pose stage (with the silhouette measurement rounded-back checks need)
and ``analyze_series`` judges a landmark series, so a rep is judged the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.errors import ConfigError
from formcheck.exercises.base import ExerciseResult, SetSummary
from formcheck.exercises.config import load_configs
from formcheck.series.core import PoseSeries

EXERCISES = ("deadlift", "plank", "kbswing")
EXERCISE_CHOICES = ("auto", *EXERCISES)
EXERCISE_NAMES = {"deadlift": "deadlift", "plank": "plank", "kbswing": "kettlebell swing"}
# Aliases people type.
ALIASES = {"swing": "kbswing", "kettlebell": "kbswing", "kb": "kbswing", "dl": "deadlift"}

MIN_DETECTION_RATE = 0.3


def rule_classes() -> dict[str, tuple[type, type]]:
    """exercise -> (rule class, config class)."""
    from formcheck.exercises.deadlift.session import DeadliftConfig, DeadliftRule
    from formcheck.exercises.kbswing.session import KettlebellSwingRule, SwingConfig
    from formcheck.exercises.plank.session import PlankConfig, PlankRule

    return {
        "deadlift": (DeadliftRule, DeadliftConfig),
        "plank": (PlankRule, PlankConfig),
        "kbswing": (KettlebellSwingRule, SwingConfig),
    }


def load_rule_configs(path: str | Path | None = None, strictness: str | None = None) -> dict:
    return load_configs({k: v[1] for k, v in rule_classes().items()}, path, strictness)


def normalise_exercise(name: str) -> str:
    key = name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    key = ALIASES.get(key, key)
    if key not in EXERCISE_CHOICES:
        raise ConfigError(
            f"Unknown exercise {name!r}.", f"Choose one of: {', '.join(EXERCISE_CHOICES)}."
        )
    return key


def needs_masks(exercise: str) -> bool:
    """Whether to ask the model for segmentation masks for ``exercise`` (a normalised name).

    Masks cost the model about 13% and feed only the deadlift's silhouette check; with
    "auto" the clip may turn out to be a deadlift, so they stay on.
    """
    return exercise in ("deadlift", "auto")


def _not_assessable(exercise: str, reason: str, series: PoseSeries) -> ExerciseResult:
    return ExerciseResult(
        exercise=exercise,
        assessable=False,
        reason=reason,
        summary=SetSummary(duration_s=series.duration_s),
    )


def analyze_series(
    series: PoseSeries, exercise: str = "auto", configs: dict[str, Any] | None = None
) -> ExerciseResult:
    """Judge a (smoothed) landmark series as ``exercise`` or, with ``auto``, what it looks like."""
    exercise = normalise_exercise(exercise)
    if len(series) == 0:
        return _not_assessable(exercise, "the video has no frames", series)
    if series.detection_rate == 0:
        return _not_assessable(
            exercise,
            "nobody was found in the video: check the person is in view, lit and not too small",
            series,
        )
    if series.detection_rate < MIN_DETECTION_RATE:
        return _not_assessable(
            exercise,
            f"the person was found in only {series.detection_rate:.0%} of frames: film with the "
            "whole body in view and good light",
            series,
        )
    recognition = None
    if exercise == "auto":
        from formcheck.engine.recognize import recognize_exercise

        recognition = recognize_exercise(series)
        if recognition.exercise not in EXERCISES:
            result = _not_assessable(
                "other",
                "this does not look like a deadlift, plank or kettlebell swing "
                f"({recognition.reason}); choose one with --exercise if it is",
                series,
            )
            result.recognition = dict(recognition.scores)
            return result
        exercise = recognition.exercise
    configs = configs or load_rule_configs()
    rule_cls, _ = rule_classes()[exercise]
    still = len(series) == 1
    if still and exercise != "plank":
        result = _not_assessable(
            exercise,
            f"a photo shows one moment: reps and {EXERCISE_NAMES[exercise]} faults such as a "
            "rounding back need a video of the movement",
            series,
        )
        if recognition is not None:
            result.recognition = dict(recognition.scores)
        return result
    judged = _still_as_hold(series) if still else series
    result = rule_cls(configs[exercise]).evaluate(judged)
    if still:
        # The repeated frame has no real time axis: keep the posture verdict, drop the timing.
        from dataclasses import replace

        result.faults = [replace(f, start_ms=0.0, end_ms=0.0) for f in result.faults]
        result.events = []
        keep = [a for a in result.summary.advice if a.startswith("Not sure")]
        result.summary = SetSummary(
            duration_s=0.0,
            advice=[*keep, "Judged from a single photo: the posture only, with no hold time."],
        )
    if exercise == "deadlift" and "back_profile" not in series.extras:
        result.summary.advice.append(
            "These landmarks were saved without the person's silhouette, so the rounded-back "
            "check used the head position only and is less reliable: analyse the video itself."
        )
    if recognition is not None:
        result.recognition = dict(recognition.scores)
        if not recognition.sure:
            result.summary.advice.insert(
                0,
                f"Not sure this is a {EXERCISE_NAMES[exercise]} "
                f"({recognition.confidence:.0%} confident: {recognition.reason}); "
                "pass --exercise to be explicit.",
            )
    return result


def _still_as_hold(series: PoseSeries, seconds: float = 3.0) -> PoseSeries:
    """A photo repeated as a short motionless clip, so hold-based rules can judge its posture."""
    import numpy as np

    fps = 30.0
    count = int(seconds * fps)
    repeat = lambda a: np.repeat(np.asarray(a)[:1], count, axis=0)  # noqa: E731
    return PoseSeries(
        time_ms=np.arange(count) * (1000.0 / fps),
        image=repeat(series.image),
        world=repeat(series.world),
        visibility=repeat(series.visibility),
        presence=repeat(series.presence),
        num_people=repeat(series.num_people),
        source=series.source,
        model=series.model,
        smoothing=series.smoothing,
        extras={k: repeat(v) for k, v in series.extras.items()},
    )


@dataclass
class ClipAnalysis:
    series: PoseSeries
    result: ExerciseResult


def analyze_clip(
    spec,
    exercise: str = "auto",
    *,
    pose_options=None,
    configs: dict[str, Any] | None = None,
    estimator=None,
    progress: bool | None = None,
) -> ClipAnalysis:
    """Pose stage plus rules for one video, image, folder or camera."""
    from formcheck.features.silhouette import back_profile_measure
    from formcheck.pose.stage import PoseStageOptions, extract_pose_series

    pose_options = pose_options or PoseStageOptions(with_masks=True)
    measures = {"back_profile": back_profile_measure} if pose_options.with_masks else None
    series = extract_pose_series(
        spec, pose_options, estimator=estimator, measures=measures, progress=progress
    )
    return ClipAnalysis(series=series, result=analyze_series(series, exercise, configs))
