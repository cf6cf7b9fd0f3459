"""formcheck against the loops a user could write instead, on one clip, in one alternating run.

    python benchmarks/peer_speed.py CLIP [--rounds 3] [--legacy-python PATH] [--sixty]
        [--memory]

Three contenders, each a fresh process timed from start to exit (imports, model load, decode
and all: the time until a user has an answer), run alternately (A B C A B C ...) so a shared
machine's drifting load is spread over all of them:

A. ``formcheck analyze CLIP`` with default settings (processing rate about 30 fps, chunks
   from the free cores, masks and smoothing, the verdict and the report);
B. the bare Tasks loop: OpenCV decodes every frame, ``PoseLandmarker.detect_for_video`` in
   VIDEO mode with the same model bundle, no masks, nothing else;
C. the legacy loop most open-source form checkers run: ``mp.solutions.pose.Pose(
   model_complexity=1)`` (the full model) on every decoded frame, in a side venv with
   mediapipe 0.10.21 (``--legacy-python``; the row is skipped with the reason if it is absent):
   ``python3 -m venv /work/scratch/legacy && /work/scratch/legacy/bin/pip install
   mediapipe==0.10.21 opencv-python-headless``.

Frames/s are the clip's frames over each process's wall time, so all three are in the same
unit whatever formcheck skips; ratios are per round (A over B, A over C) and their median.
``--sixty`` repeats the comparison on a 60 fps version of CLIP made by frame interpolation
(every new frame the mean of its two neighbours; the motion keeps its speed).
``--memory`` gives ``formcheck analyze``'s peak resident memory on 1- and 5-minute clips made
by concatenating CLIP (streaming: it must not grow with length).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_LEGACY = Path("/work/scratch/legacy/bin/python")

BARE = """
import os, sys
os.environ.setdefault("GLOG_minloglevel", "2")
import cv2, mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision
clip, model = sys.argv[1], sys.argv[2]
options = vision.PoseLandmarkerOptions(
    base_options=BaseOptions(model_asset_path=model),
    running_mode=vision.RunningMode.VIDEO, num_poses=1)
cap = cv2.VideoCapture(clip)
fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
n = 0
with vision.PoseLandmarker.create_from_options(options) as landmarker:
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        result = landmarker.detect_for_video(image, int(n * 1000 / fps))
        n += 1
print("FRAMES", n)
"""

LEGACY = """
import sys
import cv2, mediapipe as mp
cap = cv2.VideoCapture(sys.argv[1])
n = 0
with mp.solutions.pose.Pose(model_complexity=1) as pose:
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        result = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        n += 1
print("FRAMES", n)
"""


def clip_frames(clip: Path) -> tuple[int, float]:
    import cv2

    cap = cv2.VideoCapture(str(clip))
    frames, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return frames, fps


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU time of ``command`` from start to exit; raises if it fails."""
    env = {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}): {done.stderr[-800:]}")
    return elapsed, _children_cpu() - cpu


def contenders(clip: Path, legacy: Path | None) -> dict[str, list[str] | str]:
    """name -> command, or the reason it is skipped."""
    from formcheck.pose.models import resolve_model

    formcheck = str(Path(sys.executable).with_name("formcheck"))
    model = str(resolve_model("full").path)
    rows: dict[str, list[str] | str] = {
        "A formcheck analyze": [formcheck, "analyze", str(clip), "--no-progress", "-q"],
        "B bare Tasks loop": [sys.executable, "-c", BARE, str(clip), model],
    }
    if legacy is None or not legacy.exists():
        rows["C legacy mp.solutions.pose"] = (
            f"skipped: no Python with mediapipe 0.10.21 at {legacy} (see --legacy-python)"
        )
    else:
        check = subprocess.run(
            [str(legacy), "-c", "import mediapipe as mp; mp.solutions.pose; print(mp.__version__)"],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            rows["C legacy mp.solutions.pose"] = (
                f"skipped: {legacy} has no mp.solutions ({check.stderr.strip()[-200:]})"
            )
        else:
            rows["C legacy mp.solutions.pose"] = [str(legacy), "-c", LEGACY, str(clip)]
    return rows


def compare(clip: Path, rounds: int, legacy: Path | None, warmup: bool = True) -> None:
    frames, fps = clip_frames(clip)
    rows = contenders(clip, legacy)
    runnable = {name: cmd for name, cmd in rows.items() if isinstance(cmd, list)}
    print(f"\nclip: {clip} ({frames} frames at {fps:g} fps, {frames / fps:.1f} s)")
    print(f"{rounds} rounds, alternating; frames/s = clip frames / process wall time")
    # One warm-up of each (page cache, Python's bytecode cache), not counted.
    for command in runnable.values() if warmup else ():
        timed(command)
    times: dict[str, list[float]] = {name: [] for name in runnable}
    cpu: dict[str, list[float]] = {name: [] for name in runnable}
    for _ in range(rounds):
        for name, command in runnable.items():
            elapsed, used = timed(command)
            times[name].append(elapsed)
            cpu[name].append(used)
            print(f"    ({name}: {elapsed:.1f} s wall, {used:.1f} s CPU)", flush=True)
    rate = {name: [frames / t for t in runs] for name, runs in times.items()}
    for name, value in rows.items():
        if isinstance(value, str):
            print(f"  {name:<28} {value}")
            continue
        runs = ", ".join(f"{r:.1f}" for r in rate[name])
        used = statistics.median(cpu[name])
        print(
            f"  {name:<28} {statistics.median(rate[name]):6.1f} frames/s  [{runs}]; "
            f"CPU {1000 * used / frames:.1f} ms per clip frame"
        )
    a = "A formcheck analyze"
    for other in runnable:
        if other == a:
            continue
        ratios = [x / y for x, y in zip(rate[a], rate[other], strict=True)]
        listed = ", ".join(f"{r:.2f}" for r in ratios)
        print(f"  ratio A / {other[0]}: {statistics.median(ratios):.2f}  (per round: {listed})")


def make_sixty(src: Path, out: Path) -> Path:
    """A 60 fps version of a 30 fps clip by frame interpolation (mean of neighbours)."""
    import cv2

    if out.exists():
        return out
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    ok, prev = cap.read()
    h, w = prev.shape[:2]
    tmp = out.with_name(out.stem + ".tmp.mp4")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), 2 * fps, (w, h))
    while ok:
        writer.write(prev)
        ok, frame = cap.read()
        if not ok:
            writer.write(prev)  # the last frame twice: the clip keeps its length
            break
        writer.write(((prev.astype(np.uint16) + frame) // 2).astype(np.uint8))
        prev = frame
    writer.release()
    cap.release()
    tmp.rename(out)
    return out


def concatenate(src: Path, out: Path, seconds: float) -> Path:
    """``src`` repeated until the result lasts ``seconds`` (re-encoded, mp4v)."""
    import cv2

    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    written, wanted = 0, int(round(seconds * fps))
    while written < wanted:
        cap = cv2.VideoCapture(str(src))
        while written < wanted:
            ok, frame = cap.read()
            if not ok:
                break
            writer.write(frame)
            written += 1
        cap.release()
    writer.release()
    return out


def peak_rss_mb(command: list[str]) -> float:
    """Peak resident memory of ``command`` (a fresh wrapper, so the maximum is its own)."""
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-800:])
    return float(out.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def compile_bytecode() -> None:
    """Write formcheck's bytecode (.pyc) before timing, as its first run on a user's machine does.

    The loops' libraries came with theirs (pip compiles on install), but an editable install
    of formcheck has none until it first runs, and where PYTHONDONTWRITEBYTECODE is set (as in
    our sandboxes) it never gets any: every run would compile ~130 modules again (~0.2-0.4 s
    of CPU), a cost no installed copy pays.
    """
    import compileall

    package = ROOT / "formcheck"
    compileall.compile_dir(str(package), quiet=1)
    note = (
        " (PYTHONDONTWRITEBYTECODE is set here)"
        if os.environ.get("PYTHONDONTWRITEBYTECODE")
        else ""
    )
    print(f"formcheck's bytecode compiled before timing, as its first run would write it{note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--legacy-python", type=Path, default=DEFAULT_LEGACY)
    parser.add_argument("--sixty", action="store_true", help="also a 60 fps version of CLIP")
    parser.add_argument("--only-sixty", action="store_true", help="only the 60 fps version")
    parser.add_argument("--memory", action="store_true", help="1- vs 5-minute peak memory")
    parser.add_argument("--memory-only", action="store_true", help="only the memory check")
    parser.add_argument("--no-warmup", action="store_true", help="skip the uncounted first run")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; load average at start {load:.1f}")
    compile_bytecode()
    with tempfile.TemporaryDirectory() as scratch:
        warm = not args.no_warmup
        if not (args.only_sixty or args.memory_only):
            compare(args.clip, args.rounds, args.legacy_python, warm)
        if (args.sixty or args.only_sixty) and not args.memory_only:
            sixty = make_sixty(args.clip, Path(scratch) / f"{args.clip.stem}_60fps.mp4")
            print("\n60 fps version by frame interpolation (new frames: mean of neighbours)")
            compare(sixty, args.rounds, args.legacy_python, warm)
        if args.memory or args.memory_only:
            formcheck = str(Path(sys.executable).with_name("formcheck"))
            print()
            peaks = {}
            for minutes in (1, 5):
                long = concatenate(args.clip, Path(scratch) / f"long_{minutes}.mp4", 60.0 * minutes)
                peaks[minutes] = peak_rss_mb(
                    [formcheck, "analyze", str(long), "--no-progress", "-q"]
                )
                print(
                    f"{minutes}-minute clip ({args.clip.name} repeated): peak RSS {peaks[minutes]:.0f} MB"
                )
            print(f"5 min / 1 min: {peaks[5] / peaks[1]:.3f} (target within 1.10)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end {load:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
