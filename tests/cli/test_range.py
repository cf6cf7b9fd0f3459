"""``--start``/``--end`` on the command line: parsing, bad input (exit 2), and a real range."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.cli.common import parse_time
from formcheck.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
PLANK = ROOT / "samples" / "plank_good.mp4"  # 8 s


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("12.5", 12.5),
        ("0", 0.0),
        ("90", 90.0),
        (".5", 0.5),
        ("1:05", 65.0),
        ("01:05", 65.0),
        ("1:05.5", 65.5),
        ("0:07", 7.0),
        ("75:00", 4500.0),
        (" 2:00 ", 120.0),
    ],
)
def test_parse_time_reads_seconds_and_mm_ss(text, seconds):
    assert parse_time(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "-1", "-0:05", "1:75", "1:", ":30", "1:2:3", "abc", "nan", "inf", "1e3", "1,5"]
)
def test_parse_time_refuses_anything_else(text):
    with pytest.raises(ValueError, match=r"expected seconds \(12.5\) or mm:ss \(1:05\)"):
        parse_time(text)


def run(argv, capsys) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


@pytest.fixture
def image(tmp_path) -> Path:
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), np.zeros((24, 32, 3), np.uint8))
    return path


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["analyze", PLANK, "--start", "6", "--end", "0:02"], "must come before its end"),
        (["pose", PLANK, "-o", "x.npz", "--start", "5", "--end", "5"], "must come before"),
        (["analyze", PLANK, "--start", "0:09"], "past the end of the file (240 frames, 0:08"),
        (["pose", PLANK, "-o", "x.npz", "--start", "100"], "past the end of the file"),
        (["analyze", PLANK, "--start", "1:75"], "argument --start: expected seconds"),
        (["analyze", PLANK, "--end", "soon"], "argument --end: expected seconds"),
        (["analyze", PLANK, "--start", "-3"], "argument --start: expected seconds"),
        (["analyze", "IMAGE", "--start", "1"], "--start (start_s) selects part of a video"),
        (["pose", "IMAGE", "-o", "x.npz", "--end", "1"], "but the input is a still image"),
        (["live", "--no-display", "--start", "1"], "but the input is a camera"),
        (["live", "--no-display", "--source", PLANK, "--start", "9"], "past the end"),
    ],
)
def test_bad_ranges_are_one_message_and_exit_2(argv, words, image, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = [image if a == "IMAGE" else a for a in argv]
    try:
        code, err = run(argv, capsys)
    except SystemExit as exc:  # argparse's own errors
        code, err = exc.code, capsys.readouterr().err
    assert code == 2
    assert words in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.npz").exists()


def test_a_range_of_saved_landmarks_is_refused(tmp_path, capsys):
    npz = tmp_path / "saved.npz"
    npz.write_bytes(b"")
    code, err = run(["analyze", npz, "--start", "1"], capsys)
    assert code == 2 and "saved landmarks are re-scored whole" in err


def test_analyze_a_range_reports_the_files_own_times(real_model, tmp_path, capsys):
    out = tmp_path / "range.json"
    code = main(
        [
            "analyze",
            str(ROOT / "samples" / "kbswing_good.mp4"),
            "--start",
            "2",
            "--end",
            "0:06",
            "--json",
            str(out),
            "--csv",
            str(tmp_path / "range.csv"),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "analysed 0:02 (2 s) to 0:06 (6 s) of the file" in printed
    data = json.loads(out.read_text())
    assert (data["source"]["start_s"], data["source"]["end_s"]) == (2.0, 6.0)
    assert data["analysed_s"][0] >= 2.0 and data["analysed_s"][1] <= 6.0
    assert data["frames"] == data["source"]["frame_count"] == 121
    reps = data["result"]["reps"]
    assert len(reps) >= 2
    for rep in reps:
        for key in ("start_ms", "key_ms", "end_ms"):
            assert 2000.0 <= rep[key] <= 6000.0
    times = [e["time_ms"] for e in data["result"]["events"]]
    assert times and all(2000.0 <= t <= 6000.0 for t in times)
    rows = (tmp_path / "range.csv").read_text().splitlines()
    assert rows[1].split(",")[1] == "2000"
