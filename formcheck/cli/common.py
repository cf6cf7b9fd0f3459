"""Command-line options shared by several subcommands, defined once so they read the same."""

from __future__ import annotations

import argparse
import logging
import math
import re
from pathlib import Path

from formcheck.cli.logs import log
from formcheck.errors import ConfigError
from formcheck.exercises.config import STRICTNESS_LEVELS


def add_threshold_options(group) -> None:
    """--strictness and --config (threshold presets and TOML overrides)."""
    group.add_argument(
        "--strictness",
        choices=STRICTNESS_LEVELS,  # text, so a bad value's message lists them as before
        default=None,
        help="threshold preset (default: the config file's, else standard)",
    )
    group.add_argument("--config", default=None, help="TOML file overriding thresholds")


def exercise_help() -> str:
    """``"auto (default), deadlift, plank or kbswing"``: what --exercise accepts."""
    from formcheck.engine.analyze import join_words
    from formcheck.exercises import registry

    return join_words([f"{registry.AUTO} (default)", *registry.exercise_ids()])


def add_rule_options(parser: argparse.ArgumentParser, *, exercise: bool = True) -> None:
    group = parser.add_argument_group("rules")
    if exercise:
        group.add_argument("--exercise", default="auto", help=exercise_help())
    add_threshold_options(group)
    if exercise:
        group.add_argument(
            "--baseline",
            default=None,
            metavar="CLIP_OR_LANDMARKS",
            help="one good hold or rep of the same person and camera: judge against their own "
            "neutral (a video, photos or saved landmarks)",
        )


def add_pose_options(
    parser: argparse.ArgumentParser,
    *,
    stride: bool = True,
    smoothing: bool = True,
    progress: bool = True,
    rate: bool = True,
) -> None:
    """The model and how frames reach it. ``rate``: --fps and --chunks (recorded clips only;
    live keeps the newest camera frame)."""
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
    if stride:
        group.add_argument("--stride", type=int, default=1, help="use every N-th frame (default 1)")
    if rate:
        group.add_argument(
            "--fps",
            default=None,
            metavar="N|native",
            help="processing rate of a video: analyse about N frames a second (default about "
            "30: a 60 fps clip uses every other frame, times stay exact); 'native' = every frame",
        )
        group.add_argument(
            "--chunks",
            type=int,
            default=None,
            metavar="N",
            help="split a long video into N pieces analysed in parallel "
            "(default: one per free core; 1 = a single stream)",
        )
    if smoothing:
        group.add_argument(
            "--no-smooth", action="store_true", help="keep raw, unfiltered landmarks"
        )
    if progress:
        group.add_argument(
            "--progress",
            dest="progress",
            action="store_true",
            default=None,
            help="always show a progress bar (default: only on a terminal)",
        )
        group.add_argument("--no-progress", dest="progress", action="store_false")


_CLOCK = re.compile(r"(\d+):([0-5]?\d(?:\.\d*)?)")


def parse_time(text: str) -> float:
    """A time in the file, in seconds: ``"12.5"`` -> 12.5, ``"1:05"`` -> 65.0, ``"1:05.5"``
    -> 65.5. Raises ValueError for anything else (negative, ``"1:75"``, ``"abc"``, ``"nan"``).
    """
    value = text.strip()
    clock = _CLOCK.fullmatch(value)
    if clock:
        return int(clock.group(1)) * 60.0 + float(clock.group(2))
    if re.fullmatch(r"\d+(?:\.\d*)?|\.\d+", value):
        seconds = float(value)
        if math.isfinite(seconds):
            return seconds
    raise ValueError(f"expected seconds (12.5) or mm:ss (1:05), got {text!r}")


def _time_arg(text: str) -> float:
    try:
        return parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_range_options(parser: argparse.ArgumentParser) -> None:
    """--start / --end: the part of a video file to read (times everywhere stay the file's)."""
    group = parser.add_argument_group("part of the video")
    for name, where in (("start", "from its beginning"), ("end", "to its end")):
        group.add_argument(
            f"--{name}",
            type=_time_arg,
            default=None,
            metavar="TIME",
            help=f"{name} of the part of the video to analyse, in seconds (12.5) or mm:ss "
            f"(1:05) of the file (default: {where}); reported times stay the file's own",
        )


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    """--cache / --no-cache: where raw landmarks are kept so a rerun skips the model."""
    cache = parser.add_argument_group("landmark cache")
    cache.add_argument(
        "--cache",
        default=None,
        metavar="DIR",
        help="cache folder (default $FORMCHECK_CACHE, else $XDG_CACHE_HOME/formcheck/landmarks or ~/.cache/formcheck/landmarks; "
        "on a Dask cluster: each worker's own default)",
    )
    cache.add_argument(
        "--no-cache", action="store_true", help="neither read nor write cached landmarks"
    )


def parse_rate(text: str | None) -> float | str | None:
    """``--fps``: None (the default rate), ``"native"`` or a rate in frames a second > 0.

    Raises ConfigError (one message, exit 2) for anything else: ``0``, ``-5``, ``abc``."""
    if text is None:
        return None
    value = text.strip().lower()
    if value == "native":
        return "native"
    try:
        rate = float(value)
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and rate > 0):
        raise ConfigError(
            f"--fps must be a number of frames a second above 0 or 'native', got {text!r}.",
            "Use e.g. --fps 15, --fps native for every frame, or leave it out for about 30.",
        )
    return rate


def engine_options(args: argparse.Namespace, **fields):
    """The engine's options from the flags ``args`` has (``fields`` set or override the rest).

    Only what the flags encode is checked here, so the message names the flag: ``--max-size 0``
    means no downscaling (a negative value means nothing), and ``--stride`` counts frames.
    Every value's range is checked once, by :class:`formcheck.engine.options.EngineOptions`.
    """
    from formcheck.engine.options import make_options

    max_size = getattr(args, "max_size", None)
    if max_size is not None and max_size < 0:
        raise ConfigError(f"--max-size must be 0 or positive, got {max_size}.")
    stride = getattr(args, "stride", 1)
    if stride < 1:
        raise ConfigError(f"--stride must be 1 or more, got {stride}.")
    baseline = getattr(args, "baseline", None)
    if baseline and not Path(baseline).expanduser().exists():
        # Said before any clip goes through the model (a baseline that exists but cannot
        # serve is said after, and the clip is judged without it).
        raise ConfigError(
            f"--baseline {baseline} not found.",
            "Give a clip, a folder of photos or saved landmarks (.npz) of one good hold or rep.",
        )
    chunks = getattr(args, "chunks", None)
    if chunks is not None and chunks < 1:
        raise ConfigError(f"--chunks must be 1 or more, got {chunks}.")
    flags = {
        "fps": parse_rate(getattr(args, "fps", None)),
        "chunks": chunks,
        "model": getattr(args, "model", None),
        "max_size": max_size or None,
        "stride": stride,
        "smooth": not getattr(args, "no_smooth", False),
        "progress": getattr(args, "progress", None),
        "start_s": getattr(args, "start", None),
        "end_s": getattr(args, "end", None),
        "baseline": getattr(args, "baseline", None),
    }
    if hasattr(args, "exercise"):
        flags["exercise"] = args.exercise
    if hasattr(args, "no_cache"):
        flags.update(use_cache=not args.no_cache, cache_dir=args.cache)
    settings = {**flags, **fields}
    if "configs" not in settings:  # else the caller loaded them already
        settings["strictness"] = getattr(args, "strictness", None)
        settings["config"] = getattr(args, "config", None)
    options = make_options(**settings)
    if log.isEnabledFor(logging.DEBUG):
        shown = ", ".join(
            f"{name}={value}" for name, value in vars(options).items() if name != "configs"
        )
        log.debug(f"engine options: {shown}")
    return options
