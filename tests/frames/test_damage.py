"""Damaged input on real files: clips from samples/ with bytes overwritten mid-file, a JPEG cut
short. What decodes is analysed, and how much was missing or damaged, and where, is reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.apps.batch.report import ClipReport
from formcheck.apps.batch.tables import clips_table
from formcheck.errors import InputError
from formcheck.frames import open_source
from formcheck.frames.damage import describe_damage
from formcheck.series.core import DecodeDamage, SourceInfo

ROOT = Path(__file__).resolve().parents[2]
DEADLIFT = ROOT / "samples" / "deadlift_good.mp4"  # 320 frames at 30 fps, H.264
PLANK = ROOT / "samples" / "plank_good.mp4"
FRAMES = 320


def overwrite_middle(src: Path, dst: Path, size: int, seed: int = 0) -> Path:
    """A copy of ``src`` with ``size`` random bytes written over the middle of the file."""
    shutil.copy(src, dst)
    data = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
    with open(dst, "r+b") as handle:
        handle.seek(dst.stat().st_size // 2)
        handle.write(data)
    return dst


def read_all(path: Path, stride: int = 1):
    with open_source(path, stride=stride) as source:
        times = [f.time_ms for f in source]
        return times, source.damage()


def test_an_intact_clip_reports_no_damage():
    times, damage = read_all(DEADLIFT)
    assert len(times) == FRAMES
    assert damage is not None and not damage.any
    assert "skipped frames" in damage.checks
    assert describe_damage(damage) is None


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_frames_lost_mid_file_are_skipped_counted_and_placed_in_time(tmp_path, stride):
    # 4 kB over the middle: OpenCV fails several reads there, then decodes on. Before, the
    # source stopped at the first failed read and the second half of the set was lost.
    clip = overwrite_middle(DEADLIFT, tmp_path / "holed.mp4", 4000)
    times, damage = read_all(clip, stride)
    decoded_whole = FRAMES - damage.missing_frames
    assert 1 <= damage.missing_frames <= 20
    assert len(times) >= (decoded_whole - stride) // stride  # the rest of the clip was read
    # The damage sits in the middle of the file (5.3 s of 10.7); its range says so.
    assert damage.missing and all(4.5 <= a <= b <= 7.0 for a, b in damage.missing)
    # The frames after the gap keep their own times: the timeline is not squeezed.
    assert np.all(np.diff(times) > 0)
    assert times[-1] >= (FRAMES - stride - 1) * 1000.0 / 30.0
    assert not damage.incomplete


def test_concealed_damage_is_found_by_the_decoders_flags(tmp_path):
    pytest.importorskip("av", reason="concealed damage is found with PyAV (the video extra)")
    # 200 bytes: every frame still decodes (the decoder conceals the error), so only the
    # decoder's corrupt flag can tell.
    clip = overwrite_middle(DEADLIFT, tmp_path / "smeared.mp4", 200)
    times, damage = read_all(clip)
    assert len(times) == FRAMES and damage.missing_frames == 0
    assert damage.damaged_frames >= 1
    assert all(4.5 <= a <= b <= 7.0 for a, b in damage.damaged)
    assert "decoder error flags (PyAV)" in damage.checks
    line = describe_damage(damage)
    assert line and "decoded with errors at" in line and "5." in line


def test_the_scan_started_ahead_reports_what_a_scan_after_the_pass_does(tmp_path):
    pytest.importorskip("av", reason="concealed damage is found with PyAV (the video extra)")
    # The pose stage starts the PyAV scan beside the model's pass; its report must be the
    # one a scan after the pass gives, frame for frame.
    clip = overwrite_middle(DEADLIFT, tmp_path / "smeared.mp4", 200)
    _, after = read_all(clip)
    with open_source(clip) as source:
        scan = source.scan_damage_ahead()
        assert source.damage_scan is scan and source.scan_damage_ahead() is scan  # one scan
        times = [f.time_ms for f in source]
        ahead = source.damage()
    assert len(times) == FRAMES
    assert ahead == after and ahead.damaged_frames >= 1


def test_a_cancelled_scan_stops_and_reports_nothing():
    pytest.importorskip("av", reason="the damage scan decodes with PyAV (the video extra)")
    import threading

    from formcheck.frames.damage import DamageScan, pyav_damage

    stop = threading.Event()
    stop.set()
    assert pyav_damage(DEADLIFT, 30.0, 0, None, stop=stop) is None  # stops at the first packet
    assert pyav_damage(DEADLIFT, 30.0, 0, None) == set()  # not stopped: an intact clip
    scan = DamageScan(DEADLIFT, 30.0)
    scan.cancel()  # as the pose stage does when its pass failed: the thread has ended
    assert not scan._thread.is_alive()
    done = DamageScan(DEADLIFT, 30.0)
    assert done.result() == set()
    done.cancel()  # after the result was used: nothing changes
    assert done.result() == set()


def test_ffmpeg_chatter_stays_off_the_terminal(tmp_path, capfd):
    clip = overwrite_middle(DEADLIFT, tmp_path / "holed.mp4", 4000)
    read_all(clip)
    err = capfd.readouterr().err
    assert "[h264" not in err and "NAL unit" not in err


def test_an_entirely_undecodable_clip_keeps_its_clear_error(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, np.uint8).tobytes())
    with pytest.raises(InputError) as info:
        open_source(junk)
    assert "could not be opened as a video" in str(info.value) or "no frames" in str(info.value)


# --------------------------------------------------------------------------- JPEG
@pytest.fixture
def plank_jpeg(tmp_path) -> Path:
    cap = cv2.VideoCapture(str(PLANK))
    for _ in range(30):
        cap.read()
    ok, bgr = cap.read()
    cap.release()
    assert ok
    path = tmp_path / "plank.jpg"
    cv2.imwrite(str(path), bgr)
    return path


def test_a_whole_jpeg_is_not_reported(plank_jpeg):
    with open_source(plank_jpeg) as source:
        assert len(list(source)) == 1
        assert not source.damage().any


def test_a_cut_short_jpeg_is_judged_and_said_incomplete_without_libjpeg_chatter(
    plank_jpeg, tmp_path, capfd
):
    data = plank_jpeg.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) * 6 // 10])
    with open_source(cut) as source:
        frames = list(source)
        damage = source.damage()
    assert len(frames) == 1  # what decoded is used
    assert damage.incomplete and damage.still
    assert "image is incomplete" in describe_damage(damage)
    # libjpeg writes this from C to fd 2; it must not reach the terminal.
    assert "Premature end of JPEG file" not in capfd.readouterr().err


def test_a_cut_short_jpeg_in_a_folder_is_one_warning_in_our_words(plank_jpeg, tmp_path, caplog):
    folder = tmp_path / "frames"
    folder.mkdir()
    data = plank_jpeg.read_bytes()
    (folder / "f1.jpg").write_bytes(data)
    (folder / "f2.jpg").write_bytes(data[: len(data) // 2])
    with open_source(folder) as source:
        assert len(list(source)) == 2
    assert any("f2.jpg" in r.message and "incomplete" in r.message for r in caplog.records)


# --------------------------------------------------------------------------- outputs
def test_damage_round_trips_through_the_source_dict():
    damage = DecodeDamage(missing=((6.0, 6.1),), missing_frames=4, checks=("skipped frames",))
    info = SourceInfo("a.mp4", 640, 480, 30.0, 320, damage=damage)
    assert SourceInfo.from_dict(json.loads(json.dumps(info.to_dict()))) == info
    # An undamaged, unchecked source's dict is as before.
    assert "damage" not in SourceInfo("a.mp4", 640, 480, 30.0, 320).to_dict()


def test_the_batch_row_has_a_damage_column():
    pytest.importorskip("pandas")
    line = describe_damage(DecodeDamage(missing=((6.0, 6.1),), missing_frames=4))
    table = clips_table(
        [ClipReport(path="a.mp4", status="error", damage=line), ClipReport("b.mp4", "error")]
    )
    assert table.loc[0, "damage"].startswith("Damaged input: 4 frames could not be decoded")
    assert "6.00-6.10 s" in table.loc[0, "damage"]
    assert table["damage"].isna().tolist() == [False, True]


def test_analyze_reports_the_damage_in_text_and_json(real_model, tmp_path, capsys, monkeypatch):
    from formcheck.cli.main import main

    monkeypatch.setenv("FORMCHECK_CACHE", str(tmp_path / "cache"))  # leave the user's alone
    clip = overwrite_middle(DEADLIFT, tmp_path / "holed.mp4", 4000)
    out = tmp_path / "v.json"
    code = main(["analyze", str(clip), "--exercise", "deadlift", "--json", str(out)])
    captured = capsys.readouterr()
    assert code == 0
    assert "Damaged input:" in captured.out and "could not be decoded at" in captured.out
    damage = json.loads(out.read_text())["source"]["damage"]
    assert damage["missing_frames"] >= 1 and damage["missing_s"]


def test_a_range_reports_only_the_damage_inside_it(tmp_path):
    pytest.importorskip("av", reason="concealed damage is found with PyAV (the video extra)")
    clip = overwrite_middle(DEADLIFT, tmp_path / "smeared.mp4", 200)  # damage at ~6 s
    with open_source(clip, start_s=5.0, end_s=7.0) as source:
        list(source)
        assert source.damage().damaged_frames >= 1
    with open_source(clip, start_s=7.5) as source:
        list(source)
        assert not source.damage().any
