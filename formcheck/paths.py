"""Output paths: checked before any work (so a typo fails at once and not after the model ran),
and written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from formcheck.errors import ConfigError


def ensure_writable(path: str | os.PathLike, what: str = "output file") -> Path:
    """Raise ConfigError unless ``path`` can be written; return it as a Path.

    Missing parent folders are fine (they are created when writing) as long as the nearest
    existing ancestor is a folder we can create files in. That is tested by creating a probe
    file there: permission bits alone are wrong for root and for special filesystems (/proc).
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise ConfigError(
            f"Cannot write the {what} {path}: it is a folder.", "Give a file name, not a folder."
        )
    ancestor = path.parent if str(path.parent) else Path(".")
    while not ancestor.exists() and ancestor.parent != ancestor:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ConfigError(
            f"Cannot write the {what} {path}: {ancestor} is not a folder.",
            "Choose an output path inside an existing folder.",
        )
    try:
        with tempfile.NamedTemporaryFile(dir=ancestor, prefix=".formcheck-probe-"):
            pass
        if path.exists():
            with open(path, "ab"):
                pass
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the {what} {path} ({exc.strerror or exc}).",
            "Choose an output path in a folder you can write to.",
        ) from exc
    return path


def write_text_atomic(path: Path, text: str, what: str, newline: str | None = None) -> Path:
    """Write ``text`` beside ``path`` and rename it into place; return ``path``.

    An interrupted run never leaves half a file. ``newline`` as :meth:`Path.write_text` (None:
    the platform's line ends; "" keeps ``text``'s own, as CSV wants). A failure is a
    ConfigError naming the ``what`` ("report", "CSV").
    """
    tmp = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8", newline=newline)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(
            f"Cannot write the {what} {path} ({exc.strerror}).", "Choose a writable output path."
        ) from exc
    return path
