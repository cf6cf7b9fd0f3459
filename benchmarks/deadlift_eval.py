"""Score the deadlift rule: real labelled clips, the bundled samples, a rendered severity sweep.

    python benchmarks/deadlift_eval.py                       # all three parts
    python benchmarks/deadlift_eval.py --skip-sweep          # real clips and samples only
    python benchmarks/deadlift_eval.py --cache /tmp/fc_cache --work /tmp/fc_deadlift_eval

1. **Real clips** (``../shared/data``, labels ``good`` / ``roundedback``, ``exercise ==
   deadlift``, any view): the raw PoseSeries cached as ``<cache>/<clip>.npz`` (full model with
   masks and the ``back_profile`` extra), smoothed with the pipeline's Butterworth filter, as
   the real pipeline does. Clip-level ``rounded_back``: flagged if any rep or phase of the clip
   is. Front-view positives the rule declines to judge count as misses. Also reported per
   ``[group X]`` (clips of the same person/session count once, flagged by majority), because
   twins (two cameras on one set) inflate clip counts. Clips missing from the cache are
   listed, not extracted, unless ``--extract`` is given.
2. **Samples**: ``samples/deadlift_good.mp4`` must give no fault, ``deadlift_roundedback.mp4``
   must give ``rounded_back``.
3. **Severity sweep**: the mannequin of ``formcheck.synth`` rendered side-on with 0..40 deg of
   spine flexion (split evenly between lumbar and thoracic; ``--splits`` adds lumbar- or
   thoracic-only sweeps), run through the pose model (full, masks) and the rule. Reports the
   flexion at which ``rounded_back`` starts to be flagged; the coaching cue puts it at roughly
   15-20 deg. Rendering and the model take ~10-60 s per clip; results are cached in ``--work``.

Prints plain-text tables and, at the end, one JSON line with the headline figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.rules.deadlift import DeadliftConfig, DeadliftRule  # noqa: E402
from formcheck.series import PoseSeries  # noqa: E402
from formcheck.smoothing import ButterworthSmoother  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
LEVELS = (0, 5, 10, 15, 20, 25, 30, 40)


@dataclass
class ClipRow:
    name: str
    label: str
    view_label: str
    group: str
    flagged: bool | None  # None: not in the cache
    detail: str


def rounded_summary(result) -> str:
    faults = [f for f in result.faults if f.code == "rounded_back"]
    scores = [
        v for r in result.reps for k, v in r.metrics.items() if k.endswith("rounded_back_score")
    ] + [f.measured["score"] for f in faults if f.rep is None]
    best = max(scores) if scores else float("nan")
    view = result.view.view if result.view is not None else "?"
    yaw = result.view.yaw_deg if result.view is not None else float("nan")
    rb_reps = sum(1 for r in result.reps if "rounded_back" in r.fault_codes)
    others = sorted(result.fault_codes - {"rounded_back"})
    parts = [
        f"view={view}/{yaw:.0f}",
        f"reps={len(result.reps)}",
        f"rb_reps={rb_reps}",
        f"max_score={best:.2f}",
        f"flagged_phases={len(faults)}",
    ]
    if others:
        parts.append(f"other_faults={','.join(others)}")
    if faults:
        top = max(faults, key=lambda f: f.measured["score"])
        parts.append(f"conf={top.confidence:.2f} signals={'+'.join(top.signals)}")
    if not result.assessable:
        parts.append(f"NOT ASSESSABLE: {result.reason}")
    if "rounded_back" in result.not_judged:
        parts.append(f"not judged: {result.not_judged['rounded_back']}")
    return " ".join(parts)


def f1_counts(pairs: list[tuple[bool, bool]]) -> dict:
    tp = sum(1 for truth, pred in pairs if truth and pred)
    fp = sum(1 for truth, pred in pairs if not truth and pred)
    fn = sum(1 for truth, pred in pairs if truth and not pred)
    tn = sum(1 for truth, pred in pairs if not truth and not pred)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall,
            "f1": f1}  # fmt: skip


def load_series(path: Path) -> PoseSeries:
    return ButterworthSmoother().smooth(PoseSeries.load(path))


def extract(video: Path, out: Path) -> PoseSeries:
    """Raw (unsmoothed) series with the back profile, saved to ``out``."""
    from formcheck.pipeline import PoseStageOptions, extract_pose_series
    from formcheck.silhouette import back_profile_measure

    series = extract_pose_series(
        str(video),
        PoseStageOptions(model="full", with_masks=True, smooth=False),
        measures={"back_profile": back_profile_measure},
        progress=False,
    )
    series.save(out)
    return series


# ----------------------------------------------------------------------------- real clips
def real_clips(cache: Path, do_extract: bool, rule: DeadliftRule) -> dict:
    manifest = SHARED / "MANIFEST.csv"
    if not manifest.is_file():
        print(f"[real clips] skipped: {manifest} not found")
        return {}
    with open(manifest, newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["exercise"] == "deadlift" and r["label"] in ("good", "roundedback")
        ]
    print(f"\n== Real clips: {len(rows)} labelled deadlift clips (cache {cache})")
    out: list[ClipRow] = []
    for r in sorted(rows, key=lambda r: (r["label"], r["file"])):
        group = (re.findall(r"\[group ([^\]]+)\]", r["notes"]) or [r["file"]])[-1]
        path = cache / f"{r['file']}.npz"
        if not path.is_file() and do_extract:
            path.parent.mkdir(parents=True, exist_ok=True)
            extract(SHARED / "clips" / r["file"], path)
        if not path.is_file():
            out.append(ClipRow(r["file"], r["label"], r["view"], group, None, "not cached"))
            continue
        result = rule.evaluate(load_series(path))
        flagged = "rounded_back" in result.fault_codes
        out.append(
            ClipRow(r["file"], r["label"], r["view"], group, flagged, rounded_summary(result))
        )
    for row in out:
        mark = "-" if row.flagged is None else ("FLAG" if row.flagged else "ok  ")
        ok = row.flagged is not None and row.flagged == (row.label == "roundedback")
        print(
            f"  {'✓' if ok else '✗'} {mark} {row.name:36s} {row.label:11s} "
            f"{row.view_label:7s} [{row.group}] {row.detail}"
        )
    scored = [r for r in out if r.flagged is not None]
    clip = f1_counts([(r.label == "roundedback", bool(r.flagged)) for r in scored])
    groups: dict[tuple[str, str], list[bool]] = {}
    for r in scored:
        groups.setdefault((r.group, r.label), []).append(bool(r.flagged))
    group = f1_counts(
        [(label == "roundedback", sum(v) * 2 > len(v)) for (_, label), v in groups.items()]
    )
    missing = [r.name for r in out if r.flagged is None]
    print(
        f"  clip-level rounded_back: F1={clip['f1']:.3f} precision={clip['precision']:.3f} "
        f"recall={clip['recall']:.3f} (tp={clip['tp']} fp={clip['fp']} fn={clip['fn']} "
        f"tn={clip['tn']}; {len(scored)} clips scored)"
    )
    print(
        f"  group-level rounded_back: F1={group['f1']:.3f} (tp={group['tp']} fp={group['fp']} "
        f"fn={group['fn']} tn={group['tn']}; {len(groups)} groups)"
    )
    if missing:
        print(f"  not in the cache (not scored): {', '.join(missing)}")
    return {"clip": clip, "group": group, "missing": missing}


# ----------------------------------------------------------------------------- samples
def samples(work: Path, rule: DeadliftRule) -> dict:
    print("\n== Samples")
    result = {}
    for name, want in (("deadlift_good", False), ("deadlift_roundedback", True)):
        video = ROOT / "samples" / f"{name}.mp4"
        if not video.is_file():
            print(f"  {name}: missing ({video})")
            continue
        path = work / f"sample_{name}.npz"
        series = PoseSeries.load(path) if path.is_file() else extract(video, path)
        res = rule.evaluate(ButterworthSmoother().smooth(series))
        flagged = "rounded_back" in res.fault_codes
        faults = sorted(res.fault_codes)
        ok = flagged == want and (want or not faults)
        print(f"  {'✓' if ok else '✗'} {name}: faults={faults} {rounded_summary(res)}")
        result[name] = {"faults": faults, "ok": ok, "reps": len(res.reps)}
    return result


# ----------------------------------------------------------------------------- sweep
def sweep(work: Path, rule: DeadliftRule, splits: list[str], look: str) -> dict:
    from formcheck.synth import LOOKS, deadlift, render_clip, side_camera

    out = {}
    for split in splits:
        print(f"\n== Severity sweep: mannequin '{look}', side view, {split} spine flexion")
        print("  flex  flagged  phases  max_score  bulge(med)  head_drop  est_flex  conf")
        flagged_at = []
        for flex in LEVELS:
            lumbar = {"even": flex / 2, "lumbar": flex, "thoracic": 0.0}[split]
            name = f"dl_{look}_90_{split}_{flex}"
            path = work / f"{name}.npz"
            if not path.is_file():
                motion = deadlift(
                    reps=2, lumbar_flexion_deg=lumbar, thoracic_flexion_deg=flex - lumbar
                )
                video = work / f"{name}.mp4"
                render_clip(motion, side_camera(motion, (640, 480), yaw_deg=90), video,
                            look=LOOKS[look])  # fmt: skip
                extract(video, path)
            res = rule.evaluate(ButterworthSmoother().smooth(PoseSeries.load(path)))
            faults = [f for f in res.faults if f.code == "rounded_back"]
            phases = [
                (k[: -len("rounded_back_score")], v)
                for r in res.reps
                for k, v in r.metrics.items()
                if k.endswith("rounded_back_score")
            ]
            best_prefix, best = max(phases, key=lambda kv: kv[1]) if phases else ("", np.nan)
            rep = next((r for r in res.reps if best_prefix + "rounded_back_score" in r.metrics),
                       None)  # fmt: skip
            m = rep.metrics if rep else {}
            conf = max((f.confidence for f in faults), default=float("nan"))
            print(
                f"  {flex:4d}  {'YES' if faults else 'no ':7s}  {len(faults)}/{len(phases):<5d}"
                f"{best:9.2f}  {m.get(best_prefix + 'back_bulge', np.nan):10.3f}  "
                f"{m.get(best_prefix + 'head_drop_deg', np.nan):9.1f}  "
                f"{m.get(best_prefix + 'spine_flexion_est_deg', np.nan):8.1f}  {conf:4.2f}"
            )
            flagged_at.append((flex, bool(faults)))
        clean = [f for f, flag in flagged_at if not flag]
        hits = [f for f, flag in flagged_at if flag]
        first = min((f for f in hits if all(g in hits for g in LEVELS if g >= f)), default=None)
        print(
            f"  -> flagged from {first} deg on (highest level not flagged: "
            f"{max(clean) if clean else None}); neutral (0 deg) flagged: {0 in hits}"
        )
        out[split] = {"flagged_from_deg": first, "levels": dict(flagged_at)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc_cache"),
                        help="folder of <clip>.npz raw series of the real clips")  # fmt: skip
    parser.add_argument("--work", type=Path, default=Path("/tmp/fc_deadlift_eval"),
                        help="folder for rendered clips and their series")  # fmt: skip
    parser.add_argument("--extract", action="store_true",
                        help="run the pose model on real clips missing from the cache")  # fmt: skip
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-samples", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--splits", default="even",
                        help="comma list of even,lumbar,thoracic")  # fmt: skip
    parser.add_argument("--look", default="blue", help="mannequin look (formcheck.synth.LOOKS)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)
    args.work.mkdir(parents=True, exist_ok=True)
    rule = DeadliftRule(DeadliftConfig())
    summary: dict = {}
    if not args.skip_real:
        summary["real"] = real_clips(args.cache, args.extract, rule)
    if not args.skip_samples:
        summary["samples"] = samples(args.work, rule)
    if not args.skip_sweep:
        splits = [s.strip() for s in args.splits.split(",") if s.strip()]
        summary["sweep"] = sweep(args.work, rule, splits, args.look)
    print("\n" + json.dumps(summary, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
