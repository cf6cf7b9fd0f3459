"""The swing recogniser: a ballistic hinge with the arms floating up."""

from __future__ import annotations

import math

import pytest

from formcheck.exercises.kbswing.recognition import RECOGNIZER


def _cues(**kw) -> dict[str, float]:
    base = dict(
        hinge_move=1.0, ballistic_share=1.0, fast_tempo=1.0, arms_forward_top=1.0,
        hinge_phases=9.0, extension_s=0.2, period_s=1.4, arm_top_deg=85.0,
    )  # fmt: skip
    return {**base, **kw}


def test_a_ballistic_hinge_with_the_arms_floating_up_is_a_swing():
    evidence, why = RECOGNIZER.clip_evidence(_cues())
    assert evidence == pytest.approx(1.0)
    assert why.startswith("fast 9 hinge phases")


def test_arms_that_do_not_float_make_no_swing_however_fast():
    """A belt squat's hands on the handles, a squat with the arms held out: not a swing."""
    evidence, _ = RECOGNIZER.clip_evidence(_cues(arms_forward_top=0.0))
    assert evidence == 0.0


def test_arms_not_seen_do_not_count_against_it():
    evidence, _ = RECOGNIZER.clip_evidence(_cues(arms_forward_top=math.nan, arm_top_deg=math.nan))
    assert evidence == pytest.approx(1.0)
