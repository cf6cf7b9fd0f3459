"""Part of a video file (``start_s``/``end_s``): only that part is decoded, times stay the file's."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.errors import ConfigError, InputError
from formcheck.frames import open_source
from formcheck.frames.core import check_options, format_time

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "samples" / "plank_good.mp4"  # 240 frames at 30 fps: 8 s


def frames_of(source) -> list:
    with source:
        return list(source)


@pytest.fixture(scope="module")
def full() -> dict[float, object]:
    return {f.time_ms: f for f in frames_of(open_source(CLIP))}


@pytest.mark.parametrize(
    ("start_s", "end_s", "stride"),
    [(2.0, 5.5, 1), (1.01, 3.0, 1), (2.0, 5.5, 3), (6.5, None, 1), (None, 1.5, 1)],
)
def test_a_range_gives_the_full_passes_frames_at_the_files_times(full, start_s, end_s, stride):
    source = open_source(CLIP, start_s=start_s, end_s=end_s, stride=stride)
    assert (source.info.start_s, source.info.end_s) == (start_s, end_s)
    frames = frames_of(source)
    times = [f.time_ms for f in frames]
    first = 0.0 if start_s is None else start_s * 1000
    last = 8000.0 if end_s is None else end_s * 1000
    assert times[0] >= first - 1e-6 and times[0] < first + 1000 / 30
    assert times[-1] <= last + 1e-6 and times[-1] > last - stride * 1000 / 30 - 1e-6
    assert len(frames) == source.info.frame_count
    for frame in frames:
        whole = full[frame.time_ms]  # the same time, the same index and the same pixels
        assert frame.index == whole.index == round(frame.time_ms * 30 / 1000)
        assert np.array_equal(frame.rgb, whole.rgb)
    assert all(b.index - a.index == stride for a, b in zip(frames, frames[1:], strict=False))


def test_a_ranged_source_can_be_read_twice():
    source = open_source(CLIP, start_s=3, end_s=4)
    with source:
        once = [f.time_ms for f in source]
        again = [f.time_ms for f in source]
    assert once == again and len(once) == 31


def test_a_realtime_source_plays_only_the_range():
    frames = frames_of(open_source(CLIP, start_s=7.5, realtime=True))
    assert frames[0].time_ms == pytest.approx(7500.0) and frames[-1].index == 239
    assert len(frames) <= 15


def test_a_start_past_the_end_names_the_files_length():
    with pytest.raises(InputError, match=r"past the end of the file \(240 frames, 0:08 \(8 s\)"):
        open_source(CLIP, start_s=8.0)
    with pytest.raises(InputError, match="past the end"):
        open_source(CLIP, start_s=60.0, end_s=70)


def test_a_range_between_two_frames_holds_nothing():
    with pytest.raises(InputError, match="no frame lies between"):
        open_source(CLIP, start_s=1.01, end_s=1.02)


@pytest.mark.parametrize(
    ("start_s", "end_s", "words"),
    [
        (-1, None, r"start \(--start / start_s\) must be a time >= 0"),
        (None, float("nan"), r"end \(--end / end_s\) must be a time >= 0"),
        ("1:05", None, "start"),
        (True, None, "start"),
        (5, 5, r"start \(0:05 \(5 s\)\) must come before its end"),
        (6, 2.5, "must come before its end"),
    ],
)
def test_malformed_ranges_are_config_errors(start_s, end_s, words):
    with pytest.raises(ConfigError, match=words):
        check_options(None, 1, None, start_s, end_s)
    with pytest.raises(ConfigError, match=words):
        open_source(CLIP, start_s=start_s, end_s=end_s)


def test_sources_without_a_file_timeline_refuse_a_range(tmp_path):
    image = tmp_path / "still.png"
    cv2.imwrite(str(image), np.zeros((24, 32, 3), np.uint8))
    cases = [
        (image, "a still image"),
        (tmp_path, "a folder of images"),
        ([np.zeros((24, 32, 3), np.uint8)], "frames in memory"),
        (0, "a camera"),
    ]
    for spec, what in cases:
        with pytest.raises(ConfigError, match=rf"--start \(start_s\) selects .* is {what}"):
            open_source(spec, start_s=1.0)
    with pytest.raises(ConfigError, match=r"--end \(end_s\) selects"):
        open_source(image, end_s=1.0)


def test_format_time():
    assert format_time(65) == "1:05 (65 s)"
    assert format_time(12.5) == "0:12.5 (12.5 s)"
