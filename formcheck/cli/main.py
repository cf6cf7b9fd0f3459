"""The ``formcheck`` command line.

Every problem a user can fix is a FormcheckError: printed as one message with a hint, exit
code 2. Anything else is a bug: one line asking for a report (``--debug`` shows the traceback),
exit code 1. Interrupts exit 130 after saying what was kept.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from formcheck import __version__
from formcheck.cli.common import (
    add_cache_options,
    add_pose_options,
    add_range_options,
    add_rule_options,
    engine_options,
    parse_rate,
)
from formcheck.cli.log import add_log_options, log_request, said_logged
from formcheck.cli.logs import add_verbosity_options, apply, log
from formcheck.errors import ConfigError, FormcheckError
from formcheck.paths import ensure_writable

Handler = Callable[[argparse.Namespace], int]


def _range_line(series) -> str | None:
    """``analysed 0:02 (2 s) to 0:06 (6 s) of the file``, when only part of it was read."""
    from formcheck.frames.core import format_time

    source = series.source
    if not source.ranged:
        return None
    start = format_time(source.start_s or 0.0)
    end = "its end" if source.end_s is None else format_time(source.end_s)
    return f"analysed {start} to {end} of the file; times are the file's own"


def _damage_line(series) -> str | None:
    """What the decoder could not read whole, in formcheck's words (None when all was well)."""
    from formcheck.frames.damage import describe_damage

    return describe_damage(series.source.damage)


def _describe_series(series) -> list[str]:
    lines = [
        f"frames: {len(series)} ({series.duration_s:.1f} s at {series.fps:.1f} fps, "
        f"{series.source.width}x{series.source.height})",
        f"person found in {series.detection_rate:.0%} of frames",
    ]
    if len(series) and series.detection_rate == 0:
        lines.append("nobody was found in this clip: check the person is in view and lit")
    elif series.max_people > 1:
        share = float((series.num_people > 1).mean())
        lines.append(
            f"{series.max_people} people seen in {share:.0%} of frames; followed the one "
            "tracked first (ask others to step out of view for reliable checks)"
        )
    return lines


def cmd_pose(args: argparse.Namespace) -> int:
    from formcheck.engine.pose_stage import extract_pose_series

    out = Path(args.output)
    if out.suffix != ".npz":
        raise ConfigError(f"Output must be a .npz file, got {out}.", "Use -o landmarks.npz.")
    ensure_writable(out, "landmark file")
    # Masks always: saved landmarks may be scored later as any exercise.
    options = engine_options(args, with_masks=True)
    series = extract_pose_series(args.video, options, progress=args.progress)
    saved = series.save(out)
    for line in [_range_line(series), _damage_line(series), *_describe_series(series)]:
        if line:
            print(line)
    log.info(f"landmarks saved to {saved}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from formcheck.pose.models import list_models, resolve_model

    rows = list_models()
    width = max(len(v) for v, _, _ in rows)
    for variant, path, status in rows:
        print(f"{variant:<{width}}  {status:<34}  {path if path else '-'}")
    try:
        default = resolve_model(None)
        print(f"default: {default.variant} ({default.path})")
    except FormcheckError as exc:
        print(f"default: unavailable: {exc.problem}")
        return 2
    broken = [s for _, p, s in rows if p is not None and not s.startswith(("ok", "unverified"))]
    return 2 if broken else 0


def _write_json(path: str | Path, data) -> Path:
    import json

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(path)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write {path} ({exc.strerror}).", "Choose a writable output path."
        ) from exc
    return path


def cmd_analyze(args: argparse.Namespace) -> int:
    from formcheck.cli.outputs import check_outputs, write_outputs
    from formcheck.engine.analyze import analyze_series, load_rule_configs
    from formcheck.engine.clip import analyze_clip
    from formcheck.exercises import registry
    from formcheck.outputs.report_text import format_result
    from formcheck.series.core import PoseSeries

    exercise = registry.normalise(args.exercise)
    configs = load_rule_configs(args.config, args.strictness)
    check_outputs(args)
    logging_to = log_request(args)  # --log-as: load, date and log file checked before the model
    if args.json:
        ensure_writable(args.json, "JSON file")
    if args.save_landmarks:
        if Path(args.save_landmarks).suffix != ".npz":
            raise ConfigError(
                f"--save-landmarks must name a .npz file, got {args.save_landmarks}.",
                "Use --save-landmarks landmarks.npz.",
            )
        ensure_writable(args.save_landmarks, "landmark file")
    if str(args.video).endswith(".npz"):
        if args.start is not None or args.end is not None:
            raise ConfigError(
                "--start/--end select part of a video; saved landmarks are re-scored whole.",
                "Save the landmarks of that part with 'formcheck pose VIDEO --start .. --end ..', "
                "or analyse the video itself with the range.",
            )
        # Re-score saved landmarks: no model, no video needed.
        series = PoseSeries.load(args.video)
        log.debug(
            f"re-scoring saved landmarks {args.video}: {len(series)} frames, model "
            f"{series.model or 'unknown'}, smoothing {series.smoothing or 'none'}"
        )
        # Measured once, for the verdict and the outputs below.
        from formcheck.features.frame_input import measure_frames

        measures = measure_frames(series)
        result = analyze_series(series, exercise, configs, measures=measures)
        if args.baseline:
            from formcheck.engine.baseline import apply_baseline

            # The baseline is analysed as the flags say (model, size, rate, cache).
            options = engine_options(args, exercise=exercise, configs=configs)
            result = apply_baseline(series, measures, result, options)
    else:
        analysis = analyze_clip(
            args.video, engine_options(args, exercise=exercise, configs=configs)
        )
        series, result, measures = analysis.series, analysis.result, analysis.measures
        for message in analysis.warnings:  # e.g. the landmark cache cannot be written
            log.warning(f"warning: {message}")
    if args.save_landmarks:
        series.save(args.save_landmarks)
    if args.json:
        payload = {
            "source": series.source.to_dict(),
            "frames": len(series),
            "detection_rate": series.detection_rate,
            "result": result.to_dict(),
        }
        if series.source.ranged and len(series):  # the part of the file read, its own times
            payload["analysed_s"] = [series.time_ms[0] / 1000.0, series.time_ms[-1] / 1000.0]
        _write_json(args.json, payload)
    print(format_result(result, Path(str(args.video)).name))
    for line in (_range_line(series), _damage_line(series)):
        if line:
            print(line)
    if series.max_people > 1:
        print(_describe_series(series)[-1])
    if args.json:
        log.info(f"results written to {args.json}")
    # Videos and reports come last: the verdict above is already printed and saved if they fail.
    for line in write_outputs(args, args.video, series, result, measures=measures):
        log.info(line)
    if logging_to is not None:
        from formcheck.apps.log.writer import log_result

        set_id = log_result(
            logging_to,
            result,
            clip=None if str(args.video).isdigit() else args.video,  # a camera index: no clip
            config=configs.get(result.exercise),
            report_path=getattr(args, "report", None),
        )
        said_logged(set_id, logging_to)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from formcheck.apps.evaluate import run_evaluation

    fps = parse_rate(args.fps)
    if args.chunks is not None and args.chunks < 1:
        raise ConfigError(f"--chunks must be 1 or more, got {args.chunks}.")
    if args.out:
        ensure_writable(args.out, "results file")
    report = run_evaluation(
        args.manifest,
        model=args.model,
        max_size=args.max_size or None,
        strictness=args.strictness,
        config=args.config,
        progress=args.progress,
        cache_dir=args.cache,
        use_cache=not args.no_cache,
        fps=fps,
        chunks=args.chunks,
    )
    print(report.format_table())
    failed = [c for c in report.clips if c.get("error")]
    if failed:
        log.warning(
            f"warning: {len(failed)} of {len(report.clips)} clips could not be analysed "
            "(listed with their errors in the table above and in the JSON 'clips')"
        )
    if args.out:
        _write_json(args.out, report.to_dict())
        log.info(f"results written to {args.out}")
    return 0


def _exercise_names() -> str:
    """``"deadlift, plank and kettlebell swing"``: the registered exercises, for the help."""
    from formcheck.engine.analyze import join_words
    from formcheck.exercises import registry

    return join_words([s.name for s in registry.all_specs()], last="and")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one message with a pointer to --help, not a usage dump."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}\n  -> See '{self.prog} --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    from formcheck.cli.batch import add_batch_parser
    from formcheck.cli.live import add_live_parser
    from formcheck.cli.log import add_log_parser
    from formcheck.cli.outputs import add_output_options

    parser = _Parser(
        prog="formcheck",
        description=f"Camera form checks for the {_exercise_names()}.",
    )
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    add_verbosity_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    pose = sub.add_parser("pose", help="extract landmarks from a video or image to a .npz file")
    pose.add_argument("video", help="video file, image, folder of images, or camera index")
    pose.add_argument("-o", "--output", required=True, help="landmark file to write (.npz)")
    add_pose_options(pose)
    add_range_options(pose)
    pose.set_defaults(handler=cmd_pose)

    analyze = sub.add_parser(
        "analyze", help="check the form in a video or image: reps, faults and a set summary"
    )
    analyze.add_argument(
        "video", help="video, image, folder of images, camera index, or saved landmarks (.npz)"
    )
    analyze.add_argument("--json", default=None, help="also write the full verdict as JSON")
    analyze.add_argument("--save-landmarks", default=None, help="save the landmarks (.npz)")
    add_rule_options(analyze)
    add_pose_options(analyze)
    add_range_options(analyze)
    add_output_options(analyze)
    add_log_options(analyze)
    analyze.set_defaults(handler=cmd_analyze)

    evaluate = sub.add_parser("evaluate", help="score a labelled set of clips (MANIFEST.csv)")
    evaluate.add_argument("manifest", help="CSV with columns file, exercise, label, view")
    evaluate.add_argument("--out", default=None, help="write the results as JSON")
    add_rule_options(evaluate, exercise=False)
    add_pose_options(evaluate, stride=False, smoothing=False)
    add_cache_options(evaluate)
    evaluate.set_defaults(handler=cmd_evaluate)

    add_live_parser(sub)
    add_batch_parser(sub)
    add_log_parser(sub)

    models = sub.add_parser("models", help="list the installed pose models and verify checksums")
    models.set_defaults(handler=cmd_models)
    for command in sub.choices.values():  # -q/-v after the subcommand's name too
        add_verbosity_options(command)
    return parser


def _network_line(network: tuple[bool, str] | None) -> str:
    if network is None:
        return "network filter: not installed (main() called without the formcheck entry point)"
    done, why = network
    return f"network filter: {'on' if done else 'off'} ({why})"


def main(argv: Sequence[str] | None = None, *, network: tuple[bool, str] | None = None) -> int:
    """Run the command in ``argv``; ``network`` is what :func:`entry`'s network filter did
    (logged with ``-v``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    apply(args)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    log.debug(f"formcheck {__version__}, command {args.command}")
    log.debug(_network_line(network))
    started = time.perf_counter()
    try:
        return handler(args)
    except FormcheckError as exc:
        log.error(f"formcheck: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("formcheck: interrupted")
        return 130
    except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug
        if args.debug:
            raise
        log.error(
            f"formcheck: internal error ({type(exc).__name__}: {exc}). "
            "Re-run with --debug and report it."
        )
        return 1
    finally:
        log.debug(f"{args.command} took {time.perf_counter() - started:.2f} s")


def entry(argv: Sequence[str] | None = None) -> int:
    """The ``formcheck`` command (and ``python -m formcheck``): :func:`main` in a process that
    refuses internet sockets, so nothing it runs (MediaPipe's metrics uploader included) can
    send anything off the machine. Only ``batch --scheduler`` talks to a Dask cluster and keeps
    the network (the README says what that means). Not done in :func:`main` itself, which tests
    and notebooks call inside processes that need their sockets.
    """
    from formcheck.offline import forbid_network

    args, _ = build_parser().parse_known_args(argv)
    if getattr(args, "scheduler", None):
        network = (False, "batch --scheduler talks to a Dask cluster")
    else:
        network = forbid_network()
    return main(argv, network=network)


if __name__ == "__main__":
    raise SystemExit(entry())
