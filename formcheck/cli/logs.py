"""``-q/--quiet`` and ``-v/--verbose``: what the ``formcheck`` command says besides its verdict.

The verdict (the text report, the tables of ``evaluate`` and ``batch``, the summary of
``pose``) is printed to stdout, always. Everything else goes through the standard ``logging``
module, to the ``formcheck`` logger (library modules log to their own ``formcheck.*``
loggers), which :func:`configure` gives one handler on stderr:

* default (INFO): what the command has always said: where results were written, notes,
  warnings and errors;
* ``-q`` (WARNING): warnings and errors only; no progress bars (unless ``--progress``);
* ``-v`` (DEBUG): also which model bundle and checksum, the engine's options, the network
  filter, landmark cache hits and misses, timings.

Messages keep the words users know: warnings start with ``warning:`` or ``formcheck:`` as
before, so the handler adds no prefix of its own except ``debug:`` on DEBUG lines.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

LOGGER = "formcheck"
QUIET, NORMAL, VERBOSE = -1, 0, 1
LEVELS = {QUIET: logging.WARNING, NORMAL: logging.INFO, VERBOSE: logging.DEBUG}

log = logging.getLogger(LOGGER)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (pytest and notebooks replace it),
    after flushing stdout, so a log line lands after the verdict printed before it even when
    both streams go to one file (``> out.txt 2>&1``)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # the stream is always the current sys.stderr
        pass

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stdout.flush()
        super().emit(record)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.levelno <= logging.DEBUG:
            return f"debug: {text}"
        return text


def configure(verbosity: int = NORMAL) -> logging.Logger:
    """Set the ``formcheck`` logger's level for ``verbosity`` (QUIET, NORMAL or VERBOSE); its
    stderr handler is added once per process, however often the command runs in it."""
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(LEVELS.get(verbosity, logging.INFO))
    return log


def add_verbosity_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` on ``parser``.

    On the top-level parser (``top``) they set ``args.verbosity`` (default NORMAL); on a
    subcommand they only set it when given (argparse would otherwise let the subcommand's
    default overwrite ``formcheck -q analyze``), so both ``formcheck -q analyze`` and
    ``formcheck analyze -q`` work.
    """
    default = NORMAL if top else argparse.SUPPRESS
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q",
        "--quiet",
        dest="verbosity",
        action="store_const",
        const=QUIET,
        default=default,
        help="only warnings and errors (no progress bars unless --progress); "
        "the verdict is always printed",
    )
    group.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="store_const",
        const=VERBOSE,
        default=default,
        help="also debug lines: model file and checksum, options, network filter, cache, timings",
    )


def apply(args: argparse.Namespace) -> int:
    """Configure logging from ``args`` (and turn progress off under ``-q`` unless
    ``--progress`` was given); returns the verbosity."""
    verbosity = getattr(args, "verbosity", NORMAL)
    configure(verbosity)
    if verbosity == QUIET and getattr(args, "progress", False) is None:
        args.progress = False
    return verbosity
