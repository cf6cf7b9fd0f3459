"""From a landmark series to a verdict: ``analyze_series``, behind every app.

The clip path (:func:`formcheck.engine.clip.analyze_clip`: source -> pose stage -> series ->
smoothing) ends here, and so do re-scored landmarks, batch scoring and the live loop's
recogniser, so a rep is judged the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from formcheck.exercises import registry
from formcheck.exercises.base import ExerciseResult, SetSummary
from formcheck.exercises.config import load_configs
from formcheck.features.frame_input import FrameMeasures, measure_frames
from formcheck.features.view import judged_views
from formcheck.series.core import PoseSeries

MIN_DETECTION_RATE = 0.3


def join_words(words: Sequence[str], last: str = "or") -> str:
    """``"a, b or c"``: words for a sentence (``last="and"`` for ``"a, b and c"``)."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def load_rule_configs(path: str | Path | None = None, strictness: str | None = None) -> dict:
    """Exercise id -> its typed config: the preset of ``strictness``, then the TOML overrides."""
    return load_configs(registry.config_types(), path, strictness)


def _not_assessable(exercise: str, reason: str, series: PoseSeries) -> ExerciseResult:
    return ExerciseResult(
        exercise=exercise,
        assessable=False,
        reason=reason,
        summary=SetSummary(duration_s=series.duration_s),
    )


def analyze_series(
    series: PoseSeries,
    exercise: str = "auto",
    configs: dict[str, Any] | None = None,
    *,
    measures: FrameMeasures | None = None,
) -> ExerciseResult:
    """Judge a (smoothed) landmark series as ``exercise`` or, with ``auto``, what it looks like.

    The series is measured once (:func:`~formcheck.features.frame_input.measure_frames`: the
    features, body parts and per-frame view check), and recognition, the view assessment and
    the rule all read those measures; pass ``measures`` when the caller has them already (the
    clip path keeps them for the outputs).
    """
    exercise = registry.normalise(exercise)
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
    if measures is None:
        measures = measure_frames(series)
    elif measures.series is not series:
        raise ValueError("measures must be of the series being analysed")
    recognition = None
    if exercise == registry.AUTO:
        from formcheck.engine.recognize import recognize_exercise

        recognition = recognize_exercise(series, measures=measures)
        if registry.find(recognition.exercise) is None:
            names = join_words([s.name for s in registry.all_specs()])
            result = _not_assessable(
                registry.OTHER,
                f"this does not look like a {names} "
                f"({recognition.reason}); choose one with --exercise if it is",
                series,
            )
            result.recognition = dict(recognition.scores)
            return result
        exercise = recognition.exercise
    spec = registry.get(exercise)
    configs = registry.complete_configs(configs)
    still = len(series) == 1
    if still and not spec.judges_stills:
        result = _not_assessable(
            exercise,
            f"a photo shows one moment: reps and {spec.name} faults need a video of the movement",
            series,
        )
        if recognition is not None:
            result.recognition = dict(recognition.scores)
        return result
    if still:
        # The rule judges a repeated frame: a new series, so measured anew (a photo's one row
        # repeated, cheap).
        judged = _still_as_hold(series)
        measures = measure_frames(judged)
    else:
        judged = series
    # A clip between side and oblique is judged with the checks valid for both views, so a
    # clip at the limit gets the same verdict on every CPU (formcheck.features.view).
    banded = judged_views(measures.views, measures.view.view)
    if banded is not measures.views:
        measures = replace(measures, views=banded)
    result = spec.make_rule(configs[exercise]).evaluate(judged, measures=measures)
    if still:
        # The repeated frame has no real time axis: keep the posture verdict, drop the timing.
        result.faults = [replace(f, start_ms=0.0, end_ms=0.0) for f in result.faults]
        result.notes = [replace(f, start_ms=0.0, end_ms=0.0) for f in result.notes]
        result.events = []
        keep = [a for a in result.summary.advice if a.startswith("Not sure")]
        result.summary = SetSummary(
            duration_s=0.0,
            advice=[*keep, "Judged from a single photo: the posture only, with no hold time."],
        )
    # Measures the exercise reads beyond the landmarks (e.g. the silhouette), when missing.
    for extra, advice in spec.missing_extras.items():
        if extra not in series.extras:
            result.summary.advice.append(advice)
    if recognition is not None:
        result.recognition = dict(recognition.scores)
        if not recognition.sure:
            result.summary.advice.insert(
                0,
                f"Not sure this is a {spec.name} "
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
