"""``open_source``: turn whatever the user pointed at into a FrameSource, failing early."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import ConfigError, InputError
from formcheck.frames.camera import camera_source
from formcheck.frames.core import (
    DEFAULT_FPS,
    FrameSource,
    check_options,
    check_rate,
    rate_step,
    refuse_range,
    sane_fps,
)
from formcheck.frames.images import (
    IMAGE_EXTENSIONS,
    ArraySource,
    ImageFolderSource,
    StillImageSource,
)
from formcheck.frames.video import GIF_DEFAULT_FPS, RealtimeVideoSource, VideoFileSource

SourceSpec = str | os.PathLike | int | Sequence[np.ndarray] | np.ndarray


def open_source(
    spec: SourceSpec,
    *,
    max_size: int | None = None,
    stride: int = 1,
    fps: float | None = None,
    realtime: bool = False,
    start_s: float | None = None,
    end_s: float | None = None,
    rate: float | None = None,
    strict_rate: bool = True,
) -> FrameSource:
    """Open a video file, webcam, still image, image folder or in-memory frames.

    ``spec``: an int or a string of digits is a webcam index; a directory is a folder of
    images (natural name order); a file with an image extension is one still frame; any other
    file is a video (GIF included); a list or tuple of (H, W, 3) uint8 RGB arrays, or one
    (T, H, W, 3) array, is an in-memory source.

    ``max_size`` shrinks frames so the long side is at most that many pixels (never enlarges).
    ``stride`` keeps every n-th frame; timestamps stay those of the original frames.
    ``fps`` sets the frame rate of folders and arrays (default 30) and overrides a video's own.
    ``realtime`` makes a video file behave like a camera: paced at its frame rate, newest
    frame served, frames the consumer was too slow for skipped.
    ``start_s``/``end_s`` read only that part of a video file (seconds of the file; None: from
    its beginning / to its end); frame times and indices stay the file's own. Other sources
    have no file timeline and refuse a range (ConfigError); a start past the end of the file
    is an InputError that gives the file's length.
    ``rate``: the processing rate of a video file (None: every frame): every
    :func:`~formcheck.frames.core.rate_step`-th frame is kept, on top of ``stride``, with its
    exact time stamp; the frames between are grabbed, never converted. A rate above the
    file's own is a ConfigError unless ``strict_rate`` is False (then every frame is kept).
    Other sources ignore it.

    The source is opened and its first frame decoded here, so unreadable input raises
    InputError (bad options: ConfigError) before any work starts.
    """
    check_options(max_size, stride, fps, start_s, end_s)
    check_rate(rate)
    span = (start_s, end_s)
    if isinstance(spec, bool):
        raise TypeError("open_source() got a bool; pass a camera index, a path or frames")
    if isinstance(spec, (int, np.integer)) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        if index < 0:
            raise InputError(f"camera index must be 0 or more, got {index}", "Try --camera 0.")
        refuse_range(*span, "a camera, which has no timeline")
        return camera_source(index, max_size=max_size, stride=stride, fps=fps)
    if isinstance(spec, np.ndarray):
        if spec.ndim != 4:
            raise InputError(
                f"an in-memory clip must be a (T, H, W, 3) array, got shape {spec.shape}.",
                "Pass a list of (H, W, 3) RGB frames, or stack them with np.stack(frames).",
            )
        refuse_range(*span, "frames in memory")
        return _arrays(spec, max_size, stride, fps, realtime)
    if isinstance(spec, (list, tuple)):
        refuse_range(*span, "frames in memory")
        return _arrays(spec, max_size, stride, fps, realtime)
    if not isinstance(spec, (str, os.PathLike)):
        raise TypeError(f"open_source() cannot read a {type(spec).__name__}")
    return _path(
        Path(spec).expanduser(), max_size, stride, fps, realtime, span, (rate, strict_rate)
    )


def _arrays(
    arrays: Sequence[np.ndarray],
    max_size: int | None,
    stride: int,
    fps: float | None,
    realtime: bool,
) -> FrameSource:
    _refuse_realtime(realtime, "in-memory frames")
    return ArraySource(arrays, max_size=max_size, stride=stride, fps=fps)


def _path(
    path: Path,
    max_size: int | None,
    stride: int,
    fps: float | None,
    realtime: bool,
    span: tuple[float | None, float | None] = (None, None),
    rate: tuple[float | None, bool] = (None, True),
) -> FrameSource:
    if not path.exists():
        raise InputError(
            f"File not found: {path}",
            "Check the path and spelling. formcheck reads videos (mp4, mov, avi, mkv, webm, "
            "gif), images (png, jpg), folders of images and webcams (a number such as 0).",
        )
    if path.is_dir():
        _refuse_realtime(realtime, "an image folder")
        refuse_range(*span, f"a folder of images ({path.name})")
        return ImageFolderSource(path, max_size=max_size, stride=stride, fps=fps)
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        _refuse_realtime(realtime, "a still image")
        refuse_range(*span, f"a still image ({path.name})")
        return StillImageSource(path, max_size=max_size, fps=fps)
    start_s, end_s = span
    if realtime:
        return RealtimeVideoSource(
            path, max_size=max_size, stride=stride, fps=fps, start_s=start_s, end_s=end_s
        )
    return VideoFileSource(
        path,
        max_size=max_size,
        stride=stride,
        fps=fps,
        start_s=start_s,
        end_s=end_s,
        rate=rate[0],
        strict_rate=rate[1],
    )


def analysed_stride(
    path: str | os.PathLike, stride: int = 1, rate: float | None = None, strict_rate: bool = True
) -> int:
    """The stride :func:`open_source` gives ``path`` with ``stride`` and ``rate``, from the
    container's frame rate alone (nothing decoded): every how-many-th frame is analysed.

    Frames chosen by a rate are the frames the same stride chooses, so a result can be named
    by this one number (the landmark cache key does). Not a video file: ``stride``.
    """
    path = Path(path)
    if rate is None or path.is_dir() or path.suffix.lower() in IMAGE_EXTENSIONS:
        return stride
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        default = GIF_DEFAULT_FPS if path.suffix.lower() == ".gif" else DEFAULT_FPS
        native = sane_fps(cap.get(cv2.CAP_PROP_FPS), default) if cap.isOpened() else default
    finally:
        cap.release()
    return stride * rate_step(native, rate, strict=strict_rate)


def _refuse_realtime(realtime: bool, what: str) -> None:
    if realtime:
        raise ConfigError(
            f"real-time playback works with video files and cameras, not {what}.",
            "Pass a video file (or a camera number) for live mode, or drop the real-time option.",
        )
