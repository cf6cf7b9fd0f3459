"""The verdict types every rule returns: event kinds as an enum, JSON as before."""

from __future__ import annotations

import json

import pytest

from formcheck.exercises.base import Event, EventKind, ExerciseResult


def test_a_kind_given_as_text_becomes_the_member():
    event = Event("hold_started", 0.0, "Plank hold started.")
    assert event.kind is EventKind.HOLD_STARTED
    assert event == Event(EventKind.HOLD_STARTED, 0.0, "Plank hold started.")


def test_an_unknown_kind_fails_where_the_event_is_made():
    with pytest.raises(ValueError):
        Event("setup", 0.0, "Step into view")


def test_event_kinds_serialise_as_the_same_text():
    kinds = ["rep", "fault", "form_broke", "hold_started", "hold_ended"]
    assert [str(k) for k in EventKind] == kinds
    result = ExerciseResult(
        exercise="plank",
        events=[Event(EventKind(k), 1000.0 * i, k, None, 0.0) for i, k in enumerate(kinds)],
    )
    text = json.dumps(result.to_dict())
    assert [e["kind"] for e in json.loads(text)["events"]] == kinds
    assert '"kind": "form_broke"' in text
