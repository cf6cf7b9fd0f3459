"""The ``formcheck`` command line.

Every problem a user can fix is a FormcheckError: printed as one message with a hint, exit
code 2. Anything else is a bug: one line asking for a report (``--debug`` shows the traceback),
exit code 1. Interrupts exit 130 after saying what was kept.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from formcheck import __version__
from formcheck.errors import ConfigError, FormcheckError

Handler = Callable[[argparse.Namespace], int]


def _add_pose_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("pose model")
    group.add_argument(
        "--model",
        default=None,
        help="model variant (lite, full, heavy) or path to a .task bundle "
        "(default: $FORMCHECK_MODEL, else full)",
    )
    group.add_argument(
        "--max-size",
        type=int,
        default=960,
        help="downscale frames so the long side is at most this many pixels (default 960; 0 = off)",
    )
    group.add_argument("--stride", type=int, default=1, help="use every N-th frame (default 1)")
    group.add_argument("--no-smooth", action="store_true", help="keep raw, unfiltered landmarks")
    group.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="always show a progress bar (default: only on a terminal)",
    )
    group.add_argument("--no-progress", dest="progress", action="store_false")


def _pose_stage_options(args: argparse.Namespace, with_masks: bool = False):
    from formcheck.pipeline import PoseStageOptions

    if args.max_size is not None and args.max_size < 0:
        raise ConfigError(f"--max-size must be 0 or positive, got {args.max_size}.")
    if args.stride < 1:
        raise ConfigError(f"--stride must be 1 or more, got {args.stride}.")
    return PoseStageOptions(
        model=args.model,
        max_size=args.max_size or None,
        stride=args.stride,
        smooth=not args.no_smooth,
        with_masks=with_masks,
    )


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
    from formcheck.pipeline import extract_pose_series

    out = Path(args.output)
    if out.suffix != ".npz":
        raise ConfigError(f"Output must be a .npz file, got {out}.", "Use -o landmarks.npz.")
    series = extract_pose_series(args.video, _pose_stage_options(args), progress=args.progress)
    saved = series.save(out)
    for line in _describe_series(series):
        print(line)
    print(f"landmarks saved to {saved}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from formcheck.model_store import list_models, resolve_model

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck",
        description="Camera form checks for the deadlift, plank and kettlebell swing.",
    )
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    pose = sub.add_parser("pose", help="extract landmarks from a video or image to a .npz file")
    pose.add_argument("video", help="video file, image, folder of images, or camera index")
    pose.add_argument("-o", "--output", required=True, help="landmark file to write (.npz)")
    _add_pose_options(pose)
    pose.set_defaults(handler=cmd_pose)

    models = sub.add_parser("models", help="list the installed pose models and verify checksums")
    models.set_defaults(handler=cmd_models)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except FormcheckError as exc:
        print(f"formcheck: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug
        if args.debug:
            raise
        print(
            f"formcheck: internal error ({type(exc).__name__}: {exc}). "
            "Re-run with --debug and report it.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
