"""Thresholds as dataclasses, strictness presets, and TOML overrides.

Each exercise has a frozen config dataclass whose defaults are the ``standard`` preset and a
``PRESETS`` class attribute with the fields that ``relaxed`` and ``strict`` change. A TOML file
overrides single fields per exercise:

    strictness = "strict"          # optional, the CLI's --strictness wins
    [deadlift]
    bulge_threshold = 0.024
    [plank.view_confidence]        # a setting that is itself a dataclass is a table
    oblique = 0.6
"""

from __future__ import annotations

import dataclasses
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from formcheck.errors import ConfigError


class Strictness(StrEnum):
    """A threshold preset. A ``str``: ``PRESETS`` keys, TOML and the CLI use the same text."""

    RELAXED = "relaxed"  # flag only clear faults
    STANDARD = "standard"  # each config's defaults
    STRICT = "strict"  # flag milder faults too


# The levels as plain text, mildest first (argparse shows choices with repr()).
STRICTNESS_LEVELS: tuple[str, ...] = tuple(level.value for level in Strictness)

C = TypeVar("C")


def preset(config_cls: type[C], strictness: Strictness | str = Strictness.STANDARD) -> C:
    """The config of ``config_cls`` at a strictness level."""
    if strictness not in STRICTNESS_LEVELS:
        raise ConfigError(
            f"Unknown strictness {strictness!r}.", f"Use one of {', '.join(STRICTNESS_LEVELS)}."
        )
    overrides = getattr(config_cls, "PRESETS", {}).get(Strictness(strictness), {})
    return config_cls(**overrides)


# Settings an older formcheck read, and where that choice lives now, so an old config file
# gets the way forward instead of a bare "unknown setting".
RETIRED_SETTINGS: dict[str, str] = {
    "cue_cooldown_s": "Cues are paced in one place now: set the gap between repeated cues with "
    "'formcheck live --cue-cooldown SECONDS' and remove it from [{section}].",
    "oblique_confidence": "Set it as 'oblique' in a [{section}.view_confidence] table.",
}


def with_overrides(config: C, overrides: dict[str, Any], section: str) -> C:
    """A copy of ``config`` with fields replaced, checking names and types."""
    fields = {f.name: f for f in dataclasses.fields(config)}  # type: ignore[arg-type]
    clean: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in fields:
            moved = RETIRED_SETTINGS.get(key)
            if moved is not None:
                raise ConfigError(
                    f"[{section}] {key} is no longer a rule setting.", moved.format(section=section)
                )
            known = ", ".join(sorted(fields))
            raise ConfigError(
                f"Unknown setting [{section}] {key} in the config file.",
                f"Valid settings for [{section}]: {known}.",
            )
        current = getattr(config, key)
        if dataclasses.is_dataclass(current):  # e.g. view_confidence: a table of its own
            if not isinstance(value, dict):
                raise ConfigError(
                    f"[{section}] {key} must be a table of settings, got {value!r}.",
                    f"Write it as a [{section}.{key}] table, e.g. {_example_setting(current)}.",
                )
            value = with_overrides(current, value, f"{section}.{key}")
        elif isinstance(current, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"[{section}] {key} must be true or false, got {value!r}.")
        elif isinstance(current, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"[{section}] {key} must be a number, got {value!r}.")
            value = type(current)(value) if isinstance(current, float) else value
        clean[key] = value
    return dataclasses.replace(config, **clean)  # type: ignore[type-var]


def _example_setting(config: Any) -> str:
    first = dataclasses.fields(config)[0].name
    return f"{first} = {getattr(config, first)!r}"


def read_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file not found: {path}", "Check the path given to --config.")
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Config file {path} is not valid TOML: {exc}.", "Fix the line it names."
        ) from exc


def load_configs(
    config_classes: dict[str, type],
    path: str | Path | None = None,
    strictness: Strictness | str | None = None,
) -> dict[str, Any]:
    """Exercise name -> config instance, from presets and an optional TOML file."""
    data = read_toml(path) if path else {}
    level = strictness or data.get("strictness", Strictness.STANDARD)
    unknown = set(data) - set(config_classes) - {"strictness"}
    if unknown:
        raise ConfigError(
            f"Unknown section(s) in the config file: {', '.join(sorted(unknown))}.",
            f"Valid sections: {', '.join(sorted(config_classes))} (and a top-level strictness).",
        )
    configs = {}
    for name, cls in config_classes.items():
        config = preset(cls, level)
        section = data.get(name, {})
        if not isinstance(section, dict):
            raise ConfigError(f"[{name}] in the config file must be a table of settings.")
        configs[name] = with_overrides(config, section, name)
    return configs
