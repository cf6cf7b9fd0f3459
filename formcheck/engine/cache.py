"""The landmark cache: each clip's raw pose series on disk, so nothing is computed twice.

Running the pose model is almost all of the cost of scoring a clip; the rules take a fraction
of a second. So the clip path (:mod:`formcheck.engine.clip`, with the cache on: batch scoring,
``evaluate``, ``score_clip``) keeps every clip's *raw* landmark series (unsmoothed, with the
mask measures such as the silhouette's ``back_profile``) keyed by

* the SHA-256 of the file's bytes (streamed), so a renamed or moved clip is still found and an
  edited clip is not mistaken for its old self, and
* the pose options that change the landmarks (:func:`formcheck.engine.clip.landmark_options`):
  the model bundle (variant and checksum), the downscale, the frame stride, the people-count
  interval, whether masks were kept and what was measured on them, and :data:`CACHE_VERSION`.

Smoothing and every rule threshold are applied after loading, so re-scoring with another
strictness or config never runs the model. Entries are written to a unique temporary name and
renamed into place, so a crash or Ctrl-C never leaves half an entry, and two workers writing
the same entry cannot collide. An entry is an ordinary :meth:`PoseSeries.save` file.

Layout: ``<root>/<sha[:2]>/<sha>_<options>.npz``. The root is ``$FORMCHECK_CACHE`` or
``~/.cache/formcheck/landmarks``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.series.core import FORMAT_VERSION, PoseSeries

CACHE_ENV = "FORMCHECK_CACHE"
# Bump when what is cached changes (another measure, other pose-stage defaults): old entries
# then simply stop matching instead of being read as something they are not.
CACHE_VERSION = 2  # 2: frames shrunk by at most half are resized bilinearly (landmarks moved)
_TEMP_MARK = ".tmp-"
_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """``$FORMCHECK_CACHE`` if set, else ``$XDG_CACHE_HOME/formcheck/landmarks`` (the XDG base
    directory convention; an empty or relative value is ignored, as the spec says), else
    ``~/.cache/formcheck/landmarks``."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "formcheck" / "landmarks"


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (videos can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def options_token(options: dict[str, Any]) -> str:
    """A short, stable hash of the pose options an entry depends on."""
    payload = {"cache_version": CACHE_VERSION, "series_format": FORMAT_VERSION, **options}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CacheKey:
    """Which clip (content hash) seen through which pose options (options token)."""

    content_sha256: str
    options: str

    @property
    def name(self) -> str:
        return f"{self.content_sha256}_{self.options}"


class LandmarkCache:
    """A folder of raw landmark series, one ``.npz`` per (clip content, pose options).

    Reads never raise: a missing, truncated or foreign entry is a miss (a damaged one is
    deleted so it is rebuilt). Writes raise ``OSError`` (full disk, read-only folder) so the
    caller can carry on without the cache and say so once.
    """

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root).expanduser() if root else default_cache_dir()

    def __repr__(self) -> str:
        return f"LandmarkCache({str(self.root)!r})"

    def path_for(self, key: CacheKey) -> Path:
        return self.root / key.content_sha256[:2] / f"{key.name}.npz"

    def __contains__(self, key: CacheKey) -> bool:
        return self.path_for(key).is_file()

    def get(self, key: CacheKey) -> PoseSeries | None:
        """The cached raw series, or None (absent or unreadable)."""
        path = self.path_for(key)
        if not path.is_file():
            return None
        try:
            return PoseSeries.load(path)
        except Exception:  # damaged entry (e.g. a disk error): forget it and recompute
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def put(self, key: CacheKey, series: PoseSeries) -> Path:
        """Store ``series`` atomically; raises OSError when the cache cannot be written."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name unique to this writer: PoseSeries.save renames its own ".part" onto it, then
        # we rename it onto the entry. Either rename is atomic; readers see all or nothing.
        temp = path.with_name(f"{_TEMP_MARK}{key.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}.npz")
        try:
            written = series.save(temp)
            os.replace(written, path)
        except BaseException:
            for leftover in (temp, temp.with_name(temp.name + ".part")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise
        return path

    def clean_temp(self, older_than_s: float = 3600.0) -> int:
        """Delete temporary files left by killed writers; returns how many were removed."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for temp in self.root.glob(f"*/{_TEMP_MARK}*"):
            try:
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
                    removed += 1
            except OSError:
                pass
        return removed

    def entries(self) -> list[Path]:
        """Every stored entry (for inspection and tidying up)."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.glob("*/*.npz") if not p.name.startswith(_TEMP_MARK))
