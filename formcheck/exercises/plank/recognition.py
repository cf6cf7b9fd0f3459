"""How recognition tells a plank: a prone support, trunk and legs horizontal, held still.

Reads the generic cues and judgements of :mod:`formcheck.features.movement`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from formcheck.features.movement import PRONE_HOLD_S


class PlankRecognizer:
    """A plank is the prone hold (push-ups, also prone, are not)."""

    def clip_evidence(self, cues: Mapping[str, float]) -> tuple[float, str]:
        if cues["hold_s"] >= PRONE_HOLD_S[0]:
            why = f"body horizontal and still for {cues['hold_s']:.1f} s"
        else:
            calm = cues["calm_share"]
            why = (
                f"body horizontal in {100 * cues['horizontal_frac']:.0f}% of frames, still in "
                f"{100 * (calm if math.isfinite(calm) else 0.0):.0f}% of those"
            )
        return cues["prone_hold"], why

    def still_evidence(self, cues: Mapping[str, float]) -> tuple[float, str]:
        return cues["flat"], "body horizontal"


RECOGNIZER = PlankRecognizer()
