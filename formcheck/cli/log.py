"""``formcheck log``: the training log from the command line, and the ``--log-as`` options.

``list`` (people), ``show NAME`` (sets and load advice), ``export NAME --csv/--json``,
``delete`` (a set, or a person with everything about them; confirmed on a terminal, else
``--yes``), ``import TABLE`` (a batch clips table) and ``report NAME -o progress.html``.

:func:`add_log_options` puts ``--log-as NAME [--load 24kg] [--date ...] [--log PATH]`` on
``analyze``, ``live`` and ``batch``; :func:`log_request` checks them before any clip is scored.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from formcheck.cli.logs import add_verbosity_options, log
from formcheck.errors import ConfigError

LOG_HELP = (
    "training log file (default $FORMCHECK_LOG, else $XDG_DATA_HOME/formcheck/log.sqlite or "
    "~/.local/share/formcheck/log.sqlite)"
)


# ----------------------------------------------------------------------------- --log-as
def add_log_options(parser: argparse.ArgumentParser, *, batch: bool = False) -> None:
    group = parser.add_argument_group("training log (nothing is kept without --log-as)")
    whose = "every clip's set" if batch else "the set"
    group.add_argument(
        "--log-as", metavar="NAME", default=None, help=f"keep {whose} in NAME's training log"
    )
    group.add_argument(
        "--load", default=None, help="the load lifted, with its unit: 24kg, '53 lb', bodyweight"
    )
    default_date = "each clip file's time" if batch else "now"
    group.add_argument(
        "--date",
        default=None,
        metavar="YYYY-MM-DD[THH:MM]",
        help=f"when the set was done (default: {default_date})",
    )
    group.add_argument("--log", dest="log_path", metavar="PATH", default=None, help=LOG_HELP)


def log_request(args: argparse.Namespace):
    """The checked ``--log-as`` request (None when not asked): the load, the date and the log
    file are checked now, before any clip is scored."""
    from formcheck.apps.log.writer import check_request

    if getattr(args, "log_as", None) is None and getattr(args, "log_path", None) is not None:
        raise ConfigError("--log names the log to keep a set in; it needs --log-as NAME.")
    return check_request(
        getattr(args, "log_as", None),
        getattr(args, "load", None),
        getattr(args, "date", None),
        getattr(args, "log_path", None),
    )


def said_logged(set_id: int, request) -> None:
    log.info(f"set {set_id} logged for {request.person} in {request.log_path}")


# ----------------------------------------------------------------------------- tables
def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, columns padded, as the rest of the command prints them."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _open(args: argparse.Namespace, *, write: bool = False):
    from formcheck.apps.log.store import open_log

    return open_log(args.log_path, write=write)


def cmd_list(args: argparse.Namespace) -> int:
    with _open(args) as opened:
        people = opened.people()
        print(f"training log: {opened.path}")
    if not people:
        print("no sets logged yet")
        return 0
    rows = [
        (
            p.person,
            p.sets,
            p.judged,
            f"{p.first:%Y-%m-%d}",
            f"{p.last:%Y-%m-%d}",
            ", ".join(p.exercises),
        )
        for p in people
    ]
    print(text_table(("person", "sets", "judged", "first", "last", "exercises"), rows))
    return 0


def _exercise_name(exercise: str) -> str:
    from formcheck.exercises import registry

    spec = registry.find(exercise)
    return spec.name if spec is not None else exercise


def cmd_show(args: argparse.Namespace) -> int:
    from formcheck.apps.log.advice import advise_person

    with _open(args) as opened:
        sets = opened.person_sets(args.name)
    print(f"{args.name}: {len(sets)} sets")
    rows = [
        (
            s.id,
            s.when.replace("T", " "),
            _exercise_name(s.exercise),
            s.load.given if s.load else "-",
            s.describe(),
        )
        for s in sets
    ]
    print(text_table(("set", "when", "exercise", "load", "what the camera saw"), rows))
    for advice in advise_person(sets):
        print()
        print(f"{_exercise_name(advice.exercise)}: {advice.action}")
        for line in advice.lines():
            print(f"  {line}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from formcheck.apps.log.export import to_csv, to_json
    from formcheck.paths import ensure_writable, write_text_atomic

    with _open(args) as opened:
        sets = opened.person_sets(args.name)
    text = to_csv(sets) if args.format == "csv" else to_json(sets)
    if args.output:
        out = ensure_writable(args.output, "export")
        write_text_atomic(out, text, "export", newline="")
        log.info(f"{len(sets)} sets of {args.name} written to {out}")
    else:
        sys.stdout.write(text)
    return 0


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise ConfigError(
            f"Not deleting without confirmation: {question}",
            "Run it on a terminal to be asked, or add --yes.",
        )
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def cmd_delete(args: argparse.Namespace) -> int:
    with _open(args, write=True) as opened:
        if args.set is not None:
            found = opened.get(args.set)
            what = f"set {found.id} of {found.person} ({found.when}, {_exercise_name(found.exercise)}: {found.describe()})"
            if not _confirm(f"Delete {what}?", args.yes):
                print("nothing deleted")
                return 1
            opened.delete_set(args.set)
            print(f"deleted {what}")
        else:
            sets = opened.person_sets(args.person)
            if not _confirm(
                f"Delete {args.person} and all {len(sets)} of their sets from {opened.path}?",
                args.yes,
            ):
                print("nothing deleted")
                return 1
            count = opened.delete_person(args.person)
            print(f"deleted {args.person}: {count} sets")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from formcheck.apps.log.importer import import_table

    result = import_table(
        args.table, args.log_as, load=args.load, date=args.date, log=args.log_path
    )
    for clip, why in result.skipped:
        log.warning(f"warning: skipped {clip}: {why}")
    print(
        f"imported {len(result.added)} sets"
        + (f" (ids {result.added[0]}-{result.added[-1]})" if result.added else "")
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from formcheck.apps.log.progress import write_progress

    with _open(args) as opened:
        sets = opened.person_sets(args.name)
    out = write_progress(args.output, args.name, sets)
    log.info(f"progress page written to {out}")
    return 0


def add_log_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``formcheck log`` and its commands to ``formcheck``'s subparsers."""
    parser = subparsers.add_parser(
        "log",
        help="the training log: list, show, export, delete, import, report",
        description="The training log kept with --log-as: sets over weeks and load advice.",
    )
    parser.add_argument("--log", dest="log_path", metavar="PATH", default=None, help=LOG_HELP)
    sub = parser.add_subparsers(dest="log_command", metavar="COMMAND", required=True)

    def command(name: str, help: str, handler) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=help, description=help)
        # Also after the command's name; SUPPRESS keeps a --log given before it.
        child.add_argument(
            "--log", dest="log_path", metavar="PATH", default=argparse.SUPPRESS, help=LOG_HELP
        )
        child.set_defaults(handler=handler)
        add_verbosity_options(child)  # -q/-v after the command's name too
        return child

    command("list", "the people in the log, with their sets", cmd_list)
    show = command("show", "a person's sets and the load advice for each exercise", cmd_show)
    show.add_argument("name")
    export = command("export", "a person's sets as CSV (one row per set) or JSON", cmd_export)
    export.add_argument("name")
    fmt = export.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv")
    fmt.add_argument("--json", dest="format", action="store_const", const="json")
    export.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    delete = command("delete", "delete a set, or a person with all their sets", cmd_delete)
    which = delete.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--set", type=int, default=None, metavar="ID", help="the set's id (see show)"
    )
    which.add_argument(
        "--person", default=None, metavar="NAME", help="the person and all their sets"
    )
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    imp = command(
        "import", "import a batch clips table (.csv, or .parquet with pyarrow)", cmd_import
    )
    imp.add_argument("table", help="the clips table 'formcheck batch --out' wrote")
    imp.add_argument(
        "--log-as", default=None, metavar="NAME", help="whose sets (else a 'person' column)"
    )
    imp.add_argument("--load", default=None, help="the load of every set (else a 'load' column)")
    imp.add_argument(
        "--date",
        default=None,
        metavar="YYYY-MM-DD[THH:MM]",
        help="the date of every set (else a 'date' column, else each clip file's time)",
    )
    report = command("report", "a person's progress page (self-contained HTML)", cmd_report)
    report.add_argument("name")
    report.add_argument("-o", "--output", required=True, metavar="progress.html")
    return parser
