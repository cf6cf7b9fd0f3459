"""Pure measurements behind the deadlift rule: the back outline's bulge and phase statistics.

Kept apart from the state machine in :mod:`formcheck.exercises.deadlift.session` so they can be tested and
reused on their own (plain numpy, no state).

The back outline comes from ``frame.extras["back_profile"]`` (:mod:`formcheck.features.silhouette`):
(2*K,) distances, in hip-shoulder chord lengths, from the chord to the silhouette's edge at the
K positions of :data:`~formcheck.features.silhouette.PROFILE_POSITIONS` (hip = 0, shoulder = 1). Row 0 is
the side of ``rotate90(shoulder - hip)``, row 1 the other side. Features' ``facing`` is defined
with the same rotation (anterior = ``rotate90(hip -> shoulder) * facing``), so row 0 is the
*front* of the body when ``facing == +1`` and the *back* when ``facing == -1``.
"""

from __future__ import annotations

import math

import numpy as np

from formcheck.features.silhouette import PROFILE_POSITIONS
from formcheck.features.view import View

K = PROFILE_POSITIONS.size
# The straight reference line of the back runs between these profile samples (hip end, shoulder
# end). 0.1 and 0.9 of the chord: the glutes and the upper back, the two ends a flat back rests
# on when a coach lays a dowel along it.
END_LOW, END_HIGH = 0, K - 1
# The bulge is searched between these samples (0.3..0.7 of the chord): the lumbar and lower to
# middle thoracic spine, where flexion shows. The ends are left out because the glutes and the
# shoulder blades shape the outline there whatever the spine does.
MID_LOW, MID_HIGH = 2, K - 3
MIN_MID_SAMPLES = 3


def posterior_profile(profile: np.ndarray, facing: int) -> np.ndarray:
    """(K,) distances from the chord to the back's outline; all NaN when facing is unknown."""
    prof = np.asarray(profile, dtype=np.float64).reshape(-1)
    if prof.size != 2 * K or facing == 0:
        return np.full(K, np.nan)
    rows = prof.reshape(2, K)
    return rows[0] if facing < 0 else rows[1]


# Where each profile sample sits between the two ends of the reference line (0 at the hip end).
_LINE_FRACTION = (PROFILE_POSITIONS - PROFILE_POSITIONS[END_LOW]) / (
    PROFILE_POSITIONS[END_HIGH] - PROFILE_POSITIONS[END_LOW]
)
_MID = range(MID_LOW, MID_HIGH + 1)


def back_bulge(posterior: np.ndarray) -> float:
    """How far the back's outline bulges past the straight line between its ends (chord lengths).

    ``posterior`` is the (K,) posterior profile. The reference line joins the outline at 0.1
    and 0.9 of the hip-shoulder chord; the bulge is the largest excess of the outline over that
    line between 0.3 and 0.7. A flat back gives about 0 (a little more from the shoulder
    blades and lats), a rounded back a clear positive value: a spine bent evenly through
    ``theta`` over the chord ``L`` has a sagitta of about ``L * theta / 8`` (theta in radians),
    and the reference line spans 0.8 of the chord, so 20 deg of flexion adds about
    ``0.64 * 0.349 / 8 = 0.028`` chord lengths. NaN when an end or most of the middle is missing.
    """
    p = np.asarray(posterior, dtype=np.float64)
    if p.shape != (K,):
        return math.nan
    # Plain floats: this runs on every frame of a live session, where numpy's per-call overhead
    # on nine numbers would dominate.
    values = p.tolist()
    lo, hi = values[END_LOW], values[END_HIGH]
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return math.nan
    excess = [
        values[i] - (lo + (hi - lo) * _LINE_FRACTION[i]) for i in _MID if math.isfinite(values[i])
    ]
    if len(excess) < MIN_MID_SAMPLES:
        return math.nan
    return float(max(excess))


def finite_median(values: np.ndarray) -> float:
    """Median of the finite values, NaN when there are none."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else math.nan


def finite_count(values: np.ndarray) -> int:
    return int(np.isfinite(np.asarray(values, dtype=np.float64)).sum())


def majority(labels: list[str] | np.ndarray, default: str = View.UNKNOWN) -> str:
    """Most frequent label (ties: the first seen); ``default`` for an empty list."""
    labels = list(labels)
    if not labels:
        return default
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return max(counts, key=lambda k: counts[k])


def ramp(value: float, zero: float, one: float) -> float:
    """Linear map of ``value`` with ``zero`` -> 0 and ``one`` -> 1 (not clipped); NaN stays NaN."""
    if not math.isfinite(value) or one == zero:
        return math.nan
    return (value - zero) / (one - zero)


def clip01(value: float) -> float:
    return 0.0 if not math.isfinite(value) else float(min(1.0, max(0.0, value)))
