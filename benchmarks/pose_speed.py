"""Pose-stage speed against a bare PoseLandmarker loop, and peak memory on long clips.

    python benchmarks/pose_speed.py [CLIP] [--model full] [--repeats 3] [--memory]

(a) bare: MediaPipe PoseLandmarker in VIDEO mode over frames decoded (and downscaled the same
    way) beforehand, so only the model is timed;
(b) formcheck: ``extract_pose_series`` from the file to a smoothed PoseSeries (decode, resize,
    model, people check, series building, Butterworth smoothing).
Both run in this one process, alternating over ``--repeats``; the headline is the median of the
per-repeat ratios (b)/(a) (target >= 0.9). ``--memory`` also renders 1- and 5-minute clips and reports the peak resident memory
of the pose stage on each in a fresh process (streaming: it must not grow with length).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CLIP = ROOT / "samples" / "deadlift_good.mp4"


def bare_fps(clip: Path, model: str, max_size: int, masks: bool) -> tuple[float, int]:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from formcheck.frames import open_source
    from formcheck.pose.backend import quiet_native_logs
    from formcheck.pose.models import resolve_model

    with open_source(clip, max_size=max_size) as source:
        frames = [(f.rgb, f.time_ms) for f in source]
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model(model).path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
        output_segmentation_masks=masks,
    )
    # Loading, the first inference and closing log to stderr: silenced as formcheck does
    # (none of it is timed).
    with quiet_native_logs():
        landmarker = vision.PoseLandmarker.create_from_options(options)
        landmarker.detect_for_video(
            mp.Image(image_format=mp.ImageFormat.SRGB, data=frames[0][0]), 0
        )
    try:
        start = time.perf_counter()
        for i, (rgb, _) in enumerate(frames):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            landmarker.detect_for_video(image, 1 + i * 33)
        elapsed = time.perf_counter() - start
    finally:
        with quiet_native_logs():
            landmarker.close()
    return len(frames) / elapsed, len(frames)


def formcheck_fps(clip: Path, model: str, max_size: int) -> tuple[float, int]:
    from formcheck.engine.options import EngineOptions
    from formcheck.engine.pose_stage import extract_pose_series
    from formcheck.pose import MediaPipePoseEstimator, PoseOptions

    options = EngineOptions(model=model, max_size=max_size)
    # The model is loaded before the clock starts, as for the bare loop: this compares
    # per-frame throughput (model load is a one-off ~0.3 s per clip, reported separately).
    loaded = time.perf_counter()
    estimator = MediaPipePoseEstimator(
        PoseOptions(model=model, with_masks=True, people_check_ms=options.people_check_ms)
    )
    load_s = time.perf_counter() - loaded
    try:
        start = time.perf_counter()
        series = extract_pose_series(clip, options, estimator=estimator, progress=False)
        elapsed = time.perf_counter() - start
    finally:
        estimator.close()
    formcheck_fps.load_s = load_s  # type: ignore[attr-defined]
    return len(series) / elapsed, len(series)


def render_long_clip(path: Path, seconds: float) -> Path:
    """A long swing set rendered by formcheck.synth (no real footage is needed).

    One minute of swings is rendered, then repeated (re-encoded) to the length asked for.
    """
    from formcheck.frames import open_source
    from formcheck.outputs.video_out import H264Writer
    from formcheck.synth import kettlebell_swing, render_clip

    minute = path.with_name("swings_1min.mp4")
    if not minute.exists():
        render_clip(kettlebell_swing(reps=43, rep_period_s=1.4), None, minute)
    if seconds <= 60:
        return minute
    with open_source(minute) as source:
        fps, width, height = source.info.fps, source.info.width, source.info.height
    with H264Writer(path, fps, width, height) as writer:
        for _ in range(int(round(seconds / 60.0))):
            with open_source(minute) as source:
                for frame in source:
                    writer.write(frame.rgb, rgb=True)
    return path


def peak_memory_mb(clip: Path, model: str) -> dict:
    code = (
        f"import resource, sys, json; sys.path.insert(0, {str(ROOT)!r})\n"
        "from formcheck.engine.options import EngineOptions; from formcheck.engine.pose_stage import extract_pose_series\n"
        f"s = extract_pose_series({str(clip)!r}, EngineOptions(model={model!r}), progress=False)\n"
        "print(json.dumps({'frames': len(s), "
        "'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _runs(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.1f}" for v in values) + "]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--model", default="full")
    parser.add_argument("--max-size", type=int, default=960)
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs of each path")
    parser.add_argument("--memory", action="store_true", help="also measure 1- and 5-min clips")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be 1 or more")

    # Warm both paths once (model load, page cache) so neither pays first-run costs, then
    # alternate them: a shared machine's load drifts, and alternating spreads that drift over
    # both paths instead of charging it to whichever ran last. Medians over the repeats.
    formcheck_fps(args.clip, args.model, args.max_size)
    bare_runs, bare_nomask_runs, ours_runs = [], [], []
    for _ in range(args.repeats):
        fps, n_bare = bare_fps(args.clip, args.model, args.max_size, masks=True)
        bare_runs.append(fps)
        bare_nomask_runs.append(bare_fps(args.clip, args.model, args.max_size, masks=False)[0])
        fps, n_ours = formcheck_fps(args.clip, args.model, args.max_size)
        ours_runs.append(fps)
    bare, bare_nomask, ours = (
        statistics.median(runs) for runs in (bare_runs, bare_nomask_runs, ours_runs)
    )
    # Each repeat's (b) ran right after its (a): the ratio within a repeat sees the least of
    # the machine's drift, so the headline is the median of those per-repeat ratios.
    pair_ratios = [o / b for o, b in zip(ours_runs, bare_runs, strict=True)]
    print(f"clip: {args.clip} ({n_bare} frames), model {args.model}, max size {args.max_size}")
    print(f"medians of {args.repeats} alternating runs (each run listed in brackets)")
    print(
        f"(a) bare PoseLandmarker VIDEO loop, pre-decoded, with masks: {bare:6.1f} frames/s "
        f"{_runs(bare_runs)}"
    )
    print(
        f"    the same without segmentation masks:                    {bare_nomask:6.1f} frames/s "
        f"{_runs(bare_nomask_runs)}"
    )
    print(
        f"(b) formcheck pose stage, file -> smoothed PoseSeries:      {ours:6.1f} frames/s "
        f"{_runs(ours_runs)}"
    )
    print("    (decode + resize, image conversion and a people count every 2 s on the decode")
    print("     thread; model with masks; silhouette profile and series on a collector thread;")
    print("     Butterworth smoothing)")
    print(
        f"ratio (b)/(a), median of the per-repeat ratios: {statistics.median(pair_ratios):.2f}  "
        f"(target >= 0.90; same model outputs) [{', '.join(f'{r:.2f}' for r in pair_ratios)}]"
    )
    print(f"ratio of the medians (b)/(a): {ours / bare:.2f}")
    print(f"ratio (b)/(a without masks): {ours / bare_nomask:.2f}")
    print(f"model load before (b), not timed: {formcheck_fps.load_s:.2f} s")
    if n_bare != n_ours:
        print(f"warning: frame counts differ ({n_bare} vs {n_ours})")

    if args.memory:
        with tempfile.TemporaryDirectory() as scratch:
            for minutes in (1, 5):
                clip = render_long_clip(Path(scratch) / f"long_{minutes}min.mp4", 60.0 * minutes)
                figures = peak_memory_mb(clip, args.model)
                print(
                    f"{minutes}-minute clip: {figures['frames']} frames, "
                    f"peak resident memory {figures['peak_mb']:.0f} MB"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
