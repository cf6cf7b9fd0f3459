"""The log as pandas DataFrames: the same figures as the progress page."""

from __future__ import annotations

import pytest

from formcheck.apps.log import progress_frame
from formcheck.apps.log.frame import advice_frame, faults_frame, sets_frame
from formcheck.apps.log.store import open_log

from .factories import hold_result, hold_spec, logged, not_judged_result, reps_result, reps_spec

pd = pytest.importorskip("pandas")


@pytest.fixture
def sets():
    code = reps_spec().faults[0].code
    return [
        logged(reps_result(10), 0, "20kg", set_id=1),
        logged(reps_result(8, {7: code, 8: code}, notes={1: code}), 9, "53 lb", set_id=2),
        logged(not_judged_result(), 10, set_id=3),
        logged(hold_result(40, 30, (hold_spec().faults[0].code,)), 10, None, set_id=4),
    ]


def test_one_row_per_set_with_faults_per_rep_and_programme_week(sets):
    frame = sets_frame(sets)
    assert list(frame["set_id"]) == [1, 2, 3, 4]
    row = frame.iloc[1]
    assert row["load_kg"] == pytest.approx(24.04, abs=0.01) and row["load_given"] == "53 lb"
    assert row["faults"] == 2 and row["faults_per_rep"] == pytest.approx(0.25)
    assert row["notes"] == 1  # slight: shown, not a fault
    assert row["first_fault_rep"] == 7 and bool(row["late_only"])
    assert list(frame["week"]) == [1, 2, 2, 2]
    assert not frame.iloc[2]["judged"] and pd.isna(frame.iloc[2]["faults"])
    assert frame.iloc[3]["good_form_s"] == 30.0
    assert pd.isna(frame.iloc[3]["first_fault_rep"])  # a hold has no reps
    assert str(frame["performed_at"].dtype).startswith("datetime64")


def test_faults_and_advice_frames(sets):
    faults = faults_frame(sets)
    assert sorted(faults["level"]) == ["fault", "fault", "fault", "slight"]
    advice = advice_frame(sets)
    assert list(advice["exercise"]) == [s.exercise for s in (sets[0], sets[3])]
    assert advice.iloc[0]["action"] == "keep the load"
    assert "set 2" in advice.iloc[0]["evidence"] and "set 3" in advice.iloc[0]["not_used"]


def test_progress_frame_reads_the_log(sets, tmp_path):
    path = tmp_path / "log.sqlite"
    with open_log(path, write=True) as log:
        for s in sets:
            log.add(s)
    frame = progress_frame("ann", path)
    assert len(frame) == 4 and set(frame["person"]) == {"ann"}


def test_a_missing_pandas_is_one_clear_message(monkeypatch):
    import builtins

    from formcheck.errors import ConfigError

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ConfigError, match=r"formcheck\[batch\]"):
        sets_frame([])


def test_faults_per_rep_counts_each_kind_once_per_rep():
    from dataclasses import replace

    from formcheck.apps.log.summary import faults_per_rep

    code = reps_spec().faults[0].code
    s = logged(reps_result(4, {2: code}), 0)
    twice = replace(s, faults=s.faults + s.faults)  # the same fault reported as two spans
    assert faults_per_rep(twice) == faults_per_rep(s) == pytest.approx(0.25)
