"""Webcams: a background thread keeps grabbing and the consumer always gets the newest frame.

A camera delivers frames whether or not anyone is ready for them; if the pose model is slower
than the camera, queued frames would make feedback lag further and further behind the lifter.
So only the newest frame is kept and older unserved ones are dropped (and counted).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np

from formcheck.errors import InputError
from formcheck.frames.core import (
    Converter,
    Frame,
    FrameSource,
    sane_fps,
    scaled_size,
    source_info,
)

# A camera that sends nothing for this long is treated as unplugged.
STALL_TIMEOUT_S = 5.0
# Consecutive failed reads tolerated (cameras hiccup, e.g. while adjusting exposure).
MAX_READ_FAILURES = 25


def _camera_hint(index: int) -> str:
    other = "--camera 0" if index != 0 else "--camera 1 if you have a second camera"
    return f"Check it is connected and not in use by another program; try {other}."


def open_camera(index: int, *, fps: float | None = None) -> tuple[cv2.VideoCapture, np.ndarray]:
    """Open camera ``index`` and read one frame, or raise InputError."""
    # OpenCV logs a page of backend errors for a missing camera; we report our own message.
    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        cap = cv2.VideoCapture(index)
    finally:
        cv2.utils.logging.setLogLevel(previous)
    if not cap.isOpened():
        cap.release()
        raise InputError(f"camera {index} could not be opened", _camera_hint(index))
    if fps is not None:
        cap.set(cv2.CAP_PROP_FPS, float(fps))
    # Some cameras return a few empty reads while they start up.
    deadline = time.monotonic() + STALL_TIMEOUT_S
    while time.monotonic() < deadline:
        ok, first = cap.read()
        if ok and first is not None and first.size:
            return cap, first
        time.sleep(0.05)
    cap.release()
    raise InputError(f"camera {index} opened but sent no frames", _camera_hint(index))


class CameraSource(FrameSource):
    """Newest-frame-only frames from an opened capture, timed by the wall clock.

    ``time_ms`` is monotonic milliseconds since the first frame was read. ``index`` counts
    every frame the camera delivered, so gaps in it show dropped frames. Any capture works,
    which lets tests drive this class with a video file instead of a camera.
    """

    def __init__(
        self,
        cap: cv2.VideoCapture,
        first_bgr: np.ndarray,
        *,
        name: str,
        max_size: int | None = None,
        stride: int = 1,
        fps: float | None = None,
        max_read_failures: int = MAX_READ_FAILURES,
    ) -> None:
        self._cap: cv2.VideoCapture | None = cap
        self.stride = stride
        self._max_failures = max_read_failures
        size = scaled_size(first_bgr.shape[1], first_bgr.shape[0], max_size)
        self._convert = Converter(size)
        nominal = float(fps) if fps is not None else sane_fps(cap.get(cv2.CAP_PROP_FPS))
        super().__init__(source_info(name, size, nominal, None, stride, is_live=True))
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._ended = False  # the camera stopped delivering (unplugged, end of a test file)
        self._t0 = time.monotonic()
        # The probe frame is the first "newest frame"; if the thread replaces it before anyone
        # asks, it counts as dropped like any other.
        self._latest: tuple[np.ndarray, float, int] | None = (first_bgr, 0.0, 0)
        self._thread = threading.Thread(target=self._grab_loop, name=f"{name} grabber", daemon=True)
        self._thread.start()

    def _grab_loop(self) -> None:
        cap = self._cap
        assert cap is not None
        index = 0
        last_ms = 0.0
        failures = 0
        try:
            while not self._stop.is_set():
                ok, bgr = cap.read()
                if not ok or bgr is None:
                    failures += 1
                    if failures > self._max_failures:
                        break
                    time.sleep(0.02)
                    continue
                failures = 0
                index += 1
                if index % self.stride:
                    continue
                # Strictly increasing even if two reads land in the same clock tick.
                last_ms = max((time.monotonic() - self._t0) * 1000.0, last_ms + 1e-3)
                with self._cond:
                    if self._latest is not None:
                        self.dropped_frames += 1
                    self._latest = (bgr, last_ms, index)
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()
            if self._stop.is_set():
                # close() may have given up waiting for us; the capture is ours to release.
                cap.release()

    def _frames(self) -> Iterator[Frame]:
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: self._latest is not None or self._ended or self._stop.is_set(),
                    timeout=STALL_TIMEOUT_S,
                )
                item, self._latest = self._latest, None
                ended = self._ended or self._stop.is_set()
            if item is None:
                if ended:
                    return
                raise InputError(
                    f"{self.info.name} stopped sending frames for {STALL_TIMEOUT_S:.0f} s.",
                    "Check the cable and that no other program took over the camera.",
                )
            bgr, time_ms, index = item
            yield Frame(self._convert.bgr_to_rgb(bgr), time_ms, index)

    def _release(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self._thread.join(timeout=2.0)
        if not self._thread.is_alive() and self._cap is not None:
            self._cap.release()
        # else: a read is blocked in the driver; the thread releases the capture when it returns.
        self._cap = None
        self._latest = None


def camera_source(
    index: int, *, max_size: int | None = None, stride: int = 1, fps: float | None = None
) -> CameraSource:
    """Open webcam ``index`` as a live source."""
    cap, first = open_camera(index, fps=fps)
    with contextlib.suppress(Exception):
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # fewer stale frames queued in the driver
    return CameraSource(
        cap, first, name=f"camera {index}", max_size=max_size, stride=stride, fps=fps
    )
