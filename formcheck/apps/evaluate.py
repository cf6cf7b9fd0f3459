"""`formcheck evaluate`: run the real pipeline over a labelled manifest and score it.

Each clip goes through the pose stage once (or is read from the landmark cache, as in
``formcheck batch``); the landmarks are then judged twice: with ``auto`` (for recognition
accuracy) and, when recognition chose another exercise, as the manifest's (for fault scores).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from formcheck.apps.evaluation import ClipOutcome, EvaluationReport, ManifestRow, evaluate_manifest
from formcheck.engine.analyze import analyze_series, load_rule_configs
from formcheck.exercises import registry

log = logging.getLogger(__name__)


def make_clip_analyzer(
    model: str | None = None,
    max_size: int | None = 960,
    configs: dict | None = None,
    *,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    fps: float | str | None = None,
    chunks: int | None = None,
):
    """A manifest-row analyser built on batch scoring's clip path.

    The pose stage, the landmark cache and the error handling are batch scoring's
    (:func:`formcheck.apps.batch.score_clip`), so a clip is judged exactly as ``formcheck batch``
    judges it, and re-evaluating after a threshold change reads the cached landmarks instead
    of running the model again.
    """
    from formcheck.apps.batch import make_options, score_clip_with

    options = make_options(
        exercise="auto",
        model=model,
        max_size=max_size,
        configs=configs or load_rule_configs(),
        cache_dir=cache_dir,
        use_cache=use_cache,
        keep_series=True,
        fps=fps,
        chunks=chunks,
    )

    shown: set[str] = set()

    def analyze(path: Path, row: ManifestRow) -> ClipOutcome:
        report = score_clip_with(path, options)
        for message in report.warnings:
            if message not in shown:  # e.g. an unwritable cache: the same text for every clip
                shown.add(message)
                log.warning(f"warning: {message}")
        details = {
            "frames": report.frames,
            "detection_rate": (
                None if report.detection_rate is None else round(report.detection_rate, 3)
            ),
            "cache_hit": report.cache_hit,
            "seconds": round(report.seconds, 2),
        }
        if report.status == "error" or report.result is None or report.series is None:
            return ClipOutcome(
                row.file,
                row.exercise,
                row.label,
                predicted_exercise=None,
                error=report.error or "not scored",
                details=details,
            )
        auto = report.result
        faults: list[str] = []
        judged = auto
        if registry.find(row.exercise) is not None:
            # Faults are scored as the manifest's exercise, so a recognition miss is not
            # also counted as a fault miss.
            if auto.exercise != row.exercise:
                judged = analyze_series(report.series, row.exercise, options.configs)
            faults = sorted(judged.fault_codes)
        details.update(assessable=judged.assessable, reason=judged.reason)
        return ClipOutcome(
            row.file,
            row.exercise,
            row.label,
            predicted_exercise=auto.exercise,
            fault_codes=faults,
            details=details,
        )

    return analyze


def run_evaluation(
    manifest: str | Path,
    *,
    model: str | None = None,
    max_size: int | None = 960,
    strictness: str | None = None,
    config: str | None = None,
    progress: bool | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    fps: float | str | None = None,
    chunks: int | None = None,
) -> EvaluationReport:
    configs = load_rule_configs(config, strictness)
    show = sys.stderr.isatty() if progress is None else progress

    def report(done: int, total: int, outcome: ClipOutcome) -> None:
        if show:
            status = "error" if outcome.error else ",".join(outcome.fault_codes) or "no fault"
            print(f"[{done}/{total}] {outcome.file}: {status}", file=sys.stderr)

    analyzer = make_clip_analyzer(
        model, max_size, configs, cache_dir=cache_dir, use_cache=use_cache, fps=fps, chunks=chunks
    )
    return evaluate_manifest(manifest, analyzer, report)
