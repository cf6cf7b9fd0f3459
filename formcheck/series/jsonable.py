"""Plain JSON types from the values results and tables hold (numpy scalars and arrays, NaN).

One function for every JSON the program writes (results, per-rep tables, evaluation reports),
so they agree on how a NaN or a numpy number is written.
"""

from __future__ import annotations

import math
from pathlib import PurePath
from typing import Any

import numpy as np


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types: NaN and infinities become None (JSON has no NaN).

    Mappings get string keys; lists, tuples and sets become lists; numpy scalars and arrays
    become Python numbers and lists; paths become strings. Anything else is returned as it is.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):  # any other numpy scalar
        return json_safe(value.item())
    if isinstance(value, PurePath):
        return str(value)
    return value
