"""``--exercise auto`` live: recognise the exercise from the recent frames, in the background."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from formcheck.exercises import registry
from formcheck.pose.result import PoseResult
from formcheck.series.core import SourceInfo

if TYPE_CHECKING:
    from formcheck.engine.recognize import Recognition

CHECKING_EXERCISE = "Checking which exercise..."
UNSURE_EXERCISE = "Not sure which exercise yet: keep going, or restart with --exercise"


@dataclass(frozen=True)
class RecognitionSettings:
    """When ``--exercise auto`` decides. Seconds of the live source's own time."""

    min_s: float = 2.0  # detected span needed before the first try (one rep can mislead)
    every_s: float = 0.5  # how often to try again
    window_s: float = 10.0  # the recogniser reads at most this much recent history
    give_up_s: float = 12.0  # after this, take the best guess if it is fairly likely
    accept_unsure: float = 0.45  # ... at least this confident
    keep_s: float = 60.0  # frames kept to judge once it is known (bounded memory)
    background: bool = True  # recognise on a worker thread (keeps frame latency flat)


def recognise(results: Sequence[PoseResult], info: SourceInfo, model: str) -> Recognition:
    """Recognise the exercise from raw pose results, smoothed as the offline path smooths."""
    from formcheck.engine.pose_stage import SeriesBuilder
    from formcheck.engine.recognize import recognize_exercise
    from formcheck.series.smoothing import ButterworthSmoother

    builder = SeriesBuilder(info, model=model)
    for result in results:
        builder.append(result)
    series = builder.build()
    if len(series) > 1:
        series = ButterworthSmoother().smooth(series)
    return recognize_exercise(series)


class BackgroundRecogniser:
    """Runs the recogniser on the recent history every ``every_s`` until it is sure."""

    def __init__(self, info: SourceInfo, model: str, settings: RecognitionSettings) -> None:
        self.info = info
        self.model = model
        self.settings = settings
        self._results: deque[PoseResult] = deque()
        self._future: Future | None = None
        self._executor = (
            ThreadPoolExecutor(1, "formcheck recognise") if settings.background else None
        )
        self._last_try_ms = -math.inf
        self._first_ms: float | None = None
        self.latest: Recognition | None = None
        self.gave_up = False

    def _span_ms(self) -> float:
        detected = [r.time_ms for r in self._results if r.found]
        return detected[-1] - detected[0] if len(detected) > 1 else 0.0

    def feed(self, result: PoseResult) -> Recognition | None:
        """Add a frame; the accepted Recognition when there is one, else None."""
        s = self.settings
        t = float(result.time_ms)
        if self._first_ms is None:
            self._first_ms = t
        self._results.append(result)
        while self._results and self._results[0].time_ms < t - s.window_s * 1000.0:
            self._results.popleft()
        if self._future is not None and self._future.done():
            recognition, self._future = self._future.result(), None
            accepted = self._decide(recognition, t)
            if accepted is not None:
                return accepted
        due = t - self._last_try_ms >= s.every_s * 1000.0
        if self._future is None and due and self._span_ms() >= s.min_s * 1000.0:
            self._last_try_ms = t
            snapshot = list(self._results)
            if self._executor is not None:
                self._future = self._executor.submit(recognise, snapshot, self.info, self.model)
            else:
                return self._decide(recognise(snapshot, self.info, self.model), t)
        return None

    def _decide(self, recognition: Recognition, t: float) -> Recognition | None:
        self.latest = recognition
        if registry.find(recognition.exercise) is None:  # "other": never coached
            return None
        if recognition.sure:
            return recognition
        waited = t - (self._first_ms if self._first_ms is not None else t)
        if waited >= self.settings.give_up_s * 1000.0:
            self.gave_up = True
            if recognition.confidence >= self.settings.accept_unsure:
                return recognition
        return None

    def final(self) -> Recognition | None:
        """At the end of a set: one last, synchronous try on everything kept."""
        self.close()
        if not any(r.found for r in self._results):
            return None
        recognition = recognise(list(self._results), self.info, self.model)
        self.latest = recognition
        return recognition if registry.find(recognition.exercise) is not None else None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._future = None
