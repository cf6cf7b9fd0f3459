"""Pose estimation: the estimator interface, the MediaPipe backend (imported lazily) and a
replay backend.

``from formcheck.pose import PoseEstimator, PoseOptions, PoseResult, ReplayPoseEstimator`` never
imports mediapipe; ``MediaPipePoseEstimator`` loads it on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
