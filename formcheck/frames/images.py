"""Still images, folders of numbered frames and in-memory arrays.

Folders are read one image at a time (never all at once) in natural order, so
``frame_2.png`` comes before ``frame_10.png``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import InputError
from formcheck.frames.core import (
    DEFAULT_FPS,
    Converter,
    Frame,
    FrameSource,
    scaled_size,
    source_info,
)
from formcheck.frames.damage import decode_image_checked, describe_damage
from formcheck.series.core import DecodeDamage

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".dib", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
    | {".pbm", ".pnm", ".jp2", ".heic", ".heif"}  # HEIC is listed only to explain it cannot load
)

_IMAGE_HINT = (
    "Check that it is a complete PNG or JPG image. iPhone HEIC photos must be exported as JPG "
    "first."
)
# EXIF orientation tag -> clockwise rotation cv2.imread applies (mirrored variants: rotation part).
_EXIF_ROTATION = {3: 180, 4: 180, 5: 90, 6: 90, 7: 270, 8: 270}


def natural_key(name: str) -> list[str | int]:
    """Sort key that orders embedded numbers by value: ``img2`` before ``img10``."""
    # re.split with a group alternates text (even positions) and digits (odd positions), so
    # the key compares str with str and int with int at every position.
    parts = re.split(r"(\d+)", name)
    return [int(p) if i % 2 else p.lower() for i, p in enumerate(parts)]


def read_image(path: Path) -> np.ndarray:
    """Decode an image to upright BGR uint8 (EXIF orientation applied), or raise InputError.

    A damaged JPEG in a folder is used as it decodes, with one warning in formcheck's words.
    """
    bgr, damage = read_image_checked(path)
    if damage is not None and damage.any:
        log.warning("%s: %s", path.name, describe_damage(damage))
    return bgr


def read_image_checked(path: Path) -> tuple[np.ndarray, DecodeDamage | None]:
    """:func:`read_image` and what was wrong with the file (a cut-short or corrupt JPEG)."""
    # IMREAD_COLOR also turns grey, alpha and 16-bit images into 8-bit BGR.
    bgr, damage = decode_image_checked(path)
    if bgr is None or bgr.size == 0:
        raise InputError(f"{path} could not be read as an image.", _IMAGE_HINT)
    return bgr, damage


def exif_rotation(path: Path) -> int:
    """Clockwise rotation from a photo's EXIF orientation (0 when absent or unreadable)."""
    try:  # Pillow is optional: it comes with matplotlib, formcheck does not depend on it.
        from PIL import Image
    except ImportError:
        return 0
    try:
        with Image.open(path) as img:
            return _EXIF_ROTATION.get(int(img.getexif().get(0x0112, 1)), 0)
    except Exception:  # any unreadable header just means no known rotation
        return 0


class StillImageSource(FrameSource):
    """A single photo as a one-frame source at 0 ms."""

    def __init__(self, path: Path, *, max_size: int | None = None, fps: float | None = None):
        bgr, self._damage = read_image_checked(path)
        size = scaled_size(bgr.shape[1], bgr.shape[0], max_size)
        self._rgb = Converter(size).bgr_to_rgb(bgr)
        fps = float(fps) if fps is not None else DEFAULT_FPS
        super().__init__(source_info(path.name, size, fps, 1, rotation_deg=exif_rotation(path)))

    def _frames(self) -> Iterator[Frame]:
        yield Frame(self._rgb, 0.0, 0)

    def damage(self) -> DecodeDamage | None:
        return self._damage

    def _release(self) -> None:
        self._rgb = np.zeros((1, 1, 3), np.uint8)


class ImageFolderSource(FrameSource):
    """The images of a folder as frames at ``fps`` (30 unless given), in natural name order."""

    def __init__(
        self,
        folder: Path,
        *,
        max_size: int | None = None,
        stride: int = 1,
        fps: float | None = None,
    ) -> None:
        files = sorted(
            (
                p
                for p in folder.iterdir()
                if p.suffix.lower() in IMAGE_EXTENSIONS
                and not p.name.startswith(".")
                and p.is_file()
            ),
            key=lambda p: (natural_key(p.name), p.name),
        )
        if not files:
            raise InputError(
                f"no images found in folder {folder}",
                "Put the frames in it as .png or .jpg files named in order (frame_001.png, ...), "
                "or pass a video file instead.",
            )
        # Checking the file signatures is cheap and catches broken files before any work starts.
        bad = [p for p in files if not cv2.haveImageReader(str(p))]
        if bad:
            listed = ", ".join(p.name for p in bad[:5]) + (" ..." if len(bad) > 5 else "")
            raise InputError(
                f"{len(bad)} file(s) in {folder} could not be read as images: {listed}",
                _IMAGE_HINT + " Remove or replace the broken files.",
            )
        self.files = files
        self.stride = stride
        self.source_fps = float(fps) if fps is not None else DEFAULT_FPS
        first = read_image(files[0])
        self._first_size = (first.shape[1], first.shape[0])
        size = scaled_size(*self._first_size, max_size)
        self._convert = Converter(size)
        super().__init__(source_info(folder.name, size, self.source_fps, len(files), stride))

    def _frames(self) -> Iterator[Frame]:
        for index in range(0, len(self.files), self.stride):
            path = self.files[index]
            bgr = read_image(path)
            if (bgr.shape[1], bgr.shape[0]) != self._first_size:
                raise InputError(
                    f"{path} is {bgr.shape[1]}x{bgr.shape[0]} but the first image in the folder "
                    f"is {self._first_size[0]}x{self._first_size[1]}.",
                    "All images in a frame folder must have the same size; resize them or "
                    "process them separately.",
                )
            yield Frame(self._convert.bgr_to_rgb(bgr), index * 1000.0 / self.source_fps, index)


class ArraySource(FrameSource):
    """RGB uint8 arrays held in memory (tests, notebooks) as frames at ``fps`` (default 30)."""

    def __init__(
        self,
        arrays: Sequence[np.ndarray],
        *,
        max_size: int | None = None,
        stride: int = 1,
        fps: float | None = None,
        name: str = "<arrays>",
    ) -> None:
        if len(arrays) == 0:
            raise InputError(
                "the in-memory frame sequence is empty.", "Pass at least one (H, W, 3) array."
            )
        shape = None
        for i, arr in enumerate(arrays):
            arr = np.asarray(arr)
            if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
                raise InputError(
                    f"in-memory frame {i} has shape {arr.shape} and dtype {arr.dtype}; "
                    "expected (H, W, 3) uint8 RGB.",
                    "Convert with np.asarray(img, dtype=np.uint8); for OpenCV (BGR) images use "
                    "cv2.cvtColor(img, cv2.COLOR_BGR2RGB).",
                )
            if shape is None:
                shape = arr.shape
            elif arr.shape != shape:
                raise InputError(
                    f"in-memory frame {i} has shape {arr.shape} but frame 0 has {shape}.",
                    "All frames of a source must have the same size.",
                )
        assert shape is not None
        self._arrays = arrays
        self.stride = stride
        self.source_fps = float(fps) if fps is not None else DEFAULT_FPS
        size = scaled_size(shape[1], shape[0], max_size)
        self._convert = Converter(size)
        super().__init__(source_info(name, size, self.source_fps, len(arrays), stride))

    def _frames(self) -> Iterator[Frame]:
        for index in range(0, len(self._arrays), self.stride):
            rgb = self._convert.rgb_to_rgb(np.asarray(self._arrays[index]))
            yield Frame(rgb, index * 1000.0 / self.source_fps, index)

    def _release(self) -> None:
        self._arrays = ()
