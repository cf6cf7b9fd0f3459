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

4. **Cross-validation** (``--cross-validate``; cached series only, the model is not run):
   leave-one-``[group]``-out over the real clips of part 1. Per fold the rounded-back strictness
   is chosen on the training groups alone -- one factor on both thresholds' margins over
   neutral (``scaled_config``: 0.6, 0.7 .. 1.5; 1.0 = shipped), by clip-level training F1, ties
   to the factor nearest 1.0 -- and the held-out group is scored with it. Reports the pooled
   held-out counts and F1 beside the shipped config's on the same clips, the factor chosen per
   fold, the same with the relaxed/standard/strict presets as the family, and a sensitivity
   table (every clip at one fixed factor, 0.5..1.6). Selection only covers this one knob: the
   signals themselves were designed on these clips, so the estimate is still optimistic.
   The statistics are those of :mod:`formcheck.apps.heldout`; the factor family is
   :func:`formcheck.exercises.deadlift.tuning.scaled_config`. Last, the shipped thresholds
   with the noise margin off, at one jitter (shipped) and at two, on every clip (not chosen
   by the cross-validation: the margin is the plank's one jitter, fixed beforehand).

        python benchmarks/deadlift_eval.py --skip-samples --skip-sweep --cross-validate

Prints plain-text tables and, at the end, one JSON line with the headline figures.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.apps.heldout import (  # noqa: E402
    cross_validate,
    f1_counts,
    group_bootstrap_f1,
    group_pairs,
)
from formcheck.exercises.deadlift.session import DeadliftConfig, DeadliftRule  # noqa: E402
from formcheck.exercises.deadlift.tuning import scaled_config  # noqa: E402
from formcheck.series.core import PoseSeries  # noqa: E402
from formcheck.series.smoothing import ButterworthSmoother  # noqa: E402

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


def load_series(path: Path) -> PoseSeries:
    return ButterworthSmoother().smooth(PoseSeries.load(path))


def extract(video: Path, out: Path) -> PoseSeries:
    """Raw (unsmoothed) series with the back profile, saved to ``out``."""
    from formcheck.engine.options import EngineOptions
    from formcheck.engine.pose_stage import extract_pose_series
    from formcheck.features.silhouette import back_profile_measure

    series = extract_pose_series(
        str(video),
        EngineOptions(model="full", with_masks=True, smooth=False),
        measures={"back_profile": back_profile_measure},
        progress=False,
    )
    series.save(out)
    return series


# ----------------------------------------------------------------------------- real clips
def labelled_rows() -> list[dict] | None:
    """The labelled deadlift rows of the MANIFEST (sorted), each with its ``group``; None if absent.

    The group is the last ``[group X]`` of the notes; a clip without one is its own group.
    """
    manifest = SHARED / "MANIFEST.csv"
    if not manifest.is_file():
        return None
    with open(manifest, newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["exercise"] == "deadlift" and r["label"] in ("good", "roundedback")
        ]
    for r in rows:
        r["group"] = (re.findall(r"\[group ([^\]]+)\]", r["notes"]) or [r["file"]])[-1]
    return sorted(rows, key=lambda r: (r["label"], r["file"]))


def real_clips(cache: Path, do_extract: bool, rule: DeadliftRule) -> dict:
    rows = labelled_rows()
    if rows is None:
        print(f"[real clips] skipped: {SHARED / 'MANIFEST.csv'} not found")
        return {}
    print(f"\n== Real clips: {len(rows)} labelled deadlift clips (cache {cache})")
    out: list[ClipRow] = []
    for r in rows:
        group = r["group"]
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


# ----------------------------------------------------------------------------- cross-validation
# Candidate rounded-back strictness for the cross-validation: one factor on both thresholds'
# margins over neutral (scaled_config), 0.6..1.5; the sensitivity table uses a finer, wider grid.
CV_SCALES = tuple(round(0.6 + 0.1 * i, 2) for i in range(10))
SENSITIVITY_SCALES = tuple(round(0.5 + 0.05 * i, 2) for i in range(23))
# The presets as a second family, placed on a line for the tie-break (standard = shipped).
PRESET_POSITIONS = {"strict": -1.0, "standard": 0.0, "relaxed": 1.0}


def _counts_text(c: dict) -> str:
    return (
        f"F1={c['f1']:.3f} P={c['precision']:.3f} R={c['recall']:.3f} "
        f"(tp={c['tp']} fp={c['fp']} fn={c['fn']} tn={c['tn']})"
    )


def cross_validation(cache: Path) -> dict:
    """Leave-one-group-out estimate of ``rounded_back``, re-scored from the cached series only."""
    from formcheck.exercises.config import preset

    rows = labelled_rows()
    if rows is None:
        print(f"[cross-validation] skipped: {SHARED / 'MANIFEST.csv'} not found")
        return {}
    cached = [r for r in rows if (cache / f"{r['file']}.npz").is_file()]
    missing = [r["file"] for r in rows if r not in cached]
    print(
        f"\n== Cross-validation: rounded_back, leave one [group] out, {len(cached)} of "
        f"{len(rows)} labelled clips in the cache {cache}"
    )
    if missing:
        print(f"  NOT in the cache, left out of the estimate: {', '.join(missing)}")
    if not cached:
        return {"missing": missing}
    scales = sorted(set(CV_SCALES) | set(SENSITIVITY_SCALES) | {1.0})
    configs: dict[Any, DeadliftConfig] = {s: scaled_config(s) for s in scales}
    configs.update({p: preset(DeadliftConfig, p) for p in PRESET_POSITIONS})
    flags: dict[Any, list[bool]] = {k: [] for k in configs}
    scores: list[float] = []
    for r in cached:
        series = load_series(cache / f"{r['file']}.npz")
        for key, cfg in configs.items():
            res = DeadliftRule(cfg).evaluate(series)
            flags[key].append("rounded_back" in res.fault_codes)
            if key == 1.0:
                phase = [
                    v
                    for rep in res.reps
                    for k, v in rep.metrics.items()
                    if k.endswith("rounded_back_score")
                ] + [f.measured["score"] for f in res.faults if f.rep is None]
                scores.append(max(phase, default=float("nan")))
    truth = [r["label"] == "roundedback" for r in cached]
    groups = [r["group"] for r in cached]
    assert configs[1.0] == DeadliftConfig(), "scale 1.0 must be the shipped config"

    # Per clip: the shipped score (a clip is flagged at scale s when it reaches s) and its flags.
    print(f"  clips (flags at scale {CV_SCALES[0]}..{CV_SCALES[-1]}: X flagged, . not; then "
          "strict/standard/relaxed presets)")  # fmt: skip
    print(f"    {'clip':36s} {'label':11s} {'view':7s} {'group':10s} score  scales      presets")
    for i, r in enumerate(cached):
        marks = "".join("X" if flags[s][i] else "." for s in CV_SCALES)
        pmarks = "".join("X" if flags[p][i] else "." for p in PRESET_POSITIONS)
        print(
            f"    {r['file']:36s} {r['label']:11s} {r['view']:7s} {r['group']:10s} "
            f"{scores[i]:5.2f}  {marks}  {pmarks}"
        )
    inconsistent = sum(
        1
        for s in scales
        for i in range(len(cached))
        if flags[s][i] != (scores[i] >= s) and abs(scores[i] - s) > 1e-6
    )
    if inconsistent:
        print(f"  note: {inconsistent} (clip, scale) flags differ from 'shipped score >= scale'")

    # Leave-one-group-out with the scale family.
    cv_flags = {s: flags[s] for s in CV_SCALES}
    cv = cross_validate(truth, groups, cv_flags, {s: s for s in CV_SCALES}, 1.0)
    print(
        f"\n  folds ({len(cv['folds'])} groups; scale chosen by training F1, ties -> nearest 1.0):"
    )
    print(f"    {'held-out group':14s} clips  labels  scale  train_F1  held-out tp/fp/fn/tn")
    for f in cv["folds"]:
        labels = "".join("r" if truth[i] else "g" for i in f["test"])
        h = f["heldout"]
        print(
            f"    {f['group']:14s} {len(f['test']):5d}  {labels:6s}  {f['chosen']:5.2f}  "
            f"{f['train_f1']:8.3f}  {h['tp']}/{h['fp']}/{h['fn']}/{h['tn']}"
        )
    chosen = [f["chosen"] for f in cv["folds"]]
    ship_clip = f1_counts(list(zip(truth, flags[1.0], strict=True)))
    ship_group = f1_counts(group_pairs(truth, groups, flags[1.0]))
    print(f"  held-out, pooled over folds (clip level):  {_counts_text(cv['pooled'])}")
    print(f"  shipped config on the same clips:          {_counts_text(ship_clip)}")
    ci_cv = group_bootstrap_f1(truth, groups, cv["pred"])
    ci_ship = group_bootstrap_f1(truth, groups, flags[1.0])
    print(
        f"  95% interval of F1, resampling whole groups: held-out {ci_cv[0]:.2f}..{ci_cv[1]:.2f}, "
        f"shipped {ci_ship[0]:.2f}..{ci_ship[1]:.2f}"
    )
    print(f"  held-out, per (group, label) by majority:  {_counts_text(cv['pooled_group'])}")
    print(f"  shipped config, per (group, label):        {_counts_text(ship_group)}")
    print(
        f"  chosen scales: min {min(chosen):.2f}, median {float(np.median(chosen)):.2f}, "
        f"max {max(chosen):.2f}; {sum(c == 1.0 for c in chosen)}/{len(chosen)} folds kept 1.0"
    )

    # The presets as the candidate family instead.
    pv = cross_validate(truth, groups, {p: flags[p] for p in PRESET_POSITIONS},
                        PRESET_POSITIONS, "standard")  # fmt: skip
    picks = {p: sum(f["chosen"] == p for f in pv["folds"]) for p in PRESET_POSITIONS}
    print(
        f"  presets as the family: held-out {_counts_text(pv['pooled'])}; chosen "
        + ", ".join(f"{p} x{n}" for p, n in picks.items())
    )

    # Sensitivity: every clip scored with one fixed scale (no selection).
    print("\n  sensitivity: all clips at one fixed scale (1.00 = shipped; * = CV candidate)")
    print("    scale  bulge_thr  head_thr   tp fp fn tn  precision  recall     F1  group_F1")
    table = {}
    for s in scales:
        c = f1_counts(list(zip(truth, flags[s], strict=True)))
        g = f1_counts(group_pairs(truth, groups, flags[s]))
        cfg = configs[s]
        star = "*" if s in CV_SCALES else " "
        print(
            f"    {s:4.2f}{star} {cfg.bulge_threshold:9.4f}  {cfg.head_drop_threshold_deg:8.1f}  "
            f"{c['tp']:3d}{c['fp']:3d}{c['fn']:3d}{c['tn']:3d}  {c['precision']:9.3f}  "
            f"{c['recall']:6.3f}  {c['f1']:5.3f}  {g['f1']:8.3f}"
        )
        table[f"{s:.2f}"] = {"f1": c["f1"], "group_f1": g["f1"], "tp": c["tp"], "fp": c["fp"],
                             "fn": c["fn"], "tn": c["tn"]}  # fmt: skip
    near = [table[f"{s:.2f}"]["f1"] for s in (0.9, 1.0, 1.1)]
    print(
        f"  F1 at 0.9 / 1.0 / 1.1 x the shipped margins: {near[0]:.3f} / {near[1]:.3f} / "
        f"{near[2]:.3f}; positives without a score (misses at every scale): "
        f"{sum(1 for t, x in zip(truth, scores, strict=True) if t and np.isnan(x))}"
    )
    # The noise margin (not chosen here: one jitter, capped at half the scale, as the plank):
    # the shipped thresholds with the margin off, at one and at two jitters.
    print("\n  noise margin (shipped thresholds; k jitters past the limit; 'off' = no margin")
    print("  and no signal left out as too noisy):")
    noise_table = {}
    for name, kw in (("off", {"noise_k": 0.0, "max_jitter_fraction": 1e9}),
                     ("k=1 (shipped)", {}), ("k=2", {"noise_k": 2.0})):  # fmt: skip
        rule = DeadliftRule(dataclasses.replace(DeadliftConfig(), **kw))
        pred = [
            "rounded_back" in rule.evaluate(load_series(cache / f"{r['file']}.npz")).fault_codes
            for r in cached
        ]
        c = f1_counts(list(zip(truth, pred, strict=True)))
        noise_table[name] = c
        print(f"    {name:14s} {_counts_text(c)}")
    return {
        "noise": noise_table,
        "clips": len(cached),
        "groups": len(cv["folds"]),
        "missing": missing,
        "heldout": cv["pooled"],
        "heldout_f1_interval": ci_cv,
        "shipped_f1_interval": ci_ship,
        "heldout_group": cv["pooled_group"],
        "shipped": ship_clip,
        "shipped_group": ship_group,
        "chosen": {f["group"]: f["chosen"] for f in cv["folds"]},
        "presets_heldout": pv["pooled"],
        "presets_chosen": {f["group"]: f["chosen"] for f in pv["folds"]},
        "sensitivity": table,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc_cache"),
                        help="folder of <clip>.npz raw series of the real clips")  # fmt: skip
    parser.add_argument("--work", type=Path, default=Path("/tmp/fc_deadlift_eval"),
                        help="folder for rendered clips and their series")  # fmt: skip
    parser.add_argument("--extract", action="store_true",
                        help="run the pose model on real clips missing from the cache")  # fmt: skip
    parser.add_argument("--cross-validate", action="store_true",
                        help="leave-one-group-out estimate of rounded_back from the cache")  # fmt: skip
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
    if args.cross_validate:
        summary["cv"] = cross_validation(args.cache)
    if not args.skip_samples:
        summary["samples"] = samples(args.work, rule)
    if not args.skip_sweep:
        splits = [s.strip() for s in args.splits.split(",") if s.strip()]
        summary["sweep"] = sweep(args.work, rule, splits, args.look)
    print("\n" + json.dumps(summary, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
