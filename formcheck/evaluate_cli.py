"""`formcheck evaluate`: run the real pipeline over a labelled manifest and score it.

Each clip goes through the pose stage once; the landmarks are then judged twice: as the
manifest's exercise (for fault scores) and with ``auto`` (for recognition accuracy).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from formcheck.analysis import EXERCISES, analyze_series, load_rule_configs
from formcheck.evaluation import ClipOutcome, EvaluationReport, ManifestRow, evaluate_manifest
from formcheck.pipeline import PoseStageOptions, extract_pose_series
from formcheck.silhouette import back_profile_measure


def make_clip_analyzer(
    model: str | None = None, max_size: int | None = 960, configs: dict | None = None
):
    configs = configs or load_rule_configs()
    options = PoseStageOptions(model=model, max_size=max_size, with_masks=True)

    def analyze(path: Path, row: ManifestRow) -> ClipOutcome:
        started = time.perf_counter()
        series = extract_pose_series(
            path, options, measures={"back_profile": back_profile_measure}, progress=False
        )
        auto = analyze_series(series, "auto", configs)
        faults: list[str] = []
        if row.exercise in EXERCISES:
            given = auto if auto.exercise == row.exercise else analyze_series(
                series, row.exercise, configs
            )  # fmt: skip
            faults = sorted(given.fault_codes)
            assessable, reason = given.assessable, given.reason
        else:
            assessable, reason = auto.assessable, auto.reason
        return ClipOutcome(
            file=row.file,
            exercise=row.exercise,
            label=row.label,
            predicted_exercise=auto.exercise,
            fault_codes=faults,
            details={
                "frames": len(series),
                "detection_rate": round(series.detection_rate, 3),
                "assessable": assessable,
                "reason": reason,
                "seconds": round(time.perf_counter() - started, 2),
            },
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
) -> EvaluationReport:
    configs = load_rule_configs(config, strictness)
    show = sys.stderr.isatty() if progress is None else progress

    def report(done: int, total: int, outcome: ClipOutcome) -> None:
        if show:
            status = "error" if outcome.error else ",".join(outcome.fault_codes) or "no fault"
            print(f"[{done}/{total}] {outcome.file}: {status}", file=sys.stderr)

    return evaluate_manifest(manifest, make_clip_analyzer(model, max_size, configs), report)
