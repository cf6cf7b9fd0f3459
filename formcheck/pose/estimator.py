"""What the pose stage asks of a pose estimator, and what the MediaPipe one is built with.

No mediapipe here: options can be made, hashed and sent to worker processes, and a replay or a
test's stand-in can satisfy the interface, without importing it (a clip read from the landmark
cache never needs the model).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from formcheck.frames import Frame
    from formcheck.pose.result import PoseResult


@dataclass(frozen=True)
class PoseOptions:
    """What the MediaPipe backend is built with (the engine's options convert to this)."""

    model: str | Path | None = None  # path, variant name, or None for the default lookup
    with_masks: bool = False
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    people_check_ms: float = 2000.0  # 0 disables counting people


@runtime_checkable
class PoseEstimator(Protocol):
    """Anything that turns frames into :class:`PoseResult` (the model, or a replay).

    The pose stage and the live loop call exactly these. Per frame, either ``process(frame)``
    (one thread: a live camera) or ``prepare(frame)`` on the decode thread, then
    ``process_prepared(prepared)`` on the model's thread (recorded files: the image conversion
    and the people count overlap the tracker). ``prepare`` returns a value only
    ``process_prepared`` reads; each runs one frame at a time, in frame order, and both ways
    give the same result. An estimator with no set-up worth moving to the decode thread
    inherits :class:`FrameByFrameEstimator`.
    """

    name: str

    def process(self, frame: Frame) -> PoseResult: ...

    def prepare(self, frame: Frame) -> Any: ...

    def process_prepared(self, prepared: Any) -> PoseResult: ...

    def close(self) -> None: ...

    def __enter__(self) -> PoseEstimator: ...

    def __exit__(self, *exc: object) -> None: ...


class FrameByFrameEstimator:
    """The :class:`PoseEstimator` interface for an estimator that only implements ``process``.

    ``prepare`` hands the frame over unchanged and ``process_prepared`` processes it, so the
    two-thread path gives exactly what ``process`` gives; ``close`` has nothing to free.
    """

    name: str = "estimator"

    def process(self, frame: Frame) -> PoseResult:
        raise NotImplementedError

    def prepare(self, frame: Frame) -> Frame:
        return frame

    def process_prepared(self, prepared: Frame) -> PoseResult:
        return self.process(prepared)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
