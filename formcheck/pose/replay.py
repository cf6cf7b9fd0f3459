"""Serve a saved PoseSeries through the same interface as the live model.

Re-scoring a clip with other thresholds, or replaying it through the live loop, then needs no
model at all: each frame is answered with the stored row taken at the same time.
"""

from __future__ import annotations

import numpy as np

from formcheck.pose.estimator import FrameByFrameEstimator
from formcheck.pose.result import PoseResult
from formcheck.series.core import PoseSeries


class ReplayPoseEstimator(FrameByFrameEstimator):
    """Answers ``process(frame)`` from a saved series, matching frames by timestamp.

    A :class:`~formcheck.pose.estimator.PoseEstimator`: looking up a row is too cheap to move
    to the decode thread, so ``prepare`` passes the frame on (FrameByFrameEstimator).
    """

    def __init__(self, series: PoseSeries, tolerance_ms: float | None = None) -> None:
        self.series = series
        frame_ms = 1000.0 / series.fps if series.fps > 0 else 33.3
        # Half a frame: a frame between two stored rows is answered by neither.
        self.tolerance_ms = tolerance_ms if tolerance_ms is not None else frame_ms / 2
        self.name = f"replay:{series.model or 'unknown'}"

    def row_at(self, time_ms: float) -> int | None:
        times = self.series.time_ms
        if len(times) == 0:
            return None
        index = int(np.clip(np.searchsorted(times, time_ms), 0, len(times) - 1))
        candidates = [i for i in (index - 1, index) if 0 <= i < len(times)]
        best = min(candidates, key=lambda i: abs(times[i] - time_ms))
        return best if abs(times[best] - time_ms) <= self.tolerance_ms else None

    def process_rgb(self, rgb: np.ndarray | None, time_ms: float) -> PoseResult:
        row = self.row_at(time_ms)
        if row is None or not self.series.detected[row]:
            people = 0 if row is None else int(self.series.num_people[row])
            return PoseResult(time_ms=time_ms, num_people=people)
        s = self.series
        return PoseResult(
            time_ms=time_ms,
            image=s.image[row].copy(),
            world=s.world[row].copy(),
            visibility=s.visibility[row].copy(),
            presence=s.presence[row].copy(),
            num_people=int(s.num_people[row]),
        )

    def process(self, frame) -> PoseResult:
        return self.process_rgb(frame.rgb, frame.time_ms)
