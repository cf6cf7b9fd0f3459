"""Pose estimation: the estimator interface, the MediaPipe backend (imported lazily) and a
replay backend.

``from formcheck.pose import PoseEstimator, PoseOptions, PoseResult, ReplayPoseEstimator`` never
imports mediapipe; ``MediaPipePoseEstimator`` loads it on first access.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# MediaPipe's C++ side logs setup chatter to stderr on every load; keep only errors. Set here,
# not in the backend: the backend may be imported on a thread of its own
# (formcheck.engine.imports), and changing the environment there would race OpenCV reading it
# on the thread that opens the video.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from formcheck.pose.estimator import FrameByFrameEstimator, PoseEstimator, PoseOptions
from formcheck.pose.replay import ReplayPoseEstimator
from formcheck.pose.result import PoseResult

if TYPE_CHECKING:
    from formcheck.pose.backend import MediaPipePoseEstimator


def __getattr__(name: str):
    if name == "MediaPipePoseEstimator":
        from formcheck.pose import backend

        return backend.MediaPipePoseEstimator
    raise AttributeError(name)


__all__ = [
    "FrameByFrameEstimator",
    "MediaPipePoseEstimator",
    "PoseEstimator",
    "PoseOptions",
    "PoseResult",
    "ReplayPoseEstimator",
]
