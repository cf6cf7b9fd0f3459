"""How much does the pose model's output move between CPUs? The figures behind the view band.

    python benchmarks/view_noise.py [--model lite] [--clips N] [--json OUT]

The issue: ``.ci/run`` on an AMD EPYC read the real side-on clip deadlift_roundedback_side_10 at
a yaw of 46.1 deg where an Intel Xeon read 50.9 (10 sampled frames): XNNPACK picks other
kernels on another CPU, the sums come out in another order, and in VIDEO mode the tracker
carries a tiny difference from frame to frame. This script measures that noise here.

1. **The knobs the model has.** MediaPipe Tasks' ``BaseOptions`` offers only ``delegate``
   (DEFAULT, CPU, GPU; no thread count). The first clip is run with delegate DEFAULT against
   CPU, and on one core (``sched_setaffinity`` before the model is built, so XNNPACK's thread
   pool is sized for one core) against all cores. Any difference is printed; on the 2-core
   Xeon this was written on both were bit-identical, and GPU is refused without a GPU
   ("kGpuService" missing), so the knobs cannot show the noise here.
2. **A stand-in for another CPU.** Every clip is run on its frames as decoded, and again with
   each pixel moved by one grey level at random (seeded, -1/0/+1, clipped): the smallest change
   an input can have, of the same kind as rounding differences inside the network. Reported
   per clip: the clip's yaw (all frames, and every k-th frame as the real-clip view test
   samples them), its view label, and the median of three key angles (hip flexion, knee
   flexion, trunk inclination) over the frames.

The summary gives the largest and the 95th-percentile change of the clip yaw; the view band in
:mod:`formcheck.features.view` (``VIEW_BAND_DEG``) is sized from it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("FORMCHECK_SHARED_DATA") or ROOT.parent / "shared" / "data")
CLIPS = SHARED / "clips"
# As tests/features/test_view_real.py samples a clip.
FRAMES_PER_CLIP = 30
ANGLES = ("hip_flexion", "knee_flexion", "trunk_inclination")
SEEDS = (1, 2)


def clip_rows(limit: int | None) -> list[dict[str, str]]:
    with open(SHARED / "MANIFEST.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["file"].endswith(".mp4")]
    rows = [r for r in rows if (CLIPS / r["file"]).is_file()]
    # Side and oblique clips first: the view limit matters for them.
    rows.sort(key=lambda r: (r["view"] not in ("side", "oblique"), r["file"]))
    return rows[:limit] if limit else rows


def decode(path: Path) -> tuple[list[np.ndarray], float]:
    from formcheck.engine.options import DEFAULT_MAX_SIZE
    from formcheck.frames import open_source

    with open_source(path, max_size=DEFAULT_MAX_SIZE) as source:
        return [f.rgb for f in source], source.info.fps


def jitter(frames: list[np.ndarray], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for rgb in frames:
        step = rng.integers(-1, 2, size=rgb.shape, dtype=np.int16)
        out.append(np.clip(rgb.astype(np.int16) + step, 0, 255).astype(np.uint8))
    return out


@contextlib.contextmanager
def delegate(name: str | None):
    """Build the model with ``BaseOptions(delegate=name)`` inside this block."""
    from formcheck.pose import backend

    original = backend.BaseOptions
    if name is not None:

        def with_delegate(**kw):
            return original(delegate=original.Delegate[name], **kw)

        backend.BaseOptions = with_delegate
    try:
        yield
    finally:
        backend.BaseOptions = original


@contextlib.contextmanager
def one_core():
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def run(frames: list[np.ndarray], fps: float, model: str):
    from formcheck.engine.options import EngineOptions
    from formcheck.engine.pose_stage import extract_pose_series

    # The frames are already at the engine's size: no second downscale.
    # In-memory frames play at 30 fps; the times only pace the tracker (clips here are 25-60).
    del fps
    options = EngineOptions(model=model, smooth=False, people_check_ms=0)
    return extract_pose_series(frames, options)


def measure(series, stride: int) -> dict[str, float | str]:
    from formcheck.features.core import compute_features
    from formcheck.features.view import _combine, assess_view, series_frame_views

    view = assess_view(series)
    # Every stride-th frame, summarised as assess_views does (median of each cue, then mean).
    views = series_frame_views(series)
    keep = views.found[::stride]
    cues = [np.asarray(c[::stride][keep]) for c in (views.yaw_world_deg, views.yaw_image_deg)]
    medians = [float(np.nanmedian(c)) if np.isfinite(c).any() else math.nan for c in cues]
    sampled_yaw = float(_combine(np.array(medians[0]), np.array(medians[1])))
    feats = compute_features(series)
    out: dict[str, float | str] = {
        "yaw": view.yaw_deg,
        "view": str(view.view),
        "yaw_sampled": sampled_yaw,
    }
    for name in ANGLES:
        values = feats[name]
        out[name] = float(np.nanmedian(values)) if np.isfinite(values).any() else math.nan
    return out


def same(a, b) -> float:
    """Largest landmark difference between two series (normalised image units)."""
    return float(np.nanmax(np.abs(a.image - b.image))) if len(a) == len(b) else math.inf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="lite")
    parser.add_argument("--clips", type=int, default=None, help="only the first N clips")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if not CLIPS.is_dir():
        sys.exit(f"{CLIPS} is absent: this benchmark needs the real clips")

    rows = clip_rows(args.clips)
    knobs: dict[str, float] = {}
    results = []
    for n, row in enumerate(rows):
        frames, fps = decode(CLIPS / row["file"])
        stride = max(1, len(frames) // FRAMES_PER_CLIP)
        ref = run(frames, fps, args.model)
        if n == 0:
            with delegate("DEFAULT"):
                knobs["delegate DEFAULT vs CPU"] = same(ref, run(frames, fps, args.model))
            with one_core():
                knobs["1 core vs all"] = same(ref, run(frames, fps, args.model))
            for knob, diff in knobs.items():
                print(f"{knob} on {row['file']}: max landmark difference {diff:.3g}")
        base = measure(ref, stride)
        entry = {"file": row["file"], "label": row["view"], "frames": len(frames), "ref": base}
        entry["jitter"] = [measure(run(jitter(frames, s), fps, args.model), stride) for s in SEEDS]
        results.append(entry)
        moved = max(abs(j["yaw"] - base["yaw"]) for j in entry["jitter"])
        moved_s = max(abs(j["yaw_sampled"] - base["yaw_sampled"]) for j in entry["jitter"])
        views = "/".join(str(j["view"]) for j in entry["jitter"])
        print(
            f"{row['file']:40s} {row['view']:8s} yaw {base['yaw']:5.1f} (sampled "
            f"{base['yaw_sampled']:5.1f})  |dyaw| {moved:4.1f} (sampled {moved_s:4.1f})  "
            f"view {base['view']} -> {views}",
            flush=True,
        )

    def deltas(key: str) -> np.ndarray:
        d = [abs(j[key] - e["ref"][key]) for e in results for j in e["jitter"]]
        return np.array([x for x in d if math.isfinite(x)])

    summary = {}
    for key in ("yaw", "yaw_sampled", *ANGLES):
        d = deltas(key)
        summary[key] = {"max": float(d.max()), "p95": float(np.percentile(d, 95)), "n": len(d)}
        print(f"|d {key}| over {len(d)} runs: max {d.max():.2f}, p95 {np.percentile(d, 95):.2f}")
    flips = sum(j["view"] != e["ref"]["view"] for e in results for j in e["jitter"])
    print(f"view label changed in {flips} of {sum(len(e['jitter']) for e in results)} runs")
    if args.json:
        args.json.write_text(json.dumps({"knobs": knobs, "summary": summary, "clips": results}))


if __name__ == "__main__":
    main()
