"""``-q/--quiet`` and ``-v/--verbose`` on every command: the verdict always, the rest by level."""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys

import pytest

from formcheck.cli import logs
from formcheck.cli.main import build_parser, entry, main
from tests.exercises.plank.factories import plank_series

COMMANDS = ("analyze", "pose", "evaluate", "live", "batch", "models")


@pytest.fixture(autouse=True)
def _restore_level():
    logger = logging.getLogger(logs.LOGGER)
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def landmarks(tmp_path):
    path = tmp_path / "plank.npz"
    plank_series(duration_s=4.0, bend_deg=-15.0).save(path)
    return path


def run(args, capsys):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_quiet_keeps_the_verdict_and_hides_where_results_went(landmarks, tmp_path, capsys):
    out = tmp_path / "v.json"
    code, normal, normal_err = run(["analyze", landmarks, "--json", out], capsys)
    assert code == 0
    assert "Plank" in normal and "results written to" not in normal
    assert f"results written to {out}" in normal_err
    for argv in (["-q", "analyze", landmarks], ["analyze", landmarks, "--quiet"]):
        out.unlink()
        code, stdout, stderr = run([*argv, "--json", out], capsys)
        assert code == 0 and out.is_file()
        assert stdout == normal  # the verdict, word for word
        assert stderr == ""


def test_verbose_adds_debug_lines(landmarks, capsys):
    for argv in (["-v", "analyze", landmarks], ["analyze", landmarks, "--verbose"]):
        code, stdout, stderr = run(argv, capsys)
        assert code == 0 and "Plank" in stdout
        assert "debug: re-scoring saved landmarks" in stderr
        assert "debug: network filter: not installed" in stderr  # main() without entry()
        assert "debug: analyze took" in stderr
    code, _, stderr = run(["analyze", landmarks], capsys)
    assert code == 0 and "debug:" not in stderr


def test_verbose_logs_the_network_filter_entry_installed(landmarks, capsys, monkeypatch):
    # Never the real filter here: it would take the network from the whole test process.
    monkeypatch.setattr("formcheck.offline.forbid_network", lambda: (False, "not in tests"))
    code = entry(["analyze", str(landmarks), "-v"])
    err = capsys.readouterr().err
    assert code == 0
    assert "debug: network filter: off (not in tests)" in err


def test_quiet_still_reports_an_error(tmp_path, capsys):
    missing = tmp_path / "nope.npz"
    code, stdout, stderr = run(["analyze", missing, "-q"], capsys)
    assert code == 2 and stdout == ""
    assert stderr.startswith("formcheck: ") and "nope.npz" in stderr and "->" in stderr


def test_quiet_and_verbose_together_is_a_usage_error(landmarks, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["analyze", str(landmarks), "-q", "-v"])
    assert stop.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_lists_quiet_and_verbose(command):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices[command].format_help()
    assert "-q, --quiet" in text and "-v, --verbose" in text
    assert "-q, --quiet" in parser.format_help()


@pytest.mark.parametrize(
    ("argv", "verbosity", "progress"),
    [
        (["pose", "clip.mp4", "-o", "x.npz"], logs.NORMAL, None),
        (["pose", "clip.mp4", "-o", "x.npz", "-q"], logs.QUIET, False),
        (["-q", "batch", "clips", "--out", "r.csv"], logs.QUIET, False),
        (["evaluate", "m.csv", "-q", "--progress"], logs.QUIET, True),  # asked for: kept
        (["-v", "analyze", "clip.mp4", "--no-progress"], logs.VERBOSE, False),
        (["-q", "analyze", "clip.mp4", "-v"], logs.VERBOSE, None),  # the last one given wins
    ],
)
def test_quiet_turns_progress_off_unless_asked_for(argv, verbosity, progress):
    args = build_parser().parse_args(argv)
    assert logs.apply(args) == verbosity
    assert args.progress is progress


def test_library_warnings_show_by_default_and_under_quiet(capsys):
    for verbosity in (logs.NORMAL, logs.QUIET):
        logs.configure(verbosity)
        logging.getLogger("formcheck.frames.video").warning("clip.mp4: decoded 3 of 9 frames")
        logging.getLogger("formcheck.engine.clip").info("an info line")
        err = capsys.readouterr().err
        assert err.count("clip.mp4: decoded 3 of 9 frames") == 1
        assert ("an info line" in err) is (verbosity == logs.NORMAL)


def test_the_real_command_logs_its_network_filter(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "formcheck", "-v", "models"], capture_output=True, text=True
    )
    assert "debug: network filter: " in run.stderr
    assert "debug: models took" in run.stderr
