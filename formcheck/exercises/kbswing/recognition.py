"""How recognition tells a kettlebell swing: a ballistic hinge with the arms floating forward.

Reads the generic cues and judgements of :mod:`formcheck.features.movement`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from formcheck.features.movement import arms_at_top_text, hinge_phases_text, join_parts


class SwingRecognizer:
    """A swing is the ballistic share of the hinge movement: a hip snap, arms to chest height."""

    def clip_evidence(self, cues: Mapping[str, float]) -> tuple[float, str]:
        # The bell floats to chest height on the hip snap: where the arms were seen at the
        # top, they must have floated forward and up (arms_forward_top: real swings 1, every
        # real squat and deadlift ~0). A quick hinge or squat with the arms still (a belt
        # squat's hands on the handles) is no swing, however fast.
        arms = cues["arms_forward_top"]
        evidence = (
            cues["hinge_move"] * cues["ballistic_share"] * (arms if math.isfinite(arms) else 1.0)
        )
        fast = cues["fast_tempo"]
        pace = "fast " if (fast if math.isfinite(fast) else 0.0) >= 0.5 else ""
        return evidence, join_parts(f"{pace}{hinge_phases_text(cues)}", arms_at_top_text(cues))

    def still_evidence(self, cues: Mapping[str, float]) -> tuple[float, str]:
        # The top of a swing (standing, arms forward), its backswing (hinged, hands between the
        # knees rather than low), or just standing with the arms down (weakly: a deadlift's
        # lockout looks the same).
        upright, hinged = cues["upright"], cues["hinged"]
        evidence = cues["upright_body"] * max(
            upright * cues["arms_forward"],
            0.5 * hinged * (1.0 - cues["hands_low"]),
            0.3 * upright * cues["arms_hanging"],
        )
        if cues["arms_forward"] >= 0.5:
            return evidence, "standing with the arms forward at chest height (top of a swing?)"
        return evidence, "hinged posture with the hands between the knees"


RECOGNIZER = SwingRecognizer()
