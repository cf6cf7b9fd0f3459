"""Reading formcheck's own ``.npz`` files: arrays beside a JSON ``meta`` entry with a version.

Landmark series (:meth:`formcheck.series.core.PoseSeries.load`) and the mannequin's ground
truth (:meth:`formcheck.synth.clip.GroundTruth.load`) are stored this way. Reading one checks
the same things in the same order, each with its own message: the file exists, it is a file
of this format version, and it can be read at all (anything else that fails -- not a zip, a
missing array, bad JSON -- means the file is not what it claims to be).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from formcheck.errors import InputError

T = TypeVar("T")


def read_versioned_npz(
    path: Path,
    version: int,
    build: Callable[[Mapping[str, np.ndarray], dict[str, Any]], T],
    *,
    what: str,
    missing_hint: str,
    invalid_hint: str,
    outdated: Callable[[Any], InputError],
) -> T:
    """``build(arrays, meta)`` of the file at ``path``, or an InputError saying what is wrong.

    ``what`` names the kind of file in messages ("landmark file"); ``outdated(found)`` is the
    error for a file of format version ``found`` instead of ``version``. ``build`` runs while
    the file is open, so it must copy out the arrays it keeps.
    """
    if not path.is_file():
        raise InputError(f"{what[0].upper()}{what[1:]} not found: {path}", missing_hint)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format_version") != version:
                raise outdated(meta.get("format_version"))
            return build(data, meta)
    except InputError:
        raise
    except Exception as exc:  # zip, pickle, key or JSON errors all mean the same thing
        raise InputError(
            f"{path} is not a formcheck {what} ({type(exc).__name__}: {exc}).", invalid_hint
        ) from exc
