"""Per-frame angle and per-rep fault tables (CSV and JSON)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck.engine.analyze import analyze_series
from formcheck.errors import ConfigError
from formcheck.exercises.base import ExerciseResult, Fault, Rep
from formcheck.features.core import FEATURE_NAMES, compute_features
from formcheck.outputs.exports import (
    FRAME_COLUMNS,
    REP_COLUMNS,
    rep_fault_records,
    rep_index,
    rep_rows,
    reps_csv_path,
    write_frames_csv,
    write_reps_csv,
    write_reps_json,
)
from formcheck.synth import GroundTruth

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def truth_case(name: str):
    series = GroundTruth.load(SAMPLES / f"{name}.mp4").to_pose_series()
    return series, analyze_series(series, "auto")


@pytest.fixture(scope="module")
def swing():
    return truth_case("kbswing_leanback")


@pytest.fixture(scope="module")
def plank():
    return truth_case("plank_sagging")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_frames_csv_has_every_feature_rep_and_fault_per_frame(swing, tmp_path):
    series, result = swing
    image = series.image.copy()
    image[5:8] = np.nan  # nobody found: empty feature cells, still a row

    series = replace(series, image=image)
    path = write_frames_csv(tmp_path / "frames.csv", series, result)
    header, rows = read_csv(path)
    assert header == list(FRAME_COLUMNS)
    assert len(rows) == len(series)
    features = compute_features(series)
    for name in FEATURE_NAMES:
        got = np.array([float(r[name]) if r[name] else np.nan for r in rows])
        np.testing.assert_allclose(got, features.values[name], rtol=1e-3, atol=1e-3)
    assert rows[6]["detected"] == "0" and rows[6]["hip_flexion"] == ""
    assert [float(r["time_ms"]) for r in rows[:3]] == pytest.approx(series.time_ms[:3], abs=1e-3)
    # Rep index and fault codes follow the verdict's spans.
    rep = result.reps[2]
    inside = int(np.searchsorted(series.time_ms, 0.5 * (rep.start_ms + rep.key_ms)))
    assert rows[inside]["rep"] == str(rep.index)
    fault = result.faults[0]
    hit = int(np.searchsorted(series.time_ms, 0.5 * (fault.start_ms + fault.end_ms)))
    assert fault.code in rows[hit]["faults"].split(";")
    assert rows[0]["faults"] == ""


def test_reps_csv_has_a_row_per_fault_and_per_clean_rep(tmp_path):
    reps = [Rep(1, 0.0, 500.0, 1000.0, ("on_toes",)), Rep(2, 1000.0, 1500.0, 2000.0)]
    fault = Fault(
        "on_toes",
        "Weight in your heels",
        300.0,
        400.0,
        1,
        0.25,
        0.6,
        measured={"heel_rise": 0.52, "odd": float("nan")},
        thresholds={"heel_rise": 0.45},
        signals=("heel_rise",),
    )
    stray = Fault("leaning_back", "Stand tall", 2500.0, 2600.0, None, 0.1, 0.9)
    result = ExerciseResult("kbswing", reps=reps, faults=[fault, stray])
    path = write_reps_csv(tmp_path / "reps.csv", result)
    header, rows = read_csv(path)
    assert header == list(REP_COLUMNS)
    assert [(r["rep"], r["fault"]) for r in rows] == [
        ("1", "on_toes"),
        ("2", ""),
        ("", "leaning_back"),
    ]
    assert rows[0]["cue"] == "Weight in your heels" and rows[0]["signals"] == "heel_rise"
    assert json.loads(rows[0]["measured"]) == {"heel_rise": 0.52, "odd": None}
    assert json.loads(rows[0]["thresholds"]) == {"heel_rise": 0.45}
    assert rows[1]["rep_key_ms"] == "1500" and rows[1]["severity"] == ""
    assert rep_rows(ExerciseResult("plank")) == []


def test_reps_json_is_valid_json_grouped_by_rep(swing, plank, tmp_path):
    series, result = swing
    path = write_reps_json(tmp_path / "reps.json", result)
    data = json.loads(path.read_text())  # strict: NaN would not parse back as a number
    assert [r["rep"] for r in data["reps"]] == [r.index for r in result.reps]
    assert sum(len(r["faults"]) for r in data["reps"]) + len(data["faults_outside_reps"]) == len(
        result.faults
    )
    assert data["reps"][0]["faults"][0]["measured"]
    _, plank_result = plank
    plank_data = rep_fault_records(plank_result)
    assert (
        plank_data["reps"] == [] and plank_data["faults_outside_reps"][0]["code"] == "hips_sagging"
    )
    assert json.dumps(plank_data, allow_nan=False)


def test_rep_index_marks_frames_inside_reps_only():
    result = ExerciseResult(
        "deadlift", reps=[Rep(1, 100.0, 200.0, 300.0), Rep(2, 400.0, 450.0, 500.0)]
    )
    t = np.array([0.0, 100.0, 300.0, 350.0, 450.0, 600.0])
    assert rep_index(result, t).tolist() == [0, 1, 1, 0, 2, 0]


def test_export_paths_and_errors(plank, tmp_path):
    series, result = plank
    assert reps_csv_path("out/set.csv") == Path("out/set_reps.csv")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="not a folder"):
        write_frames_csv(blocker / "f.csv", series, result)
    with pytest.raises(ConfigError, match="folder"):
        write_reps_json(tmp_path, result)
    nested = write_reps_csv(tmp_path / "new" / "dir" / "r.csv", result)
    assert nested.is_file() and not list(nested.parent.glob("*.part"))


def test_frames_csv_reads_back_with_pandas(plank, tmp_path):
    pd = pytest.importorskip("pandas")
    series, result = plank
    path = write_frames_csv(tmp_path / "f.csv", series, result)
    frame = pd.read_csv(path)
    assert len(frame) == len(series)
    assert frame["hip_line_offset"].dtype.kind == "f"
    sagging = frame["faults"].fillna("").str.contains("hips_sagging")
    fault = result.faults[0]
    expected = (series.time_ms >= fault.start_ms) & (series.time_ms <= fault.end_ms)
    assert sagging.to_numpy().tolist() == expected.tolist()
