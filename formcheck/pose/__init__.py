"""Pose estimation: the MediaPipe backend (imported lazily) and a replay backend.

``from formcheck.pose import PoseResult, ReplayPoseEstimator`` never imports mediapipe;
``MediaPipePoseEstimator`` and ``PoseOptions`` load it on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from formcheck.pose.replay import ReplayPoseEstimator
from formcheck.pose.result import PoseResult

if TYPE_CHECKING:
    from formcheck.pose.backend import MediaPipePoseEstimator, PoseOptions


class PoseEstimator(Protocol):
    """Anything that turns frames into :class:`PoseResult` (the model, or a replay)."""

    name: str

    def process(self, frame: Any) -> PoseResult: ...

    def close(self) -> None: ...


def __getattr__(name: str):
    if name in ("MediaPipePoseEstimator", "PoseOptions"):
        from formcheck.pose import backend

        return getattr(backend, name)
    raise AttributeError(name)


__all__ = [
    "MediaPipePoseEstimator",
    "PoseEstimator",
    "PoseOptions",
    "PoseResult",
    "ReplayPoseEstimator",
]
