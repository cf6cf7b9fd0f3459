"""``formcheck batch``: score a folder or glob of clips into a clips table and a faults table.

Finished results are always written: on success, when some clips fail (they are rows with
``status=error``) and on Ctrl-C (what was done is written, then exit code 130). Re-running the
same command resumes: clips whose landmarks are cached are not run through the model again.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from formcheck.errors import ConfigError

DEFAULT_SCHEDULER_TIMEOUT_S = 5.0


def add_batch_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``batch`` subcommand to ``formcheck``'s subparsers."""
    parser = subparsers.add_parser(
        "batch",
        help="score a folder or glob of clips into tables (.parquet or .csv)",
        description="Score many clips into a clips table (one row per clip) and a faults "
        "table (<out>_faults.<ext>, one row per fault). Landmarks are cached, so a rerun "
        "resumes and re-scoring with other thresholds does not run the model.",
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="DIR_OR_GLOB",
        help="folder of clips, quoted glob such as 'clips/**/*.mp4', or video files",
    )
    parser.add_argument(
        "--out", required=True, help="results file: results.parquet (needs pyarrow) or .csv"
    )
    run = parser.add_argument_group("where to run")
    where = run.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default 1: this process)",
    )
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    run.add_argument(
        "--scheduler-timeout",
        type=float,
        default=DEFAULT_SCHEDULER_TIMEOUT_S,
        metavar="SECONDS",
        help=f"give up connecting to --scheduler after this long (default {DEFAULT_SCHEDULER_TIMEOUT_S:g})",
    )
    cache = parser.add_argument_group("landmark cache")
    cache.add_argument(
        "--cache",
        default=None,
        metavar="DIR",
        help="cache folder (default $FORMCHECK_CACHE, else ~/.cache/formcheck/landmarks; "
        "on a Dask cluster: each worker's own default)",
    )
    cache.add_argument(
        "--no-cache", action="store_true", help="neither read nor write cached landmarks"
    )
    rules = parser.add_argument_group("rules")
    rules.add_argument(
        "--exercise", default="auto", help="auto (default), deadlift, plank, kbswing"
    )
    rules.add_argument(
        "--strictness",
        choices=("relaxed", "standard", "strict"),
        default=None,
        help="threshold preset (default: the config file's, else standard)",
    )
    rules.add_argument("--config", default=None, help="TOML file overriding thresholds")
    pose = parser.add_argument_group("pose model")
    pose.add_argument(
        "--model", default=None, help="lite, full, heavy or a .task path (default: full)"
    )
    pose.add_argument(
        "--max-size",
        type=int,
        default=960,
        help="downscale frames to this long side before the model (default 960; 0 = off)",
    )
    pose.add_argument("--stride", type=int, default=1, help="use every N-th frame (default 1)")
    pose.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="always show the progress bar (default: only on a terminal)",
    )
    pose.add_argument("--no-progress", dest="progress", action="store_false")
    parser.set_defaults(handler=cmd_batch)
    return parser


def _score(args: argparse.Namespace, executor):
    from formcheck.batch import score_clips

    if args.max_size is not None and args.max_size < 0:
        raise ConfigError(f"--max-size must be 0 or positive, got {args.max_size}.")
    # One argument: a folder, glob or file (a missing one is a clear error); several (the
    # shell expanded a glob): each kept, a missing one becomes an error row.
    inputs = args.inputs[0] if len(args.inputs) == 1 else args.inputs
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    return score_clips(
        inputs,
        workers=args.workers,
        executor=executor,
        exercise=args.exercise,
        cache_dir=args.cache,
        strictness=args.strictness,
        config=args.config,
        model=args.model,
        progress=progress,
        max_size=args.max_size or None,
        stride=args.stride,
        use_cache=not args.no_cache,
    )


def _write(result, out: str) -> None:
    clips_path, faults_path = result.save(out)
    print(f"results written to {clips_path} and {faults_path}")


def cmd_batch(args: argparse.Namespace) -> int:
    from formcheck.batch import BatchInterrupted, check_writable, dask_executor

    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be 1 or more, got {args.workers}.")
    check_writable(args.out)  # before hours of scoring, not after
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # batch warnings are printed once in the summary
        try:
            if args.scheduler:
                with dask_executor(args.scheduler, args.scheduler_timeout) as executor:
                    result = _score(args, executor)
            else:
                result = _score(args, None)
        except BatchInterrupted as stop:
            partial = stop.result
            print(partial.summary())
            _write(partial, args.out)
            print(
                f"interrupted: {len(partial.reports)} of {partial.total} clips written; run "
                "the same command again to finish (cached landmarks are reused)",
                file=sys.stderr,
            )
            return 130
    print(result.summary())
    _write(result, args.out)
    return 0
