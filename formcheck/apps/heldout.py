"""The statistics behind held-out figures: F1 counts, leave-one-group-out, group bootstrap.

A check's thresholds were tuned on labelled clips, so its F1 on those same clips flatters it.
The honest figure is *held out*: the clips are split by ``group`` (one person or session;
twins such as two cameras on one set share a group), each group in turn is scored with the
setting chosen on the other groups alone, and the held-out predictions are pooled. These are
the functions for that, kept free of any exercise or model (plain sequences in, plain dicts
out, numpy only), so every benchmark and every check can report its figures the same way:

* :func:`f1_counts` -- tp/fp/fn/tn, precision, recall and F1 of (truth, prediction) pairs.
* :func:`group_folds`, :func:`choose_candidate`, :func:`cross_validate` -- leave one group out,
  choosing among candidate settings on the training groups only.
* :func:`group_pairs` -- one (truth, prediction) per (group, label), by majority, so a group
  filmed twice counts once.
* :func:`group_bootstrap_f1` -- an interval for F1 that resamples whole groups.
* :func:`class_scores` -- per-class precision/recall/F1, macro-F1 and the confusion matrix of
  a multi-class labelling (e.g. per-frame verdicts against a labelled table).

An undefined ratio (0/0) is NaN in :func:`f1_counts` and None in :func:`class_scores` (which
is printed as JSON); both conventions are those of the benchmarks that report them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

Pair = tuple[bool, bool]  # (truth, prediction) of one item


def f1_counts(pairs: Sequence[Pair]) -> dict:
    """Counts plus precision, recall and F1 of ``(truth, prediction)`` pairs; 0/0 is NaN.

    F1 is ``2 tp / (2 tp + fp + fn)``: the harmonic mean of precision and recall where both
    exist, and defined (0) when one of them is 0/0 but there were mistakes.
    """
    tp = sum(1 for truth, pred in pairs if truth and pred)
    fp = sum(1 for truth, pred in pairs if not truth and pred)
    fn = sum(1 for truth, pred in pairs if truth and not pred)
    tn = sum(1 for truth, pred in pairs if not truth and not pred)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall,
            "f1": f1}  # fmt: skip


def _f1_or_zero(pairs: Sequence[Pair]) -> float:
    """F1 of ``pairs``, with an undefined F1 (no positive and no flag) counted as 0."""
    value = f1_counts(pairs)["f1"]
    return 0.0 if value != value else value


def group_folds(groups: Sequence[str]) -> list[tuple[str, list[int], list[int]]]:
    """Leave-one-group-out folds over items labelled with ``groups``: (group, train, test).

    One fold per distinct group, in order of first appearance; ``test`` holds every index of
    that group and ``train`` every other index, so no group straddles the two.
    """
    folds = []
    for g in dict.fromkeys(groups):
        train = [i for i, h in enumerate(groups) if h != g]
        test = [i for i, h in enumerate(groups) if h == g]
        folds.append((g, train, test))
    return folds


def choose_candidate(
    truth: Sequence[bool],
    flags: Mapping[Any, Sequence[bool]],
    idx: Sequence[int],
    position: Mapping[Any, float],
    default: Any,
) -> tuple[Any, float]:
    """The candidate of ``flags`` with the best F1 over the items ``idx``, and that F1.

    ``flags[c][i]``: item ``i`` flagged under candidate ``c``. Ties go to the candidate whose
    ``position`` is closest to the default's, then to the one first in ``flags``' order. An
    undefined F1 (no positive and no flag among ``idx``) counts as 0.
    """
    scores = {c: _f1_or_zero([(bool(truth[i]), bool(flags[c][i])) for i in idx]) for c in flags}
    best = max(scores.values())
    tied = [c for c, v in scores.items() if v >= best - 1e-12]
    pick = min(tied, key=lambda c: round(abs(position[c] - position[default]), 9))
    return pick, best


def group_pairs(truth: Sequence[bool], groups: Sequence[str], pred: Sequence[bool]) -> list[Pair]:
    """(truth, prediction) per (group, label): flagged by a strict majority of its items."""
    votes: dict[tuple[str, bool], list[bool]] = {}
    for t, g, p in zip(truth, groups, pred, strict=True):
        votes.setdefault((g, bool(t)), []).append(bool(p))
    return [(t, sum(v) * 2 > len(v)) for (_, t), v in votes.items()]


def cross_validate(
    truth: Sequence[bool],
    groups: Sequence[str],
    flags: Mapping[Any, Sequence[bool]],
    position: Mapping[Any, float],
    default: Any,
) -> dict:
    """Leave-one-group-out: per fold, choose a candidate on the training groups (best training
    F1, see :func:`choose_candidate`), then predict the held-out group with it.

    Returns the folds (group, test indices, chosen candidate, its training F1, held-out
    counts), the held-out prediction of every item (``pred``) and the pooled held-out counts
    at item level (``pooled``) and per (group, label) by majority (``pooled_group``).
    """
    pred: list[bool | None] = [None] * len(truth)
    folds = []
    for g, train, test in group_folds(groups):
        chosen, train_f1 = choose_candidate(truth, flags, train, position, default)
        for i in test:
            pred[i] = bool(flags[chosen][i])
        folds.append(
            {
                "group": g,
                "test": test,
                "chosen": chosen,
                "train_f1": train_f1,
                "heldout": f1_counts([(bool(truth[i]), bool(pred[i])) for i in test]),
            }
        )
    done = [bool(p) for p in pred]
    return {
        "folds": folds,
        "pred": done,
        "pooled": f1_counts([(bool(t), p) for t, p in zip(truth, done, strict=True)]),
        "pooled_group": f1_counts(group_pairs(truth, groups, done)),
    }


def group_bootstrap_f1(
    truth: Sequence[bool], groups: Sequence[str], pred: Sequence[bool], n: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """2.5 and 97.5 percentiles of the item-level F1 over ``n`` resamples of whole groups.

    Resampling groups, not items, keeps twins together: a group filmed twice is drawn (or
    left out) as one. An undefined F1 in a resample counts as 0. Seeded, so reproducible.
    """
    values = [
        _f1_or_zero([(bool(truth[i]), bool(pred[i])) for i in idx])
        for idx in _group_resamples(groups, n, seed)
    ]
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def _group_resamples(groups: Sequence[str], n: int, seed: int) -> list[list[int]]:
    """``n`` bootstrap resamples of the items, drawing whole groups with replacement."""
    rng = np.random.default_rng(seed)
    names = list(dict.fromkeys(groups))
    members = {g: [i for i, h in enumerate(groups) if h == g] for g in names}
    return [[i for g in rng.choice(names, size=len(names)) for i in members[g]] for _ in range(n)]


def group_bootstrap_share(
    hits: Sequence[bool], groups: Sequence[str], n: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """2.5 and 97.5 percentiles of the share of ``hits`` over ``n`` resamples of whole groups
    (e.g. the share of good clips reported clean, with one lifter's clips drawn together).
    NaNs for no items. Seeded, so reproducible."""
    if not hits:
        return float("nan"), float("nan")
    values = [
        float(np.mean([bool(hits[i]) for i in idx])) for idx in _group_resamples(groups, n, seed)
    ]
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def class_scores(truth: np.ndarray, pred: np.ndarray, classes: tuple[str, ...]) -> dict:
    """Accuracy, per-class precision/recall/F1 (over the classes present), macro-F1, confusion.

    Ratios are rounded to 4 places; a 0/0 ratio is None. A class with support but no F1
    (never predicted and never right) has F1 0. Macro-F1 averages the classes with support;
    ``confusion[truth][pred]`` lists the classes that occur in ``truth``.
    """
    truth, pred = np.asarray(truth, dtype=object), np.asarray(pred, dtype=object)
    per_class = {}
    f1s = []
    for c in classes:
        tp = int(np.sum((truth == c) & (pred == c)))
        fp = int(np.sum((truth != c) & (pred == c)))
        fn = int(np.sum((truth == c) & (pred != c)))
        support = int(np.sum(truth == c))
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision is not None and recall is not None and precision + recall > 0
            else (0.0 if support else None)
        )
        per_class[c] = {
            "support": support,
            "predicted": int(np.sum(pred == c)),
            "precision": _round(precision),
            "recall": _round(recall),
            "f1": _round(f1),
        }
        if support:
            f1s.append(f1 or 0.0)
    confusion = {
        c: {p: int(np.sum((truth == c) & (pred == p))) for p in classes}
        for c in classes
        if np.any(truth == c)
    }
    return {
        "frames": int(truth.size),
        "accuracy": _round(float(np.mean(truth == pred))) if truth.size else None,
        "macro_f1": _round(float(np.mean(f1s))) if f1s else None,
        "per_class": per_class,
        "confusion": confusion,
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)
