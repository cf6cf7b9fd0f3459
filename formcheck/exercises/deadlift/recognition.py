"""How recognition tells a deadlift: a hinge from the floor (a grind) with the hands going low,
however much the knees bend (a knee-dominant pull is a deadlift with the `squatting` fault).

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
        # A lift from the floor: where the hands were seen at the bottom, they must reach the
        # bar or bell (floor_lift; every real deadlift reads 1, real squats and swings 0 on the
        # leg-length reading). A hinge whose hands stay high (a good morning, a half squat
        # with the hands at the chest) is no deadlift, however slow.
        seen = math.isfinite(cues["hands_bottom"]) or math.isfinite(cues["hands_floor"])
        to_floor = cues["floor_lift"] if seen else 1.0
        evidence = cues["hinge_move"] * (1.0 - cues["ballistic_share"]) * to_floor
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
