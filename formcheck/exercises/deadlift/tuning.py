"""Candidate deadlift settings for held-out tuning (see formcheck.apps.heldout).

The leave-one-group-out estimate of ``rounded_back`` (``benchmarks/deadlift_eval.py
--cross-validate``) chooses the rule's strictness on training groups from a one-parameter
family of configs; this module builds that family from the shipped thresholds.
"""

from __future__ import annotations

import dataclasses

from formcheck.exercises.deadlift.config import DeadliftConfig


def scaled_config(scale: float, base: DeadliftConfig | None = None) -> DeadliftConfig:
    """``base`` with both rounded-back thresholds moved ``scale`` times as far from neutral.

    ``bulge_threshold = bulge_neutral + scale * (bulge_threshold - bulge_neutral)`` and the same
    for ``head_drop_threshold_deg``. Each signal's evidence is a ramp from neutral (0) to its
    threshold (1) and the score is linear in the evidences, so the phase score divides by
    ``scale``: a phase is flagged at ``scale`` exactly when its shipped score reaches ``scale``.
    """
    base = DeadliftConfig() if base is None else base
    if scale == 1.0:
        return base
    bulge = base.bulge_neutral + scale * (base.bulge_threshold - base.bulge_neutral)
    head = base.head_drop_neutral_deg + scale * (
        base.head_drop_threshold_deg - base.head_drop_neutral_deg
    )
    return dataclasses.replace(
        base, bulge_threshold=round(bulge, 6), head_drop_threshold_deg=round(head, 4)
    )
