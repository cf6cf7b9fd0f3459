"""Which clips a batch scores: folders, globs and lists of files, in a stable order."""

from __future__ import annotations

import glob as globlib
import os
from collections.abc import Iterable
from pathlib import Path

from formcheck.errors import InputError
from formcheck.frames.video import VIDEO_EXTENSIONS


def _is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS and not path.name.startswith(".")


def _expand(item: str | os.PathLike) -> list[str] | None:
    """A folder or glob -> its video files (sorted); a plain path -> None (kept as given)."""
    text = os.path.expanduser(os.fspath(item))
    if globlib.has_magic(text):
        matches = [Path(p) for p in globlib.glob(text, recursive=True)]
        return sorted(str(p) for p in matches if p.is_file() and _is_video(p))
    path = Path(text)
    if path.is_dir():
        return sorted(str(p) for p in path.iterdir() if p.is_file() and _is_video(p))
    return None


def resolve_inputs(paths_or_glob: str | os.PathLike | Iterable[str | os.PathLike]) -> list[str]:
    """The clips to score, in a stable order, without duplicates.

    One string or path: a folder (its video files), a glob (``clips/**/*.mp4``; only video
    files are kept) or one file; nothing to score raises InputError. A list: folders and
    globs are expanded, other entries are kept as given (a missing one becomes an error row).
    """
    extensions = ", ".join(sorted(e.lstrip(".") for e in VIDEO_EXTENSIONS))
    if isinstance(paths_or_glob, (str, os.PathLike)):
        expanded = _expand(paths_or_glob)
        if expanded is None:
            path = Path(os.path.expanduser(os.fspath(paths_or_glob)))
            if not path.exists():
                raise InputError(
                    f"Not found: {paths_or_glob}",
                    "Pass a folder of clips, a glob such as 'clips/*.mp4' (quoted) or a video.",
                )
            return [str(path)]
        if not expanded:
            where = "match" if globlib.has_magic(os.fspath(paths_or_glob)) else "in"
            raise InputError(
                f"No video files {where} {paths_or_glob}.",
                f"formcheck batch reads {extensions}; for sub-folders use a quoted glob such "
                "as 'clips/**/*.mp4'.",
            )
        return expanded
    found: list[str] = []
    for item in paths_or_glob:
        expanded = _expand(item)
        found.extend(expanded if expanded is not None else [os.fspath(item)])
    unique = list(dict.fromkeys(found))
    if not unique:
        raise InputError(
            "No clips to score: the folders and patterns given match no video files.",
            f"formcheck batch reads {extensions}.",
        )
    return unique
