"""Live loop speed against the bare model, and the annotate path, on one clip in one run.

    python benchmarks/live_speed.py [CLIP] [--model lite|full] [--exercise auto] [--repeat 1]

Three paths, each timed in this one process (interleaved when ``--repeat`` > 1, medians kept):

(a) bare: ``MediaPipePoseEstimator.process`` over frames decoded (and downscaled the same way)
    beforehand, with the options the live loop uses (segmentation masks for deadlift/auto,
    people count every second), so only the model is timed;
(b) live: ``formcheck live --source CLIP --no-display --no-realtime`` end to end (decode,
    pose, One Euro smoothing, features, rules, cue selection, overlay drawing), via the
    command's own handler; frames/s over the loop (model loading excluded);
(c) annotate: ``formcheck analyze CLIP --annotate OUT.mp4`` the way the command does it
    (``analyze_clip`` with masks, then ``formcheck.outputs.annotate.write_annotated_video`` decoding
    again, drawing and encoding H.264); skipped when that module or PyAV is missing.

Prints frames/s, the ratios (targets: live >= 0.9 x bare, annotate >= 0.75 x bare) and the live
loop's median and 95th-percentile frame-to-cue latency (from the moment the source handed a
frame over to the moment its cue, if any, was printed) against twice the model's median time
per frame (target: p95 <= 2 x). Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CLIP = ROOT / "samples" / "kbswing_leanback.mp4"
MAX_SIZE = 960  # the CLI default for both commands


def live_masks(exercise: str) -> bool:
    """Whether ``formcheck live`` asks the model for masks (see formcheck.cli.live)."""
    return exercise in ("deadlift", "auto")


def bare(clip: Path, model: str, exercise: str) -> dict[str, float]:
    import numpy as np

    from formcheck.frames import open_source
    from formcheck.pose.backend import MediaPipePoseEstimator, PoseOptions

    with open_source(clip, max_size=MAX_SIZE) as source:
        frames = list(source)
    options = PoseOptions(model=model, with_masks=live_masks(exercise))
    with MediaPipePoseEstimator(options) as estimator:
        estimator.process_rgb(frames[0].rgb, -1000.0)  # warm-up (graph start, first-frame logs)
        times = []
        start = time.perf_counter()
        for frame in frames:
            t = time.perf_counter()
            estimator.process(frame)
            times.append(time.perf_counter() - t)
        elapsed = time.perf_counter() - start
    return {
        "frames": len(frames),
        "fps": len(frames) / elapsed,
        "median_ms": float(np.median(times)) * 1000.0,
    }


def live(clip: Path, model: str, exercise: str) -> dict[str, float]:
    from formcheck.cli.live import add_live_parser

    parser = argparse.ArgumentParser()
    add_live_parser(parser.add_subparsers())
    with tempfile.TemporaryDirectory() as tmp:
        summary = Path(tmp) / "live.json"
        args = parser.parse_args(
            [
                "live",
                "--source",
                str(clip),
                "--no-display",
                "--no-realtime",
                "--model",
                model,
                "--exercise",
                exercise,
                "--summary",
                str(summary),
            ]
        )
        with contextlib.redirect_stdout(io.StringIO()):
            code = args.handler(args)
        if code != 0:
            raise SystemExit(f"formcheck live exited with {code}")
        data = json.loads(summary.read_text())
    return {
        "frames": data["frames"],
        "fps": data["fps"],
        "latency_median_ms": data["latency_ms"]["median"],
        "latency_p95_ms": data["latency_ms"]["p95"],
        "pose_median_ms": data["pose_ms"]["median"],
    }


def annotate(clip: Path, model: str, exercise: str) -> dict[str, float] | None:
    try:
        from formcheck.outputs.annotate import write_annotated_video
        from formcheck.outputs.video_out import require_av

        require_av()
    except Exception as exc:  # module not there yet, or PyAV missing
        print(f"annotate: skipped ({type(exc).__name__}: {exc})")
        return None
    from formcheck.engine.clip import analyze_clip
    from formcheck.engine.options import EngineOptions

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "annotated.mp4"
        start = time.perf_counter()
        analysis = analyze_clip(
            clip,
            EngineOptions(
                exercise=exercise, model=model, max_size=MAX_SIZE, with_masks=True, progress=False
            ),
        )
        video = write_annotated_video(
            clip, analysis.series, analysis.result, out, max_size=MAX_SIZE, progress=False
        )
        elapsed = time.perf_counter() - start
    return {"frames": video.frames, "fps": video.frames / elapsed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    parser.add_argument("--model", default="full", help="lite, full or heavy (default full)")
    parser.add_argument("--exercise", default="auto", help="passed to both commands")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs; medians kept")
    args = parser.parse_args(argv)
    clip = Path(args.clip)

    runs: dict[str, list[dict]] = {"bare": [], "live": [], "annotate": []}
    for i in range(max(1, args.repeat)):
        print(f"run {i + 1}/{args.repeat}: bare model ...", flush=True)
        runs["bare"].append(bare(clip, args.model, args.exercise))
        print(
            f"run {i + 1}/{args.repeat}: formcheck live --no-display --no-realtime ...", flush=True
        )
        runs["live"].append(live(clip, args.model, args.exercise))
        print(f"run {i + 1}/{args.repeat}: analyze --annotate ...", flush=True)
        result = annotate(clip, args.model, args.exercise)
        if result is not None:
            runs["annotate"].append(result)

    def med(path: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[path])

    bare_fps = med("bare", "fps")
    model_ms = med("bare", "median_ms")
    print()
    print(
        f"clip: {clip.name}, model: {args.model}, exercise: {args.exercise}, repeats: {args.repeat}"
    )
    print(f"{'path':<34}{'frames/s':>10}{'x bare':>9}{'target':>9}")
    print(f"{'bare model':<34}{bare_fps:>10.1f}{1.0:>9.2f}{'':>9}")
    live_fps = med("live", "fps")
    live_ok = live_fps >= 0.9 * bare_fps
    print(
        f"{'live --no-display --no-realtime':<34}{live_fps:>10.1f}{live_fps / bare_fps:>9.2f}"
        f"{'>= 0.90':>9} {'ok' if live_ok else 'MISSED'}"
    )
    if runs["annotate"]:
        ann_fps = med("annotate", "fps")
        ann_ok = ann_fps >= 0.75 * bare_fps
        print(
            f"{'analyze --annotate':<34}{ann_fps:>10.1f}{ann_fps / bare_fps:>9.2f}"
            f"{'>= 0.75':>9} {'ok' if ann_ok else 'MISSED'}"
        )
    else:
        print(f"{'analyze --annotate':<34}{'skipped':>10}")
    p50 = med("live", "latency_median_ms")
    p95 = med("live", "latency_p95_ms")
    lat_ok = p95 <= 2.0 * model_ms
    print()
    print(f"model median time per frame (bare): {model_ms:.1f} ms")
    print(
        f"live frame-to-cue latency: median {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 <= {2.0 * model_ms:.1f} ms: {'ok' if lat_ok else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
