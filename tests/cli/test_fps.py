"""``--fps`` on the command line: bad values are one message and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.cli.common import parse_rate
from formcheck.cli.main import main
from formcheck.engine.options import EngineOptions
from formcheck.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
PLANK = ROOT / "samples" / "plank_good.mp4"  # 30 fps


@pytest.mark.parametrize(
    ("text", "value"),
    [(None, None), ("native", "native"), (" Native ", "native"), ("15", 15.0), ("29.97", 29.97)],
)
def test_parse_rate(text, value):
    assert parse_rate(text) == value


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["analyze", PLANK, "--fps", "0"], "--fps must be a number of frames a second above 0"),
        (["analyze", PLANK, "--fps", "-5"], "got '-5'"),
        (["analyze", PLANK, "--fps", "fast"], "or 'native', got 'fast'"),
        (["analyze", PLANK, "--fps", "nan"], "--fps must be"),
        (["pose", PLANK, "-o", "x.npz", "--fps", "0"], "--fps must be"),
        (["analyze", PLANK, "--fps", "60"], "--fps 60 is above the clip's own rate (30 frames"),
        (["pose", PLANK, "-o", "x.npz", "--fps", "100"], "above the clip's own rate"),
        (["batch", PLANK, "--out", "out.csv", "--fps", "-1"], "--fps must be"),
        (["evaluate", "manifest.csv", "--fps", "abc"], "--fps must be"),
        (["analyze", PLANK, "--chunks", "0"], "--chunks must be 1 or more"),
    ],
)
def test_bad_fps_is_one_message_and_exit_2(argv, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifest.csv").write_text(f"file,exercise,label,view\n{PLANK},plank,good,side\n")
    try:
        code = main([str(a) for a in argv])
        err = capsys.readouterr().err
    except SystemExit as exc:  # argparse's own errors
        code, err = exc.code, capsys.readouterr().err
    assert code == 2
    assert words in err
    assert "Traceback" not in err
    assert err.count("formcheck") == 1  # one message
    assert not (tmp_path / "x.npz").exists()


def test_live_has_no_fps():
    with pytest.raises(SystemExit):
        main(["live", "--no-display", "--fps", "15"])


@pytest.mark.parametrize(
    ("fps", "expected"), [(None, (30.0, False)), ("native", (None, True)), (12, (12.0, True))]
)
def test_engine_options_rate(fps, expected):
    assert EngineOptions(fps=fps).rate() == expected


@pytest.mark.parametrize("bad", ["fast", 0, -2, True])
def test_engine_options_refuse_a_bad_rate(bad):
    with pytest.raises(ConfigError, match="processing rate"):
        EngineOptions(fps=bad)
