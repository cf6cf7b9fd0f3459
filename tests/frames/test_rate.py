"""The processing rate: which frames of a clip are analysed, at their exact times."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from formcheck.errors import ConfigError
from formcheck.frames import open_source
from formcheck.frames.core import check_rate, rate_step
from formcheck.frames.opener import analysed_stride


@pytest.mark.parametrize(
    ("native", "rate", "step"),
    [
        (60.0, 30.0, 2),
        (59.94, 30.0, 2),
        (120.0, 30.0, 4),
        (30.0, 30.0, 1),
        (29.97, 30.0, 1),  # an asked 30 on a 29.97 clip is its own rate
        (50.0, 30.0, 1),  # every 2nd frame would be 25: too far below 30
        (29.97, 10.0, 3),
        (30.0, 15.0, 2),
        (30.0, 20.0, 1),
        (240.0, 1.0, 252),
        (30.0, None, 1),
    ],
)
def test_rate_step(native, rate, step):
    assert rate_step(native, rate) == step


def test_a_rate_above_the_clips_is_refused_unless_it_is_the_default():
    with pytest.raises(ConfigError, match=r"above the clip's own rate \(24 frames"):
        rate_step(24.0, 30.0)
    assert rate_step(24.0, 30.0, strict=False) == 1


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), True, "30", 2000])
def test_check_rate_refuses_what_is_not_a_rate(bad):
    with pytest.raises(ConfigError, match="processing rate"):
        check_rate(bad)


@pytest.fixture(scope="module")
def sixty(tmp_path_factory):
    """A 2 s, 60 fps clip whose frames carry their index in the pixel values."""
    path = tmp_path_factory.mktemp("rate") / "sixty.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 60.0, (64, 48))
    for i in range(120):
        writer.write(np.full((48, 64, 3), 7 * i % 256, np.uint8))
    writer.release()
    return path


def test_every_other_frame_of_a_60_fps_clip_at_its_exact_time(sixty):
    with open_source(sixty, rate=30.0) as source:
        frames = list(source)
        assert source.info.fps == pytest.approx(30.0)
        assert source.info.frame_count == 60
    assert [f.index for f in frames] == list(range(0, 120, 2))
    np.testing.assert_allclose([f.time_ms for f in frames], np.arange(0, 120, 2) * 1000 / 60)
    # The pixels are those of the frames named (not a neighbour's).
    for frame in frames[:10]:
        assert abs(frame.rgb.mean() - 7 * frame.index % 256) < 3


def test_a_rate_combines_with_stride_and_range(sixty):
    with open_source(sixty, rate=30.0, stride=2, start_s=0.5, end_s=1.5) as source:
        indices = [f.index for f in source]
    assert indices == list(range(30, 91, 4))
    assert analysed_stride(sixty, 2, 30.0) == 4


def test_native_and_the_default_rate_on_slow_clips_keep_every_frame(sixty):
    with open_source(sixty) as source:
        assert len(list(source)) == 120
    with open_source(sixty, rate=90.0, strict_rate=False) as source:
        assert len(list(source)) == 120
    with pytest.raises(ConfigError, match="above the clip's own rate"):
        open_source(sixty, rate=90.0)
    assert analysed_stride(sixty, 1, None) == 1
