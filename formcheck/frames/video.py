"""Video files (mp4, mov, avi, mkv, webm, GIF) read with OpenCV, as fast as possible or paced.

Timestamps come from the frame index and the container's frame rate, not from
``CAP_PROP_POS_MSEC``: that value repeats or runs backwards on some files, and MediaPipe's video
mode rejects timestamps that do not increase. The one exception is damage: after a read fails,
the source reads on and places the next good frame by its presentation time, so the frames in
between are missing from the series, not squeezed out of its timeline
(:mod:`formcheck.frames.damage` reports them).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# FFmpeg's own error lines ("[h264 @ 0x..] error while decoding MB ..") go to fd 2 from C and
# would bury formcheck's messages; the damage they describe is reported in our words instead
# (formcheck.frames.damage). OpenCV reads this when its FFmpeg backend starts (first capture).
if not os.environ.get("FORMCHECK_DEBUG"):
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET

import cv2  # noqa: E402

from formcheck.errors import InputError  # noqa: E402
from formcheck.frames.core import (  # noqa: E402
    DEFAULT_FPS,
    Converter,
    Frame,
    FrameSource,
    format_time,
    normalise_rotation,
    rate_step,
    sane_fps,
    scaled_size,
    source_info,
)
from formcheck.frames.damage import DamageScan, video_damage  # noqa: E402
from formcheck.series.core import DecodeDamage  # noqa: E402

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".gif"})
# GIFs often store no usable frame delay; 10 fps is the common default of GIF players.
GIF_DEFAULT_FPS = 10.0
# Failed reads in a row before the file counts as ended. Corrupt bytes mid-file made OpenCV
# fail a handful of reads (6 on a sample clip with 4 kB overwritten) and then decode on; at
# the real end every read fails at once, so trying on costs nothing there.
MAX_FAILED_READS = 64
# Reads after a failure whose frames are placed by their time stamps (see _place).
PTS_WINDOW = 16

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
    first_pts_ms: float = 0.0  # presentation time of the first frame (frames are placed
    # by it only after a failed read)


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
        first_pts_ms=cap.get(cv2.CAP_PROP_POS_MSEC),
    )


class _VideoBase(FrameSource):
    """Shared opening logic of the plain and the paced video source."""

    # A paced source stands in for a camera: it reports no frame count.
    is_live: bool = False

    def __init__(
        self,
        path: Path,
        *,
        max_size: int | None = None,
        stride: int = 1,
        fps: float | None = None,
        start_s: float | None = None,
        end_s: float | None = None,
        rate: float | None = None,
        strict_rate: bool = True,
    ) -> None:
        is_live = self.is_live
        self.path = path
        probe = probe_video(path)
        self._probe: VideoProbe | None = probe
        self._cap: cv2.VideoCapture | None = probe.cap
        self.source_fps = float(fps) if fps is not None else probe.fps
        # The processing rate: every rate_step-th frame (the others are grabbed, not converted).
        try:
            stride = stride * rate_step(self.source_fps, rate, strict=strict_rate)
        except BaseException:
            probe.cap.release()
            raise
        self.stride = stride
        self.container_frame_count = probe.frame_count
        self.start_s, self.end_s = start_s, end_s
        self._first_pts_ms = probe.first_pts_ms
        # Original frame indices the last pass could not decode, and how many frames short
        # of the container's frame count it ended (see damage()).
        self.missing_indices: set[int] = set()
        self.shortfall = 0
        self._damage_window = 0  # reads left that are placed by their time stamps
        self._damage_scan: DamageScan | None = None  # started by scan_damage_ahead()
        # The range as frame indices (times are index / fps): the first frame at or after the
        # start, the last at or before the end (None: to the end of the file).
        frame_ms = 1000.0 / self.source_fps
        self.first_index = 0 if start_s is None else math.ceil(start_s * 1000.0 / frame_ms - 1e-6)
        self.last_index = None if end_s is None else math.floor(end_s * 1000.0 / frame_ms + 1e-6)
        count = probe.frame_count
        if count is not None and self.first_index >= count:
            probe.cap.release()
            raise self._past_end(count)
        if self.last_index is not None and self.last_index < self.first_index:
            probe.cap.release()
            raise InputError(
                f"{path.name}: no frame lies between {format_time(start_s or 0.0)} and "
                f"{format_time(end_s or 0.0)} (the video has {self.source_fps:g} frames a second).",
                "Widen the range given by --start/--end.",
            )
        first = probe.first_bgr
        height, width = first.shape[:2]
        if probe.manual_rotation in (90, 270):
            width, height = height, width
        size = scaled_size(width, height, max_size)
        self._convert = Converter(size, probe.manual_rotation)
        if count is not None and self.last_index is not None:
            count = min(count, self.last_index + 1)
        if count is not None:
            count -= self.first_index
        info = source_info(
            path.name,
            size,
            self.source_fps,
            None if is_live else count,
            stride,
            is_live=is_live,
            rotation_deg=probe.rotation_deg,
            start_s=None if start_s is None else float(start_s),
            end_s=None if end_s is None else float(end_s),
        )
        super().__init__(info)
        # Decode up to the start now, so a start past the end fails when the source opens.
        try:
            self._first = self._skip_to_start(probe)
        except BaseException:
            self.close()
            raise

    def _past_end(self, frames: int) -> InputError:
        duration = frames / self.source_fps
        return InputError(
            f"{self.path.name}: the range starts at {format_time(self.start_s or 0.0)}, past "
            f"the end of the file ({frames} frames, {format_time(round(duration, 2))} long).",
            "Choose a --start within the video, or leave it out to start at the beginning.",
        )

    def _skip_to_start(self, probe: VideoProbe) -> tuple[np.ndarray, int]:
        """The first frame of the range and its index, the capture positioned after it.

        Frames before the start are grabbed without the colour conversion (decoded, never
        converted). Not seeking by time: OpenCV's seek lands inexactly on some codecs, and
        the frame times here count decoded frames.
        """
        cap, bgr, index = probe.cap, probe.first_bgr, 0
        while index < self.first_index - 1:
            if not cap.grab():
                raise self._past_end(index + 1)
            index += 1
        if self.first_index > 0:
            ok, bgr = cap.read()
            if not ok or bgr is None:
                raise self._past_end(index + 1)
            index += 1
        return bgr, index

    def _start(self) -> tuple[cv2.VideoCapture, np.ndarray, int]:
        """The capture positioned after the range's first frame, that frame and its index
        (re-opens for a second pass)."""
        if self._probe is None:
            self._release()
            self._probe = probe_video(self.path)
            self._cap = self._probe.cap
            self._first = self._skip_to_start(self._probe)
        probe, self._probe = self._probe, None
        bgr, index = self._first
        return probe.cap, bgr, index

    def _in_range(self, index: int) -> bool:
        return self.last_index is None or index <= self.last_index

    def _frame(self, bgr: np.ndarray, index: int) -> Frame:
        return Frame(self._convert.bgr_to_rgb(bgr), index * 1000.0 / self.source_fps, index)

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._probe = None

    def _read_on(self, cap: cv2.VideoCapture, index: int) -> tuple[np.ndarray, int] | None:
        """The frame after ``index`` and its index, reading past frames that fail to decode
        (None at the end of the file)."""
        for failed in range(MAX_FAILED_READS):
            ok, bgr = cap.read()
            if ok and bgr is not None:
                if failed:
                    self._damage_window = PTS_WINDOW
                return bgr, self._place(cap, index)
        return None

    def _place(self, cap: cv2.VideoCapture, index: int) -> int:
        """The index of the frame just decoded, the one before being ``index``.

        Normally ``index + 1``. Within :data:`PTS_WINDOW` reads of a failure, by the frame's
        presentation time (never before ``index + 1``): FFmpeg's frame threads surface a lost
        frame a few reads late (a 4 kB overwrite failed 5 reads, then the next frames came
        1, 4 and 2 frames apart). The frames jumped over are recorded as missing.
        """
        if self._damage_window <= 0:
            return index + 1
        self._damage_window -= 1
        pts = cap.get(cv2.CAP_PROP_POS_MSEC) - self._first_pts_ms
        found = max(index + 1, round(pts * self.source_fps / 1000.0))
        if self.container_frame_count is not None:  # a wild time stamp cannot run past the end
            found = min(found, max(index + 1, self.container_frame_count - 1))
        self.missing_indices.update(range(index + 1, found))
        return found

    def scan_damage_ahead(self) -> DamageScan:
        """Start the PyAV damage scan of this source's range now, beside the pass that is
        about to read it (:class:`formcheck.frames.damage.DamageScan`); :meth:`damage` uses it."""
        if self._damage_scan is None:
            self._damage_scan = DamageScan(
                self.path, self.source_fps, self.first_index, self.last_index
            )
        return self._damage_scan

    @property
    def damage_scan(self) -> DamageScan | None:
        """The scan :meth:`scan_damage_ahead` started (None: none yet)."""
        return self._damage_scan

    def damage(self) -> DecodeDamage:
        """What the last pass could not decode whole (see :mod:`formcheck.frames.damage`)."""
        return video_damage(
            self.path,
            self.source_fps,
            set(self.missing_indices),
            self.shortfall,
            self.first_index,
            self.last_index,
            scan=self._damage_scan,
        )

    def _report_short_read(self, decoded: int) -> None:
        expected = self.container_frame_count
        if self.closed:  # close() cut the pass short; nothing is wrong with the file
            return
        if expected is not None and self.last_index is not None:
            expected = min(expected, self.last_index + 1)  # a range ends before the file
        if expected is not None and decoded < expected - 1:
            self.shortfall = expected - decoded
            log.debug(
                "%s: decoded %d of the %d frames the container lists; the file may be "
                "truncated or damaged.",
                self.path,
                decoded,
                expected,
            )


class VideoFileSource(_VideoBase):
    """Every ``stride``-th frame of a video file, decoded as fast as the consumer asks."""

    def _frames(self) -> Iterator[Frame]:
        cap, bgr, index = self._start()
        self.missing_indices.clear()
        self.shortfall = 0
        self._damage_window = 0
        while True:
            yield self._frame(bgr, index)
            if not self._in_range(index + self.stride):
                return  # the range ends before the next frame we would keep
            # grab() decodes without the colour conversion: enough for frames we skip. A
            # failed grab is left to the read below, which reads past damage.
            for _ in range(self.stride - 1):
                if not cap.grab():
                    self._damage_window = PTS_WINDOW
                    break
                index = self._place(cap, index)
            found = self._read_on(cap, index)
            if found is None:
                self._report_short_read(index + 1)
                return
            bgr, index = found
            if not self._in_range(index):
                return


class RealtimeVideoSource(_VideoBase):
    """A video file standing in for a camera.

    Frames are released at the file's own pace against the wall clock, starting when iteration
    starts. A consumer slower than the video gets the newest frame that is due; the frames it
    was too slow for are skipped and counted in ``dropped_frames``, as with a real camera.
    """

    is_live = True

    def _frames(self) -> Iterator[Frame]:
        cap, bgr, first = self._start()
        period_s = 1.0 / self.source_fps
        stride = self.stride
        # Playback starts at the range's first frame: frame ``first + k`` is due k periods in.
        current = first  # index of the frame held in ``bgr``
        served = first - stride  # last index handed out
        start = time.monotonic() - first * period_s
        while True:
            due = int((time.monotonic() - start) / period_s)  # newest frame whose time has come
            due -= (due - first) % stride
            target = max(served + stride, due)
            if not self._in_range(target):
                return
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
                    if (skipped - first) % stride == 0:
                        self.dropped_frames += 1
                if ok:
                    ok, bgr = cap.read()
                if not ok or bgr is None:
                    return
                current = target
            yield self._frame(bgr, current)
            served = current
