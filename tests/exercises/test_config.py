"""Strictness presets, TOML overrides (including nested tables) and the view-confidence factors."""

from __future__ import annotations

import json

import pytest

from formcheck.cli.main import build_parser
from formcheck.errors import ConfigError
from formcheck.exercises import registry
from formcheck.exercises.base import ViewConfidence
from formcheck.exercises.config import (
    STRICTNESS_LEVELS,
    Strictness,
    load_configs,
    preset,
    with_overrides,
)
from formcheck.exercises.deadlift.config import DeadliftConfig
from formcheck.exercises.kbswing.config import SwingConfig
from formcheck.exercises.plank.config import PlankConfig
from formcheck.features.view import View


# ----------------------------------------------------------------------------- strictness
def test_strictness_levels_are_the_enum_as_text():
    assert STRICTNESS_LEVELS == ("relaxed", "standard", "strict")
    assert tuple(Strictness) == STRICTNESS_LEVELS
    assert json.dumps(Strictness.STRICT) == '"strict"'


@pytest.mark.parametrize("config_type", [DeadliftConfig, PlankConfig, SwingConfig])
def test_presets_are_keyed_by_strictness_and_accept_text(config_type):
    assert set(config_type.PRESETS) <= set(Strictness)
    for level in Strictness:
        assert preset(config_type, level) == preset(config_type, level.value)
    assert preset(config_type) == config_type()


def test_unknown_strictness_message_is_unchanged():
    with pytest.raises(ConfigError) as caught:
        preset(PlankConfig, "lenient")
    assert caught.value.problem == "Unknown strictness 'lenient'."
    assert "relaxed, standard, strict" in caught.value.hint


def test_cli_strictness_choices_stay_plain_text(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["analyze", "x.mp4", "--strictness", "lenient"])
    err = capsys.readouterr().err
    assert "invalid choice: 'lenient' (choose from 'relaxed', 'standard', 'strict')" in err


# ----------------------------------------------------------------------------- view confidence
# The factors each rule used before they became config fields (numbers must not change).
OLD_FACTORS = {
    DeadliftConfig: {"side": 1.0, "oblique": 0.6, "unknown": 0.5},  # front is never judged
    PlankConfig: {"side": 1.0, "oblique": 0.7, "unknown": 0.6, "front": 0.0},
    SwingConfig: {"side": 1.0, "oblique": 0.6, "unknown": 0.5, "front": 0.0},
}


@pytest.mark.parametrize("config_type", list(OLD_FACTORS))
def test_view_confidence_defaults_are_the_former_factors(config_type):
    factors = config_type().view_confidence
    for label, value in OLD_FACTORS[config_type].items():
        assert factors.for_view(label) == value
        assert factors.for_view(View(label)) == value
    # Any other label counts as unknown, as the former dict lookups' defaults did.
    assert factors.for_view("sideways") == factors.unknown
    for level in Strictness:  # no preset moves them
        assert preset(config_type, level).view_confidence == factors


@pytest.mark.parametrize("value", [-0.1, 1.5, "high", True, float("nan")])
def test_view_confidence_must_be_a_factor(value):
    with pytest.raises(ConfigError, match="view_confidence oblique must be a number within 0..1"):
        ViewConfidence(side=1.0, oblique=value, unknown=0.5, front=0.0)


def test_toml_view_confidence_table(tmp_path):
    path = tmp_path / "fc.toml"
    path.write_text(
        "[plank]\nhip_sag_deg = 12\n[plank.view_confidence]\noblique = 0.8\nfront = 0\n"
    )
    configs = load_configs(registry.config_types(), path)
    plank = configs["plank"]
    assert plank.hip_sag_deg == 12.0
    assert plank.view_confidence == ViewConfidence(side=1.0, oblique=0.8, unknown=0.6, front=0.0)
    assert isinstance(plank.view_confidence.front, float)
    # Other exercises keep their own factors.
    assert configs["deadlift"].view_confidence == DeadliftConfig().view_confidence


def test_toml_inline_view_confidence_table():
    config = with_overrides(SwingConfig(), {"view_confidence": {"unknown": 0.4}}, "kbswing")
    assert config.view_confidence.unknown == 0.4 and config.view_confidence.oblique == 0.6


@pytest.mark.parametrize(
    ("overrides", "message", "hint"),
    [
        (
            {"view_confidence": 0.7},
            "[plank] view_confidence must be a table of settings, got 0.7.",
            "[plank.view_confidence]",
        ),
        (
            {"view_confidence": {"sideways": 0.7}},
            "Unknown setting [plank.view_confidence] sideways in the config file.",
            "front, oblique, side, unknown",
        ),
        (
            {"view_confidence": {"oblique": "high"}},
            "[plank.view_confidence] oblique must be a number, got 'high'.",
            None,
        ),
        (
            {"view_confidence": {"oblique": 1.7}},
            "view_confidence oblique must be a number within 0..1, got 1.7.",
            None,
        ),
    ],
)
def test_toml_view_confidence_mistakes_are_refused_clearly(overrides, message, hint):
    with pytest.raises(ConfigError) as caught:
        with_overrides(PlankConfig(), overrides, "plank")
    assert caught.value.problem == message
    if hint is not None:
        assert hint in caught.value.hint


def test_retired_settings_are_refused_with_the_way_forward():
    # oblique_confidence moved into view_confidence; the rules' cue cool-downs are gone (the
    # CuePolicy paces cues, set with live --cue-cooldown).
    for config, key, hint in [
        (DeadliftConfig(), "oblique_confidence", "[x.view_confidence]"),
        (DeadliftConfig(), "cue_cooldown_s", "--cue-cooldown"),
        (PlankConfig(), "cue_cooldown_s", "--cue-cooldown"),
        (SwingConfig(), "cue_cooldown_s", "--cue-cooldown"),
    ]:
        with pytest.raises(ConfigError, match="no longer a rule setting") as caught:
            with_overrides(config, {key: 1.0}, "x")
        assert hint in caught.value.hint
