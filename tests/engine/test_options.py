"""The engine's options: one validation of each field, and the messages and exit codes every
entry point gives for a bad pose-stage value. No model.

The command-line cases were pinned on the code before the options were unified. All exit codes
stayed 2 and analyze/pose/live kept every message; where ``batch`` and ``evaluate`` had their
own bounds (max_size >= 16 against the frame sources' >= 32, so ``batch --max-size 20``
passed the check and then failed every clip), they now give the messages the other commands
give. Those lines say what they were.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
from pathlib import Path

import pytest

from formcheck.cli.main import main
from formcheck.engine.options import EngineOptions, make_options
from formcheck.errors import ConfigError
from formcheck.exercises import registry

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "samples" / "plank_good.mp4"


def run(argv, capsys) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


MAX_SIZE_NEGATIVE = "formcheck: --max-size must be 0 or positive, got -5."
MAX_SIZE_SMALL = "formcheck: max_size must be a whole number of pixels >= 32, got 10."
STRIDE_ZERO = "formcheck: --stride must be 1 or more, got 0."


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analyze", CLIP, "--max-size", "-5"], MAX_SIZE_NEGATIVE),
        (["analyze", CLIP, "--max-size", "10"], MAX_SIZE_SMALL),
        (["analyze", CLIP, "--stride", "0"], STRIDE_ZERO),
        (["analyze", CLIP, "--stride", "-1"], "formcheck: --stride must be 1 or more, got -1."),
        (["pose", CLIP, "-o", "x.npz", "--max-size", "-5"], MAX_SIZE_NEGATIVE),
        (["pose", CLIP, "-o", "x.npz", "--max-size", "10"], MAX_SIZE_SMALL),
        (["pose", CLIP, "-o", "x.npz", "--stride", "0"], STRIDE_ZERO),
        (["batch", CLIP, "--out", "b.csv", "--max-size", "-5"], MAX_SIZE_NEGATIVE),
        # was "max_size must be None or at least 16 pixels, got 10."
        (["batch", CLIP, "--out", "b.csv", "--max-size", "10"], MAX_SIZE_SMALL),
        # was rc 0 with every clip an error row
        (
            ["batch", CLIP, "--out", "b.csv", "--max-size", "20"],
            "formcheck: max_size must be a whole number of pixels >= 32, got 20.",
        ),
        # was "stride must be a whole number of 1 or more, got 0."
        (["batch", CLIP, "--out", "b.csv", "--stride", "0"], STRIDE_ZERO),
        (
            ["batch", CLIP, "--out", "b.csv", "--workers", "0"],
            "formcheck: --workers must be 1 or more, got 0.",
        ),
        (["live", "--source", CLIP, "--no-display", "--max-size", "-5"], MAX_SIZE_NEGATIVE),
        # was "max_size must be None or at least 16 pixels, got -5." (evaluate passes the
        # flag's value on as it is; the size check names the field)
        (
            ["evaluate", "manifest.csv", "--max-size", "-5"],
            "formcheck: max_size must be a whole number of pixels >= 32, got -5.",
        ),
    ],
)
def test_bad_pose_values_on_the_command_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, err = run(argv, capsys)
    assert code == 2
    assert err.splitlines()[0] == message


def test_bad_pose_values_in_the_python_api():
    from formcheck.apps.batch import score_clip
    from formcheck.engine.pose_stage import extract_pose_series

    # score_clip said "stride must be a whole number of 1 or more" and "max_size must be None
    # or at least 16 pixels": every entry point now says what the frame sources say.
    with pytest.raises(ConfigError, match=r"^stride must be a whole number >= 1, got 0"):
        score_clip(CLIP, stride=0)
    with pytest.raises(ConfigError, match=r"^max_size must be a whole number of pixels >= 32"):
        score_clip(CLIP, max_size=10)
    with pytest.raises(ConfigError, match=r"^max_size must be a whole number of pixels >= 32"):
        extract_pose_series(CLIP, EngineOptions(max_size=10))


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"max_size": 10}, "max_size"),
        ({"max_size": 64.5}, "max_size"),
        ({"max_size": True}, "max_size"),
        ({"stride": 0}, "stride"),
        ({"stride": 1.5}, "stride"),
        ({"people_check_ms": -1.0}, "people_check_ms"),
        ({"people_check_ms": float("nan")}, "people_check_ms"),
        ({"exercise": "squat"}, "Unknown exercise"),
        ({"configs": ["standard"]}, "configs"),
    ],
)
def test_each_field_is_checked_when_the_options_are_made(fields, words):
    with pytest.raises(ConfigError, match=words):
        EngineOptions(**fields)


def test_options_are_normalised_frozen_and_picklable(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    options = EngineOptions(exercise=registry.exercise_ids()[0].upper(), model=Path("m.task"))
    assert options.exercise == registry.exercise_ids()[0] and options.model == "m.task"
    assert EngineOptions(cache_dir="~/lm").cache_dir == str(tmp_path / "lm")
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.stride = 2  # type: ignore[misc]
    loaded = make_options(strictness="strict", max_size=None)
    again = pickle.loads(pickle.dumps(loaded))
    assert again == loaded and again.configs == loaded.configs and again.max_size is None
    with pytest.raises(ConfigError, match="not both"):
        make_options(strictness="strict", configs=loaded.configs)


def test_masks_follow_the_registry_unless_forced():
    for exercise in registry.exercise_choices():
        options = EngineOptions(exercise=exercise)
        assert options.masks == registry.needs_masks(exercise)
        assert options.pose_options().with_masks == options.masks
    assert EngineOptions(with_masks=False).masks is False
    # Cached landmarks serve any exercise later, so they are taken as auto needs them.
    for exercise in registry.exercise_choices():
        assert EngineOptions(exercise=exercise, use_cache=True).masks == registry.needs_masks(
            "auto"
        )
    assert EngineOptions(exercise=registry.exercise_ids()[-1], with_masks=True).masks is True


def test_pose_options_carry_what_the_backend_needs():
    options = EngineOptions(model="lite", people_check_ms=500, with_masks=True)
    pose = options.pose_options()
    assert (pose.model, pose.with_masks, pose.people_check_ms) == ("lite", True, 500.0)
    assert options.pose_options(model=Path("/models/x.task")).model == "/models/x.task"


def test_the_command_line_makes_engine_options():
    from formcheck.cli.common import engine_options

    args = argparse.Namespace(
        model="lite", max_size=0, stride=2, no_smooth=True, progress=None, exercise="auto",
        strictness="relaxed", config=None, cache="~/c", no_cache=False,
    )  # fmt: skip
    options = engine_options(args, progress=False)
    assert options.max_size is None and options.stride == 2 and not options.smooth
    assert options.use_cache and options.cache_dir.endswith("/c") and options.progress is False
    assert options.configs is not None
    assert engine_options(argparse.Namespace(max_size=480)).max_size == 480  # evaluate, live


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"start_s": -1.0}, "start"),
        ({"end_s": float("inf")}, "end"),
        ({"start_s": "1:05"}, "start"),
        ({"start_s": 6.0, "end_s": 2.0}, "must come before its end"),
        ({"start_s": 2.0, "end_s": 2.0}, "must come before its end"),
    ],
)
def test_a_bad_range_is_refused_when_the_options_are_made(fields, words):
    with pytest.raises(ConfigError, match=words):
        EngineOptions(**fields)


def test_a_range_is_kept_in_seconds_and_reaches_score_clip():
    options = EngineOptions(start_s=2, end_s=6)
    assert (options.start_s, options.end_s) == (2.0, 6.0)
    assert isinstance(options.start_s, float)
    assert EngineOptions().start_s is None and EngineOptions().end_s is None
    from formcheck.apps.batch import score_clip

    with pytest.raises(ConfigError, match="must come before its end"):
        score_clip(CLIP, start_s=5, end_s=1)
