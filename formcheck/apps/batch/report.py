"""What batch scoring says about one clip: a :class:`ClipReport`, filled from the clip path."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from formcheck.frames.damage import describe_damage

if TYPE_CHECKING:
    from formcheck.engine.clip import ClipAnalysis
    from formcheck.exercises.base import ExerciseResult
    from formcheck.series.core import PoseSeries

Status = Literal["ok", "not_assessable", "error"]


class BatchWarning(UserWarning):
    """Something the whole batch should know once (e.g. the cache cannot be written)."""


@dataclass
class ClipReport:
    """The verdict on one clip, or why there is none.

    ``status``: ``ok`` (judged), ``not_assessable`` (read, but nobody or none of the
    registered exercises in it: ``reason`` says why) or ``error`` (could not be read or
    scored: ``error``). ``exercise_confidence`` is the recogniser's confidence with
    ``exercise="auto"``; None when the exercise was given. ``fault_counts`` maps fault code
    -> number of faults.
    """

    path: str
    status: Status
    exercise: str | None = None
    exercise_confidence: float | None = None
    variant: str | None = None
    reps: int | None = None
    fault_counts: dict[str, int] = field(default_factory=dict)
    duration_s: float | None = None
    hold_s: float | None = None
    good_form_s: float | None = None
    frames: int | None = None
    detection_rate: float | None = None
    reason: str | None = None
    error: str | None = None
    error_detail: str | None = None  # traceback of an unexpected error (a bug to report)
    result: ExerciseResult | None = None
    cache_hit: bool = False
    cache_key: str | None = None
    seconds: float = 0.0  # wall time spent on this clip
    cpu_s: float = 0.0  # CPU time of the worker process for it (wall >> CPU: it waited for a core)
    worker: str = ""  # host:pid that scored it
    peak_rss_mb: float | None = None  # of that worker process so far
    warnings: list[str] = field(default_factory=list)
    # What the decoder could not read whole (frames missing or damaged, an incomplete file),
    # in words with the time ranges; None when the file decoded whole or was not checked.
    damage: str | None = None
    log_set_id: int | None = None  # the set's id in the training log (score_clip(log_as=...))
    series: PoseSeries | None = field(default=None, repr=False)  # smoothed; score_clip only

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def fault_codes(self) -> list[str]:
        return sorted(self.fault_counts)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def fill(self, analysis: ClipAnalysis, keep_series: bool = False) -> None:
        """Take the clip path's landmarks and verdict (the series only if ``keep_series``)."""
        self.cache_hit = analysis.cache_hit
        self.cache_key = analysis.cache_key
        self.warnings.extend(analysis.warnings)
        self.frames = len(analysis.series)
        self.detection_rate = analysis.raw_detection_rate
        self.damage = describe_damage(analysis.series.source.damage)
        self._fill_verdict(analysis.result)
        if keep_series:
            self.series = analysis.series

    def _fill_verdict(self, result: ExerciseResult) -> None:
        self.result = result
        self.exercise = result.exercise
        self.variant = result.variant
        if result.recognition:
            self.exercise_confidence = float(result.recognition.get(result.exercise, 0.0))
        summary = result.summary
        self.duration_s = summary.duration_s
        if not result.assessable:
            self.status = "not_assessable"
            self.reason = result.reason
            return
        self.status = "ok"
        self.reps = len(result.reps)
        self.fault_counts = dict(sorted(Counter(f.code for f in result.faults).items()))
        self.hold_s = summary.hold_s
        self.good_form_s = summary.good_form_s
