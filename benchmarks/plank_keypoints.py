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
These use the shipped limits, which were placed with these tables in view: **in-sample**.

``--heldout`` adds the leave-one-source-out estimate (files are grouped by source, the word
after ``plank_`` in the name): for each source, the hip limits are placed on the other sources
alone by :func:`formcheck.exercises.plank.tuning.place_hip_limits` and that source's files are
scored with them, beside its in-sample figures; and the same rule's placement on all sources
pooled (``all_sources_placement``), which is what PlankConfig ships.
Frames of one video are not independent and the tables carry no video id, so no interval is
given: the per-source spread is the honest uncertainty.
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
from formcheck.exercises.plank.tuning import place_hip_limits  # noqa: E402

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


def source_of(path: Path) -> str:
    """The source a table comes from: ``plank_<source>_...csv``."""
    parts = path.stem.split("_")
    return parts[1] if len(parts) > 2 and parts[0] == "plank" else path.stem


# Which labelled hip bends train which side of the limits. Binary "bad" frames say not which
# fault they show, so they train nothing (the good frames of that source still do).
TRAIN_ROLE = {"C": "good", "L": "sagging", "H": "piked", "good": "good"}


def hip_bends(path: Path, config: PlankConfig, frame_size: tuple[int, int]) -> dict[str, list]:
    table = read_plank_table(path, frame_size=frame_size)
    verdicts = classify_series_frames(table.series, config)
    out: dict[str, list] = {"good": [], "sagging": [], "piked": []}
    for label, role in TRAIN_ROLE.items():
        mask = (table.labels == label) & verdicts.in_position
        out[role].extend(verdicts.hip_bend_deg[mask].tolist())
    return out


def heldout(paths: list[Path], config: PlankConfig, frame_size: tuple[int, int]) -> dict:
    """Leave one source out: limits placed on the other sources, scored on this one."""
    sources = sorted({source_of(p) for p in paths})
    if len(sources) < 2:
        return {"error": "leave-one-source-out needs tables of at least two sources"}
    bends = {p: hip_bends(p, config, frame_size) for p in paths}
    # The same rule on every source pooled: what PlankConfig ships (its figures are in-sample).
    pooled_all = {role: sum((bends[p][role] for p in paths), []) for role in TRAIN_ROLE.values()}
    placed_all = place_hip_limits(
        pooled_all["good"], pooled_all["sagging"], pooled_all["piked"], config.hip_bend_offset_deg
    )
    out: dict = {
        "all_sources_placement": {
            "hip_sag_deg": placed_all.sag_deg,
            "hip_pike_deg": placed_all.pike_deg,
        }
    }
    for source in sources:
        train = [p for p in paths if source_of(p) != source]
        pooled = {role: sum((bends[p][role] for p in train), []) for role in TRAIN_ROLE.values()}
        limits = place_hip_limits(
            pooled["good"], pooled["sagging"], pooled["piked"], config.hip_bend_offset_deg
        )
        fitted = limits.apply(config)
        tested = [p for p in paths if source_of(p) == source]
        held = [evaluate_file(p, fitted, frame_size) for p in tested]
        shipped = [evaluate_file(p, config, frame_size) for p in tested]
        entry: dict = {
            "trained_on": sorted({source_of(p) for p in train}),
            "limits_placed": {"hip_sag_deg": limits.sag_deg, "hip_pike_deg": limits.pike_deg},
            "shipped_limits": {
                "hip_sag_deg": config.hip_sag_deg,
                "hip_pike_deg": config.hip_pike_deg,
            },
        }
        for kind, classes in (("hip", HIP_CLASSES), ("binary", BINARY_CLASSES)):
            h = [f for f in held if f["kind"] == kind]
            s = [f for f in shipped if f["kind"] == kind]
            if not h:
                continue
            truth = np.concatenate([f["_truth"] for f in h])
            entry[kind] = {
                "frames": int(truth.size),
                "heldout_macro_f1": class_scores(
                    truth, np.concatenate([f["_pred"] for f in h]), classes
                )["macro_f1"],
                "in_sample_macro_f1": class_scores(
                    truth, np.concatenate([f["_pred"] for f in s]), classes
                )["macro_f1"],
                "heldout_good_frames_flagged": _good_flagged(h, classes[0]),
                "in_sample_good_frames_flagged": _good_flagged(s, classes[0]),
            }
        out[source] = entry
    return out


def _good_flagged(files: list[dict], good: str) -> float | None:
    truth = np.concatenate([f["_truth"] for f in files])
    pred = np.concatenate([f["_pred"] for f in files])
    n = int(np.sum(truth == good))
    return round(float(np.sum((truth == good) & (pred != good)) / n), 4) if n else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="+", type=Path, help="plank keypoint tables")
    parser.add_argument(
        "--frame-size",
        default=f"{DEFAULT_FRAME_SIZE[0]}x{DEFAULT_FRAME_SIZE[1]}",
        help="nominal frame size WxH the normalised coordinates are scaled by",
    )
    parser.add_argument("--strictness", default="standard", help="relaxed|standard|strict")
    parser.add_argument("--heldout", action="store_true", help="add leave-one-source-out figures")
    args = parser.parse_args(argv)
    try:
        from formcheck.exercises.config import preset

        config = preset(PlankConfig, args.strictness)
        width, height = (int(v) for v in args.frame_size.lower().split("x"))
        files = [evaluate_file(p, config, (width, height)) for p in args.csv]
        held = heldout(list(args.csv), config, (width, height)) if args.heldout else None
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
    if held is not None:
        report["leave_one_source_out"] = held
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
