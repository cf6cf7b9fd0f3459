"""The leave-one-group-out logic behind benchmarks/deadlift_eval.py --cross-validate (no model).

formcheck.apps.heldout (folds, choice, pooling) and the deadlift family of candidate configs
(formcheck.exercises.deadlift.tuning.scaled_config).
"""

from __future__ import annotations

import math

import pytest

from formcheck.apps.heldout import choose_candidate, cross_validate, group_folds, group_pairs
from formcheck.exercises.deadlift.session import DeadliftConfig
from formcheck.exercises.deadlift.tuning import scaled_config

SCALES = (0.6, 0.8, 1.0, 1.2, 1.4)


def _flags(scores: list[float], scales=SCALES) -> dict[float, list[bool]]:
    """A clip is flagged at scale s when its score reaches s, as in the rule."""
    return {s: [x >= s for x in scores] for s in scales}


def test_groups_never_straddle_train_and_test():
    groups = ["a", "b", "a", "c", "b", "b", "d"]
    folds = group_folds(groups)
    assert [g for g, _, _ in folds] == ["a", "b", "c", "d"]
    tested = []
    for g, train, test in folds:
        assert sorted(train + test) == list(range(len(groups)))
        assert {groups[i] for i in test} == {g}
        assert g not in {groups[i] for i in train}
        tested += test
    assert sorted(tested) == list(range(len(groups)))  # every clip held out exactly once


def test_choose_best_training_f1():
    truth = [True, True, False, False]
    flags = _flags([1.45, 1.5, 1.25, 0.2])  # only 1.4 separates the classes
    chosen, f1 = choose_candidate(truth, flags, range(4), {s: s for s in SCALES}, 1.0)
    assert chosen == 1.4 and f1 == pytest.approx(1.0)


def test_choose_ties_go_to_the_value_nearest_the_default():
    truth = [True, False]
    flags = _flags([1.5, 0.1])  # every scale gives F1 = 1
    pos = {s: s for s in SCALES}
    assert choose_candidate(truth, flags, [0, 1], pos, 1.0)[0] == 1.0
    # Equally near the default: the first in the family's order.
    split = {0.8: [True, False], 1.0: [False, False], 1.2: [True, False]}
    assert choose_candidate(truth, split, [0, 1], pos, 1.0)[0] == 0.8
    assert choose_candidate(truth, dict(reversed(split.items())), [0, 1], pos, 1.0)[0] == 1.2
    # No positive and no flag: F1 undefined for all, counted as 0 -> the default.
    assert choose_candidate([False], _flags([0.1]), [0], pos, 1.0) == (1.0, 0.0)


def test_heldout_group_does_not_influence_its_own_choice():
    truth = [True, True, False, False, True, False]
    groups = ["a", "a", "b", "c", "d", "d"]
    scores = [1.3, 1.1, 0.7, 0.9, 0.65, 1.25]
    pos = {s: s for s in SCALES}
    base = cross_validate(truth, groups, _flags(scores), pos, 1.0)
    for i, fold in enumerate(base["folds"]):
        # Rewrite the held-out group's labels and scores: that fold's choice must not move.
        t2, s2 = list(truth), list(scores)
        for j in fold["test"]:
            t2[j] = not t2[j]
            s2[j] = 2.0 - s2[j]
        other = cross_validate(t2, groups, _flags(s2), pos, 1.0)
        assert other["folds"][i]["chosen"] == fold["chosen"]
        train = [j for j, g in enumerate(groups) if g != fold["group"]]
        assert fold["chosen"] == choose_candidate(truth, _flags(scores), train, pos, 1.0)[0]
        for j in fold["test"]:
            assert base["pred"][j] == (scores[j] >= fold["chosen"])


def test_pooled_counts_add_up_over_folds():
    truth = [True, False, True, False, True]
    groups = ["a", "a", "b", "c", "c"]
    pos = {s: s for s in SCALES}
    res = cross_validate(truth, groups, _flags([1.1, 0.5, 0.7, 1.3, 1.5]), pos, 1.0)
    pooled = res["pooled"]
    for key in ("tp", "fp", "fn", "tn"):
        assert pooled[key] == sum(f["heldout"][key] for f in res["folds"])
    assert pooled["tp"] + pooled["fp"] + pooled["fn"] + pooled["tn"] == len(truth)


def test_group_pairs_majority_per_group_and_label():
    pairs = group_pairs(
        [True, True, True, False, False],
        ["a", "a", "a", "a", "b"],
        [True, True, False, True, False],
    )
    assert sorted(pairs) == sorted([(True, True), (False, True), (False, False)])
    # A tie is not a majority.
    assert group_pairs([True, True], ["a", "a"], [True, False]) == [(True, False)]


def test_scaled_config_moves_thresholds_from_neutral():
    base = DeadliftConfig()
    assert scaled_config(1.0) == base
    cfg = scaled_config(1.5)
    assert cfg.bulge_threshold == pytest.approx(
        base.bulge_neutral + 1.5 * (base.bulge_threshold - base.bulge_neutral)
    )
    assert cfg.head_drop_threshold_deg == pytest.approx(
        base.head_drop_neutral_deg
        + 1.5 * (base.head_drop_threshold_deg - base.head_drop_neutral_deg)
    )
    assert cfg.bulge_neutral == base.bulge_neutral and cfg.loaded_lean_deg == base.loaded_lean_deg
    assert math.isclose(scaled_config(0.6).head_drop_threshold_deg, 0.0, abs_tol=1e-9)
