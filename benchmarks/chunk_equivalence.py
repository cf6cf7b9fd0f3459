"""The chunked pose stage and the processing rate give the verdicts of the single stream.

    python benchmarks/chunk_equivalence.py [--clips DIR] [--samples DIR] [--sixty DIR]
        [--chunks 2] [--single-from-cache] [--only NAME ...]

For every clip in ``../shared/data/clips`` (videos; stills and GIFs run as they are) and every
sample in ``samples/``: the single-stream pose stage (``chunks=1``) against the chunked one
(``--chunks``, default 2 as on a 2-core machine; a clip shorter than two chunks runs as one and
is listed so), both at the default processing rate. Then, on 60 fps clips (the real ones in
the clip folder, and 60 fps versions of the samples made by frame interpolation: each new
frame is the mean of its two neighbours, written to ``--sixty``), every frame (``--fps
native``) against the default rate (about 30 fps: every other frame).

Printed per clip, for both: exercise, verdict, reps, hold time, fault codes with their times,
and any difference with its likely reason; for chunked runs, the landmark agreement in the
second after each chunk boundary (mean distance of the body landmarks between the two runs,
in % of the frame's long side) against the model's own frame-to-frame noise there (the mean
distance of each landmark from the midpoint of its neighbours in time, single stream).

``--single-from-cache``: read the single-stream landmarks from the landmark cache when an
entry exists under the same key (the cache is filled by the single-stream pose stage, so it
is the same computation; never written here), to save an hour of model time.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent.parent / "shared" / "data" / "clips"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data/clips")
MEDIA = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".gif", ".jpg", ".jpeg", ".png"}
# Shoulders, elbows, wrists, hips, knees, ankles: what the rules read.
BODY = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]


def judge(raw, options):
    """What analyze_clip does after the pose stage: smooth, measure, judge."""
    from formcheck.engine.analyze import analyze_series
    from formcheck.features.frame_input import measure_frames
    from formcheck.series.smoothing import smooth_offline

    series = smooth_offline(raw) if options.smooth else raw
    measures = measure_frames(series)
    return analyze_series(series, options.exercise, options.configs, measures=measures)


def raw_series(path: Path, options, from_cache: bool = False):
    """(raw series, whether it came from the cache)."""
    from formcheck.engine import clip
    from formcheck.engine.cache import LandmarkCache

    if from_cache and path.is_file():
        cached = LandmarkCache(None).get(clip.cache_key(path, options))
        if cached is not None:
            return cached, True
    return clip.raw_landmarks(path, replace(options, use_cache=False)).series, False


def summary(result) -> dict:
    faults = sorted(
        (f.code, round(f.start_ms / 1000, 2), round(f.end_ms / 1000, 2)) for f in result.faults
    )
    verdict = "not assessable" if not result.assessable else "faults" if result.faults else "good"
    hold = result.summary.hold_s
    return {
        "exercise": result.exercise,
        "verdict": verdict,
        "reps": len(result.reps),
        "hold_s": None if hold is None else round(hold, 1),
        "faults": faults,
        "rep_keys_s": [round(r.key_ms / 1000, 2) for r in result.reps],
    }


def describe(s: dict) -> str:
    faults = ", ".join(f"{c} {a:.1f}-{b:.1f}s" for c, a, b in s["faults"]) or "none"
    hold = "" if s["hold_s"] is None else f" hold {s['hold_s']:.1f}s"
    return f"{s['exercise']:<9} {s['verdict']:<14} reps {s['reps']}{hold}; faults: {faults}"


def differences(a: dict, b: dict, tolerance_s: float) -> list[str]:
    out = []
    for key in ("exercise", "verdict", "reps"):
        if a[key] != b[key]:
            out.append(f"{key} {a[key]} -> {b[key]}")
    if (a["hold_s"] is None) != (b["hold_s"] is None) or (
        a["hold_s"] is not None and abs(a["hold_s"] - b["hold_s"]) > max(0.5, 0.05 * a["hold_s"])
    ):
        out.append(f"hold {a['hold_s']} -> {b['hold_s']}")
    codes_a = sorted(c for c, *_ in a["faults"])
    codes_b = sorted(c for c, *_ in b["faults"])
    if codes_a != codes_b:
        out.append(f"fault codes {codes_a} -> {codes_b}")
    else:
        for (c, s1, e1), (_, s2, e2) in zip(a["faults"], b["faults"], strict=True):
            if abs(s1 - s2) > tolerance_s or abs(e1 - e2) > tolerance_s:
                out.append(f"{c} time {s1}-{e1}s -> {s2}-{e2}s")
    if len(a["rep_keys_s"]) == len(b["rep_keys_s"]):
        moved = [abs(x - y) for x, y in zip(a["rep_keys_s"], b["rep_keys_s"], strict=True)]
        if moved and max(moved) > tolerance_s:
            out.append(f"rep key moments moved up to {max(moved):.2f}s")
    return out


def boundary_agreement(single, chunked, boundaries_ms, fps, long_side_px):
    """Per boundary: (mean body-landmark distance chunked vs single, model jitter), in % of
    the frame's long side, over the second after the boundary; and detections that differ."""
    rows = []
    window = max(3, int(round(fps)))
    for t in boundaries_ms:
        i = int(np.searchsorted(single.time_ms, t - 1e-3))
        sl = slice(i, min(len(single), i + window))
        a = single.image[sl][:, BODY, :2]
        b = chunked.image[sl][:, BODY, :2]
        scale = np.array([single.source.width, single.source.height]) / long_side_px
        dist = np.linalg.norm((a - b) * scale, axis=-1)  # fraction of the long side
        lo, hi = max(1, i), min(len(single) - 1, i + window)
        if hi - lo >= 1:
            mid = 0.5 * (single.image[lo - 1 : hi - 1] + single.image[lo + 1 : hi + 1])
            jitter = np.linalg.norm(
                (single.image[lo:hi][:, BODY, :2] - mid[:, BODY, :2]) * scale, axis=-1
            )
            noise = float(np.nanmean(jitter)) if np.isfinite(jitter).any() else float("nan")
        else:
            noise = float("nan")
        agree = float(np.nanmean(dist)) if np.isfinite(dist).any() else float("nan")
        found_a = np.isfinite(a).all(axis=(1, 2))
        found_b = np.isfinite(b).all(axis=(1, 2))
        rows.append((t / 1000, 100 * agree, 100 * noise, int((found_a != found_b).sum())))
    return rows


def make_sixty(src: Path, out_dir: Path) -> Path:
    """A 60 fps version of a 30 fps clip by frame interpolation (mean of neighbours)."""
    import cv2

    out = out_dir / f"{src.stem}_60fps.mp4"
    if out.exists():
        return out
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    ok, prev = cap.read()
    h, w = prev.shape[:2]
    tmp = out.with_suffix(".tmp.mp4")
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


def compare_chunks(path: Path, args, log) -> list[str]:
    from formcheck.engine import chunks
    from formcheck.engine.options import EngineOptions
    from formcheck.frames import VideoFileSource, open_source

    base = EngineOptions(progress=False)
    single_opts = replace(base, chunks=1)
    chunk_opts = replace(base, chunks=args.chunks)
    plan = [chunks.Chunk(0, 0, None)]
    with open_source(path, max_size=base.max_size, rate=base.rate()[0], strict_rate=False) as src:
        info = src.info
        if isinstance(src, VideoFileSource):
            plan = chunks.plan_for(info, args.chunks)
            clip = chunks.ChunkedClip(src)
            boundaries = [clip.time_ms(c.first) for c in plan[1:]]
    started = time.perf_counter()
    single, cached = raw_series(path, single_opts, args.single_from_cache)
    a = summary(judge(single, single_opts))
    lines = [f"{path.name}  ({len(single)} frames at {info.fps:.3g} fps, {len(plan)} chunk(s))"]
    lines.append(f"  single {'(cache)' if cached else '       '}: {describe(a)}")
    if len(plan) == 1:
        lines.append("  chunked        : same run (too short to split: one chunk)")
        return lines
    chunked, _ = raw_series(path, chunk_opts)
    b = summary(judge(chunked, chunk_opts))
    lines.append(f"  chunked x{len(plan)}     : {describe(b)}")
    diff = differences(a, b, tolerance_s=args.tolerance)
    lines.append("  SAME" if not diff else "  DIFFERENT: " + "; ".join(diff))
    long_side = max(info.width, info.height)
    for t, agree, noise, flips in boundary_agreement(
        single, chunked, boundaries, info.fps, long_side
    ):
        ratio = agree / noise if noise > 0 else float("nan")
        lines.append(
            f"  boundary {t:6.2f}s: landmarks differ {agree:.2f}% of frame vs model jitter "
            f"{noise:.2f}% ({ratio:.1f}x); detection differs on {flips} frame(s)"
        )
    lines.append(f"  ({time.perf_counter() - started:.0f} s)")
    return lines


def compare_rates(path: Path, args, label: str) -> list[str]:
    from formcheck.engine.options import EngineOptions

    native_opts = EngineOptions(progress=False, fps="native")
    default_opts = EngineOptions(progress=False)
    native, cached = raw_series(path, native_opts, args.single_from_cache)
    a = summary(judge(native, native_opts))
    half, _ = raw_series(path, default_opts)
    b = summary(judge(half, default_opts))
    lines = [f"{path.name} [{label}]  native {len(native)} frames, default rate {len(half)} frames"]
    lines.append(f"  native {'(cache)' if cached else '       '}: {describe(a)}")
    lines.append(f"  ~30 fps        : {describe(b)}")
    diff = differences(a, b, tolerance_s=args.tolerance)
    lines.append("  SAME" if not diff else "  DIFFERENT: " + "; ".join(diff))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=SHARED)
    parser.add_argument("--samples", type=Path, default=ROOT / "samples")
    parser.add_argument("--sixty", type=Path, default=Path("/tmp/formcheck_sixty"))
    parser.add_argument("--chunks", type=int, default=2)
    parser.add_argument("--tolerance", type=float, default=0.2, help="seconds (fault/rep times)")
    parser.add_argument("--single-from-cache", action="store_true")
    parser.add_argument("--only", nargs="*", default=None, help="clip names to run")
    parser.add_argument("--no-rates", action="store_true")
    args = parser.parse_args()

    import cv2

    files = sorted(p for p in args.clips.glob("*") if p.suffix.lower() in MEDIA)
    samples = sorted(args.samples.glob("*.mp4"))
    if args.only:
        files = [p for p in files if p.name in args.only]
        samples = [p for p in samples if p.name in args.only]
    print(
        f"# chunked (x{args.chunks}) vs single stream, default rate; {len(files)} clips, {len(samples)} samples"
    )
    for path in [*samples, *files]:
        try:
            lines = compare_chunks(path, args, print)
        except Exception as exc:  # a clip the engine refuses: say so, go on
            lines = [f"{path.name}: error {type(exc).__name__}: {exc}"]
        print("\n".join(lines), flush=True)
    if args.no_rates:
        return
    print("\n# every frame (--fps native) vs the default rate (~30 fps) on 60 fps clips")
    args.sixty.mkdir(parents=True, exist_ok=True)
    sixty = [(make_sixty(p, args.sixty), "sample, 60 fps by interpolation") for p in samples]
    for p in files:
        if p.suffix.lower() == ".mp4":
            cap = cv2.VideoCapture(str(p))
            fps = cap.get(cv2.CAP_PROP_FPS)
            cap.release()
            if fps >= 50:
                sixty.append((p, f"real, {fps:g} fps"))
    for path, label in sixty:
        try:
            lines = compare_rates(path, args, label)
        except Exception as exc:
            lines = [f"{path.name}: error {type(exc).__name__}: {exc}"]
        print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
