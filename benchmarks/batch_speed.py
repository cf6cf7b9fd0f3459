"""Batch scoring throughput: 1 vs 2 local worker processes vs a 2-worker Dask LocalCluster,
and re-scoring from the landmark cache vs scoring from video. Not a test; prints a report.

    python benchmarks/batch_speed.py                      # the bundled samples, lite model
    python benchmarks/batch_speed.py --clips 'clips/*.mp4' --model full

Every mode scores the same clips in one run. Worker pools are started and warmed (formcheck
and mediapipe imported) before the clock starts, so the figures compare throughput, not
start-up (printed separately). Video modes bypass the cache except the first, which fills a
fresh one for the re-scoring measurement. Targets (issue 5): 2 workers / 1 worker >= 1.7 on a
2-core machine; re-scoring from the cache >= 20x faster than from video. The load average is
printed: other work on the machine distorts every figure.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.apps.batch import (  # noqa: E402
    BatchResult,
    estimator_factory,
    init_worker,
    resolve_inputs,
    score_clips,
)


def warm(model: str | None) -> int:
    """Run in each worker before timing: import everything, locate the model."""
    import formcheck.engine.pose_stage  # noqa: F401
    import formcheck.engine.recognize  # noqa: F401
    import formcheck.pose.backend  # noqa: F401

    estimator_factory(model)
    return os.getpid()


def per_minute(result: BatchResult) -> float:
    return 60.0 * len(result.reports) / result.elapsed_s


def peak_memory(result: BatchResult) -> dict[str, float]:
    peaks: dict[str, float] = {}
    for report in result.reports:
        if report.peak_rss_mb:
            peaks[report.worker] = max(peaks.get(report.worker, 0.0), report.peak_rss_mb)
    return peaks


def cpu_use(result: BatchResult, workers: int) -> float:
    """CPU time the workers got / (wall time x workers): well below 100% means they waited
    for a core (other load on the machine), and the ratios below understate the scaling."""
    return sum(r.cpu_s for r in result.reports) / (result.elapsed_s * workers)


def check(result: BatchResult, label: str) -> None:
    bad = [r for r in result.reports if r.status == "error"]
    if bad:
        print(f"  ! {label}: {len(bad)} clip(s) failed, e.g. {bad[0].name}: {bad[0].error}")


def run_pool(paths, workers: int, options: dict) -> tuple[BatchResult, float]:
    started = time.perf_counter()
    pool = cf.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=init_worker
    )
    with pool:
        list(pool.map(warm, [options["model"]] * workers))
        startup = time.perf_counter() - started
        result = score_clips(paths, executor=pool, progress=False, **options)
    return result, startup


def run_dask(paths, workers: int, options: dict) -> tuple[BatchResult, float] | None:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("  (Dask not installed: pip install 'formcheck[dask]')")
        return None
    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(warm, options["model"])
        startup = time.perf_counter() - started
        result = score_clips(paths, executor=client.get_executor(), progress=False, **options)
    return result, startup


def model_load_cost(model: str | None, repeats: int = 3) -> float:
    factory = estimator_factory(model)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        factory().close()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", default=str(ROOT / "samples"), help="folder or glob")
    parser.add_argument("--model", default="lite")
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--max-size", type=int, default=960)
    args = parser.parse_args()

    paths = resolve_inputs(args.clips)
    common = dict(model=args.model, stride=args.stride, max_size=args.max_size or None)
    load = os.getloadavg()
    print(
        f"{len(paths)} clips, model {args.model}, stride {args.stride}, "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} at start"
    )
    cache = tempfile.mkdtemp(prefix="formcheck_bench_cache_")

    rows: list[tuple[str, BatchResult, float]] = []
    one, startup = run_pool(paths, 1, dict(common, cache_dir=cache))
    check(one, "1 worker")
    rows.append(("1 worker (process)", one, startup))
    two, startup = run_pool(paths, 2, dict(common, use_cache=False))
    check(two, "2 workers")
    rows.append(("2 workers (processes)", two, startup))
    dask = run_dask(paths, 2, dict(common, use_cache=False))
    if dask is not None:
        check(dask[0], "Dask")
        rows.append(("Dask LocalCluster, 2 workers", dask[0], dask[1]))

    # Re-scoring: other thresholds, every clip from the cache, in this process.
    score_clips(paths, cache_dir=cache, strictness="strict", progress=False, **common)  # warm
    cached = score_clips(paths, cache_dir=cache, strictness="relaxed", progress=False, **common)
    hits = cached.counts["cache_hits"]

    print()
    header = f"{'mode':<30} {'clips/min':>10} {'s/clip':>8} {'start-up s':>11}"
    print(f"{header} {'peak MB/worker':>15} {'CPU use':>8}")
    for label, result, startup in rows:
        peaks = peak_memory(result)
        memory = f"{max(peaks.values()):.0f}" if peaks else "-"
        print(
            f"{label:<30} {per_minute(result):>10.1f} {result.elapsed_s / len(paths):>8.2f} "
            f"{startup:>11.1f} {memory:>15} {cpu_use(result, len(peaks) or 1):>7.0%}"
        )
    print(
        f"{'from cache (1 process)':<30} {per_minute(cached):>10.1f} "
        f"{cached.elapsed_s / len(paths):>8.3f} {'-':>11} {'-':>15}   ({hits}/{len(paths)} hits)"
    )

    base = per_minute(one)
    print()
    print(f"2 workers / 1 worker:       {per_minute(two) / base:.2f}  (target >= 1.7)")
    if dask is not None:
        print(f"Dask 2 workers / 1 worker:  {per_minute(dask[0]) / base:.2f}  (target >= 1.7)")
    print(f"cache / video (1 worker):   {per_minute(cached) / base:.1f}x  (target >= 20x)")

    cpu_per_clip = statistics.median(r.cpu_s for r in one.reports if r.status != "error")
    print(
        f"CPU per clip (median): {cpu_per_clip:.1f} s, i.e. {60 / cpu_per_clip:.1f} clips/min "
        "per free core; one worker uses about one core, so N free cores give about N times that"
    )
    clip_s = statistics.median(r.seconds for r in one.reports if r.status != "error")
    load_s = model_load_cost(args.model)
    print(
        f"model load (fresh landmarkers per clip): {load_s:.2f} s = "
        f"{100 * load_s / clip_s:.1f}% of a clip's median {clip_s:.1f} s"
    )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
