"""The held-out statistics not covered by tests/exercises/deadlift/test_cross_validation.py:
F1 counts, the group bootstrap interval and the multi-class scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.apps.heldout import class_scores, f1_counts, group_bootstrap_f1


def test_f1_counts():
    pairs = [(True, True), (True, True), (True, False), (False, True), (False, False)]
    c = f1_counts(pairs)
    assert (c["tp"], c["fp"], c["fn"], c["tn"]) == (2, 1, 1, 1)
    assert c["precision"] == pytest.approx(2 / 3)
    assert c["recall"] == pytest.approx(2 / 3)
    assert c["f1"] == pytest.approx(2 / 3)


def test_f1_counts_undefined_ratios_are_nan():
    c = f1_counts([(False, False)])
    assert c["tn"] == 1
    assert all(math.isnan(c[k]) for k in ("precision", "recall", "f1"))
    # No flag but a miss: precision undefined, recall and F1 are 0.
    c = f1_counts([(True, False)])
    assert math.isnan(c["precision"]) and c["recall"] == 0.0 and c["f1"] == 0.0
    assert math.isnan(f1_counts([])["f1"])


def test_group_bootstrap_perfect_predictions_give_a_point_interval():
    truth = [True, False, True, False]  # every group holds a positive, so F1 is always defined
    assert group_bootstrap_f1(truth, ["a", "a", "b", "b"], truth, n=200) == (1.0, 1.0)


def test_group_bootstrap_is_seeded_and_bounded():
    truth = [True, True, False, False, True, False]
    groups = ["a", "a", "b", "c", "d", "d"]
    pred = [True, False, True, False, True, False]
    lo, hi = group_bootstrap_f1(truth, groups, pred, n=300, seed=3)
    assert 0.0 <= lo < hi <= 1.0  # mistakes in some groups only: the resamples spread
    assert group_bootstrap_f1(truth, groups, pred, n=300, seed=3) == (lo, hi)


def test_group_bootstrap_draws_whole_groups():
    # One group: every resample is that group whole, so the interval is its F1 exactly (an
    # item-level bootstrap would spread around it).
    truth, pred = [True, True, False, False], [True, False, True, False]
    assert group_bootstrap_f1(truth, ["a"] * 4, pred, n=200) == (0.5, 0.5)


def test_class_scores():
    truth = np.array(["C", "C", "H", "H", "L", "L"])
    pred = np.array(["C", "H", "H", "H", "C", "L"])
    s = class_scores(truth, pred, ("C", "H", "L"))
    assert s["frames"] == 6
    assert s["accuracy"] == pytest.approx(round(4 / 6, 4))
    assert s["per_class"]["H"] == {
        "support": 2, "predicted": 3, "precision": round(2 / 3, 4), "recall": 1.0,
        "f1": 0.8,
    }  # fmt: skip
    assert s["per_class"]["L"]["precision"] == 1.0 and s["per_class"]["L"]["recall"] == 0.5
    f1_c = 0.5  # C: precision 1/2, recall 1/2
    f1_l = 2 * 1 * 0.5 / 1.5  # L: precision 1, recall 1/2
    assert s["macro_f1"] == pytest.approx(round((f1_c + 0.8 + f1_l) / 3, 4))
    assert s["confusion"]["L"] == {"C": 1, "H": 0, "L": 1}


def test_class_scores_absent_and_never_predicted_classes():
    truth = np.array(["good", "good", "bad"])
    pred = np.array(["good", "good", "good"])
    s = class_scores(truth, pred, ("good", "bad", "other"))
    bad = s["per_class"]["bad"]
    # Present but never predicted: precision 0/0 (None), recall 0, F1 0 (counts in macro-F1).
    assert bad["precision"] is None and bad["recall"] == 0.0 and bad["f1"] == 0.0
    # Absent and never predicted: nothing defined, not in macro-F1 nor the confusion matrix.
    assert s["per_class"]["other"]["f1"] is None and "other" not in s["confusion"]
    assert s["macro_f1"] == pytest.approx(round((0.8 + 0.0) / 2, 4))
    assert class_scores(np.array([]), np.array([]), ("good",))["accuracy"] is None
