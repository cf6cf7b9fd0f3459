"""Batch scoring: tables, the cache (resume, re-scoring), bad input, the CLI, worker processes.

Most tests run without the model: the landmark cache is filled with each sample's exact
ground-truth series (what the cache would hold after a perfect model), or the pose stage is
replaced by one that returns it. Two tests marked ``model`` run the lite model on a few frames.
"""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import formcheck
import formcheck.apps.batch as batch
import formcheck.engine.pose_stage as pipeline
from formcheck.apps.batch import (
    BatchInterrupted,
    BatchResult,
    BatchWarning,
    ClipReport,
    landmark_cache_key,
    make_options,
    resolve_inputs,
    score_clip,
    score_clips,
)
from formcheck.cli.batch import add_batch_parser
from formcheck.engine.cache import LandmarkCache
from formcheck.errors import ConfigError, InputError
from formcheck.synth import GroundTruth

pd = pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
CLIPS = sorted(SAMPLES.glob("*.mp4"))
MODEL = "lite"  # every call names it, so FORMCHECK_MODEL cannot change the cache keys


def truth_series(path: str | os.PathLike, stride: int = 1):
    series = GroundTruth.load(path).to_pose_series()
    return series.slice(0, None) if stride == 1 else _every(series, stride)


def _every(series, stride: int):
    from dataclasses import replace

    sel = slice(None, None, stride)
    return replace(
        series,
        time_ms=series.time_ms[sel],
        image=series.image[sel],
        world=series.world[sel],
        visibility=series.visibility[sel],
        presence=series.presence[sel],
        num_people=series.num_people[sel],
        extras={},
    )


def fill_cache(folder: Path, clips=CLIPS) -> Path:
    options = make_options(model=MODEL, cache_dir=folder)
    cache = LandmarkCache(folder)
    for clip in clips:
        cache.put(landmark_cache_key(clip, options), truth_series(clip))
    return folder


@pytest.fixture(scope="module")
def truth_cache(tmp_path_factory) -> Path:
    """A landmark cache holding every sample's ground truth (shared; do not modify)."""
    return fill_cache(tmp_path_factory.mktemp("truth_cache"))


@pytest.fixture
def no_model(monkeypatch):
    """Fail the test if anything tries to create a pose estimator."""

    def refuse(self):
        raise AssertionError("the pose model was loaded")

    monkeypatch.setattr(batch.EstimatorFactory, "__call__", refuse)


class _NoEstimator:
    def close(self) -> None:
        pass


@pytest.fixture
def fake_pose(monkeypatch):
    """The pose stage replaced by the ground truth; returns the list of clips it 'ran' on."""
    calls: list[str] = []

    def extract(spec, options=None, *, estimator=None, measures=None, progress=None, **_):
        calls.append(Path(spec).name)
        return truth_series(spec, options.stride if options else 1)

    monkeypatch.setattr(batch.EstimatorFactory, "__call__", lambda self: _NoEstimator())
    monkeypatch.setattr(pipeline, "extract_pose_series", extract)
    return calls


def by_clip(result: BatchResult) -> dict[str, ClipReport]:
    return {r.name: r for r in result.reports}


# --------------------------------------------------------------------------- scoring
def test_samples_from_the_cache_give_tables(truth_cache, no_model):
    result = score_clips(SAMPLES, model=MODEL, cache_dir=truth_cache, progress=False)
    assert result.total == 6 and not result.interrupted and result.warnings == []
    reports = by_clip(result)
    assert all(r.status == "ok" and r.cache_hit for r in reports.values())
    for name, report in reports.items():
        assert report.exercise == name.split("_")[0]
        assert 0.6 <= report.exercise_confidence <= 1.0
        assert report.frames == len(GroundTruth.load(SAMPLES / name))
    assert reports["deadlift_good.mp4"].reps == 3
    assert reports["kbswing_good.mp4"].reps == 5
    assert reports["kbswing_leanback.mp4"].fault_counts.get("leaning_back", 0) >= 3
    assert "leaning_back" not in reports["kbswing_good.mp4"].fault_counts
    assert "hips_sagging" in reports["plank_sagging.mp4"].fault_counts
    assert "hips_sagging" not in reports["plank_good.mp4"].fault_counts
    assert reports["plank_good.mp4"].hold_s == pytest.approx(8.0, abs=0.5)

    clips = result.clips
    assert list(clips["clip"]) == [c.name for c in CLIPS]  # input order, not finish order
    assert set(clips["status"]) == {"ok"}
    assert clips["reps"].dtype == "Int64" and clips["cache_hit"].all()
    faults = result.faults
    # The count columns and the fault rows tell the same story.
    for code in faults["code"].unique():
        per_clip = faults[faults["code"] == code].groupby("clip").size()
        counts = clips.set_index("clip")[f"fault_{code}"]
        assert counts.sum() == len(faults[faults["code"] == code])
        for clip, n in per_clip.items():
            assert counts[clip] == n
    sag = faults[(faults["clip"] == "plank_sagging.mp4") & (faults["code"] == "hips_sagging")]
    assert sag["rep"].isna().all()  # a hold, not a rep
    assert 3.5 <= sag["start_s"].min() <= 5.5  # the hips sag from 3.5 s, 18 deg by 5 s
    assert faults["severity"].between(0, 1).all() and faults["cue"].str.len().gt(0).all()
    reps = result.reps
    assert reps.groupby("clip").size().to_dict() == {
        name: r.reps for name, r in reports.items() if r.reps
    }
    assert (reps["end_s"] > reps["start_s"]).all()


def test_rescoring_with_other_thresholds_never_runs_the_model(truth_cache, no_model):
    relaxed = score_clips(
        SAMPLES, model=MODEL, cache_dir=truth_cache, strictness="relaxed", progress=False
    )
    strict = score_clips(
        SAMPLES, model=MODEL, cache_dir=truth_cache, strictness="strict", progress=False
    )
    assert relaxed.counts["cache_hits"] == strict.counts["cache_hits"] == 6
    assert strict.clips["faults"].sum() >= relaxed.clips["faults"].sum()
    sag = [by_clip(r)["plank_sagging.mp4"].result for r in (relaxed, strict)]
    thresholds = [next(f for f in r.faults if f.code == "hips_sagging").thresholds for r in sag]
    assert thresholds[0] != thresholds[1]  # the presets really reached the rules


def test_score_clip_keeps_the_smoothed_series(truth_cache, no_model):
    report = score_clip(SAMPLES / "plank_sagging.mp4", model=MODEL, cache_dir=truth_cache)
    assert report.ok and report.cache_hit and report.exercise == "plank"
    assert report.series is not None and report.series.smoothing != "none"
    assert report.cache_key and report.worker.endswith(f":{os.getpid()}")
    given = score_clip(SAMPLES / "plank_sagging.mp4", "plank", model=MODEL, cache_dir=truth_cache)
    assert given.exercise == "plank" and given.exercise_confidence is None
    assert given.fault_counts == report.fault_counts


def test_bad_clips_are_rows_and_the_batch_goes_on(truth_cache, no_model, tmp_path):
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"this is not a video" * 100)
    paths = [SAMPLES / "plank_good.mp4", tmp_path / "missing.mp4", garbage]
    result = score_clips(paths, model=MODEL, cache_dir=truth_cache, progress=False)
    statuses = [r.status for r in result.reports]
    assert statuses == ["ok", "error", "error"]
    errors = result.clips["error"].tolist()
    assert "not found" in errors[1]
    assert "garbage.mp4" in errors[2] and "Traceback" not in errors[2]
    assert all(r.error_detail is None for r in result.reports)  # user errors, not bugs
    assert result.faults.empty or set(result.faults["clip"]) <= {"plank_good.mp4"}
    assert "2 errors" in result.summary()
    # A clip that is really a folder (say "clip.mp4/") is an error row too.
    odd = tmp_path / "odd.mp4"
    odd.mkdir()
    assert "folder" in batch.score_task(str(odd), make_options(model=MODEL)).error


def test_inputs_folders_globs_and_lists(tmp_path):
    assert [Path(p).name for p in resolve_inputs(SAMPLES)] == [c.name for c in CLIPS]
    assert resolve_inputs(str(SAMPLES / "plank_*.mp4")) == [
        str(SAMPLES / "plank_good.mp4"),
        str(SAMPLES / "plank_sagging.mp4"),
    ]
    assert resolve_inputs(str(SAMPLES / "*")) == [str(c) for c in CLIPS]  # videos only
    twice = resolve_inputs([SAMPLES / "plank_good.mp4", str(SAMPLES / "plank_*.mp4")])
    assert [Path(p).name for p in twice] == ["plank_good.mp4", "plank_sagging.mp4"]
    assert resolve_inputs(["gone.mp4"]) == ["gone.mp4"]  # kept: becomes an error row
    (tmp_path / "empty").mkdir()
    assert resolve_inputs([tmp_path / "empty", "gone.mp4"]) == ["gone.mp4"]
    with pytest.raises(InputError, match="No video files in"):
        resolve_inputs(tmp_path)
    with pytest.raises(InputError, match="No video files match"):
        resolve_inputs(str(tmp_path / "*.mp4"))
    with pytest.raises(InputError, match="Not found"):
        resolve_inputs(tmp_path / "nope")
    with pytest.raises(InputError, match="No clips"):
        resolve_inputs([str(tmp_path / "*.mov")])


def test_bad_options_raise_before_any_work(truth_cache):
    with pytest.raises(ConfigError, match="Unknown exercise"):
        score_clips(SAMPLES, exercise="squat", progress=False)
    with pytest.raises(ConfigError, match="strictness"):
        score_clips(SAMPLES, strictness="brutal", progress=False)
    with pytest.raises(ConfigError, match="workers"):
        score_clips(SAMPLES, workers=0, progress=False)
    with pytest.raises(ConfigError, match="stride"):
        score_clip(CLIPS[0], stride=0)
    with pytest.raises(ConfigError, match="either workers or executor"):
        score_clips(SAMPLES, workers=2, executor=object(), progress=False)


# --------------------------------------------------------------------------- the cache
def test_interrupted_batch_resumes_from_the_cache(tmp_path, fake_pose, monkeypatch):
    real_task = batch.task.score_task
    calls = []

    def interrupt_third(path, options):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_task(path, options)

    monkeypatch.setattr(batch.task, "score_task", interrupt_third)
    with pytest.raises(BatchInterrupted) as stop:
        score_clips(SAMPLES, model=MODEL, cache_dir=tmp_path, progress=False)
    partial = stop.value.result
    assert partial.interrupted and partial.total == 6 and len(partial.reports) == 2
    assert len(partial.clips) == 2
    assert len(LandmarkCache(tmp_path).entries()) == 2
    assert fake_pose == [CLIPS[0].name, CLIPS[1].name]

    monkeypatch.setattr(batch.task, "score_task", real_task)
    result = score_clips(SAMPLES, model=MODEL, cache_dir=tmp_path, progress=False)
    assert [r.cache_hit for r in result.reports] == [True, True, False, False, False, False]
    assert fake_pose[2:] == [c.name for c in CLIPS[2:]]  # the first two were not redone
    assert result.counts["ok"] == 6


def test_full_disk_scores_anyway_and_warns_once(tmp_path, fake_pose, monkeypatch):
    def full(self, key, series):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LandmarkCache, "put", full)
    clips = [SAMPLES / "plank_good.mp4", SAMPLES / "kbswing_good.mp4", SAMPLES / "dead.mp4"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = score_clips(clips, model=MODEL, cache_dir=tmp_path, progress=False)
    assert [r.status for r in result.reports] == ["ok", "ok", "error"]
    assert len(result.warnings) == 1 and "No space left" in result.warnings[0]
    assert [w.category for w in caught].count(BatchWarning) == 1
    written = result.to_csv(tmp_path / "out" / "results.csv")
    assert all(p.is_file() for p in written)
    assert "warning: the landmark cache" in result.summary()


def test_unwritable_cache_folder(tmp_path, fake_pose):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.warns(BatchWarning, match="cannot be written"):
        report = score_clip(SAMPLES / "plank_good.mp4", model=MODEL, cache_dir=blocker / "c")
    assert report.ok and not report.cache_hit and len(report.warnings) == 1


def test_damaged_cache_entry_is_recomputed(tmp_path, fake_pose):
    clip = SAMPLES / "kbswing_good.mp4"
    first = score_clip(clip, model=MODEL, cache_dir=tmp_path)
    (entry,) = LandmarkCache(tmp_path).entries()
    entry.write_bytes(b"PK\x03\x04 broken")
    again = score_clip(clip, model=MODEL, cache_dir=tmp_path)
    assert not again.cache_hit and fake_pose == [clip.name, clip.name]
    assert again.fault_counts == first.fault_counts and again.reps == first.reps
    assert score_clip(clip, model=MODEL, cache_dir=tmp_path).cache_hit


def test_cache_key_follows_content_and_pose_options(tmp_path):
    copy = tmp_path / "renamed.mp4"
    shutil.copy(CLIPS[0], copy)
    options = make_options(model=MODEL)
    key = landmark_cache_key(CLIPS[0], options)
    assert landmark_cache_key(copy, options) == key  # same bytes, other name
    assert landmark_cache_key(CLIPS[1], options).content_sha256 != key.content_sha256
    assert landmark_cache_key(CLIPS[0], make_options(model=MODEL, stride=2)).options != key.options
    assert landmark_cache_key(CLIPS[0], make_options(model="full")).options != key.options
    # Thresholds are applied after loading: they are not part of the key.
    assert landmark_cache_key(CLIPS[0], make_options(model=MODEL, strictness="strict")) == key


# --------------------------------------------------------------------------- tables, export
def test_export_parquet_and_csv_round_trip(truth_cache, no_model, tmp_path):
    result = score_clips(SAMPLES, model=MODEL, cache_dir=truth_cache, progress=False)
    clips_path, faults_path = result.to_parquet(tmp_path / "results.parquet")
    assert faults_path.name == "results_faults.parquet"
    back = pd.read_parquet(clips_path)
    pd.testing.assert_frame_equal(back, result.clips, check_dtype=False)
    assert len(pd.read_parquet(faults_path)) == len(result.faults)
    clips_csv, faults_csv = result.save(tmp_path / "results.csv")
    assert faults_csv.name == "results_faults.csv"
    back = pd.read_csv(clips_csv)
    assert list(back.columns) == list(result.clips.columns)
    assert back["reps"].tolist() == result.clips["reps"].tolist()
    with pytest.raises(ConfigError, match=".parquet or .csv"):
        result.save(tmp_path / "results.xlsx")
    assert not list(tmp_path.glob(".*part"))


def test_empty_and_failed_tables_keep_their_columns():
    empty = BatchResult(reports=[], total=3, interrupted=True)
    assert empty.clips.empty and "status" in empty.clips.columns
    assert list(empty.faults.columns)[:5] == ["clip", "path", "exercise", "rep", "code"]
    failed = BatchResult([ClipReport(path="x/a.mp4", status="error", error="boom")], total=1)
    row = failed.clips.iloc[0]
    assert row["clip"] == "a.mp4" and row["error"] == "boom" and pd.isna(row["reps"])
    assert failed.faults.empty and failed.reps.empty


# --------------------------------------------------------------------------- the CLI
def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="formcheck")
    add_batch_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args)


def test_cli_writes_both_tables_and_a_summary(truth_cache, no_model, tmp_path, capsys):
    out = tmp_path / "res" / "results.parquet"
    argv = ["batch", str(SAMPLES), "--out", str(out), "--cache", str(truth_cache)]
    code = run_cli([*argv, "--model", MODEL, "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "6 ok, 0 not assessable, 0 errors (6 from the landmark cache)" in printed
    assert "kbswing: 2 clips, 10 reps" in printed
    assert len(pd.read_parquet(out)) == 6
    assert (tmp_path / "res" / "results_faults.parquet").is_file()


def test_cli_shell_expanded_glob_and_missing_file(truth_cache, no_model, tmp_path):
    out = tmp_path / "r.csv"
    argv = ["batch", str(CLIPS[0]), str(tmp_path / "gone.mp4"), "--out", str(out)]
    assert run_cli(argv + ["--cache", str(truth_cache), "--model", MODEL]) == 0
    assert pd.read_csv(out)["status"].tolist() == ["ok", "error"]


def test_cli_ctrl_c_writes_what_is_done(tmp_path, fake_pose, monkeypatch, capsys):
    real_task = batch.task.score_task
    seen = []

    def interrupt_fourth(path, options):
        seen.append(path)
        if len(seen) == 4:
            raise KeyboardInterrupt
        return real_task(path, options)

    monkeypatch.setattr(batch.task, "score_task", interrupt_fourth)
    out = tmp_path / "r.csv"
    code = run_cli(["batch", str(SAMPLES), "--out", str(out), "--cache", str(tmp_path / "c")])
    assert code == 130
    assert pd.read_csv(out)["clip"].tolist() == [c.name for c in CLIPS[:3]]
    assert "run the same command again" in capsys.readouterr().err


def test_cli_user_errors(tmp_path):
    with pytest.raises(InputError) as empty:
        run_cli(["batch", str(tmp_path), "--out", str(tmp_path / "r.csv")])
    assert empty.value.exit_code == 2 and "No video files" in str(empty.value)
    with pytest.raises(ConfigError, match=".parquet or .csv"):
        run_cli(["batch", str(SAMPLES), "--out", str(tmp_path / "r.json")])
    with pytest.raises(ConfigError, match="--workers"):
        run_cli(["batch", str(SAMPLES), "--out", str(tmp_path / "r.csv"), "--workers", "0"])
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="Cannot write results"):
        run_cli(["batch", str(SAMPLES), "--out", str(blocker / "r.csv")])


def test_package_exports_score_functions_lazily():
    assert formcheck.score_clip is score_clip
    assert formcheck.score_clips is score_clips


# --------------------------------------------------------------------------- the real model
def _blank_clip(path: Path, frames: int = 8) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (96, 96))
    for i in range(frames):
        writer.write(np.full((96, 96, 3), 40 + 10 * i, np.uint8))
    writer.release()
    return path


@pytest.mark.model
def test_real_model_caches_and_reuses_landmarks(tmp_path):
    clip = SAMPLES / "plank_sagging.mp4"
    first = score_clip(clip, model=MODEL, stride=12, cache_dir=tmp_path)
    assert first.status == "ok" and not first.cache_hit, first.error
    assert first.frames == 20 and first.detection_rate > 0.8
    assert first.peak_rss_mb and first.peak_rss_mb > 50
    (entry,) = LandmarkCache(tmp_path).entries()
    assert entry.name.startswith(landmark_cache_key(clip, make_options(model=MODEL)).content_sha256)
    again = score_clip(clip, model=MODEL, stride=12, cache_dir=tmp_path, strictness="strict")
    assert again.cache_hit and again.frames == first.frames
    np.testing.assert_allclose(again.series.image, first.series.image, equal_nan=True)
    nobody = score_clip(_blank_clip(tmp_path / "blank.mp4"), model=MODEL, cache_dir=tmp_path)
    assert nobody.status == "not_assessable" and "nobody" in nobody.reason


@pytest.mark.model
def test_worker_processes(tmp_path):
    clips = [SAMPLES / "plank_good.mp4", SAMPLES / "kbswing_good.mp4", tmp_path / "gone.mp4"]
    result = score_clips(
        clips, workers=2, model=MODEL, stride=15, cache_dir=tmp_path / "cache", progress=False
    )
    assert [r.status for r in result.reports] == ["ok", "ok", "error"], result.summary()
    workers = {r.worker for r in result.reports[:2]}
    assert all(not w.endswith(f":{os.getpid()}") for w in workers)
    assert len(LandmarkCache(tmp_path / "cache").entries()) == 2
    assert result.reports[0].exercise == "plank"
