"""Kettlebell-swing rule: figures on real tracks, the bundled samples and rendered sweeps.

    python benchmarks/kbswing_eval.py                  # everything, full model, cached
    python benchmarks/kbswing_eval.py --model none     # real tracks + sweeps on true landmarks
    python benchmarks/kbswing_eval.py --model lite --cache /tmp/kbswing_eval
    python benchmarks/kbswing_eval.py --sweeps on_toes     # one sweep only

1. Real keypoint tracks (../shared/data/keypoints/kbswing_idvorkin_*.csv, smoothed as the
   pipeline does): reps against the hand-checked tops/bottoms of the 4-rep clip, per-rep
   measures next to their thresholds, faults (all three clips are labelled good).
2. samples/kbswing_good.mp4 and samples/kbswing_leanback.mp4 through the pose model, and the
   real kbswing clips of ../shared/data/MANIFEST.csv labelled good (videos and GIFs; the
   stills hold no swing): none may show a fault it was not made or labelled with.
3. Severity sweeps rendered with ``formcheck.synth`` (lean back, heel lift, arm lift, squat
   factor): the synthetic truth's fault flag (its coaching thresholds), the rule's measure and
   verdict on the TRUE landmarks (no model: where the rule's thresholds sit), and on the pose
   model's landmarks of the rendered clip (what a camera user gets). on_toes shows its four
   readings (ankle rise / ankle over toe / heel rise / hips over ankles), each a median over
   the judged reps, to set beside the thresholds printed on the first line. The sweep's
   clips are cached under a fingerprint of the rendered motion, so a renderer change is
   never scored from a stale clip. SwingConfig's on_toes thresholds are set for the default
   (full) model; BlazePose lite reads phantom heel lifts into flat-footed hinges.
   The leaning_back sweep has a "personal" column: the rule with the neutral its own
   baseline reads from the sweep's 0-degree (good) clip, as ``--baseline`` would.

Every real track and clip also prints each signal's jitter (the rule's own estimate, see
``SwingConfig.noise_k``) and the leaning_back margin: how far its worst good top stays below
the limit plus the noise margin, on the lean and on the hips' line (in-sample: these clips
are those the limits were placed on). "Personal baseline (held-out)" takes the neutral from
the first half of each good track and judges the second half of the same set with it.

Pose-model runs are cached as .npz in --cache, so a second run only re-scores.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.datasets.swing_tracks import (  # noqa: E402
    read_swing_groundtruth,
    read_swing_track,
)
from formcheck.exercises.kbswing.session import KettlebellSwingRule, SwingConfig  # noqa: E402
from formcheck.series.core import PoseSeries  # noqa: E402
from formcheck.series.smoothing import ButterworthSmoother  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
KEYPOINTS = DATA / "keypoints"
MANIFEST = DATA / "MANIFEST.csv"
SAMPLES = ROOT / "samples"
TRACKS = (
    "kbswing_idvorkin_swing-sample-4reps_good.csv",
    "kbswing_idvorkin_igor-1h-swing_good.csv",
    "kbswing_idvorkin_swing-sample_good.csv",
)
# The per-rep measure behind each fault, as the rule stores it in Rep.metrics.
MEASURES = {
    "leaning_back": "top_lean_back_deg",
    "on_toes": "bottom_ankle_rise",
    "arms_lifting": "top_wrist_height",
    "squatting": "bottom_knee_hip_ratio",
}
# Further per-rep readings printed next to the main one.
EXTRA_MEASURES = {
    "on_toes": ("bottom_ankle_toe_rise", "bottom_heel_rise", "bottom_hip_ahead_of_ankle"),
}
# Each check's jitter, as the rule measured it on the rep (SwingConfig.noise_k).
JITTER = {
    "leaning_back": ("top_lean_jitter_deg", "top_hip_line_jitter"),
    "on_toes": ("bottom_ankle_jitter", "bottom_ankle_toe_jitter", "bottom_heel_jitter"),
    "arms_lifting": ("top_wrist_jitter",),
    "squatting": ("bottom_ratio_jitter",),
}
SWEEPS = {
    "leaning_back": ("lean_back_deg", [0, 5, 10, 12, 15, 20, 25]),
    "on_toes": ("heel_lift", [0.0, 0.02, 0.03, 0.04, 0.05, 0.06, 0.09, 0.12]),
    "arms_lifting": ("arm_lift_deg", [0, 10, 20, 30, 45, 70]),
    "squatting": ("squat_factor", [0.0, 0.25, 0.5, 0.75, 1.0]),
}
SMOOTH = ButterworthSmoother()


def _median(values: list[float]) -> float:
    arr = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    return float(np.median(arr)) if arr.size else float("nan")


def _fmt(v: float, digits: int = 2) -> str:
    return f"{v:.{digits}f}" if np.isfinite(v) else "  -"


def _thresholds(cfg: SwingConfig) -> str:
    return (
        f"lean_back >= {cfg.lean_back_deg:g} deg with hips_through >= {cfg.hips_through:g} "
        f"(or >= {cfg.lean_back_alone_deg:g} alone); on_toes: ankle_rise >= {cfg.ankle_rise:g} "
        f"with hips over ankles >= {cfg.hips_forward_dx:g} (or ankle_rise >= "
        f"{cfg.ankle_rise_alone:g} alone), both with ankle_toe_rise >= {cfg.ankle_toe_rise:g} "
        f"and heel_rise >= {cfg.heel_rise_delta:g}; "
        f"wrist_height >= {cfg.wrist_above_shoulder:g}; upswing shoulder flexion >= "
        f"{cfg.arm_lead_shoulder_deg:g} deg; knee/hip >= {cfg.squat_ratio:g} with knee >= "
        f"{cfg.squat_min_knee_deg:g} deg"
    )


# ----------------------------------------------------------------------------- real tracks
def good_tracks():
    """(name, smoothed series) of each labelled-good keypoint track present; says which are not."""
    if not KEYPOINTS.is_dir():
        print(f"  skipped: {KEYPOINTS} is absent")
        return
    for name in TRACKS:
        path = KEYPOINTS / name
        if not path.is_file():
            print(f"  {name}: absent")
            continue
        yield name, SMOOTH.smooth(read_swing_track(path).series)


def real_tracks(rule: KettlebellSwingRule) -> None:
    print("\n== Real keypoint tracks (labelled good) ==")
    for name, series in good_tracks():
        result = rule.evaluate(series)
        tops = [round(r.key_ms * series.fps / 1000) for r in result.reps]
        print(
            f"  {name}: view={result.view.view} (yaw {result.view.yaw_deg:.0f}), "
            f"assessable={result.assessable}, reps={result.summary.rep_count}, "
            f"tempo={_fmt(result.summary.mean_rep_s)} s/rep, "
            f"faults={sorted(result.fault_codes) or 'none'}, "
            f"notes={sorted({n.code for n in result.notes}) or 'none'}"
        )
        print(f"    top frames: {tops}")
        gt_path = (KEYPOINTS / name).with_name(name.replace("_good.csv", "_groundtruth.json"))
        if gt_path.is_file():
            gt = read_swing_groundtruth(gt_path)
            gt_tops = [m.frame_index for m in gt if m.position == "top"]
            gt_bottoms = [m.frame_index for m in gt if m.position == "bottom"]
            bottoms = [round(r.metrics["bottom_ms"] * series.fps / 1000) for r in result.reps]
            print(f"    ground truth tops {gt_tops}, bottoms {gt_bottoms}; rule bottoms {bottoms}")
            err = [abs(a - b) for a, b in zip(tops, gt_tops, strict=False)]
            print(f"    top frame error vs ground truth: {err} (frames at 30 fps)")
        _per_rep_measures(result)
        through = [r.metrics.get("top_hips_through", np.nan) for r in result.reps]
        print(f"    {'':13s} {'top_hips_through':26s} worst {_fmt(np.nanmax(through), 3)}")
        _lean_margin(result, rule.config)


def _per_rep_measures(result) -> None:
    for code, key in MEASURES.items():
        names = (key, *EXTRA_MEASURES.get(code, ()), *JITTER[code])
        for k, name in enumerate(names):
            vals = [r.metrics.get(name, np.nan) for r in result.reps]
            worst = np.nanmax(vals) if np.isfinite(vals).any() else np.nan
            label = code if k == 0 else ""
            digits = 3 if "jitter" in name and "deg" not in name else 2
            print(
                f"    {label:13s} {name:26s} worst {_fmt(worst, digits)}  "
                f"per rep {[_fmt(v, digits) for v in vals]}"
            )
    for code, why in result.not_judged.items():
        print(f"    not judged: {code}: {why}")


def _lean_margin(result, cfg: SwingConfig) -> None:
    """leaning_back's margin on each judged good top: the limit plus the rule's noise margin
    (from the jitter it measured on that rep) minus the reading, on the lean and on the hips'
    line; the fault needs both (or the lean past lean_back_alone_deg). The smallest is shown."""
    from formcheck.exercises.noise import noise_margin

    def margin(sigma: float, limit: float) -> float:
        return noise_margin(sigma, cfg.noise_k, cfg.max_noise_margin_fraction * limit)

    rows = []
    for r in result.reps:
        m = r.metrics
        if "top_lean_back_deg" not in m:
            continue
        sigma = m.get("top_lean_jitter_deg", np.nan)
        back = m["top_lean_back_deg"] - cfg.top_lean_offset_deg
        through = m.get("top_hips_through", np.nan) - cfg.hips_through_offset
        lean_room = cfg.lean_back_deg + margin(sigma, cfg.lean_back_deg) - back
        alone_room = cfg.lean_back_alone_deg + margin(sigma, cfg.lean_back_alone_deg) - back
        line_sigma = m.get("top_hip_line_jitter", np.nan)
        through_room = cfg.hips_through + margin(line_sigma, cfg.hips_through) - through
        rows.append((r.index, back, sigma, lean_room, through_room, alone_room))
    if not rows:
        print("    leaning_back margin: no judged top")
        return
    worst = min(rows, key=lambda row: row[3])
    print(
        f"    leaning_back margin: tightest rep {worst[0]}: lean {worst[1]:.1f} deg (jitter "
        f"+-{worst[2]:.2f}) vs limit {cfg.lean_back_deg:g} + noise margin "
        f"{worst[3] + worst[1] - cfg.lean_back_deg:.2f} -> room {worst[3]:.1f} deg; "
        f"hips' line room {min(row[4] for row in rows):.3f} body lengths; lean alone room "
        f"{min(row[5] for row in rows):.1f} deg"
    )


def personal_baseline(rule: KettlebellSwingRule) -> None:
    """Held-out: the neutral read on the first half of each good track (a set of the same
    person and camera), the second half judged with it."""
    from formcheck.exercises.baseline import BaselineUnusable
    from formcheck.exercises.kbswing.baseline import swing_neutral

    print("\n== Personal baseline (held-out: neutral from each good track's first half) ==")
    for name, series in good_tracks():
        whole = rule.evaluate(series)
        if len(whole.reps) < 4:
            print(f"  {name}: {len(whole.reps)} reps, too few to split")
            continue
        cut = int(np.searchsorted(series.time_ms, whole.reps[len(whole.reps) // 2].start_ms))
        base = rule.evaluate(series.slice(0, cut))
        try:
            neutral = swing_neutral(base, None, rule.config)
        except BaselineUnusable as exc:
            print(f"  {name}: baseline refused: it {exc}")
            continue
        personal = KettlebellSwingRule(neutral.apply(rule.config))
        judged = personal.evaluate(series.slice(cut))
        print(
            f"  {name}: neutral {neutral.measured} -> offsets {neutral.overrides}; second half: "
            f"reps={len(judged.reps)}, faults={sorted(judged.fault_codes) or 'none'}, "
            f"notes={sorted({n.code for n in judged.notes}) or 'none'}"
        )
        _lean_margin(judged, personal.config)


# ----------------------------------------------------------------------------- pose model
def model_series(video: Path, model: str, cache: Path) -> PoseSeries:
    from formcheck.engine.options import EngineOptions
    from formcheck.engine.pose_stage import extract_pose_series

    cache.mkdir(parents=True, exist_ok=True)
    out = cache / f"{video.stem}.{model}.npz"
    if out.is_file():
        return PoseSeries.load(out)
    raw = extract_pose_series(
        str(video), EngineOptions(model=model, smooth=False, people_check_ms=0)
    )
    raw.save(out)
    return raw


def samples(rule: KettlebellSwingRule, model: str, cache: Path) -> None:
    print(f"\n== Bundled samples ({model} model) ==")
    for name, expect in (("kbswing_good", set()), ("kbswing_leanback", {"leaning_back"})):
        video = SAMPLES / f"{name}.mp4"
        if not video.is_file():
            print(f"  {name}: absent")
            continue
        result = rule.evaluate(SMOOTH.smooth(model_series(video, model, cache)))
        lean = [_fmt(r.metrics.get("top_lean_back_deg", np.nan), 1) for r in result.reps]
        ok = "OK" if result.fault_codes == expect else "MISMATCH"
        print(
            f"  {name}: reps={result.summary.rep_count}, faults={sorted(result.fault_codes)} "
            f"(expected {sorted(expect)}: {ok}); lean back per rep {lean}"
        )


def manifest_clips(rule: KettlebellSwingRule, model: str, cache: Path) -> None:
    import csv

    print(f"\n== Real kbswing clips labelled good in MANIFEST.csv ({model} model) ==")
    if not MANIFEST.is_file():
        print(f"  skipped: {MANIFEST} is absent")
        return
    with MANIFEST.open(newline="") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["exercise"] == "kbswing"
            and r["label"] == "good"
            and Path(r["file"]).suffix.lower() in (".mp4", ".gif", ".mov", ".avi", ".webm")
        ]
    for row in rows:
        video = DATA / "clips" / row["file"]
        if not video.is_file():
            print(f"  {row['file']}: absent")
            continue
        result = rule.evaluate(SMOOTH.smooth(model_series(video, model, cache)))
        bad = sorted(result.fault_codes)
        print(
            f"  {row['file']} ({row['view']}): view={result.view.view}, "
            f"assessable={result.assessable}, reps={result.summary.rep_count}, "
            f"faults={bad or 'none'} ({'OK' if not bad else 'MISMATCH'}), "
            f"notes={sorted({n.code for n in result.notes}) or 'none'}"
        )
        _per_rep_measures(result)
        if result.assessable:
            _lean_margin(result, rule.config)


# ----------------------------------------------------------------------------- sweeps
def _truth_per_rep(motion, code: str) -> float:
    flags = motion.faults.get(code)
    if flags is None or not motion.reps:
        return float("nan")
    return float(np.mean([flags[r.start : r.end + 1].any() for r in motion.reps]))


def _score(rule: KettlebellSwingRule, series: PoseSeries, code: str) -> tuple[float, str, int]:
    result = rule.evaluate(SMOOTH.smooth(series))
    # Share of the reps where the fault was judged (the set-up backswing is not, see the rule).
    flagged = [code in r.fault_codes for r in result.reps if MEASURES[code] in r.metrics]
    keys = (MEASURES[code], *EXTRA_MEASURES.get(code, ()))
    measure = "/".join(_fmt(_median([r.metrics.get(k, np.nan) for r in result.reps])) for k in keys)
    return (float(np.mean(flagged)) if flagged else float("nan")), measure, len(result.reps)


def sweeps(
    rule: KettlebellSwingRule, model: str, cache: Path, codes: tuple[str, ...] = tuple(SWEEPS)
) -> None:
    from formcheck.synth import LOOKS, ground_truth, kettlebell_swing, render_clip, side_camera

    size = (640, 480)
    print("\n== Rendered severity sweeps (5 reps each, side view facing right) ==")
    print("  truth = share of reps the synthetic ground truth flags (its coaching thresholds);")
    print("  rule/true lm = share of judged reps the rule flags on the exact landmarks;")
    print("  rule/model = the same on the pose model's landmarks of the rendered clip.")
    print("  leaning_back also: personal = the rule with the neutral read from the sweep's own")
    print("  0-degree clip (the same camera and landmark source) as the person's baseline.")
    for code in codes:
        param, levels = SWEEPS[code]
        keys = (MEASURES[code], *EXTRA_MEASURES.get(code, ()))
        width = max(15, 6 * len(keys))
        print(f"\n  {code} vs {param}  (measure: {' / '.join(keys)})")
        print(
            f"  {param:>14s} | truth | {'measure(true lm)':>{width}s} rule(true lm) reps | "
            f"{'measure(model)':>{width}s} rule(model) reps"
            + (" | personal(true lm) personal(model)" if code == "leaning_back" else "")
        )
        personal: dict[str, KettlebellSwingRule | None] = {}
        for level in levels:
            motion = kettlebell_swing(reps=5, **{param: level})
            camera = side_camera(motion, size, yaw_deg=90)
            truth = ground_truth(motion, camera, size)
            true_series = truth.to_pose_series()
            flag_t, meas_t, reps_t = _score(rule, true_series, code)
            model_series_ = None
            line = (
                f"  {level:14g} | {_fmt(_truth_per_rep(motion, code), 1):>5s} | "
                f"{meas_t:>{width}s} {_fmt(flag_t, 1):>13s} {reps_t:4d} |"
            )
            if model != "none":
                # The key holds a fingerprint of the rendered motion, so a renderer change
                # never re-scores a stale cached clip.
                digest = hashlib.sha1(motion.skeleton.pos.tobytes()).hexdigest()[:10]
                key = f"kbswing_{param}_{level:g}_{digest}"
                cached = cache / f"{key}.{model}.npz"
                if not cached.is_file():
                    with tempfile.TemporaryDirectory() as tmp:
                        video = Path(tmp) / f"{key}.mp4"
                        render_clip(motion, camera, video, size=size, look=LOOKS["red"])
                        model_series(video, model, cache)
                model_series_ = PoseSeries.load(cached)
                flag_m, meas_m, reps_m = _score(rule, model_series_, code)
                line += f" {meas_m:>{width}s} {_fmt(flag_m, 1):>11s} {reps_m:4d}"
            if code == "leaning_back":
                line += " |"
                for source, series in (("true", true_series), ("model", model_series_)):
                    if series is None:
                        continue
                    if level == levels[0]:
                        personal[source] = _personal_rule(rule, series)
                    own = personal.get(source)
                    shown = _fmt(_score(own, series, code)[0], 1) if own else "refused"
                    line += f" {shown:>{16 if source == 'true' else 15}s}"
            print(line, flush=True)


def _personal_rule(rule: KettlebellSwingRule, series: PoseSeries) -> KettlebellSwingRule | None:
    """The rule with the neutral its baseline reads from ``series`` (None: refused)."""
    from formcheck.exercises.baseline import BaselineUnusable
    from formcheck.exercises.kbswing.baseline import swing_neutral

    base = rule.evaluate(SMOOTH.smooth(series))
    if base.faults:
        return None
    try:
        neutral = swing_neutral(base, None, rule.config)
    except BaselineUnusable:
        return None
    print(f"  (personal neutral: {neutral.measured} -> {neutral.overrides})")
    return KettlebellSwingRule(neutral.apply(rule.config))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="full", help="full | lite | heavy | none")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kbswing_eval")
    parser.add_argument("--strictness", default="standard")
    parser.add_argument("--skip-sweeps", action="store_true")
    parser.add_argument(
        "--sweeps",
        default=",".join(SWEEPS),
        help=f"comma-separated faults to sweep (default: all of {', '.join(SWEEPS)})",
    )
    args = parser.parse_args(argv)

    from formcheck.exercises.config import preset

    cfg = preset(SwingConfig, args.strictness)
    rule = KettlebellSwingRule(cfg)
    print(f"kbswing rule, {args.strictness} thresholds: {_thresholds(cfg)}")
    start = time.time()
    real_tracks(rule)
    personal_baseline(rule)
    if args.model != "none":
        samples(rule, args.model, args.cache)
        manifest_clips(rule, args.model, args.cache)
    if not args.skip_sweeps:
        codes = tuple(c for c in args.sweeps.split(",") if c)
        unknown = sorted(set(codes) - set(SWEEPS))
        if unknown:
            parser.error(f"unknown sweep(s) {unknown}; known: {', '.join(SWEEPS)}")
        sweeps(rule, args.model, args.cache, codes)
    print(f"\n({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
