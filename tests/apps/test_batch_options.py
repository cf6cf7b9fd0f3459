"""Batch options: make_options' two batch defaults, and options or keywords, never both (no model)."""

from __future__ import annotations

import pytest

from formcheck.apps.batch import make_options, score_clip, score_clips
from formcheck.errors import ConfigError


def test_make_options_batch_defaults():
    options = make_options()
    assert options.use_cache is True and options.progress is False
    assert make_options(use_cache=False, stride=2).use_cache is False
    with pytest.raises(TypeError):
        make_options(progress=True)  # a batch never draws per-clip bars


def test_score_clip_refuses_options_and_keywords(tmp_path):
    clip = tmp_path / "missing.mp4"
    with pytest.raises(ConfigError, match=r"not both \(got max_size, strictness\)"):
        score_clip(clip, strictness="strict", max_size=640, options=make_options())
    # Keywords left at their defaults are not a mix; the clip's error is in the report.
    report = score_clip(clip, "auto", keep_series=True, options=make_options())
    assert report.status == "error" and "not found" in report.error


def test_score_clips_refuses_options_and_keywords(tmp_path):
    clip = tmp_path / "a.mp4"
    clip.write_bytes(b"")
    with pytest.raises(ConfigError, match=r"not both \(got stride\)"):
        score_clips([clip], stride=2, options=make_options(), progress=False)
