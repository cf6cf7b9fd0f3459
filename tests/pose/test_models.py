"""Model lookup order, checksum verification and the messages for missing or corrupt files."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from formcheck.errors import ModelError
from formcheck.pose import models as model_store
from formcheck.pose.models import resolve_model, verify


def test_default_is_full_and_verified(monkeypatch):
    monkeypatch.delenv("FORMCHECK_MODEL", raising=False)
    info = resolve_model(None)
    assert info.variant == "full"
    assert info.verified
    assert info.path.name == "pose_landmarker_full.task"


@pytest.mark.parametrize("variant", ["lite", "full"])
def test_committed_bundles_match_pinned_checksums(variant):
    info = resolve_model(variant)
    assert info.verified
    assert info.sha256 == model_store.pinned_checksums()[info.path.name]


def test_bundle_is_a_stored_zip_with_both_models():
    info = resolve_model("lite")
    with zipfile.ZipFile(info.path) as bundle:
        names = sorted(i.filename for i in bundle.infolist())
        assert names == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
        # The Tasks API refuses deflated bundles and TFLite copies unaligned weights.
        for member in bundle.infolist():
            assert member.compress_type == zipfile.ZIP_STORED
            data_offset = member.header_offset + 30 + len(member.filename) + len(member.extra)
            assert data_offset % 64 == 0


def test_environment_variable_is_used(monkeypatch):
    monkeypatch.setenv("FORMCHECK_MODEL", "lite")
    assert resolve_model(None).variant == "lite"
    # An explicit choice wins over the environment.
    assert resolve_model("full").variant == "full"


def test_missing_path_names_the_file_and_how_to_rebuild(tmp_path):
    with pytest.raises(ModelError) as excinfo:
        resolve_model(tmp_path / "nope.task")
    assert "not found" in str(excinfo.value)
    assert "models/build.py" in excinfo.value.hint


def test_corrupt_bundle_is_refused(tmp_path):
    corrupt = tmp_path / "pose_landmarker_full.task"
    shutil.copy(resolve_model("full").path, corrupt)
    with open(corrupt, "r+b") as handle:
        handle.seek(5000)
        handle.write(b"\x00" * 64)
    with pytest.raises(ModelError) as excinfo:
        verify(corrupt)
    assert "corrupt" in excinfo.value.problem


def test_renamed_copy_of_a_pinned_bundle_is_recognised(tmp_path):
    copy = tmp_path / "my_model.task"
    shutil.copy(resolve_model("lite").path, copy)
    info = verify(copy)
    assert info.verified and info.variant == "lite"


def test_unknown_custom_bundle_loads_unverified(tmp_path):
    custom = tmp_path / "custom.task"
    custom.write_bytes(b"not really a model")
    info = verify(custom)
    assert not info.verified and info.variant == "custom"


def test_missing_variant_message(monkeypatch, tmp_path):
    monkeypatch.setattr(model_store, "PACKAGE_MODELS", tmp_path / "a")
    monkeypatch.setattr(model_store, "PROJECT_MODELS", tmp_path / "b")
    with pytest.raises(ModelError) as excinfo:
        resolve_model("heavy")
    assert "heavy" in excinfo.value.problem and "not installed" in excinfo.value.problem
