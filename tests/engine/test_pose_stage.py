"""The pose stage's threads: set-up on the decode thread, measures on a collector thread, the
mask buffer's lifetime and the silenced native logs (the real model, real decoding)."""

from __future__ import annotations

import gc
import os
import threading
import time

import numpy as np
import pytest

from formcheck.engine.pose_stage import prefetch, run_pose
from formcheck.features.silhouette import (
    MASK_THRESHOLD,
    MAX_REACH,
    PROFILE_POSITIONS,
    back_profile_measure,
    torso_profile,
)
from formcheck.frames import ArraySource, open_source
from formcheck.pose import MediaPipePoseEstimator, PoseOptions, PoseResult, ReplayPoseEstimator
from formcheck.pose.backend import quiet_native_logs
from formcheck.series.core import PoseSeries, SourceInfo
from tests.conftest import SAMPLES


def saved_series_with_nobody(frames: int):
    """A saved series with nobody in it, to drive run_pose without the model."""
    series = PoseSeries.empty(SourceInfo(name="arrays", width=64, height=48, fps=10.0), frames)
    series.time_ms[:] = np.arange(frames) * 100.0
    return series


def test_set_up_on_the_decode_thread_gives_the_same_series_as_one_thread(real_model):
    """prepare() on the decode thread, the tracker here and the measures on the collector
    thread must give exactly what process() and the measure give on one thread."""
    with open_source(SAMPLES / "kbswing_good.mp4") as source:
        people = [frame.rgb for frame in source][:45]
    blank = np.full_like(people[0], 128)
    # A second person (the same swinger) stands in on frames 15-29, so the counts change and
    # must land on the same frames both ways.
    frames = [
        np.ascontiguousarray(np.concatenate([rgb, rgb if 15 <= i < 30 else blank], axis=1))
        for i, rgb in enumerate(people)
    ]
    # A short people-check interval so several counts land in the clip.
    options = PoseOptions(model="full", with_masks=True, people_check_ms=300.0)
    one_source = ArraySource(frames, fps=30.0)
    with MediaPipePoseEstimator(options) as estimator:
        one_thread = [(frame, estimator.process(frame)) for frame in one_source]
        expected_profile = np.stack([back_profile_measure(f, r) for f, r in one_thread])
        expected_profile = expected_profile.astype(np.float32)  # as the series stores it
    threaded_source = ArraySource(frames, fps=30.0)
    with MediaPipePoseEstimator(options) as estimator:
        series = run_pose(
            threaded_source,
            estimator,
            threaded_source.info,
            measures={"back_profile": back_profile_measure},
            progress=False,
            decode_ahead=True,
        )
    counts = [r.num_people for _, r in one_thread]
    assert set(counts) == {1, 2}, counts
    assert np.array_equal(series.num_people, counts)
    assert all(r.found for _, r in one_thread)
    np.testing.assert_array_equal(series.image, np.stack([r.image for _, r in one_thread]))
    assert np.isfinite(expected_profile).any()
    np.testing.assert_array_equal(series.extras["back_profile"], expected_profile)


class _BreaksOnFrame3:
    """A stand-in model whose tracker fails on frame 3 and which records late prepare calls."""

    name = "breaks-on-3"

    def __init__(self) -> None:
        self.closed = False
        self.prepared_after_close = 0

    def prepare(self, frame):
        time.sleep(0.02)  # a decode-thread step that takes a while, like the people count
        if self.closed:
            self.prepared_after_close += 1
        return frame.index

    def process_prepared(self, index):
        if index == 3:
            raise RuntimeError("the model failed on frame 3")
        return PoseResult(time_ms=index * 100.0)

    def close(self) -> None:
        self.closed = True


def test_a_failed_frame_stops_the_decode_thread_before_the_model_is_closed():
    source = ArraySource([np.zeros((8, 8, 3), np.uint8)] * 60, fps=10.0)
    estimator = _BreaksOnFrame3()
    with pytest.raises(RuntimeError, match="frame 3") as raised:
        run_pose(source, estimator, source.info, progress=False)
    estimator.close()  # what extract_pose_series does next, while the traceback is alive
    time.sleep(0.2)
    assert raised.value is not None
    assert estimator.prepared_after_close == 0
    assert not any(t.name == "formcheck-decode" for t in threading.enumerate())


def test_mask_stays_readable_after_later_frames_and_after_close(real_model):
    """The mask is MediaPipe's buffer, not a copy: it must live as long as any view of it."""
    with open_source(SAMPLES / "deadlift_good.mp4") as source:
        frames = [frame for frame in source][:30]
    kept = []
    with MediaPipePoseEstimator(PoseOptions(model="lite", with_masks=True)) as estimator:
        for frame in frames:
            result = estimator.process(frame)
            assert result.mask is not None and result.mask.dtype == np.float32
            band = result.mask[::7, 40:-40].T  # a derived view only; the result is dropped
            kept.append((band, band.copy()))
            del result
            gc.collect()
        assert all(np.array_equal(view, copy) for view, copy in kept)
    gc.collect()  # the landmarker is closed: the buffers must still be ours
    assert all(np.array_equal(view, copy) for view, copy in kept)
    assert not kept[0][0].flags.writeable  # MediaPipe's memory is read-only to us


def test_a_measure_error_reaches_the_caller():
    frames = [np.zeros((48, 64, 3), np.uint8)] * 20
    saved = saved_series_with_nobody(len(frames))
    calls = []

    def failing_measure(frame, result):
        calls.append(frame.index)
        if frame.index == 5:
            raise ArithmeticError("measure broke on frame 5")
        return 1.0

    with pytest.raises(ArithmeticError, match="frame 5"):
        run_pose(
            ArraySource(frames, fps=10.0),
            ReplayPoseEstimator(saved),
            saved.source,
            measures={"m": failing_measure},
            progress=False,
        )
    assert calls[:6] == [0, 1, 2, 3, 4, 5]


def test_measures_run_in_frame_order_and_land_on_their_rows():
    frames = [np.full((48, 64, 3), i, np.uint8) for i in range(40)]
    source = ArraySource(frames, fps=10.0)
    replay = ReplayPoseEstimator(saved_series_with_nobody(len(frames)))
    series = run_pose(
        source,
        replay,
        source.info,
        measures={"first_pixel": lambda frame, result: float(frame.rgb[0, 0, 0])},
        progress=False,
    )
    np.testing.assert_array_equal(series.extras["first_pixel"], np.arange(40, dtype=np.float32))


def test_both_estimators_declare_the_interface_the_stages_call():
    from formcheck.pose import FrameByFrameEstimator, PoseEstimator

    replay = ReplayPoseEstimator(saved_series_with_nobody(3))
    assert isinstance(replay, PoseEstimator) and isinstance(replay, FrameByFrameEstimator)
    for method in ("process", "prepare", "process_prepared", "close", "__enter__", "__exit__"):
        assert callable(getattr(MediaPipePoseEstimator, method)), method
    assert isinstance(MediaPipePoseEstimator.name, property)


def test_a_replay_gives_the_same_series_on_one_thread_and_two():
    frames = [np.full((48, 64, 3), i, np.uint8) for i in range(12)]
    saved = saved_series_with_nobody(len(frames))
    saved.image[::3] = 0.5  # someone in every third frame
    saved.num_people[::3] = 1
    got = []
    for decode_ahead in (True, False):
        source = ArraySource(frames, fps=10.0)
        got.append(
            run_pose(
                source,
                ReplayPoseEstimator(saved),
                source.info,
                progress=False,
                decode_ahead=decode_ahead,
            )
        )
    ahead, one_thread = got
    np.testing.assert_array_equal(ahead.image, one_thread.image)
    np.testing.assert_array_equal(ahead.num_people, [1, 0, 0] * 4)
    assert ahead.model == one_thread.model == "replay:unknown"


def test_prefetch_runs_work_on_its_thread_and_reraises_in_order():
    seen_threads = set()

    def work(frame):
        seen_threads.add(threading.current_thread().name)
        if frame.index == 3:
            raise ValueError("bad frame 3")
        return frame.index * 10

    frames = ArraySource([np.zeros((8, 8, 3), np.uint8)] * 6, fps=10.0)
    got = []
    with pytest.raises(ValueError, match="bad frame 3"):
        for item in prefetch(frames, work=work):
            got.append(item)
    assert got == [0, 10, 20]
    assert seen_threads == {"formcheck-decode"}


def _reference_profile(mask, hip, shoulder):
    """Walk each ray pixel by pixel: the definition torso_profile vectorises."""
    out = np.full((2, PROFILE_POSITIONS.size), np.nan)
    chord = np.asarray(shoulder, float) - np.asarray(hip, float)
    length = float(np.hypot(*chord))
    normal = np.array([-chord[1], chord[0]]) / length
    height, width = mask.shape
    for row, sign in enumerate((1.0, -1.0)):
        for k, position in enumerate(PROFILE_POSITIONS):
            start = np.asarray(hip, float) + position * chord
            for step in np.arange(0.0, MAX_REACH * length, 1.0):
                col, r = np.rint(start + sign * step * normal).astype(int)
                inside = 0 <= col < width and 0 <= r < height and mask[r, col] >= MASK_THRESHOLD
                if not inside:
                    if step > 0:
                        out[row, k] = step / length
                    break
    return out


def test_torso_profile_matches_a_pixel_walk():
    rng = np.random.default_rng(7)
    mask = np.zeros((120, 160), np.float32)
    yy, xx = np.mgrid[:120, :160]
    mask[((xx - 80) / 50.0) ** 2 + ((yy - 60) / 30.0) ** 2 <= 1.0] = 0.9  # an ellipse body
    mask[55:65, 120:170] = 0.7  # an arm running off the right edge
    for _ in range(60):
        hip = rng.uniform(-10, 170, 2)
        shoulder = rng.uniform(-10, 170, 2)
        if np.hypot(*(shoulder - hip)) < 15:
            continue
        np.testing.assert_allclose(
            torso_profile(mask, hip, shoulder), _reference_profile(mask, hip, shoulder)
        )


def test_silenced_logs_from_two_threads_give_stderr_back(tmp_path, capfd):
    """Overlapping quiet sections on two threads (the tracker and the people counter warm up
    together) must restore fd 2 once both have left, not 'restore' /dev/null."""
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with quiet_native_logs():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with quiet_native_logs():
            second_in.set()
            first_out.wait(5)
            os.write(2, b"hidden\n")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    os.write(2, b"shown\n")
    err = capfd.readouterr().err
    assert "shown" in err and "hidden" not in err
