"""A personal baseline: the person's own neutral, measured on one good hold or rep.

The pose model puts a straight body's hip, a neutral head and a flat back's outline a little
differently for each build, posture and camera: the population's neutral that the limits
assume is a few degrees off for many people, and that is where false alarms on good form come
from. From a clip of the same person and camera doing the movement well, a plug-in measures
its neutral (:class:`Neutral`) and the rule judges deviations from it.

Each plug-in that supports a baseline gives its spec a ``neutral`` function:
``neutral(result, measures, config) -> Neutral`` where ``result`` is the baseline clip's own
verdict (assessable and fault-free: the engine checks that first) and ``measures`` its
frames' measures. It raises :class:`BaselineUnusable` with the reason when the clip cannot
serve (e.g. the neutral it reads is beyond anything a good hold shows).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


class BaselineUnusable(Exception):  # noqa: N818 - reads as a verdict: "baseline unusable"
    """Why a baseline clip cannot serve (a sentence that follows "the baseline ...")."""


@dataclass(frozen=True)
class Neutral:
    """The person's own neutral: config settings replaced, and what was measured for them."""

    overrides: dict[str, float]  # config field -> the person's value
    measured: dict[str, float] = field(default_factory=dict)  # name -> value on the baseline

    def apply(self, config: Any) -> Any:
        return dataclasses.replace(config, **self.overrides)
