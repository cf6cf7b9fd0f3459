"""Find and verify the pose model bundle on local disk. Never touches the network.

Lookup order for ``resolve_model(spec)``:
1. ``spec`` itself: a path to a ``.task`` file, or a variant name (``lite``, ``full``, ``heavy``);
2. the ``FORMCHECK_MODEL`` environment variable (a path or a variant name);
3. the copy installed inside the package (``formcheck/models/``);
4. the project's ``models/`` folder (a source checkout or editable install).
A bundle whose name is known is checked against the pinned SHA-256 in ``SHA256SUMS``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from formcheck.errors import ModelError

log = logging.getLogger(__name__)

VARIANTS = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"
ENV_VAR = "FORMCHECK_MODEL"

PACKAGE_MODELS = Path(__file__).resolve().parents[1] / "models"
PROJECT_MODELS = Path(__file__).resolve().parents[2] / "models"

REBUILD_HINT = (
    "Rebuild the bundles from a formcheck checkout with 'python models/build.py' "
    "(add '--variants heavy' for the heavy model), or pass --model PATH to a "
    "pose_landmarker_*.task file."
)


@dataclass(frozen=True)
class ModelInfo:
    """A located, verified model bundle."""

    path: Path
    variant: str  # lite | full | heavy | custom
    sha256: str
    verified: bool  # checksum matched a pinned value (False only for custom bundles)
    size_bytes: int


def bundle_name(variant: str) -> str:
    return f"pose_landmarker_{variant}.task"


def search_folders() -> list[Path]:
    return [folder for folder in (PACKAGE_MODELS, PROJECT_MODELS) if folder.is_dir()]


@lru_cache(maxsize=1)
def pinned_checksums() -> dict[str, str]:
    """File name -> SHA-256 from every SHA256SUMS we ship."""
    sums: dict[str, str] = {}
    for folder in (PROJECT_MODELS, PACKAGE_MODELS):
        sums_file = folder / "SHA256SUMS"
        if sums_file.is_file():
            for line in sums_file.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2:
                    sums[parts[1]] = parts[0]
    return sums


@lru_cache(maxsize=8)
def _file_sha256(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    stat = path.stat()
    # Cached on (path, mtime, size): batch workers load the model once per clip otherwise.
    return _file_sha256(str(path), stat.st_mtime_ns, stat.st_size)


def _variant_of(path: Path) -> str:
    for variant in VARIANTS:
        if path.name == bundle_name(variant):
            return variant
    return "custom"


_reported: set[tuple[Path, str]] = set()


def verify(path: Path) -> ModelInfo:
    """Check ``path`` is a readable bundle whose checksum matches, or raise ModelError."""
    if not path.exists():
        raise ModelError(f"Pose model not found: {path}", REBUILD_HINT)
    if not path.is_file():
        raise ModelError(f"Pose model path is not a file: {path}", REBUILD_HINT)
    try:
        digest = file_sha256(path)
    except OSError as exc:
        raise ModelError(
            f"Pose model {path} cannot be read ({exc.strerror}).", REBUILD_HINT
        ) from exc
    variant = _variant_of(path)
    pinned = pinned_checksums()
    expected = pinned.get(path.name)
    if expected is not None:
        if digest != expected:
            raise ModelError(
                f"Pose model {path} is corrupt or was modified (SHA-256 {digest[:12]}..., "
                f"expected {expected[:12]}...).",
                REBUILD_HINT,
            )
        verified = True
    else:
        # A bundle under another name is accepted if it is byte-identical to one we pinned;
        # otherwise it is the user's own model and is loaded unverified (reported as such).
        verified = digest in pinned.values()
        if verified:
            variant = next(n for n, d in pinned.items() if d == digest).split("_")[-1][:-5]
    if (path, digest) not in _reported:  # the stages resolve a model more than once
        _reported.add((path, digest))
        log.debug(
            "pose model: %s (%s), SHA-256 %s, %s",
            path,
            variant,
            digest,
            "checksum verified" if verified else "unverified (not a pinned bundle)",
        )
    return ModelInfo(
        path=path, variant=variant, sha256=digest, verified=verified, size_bytes=path.stat().st_size
    )


def _find_variant(variant: str) -> Path:
    for folder in search_folders():
        candidate = folder / bundle_name(variant)
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(f) for f in (PACKAGE_MODELS, PROJECT_MODELS))
    raise ModelError(f"The '{variant}' pose model ({bundle_name(variant)}) is not installed "
                     f"(looked in {looked}).", REBUILD_HINT)  # fmt: skip


def resolve_model(spec: str | Path | None = None) -> ModelInfo:
    """Locate and verify the model named by ``spec``, the environment or the defaults."""
    for candidate in (spec, os.environ.get(ENV_VAR) or None):
        if candidate is None or str(candidate).strip() == "":
            continue
        text = str(candidate).strip()
        if text in VARIANTS:
            return verify(_find_variant(text))
        return verify(Path(text).expanduser())
    return verify(_find_variant(DEFAULT_VARIANT))


def list_models() -> list[tuple[str, Path | None, str]]:
    """(variant, path or None, status) for every known variant, for ``formcheck models``."""
    rows: list[tuple[str, Path | None, str]] = []
    for variant in VARIANTS:
        try:
            info = verify(_find_variant(variant))
            status = "ok, checksum verified" if info.verified else "unverified"
            rows.append((variant, info.path, f"{status}, {info.size_bytes / 1e6:.1f} MB"))
        except ModelError as exc:
            path = next(
                (f / bundle_name(variant) for f in search_folders()
                 if (f / bundle_name(variant)).exists()),
                None,
            )  # fmt: skip
            rows.append((variant, path, "missing" if path is None else exc.problem))
    return rows
