"""``formcheck live``: the command, and the OpenCV window the live loop draws into.

The loop itself (:mod:`formcheck.apps.live`) never opens a window; this module supplies one
(:class:`OpenCVWindow`) or none (``--no-display``), checks everything that can be checked
before the camera and the model are opened (a display, a writable summary path, speech), and
turns the run's outcome into an exit code: 0 when the set ended normally, a FormcheckError
(exit 2) when the camera could not be opened or dropped out mid-set, after the set so far has
been summarised and saved.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

import numpy as np

from formcheck.cli.common import (
    add_pose_options,
    add_range_options,
    add_rule_options,
    engine_options,
    exercise_help,
)
from formcheck.cli.log import add_log_options, log_request, said_logged
from formcheck.cli.logs import apply, log
from formcheck.errors import ConfigError, InputError
from formcheck.exercises import registry

WINDOW_TITLE = "formcheck live"
NO_DISPLAY_HINT = (
    "Run with --no-display to coach without a window (cues are printed, and spoken with "
    "--voice), or start formcheck from a desktop session."
)
KEYS_HELP = "keys: q/Esc quit, space pause, r new set, m mirror"


# ----------------------------------------------------------------------------- the window
def display_available() -> bool:
    """False where a window certainly cannot open (Linux without an X or Wayland display).

    Checked before touching OpenCV's GUI: its Qt backend aborts the whole process, rather
    than raising, when it cannot reach a display.
    """
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class OpenCVWindow:
    """The live window: ``show`` a BGR frame, ``poll_key`` for keys (closing it means quit)."""

    def __init__(self, title: str = WINDOW_TITLE) -> None:
        import cv2

        if not display_available():
            raise ConfigError("No display is available for the live window.", NO_DISPLAY_HINT)
        self.title = title
        self._sized = False
        _point_qt_at_system_fonts()
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO)
            cv2.imshow(title, np.zeros((240, 320, 3), np.uint8))
            cv2.waitKey(1)
        except cv2.error as exc:
            raise ConfigError(
                f"The live window could not be opened ({_first_line(str(exc))}).", NO_DISPLAY_HINT
            ) from exc

    def show(self, bgr: np.ndarray) -> None:
        import cv2

        try:
            if not self._sized:
                cv2.resizeWindow(self.title, bgr.shape[1], bgr.shape[0])
                self._sized = True
            cv2.imshow(self.title, bgr)
        except cv2.error as exc:
            raise ConfigError(
                f"The live window stopped working ({_first_line(str(exc))}).", NO_DISPLAY_HINT
            ) from exc

    def poll_key(self, wait_ms: int = 1) -> int | None:
        import cv2

        key = cv2.waitKey(max(1, int(wait_ms)))
        if key != -1:
            return key & 0xFF
        try:
            closed = cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            closed = True
        return 27 if closed else None  # the window's close button: quit like Esc

    def close(self) -> None:
        import cv2

        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass


# OpenCV's Qt build looks for fonts inside the cv2 package, which ships none, and says so on
# stderr twice per window; pointing it at the system's fonts keeps the terminal clean.
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype", "/usr/share/fonts")


def _point_qt_at_system_fonts() -> None:
    if sys.platform.startswith("linux") and "QT_QPA_FONTDIR" not in os.environ:
        for folder in _FONT_DIRS:
            if os.path.isdir(folder):
                os.environ["QT_QPA_FONTDIR"] = folder
                break


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text


# ----------------------------------------------------------------------------- the command
def default_summary_path(now: datetime | None = None) -> Path:
    """``formcheck_live_<timestamp>.json`` in the current folder."""
    now = now or datetime.now()
    return Path(f"formcheck_live_{now:%Y%m%d-%H%M%S}.json")


def add_live_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``live`` subcommand to an argparse subparsers object."""
    live = subparsers.add_parser(
        "live",
        help="coach live from a webcam (or a video played as one): overlay, cues, set summary",
        description="Live coaching: skeleton, key angles, rep counter or hold timer and cues "
        f"in a window ({KEYS_HELP}); a set summary when each set ends, saved as JSON.",
    )
    where = live.add_mutually_exclusive_group()
    where.add_argument(
        "--camera", type=int, default=None, metavar="INDEX", help="webcam number (default 0)"
    )
    where.add_argument(
        "--source",
        default=None,
        metavar="FILE",
        help="a video file played as a stand-in camera, at its own frame rate",
    )
    live.add_argument("--exercise", default=registry.AUTO, help=exercise_help())
    live.add_argument("--voice", action="store_true", help="speak the cues (espeak-ng or pyttsx3)")
    live.add_argument(
        "--no-display", action="store_true", help="no window: print cues (for remote machines)"
    )
    live.add_argument(
        "--no-realtime",
        action="store_true",
        help="with --source: process every frame as fast as possible instead of in real time",
    )
    live.add_argument(
        "--summary",
        default=None,
        metavar="PATH",
        help="where to save the set summaries (default formcheck_live_<time>.json here)",
    )
    live.add_argument(
        "--mirror",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a mirror image (default: on for a camera, off for a file; key m toggles)",
    )
    live.add_argument(
        "--cue-cooldown",
        type=float,
        default=None,
        metavar="SECONDS",
        help="do not repeat the same fault's cue within this many seconds (default 8)",
    )
    add_rule_options(live, exercise=False)
    add_pose_options(live, stride=False, smoothing=False, progress=False, rate=False)
    add_range_options(live)
    add_log_options(live)
    live.set_defaults(handler=cmd_live)
    return live


def _echo(line: str) -> None:
    print(line, flush=True)


def _warn(message: str) -> None:
    log.warning(f"formcheck: warning: {message}")


def _log_sets(sets, request, configs, clip) -> None:
    """Keep each finished set in the training log, dated when it started (unless --date)."""
    from formcheck.apps.log.records import parse_date
    from formcheck.apps.log.writer import log_result

    for record in sets:
        set_id = log_result(
            request,
            record.result,
            clip=clip,
            config=configs.get(record.result.exercise),
            performed_at=parse_date(record.started_at),
            source="live",
        )
        said_logged(set_id, request)


def cmd_live(args: argparse.Namespace) -> int:
    """Run a live session; returns the exit code (raises FormcheckError for user errors)."""
    from formcheck.apps.live import LiveCoach, run_live
    from formcheck.engine.analyze import load_rule_configs
    from formcheck.frames import open_source
    from formcheck.outputs.speech import DEFAULT_COOLDOWN_S, CuePolicy, open_speaker
    from formcheck.paths import ensure_writable

    apply(args)  # -q/-v, also when run from add_live_parser's parser rather than main()
    exercise = registry.normalise(args.exercise)
    configs = load_rule_configs(args.config, args.strictness)
    if args.no_realtime and args.source is None:
        raise ConfigError(
            "--no-realtime only applies to --source FILE.",
            "A camera always delivers frames in real time; drop --no-realtime.",
        )
    # The engine's options, checked once: the live loop shares the offline path's model,
    # frame size and mask decision (masks only when the exercise, or for auto any, needs them).
    options = engine_options(args, exercise=exercise, configs=configs)
    if args.source is None:  # before the camera opens; open_source says the same
        from formcheck.frames.core import refuse_range

        refuse_range(options.start_s, options.end_s, "a camera, which has no timeline")
    cooldown = DEFAULT_COOLDOWN_S if args.cue_cooldown is None else args.cue_cooldown
    policy = CuePolicy(cooldown_s=cooldown)
    summary = Path(args.summary).expanduser() if args.summary else default_summary_path()
    ensure_writable(summary, "set summary")
    logging_to = log_request(args)  # --log-as: checked before the camera opens

    # Everything that can fail without a camera fails before one is opened.
    display = None if args.no_display else OpenCVWindow()
    speaker = None
    estimator = None
    source = None
    try:
        speaker = open_speaker(args.voice, on_warning=_warn)
        # A first phrase: the person knows the voice works, and a missing sound card is
        # reported within a second rather than at the first fault.
        speaker.say("voice on")
        from formcheck.pose.backend import MediaPipePoseEstimator

        if args.source is not None:
            # A file opens before the model loads, so a bad file or range fails at once.
            source = open_source(
                args.source,
                max_size=options.max_size,
                realtime=not args.no_realtime,
                start_s=options.start_s,
                end_s=options.end_s,
            )
        estimator = MediaPipePoseEstimator(options.pose_options())
        if source is None:  # the camera last: nothing else can fail once it is on
            camera = 0 if args.camera is None else args.camera
            source = open_source(camera, max_size=options.max_size)
        mirrored = args.mirror if args.mirror is not None else args.source is None
        coach = LiveCoach(
            source.info,
            exercise=exercise,
            configs=configs,
            policy=policy,
            model=estimator.name,
            mirrored=mirrored,
        )
        info = source.info
        how = KEYS_HELP if display is not None else "no window; Ctrl-C stops"
        log.info(
            f"formcheck live: {info.name} ({info.width}x{info.height}), exercise {exercise}, "
            f"model {estimator.name}; {how}"
        )
        with source:
            run = run_live(
                source,
                estimator,
                coach,
                display=display,
                speaker=speaker,
                echo=_echo,
                summary_path=summary,
            )
    finally:
        for thing in (display, speaker, estimator, source):
            if thing is not None:
                thing.close()

    if not run.sets:
        _echo("no frames were judged; nothing to save")
    if logging_to is not None:  # before a dropped camera is reported: the sets are kept
        _log_sets(run.sets, logging_to, configs, args.source)
    if run.ended_by == "disconnected":
        saved = f"The set so far is saved in {run.summary_path}. " if run.sets else ""
        raise InputError(
            f"{run.error or 'the video source stopped'} mid-set.",
            f"{saved}Check the camera's cable and that no other program uses it, then start again.",
        )
    return 0
