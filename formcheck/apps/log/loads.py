"""The load lifted in a set: what the person typed ("24kg", "53 lb") and the same in kilograms.

Both are kept: the log shows the load as it was given (a kettlebell is "16 kg", a plate-loaded
bar in a US gym "135 lb"), and advice and plots compare the kilograms. A bare number is refused
rather than guessed: 20 could be either unit, and a guess off by a factor of 2.2 would make
every piece of advice after it wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from formcheck.errors import ConfigError

KG_PER_LB = 0.45359237  # the international avoirdupois pound, exactly

# Spellings people type for each unit (lower case, no dots).
UNITS: dict[str, float] = {
    "kg": 1.0,
    "kgs": 1.0,
    "kilo": 1.0,
    "kilos": 1.0,
    "kilogram": 1.0,
    "kilograms": 1.0,
    "lb": KG_PER_LB,
    "lbs": KG_PER_LB,
    "pound": KG_PER_LB,
    "pounds": KG_PER_LB,
}
# A body-weight set (a plank, an unloaded hinge drill): no external load, 0 kg.
BODYWEIGHT = ("bw", "bodyweight", "body weight", "none")

_LOAD = re.compile(r"([+-]?\d+(?:[.,]\d+)?|[+-]?[.,]\d+)\s*([a-z. ]*)")
HINT = "Give a number and a unit, e.g. --load 24kg or --load '53 lb' (or 'bodyweight')."


@dataclass(frozen=True)
class Load:
    """A load as given and normalised: ``given`` "53 lb" -> ``kg`` 24.04."""

    given: str
    kg: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.kg) and self.kg >= 0):
            raise ConfigError(f"A load cannot be {self.kg} kg.", HINT)

    def __str__(self) -> str:
        return self.given


def format_kg(kg: float) -> str:
    """``24.0`` -> ``24 kg``, ``24.04`` -> ``24.04 kg``."""
    return f"{kg:.2f}".rstrip("0").rstrip(".") + " kg"


def parse_load(text: str | Load | None) -> Load | None:
    """``"24kg"`` / ``"53 lb"`` / ``"bodyweight"`` -> :class:`Load`; None stays None.

    An unknown unit, a missing unit, a negative or non-finite number is a ConfigError (exit 2
    on the command line), before any clip is scored.
    """
    if text is None or isinstance(text, Load):
        return text
    given = " ".join(str(text).split())
    key = given.lower()
    if key in BODYWEIGHT:
        return Load(given="bodyweight", kg=0.0)
    found = _LOAD.fullmatch(key)
    if not found:
        raise ConfigError(f"Cannot read the load {text!r}.", HINT)
    number = float(found.group(1).replace(",", "."))
    unit = found.group(2).replace(".", "").strip()
    if not unit:
        raise ConfigError(f"The load {text!r} has no unit: kilograms or pounds?", HINT)
    if unit not in UNITS:
        raise ConfigError(
            f"Unknown unit {unit!r} in the load {text!r}.",
            f"Use kg or lb (also: {', '.join(u for u in UNITS if u not in ('kg', 'lb'))}).",
        )
    if not math.isfinite(number) or number < 0:
        raise ConfigError(f"A load cannot be negative: {text!r}.", HINT)
    return Load(given=given, kg=round(number * UNITS[unit], 3))
