"""The deadlift recogniser: a grind from the floor, whatever the knees do."""

from __future__ import annotations

import math

import pytest

from formcheck.exercises.deadlift.recognition import RECOGNIZER


def _cues(**kw) -> dict[str, float]:
    base = dict(
        hinge_move=1.0, ballistic_share=0.0, fast_tempo=0.0, floor_lift=1.0, hands_bottom=-0.3,
        hands_floor=0.2, hands_low_bottom=1.0, hinge_phases=4.0, extension_s=0.5, period_s=3.0,
        arm_top_deg=20.0,
    )  # fmt: skip
    return {**base, **kw}


def test_a_slow_hinge_with_the_hands_at_the_floor_is_a_deadlift():
    evidence, why = RECOGNIZER.clip_evidence(_cues())
    assert evidence == pytest.approx(1.0)
    assert "hands to the knees or lower" in why


def test_hands_seen_high_at_the_bottom_is_no_deadlift():
    """A hinge whose hands stay high (a good morning, a half squat) is not a lift from the floor."""
    evidence, _ = RECOGNIZER.clip_evidence(
        _cues(floor_lift=0.0, hands_bottom=0.9, hands_floor=0.9, hands_low_bottom=0.0)
    )
    assert evidence == 0.0


def test_hands_not_seen_do_not_count_against_it():
    """A wrist hidden behind the plates at every bottom: judged on the rest."""
    evidence, _ = RECOGNIZER.clip_evidence(
        _cues(floor_lift=0.0, hands_bottom=math.nan, hands_floor=math.nan)
    )
    assert evidence == pytest.approx(1.0)


def test_a_ballistic_hinge_is_not_a_deadlift():
    evidence, _ = RECOGNIZER.clip_evidence(_cues(ballistic_share=0.95))
    assert evidence == pytest.approx(0.05)
