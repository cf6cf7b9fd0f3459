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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import ModelError
from formcheck.model_store import ModelInfo, resolve_model
from formcheck.pose.result import PoseResult

# MediaPipe's C++ side logs setup chatter to stderr on every load; keep only errors.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import mediapipe as mp  # noqa: E402
from mediapipe.tasks.python import BaseOptions, vision  # noqa: E402


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Silence the C++ side's start-up chatter (TFLite, glog) written straight to fd 2.

    It ignores GLOG_minloglevel because logging is not initialised, and it would bury our own
    one-line messages. Only graph creation and the first frame are wrapped; FORMCHECK_DEBUG=1
    shows everything.
    """
    if os.environ.get("FORMCHECK_DEBUG"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except OSError:  # no real fd 2 (some notebook hosts): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@dataclass(frozen=True)
class PoseOptions:
    model: str | Path | None = None  # path, variant name, or None for the default lookup
    with_masks: bool = False
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    people_check_ms: float = 2000.0  # 0 disables counting people


def _landmark_arrays(landmarks, world_landmarks) -> tuple[np.ndarray, ...]:
    image = np.array([(p.x, p.y, p.z) for p in landmarks], dtype=np.float32)
    world = np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=np.float32)
    visibility = np.array([p.visibility or 0.0 for p in landmarks], dtype=np.float32)
    presence = np.array([p.presence or 0.0 for p in landmarks], dtype=np.float32)
    return image, world, visibility, presence


class MediaPipePoseEstimator:
    """Context-managed PoseLandmarker returning :class:`PoseResult` per RGB frame."""

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

    def _count_people(self, image: mp.Image, time_ms: float, tracked: bool) -> int:
        if self._counter is None:
            return int(tracked)
        due = (
            self._last_people_check is None
            or time_ms - self._last_people_check >= self.options.people_check_ms
        )
        if due:
            self._people = len(self._counter.detect(image).pose_landmarks)
            self._last_people_check = time_ms
        # The tracker can hold a person the detector misses (and vice versa).
        return max(self._people, int(tracked))

    def process_rgb(self, rgb: np.ndarray, time_ms: float) -> PoseResult:
        if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError("expected an (H, W, 3) uint8 RGB frame")
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._frames_seen < 2:
            # The graph logs once more on its first inferences.
            with quiet_native_logs():
                result = self._tracker.detect_for_video(image, self._timestamp(time_ms))
                tracked = bool(result.pose_landmarks)
                people = self._count_people(image, time_ms, tracked)
        else:
            result = self._tracker.detect_for_video(image, self._timestamp(time_ms))
            tracked = bool(result.pose_landmarks)
            people = self._count_people(image, time_ms, tracked)
        self._frames_seen += 1
        if not tracked:
            return PoseResult(time_ms=time_ms, num_people=people)
        arrays = _landmark_arrays(result.pose_landmarks[0], result.pose_world_landmarks[0])
        mask = None
        if result.segmentation_masks:
            # A copy, not numpy_view() itself: the view does not keep MediaPipe's buffer
            # alive, and reading it after the next frame crashes the process.
            mask = np.array(result.segmentation_masks[0].numpy_view(), dtype=np.float32)
            mask = mask.reshape(mask.shape[0], mask.shape[1])
        return PoseResult(time_ms, *arrays, num_people=people, mask=mask)

    def process(self, frame) -> PoseResult:
        """Pose of one :class:`formcheck.frames.Frame`."""
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
