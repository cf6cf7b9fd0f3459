"""The one reader of formcheck's versioned .npz files, through both kinds that use it: landmark
series and the mannequin's ground truth. Each keeps its own messages."""

from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.errors import InputError
from formcheck.series.core import PoseSeries
from formcheck.synth.clip import GroundTruth

KINDS = {
    # name: (loader, file name, what is missing, wrong-version message, bad-file message)
    "series": (
        PoseSeries.load,
        "clip.npz",
        "Landmark file not found",
        r"incompatible formcheck version \(format 99, expected 1\)",
        "is not a formcheck landmark file",
    ),
    "truth": (
        GroundTruth.load,
        "clip.truth.npz",
        "Ground-truth file not found",
        "has ground-truth format 99, expected 1",
        "is not a formcheck ground-truth file",
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_messages_of_each_kind(tmp_path, kind):
    load, name, missing, outdated, invalid = KINDS[kind]
    path = tmp_path / name
    with pytest.raises(InputError, match=missing):
        load(path)
    with open(path, "wb") as handle:
        np.savez(handle, meta=np.array(json.dumps({"format_version": 99})))
    with pytest.raises(InputError, match=outdated):
        load(path)
    with open(path, "wb") as handle:  # right version, arrays missing: not what it claims
        np.savez(handle, meta=np.array(json.dumps({"format_version": 1})))
    with pytest.raises(InputError, match=invalid) as caught:
        load(path)
    assert "KeyError" in str(caught.value)
    path.write_text("not a zip")
    with pytest.raises(InputError, match=invalid):
        load(path)
