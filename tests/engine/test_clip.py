"""The one clip path (source -> pose stage -> series -> smoothing -> verdict) and its landmark
cache, driven by a replay or a stand-in pose stage. No model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.engine import clip, pose_stage
from formcheck.engine.analyze import analyze_series
from formcheck.engine.cache import LandmarkCache, options_token
from formcheck.engine.options import EngineOptions
from formcheck.errors import ConfigError
from formcheck.exercises.config import preset
from formcheck.exercises.plank.config import PlankConfig
from formcheck.pose import ReplayPoseEstimator
from formcheck.series.smoothing import smooth_offline
from formcheck.synth import GroundTruth

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CLIP = SAMPLES / "plank_sagging.mp4"


def truth(path: Path = CLIP):
    return GroundTruth.load(path).to_pose_series()


def assert_same_verdict(a, b) -> None:
    assert a.to_dict() == b.to_dict()


def test_a_replayed_clip_is_judged_as_its_smoothed_landmarks():
    series = truth()
    frames = [np.zeros((8, 8, 3), np.uint8)] * len(series)  # 30 fps, as the series
    raw = clip.analyze_clip(
        frames,
        EngineOptions(with_masks=False, progress=False, smooth=False),
        estimator=ReplayPoseEstimator(series),
    )
    np.testing.assert_array_equal(raw.series.image, series.image)
    assert raw.series.smoothing == "none"

    options = EngineOptions(with_masks=False, progress=False)
    analysis = clip.analyze_clip(frames, options, estimator=ReplayPoseEstimator(series))
    smoothed = smooth_offline(raw.series)
    np.testing.assert_array_equal(analysis.series.image, smoothed.image)
    assert analysis.series.smoothing == smoothed.smoothing != "none"
    assert_same_verdict(analysis.result, analyze_series(smoothed))
    assert analysis.raw_detection_rate == series.detection_rate
    assert not analysis.cache_hit and analysis.cache_key is None  # not a file: no cache


@pytest.fixture
def fake_stage(monkeypatch):
    """The pose stage replaced by the sample's ground truth; lists the options it ran with."""
    runs: list[EngineOptions] = []

    def extract(spec, options=None, **_):
        runs.append(options)
        return truth(Path(spec))

    monkeypatch.setattr(pose_stage, "extract_pose_series", extract)
    return runs


def test_the_cache_keeps_raw_landmarks_and_serves_them_back(tmp_path, fake_stage):
    options = EngineOptions(model="lite", use_cache=True, cache_dir=tmp_path, progress=False)
    first = clip.analyze_clip(str(CLIP), options)
    assert not first.cache_hit and len(fake_stage) == 1
    assert fake_stage[0].smooth is False  # the stage is asked for raw landmarks
    (entry,) = LandmarkCache(tmp_path).entries()
    assert entry.name == f"{first.cache_key}.npz"
    np.testing.assert_array_equal(
        LandmarkCache(tmp_path).get(clip.cache_key(CLIP, options)).image, truth().image
    )

    again = clip.analyze_clip(str(CLIP), options)
    assert again.cache_hit and len(fake_stage) == 1 and again.cache_key == first.cache_key
    assert_same_verdict(again.result, first.result)
    np.testing.assert_array_equal(again.series.image, first.series.image)

    off = clip.analyze_clip(str(CLIP), EngineOptions(model="lite", cache_dir=tmp_path))
    assert not off.cache_hit and off.cache_key is None and len(fake_stage) == 2


def test_an_unwritable_cache_is_a_warning_not_a_failure(tmp_path, fake_stage):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    options = EngineOptions(model="lite", use_cache=True, cache_dir=blocker / "c")
    analysis = clip.analyze_clip(str(CLIP), options)
    assert analysis.result.assessable and not analysis.cache_hit
    assert len(analysis.warnings) == 1 and "cannot be written" in analysis.warnings[0]


def test_cache_keys_with_masks_match_the_entries_batch_wrote_before():
    """Entries written before the engine was unified (masks always on) are still found."""
    options = EngineOptions(model="lite", use_cache=True)
    model = pose_stage.estimator_factory(options.pose_options()).model_token
    before = {
        "model": model,
        "max_size": 960,
        "stride": 1,
        "people_check_ms": 2000.0,
        "with_masks": True,
        "measures": ["back_profile"],
    }
    assert clip.cache_key(CLIP, options).options == options_token(before)
    unmasked = EngineOptions(model="lite", with_masks=False)
    assert clip.cache_key(CLIP, unmasked).options != options_token(before)


def test_analyze_clip_builds_its_options_from_keywords(fake_stage):
    analysis = clip.analyze_clip(
        CLIP, exercise="plank", strictness="strict", max_size=480, with_masks=False, progress=False
    )
    (ran,) = fake_stage
    assert (ran.exercise, ran.max_size, ran.progress, ran.masks) == ("plank", 480, False, False)
    strict = preset(PlankConfig, "strict")
    assert ran.configs["plank"] == strict
    assert analysis.result.exercise == "plank"


def test_analyze_clip_refuses_options_and_keywords_together():
    with pytest.raises(ConfigError, match="not both"):
        clip.analyze_clip(CLIP, EngineOptions(), exercise="plank")


def test_a_range_gets_its_own_cache_key_and_the_whole_clip_keeps_its_old_one():
    whole = clip.landmark_options(EngineOptions(model="lite"))
    assert "range_s" not in whole  # the key of every clip cached so far is unchanged
    keys = {
        clip.cache_key(CLIP, EngineOptions(model="lite", **span)).options
        for span in ({}, {"start_s": 2.0}, {"end_s": 6.0}, {"start_s": 2.0, "end_s": 6.0})
    }
    assert len(keys) == 4
    ranged = clip.landmark_options(EngineOptions(model="lite", start_s=2, end_s=6))
    assert ranged == {**whole, "range_s": [2.0, 6.0]}
