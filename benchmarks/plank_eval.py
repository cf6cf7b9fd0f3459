"""Plank rule: rendered severity sweeps through the pose model, and the real good plank clips.

    python benchmarks/plank_eval.py                         # everything, full model, cached
    python benchmarks/plank_eval.py --skip-real             # sweeps only
    python benchmarks/plank_eval.py --cache /tmp/plank_eval_cache --strictness strict

1. **Severity sweeps**: the mannequin of :mod:`formcheck.synth` holding a forearm plank on the
   toes, rendered side-on (yaw 90: head on the image's right; ``--mirror`` adds yaw -90 for the
   neck sweep, head on the left) and run through the pose model (full, no masks), then the
   rule, as the pipeline runs it (Butterworth-smoothed). Sweeps: ``neck_deg`` (+ head hanging,
   - craned), ``hip_sag_deg`` and ``hip_pike_deg``. For each level: the synthetic truth's
   verdict (its coaching thresholds, ``formcheck.synth.THRESHOLDS``), the rule's per-frame
   measure (median over the frames in position), which neck signal was used, the rule's verdict
   on the TRUE landmarks (where the thresholds sit, no model) and on the model's landmarks
   (what a camera user gets), and the level from which detection starts.
2. **Real good plank clips** (``../shared/data/MANIFEST.csv``, ``exercise == plank``,
   ``label == good``): the rule's faults, the neck measure and the signal it came from. None
   should get ``neck_not_neutral``.

Pose-model runs are cached as ``<cache>/<name>.full.npz``, so a second run only re-scores.
Prints plain-text tables and, at the end, one JSON line with the headline figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.exercises.plank.session import (  # noqa: E402
    PlankConfig,
    PlankFrameVerdicts,
    PlankRule,
    classify_series_frames,
)
from formcheck.features.core import compute_features  # noqa: E402
from formcheck.series.core import PoseSeries  # noqa: E402
from formcheck.series.smoothing import ButterworthSmoother  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SIZE = (640, 480)
SMOOTH = ButterworthSmoother()
# fault code -> (synth.plank parameter, levels, per-frame measure of the verdicts)
SWEEPS = {
    "neck_not_neutral": ("neck_deg", [-60, -50, -40, -30, -20, -10, 0, 10, 20, 30, 40], "neck_deg"),
    "hips_sagging": ("hip_sag_deg", [0, 5, 10, 15, 20, 25, 30], "hip_bend_deg"),
    "hips_piked": ("hip_pike_deg", [0, 5, 10, 15, 20, 25, 30], "hip_bend_deg"),
}
MIRROR_NECK_LEVELS = [-60, -30, -10, 0, 10, 20, 30, 40]


def _fmt(v: float, digits: int = 1) -> str:
    return f"{v:.{digits}f}" if np.isfinite(v) else "-"


# ----------------------------------------------------------------------------- pose model
def model_series(video: Path, name: str, cache: Path, model: str) -> PoseSeries:
    """Raw (unsmoothed) series of ``video``, cached as ``<cache>/<name>.<model>.npz``."""
    from formcheck.engine.options import EngineOptions
    from formcheck.engine.pose_stage import extract_pose_series

    out = cache / f"{name}.{model}.npz"
    if out.is_file():
        return PoseSeries.load(out)
    cache.mkdir(parents=True, exist_ok=True)
    raw = extract_pose_series(
        str(video),
        EngineOptions(model=model, smooth=False, with_masks=False, people_check_ms=0),
        progress=False,
    )
    raw.save(out)
    return raw


def _motion(param: str, level: float):
    from formcheck.synth import plank

    return plank(duration_s=6.0, **{param: float(level)})


def rendered_series(param: str, level: float, yaw: float, cache: Path, model: str) -> PoseSeries:
    from formcheck.synth import LOOKS, render_clip, side_camera

    name = f"plank_{param}_{level:g}_yaw{yaw:g}"
    cached = cache / f"{name}.{model}.npz"
    if cached.is_file():
        return PoseSeries.load(cached)
    motion = _motion(param, level)
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / f"{name}.mp4"
        render_clip(motion, side_camera(motion, SIZE, yaw_deg=yaw), video, size=SIZE,
                    look=LOOKS["blue"])  # fmt: skip
        return model_series(video, name, cache, model)


def true_series(param: str, level: float, yaw: float) -> tuple[PoseSeries, bool]:
    """The exact landmarks of the rendered clip, and the synthetic truth's verdict."""
    from formcheck.synth import ground_truth, side_camera

    motion = _motion(param, level)
    truth = ground_truth(motion, side_camera(motion, SIZE, yaw_deg=yaw), SIZE)
    code = next(c for c, (p, _, _) in SWEEPS.items() if p == param)
    return truth.to_pose_series(), bool(np.mean(motion.faults[code]) > 0.5)


# ----------------------------------------------------------------------------- scoring
def _signal(verdicts: PlankFrameVerdicts, mask: np.ndarray) -> str:
    sig = np.asarray(verdicts.neck_signal, dtype=object)[mask]
    sig = sig[sig != ""]
    if sig.size == 0:
        return "-"
    names, counts = np.unique(sig.astype(str), return_counts=True)
    return str(names[np.argmax(counts)])


def _median(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else float("nan")


def score(rule: PlankRule, series: PoseSeries, code: str, measure: str) -> dict:
    """The rule's verdict on a whole series plus the per-frame measure's median.

    For the neck, also the two signals on their own over the frames judged, as the features
    read them (side views here need none of the rule's plank-facing correction): the head
    pitch after the rule's offset, and the neck line (shoulder->ear)."""
    smooth = SMOOTH.smooth(series)
    result = rule.evaluate(smooth)
    verdicts = classify_series_frames(smooth, rule.config)
    judged = verdicts.judged[code]
    neck_judged = verdicts.judged["neck_not_neutral"]
    feats = compute_features(smooth)
    return {
        "flagged": code in result.fault_codes,
        "faults": sorted(result.fault_codes),
        "measure": _median(np.asarray(getattr(verdicts, measure), dtype=np.float64)[judged]),
        "judged": float(np.mean(judged)) if judged.size else 0.0,
        "signal": _signal(verdicts, neck_judged),
        "pitch": _median(feats["head_pitch"][neck_judged] - rule.config.head_pitch_offset_deg),
        "line": _median(feats["neck_flexion"][neck_judged]),
    }


def first_flagged(levels: list[float], flags: list[bool]) -> dict:
    """Smallest |level| on each side of 0 from which every larger level is flagged."""
    out = {}
    for side, sign in (("pos", 1), ("neg", -1)):
        side_levels = sorted((lv for lv in levels if lv * sign > 0), key=abs)
        hits = {lv for lv, f in zip(levels, flags, strict=True) if f}
        first = next(
            (lv for i, lv in enumerate(side_levels) if all(x in hits for x in side_levels[i:])),
            None,
        )
        if side_levels:
            out[side] = first
    return out


def sweeps(rule: PlankRule, cache: Path, model: str, mirror: bool) -> dict:
    print("\n== Rendered severity sweeps (forearm plank on the toes, 6 s, side view) ==")
    print("  truth = the synthetic ground truth's verdict (formcheck.synth.THRESHOLDS);")
    print("  true lm = the rule on the exact landmarks; model = on the full pose model's;")
    print("  pitch / line = the two neck signals alone on the model's landmarks (medians: the")
    print("  head pitch after the rule's offset, the neck line shoulder->ear).")
    runs = [(code, yaw) for code in SWEEPS for yaw in (90,)]
    if mirror:
        runs.append(("neck_not_neutral", -90))
    out: dict = {}
    for code, yaw in runs:
        param, levels, measure = SWEEPS[code]
        if yaw != 90:
            levels = MIRROR_NECK_LEVELS
        print(f"\n  {code} vs {param} (yaw {yaw:g}; measure {measure})")
        print(
            f"  {param:>12s} | truth | measure(true) flag(true) | measure(model) flag(model) "
            "judged signal      pitch   line  other faults"
        )
        flags_true, flags_model, rows = [], [], []
        for level in levels:
            series_t, truth = true_series(param, level, yaw)
            st = score(rule, series_t, code, measure)
            sm = score(rule, rendered_series(param, level, yaw, cache, model), code, measure)
            flags_true.append(st["flagged"])
            flags_model.append(sm["flagged"])
            others = [f for f in sm["faults"] if f != code]
            print(
                f"  {level:12g} | {'FAULT' if truth else 'ok':5s} | {_fmt(st['measure']):>13s} "
                f"{'YES' if st['flagged'] else 'no':>10s} | {_fmt(sm['measure']):>14s} "
                f"{'YES' if sm['flagged'] else 'no':>10s} {sm['judged']:6.2f} "
                f"{sm['signal']:10s} {_fmt(sm['pitch']):>6s} {_fmt(sm['line']):>6s}  "
                f"{','.join(others) or '-'}",
                flush=True,
            )
            rows.append(
                {"level": level, "truth": truth, "model": sm["measure"], "flag": sm["flagged"]}
            )
        ft, fm = first_flagged(levels, flags_true), first_flagged(levels, flags_model)
        print(f"  -> flagged from (true landmarks) {ft}; (pose model) {fm}")
        out[f"{code}_yaw{yaw:g}"] = {"first_flagged_model": fm, "first_flagged_true": ft,
                                     "rows": rows}  # fmt: skip
    return out


# ----------------------------------------------------------------------------- real clips
def real_clips(rule: PlankRule, cache: Path, model: str) -> dict:
    manifest = SHARED / "MANIFEST.csv"
    if not manifest.is_file():
        print(f"\n[real clips] skipped: {manifest} not found")
        return {}
    with open(manifest, newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["exercise"] == "plank"]
    good = sorted((r for r in rows if r["label"] == "good"), key=lambda r: r["file"])
    print(f"\n== Real good plank clips ({len(good)}, MANIFEST label 'good'; {model} model)")
    out = {}
    for r in good:
        video = SHARED / "clips" / r["file"]
        if not video.is_file():
            print(f"  {r['file']}: absent")
            continue
        s = score(rule, model_series(video, r["file"], cache, model), "neck_not_neutral",
                  "neck_deg")  # fmt: skip
        ok = not s["flagged"]
        print(
            f"  {'✓' if ok else '✗'} {r['file']:26s} {r['view']:5s} neck median "
            f"{_fmt(s['measure']):>6s} (judged {s['judged']:.2f}, signal {s['signal']}; head "
            f"pitch {_fmt(s['pitch'])}, neck line {_fmt(s['line'])}); "
            f"faults={s['faults'] or 'none'}"
        )
        out[r["file"]] = {"neck_flagged": s["flagged"], "neck_median": s["measure"],
                          "signal": s["signal"], "faults": s["faults"]}  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="full", help="full | lite | heavy")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/plank_eval_cache"))
    parser.add_argument("--strictness", default="standard", help="relaxed|standard|strict")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-sweeps", action="store_true")
    parser.add_argument("--no-mirror", action="store_true", help="skip the yaw -90 neck sweep")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", RuntimeWarning)

    from formcheck.exercises.config import preset

    cfg = preset(PlankConfig, args.strictness)
    rule = PlankRule(cfg)
    print(
        f"plank rule, {args.strictness}: head pitch hang > {cfg.head_hang_max_deg:g} / crane > "
        f"{cfg.head_crane_max_deg:g} after offset {cfg.head_pitch_offset_deg:g}; neck line "
        f"{cfg.neck_max_deg:g}; hip_sag_deg={cfg.hip_sag_deg:g}, hip_pike_deg="
        f"{cfg.hip_pike_deg:g} (after hip_bend_offset_deg={cfg.hip_bend_offset_deg:g})"
    )
    start = time.time()
    summary: dict = {"strictness": args.strictness}
    if not args.skip_sweeps:
        sw = sweeps(rule, args.cache, args.model, not args.no_mirror)
        summary["first_flagged"] = {k: v["first_flagged_model"] for k, v in sw.items()}
        summary["first_flagged_true_landmarks"] = {
            k: v["first_flagged_true"] for k, v in sw.items()
        }
    if not args.skip_real:
        real = real_clips(rule, args.cache, args.model)
        summary["real_good_neck_flagged"] = sum(v["neck_flagged"] for v in real.values())
        summary["real_good_clips"] = len(real)
        summary["real_good_neck_median"] = {k: round(v["neck_median"], 1) for k, v in real.items()}
    print(f"\n({time.time() - start:.0f} s)")
    print(json.dumps(summary, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
