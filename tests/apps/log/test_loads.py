"""Loads as given and in kilograms; anything else refused with the fix."""

from __future__ import annotations

import pytest

from formcheck.apps.log.loads import KG_PER_LB, parse_load
from formcheck.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "given", "kg"),
    [
        ("24kg", "24kg", 24.0),
        ("24 kg", "24 kg", 24.0),
        ("53 lb", "53 lb", round(53 * KG_PER_LB, 3)),
        ("135lbs", "135lbs", round(135 * KG_PER_LB, 3)),
        ("20,5 kg", "20,5 kg", 20.5),
        ("16 KG", "16 KG", 16.0),
        ("bodyweight", "bodyweight", 0.0),
        ("BW", "bodyweight", 0.0),
    ],
)
def test_loads_are_kept_as_given_and_normalised(text, given, kg):
    load = parse_load(text)
    assert (load.given, load.kg) == (given, pytest.approx(kg))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("24 stone", "Unknown unit"),
        ("-5kg", "negative"),
        ("24", "no unit"),
        ("kg", "Cannot read"),
        ("", "Cannot read"),
    ],
)
def test_bad_loads_are_refused(text, words):
    with pytest.raises(ConfigError, match=words):
        parse_load(text)


def test_none_stays_none():
    assert parse_load(None) is None
