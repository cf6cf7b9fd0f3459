"""The chunked pose stage: planning (pure), stitching (synthetic series), and on the real model
the same verdict as the single stream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.engine import chunks
from formcheck.engine.chunks import Chunk, chunk_count, plan_chunks, stitch
from formcheck.engine.options import EngineOptions
from formcheck.errors import ConfigError
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS

ROOT = Path(__file__).resolve().parents[2]
INFO = SourceInfo(name="clip.mp4", width=640, height=360, fps=30.0, frame_count=300)


# --------------------------------------------------------------------------- planning
@pytest.mark.parametrize(
    ("frames", "fps", "requested", "cores", "expected"),
    [
        (300, 30.0, None, 2, 2),  # 10 s on 2 cores
        (300, 30.0, None, 8, 2),  # 10 s: at most one chunk per MIN_CHUNK_S (4 s)
        (100, 30.0, None, 2, 1),  # 3.3 s: too short to split
        (None, 30.0, None, 2, 1),  # unknown length (a camera, a broken container)
        (0, 30.0, None, 2, 1),
        (3000, 30.0, 1, 2, 1),  # forced single stream (a batch worker)
        (3000, 30.0, 3, 2, 3),  # forced
        (30000, 30.0, None, 64, chunks.MAX_CHUNKS),
        (300, float("nan"), None, 2, 1),
    ],
)
def test_chunk_count(frames, fps, requested, cores, expected):
    assert chunk_count(frames, fps, requested, cores) == expected


def test_free_cores_is_the_affinity():
    assert chunks.free_cores() >= 1


@pytest.mark.parametrize(
    ("frames", "count", "warmup"), [(300, 2, 30), (1828, 2, 24), (997, 3, 30), (50, 4, 0)]
)
def test_the_kept_ranges_tile_the_clip_and_each_chunk_warms_up(frames, count, warmup):
    plan = plan_chunks(frames, count, warmup)
    assert len(plan) == count
    assert plan[0] == Chunk(0, 0, plan[0].stop)
    assert plan[-1].stop is None
    for before, after in zip(plan[:-1], plan[1:], strict=True):
        assert before.stop == after.first  # no gap, no overlap in what is kept
        assert after.read_from == max(0, after.first - warmup)
        assert after.first > before.first
    # About the same work each (kept + warm-up frames), so they finish together.
    work = [((c.stop or frames) - c.read_from) for c in plan]
    assert max(work) - min(work) <= 2


def test_one_chunk_reads_everything():
    assert plan_chunks(300, 1, 30) == [Chunk(0, 0, None)]
    assert plan_chunks(0, 2, 30) == [Chunk(0, 0, None)]


# --------------------------------------------------------------------------- stitching
def synthetic(times_ms, offset: float = 0.0, extras: bool = True) -> PoseSeries:
    t = np.asarray(times_ms, dtype=float)
    n = len(t)
    image = np.zeros((n, NUM_LANDMARKS, 3), np.float32) + (t[:, None, None] / 1e4 + offset)
    return PoseSeries(
        time_ms=t,
        image=image,
        world=image.copy(),
        visibility=np.ones((n, NUM_LANDMARKS), np.float32),
        presence=np.ones((n, NUM_LANDMARKS), np.float32),
        num_people=np.ones(n, np.int16),
        source=INFO,
        model="m",
        extras={"profile": np.tile(t[:, None], (1, 4)).astype(np.float32)} if extras else {},
    )


def test_stitch_drops_the_warm_up_and_keeps_each_range_once():
    period = 1000.0 / 30
    whole = np.arange(300) * period
    plan = plan_chunks(300, 2, 30)
    parts = [synthetic(whole[c.read_from : c.stop], offset=float(k)) for k, c in enumerate(plan)]
    keep_from = [whole[c.first] for c in plan]
    out = stitch(parts, keep_from, INFO)
    np.testing.assert_array_equal(out.time_ms, whole)
    first = plan[1].first
    # The first part's rows before the boundary, the second's (offset 1) from it on.
    np.testing.assert_allclose(out.image[first - 1, 0, 0], whole[first - 1] / 1e4)
    np.testing.assert_allclose(out.image[first, 0, 0], whole[first] / 1e4 + 1)
    np.testing.assert_array_equal(out.extras["profile"][:, 0], whole.astype(np.float32))
    assert out.source == INFO and out.model == "m"


def test_stitch_fills_a_measure_a_part_lacks_with_nan():
    period = 1000.0 / 30
    a = synthetic(np.arange(0, 10) * period)
    b = synthetic(np.arange(5, 20) * period, extras=False)
    out = stitch([a, b], [0.0, 10 * period], INFO)
    assert len(out) == 20
    assert out.extras["profile"].shape == (20, 4)
    assert np.isnan(out.extras["profile"][10:]).all()
    assert np.isfinite(out.extras["profile"][:10]).all()


def test_stitch_tolerates_times_off_by_rounding():
    period = 1000.0 / 29.97
    a = synthetic(np.arange(0, 10) * period)
    b = synthetic(np.arange(7, 15) * period + 1e-9)
    out = stitch([a, b], [0.0, 10 * period], INFO)
    assert len(out) == 15 and np.all(np.diff(out.time_ms) > 0)


def test_a_part_that_could_not_be_read_counts_as_nobody_found():
    rows = chunks.nobody_found(INFO, np.array([100.0, 133.3]))
    assert len(rows) == 2 and np.isnan(rows.image).all()
    np.testing.assert_array_equal(rows.time_ms, [100.0, 133.3])


# --------------------------------------------------------------------------- options
@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_chunks_option_is_a_whole_number(bad):
    with pytest.raises(ConfigError, match="chunks must be a whole number"):
        EngineOptions(chunks=bad)


# --------------------------------------------------------------------------- the real model
def test_chunked_and_single_stream_give_the_same_verdict(real_model):
    from formcheck.engine.clip import analyze_clip

    clip = ROOT / "samples" / "kbswing_good.mp4"  # 10 s: two chunks
    single = analyze_clip(clip, EngineOptions(chunks=1, progress=False, exercise="kbswing"))
    chunked = analyze_clip(clip, EngineOptions(chunks=2, progress=False, exercise="kbswing"))
    np.testing.assert_array_equal(chunked.series.time_ms, single.series.time_ms)
    assert len(chunked.result.reps) == len(single.result.reps) >= 3
    assert chunked.result.fault_codes == single.result.fault_codes
    for a, b in zip(single.result.reps, chunked.result.reps, strict=True):
        assert abs(a.key_ms - b.key_ms) <= 100


# --------------------------------------------------------------------------- a real file, no model
@pytest.fixture(scope="module")
def ten_seconds(tmp_path_factory):
    import cv2

    path = tmp_path_factory.mktemp("chunks") / "ten.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (32, 24))
    for i in range(300):
        writer.write(np.full((24, 32, 3), i % 256, np.uint8))
    writer.release()
    return path


class _NoModel:
    def close(self) -> None:
        pass


def _series_of(frames, estimator, info, bar=None) -> PoseSeries:
    """What the pose stage would return, without the model: one row per frame read."""
    return synthetic([f.time_ms for f in frames])


def _run(path, plan, run=_series_of):
    from formcheck.frames import open_source

    kwargs = {"max_size": None, "stride": 1, "start_s": None, "end_s": None}
    with open_source(path, **kwargs) as source:
        clip = chunks.ChunkedClip(source)
        return chunks.run_chunked(path, clip, plan, kwargs, _NoModel, run)


def test_chunks_read_their_ranges_and_stitch_to_every_frame_once(ten_seconds):
    series, problems = _run(ten_seconds, plan_chunks(300, 3, 30))
    assert problems == []
    np.testing.assert_allclose(series.time_ms, np.arange(300) * 1000 / 30)


def test_a_chunk_that_cannot_be_read_is_reported_with_its_time_range(ten_seconds):
    from formcheck.errors import InputError

    plan = plan_chunks(300, 3, 30)

    def broken_middle(frames, estimator, info, bar=None):
        if frames.first_index > 0 and frames.last_index is not None:
            raise InputError("decoding failed")
        return _series_of(frames, estimator, info)

    series, problems = _run(ten_seconds, plan, broken_middle)
    assert len(problems) == 1
    assert "could not be analysed (decoding failed)" in problems[0]
    assert (
        f"{round(plan[1].first / 30, 2):g} s" in problems[0]
    )  # the range it covers, in the file's time
    np.testing.assert_allclose(series.time_ms, np.arange(300) * 1000 / 30)
    lost = slice(plan[1].first, plan[1].stop)
    assert np.isnan(series.image[lost]).all()
    assert np.isfinite(series.image[: plan[1].first]).all()
    assert np.isfinite(series.image[plan[1].stop :]).all()


def test_damage_read_in_chunks_is_reported_once_for_the_whole_clip(tmp_path):
    # A 10.7 s sample with 4 kB overwritten mid-file, read in 3 chunks with warm-up overlaps:
    # the same frames are missing, at the same times, as when read as one stream.
    from formcheck.frames import open_source
    from tests.frames.test_damage import DEADLIFT, overwrite_middle

    holed = overwrite_middle(DEADLIFT, tmp_path / "holed.mp4", 4000)
    with open_source(holed, stride=1) as source:
        plan = chunks.plan_for(source.info, 3)  # as the pose stage plans (the probed count)
        for _ in source:
            pass
        whole = source.damage()
    assert whole.missing_frames > 0 and len(plan) >= 2
    series, problems = _run(holed, plan)
    assert problems == []
    damage = series.source.damage
    assert damage is not None
    assert damage.missing_frames == whole.missing_frames
    assert damage.missing == whole.missing
    assert damage.damaged == whole.damaged
