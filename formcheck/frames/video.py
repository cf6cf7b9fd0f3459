"""Video files (mp4, mov, avi, mkv, webm, GIF) read with OpenCV, as fast as possible or paced.

Timestamps come from the frame index and the container's frame rate, not from
``CAP_PROP_POS_MSEC``: that value repeats or runs backwards on some files, and MediaPipe's video
mode rejects timestamps that do not increase.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import InputError
from formcheck.frames.core import (
    DEFAULT_FPS,
    Converter,
    Frame,
    FrameSource,
    normalise_rotation,
    sane_fps,
    scaled_size,
    source_info,
)

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".gif"})
# GIFs often store no usable frame delay; 10 fps is the common default of GIF players.
GIF_DEFAULT_FPS = 10.0

_VIDEO_HINT = (
    "Check that it is a complete video file (mp4, mov, avi, mkv, webm or gif). If it came from "
    "a phone or the web, re-export or re-download it; H.264 mp4 is the safest format."
)


@dataclass(frozen=True)
class VideoProbe:
    """What opening a video eagerly tells us, plus the first decoded frame."""

    cap: cv2.VideoCapture
    first_bgr: np.ndarray  # upright unless ``manual_rotation`` is set
    fps: float
    frame_count: int | None
    rotation_deg: int  # clockwise rotation from the metadata that the frames get
    manual_rotation: int  # the part of it OpenCV did not apply itself


def probe_video(path: Path) -> VideoProbe:
    """Open ``path`` and decode its first frame, or raise InputError saying why not."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise InputError(f"{path} could not be opened as a video.", _VIDEO_HINT)
    rotation = normalise_rotation(cap.get(cv2.CAP_PROP_ORIENTATION_META))
    # OpenCV >= 4.5 rotates phone videos itself when auto-orientation is on (the default);
    # make sure it is on, and rotate by hand only if this build refuses.
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    auto = cap.get(cv2.CAP_PROP_ORIENTATION_AUTO) == 1
    ok, first = cap.read()
    if not ok or first is None or first.size == 0:
        cap.release()
        raise InputError(
            f"{path}: no frames could be decoded.",
            "The file may be truncated, empty or use a codec OpenCV cannot read; "
            "re-export it as H.264 mp4.",
        )
    default_fps = GIF_DEFAULT_FPS if path.suffix.lower() == ".gif" else DEFAULT_FPS
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    return VideoProbe(
        cap=cap,
        first_bgr=first,
        fps=sane_fps(cap.get(cv2.CAP_PROP_FPS), default_fps),
        frame_count=count if count > 0 else None,
        rotation_deg=rotation,
        manual_rotation=0 if auto else rotation,
    )


class _VideoBase(FrameSource):
    """Shared opening logic of the plain and the paced video source."""

    def __init__(
        self,
        path: Path,
        *,
        max_size: int | None,
        stride: int,
        fps: float | None,
        is_live: bool,
    ) -> None:
        self.path = path
        self.stride = stride
        probe = probe_video(path)
        self._probe: VideoProbe | None = probe
        self._cap: cv2.VideoCapture | None = probe.cap
        self.source_fps = float(fps) if fps is not None else probe.fps
        self.container_frame_count = probe.frame_count
        first = probe.first_bgr
        height, width = first.shape[:2]
        if probe.manual_rotation in (90, 270):
            width, height = height, width
        size = scaled_size(width, height, max_size)
        self._convert = Converter(size, probe.manual_rotation)
        count = None if is_live else probe.frame_count
        info = source_info(
            path.name,
            size,
            self.source_fps,
            count,
            stride,
            is_live=is_live,
            rotation_deg=probe.rotation_deg,
        )
        super().__init__(info)

    def _start(self) -> tuple[cv2.VideoCapture, np.ndarray]:
        """The capture positioned after frame 0, and frame 0 (re-opens for a second pass)."""
        if self._probe is None:
            self._release()
            self._probe = probe_video(self.path)
            self._cap = self._probe.cap
        probe, self._probe = self._probe, None
        return probe.cap, probe.first_bgr

    def _frame(self, bgr: np.ndarray, index: int) -> Frame:
        return Frame(self._convert.bgr_to_rgb(bgr), index * 1000.0 / self.source_fps, index)

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._probe = None

    def _report_short_read(self, decoded: int) -> None:
        expected = self.container_frame_count
        if self.closed:  # close() cut the pass short; nothing is wrong with the file
            return
        if expected is not None and decoded < expected - 1:
            log.warning(
                "%s: decoded %d of the %d frames the container lists; the file may be "
                "truncated or damaged.",
                self.path,
                decoded,
                expected,
            )


class VideoFileSource(_VideoBase):
    """Every ``stride``-th frame of a video file, decoded as fast as the consumer asks."""

    def __init__(
        self, path: Path, *, max_size: int | None = None, stride: int = 1, fps: float | None = None
    ) -> None:
        super().__init__(path, max_size=max_size, stride=stride, fps=fps, is_live=False)

    def _frames(self) -> Iterator[Frame]:
        cap, bgr = self._start()
        index = 0
        while True:
            yield self._frame(bgr, index)
            # grab() decodes without the colour conversion: enough for frames we skip.
            for _ in range(self.stride - 1):
                if not cap.grab():
                    self._report_short_read(index + 1)
                    return
                index += 1
            ok, bgr = cap.read()
            if not ok or bgr is None:
                self._report_short_read(index + 1)
                return
            index += 1


class RealtimeVideoSource(_VideoBase):
    """A video file standing in for a camera.

    Frames are released at the file's own pace against the wall clock, starting when iteration
    starts. A consumer slower than the video gets the newest frame that is due; the frames it
    was too slow for are skipped and counted in ``dropped_frames``, as with a real camera.
    """

    def __init__(
        self, path: Path, *, max_size: int | None = None, stride: int = 1, fps: float | None = None
    ) -> None:
        super().__init__(path, max_size=max_size, stride=stride, fps=fps, is_live=True)

    def _frames(self) -> Iterator[Frame]:
        cap, bgr = self._start()
        period_s = 1.0 / self.source_fps
        stride = self.stride
        current = 0  # index of the frame held in ``bgr``
        served = -stride  # last index handed out
        start = time.monotonic()
        while True:
            due = int((time.monotonic() - start) / period_s)  # newest frame whose time has come
            target = max(served + stride, due - due % stride)
            wait = start + target * period_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if target > current:
                # Decode forward to the target; only skipped frames the stride would have kept
                # count as dropped.
                ok = True
                for skipped in range(current + 1, target):
                    ok = cap.grab()
                    if not ok:
                        break
                    if skipped % stride == 0:
                        self.dropped_frames += 1
                if ok:
                    ok, bgr = cap.read()
                if not ok or bgr is None:
                    return
                current = target
            yield self._frame(bgr, current)
            served = current
