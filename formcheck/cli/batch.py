"""``formcheck batch``: score a folder or glob of clips into a clips table and a faults table.

Finished results are always written: on success, when some clips fail (they are rows with
``status=error``) and on Ctrl-C (what was done is written, then exit code 130). Re-running the
same command resumes: clips whose landmarks are cached are not run through the model again.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from formcheck.cli.common import (
    add_cache_options,
    add_pose_options,
    add_rule_options,
    engine_options,
)
from formcheck.cli.log import add_log_options, log_request
from formcheck.cli.logs import apply, log
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
    add_cache_options(parser)
    add_rule_options(parser)
    add_pose_options(parser, smoothing=False)
    add_log_options(parser, batch=True)
    parser.set_defaults(handler=cmd_batch)
    return parser


def _score(args: argparse.Namespace, executor):
    from formcheck.apps.batch import score_clips

    # Clips draw no frame bars: the batch shows one bar over the clips.
    options = engine_options(args, progress=False)
    # One argument: a folder, glob or file (a missing one is a clear error); several (the
    # shell expanded a glob): each kept, a missing one becomes an error row.
    inputs = args.inputs[0] if len(args.inputs) == 1 else args.inputs
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    return score_clips(
        inputs, workers=args.workers, executor=executor, progress=progress, options=options
    )


def _write(result, out: str) -> None:
    clips_path, faults_path = result.save(out)
    log.info(f"results written to {clips_path} and {faults_path}")


def cmd_batch(args: argparse.Namespace) -> int:
    from formcheck.apps.batch import BatchInterrupted, check_writable, dask_executor

    apply(args)  # -q/-v, also when run from add_batch_parser's parser rather than main()
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be 1 or more, got {args.workers}.")
    check_writable(args.out)  # before hours of scoring, not after
    logging_to = log_request(args)  # --log-as: load, date and log file checked now too
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
            if logging_to is not None:
                _log_reports(partial.reports, logging_to, args)
            log.warning(
                f"interrupted: {len(partial.reports)} of {partial.total} clips written; run "
                "the same command again to finish (cached landmarks are reused)"
            )
            return 130
    print(result.summary())
    _write(result, args.out)
    if logging_to is not None:
        _log_reports(result.reports, logging_to, args)
    return 0


def _log_reports(reports, request, args: argparse.Namespace) -> None:
    """Keep each clip with a verdict as a set (dated by the clip file unless --date)."""
    from formcheck.apps.log.writer import log_reports
    from formcheck.engine.analyze import load_rule_configs

    configs = load_rule_configs(args.config, args.strictness)  # the thresholds the batch used
    ids = log_reports(request, reports, configs)
    log.info(f"{len(ids)} sets logged for {request.person} in {request.log_path}")
