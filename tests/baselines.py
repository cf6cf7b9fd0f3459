"""Shared by the baseline tests: landmark files on disk and the engine's judgement with one."""

from __future__ import annotations

from pathlib import Path

from formcheck.engine.analyze import analyze_series
from formcheck.engine.baseline import apply_baseline
from formcheck.engine.options import make_options
from formcheck.exercises.base import ExerciseResult
from formcheck.features.frame_input import measure_frames
from formcheck.series.core import PoseSeries
from formcheck.series.smoothing import smooth_offline


def save_series(root: Path, made: dict[str, PoseSeries]) -> dict[str, Path]:
    """Each series saved as ``<root>/<name>.npz``: what ``--baseline`` and ``analyze`` read."""
    paths = {}
    for name, series in made.items():
        paths[name] = root / f"{name}.npz"
        series.save(paths[name])
    return paths


def judge(clip_path: Path, baseline: Path) -> ExerciseResult:
    """The clip's verdict as the engine gives it with ``baseline`` (exercise recognised)."""
    series = smooth_offline(PoseSeries.load(clip_path))
    measures = measure_frames(series)
    result = analyze_series(series, "auto", None, measures=measures)
    return apply_baseline(series, measures, result, make_options(baseline=str(baseline)))
