"""The built wheel carries the licence, the third-party notice and the models' provenance."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_licences_and_the_model_notice(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("formcheck-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    info = next(n for n in names if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
    assert {f"{info}/licenses/LICENSE", f"{info}/licenses/THIRD_PARTY_NOTICES.md"} <= names
    # The modified model bundles travel with their licence and the note of what was changed.
    assert {"formcheck/models/LICENSE", "formcheck/models/NOTICE.md"} <= names
    assert {"formcheck/models/pose_landmarker_full.task", "formcheck/models/SHA256SUMS"} <= names
    text = metadata.decode()
    assert "License-Expression: Apache-2.0" in text
    assert "Provides-Extra: voice" in text
