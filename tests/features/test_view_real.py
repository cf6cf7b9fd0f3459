"""View check on real footage: every side-view clip in ../shared/data must read as side-on."""

from __future__ import annotations

import pytest

from formcheck.engine.options import EngineOptions
from formcheck.engine.pose_stage import extract_pose_series
from formcheck.features.view import (
    SIDE_MIN_YAW_DEG,
    VIEW_BAND_DEG,
    assess_view,
    view_matches_label,
)
from tests.conftest import SHARED_DATA, shared_manifest

# About 30 frames a clip: with 10, the lite model's yaw on deadlift_roundedback_side_10 read
# 50.9 deg on an Intel Xeon and 46.1 on an AMD EPYC (the side limit with its 10-deg label
# tolerance is 50), a knife edge set by which few frames were sampled; with ~30 frames every
# side clip reads >= 68.9 deg here (all frames: >= 70.1; the full model: >= 71.9), so a few
# degrees of cross-CPU model noise cannot flip the verdict.
FRAMES_PER_CLIP = 30
# The largest change of a real clip's yaw that benchmarks/view_noise.py measured, sampled as
# here, when the model's input moved by one grey level (the stand-in for another CPU's rounding):
# 11.65 deg, on deadlift_roundedback_side_09 (and 11.4 on _side_10, whose lite-model tracking
# takes one of two paths: 70.1 deg as decoded, 81.0-81.5 with each of three jitters); the p95
# over 129 runs was 3.3. A side clip must read at least this far above the band's lower edge
# here, so that on any CPU whose noise stays within it the clip reads side or side-oblique,
# never oblique. The lowest side clip, plank_unknown_side_06, reads 68.9 here (>= 66.7).
CPU_NOISE_DEG = 11.7


def side_view_videos() -> list[dict[str, str]]:
    try:
        rows = shared_manifest()
    except pytest.skip.Exception:
        return []
    return [
        r
        for r in rows
        if r["view"] == "side" and r["file"].endswith(".mp4") and int(r["frames"] or 0) >= 20
    ]


@pytest.mark.parametrize("row", side_view_videos(), ids=lambda r: r["file"])
def test_real_side_view_clips_read_as_side(shared_data, real_model, row):
    path = SHARED_DATA / "clips" / row["file"]
    stride = max(1, int(row["frames"]) // FRAMES_PER_CLIP)
    series = extract_pose_series(
        path, EngineOptions(model="lite", stride=stride, smooth=False, people_check_ms=0)
    )
    assessment = assess_view(series)
    # Within 10 degrees of the side range: people label a 55-degree camera "side" too.
    assert view_matches_label(assessment, "side"), (assessment.view, assessment.yaw_deg)
    assert assessment.view in ("side", "side-oblique")
    # With the margin the model's cross-CPU noise needs (see CPU_NOISE_DEG).
    lowest = SIDE_MIN_YAW_DEG - VIEW_BAND_DEG + CPU_NOISE_DEG
    assert assessment.yaw_deg >= lowest, (assessment.yaw_deg, lowest)
    # The facing is a majority over the frames: where the lifter turns during the clip (the
    # assessment says the camera angle changes) no side wins, and saying so is right.
    turned = any("camera angle changes" in reason for reason in assessment.reasons)
    assert assessment.facing in ("left", "right") or turned, assessment


def test_real_side_view_clips_are_available(shared_data):
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    assert len(side_view_videos()) >= 10
