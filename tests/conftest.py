"""Shared test fixtures: paths to ../shared/data, the bundled samples and a loaded model."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLES = ROOT / "samples"
TEST_DATA = Path(__file__).resolve().parent / "data"


def shared_clip(name: str) -> Path:
    """Path of a real clip in ../shared/data/clips, or skip the test with the reason."""
    path = SHARED_DATA / "clips" / name
    if not path.is_file():
        pytest.skip(f"real clip {name} not available (../shared/data is absent)")
    return path


def shared_manifest() -> list[dict[str, str]]:
    manifest = SHARED_DATA / "MANIFEST.csv"
    if not manifest.is_file():
        pytest.skip("../shared/data/MANIFEST.csv not available")
    with open(manifest, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def full_estimator():
    from formcheck.pose import MediaPipePoseEstimator, PoseOptions

    with MediaPipePoseEstimator(PoseOptions(model="full", people_check_ms=0)) as estimator:
        yield estimator
