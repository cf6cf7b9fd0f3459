"""`formcheck pose` and `formcheck models` end to end, including every bad input's message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.cli.main import main
from formcheck.series.core import PoseSeries
from tests.conftest import shared_clip


def write_video(path, frames, fps=30.0):
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def run(args, capsys):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_pose_writes_a_series(shared_data, real_model, tmp_path, capsys):
    clip = shared_clip("deadlift_good_side_01.mp4")
    out = tmp_path / "lm.npz"
    code, stdout, stderr = run(["pose", clip, "-o", out, "--model", "lite"], capsys)
    assert code == 0
    series = PoseSeries.load(out)
    assert len(series) == 62
    assert series.detection_rate > 0.9
    assert series.smoothing.startswith("butterworth")
    assert "frames: 62" in stdout  # the summary is the command's output
    assert "landmarks saved" in stderr  # where it was written is a log line (-q hides it)


def test_clip_with_nobody_gives_an_empty_series_and_says_so(real_model, tmp_path, capsys):
    rng = np.random.default_rng(0)
    frames = [rng.integers(100, 120, (240, 320, 3), dtype=np.uint8) for _ in range(10)]
    clip = write_video(tmp_path / "empty_room.mp4", frames)
    code, stdout, _ = run(["pose", clip, "-o", tmp_path / "e.npz", "--model", "lite"], capsys)
    assert code == 0
    assert "nobody was found" in stdout
    assert PoseSeries.load(tmp_path / "e.npz").detection_rate == 0


def make_bad_inputs(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 20)
    empty_dir = tmp_path / "no_images"
    empty_dir.mkdir()
    (empty_dir / "readme.txt").write_text("no images here")
    truncated = tmp_path / "truncated.mp4"
    frames = [np.full((120, 160, 3), 80, np.uint8) for _ in range(30)]
    data = write_video(tmp_path / "whole.mp4", frames).read_bytes()
    truncated.write_bytes(data[:200])
    zero = tmp_path / "zero.mp4"
    zero.write_bytes(b"")
    return {
        "missing": (tmp_path / "nope.mp4", "not found"),
        "text": (text, ""),
        "empty_folder": (empty_dir, "no images"),
        "truncated": (truncated, ""),
        "zero_bytes": (zero, ""),
        "camera": ("97", "camera 97"),
    }


@pytest.mark.parametrize(
    "case", ["missing", "text", "empty_folder", "truncated", "zero_bytes", "camera"]
)
def test_bad_input_gives_one_clear_message(tmp_path, capsys, case):
    path, expected = make_bad_inputs(tmp_path)[case]
    code, stdout, stderr = run(["pose", path, "-o", tmp_path / "o.npz"], capsys)
    assert code == 2
    assert stderr.startswith("formcheck: ")
    assert "Traceback" not in stderr
    assert "->" in stderr  # every message says what to do
    assert expected.lower() in stderr.lower()
    assert not (tmp_path / "o.npz").exists()


def test_corrupt_model_file(shared_data, tmp_path, capsys):
    clip = shared_clip("deadlift_good_side_01.mp4")
    bad_model = tmp_path / "pose_landmarker_full.task"
    bad_model.write_bytes(b"PK\x03\x04 not really a bundle")
    code, _, stderr = run(["pose", clip, "-o", tmp_path / "o.npz", "--model", bad_model], capsys)
    assert code == 2
    assert "corrupt" in stderr and "models/build.py" in stderr


def test_bad_options(shared_data, tmp_path, capsys):
    clip = shared_clip("deadlift_good_side_01.mp4")
    code, _, stderr = run(["pose", clip, "-o", tmp_path / "o.npz", "--stride", "0"], capsys)
    assert code == 2 and "--stride" in stderr
    code, _, stderr = run(["pose", clip, "-o", tmp_path / "o.txt"], capsys)
    assert code == 2 and ".npz" in stderr


def test_models_lists_verified_bundles(capsys):
    code, stdout, _ = run(["models"], capsys)
    assert code == 0
    assert "lite" in stdout and "full" in stdout and "checksum verified" in stdout


def test_console_script_version_and_error_without_traceback(tmp_path):
    exe = [sys.executable, "-m", "formcheck.cli.main"]
    version = subprocess.run([*exe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("formcheck ")
    failed = subprocess.run(
        [*exe, "pose", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "o.npz")],
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr and "not found" in failed.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["pose", "{clip}", "-o", "/proc/formcheck-test/x.npz"],
        ["analyze", "{clip}", "--json", "/proc/formcheck-test/x.json"],
        ["analyze", "{clip}", "--save-landmarks", "/proc/formcheck-test/x.npz"],
        ["analyze", "{clip}", "--save-landmarks", "{tmp}/x.txt"],
    ],
)
def test_unwritable_outputs_fail_before_any_work(tmp_path, capsys, args):
    from tests.conftest import SAMPLES

    clip = SAMPLES / "plank_good.mp4"
    argv = [a.format(clip=clip, tmp=tmp_path) for a in args]
    code, stdout, stderr = run(argv, capsys)
    assert code == 2
    assert stdout == ""  # nothing was analysed
    assert "Traceback" not in stderr and "internal error" not in stderr


@pytest.mark.parametrize("problem", ["missing", "corrupt"])
def test_a_bad_model_on_a_clip_long_enough_for_chunks_is_one_clear_error(tmp_path, capsys, problem):
    # samples/plank_good.mp4 (8 s) is analysed in two chunks. A model that cannot be loaded
    # fails every chunk alike: it must be the one clear error (exit 2), not two "parts could
    # not be analysed" warnings and a verdict on nobody.
    sample = Path(__file__).resolve().parents[2] / "samples" / "plank_good.mp4"
    model = tmp_path / "pose_landmarker_full.task"
    if problem == "corrupt":
        model.write_bytes(b"PK\x03\x04 not really a bundle")
    code, out, err = run(["analyze", sample, "--model", model, "--chunks", "2"], capsys)
    assert code == 2
    assert "could not be analysed" not in err + out
    assert ("not found" if problem == "missing" else "corrupt") in err
    assert "Traceback" not in err
