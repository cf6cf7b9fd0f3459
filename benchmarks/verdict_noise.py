"""Do verdicts on real clips flip on model noise? A probe for knife edges beyond the view.

    python benchmarks/verdict_noise.py [--seeds 5] [--px 1.0] [--metres 0.005]

Reads each real clip's raw landmarks from the landmark cache (default engine options; a clip
not cached is skipped, the model is never run), then judges it as ``analyze_clip`` does
(Butterworth smoothing, then the exercise's rule) as it is and ``--seeds`` times with Gaussian
noise added to the raw landmarks: ``--px`` pixels on the image coordinates, ``--metres`` on
the world ones. The default sizes come from benchmarks/view_noise.py's dense runs: feeding the
full model frames moved by one grey level moved image landmarks by a median 0.2-0.8 px (p95
0.6-7.8 px) and world landmarks by a median 2-5 mm, the stand-in for another CPU's rounding.

Printed per clip whose verdict changes under any seed: the reference and the noisy verdicts
(rep count, fault codes with counts, the clip's view). The summary counts flips by kind.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("FORMCHECK_SHARED_DATA") or ROOT.parent / "shared" / "data")


def verdict(series, exercise: str) -> tuple:
    from formcheck.engine.analyze import analyze_series
    from formcheck.series.smoothing import smooth_offline

    result = analyze_series(smooth_offline(series), exercise)
    faults = tuple(sorted(Counter(f.code for f in result.faults).items()))
    view = result.view.view if result.view is not None else "?"
    return (result.assessable, len(result.reps), faults, view)


def noisy(series, rng: np.random.Generator, px: float, metres: float):
    size = np.array([series.source.width, series.source.height, series.source.width])
    image = series.image + rng.normal(0.0, px, series.image.shape) / size
    world = series.world + rng.normal(0.0, metres, series.world.shape)
    return replace(series, image=image.astype(np.float32), world=world.astype(np.float32))


def main() -> None:
    from formcheck.engine.cache import LandmarkCache
    from formcheck.engine.clip import cache_key
    from formcheck.engine.options import EngineOptions
    from formcheck.errors import ConfigError
    from formcheck.exercises import registry

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--px", type=float, default=1.0)
    parser.add_argument("--metres", type=float, default=0.005)
    args = parser.parse_args()
    with open(SHARED / "MANIFEST.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["file"].endswith(".mp4")]
    cache, options = LandmarkCache(None), EngineOptions()
    kinds: Counter[str] = Counter()
    judged = 0
    for row in rows:
        path = SHARED / "clips" / row["file"]
        try:
            exercise = registry.normalise(row["exercise"])
        except ConfigError:  # a clip of another exercise (the recognition negatives)
            continue
        series = cache.get(cache_key(path, options)) if path.is_file() else None
        if series is None:
            continue
        judged += 1
        ref = verdict(series, exercise)
        rng = np.random.default_rng(0)
        others = [verdict(noisy(series, rng, args.px, args.metres), exercise)]
        others += [
            verdict(noisy(series, rng, args.px, args.metres), exercise)
            for _ in range(args.seeds - 1)
        ]
        changed = [o for o in others if o != ref]
        if not changed:
            continue
        for o in set(changed):
            if o[0] != ref[0]:
                kinds["assessable"] += 1
            if o[1] != ref[1]:
                kinds["rep count"] += 1
            if o[2] != ref[2]:
                kinds["faults"] += 1
            if o[3] != ref[3]:
                kinds["view"] += 1
        print(f"{row['file']}: {ref}")
        for o in sorted(set(changed), key=str):
            print(f"    {changed.count(o)}/{args.seeds} seeds: {o}")
    print(
        f"{judged} cached clips judged, {args.seeds} noisy runs each; changed verdicts: {dict(kinds)}"
    )


if __name__ == "__main__":
    main()
