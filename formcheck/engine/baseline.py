"""The personal baseline in the clip path: one good hold or rep of the same person and camera.

``analyze_clip(..., baseline=PATH)`` (``--baseline`` on ``analyze`` and ``batch``) first judges
the clip as usual, then analyses the baseline clip (a video, photos or saved landmarks) and,
when it can serve, judges the clip again with the person's own neutral
(:mod:`formcheck.exercises.baseline`). A baseline that cannot serve never stops the analysis:
the verdict says why it was not used and is the standard one.

A baseline serves when it is judged (someone in view, long enough), shows the same exercise
(recognised on its own, so a mislabelled file is caught), was filmed from the same kind of
view, has no fault itself, and the plug-in reads a plausible neutral from it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from formcheck.engine.options import EngineOptions
from formcheck.errors import FormcheckError
from formcheck.exercises import registry
from formcheck.exercises.base import ExerciseResult
from formcheck.exercises.baseline import BaselineUnusable
from formcheck.features.view import View

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BaselineOutcome:
    """What became of a baseline: used (with the neutral it gave) or not (and why)."""

    source: str
    used: bool
    why: str  # used: what it measured, in words; not used: why it could not serve
    measured: dict[str, float] = field(default_factory=dict)
    overrides: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


VIEW_PHRASES = {
    View.SIDE: "from the side",
    View.SIDE_OBLIQUE: "between side and oblique",
    View.OBLIQUE: "at an angle",
    View.FRONT: "from the front",
}


def _same_view(a: str, b: str) -> bool:
    """Views that can share a neutral: equal, unknown, or one of them in the side-oblique
    band next to the other (a clip near the limit reads either way on another run)."""
    if View.UNKNOWN in (a, b) or a == b:
        return True
    band = {View.SIDE, View.SIDE_OBLIQUE, View.OBLIQUE}
    return View.SIDE_OBLIQUE in (a, b) and {a, b} <= band


def _refused(source: str, why: str) -> BaselineOutcome:
    return BaselineOutcome(source=source, used=False, why=why)


def personal_configs(
    source: str | os.PathLike, target: ExerciseResult, options: EngineOptions
) -> tuple[dict[str, Any] | None, BaselineOutcome]:
    """The rule configs with the person's neutral from ``source``, for judging ``target``'s
    clip again; None (and the reason in the outcome) when the baseline cannot serve."""
    name = os.fspath(source)
    spec = registry.find(target.exercise)
    if spec is None or not target.assessable:
        return None, _refused(name, "cannot serve: the clip itself could not be judged")
    if spec.neutral is None:
        return None, _refused(
            name, f"cannot serve: formcheck has no personal baseline for the {spec.name} yet"
        )
    # The baseline is its own file: its whole length, at the default rate (a --fps given for
    # the clip may be above the baseline's own rate).
    base_options = dataclasses.replace(
        options, exercise=registry.AUTO, baseline=None, start_s=None, end_s=None, fps=None
    )
    try:
        base, base_measures = _judge_baseline(name, base_options)
    except FormcheckError as exc:
        return None, _refused(name, f"could not be read: {exc.problem.rstrip('.')}")
    if not base.assessable:
        return None, _refused(name, f"was not judged: {base.reason}")
    if base.exercise != spec.id:
        other = registry.find(base.exercise)
        shown = other.name if other is not None else "another movement"
        return None, _refused(name, f"shows a {shown}, not a {spec.name}: record the same exercise")
    seen = base.view.view if base.view is not None else View.UNKNOWN
    wanted = target.view.view if target.view is not None else View.UNKNOWN
    if not _same_view(seen, wanted):
        return None, _refused(
            name,
            f"was filmed {VIEW_PHRASES.get(seen, seen)} while the clip is "
            f"{VIEW_PHRASES.get(wanted, wanted)}: film the baseline with the same camera set-up",
        )
    if base.faults:
        faults = ", ".join(sorted(base.fault_codes)).replace("_", " ")
        what = "rep" if spec.counts_reps else "hold"
        return None, _refused(
            name, f"shows a fault itself ({faults}): record one {what} of good form"
        )
    configs = registry.complete_configs(options.configs)
    try:
        neutral = spec.neutral(base, base_measures, configs[spec.id])
    except BaselineUnusable as exc:
        return None, _refused(name, str(exc))
    personal = dict(configs)
    personal[spec.id] = neutral.apply(configs[spec.id])
    shown = ", ".join(f"{k} {v:g}" for k, v in neutral.measured.items())
    outcome = BaselineOutcome(
        source=name,
        used=True,
        why=f"judged against this person's own neutral ({shown})",
        measured=dict(neutral.measured),
        overrides=dict(neutral.overrides),
    )
    return personal, outcome


def _judge_baseline(source: str, options: EngineOptions):
    """The baseline's own verdict (exercise recognised on its own) and its frame measures:
    saved landmarks (.npz) are judged as they were saved, like ``formcheck analyze`` does."""
    if source.endswith(".npz"):
        from formcheck.engine.analyze import analyze_series
        from formcheck.features.frame_input import measure_frames
        from formcheck.series.core import PoseSeries

        series = PoseSeries.load(source)
        measures = measure_frames(series)
        return analyze_series(
            series, options.exercise, options.configs, measures=measures
        ), measures
    from formcheck.engine.clip import analyze_clip

    analysis = analyze_clip(source, options)
    return analysis.result, analysis.measures


def apply_baseline(series, measures, result: ExerciseResult, options: EngineOptions):
    """``result`` judged again against the person's own neutral from ``options.baseline``, or
    as it is with the reason the baseline could not serve (logged, and in the advice)."""
    from formcheck.engine.analyze import analyze_series

    configs, outcome = personal_configs(options.baseline, result, options)
    if configs is not None:
        first = result
        result = analyze_series(series, first.exercise, configs, measures=measures)
        result.recognition = first.recognition
        # What recognition said about the clip (e.g. "Not sure this is ...") still holds.
        unsure = [a for a in first.summary.advice if a.startswith("Not sure")]
        result.summary.advice[:0] = [a for a in unsure if a not in result.summary.advice]
    else:
        log.warning(f"baseline {outcome.source} not used: it {outcome.why}.")
        result.summary.advice.append(
            f"The baseline was not used: it {outcome.why}. Judged against the usual limits."
        )
    result.baseline = outcome.to_dict()
    return result
