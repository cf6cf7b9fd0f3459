"""Load advice from form: each case of the issue on sets built from real ExerciseResults."""

from __future__ import annotations

import pytest

from formcheck.apps.log import advice as rules
from formcheck.apps.log.advice import Action, advise

from .factories import hold_result, hold_spec, logged, not_judged_result, reps_result, reps_spec


@pytest.fixture
def code():
    return reps_spec().faults[0].code


def ex():
    return reps_spec().id


def test_add_load_after_two_sessions_at_the_top_of_the_range_with_no_fault():
    sets = [logged(reps_result(10), 0, set_id=1), logged(reps_result(10), 3, set_id=2)]
    advice = advise(ex(), sets)
    assert advice.action is Action.ADD
    assert [e.set_id for e in advice.evidence] == [1, 2]
    assert "1.2 kg" in advice.message  # about 5% of 24 kg
    assert all("10 reps, no fault" in e.what for e in advice.evidence)


def test_one_session_at_the_top_is_not_yet_enough():
    sets = [logged(reps_result(8), 0, set_id=1), logged(reps_result(10), 3, set_id=2)]
    assert advise(ex(), sets).action is Action.KEEP


def test_top_of_the_range_at_a_new_load_counts_from_the_change():
    sets = [
        logged(reps_result(10), 0, "20kg", set_id=1),
        logged(reps_result(10), 3, "20kg", set_id=2),
        logged(reps_result(10), 7, "24kg", set_id=3),
    ]
    advice = advise(ex(), sets)
    assert advice.action is Action.KEEP
    assert [e.set_id for e in advice.evidence] == [3]


def test_below_the_top_keeps_the_load_with_the_rep_count_as_reason():
    advice = advise(
        ex(), [logged(reps_result(7), 0, set_id=1), logged(reps_result(7), 2, set_id=2)]
    )
    assert advice.action is Action.KEEP and "7 clean reps" in advice.reason


def test_faults_only_in_the_last_reps_keep_the_load(code):
    sets = [
        logged(reps_result(10), 0, set_id=1),
        logged(reps_result(10, {9: code, 10: code}), 3, set_id=2),
    ]
    advice = advise(ex(), sets)
    assert advice.action is Action.KEEP
    assert "last reps" in advice.message
    assert [e.set_id for e in advice.evidence] == [2]
    assert "reps 9, 10" in advice.evidence[0].what


def test_a_fault_from_the_first_reps_lowers_the_load(code):
    sets = [
        logged(reps_result(10), 0, set_id=1),
        logged(reps_result(10), 2, set_id=2),
        logged(reps_result(8, {1: code, 2: code, 5: code}), 5, set_id=3),
    ]
    advice = advise(ex(), sets)
    assert advice.action is Action.LOWER
    assert [e.set_id for e in advice.evidence] == [3]
    assert "first fault in rep 1 of 8" in advice.evidence[0].what
    assert "reps 1, 2, 5" in advice.evidence[0].what


def test_a_fault_recurring_across_sessions_lowers_the_load_even_in_late_reps(code):
    sets = [
        logged(reps_result(10, {10: code}), 0, set_id=1),
        logged(reps_result(10, {9: code}), 3, set_id=2),
    ]
    advice = advise(ex(), sets)
    assert advice.action is Action.LOWER
    assert "sessions in a row" in advice.message
    assert [e.set_id for e in advice.evidence] == [1, 2]


def test_slight_notes_are_not_faults(code):
    sets = [
        logged(reps_result(10, notes={1: code, 2: code}), 0, set_id=1),
        logged(reps_result(10, notes={1: code}), 3, set_id=2),
    ]
    assert advise(ex(), sets).action is Action.ADD


def test_a_set_not_judged_is_never_advised_from(code):
    sets = [
        logged(reps_result(10), 0, set_id=1),
        logged(reps_result(10), 3, set_id=2),
        logged(not_judged_result(), 5, set_id=3),
    ]
    advice = advise(ex(), sets)
    assert advice.action is Action.ADD
    assert [e.set_id for e in advice.evidence] == [1, 2]
    assert [e.set_id for e in advice.skipped] == [3]
    assert "filmed from the front" in advice.skipped[0].what
    only = advise(ex(), [logged(not_judged_result(), 0, set_id=4)])
    assert only.action is Action.NONE and only.evidence == ()
    assert [e.set_id for e in only.skipped] == [4]


def test_no_load_is_added_from_sets_with_checks_the_camera_could_not_make(code):
    partly = reps_result(10)
    partly.not_judged[code] = "the camera sees the front"
    sets = [logged(reps_result(10), 0, set_id=1), logged(partly, 3, set_id=2)]
    advice = advise(ex(), sets)
    assert advice.action is Action.KEEP
    assert [e.set_id for e in advice.evidence] == [2]
    assert code.replace("_", " ") in advice.evidence[0].what


def test_hold_lengthens_while_good_form_keeps_up():
    plank = hold_spec().id
    sets = [
        logged(hold_result(40, 39), 0, None, set_id=1),
        logged(hold_result(40, 38), 2, None, set_id=2),
    ]
    advice = advise(plank, sets)
    assert advice.action is Action.LENGTHEN
    assert "50 s" in advice.message
    assert [e.set_id for e in advice.evidence] == [1, 2]


def test_hold_keeps_then_shortens_when_form_keeps_breaking():
    plank, code = hold_spec().id, hold_spec().faults[0].code
    once = [
        logged(hold_result(40, 39), 0, None, set_id=1),
        logged(hold_result(45, 25, (code,)), 2, None, set_id=2),
    ]
    assert advise(plank, once).action is Action.KEEP_HOLD
    twice = [
        logged(hold_result(45, 20, (code,)), 0, None, set_id=1),
        logged(hold_result(45, 25, (code,)), 2, None, set_id=2),
    ]
    advice = advise(plank, twice)
    assert advice.action is Action.SHORTEN
    assert "20 s" in advice.message or "25 s" in advice.message
    assert [e.set_id for e in advice.evidence] == [1, 2]


def test_the_measure_comes_from_the_plugin_spec():
    assert logged(reps_result(10), 0).measure is reps_spec().measure
    assert logged(hold_result(30, 30), 0).measure is hold_spec().measure


def test_thresholds_are_named_constants_in_the_programmes_range():
    assert (rules.REP_RANGE_LOW, rules.REP_RANGE_TOP) == (6, 10)
    assert 0 < rules.LATE_FROM_SHARE < 1 and 0 < rules.GOOD_FORM_SHARE <= 1
