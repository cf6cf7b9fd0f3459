"""Per-frame plank verdicts on labelled keypoint tables, against their labels.

    python benchmarks/plank_keypoints.py ../shared/data/keypoints/plank_*.csv
    python benchmarks/plank_keypoints.py --frame-size 1280x720 FILE.csv

Each row of a table is an independent labelled pose (no time axis), so each is judged on its
own by :func:`formcheck.exercises.plank.session.classify_plank_frames`, the per-frame logic the plank
session itself runs (not a copy). Verdicts map to the table's classes:

* C/H/L files: ``H`` if ``hips_piked`` is flagged, ``L`` if ``hips_sagging``, else ``C``
  (a frame the rule does not judge, e.g. not recognised as a plank, says "no fault": ``C``;
  how many there were is reported per class as ``not_judged``).
* 0/1 files: ``bad`` if any plank fault is flagged, else ``good``. Their "bad" includes fault
  types the rule may not flag (the source does not say which), so they are reported
  separately, never pooled with the C/H/L figures.

Prints JSON: per file and pooled over the C/H/L files, accuracy, per-class precision, recall
and F1, macro-F1, the confusion matrix, and the frame-size check from the body's proportions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.apps.heldout import class_scores  # noqa: E402
from formcheck.datasets.plank_tables import (  # noqa: E402
    DEFAULT_FRAME_SIZE,
    estimate_aspect,
    read_plank_table,
)
from formcheck.errors import FormcheckError  # noqa: E402
from formcheck.exercises.plank.session import FAULT_CODES, PlankConfig, classify_series_frames  # noqa: E402

HIP_CLASSES = ("C", "H", "L")
BINARY_CLASSES = ("good", "bad")


def evaluate_file(path: Path, config: PlankConfig, frame_size: tuple[int, int]) -> dict:
    table = read_plank_table(path, frame_size=frame_size)
    verdicts = classify_series_frames(table.series, config)
    if table.kind == "hip":
        pred = verdicts.hip_class()
        classes = HIP_CLASSES
    else:
        any_fault = np.logical_or.reduce([verdicts.flags[c] for c in FAULT_CODES])
        pred = np.where(any_fault, "bad", "good")
        classes = BINARY_CLASSES
    out = class_scores(table.labels, pred, classes)
    out["file"] = path.name
    out["kind"] = table.kind
    out["not_judged"] = {
        c: int(np.sum((table.labels == c) & ~verdicts.judged["hips_sagging"])) for c in classes
    }
    out["not_in_position"] = int(np.sum(~verdicts.in_position))
    if table.kind == "binary":
        out["faults_flagged"] = {
            lab: {c: int(np.sum(verdicts.flags[c] & (table.labels == lab))) for c in FAULT_CODES}
            for lab in BINARY_CLASSES
        }
    aspect = estimate_aspect(table.series)
    finite = aspect[np.isfinite(aspect)]
    out["aspect_check"] = {
        "assumed_w_over_h": round(frame_size[0] / frame_size[1], 3),
        "estimated_median": round(float(np.median(finite)), 3) if finite.size else None,
        "frames_used": int(finite.size),
    }
    out["_truth"], out["_pred"] = table.labels, pred
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="+", type=Path, help="plank keypoint tables")
    parser.add_argument(
        "--frame-size",
        default=f"{DEFAULT_FRAME_SIZE[0]}x{DEFAULT_FRAME_SIZE[1]}",
        help="nominal frame size WxH the normalised coordinates are scaled by",
    )
    parser.add_argument("--strictness", default="standard", help="relaxed|standard|strict")
    args = parser.parse_args(argv)
    try:
        from formcheck.exercises.config import preset

        config = preset(PlankConfig, args.strictness)
        width, height = (int(v) for v in args.frame_size.lower().split("x"))
        files = [evaluate_file(p, config, (width, height)) for p in args.csv]
    except (FormcheckError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    hip = [f for f in files if f["kind"] == "hip"]
    report: dict = {"frame_size": [width, height], "strictness": args.strictness}
    if hip:
        truth = np.concatenate([f["_truth"] for f in hip])
        pred = np.concatenate([f["_pred"] for f in hip])
        report["hip_files_pooled"] = class_scores(truth, pred, HIP_CLASSES)
    for f in files:
        del f["_truth"], f["_pred"]
    report["files"] = files
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
