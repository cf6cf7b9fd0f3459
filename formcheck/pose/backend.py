"""The MediaPipe PoseLandmarker, adapted to numpy. The only module that imports mediapipe.

The landmarker runs in VIDEO mode, which tracks the person from frame to frame and runs the
(slow) person detector only when tracking is lost. Live use calls the same synchronous
``process`` on the newest camera frame only; that keeps live and recorded results identical and
never builds a backlog (the frame source drops stale frames, see ``formcheck.frames``).

VIDEO mode with ``num_poses=1`` follows one person. Asking it for two poses would run the
detector on every frame (about twice the cost), so people are counted separately: every
``people_check_ms`` an IMAGE-mode landmarker looks for up to four people, and the count is
reported with every frame so callers can say "only one person in view please".
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from formcheck.errors import ModelError
from formcheck.pose.estimator import PoseOptions
from formcheck.pose.models import ModelInfo, resolve_model
from formcheck.pose.result import PoseResult

if TYPE_CHECKING:
    from formcheck.frames import Frame

# MediaPipe's C++ side logs setup chatter to stderr on every load; only errors are kept, by
# the environment set in formcheck.pose (on the main thread, before this module can load).
import mediapipe as mp  # noqa: E402
from mediapipe.tasks.python import BaseOptions, vision  # noqa: E402

_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: tuple[int, int] | None = None  # (saved fd 2, /dev/null fd) while silenced


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Silence the C++ side's start-up chatter (TFLite, glog) written straight to fd 2.

    It ignores GLOG_minloglevel because logging is not initialised, and it would bury our own
    one-line messages. Only graph creation and the first frames are wrapped; FORMCHECK_DEBUG=1
    shows everything. fd 2 is one per process and the people counter warms up on the decode
    thread while the tracker warms up on the main one, so the redirect is reference-counted:
    the first thread in saves fd 2, the last one out restores it (two independent dup2 pairs
    could otherwise "restore" /dev/null and lose stderr for good).
    """
    global _quiet_depth, _quiet_saved
    if os.environ.get("FORMCHECK_DEBUG"):
        yield
        return
    with _quiet_lock:
        if _quiet_depth == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except OSError:  # no real fd 2 (some notebook hosts): nothing to silence
                saved = -1
            if saved >= 0:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                _quiet_saved = (saved, devnull)
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _quiet_saved is not None:
                saved, devnull = _quiet_saved
                os.dup2(saved, 2)
                os.close(saved)
                os.close(devnull)
                _quiet_saved = None


@dataclass(frozen=True)
class PreparedFrame:
    """A frame converted for the model, with the people count taken on it (None: none due)."""

    time_ms: float
    image: mp.Image
    people: int | None


class _MaskBuffer:
    """Owns a segmentation mask's memory on numpy's behalf by holding MediaPipe's image.

    ``numpy_view()`` alone does not own its memory: once the ``mp.Image`` it came from is
    collected, the buffer goes back to MediaPipe and reading the view crashes the process.
    An array made from this object has it as its ``base`` (and so does every view numpy
    derives from that array), which ties the buffer's lifetime to the arrays that read it,
    and the 2 MB mask is not copied each frame.
    """

    def __init__(self, image: mp.Image) -> None:
        view = image.numpy_view()
        view = view.reshape(view.shape[0], view.shape[1])
        self._image = image
        self._view = view  # in case a mediapipe version hands out its own array, not a view
        self.__array_interface__ = view.__array_interface__


def _mask_array(image: mp.Image) -> np.ndarray:
    """(H, W) float32 read-only mask, valid for as long as any view of it is held."""
    return np.asarray(_MaskBuffer(image))


def _landmark_arrays(landmarks, world_landmarks) -> tuple[np.ndarray, ...]:
    image = np.array([(p.x, p.y, p.z) for p in landmarks], dtype=np.float32)
    world = np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=np.float32)
    visibility = np.array([p.visibility or 0.0 for p in landmarks], dtype=np.float32)
    presence = np.array([p.presence or 0.0 for p in landmarks], dtype=np.float32)
    return image, world, visibility, presence


class MediaPipePoseEstimator:
    """Context-managed PoseLandmarker returning :class:`PoseResult` per RGB frame.

    A :class:`~formcheck.pose.estimator.PoseEstimator`: ``prepare`` converts the image and
    counts people (run on the decode thread by the pose stage), ``process_prepared`` tracks.
    """

    def __init__(self, options: PoseOptions | None = None) -> None:
        self.options = options or PoseOptions()
        self.model: ModelInfo = resolve_model(self.options.model)
        self._tracker = self._create(vision.RunningMode.VIDEO, num_poses=1)
        self._counter = (
            self._create(
                vision.RunningMode.IMAGE, num_poses=4, masks=False, model=self._counter_model()
            )
            if self.options.people_check_ms > 0
            else None
        )
        self._last_timestamp = -1
        self._last_people_check: float | None = None
        self._people = 0
        self._frames_seen = 0

    @property
    def name(self) -> str:
        return f"blazepose-{self.model.variant}"

    def _counter_model(self) -> ModelInfo:
        # Counting people needs the detector, not fine landmarks: the lite bundle has the same
        # detector and a cheaper landmark stage, so use it when it is installed.
        try:
            return resolve_model("lite")
        except ModelError:
            return self.model

    def _create(self, mode, num_poses: int, masks: bool | None = None, model=None):
        model = model or self.model
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model.path)),
            running_mode=mode,
            num_poses=num_poses,
            min_pose_detection_confidence=self.options.min_detection_confidence,
            min_pose_presence_confidence=self.options.min_presence_confidence,
            min_tracking_confidence=self.options.min_tracking_confidence,
            output_segmentation_masks=self.options.with_masks if masks is None else masks,
        )
        try:
            with quiet_native_logs():
                return vision.PoseLandmarker.create_from_options(opts)
        except Exception as exc:  # mediapipe raises RuntimeError/ValueError with C++ text
            raise ModelError(
                f"The pose model {model.path} could not be loaded ({str(exc).strip()[:200]}).",
                "Rebuild it with 'python models/build.py' or pass --model PATH to a valid bundle.",
            ) from exc

    def _timestamp(self, time_ms: float) -> int:
        # VIDEO mode needs strictly increasing integer milliseconds.
        stamp = max(int(round(time_ms)), self._last_timestamp + 1)
        self._last_timestamp = stamp
        return stamp

    def prepare(self, frame: Frame) -> PreparedFrame:
        """The model's input for ``frame``, plus the people count when one is due.

        Safe to run on another thread than :meth:`process_prepared` (one thread at a time):
        the pose stage runs it on the decode thread, so the image copy and the counter's
        inference overlap the tracker instead of adding to it. The model leaves the second
        of two cores mostly idle (it keeps about 1.1 cores busy).
        """
        return self.prepare_rgb(frame.rgb, frame.time_ms)

    def prepare_rgb(self, rgb: np.ndarray, time_ms: float) -> PreparedFrame:
        if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError("expected an (H, W, 3) uint8 RGB frame")
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        return PreparedFrame(time_ms, image, self._count_people(image, time_ms))

    def _count_people(self, image: mp.Image, time_ms: float) -> int | None:
        """People in ``image`` if a count is due at ``time_ms``, else None."""
        if self._counter is None:
            return None
        due = (
            self._last_people_check is None
            or time_ms - self._last_people_check >= self.options.people_check_ms
        )
        if not due:
            return None
        first = self._last_people_check is None
        self._last_people_check = time_ms
        if first:
            # The counter logs on its first inference. On the decode thread this silences the
            # whole process for that one inference (fd 2 is shared), at the very start of a
            # clip, while the tracker's own first frames are silenced anyway.
            with quiet_native_logs():
                return len(self._counter.detect(image).pose_landmarks)
        return len(self._counter.detect(image).pose_landmarks)

    def process_prepared(self, prepared: PreparedFrame) -> PoseResult:
        """Run the tracker on a frame made ready by :meth:`prepare`."""
        stamp = self._timestamp(prepared.time_ms)
        if self._frames_seen < 2:
            with quiet_native_logs():  # the graph logs once more on its first inferences
                result = self._tracker.detect_for_video(prepared.image, stamp)
        else:
            result = self._tracker.detect_for_video(prepared.image, stamp)
        self._frames_seen += 1
        tracked = bool(result.pose_landmarks)
        if prepared.people is not None:
            self._people = prepared.people
        # Between checks the last count stands (0 without a counter). The tracker can hold a
        # person the detector misses, so a tracked frame always counts at least one.
        people = max(self._people, int(tracked))
        if not tracked:
            return PoseResult(time_ms=prepared.time_ms, num_people=people)
        arrays = _landmark_arrays(result.pose_landmarks[0], result.pose_world_landmarks[0])
        mask = _mask_array(result.segmentation_masks[0]) if result.segmentation_masks else None
        return PoseResult(prepared.time_ms, *arrays, num_people=people, mask=mask)

    def process_rgb(self, rgb: np.ndarray, time_ms: float) -> PoseResult:
        return self.process_prepared(self.prepare_rgb(rgb, time_ms))

    def process(self, frame: Frame) -> PoseResult:
        """Pose of one :class:`formcheck.frames.Frame` (prepare and track in this thread)."""
        return self.process_rgb(frame.rgb, frame.time_ms)

    def close(self) -> None:
        # Closing logs a line per accelerator on fd 2 ("DestroyAccelerator ..."): noise
        # between our own output lines, so it is silenced like the start-up chatter.
        with quiet_native_logs():
            for landmarker in (self._tracker, self._counter):
                if landmarker is not None:
                    landmarker.close()
        self._counter = None

    def __enter__(self) -> MediaPipePoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
