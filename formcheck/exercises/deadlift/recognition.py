"""How recognition tells a deadlift: a slow hinge (a grind) with the hands going low.

Reads the generic cues and judgements of :mod:`formcheck.features.movement`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from formcheck.features.movement import (
    arms_at_top_text,
    hands_at_bottom_text,
    hinge_phases_text,
    join_parts,
)


class DeadliftRecognizer:
    """A deadlift is the hinge movement that is not ballistic: the pull is a grind."""

    def clip_evidence(self, cues: Mapping[str, float]) -> tuple[float, str]:
        evidence = cues["hinge_move"] * (1.0 - cues["ballistic_share"])
        fast = cues["fast_tempo"]
        slow = "slow " if (fast if math.isfinite(fast) else 0.5) < 0.5 else ""
        why = join_parts(
            f"{slow}{hinge_phases_text(cues)}", hands_at_bottom_text(cues), arms_at_top_text(cues)
        )
        return evidence, why

    def still_evidence(self, cues: Mapping[str, float]) -> tuple[float, str]:
        # A hinged posture, surer with the hands low; or standing tall with the arms hanging,
        # which may be a lockout (or the start of a swing: half the weight).
        evidence = cues["upright_body"] * max(
            cues["hinged"] * (0.4 + 0.6 * cues["hands_low"]),
            0.5 * cues["upright"] * cues["arms_hanging"],
        )
        if cues["hinged"] >= 0.5:
            return evidence, "hinged posture with the hands low"
        return evidence, "standing tall with the arms hanging (a lockout?)"


RECOGNIZER = DeadliftRecognizer()
