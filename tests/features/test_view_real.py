"""View check on real footage: every side-view clip in ../shared/data must read as side-on."""

from __future__ import annotations

import pytest

from formcheck.engine.options import EngineOptions
from formcheck.engine.pose_stage import extract_pose_series
from formcheck.features.view import assess_view, view_matches_label
from tests.conftest import SHARED_DATA, shared_manifest

FRAMES_PER_CLIP = 10


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
    assert assessment.view in ("side", "oblique")
    assert assessment.facing in ("left", "right")


def test_real_side_view_clips_are_available(shared_data):
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    assert len(side_view_videos()) >= 10
