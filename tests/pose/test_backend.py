"""The real pose model: stored expectations on real frames, nobody in an empty frame, replay."""

from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.frames import open_source
from formcheck.pose import MediaPipePoseEstimator, PoseOptions, ReplayPoseEstimator
from formcheck.series.core import PoseSeries, SourceInfo
from tests.conftest import TEST_DATA, shared_clip

EXPECTED = json.loads((TEST_DATA / "expected_landmarks.json").read_text())
# Body landmarks only: the face points are small and the hands are often hidden by the bar.
BODY = [11, 12, 13, 14, 23, 24, 25, 26, 27, 28]


def frame_at(path, index: int, max_size: int):
    with open_source(path, max_size=max_size) as source:
        for frame in source:
            if frame.index == index:
                return frame
    raise AssertionError(f"frame {index} not found in {path}")


@pytest.mark.parametrize("clip", sorted(EXPECTED))
def test_real_frame_matches_stored_landmarks(shared_data, real_model, clip):
    expected = EXPECTED[clip]
    frame = frame_at(shared_clip(clip), expected["frame_index"], expected["max_size"])
    with MediaPipePoseEstimator(PoseOptions(model=expected["model"], people_check_ms=0)) as est:
        result = est.process(frame)
    assert result.found
    xy = np.asarray(expected["xy"])
    # Same tolerance as MediaPipe's own landmarker test (normalised coordinates).
    np.testing.assert_allclose(result.image[BODY, :2], xy[BODY], atol=0.03)
    assert result.world.shape == (33, 3) and np.isfinite(result.world).all()
    assert ((result.visibility >= 0) & (result.visibility <= 1)).all()


def test_frame_with_nobody_gives_an_empty_result(real_model):
    rng = np.random.default_rng(1)
    noise = rng.integers(90, 110, size=(360, 480, 3), dtype=np.uint8)
    with MediaPipePoseEstimator(PoseOptions(model="lite")) as est:
        results = [est.process_rgb(noise, t * 33.0) for t in range(3)]
    assert all(not r.found for r in results)
    assert all(r.num_people == 0 for r in results)
    assert results[0].image is None and results[0].mask is None


def test_masks_follow_the_person_and_people_are_counted(shared_data, real_model):
    frame = frame_at(shared_clip("deadlift_good_side_01.mp4"), 30, 960)
    two = np.ascontiguousarray(np.concatenate([frame.rgb, frame.rgb], axis=1))
    with MediaPipePoseEstimator(PoseOptions(model="full", with_masks=True)) as est:
        single = est.process(frame)
    with MediaPipePoseEstimator(PoseOptions(model="full")) as est:
        double = est.process_rgb(two, 0.0)
    assert single.mask is not None and single.mask.shape == frame.rgb.shape[:2]
    h, w = single.mask.shape
    hip = single.image[23, :2] * [w, h]
    assert single.mask[int(hip[1]), int(hip[0])] > 0.5  # the hip lies inside the silhouette
    assert single.mask.mean() < 0.5  # and the silhouette is not the whole frame
    assert single.num_people == 1
    assert double.num_people == 2


def test_replay_serves_saved_rows_by_time():
    source = SourceInfo(name="x", width=100, height=100, fps=10.0)
    series = PoseSeries.empty(source, 3)
    series.image[1] = 0.5
    series.world[1] = 0.1
    series.visibility[1] = 0.9
    series.presence[1] = 0.9
    series.num_people[1] = 1
    replay = ReplayPoseEstimator(series)
    assert not replay.process_rgb(None, 0.0).found
    hit = replay.process_rgb(None, 101.0)
    assert hit.found and hit.image[0, 0] == pytest.approx(0.5)
    assert not replay.process_rgb(None, 160.0).found  # between rows: no answer
