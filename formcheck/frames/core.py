"""The frame type, the source interface every reader implements, and their shared helpers.

Every source hands out upright RGB frames (MediaPipe wants RGB) with honest timestamps, so the
pose stage never needs to know whether the pixels came from a file, a folder or a camera.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import cv2
import numpy as np

from formcheck.errors import ConfigError
from formcheck.series.core import DecodeDamage, SourceInfo

# Smaller frames leave the pose model nothing to find; larger limits are always allowed.
MIN_MAX_SIZE = 32
# Container frame rates outside this range are broken metadata (e.g. a 90000 Hz time base).
MIN_SANE_FPS = 1.0
MAX_SANE_FPS = 1000.0
DEFAULT_FPS = 30.0
# The processing rate recorded clips are analysed at by default: a 60 fps phone clip carries no
# more form information for these movements than 30 fps (see :func:`rate_step`).
DEFAULT_RATE = 30.0
# An asked rate may be this much above the clip's own (30 on a 29.97 fps clip), and the rate
# analysed this much below the asked one, so the kept frames stay evenly spaced.
RATE_TOLERANCE = 1.05


@dataclass(frozen=True)
class Frame:
    """One upright video frame.

    ``rgb`` is (H, W, 3) uint8 in RGB order and C-contiguous; it may share memory with the
    arrays of an in-memory source. ``time_ms`` is strictly increasing within a source and
    ``index`` is the frame's position in the original source, before any stride.
    """

    rgb: np.ndarray
    time_ms: float
    index: int

    def __post_init__(self) -> None:
        rgb = self.rgb
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"Frame.rgb must be (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
        if not rgb.flags.c_contiguous:
            raise ValueError("Frame.rgb must be C-contiguous")

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


class FrameSource(ABC):
    """An iterable of :class:`Frame` with a description of where the frames come from.

    Use it as a context manager so the underlying file or camera is always released.
    Finite sources (files, folders, arrays) can be iterated again; live sources keep serving
    the newest frame. ``dropped_frames`` counts frames a live source discarded because the
    consumer was slower than the frames arrived; it stays 0 for everything else.
    """

    info: SourceInfo

    def __init__(self, info: SourceInfo) -> None:
        self.info = info
        self.dropped_frames = 0
        self._closed = False

    def __iter__(self) -> Iterator[Frame]:
        # Not a generator itself, so using a closed source fails here rather than at next().
        if self._closed:
            raise ValueError(f"frame source {self.info.name!r} is closed")
        return self._frames()

    @abstractmethod
    def _frames(self) -> Iterator[Frame]:
        """Yield the frames; called once per ``iter()``."""

    def close(self) -> None:
        """Release the file or camera. Safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._release()

    def _release(self) -> None:  # noqa: B027 - sources without resources need nothing here
        """Free resources; overridden by sources that hold a capture or a thread."""

    @property
    def closed(self) -> bool:
        return self._closed

    def damage(self) -> DecodeDamage | None:
        """What the decoder could not give whole on the last pass over a file (after it);
        None where that is not checked (arrays, cameras, folders)."""
        return None

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.info!r})"


# --------------------------------------------------------------------------- option checks
def check_options(
    max_size: object,
    stride: object,
    fps: object,
    start_s: object = None,
    end_s: object = None,
) -> None:
    """Raise ConfigError for option values no source can honour.

    ``start_s``/``end_s``: the part of a video file to read, in seconds of the file (None:
    from its beginning / to its end); each a finite number >= 0, the start before the end.
    """
    if max_size is not None and (
        not _is_int(max_size) or int(max_size) < MIN_MAX_SIZE  # type: ignore[call-overload]
    ):
        raise ConfigError(
            f"max_size must be a whole number of pixels >= {MIN_MAX_SIZE}, got {max_size!r}.",
            "Use e.g. 640 to shrink large videos before pose detection, or leave it unset "
            "to keep the original size.",
        )
    if not _is_int(stride) or int(stride) < 1:  # type: ignore[call-overload]
        raise ConfigError(
            f"stride must be a whole number >= 1, got {stride!r}.",
            "Use 1 to keep every frame, 2 to keep every second frame, and so on.",
        )
    if fps is not None and not (
        isinstance(fps, numbers.Real)
        and not isinstance(fps, bool)
        and math.isfinite(float(fps))
        and 0 < float(fps) <= MAX_SANE_FPS
    ):
        raise ConfigError(
            f"fps must be a number of frames per second in (0, {MAX_SANE_FPS:g}], got {fps!r}.",
            "Leave it unset to use the video's own frame rate (30 for images).",
        )
    for name, value in (("start", start_s), ("end", end_s)):
        if value is not None and not (
            isinstance(value, numbers.Real)
            and not isinstance(value, bool)
            and math.isfinite(float(value))
            and float(value) >= 0
        ):
            raise ConfigError(
                f"The range's {name} (--{name} / {name}_s) must be a time >= 0 in seconds, "
                f"got {value!r}.",
                RANGE_HINT,
            )
    if start_s is not None and end_s is not None and float(start_s) >= float(end_s):  # type: ignore[arg-type]
        raise ConfigError(
            f"The range's start ({format_time(float(start_s))}) must come before its end "  # type: ignore[arg-type]
            f"({format_time(float(end_s))}).",  # type: ignore[arg-type]
            RANGE_HINT,
        )


def check_rate(rate: object) -> None:
    """Raise ConfigError unless ``rate`` (a processing rate in frames a second) is usable."""
    if rate is not None and not (
        isinstance(rate, numbers.Real)
        and not isinstance(rate, bool)
        and math.isfinite(float(rate))
        and 0 < float(rate) <= MAX_SANE_FPS
    ):
        raise ConfigError(
            f"The processing rate (--fps / fps) must be a number of frames a second above 0, "
            f"got {rate!r}.",
            RATE_HINT,
        )


RATE_HINT = (
    "Use e.g. --fps 15 to analyse 15 frames a second, --fps native for every frame, or leave "
    "it out for about 30 (fps=None / 'native' / a number in the API)."
)


def rate_step(native_fps: float, rate: float | None, *, strict: bool = True) -> int:
    """Keep every ``rate_step``-th frame of a ``native_fps`` clip to analyse it at ``rate``.

    The kept frames stay evenly spaced (the smoothing filter assumes a steady rate) and keep
    their exact time stamps: the rate analysed is ``native_fps / step``, the lowest such rate
    no more than 5% below ``rate`` (60 fps at 30 -> every 2nd frame; 50 fps at 30 -> every
    frame; 29.97 fps at 10 -> every 3rd). ``rate`` None: every frame. ``strict``: a rate above
    the clip's own (beyond 5%) is a ConfigError; else (the default rate) it means every frame.
    """
    if rate is None:
        return 1
    if float(rate) > native_fps * RATE_TOLERANCE:
        if strict:
            raise ConfigError(
                f"--fps {float(rate):g} is above the clip's own rate ({native_fps:g} frames a "
                "second): there are no frames to add.",
                f"Use --fps {native_fps:g} or lower, or --fps native for every frame.",
            )
        return 1
    return max(1, int(native_fps / float(rate) * RATE_TOLERANCE))


RANGE_HINT = (
    "Give --start/--end (start_s/end_s) in seconds of the file (12.5) or as mm:ss (1:05), "
    "the start before the end, e.g. --start 1:05 --end 1:40."
)


def format_time(seconds: float) -> str:
    """``65.0`` -> ``"1:05 (65 s)"``: a time in the file, as a person reads it and in seconds."""
    minutes, rest = divmod(float(seconds), 60.0)
    clock = f"{int(minutes)}:{rest:04.1f}".removesuffix(".0")
    return f"{clock} ({seconds:g} s)"


def refuse_range(start_s: object, end_s: object, what: str) -> None:
    """ConfigError when a range is given for a source without a file timeline (``what``)."""
    if start_s is not None or end_s is not None:
        option = " and ".join(
            f"--{n} ({n}_s)" for n, v in (("start", start_s), ("end", end_s)) if v is not None
        )
        raise ConfigError(
            f"{option} selects part of a video file, but the input is {what}.",
            "Drop the range, or point formcheck at the video file the set was recorded in.",
        )


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def sane_fps(value: float, default: float = DEFAULT_FPS) -> float:
    """The container's frame rate, or ``default`` when it is missing or absurd."""
    if math.isfinite(value) and MIN_SANE_FPS <= value <= MAX_SANE_FPS:
        return float(value)
    return default


def strided_count(count: int | None, stride: int) -> int | None:
    """How many of ``count`` frames survive keeping every ``stride``-th one (index 0 kept)."""
    return None if count is None else (count + stride - 1) // stride


def source_info(
    name: str,
    size: tuple[int, int],
    fps: float,
    frame_count: int | None,
    stride: int = 1,
    **more: Any,
) -> SourceInfo:
    """The :class:`SourceInfo` of a source that serves every ``stride``-th of its ``fps`` and
    ``frame_count`` (None: unknown, e.g. live) at ``size`` (width, height) after any downscale.

    ``more``: the other fields (``is_live``, ``rotation_deg``).
    """
    return SourceInfo(
        name=name,
        width=size[0],
        height=size[1],
        fps=fps / stride,
        frame_count=strided_count(frame_count, stride),
        **more,
    )


# --------------------------------------------------------------------------- pixels
def scaled_size(width: int, height: int, max_size: int | None) -> tuple[int, int]:
    """(width, height) with the long side at most ``max_size``, aspect kept, never upscaled."""
    long_side = max(width, height)
    if max_size is None or long_side <= max_size:
        return width, height
    scale = max_size / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


class Converter:
    """Turns a decoded BGR image into the RGB frame the model sees (rotate, shrink, reorder).

    Shrinking happens before the colour conversion so dropped pixels are never converted.
    """

    def __init__(self, size: tuple[int, int], rotation_deg: int = 0) -> None:
        self.size = size  # (width, height) of the output
        self.rotation_deg = rotation_deg  # clockwise rotation still to apply by hand

    def bgr_to_rgb(self, bgr: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(self._fit(rotate_clockwise(bgr, self.rotation_deg)), cv2.COLOR_BGR2RGB)

    def rgb_to_rgb(self, rgb: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self._fit(rgb))

    def _fit(self, image: np.ndarray) -> np.ndarray:
        if (image.shape[1], image.shape[0]) == self.size:
            return image
        # Bilinear is 5x cheaper than area averaging and, down to half size, still touches
        # every source pixel, so it does not alias; stronger shrinks (4K -> 960) need the
        # area filter. The model then resamples to 256 px with its own filter anyway.
        shrink = self.size[0] / image.shape[1]
        interpolation = cv2.INTER_LINEAR if shrink >= 0.5 else cv2.INTER_AREA
        return cv2.resize(image, self.size, interpolation=interpolation)


_CV2_ROTATIONS = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


def normalise_rotation(degrees: float) -> int:
    """Snap a metadata rotation to 0, 90, 180 or 270 (clockwise)."""
    if not math.isfinite(degrees):
        return 0
    return int(round(degrees / 90.0)) % 4 * 90


def rotate_clockwise(image: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate by a multiple of 90 degrees clockwise (0 returns the image unchanged)."""
    code = _CV2_ROTATIONS.get(normalise_rotation(degrees))
    return image if code is None else cv2.rotate(image, code)
