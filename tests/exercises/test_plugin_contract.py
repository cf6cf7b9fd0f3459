"""The exercise plug-in contract.

1. Every registered exercise (the shipped ones and a toy one formcheck does not ship) passes
   the same checks on its spec, config and rule (as scikit-learn's check_estimator does for
   estimators).
2. The toy exercise, registered from this test only, goes through analyze, the overlay, the
   annotated video, the text and HTML reports, the CSV exports, batch tables and the live loop
   on a file without any other module knowing it exists. No pose model runs: the clip's
   landmarks are synthetic (a real H.264 video drawn from them, re-scored from saved
   landmarks, the landmark cache and a replaying estimator).
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.exercises import registry
from formcheck.exercises.base import ExerciseResult
from formcheck.exercises.config import preset
from formcheck.exercises.spec import Band, ExerciseSpec, Measure
from formcheck.features.core import FEATURE_NAMES
from formcheck.series.core import PoseSeries
from formcheck.series.landmarks import POSE_CONNECTIONS
from tests.exercises.deadlift.factories import CONVENTIONAL_BOTTOM, build_series, deadlift_reps
from tests.exercises.plank.factories import plank_series, ramp
from tests.exercises.toy_exercise import (
    HOLD_ID,
    HOLD_SPEC,
    KNEES_BENT,
    LINE_BROKEN,
    TOY_ID,
    TOY_SPEC,
    GoodMorningConfig,
)

STRICTNESS = ("relaxed", "standard", "strict")
REPS = 3


@pytest.fixture
def toy():
    with registry.registered(TOY_SPEC) as spec:
        yield spec


@pytest.fixture
def hold_toy():
    with registry.registered(HOLD_SPEC) as spec:
        yield spec


FPS = 30.0
BREAK_S = 3.0  # the hold toy's line bends past its limit from here


def bending_plank(name: str = "forearmhold.mp4") -> PoseSeries:
    """A 6 s forearm plank whose hips sag 20 deg from 3 s on."""
    n = int(6.0 * FPS)
    series = plank_series(duration_s=6.0, fps=FPS, bend_deg=ramp(n, FPS, BREAK_S, -20.0))
    series.source = replace(series.source, name=name, frame_count=len(series))
    return series


TOYS = (TOY_SPEC, HOLD_SPEC)  # a rep exercise and a hold exercise formcheck does not ship


def all_specs_with_toy() -> list[ExerciseSpec]:
    with registry.registered(TOY_SPEC), registry.registered(HOLD_SPEC):
        return list(registry.all_specs())


def hinge_series(name: str = "goodmorning.mp4") -> PoseSeries:
    """Three hinges from the floor and back, as the deadlift factories draw them."""
    series = build_series(deadlift_reps(reps=REPS, bottom=CONVENTIONAL_BOTTOM))
    series.source = replace(series.source, name=name, frame_count=len(series))
    return series


def draw_video(series: PoseSeries, path: Path) -> Path:
    """A real H.264 clip of the series' skeleton, one frame per row, at the series' rate."""
    from formcheck.outputs.video_out import H264Writer

    px = series.pixels()
    with H264Writer(path, series.fps, series.source.width, series.source.height) as writer:
        for row in px:
            frame = np.full((series.source.height, series.source.width, 3), 40, np.uint8)
            for a, b in POSE_CONNECTIONS:
                if np.isfinite(row[[a, b]]).all():
                    pa = tuple(int(v) for v in row[a])
                    pb = tuple(int(v) for v in row[b])
                    cv2.line(frame, pa, pb, (230, 230, 230), 6)
            writer.write(frame)
    return path


# ----------------------------------------------------------------------- 1. the contract
@pytest.mark.parametrize("spec", all_specs_with_toy(), ids=lambda s: s.id)
def test_spec_is_complete_and_consistent(spec: ExerciseSpec):
    assert spec.id not in (registry.AUTO, registry.OTHER)
    assert spec.name and spec.title and spec.badge
    assert spec.faults, "an exercise checks at least one fault"
    for fault in spec.faults:
        assert fault.code.isidentifier() and fault.spoken
        assert fault.colour.startswith("#") and len(fault.colour) == 7
        assert fault.worst_signal is None or _is_signal(fault.worst_signal)
        assert fault.worst_direction in (-1, 0, 1)
    assert spec.key_angles and all(a.feature in FEATURE_NAMES for a in spec.key_angles)
    assert spec.measure in tuple(Measure)
    if spec.counts_reps:
        assert spec.key_moment
    assert all(_is_signal(p.key) for p in spec.plots)
    plotted = {code for p in spec.plots for code in p.faults}
    assert plotted <= set(spec.fault_codes)


@pytest.mark.parametrize("spec", all_specs_with_toy(), ids=lambda s: s.id)
def test_config_presets_and_plot_bands_are_typed(spec: ExerciseSpec):
    for level in STRICTNESS:
        config = preset(spec.config_type, level)
        assert isinstance(config, spec.config_type)
        for plot in spec.plots:
            bands = plot.bands(config)
            assert all(isinstance(b, Band) and math.isfinite(b.value) for b in bands)
            assert all(math.isfinite(v) for v, _ in plot.refs(config))


@pytest.mark.parametrize("spec", all_specs_with_toy(), ids=lambda s: s.id)
def test_rule_judges_a_series_within_its_declared_faults(spec: ExerciseSpec):
    with registry.registered(spec) if spec in TOYS else _nothing():
        from formcheck.engine.analyze import analyze_series

        result = analyze_series(hinge_series(), spec.id, registry.default_configs())
    assert isinstance(result, ExerciseResult)
    assert result.exercise == spec.id
    assert result.fault_codes <= set(spec.fault_codes)
    assert set(result.not_judged) <= set(spec.fault_codes)
    json.dumps(result.to_dict())  # every verdict serialises


@pytest.mark.parametrize("spec", all_specs_with_toy(), ids=lambda s: s.id)
@pytest.mark.parametrize("series", [hinge_series, bending_plank], ids=["hinge", "plank"])
def test_update_many_in_blocks_is_update_frame_by_frame(spec: ExerciseSpec, series):
    """Offline, sessions take frames in blocks (``update_many``, which a rule may vectorise);
    live, one at a time. Same events and verdict, at both levels."""
    from formcheck.features.frame_input import measure_frames
    from formcheck.series.smoothing import smooth_offline

    frames = list(measure_frames(smooth_offline(series())).frame_inputs())
    with registry.registered(spec) if spec in TOYS else _nothing():
        rule = spec.make_rule(registry.default_configs()[spec.id])
    one_by_one = rule.graded_session()
    events = [event for frame in frames for event in one_by_one.update(frame)]
    in_blocks = rule.graded_session()
    third = len(frames) // 3
    blocks = [frames[:third], iter(frames[third : 2 * third]), frames[2 * third :]]
    assert [event for block in blocks for event in in_blocks.update_many(block)] == events
    assert in_blocks.finish().to_dict() == one_by_one.finish().to_dict()


@pytest.mark.parametrize("spec", all_specs_with_toy(), ids=lambda s: s.id)
def test_recognizer_gives_finite_evidence_on_real_cues(spec: ExerciseSpec):
    """The cues recognition measures on a clip and on a photo, some not measurable (NaN)."""
    from formcheck.engine.recognize import recognize_exercise

    if spec.recognizer is None:
        pytest.skip(f"{spec.id} is judged only when named (no recognizer)")
    series = hinge_series()
    clip_cues = recognize_exercise(series).cues
    still_cues = recognize_exercise(series.slice(len(series) // 2, len(series) // 2 + 1)).cues
    for evidence, why in (
        spec.recognizer.clip_evidence(clip_cues),
        spec.recognizer.still_evidence(still_cues),
    ):
        assert math.isfinite(evidence) and evidence >= 0.0
        assert isinstance(why, str)


def _is_signal(key: str) -> bool:
    """A feature, or a signal the plots derive from features, measurable on a real hinge."""
    from formcheck.features.core import compute_features
    from formcheck.outputs.plots import signal_values

    values = signal_values(compute_features(hinge_series()), key)
    return bool(np.isfinite(values).any())


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_a_fault_code_shared_by_exercises_is_presented_the_same_way():
    """Outputs that know only a code (a spoken cue, a plot colour) take the first exercise
    that has it: two exercises sharing a code must agree on how it is presented."""
    by_code: dict[str, set] = {}
    for spec in all_specs_with_toy():
        for fault in spec.faults:
            shown = (fault.spoken, fault.colour, fault.manifest_label)
            by_code.setdefault(fault.code, set()).add(shown)
    assert {code: shown for code, shown in by_code.items() if len(shown) > 1} == {}


@pytest.mark.parametrize("spec", all_specs_with_toy(), ids=lambda s: s.id)
def test_strictness_presets_change_the_thresholds(spec: ExerciseSpec):
    """--strictness must mean something for every exercise: relaxed, standard and strict
    differ (a config without presets would make the flag silently do nothing)."""
    configs = {level: preset(spec.config_type, level) for level in STRICTNESS}
    assert configs["relaxed"] != configs["strict"]


def test_registering_a_taken_id_is_refused():
    with pytest.raises(ValueError, match="taken"):
        registry.register(replace(TOY_SPEC, id=registry.exercise_ids()[0]))
    assert TOY_ID not in registry.exercise_ids()


# ------------------------------------------------------------ 2. the toy through every app
def test_toy_is_known_by_name_alias_and_cli_choices(toy):
    from formcheck.cli.main import build_parser

    assert registry.normalise("Good-Morning") == TOY_ID
    assert registry.normalise("gm") == TOY_ID
    assert TOY_ID in registry.exercise_choices()
    assert "goodmorning" in build_parser().format_help() or TOY_ID in _analyze_help()
    assert registry.fault_spec(KNEES_BENT).spoken == "soft knees, hips back"
    assert not registry.needs_masks(TOY_ID)


def _analyze_help() -> str:
    import argparse

    from formcheck.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["analyze"].format_help()


def test_toy_through_analyze_reports_video_and_exports(toy, tmp_path, capsys):
    from formcheck.cli.main import main

    series = hinge_series()
    draw_video(series, tmp_path / "goodmorning.mp4")
    landmarks = series.save(tmp_path / "goodmorning.npz")
    config = tmp_path / "thresholds.toml"
    # A TOML section for the plug-in, named by its id: knees past 5 deg is a fault here.
    config.write_text(f"[{TOY_ID}]\nknee_limit_deg = 5.0\n")
    assert tomllib.loads(config.read_text())[TOY_ID]["knee_limit_deg"] == 5.0
    out = {n: tmp_path / n for n in ("v.json", "v.html", "v.mp4", "v.csv")}
    code = main(
        [
            "analyze",
            str(landmarks),
            "--exercise",
            "good morning",
            "--config",
            str(config),
            "--json",
            str(out["v.json"]),
            "--report",
            str(out["v.html"]),
            "--annotate",
            str(out["v.mp4"]),
            "--csv",
            str(out["v.csv"]),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    # Text report: its title and reps come from the spec.
    assert "Good morning" in printed
    verdict = json.loads(out["v.json"].read_text())["result"]
    assert verdict["exercise"] == TOY_ID
    assert verdict["summary"]["rep_count"] == REPS
    assert {f["code"] for f in verdict["faults"]} == {KNEES_BENT}
    # HTML report: title, reps card, the fault by its cue, the toy's own plots.
    page = out["v.html"].read_text()
    assert "Good morning" in page and "Knee flexion" in page and "Keep the knees soft" in page
    # The reps card and the reps table, with the spec's key moment as a column.
    assert f'<div class="k">reps</div><div class="v">{REPS}</div>' in page
    assert '<section id="reps">' in page and f"<th>{TOY_SPEC.key_moment}</th>" in page
    # Annotated video: a real H.264 file with every frame of the clip.
    capture = cv2.VideoCapture(str(out["v.mp4"]))
    frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    assert frames == len(series)
    # Exports: per-frame angles and per-rep faults.
    reps_csv = out["v.csv"].with_name("v_reps.csv").read_text()
    assert KNEES_BENT in reps_csv and len(reps_csv.strip().splitlines()) == REPS + 1


def test_toy_overlay_counts_reps_and_shows_its_angles(toy):
    from formcheck.engine.analyze import analyze_series
    from formcheck.features.core import compute_features
    from formcheck.outputs.annotate import counter_texts
    from formcheck.outputs.overlay import key_angles

    series = hinge_series()
    result = analyze_series(series, TOY_ID, registry.default_configs())
    counters = counter_texts(result, series.time_ms)
    assert counters[-1].endswith(str(REPS)) and counters[0] != counters[-1]
    features = compute_features(series)
    row = {name: float(values[len(series) // 2]) for name, values in features.values.items()}
    assert set(key_angles(TOY_ID, row)) == {"hip", "knee"}


def test_toy_in_batch_tables_from_the_landmark_cache(toy, tmp_path):
    pytest.importorskip("pandas")
    from formcheck.apps.batch import score_clips
    from formcheck.engine.cache import LandmarkCache
    from formcheck.engine.clip import cache_key
    from formcheck.engine.options import EngineOptions

    series = hinge_series()
    video = draw_video(series, tmp_path / "goodmorning.mp4")
    cache_dir = tmp_path / "cache"
    # The landmarks a model run would have cached for this file: re-scoring reads them.
    key = cache_key(video, EngineOptions(use_cache=True, cache_dir=str(cache_dir)))
    LandmarkCache(cache_dir).put(key, series)
    configs = {**registry.default_configs(), TOY_ID: GoodMorningConfig(knee_limit_deg=5.0)}
    batch = score_clips([video], exercise=TOY_ID, configs=configs, cache_dir=cache_dir)
    clips = batch.clips
    assert list(clips["exercise"]) == [TOY_ID]
    assert int(clips["reps"].iloc[0]) == REPS
    assert set(batch.faults["code"]) == {KNEES_BENT}


def test_toy_in_the_live_loop_on_a_file(toy, tmp_path):
    from formcheck.apps.live import LiveCoach, run_live
    from formcheck.frames.opener import open_source
    from formcheck.outputs.speech import CuePolicy
    from formcheck.pose.replay import ReplayPoseEstimator

    series = hinge_series()
    video = draw_video(series, tmp_path / "goodmorning.mp4")
    lines: list[str] = []
    configs = {**registry.default_configs(), TOY_ID: GoodMorningConfig(knee_limit_deg=5.0)}
    with open_source(video) as source:
        coach = LiveCoach(source.info, exercise=TOY_ID, configs=configs, policy=CuePolicy())
        run = run_live(
            source,
            ReplayPoseEstimator(series),
            coach,
            echo=lines.append,
            summary_path=tmp_path / "summary.json",
        )
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert run.frames == len(series)
    first_set = summary["sets"][0]
    assert first_set["exercise"] == TOY_ID
    assert first_set["result"]["summary"]["rep_count"] == REPS
    assert any("Keep the knees soft" in line or "soft knees" in line for line in lines), lines


def test_hold_toy_through_analyze_reports_video_and_live(hold_toy, tmp_path, capsys):
    """A hold exercise gets the hold clock, the hold cards and the set's end, everywhere."""
    from formcheck.apps.live import LiveCoach, run_live
    from formcheck.cli.main import main
    from formcheck.frames.opener import open_source
    from formcheck.outputs.annotate import counter_texts
    from formcheck.outputs.speech import CuePolicy
    from formcheck.pose.replay import ReplayPoseEstimator

    series = bending_plank()
    video = draw_video(series, tmp_path / "forearmhold.mp4")
    landmarks = series.save(tmp_path / "forearmhold.npz")
    report, annotated, out_json = tmp_path / "h.html", tmp_path / "h.mp4", tmp_path / "h.json"
    code = main(
        ["analyze", str(landmarks), "--exercise", HOLD_ID, "--json", str(out_json)]
        + ["--report", str(report), "--annotate", str(annotated)]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Forearm hold" in printed
    verdict = json.loads(out_json.read_text())["result"]
    summary = verdict["summary"]
    assert summary["hold_s"] > 5.0
    assert BREAK_S * 1000 <= summary["form_broke_ms"] <= (BREAK_S + 1.5) * 1000
    assert summary["good_form_s"] < summary["hold_s"]
    assert {f["code"] for f in verdict["faults"]} == {LINE_BROKEN}
    page = report.read_text()
    assert '<div class="k">hold</div>' in page and '<div class="k">form broke at</div>' in page
    assert "<h2>Reps</h2>" not in page
    capture = cv2.VideoCapture(str(annotated))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == len(series)
    capture.release()
    # The overlay's counter is the hold clock, not a rep count.
    from formcheck.engine.analyze import analyze_series

    result = analyze_series(series, HOLD_ID, registry.default_configs())
    counters = counter_texts(result, series.time_ms)
    assert counters[-1].startswith("Hold") and "Reps" not in counters[-1]
    # Live on the file: the set ends with the form-broke cue and its hold time.
    lines: list[str] = []
    with open_source(video) as source:
        coach = LiveCoach(source.info, exercise=HOLD_ID, policy=CuePolicy())
        run_live(source, ReplayPoseEstimator(series), coach, echo=lines.append)
    assert any("straight line" in line.lower() for line in lines), lines
