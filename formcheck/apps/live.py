"""The live coaching loop: newest frame -> pose -> One Euro -> rules -> cue and overlay.

Two pieces, neither of which opens a window:

* :class:`LiveCoach` turns one frame and its pose into everything a person should see or hear
  for it: setup guidance, the rule session's events, at most one cue (:class:`CuePolicy`), the
  rep counter or hold timer, and the :class:`~formcheck.outputs.overlay.OverlayState` to draw. It also
  recognises the exercise first when asked for ``auto``, and closes sets into
  :class:`SetRecord` summaries.
* :func:`run_live` drives a coach from a frame source and a pose estimator, shows frames on an
  optional :class:`Display` (``formcheck.cli.live`` supplies the OpenCV window; without one the
  loop runs headless), handles the keys, speaks cues, and saves the summary JSON whenever a set
  ends, however it ends (key, end of file, camera unplugged, Ctrl-C, a crash).

Never a backlog: a frame is taken from the source only when the loop is ready for it, and
live sources (cameras, files played in real time) hand out only their newest frame, dropping
the ones the loop was too slow for. The model runs on a worker thread one frame ahead of the
judge (MediaPipe releases the GIL while it infers), so the loop runs at the model's own pace
rather than model plus judge, and a cue comes one model step plus one judging step after its
frame. Each frame's *latency* (from the moment the source handed it over to the moment its
cue, if any, was printed and spoken) and, for live sources, its *lag* (how far its capture
time was behind the wall clock on arrival) are measured and reported.

Rules are the very same causal sessions used offline (``ExerciseRule.session()``), fed
:func:`formcheck.features.frame_input.frame_input_from_result` rows, so a set judged live is judged as it
would be afterwards, up to the smoothing (causal One Euro live, zero-phase Butterworth offline).
"""

from __future__ import annotations

import json
import math
import os
import queue
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from formcheck.engine.analyze import (
    EXERCISE_NAMES,
    EXERCISES,
    load_rule_configs,
    normalise_exercise,
    rule_classes,
)
from formcheck.errors import InputError
from formcheck.exercises.base import Event, ExerciseResult, FrameInput, RuleSession, SetSummary
from formcheck.features.frame_input import frame_observation
from formcheck.features.view import MIN_EXTENT_FRAC, FrameView
from formcheck.frames import CameraSource, Frame, FrameSource
from formcheck.outputs.overlay import format_clock
from formcheck.outputs.speech import Cue, CuePolicy, NullSpeaker, Speaker
from formcheck.pose.result import PoseResult
from formcheck.series.core import SourceInfo
from formcheck.series.smoothing import OneEuroSmoother

# ----------------------------------------------------------------------------- setup guidance
SETUP_NOBODY = "Step into view"
SETUP_CROWD = "Only one person in view please"
SETUP_FEET = "Step back, your feet are out of frame"
SETUP_HEAD = "Step back, your head is out of frame"
SETUP_SMALL = "Come closer to the camera"
SETUP_TURN = "Turn side-on to the camera"
SETUP_OBLIQUE = "Turn a little more side-on to the camera"
CHECKING_EXERCISE = "Checking which exercise..."
UNSURE_EXERCISE = "Not sure which exercise yet: keep going, or restart with --exercise"
# While one of these is shown nothing can be judged reliably, so no fault cue is given.
# "Come closer" and "a little more side-on" are hints for setting up, shown until the first rep
# or hold: the rules still judge (with lower confidence) and say when a view is unusable.
BLOCKING_SETUP = frozenset({SETUP_NOBODY, SETUP_CROWD, SETUP_FEET, SETUP_HEAD, SETUP_TURN})


def setup_issue(frame: FrameInput, view: FrameView) -> str | None:
    """What the person should change before this frame can be judged (None: nothing)."""
    if not frame.detected:
        return SETUP_NOBODY
    if frame.num_people > 1:
        return SETUP_CROWD
    if "feet" in view.out_of_frame:
        return SETUP_FEET
    if "head" in view.out_of_frame:
        return SETUP_HEAD
    if "hips" in view.out_of_frame:
        return SETUP_NOBODY
    if view.extent_frac < MIN_EXTENT_FRAC:
        return SETUP_SMALL
    if view.view == "front":
        return SETUP_TURN
    if view.view == "oblique":
        return SETUP_OBLIQUE
    return None


class SetupGuide:
    """Debounces per-frame setup issues into a steady message (no flicker at a boundary).

    A message appears once its issue holds in at least ``share`` of the frames of the last
    ``window_s``, and goes once that share of frames is fine.
    """

    def __init__(self, window_s: float = 0.6, share: float = 0.6) -> None:
        self.window_ms = window_s * 1000.0
        self.share = share
        self._recent: deque[tuple[float, str | None]] = deque()
        self.message: str | None = None

    def update(self, time_ms: float, issue: str | None) -> str | None:
        self._recent.append((time_ms, issue))
        while self._recent and self._recent[0][0] < time_ms - self.window_ms:
            self._recent.popleft()
        counts = Counter(i for _, i in self._recent)
        total = len(self._recent)
        if self.message is not None and counts[None] >= self.share * total:
            self.message = None
        top = max((i for i in counts if i is not None), key=lambda i: counts[i], default=None)
        if top is not None and counts[top] >= self.share * total:
            self.message = top
        return self.message

    def reset(self) -> None:
        self._recent.clear()
        self.message = None


# ----------------------------------------------------------------------------- recognition
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


def _recognise(results: Sequence[PoseResult], info: SourceInfo, model: str):
    """Recognise the exercise from raw pose results, smoothed as the offline path smooths."""
    from formcheck.engine.recognize import recognize_exercise
    from formcheck.pose.stage import SeriesBuilder
    from formcheck.series.smoothing import ButterworthSmoother

    builder = SeriesBuilder(info, model=model)
    for result in results:
        builder.append(result)
    series = builder.build()
    if len(series) > 1:
        series = ButterworthSmoother().smooth(series)
    return recognize_exercise(series)


class _Recogniser:
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
        self.latest = None  # the last Recognition
        self.gave_up = False

    def _span_ms(self) -> float:
        detected = [r.time_ms for r in self._results if r.found]
        return detected[-1] - detected[0] if len(detected) > 1 else 0.0

    def feed(self, result: PoseResult):
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
                self._future = self._executor.submit(_recognise, snapshot, self.info, self.model)
            else:
                return self._decide(_recognise(snapshot, self.info, self.model), t)
        return None

    def _decide(self, recognition, t: float):
        self.latest = recognition
        if recognition.exercise not in EXERCISES:
            return None
        if recognition.sure:
            return recognition
        waited = t - (self._first_ms if self._first_ms is not None else t)
        if waited >= self.settings.give_up_s * 1000.0:
            self.gave_up = True
            if recognition.confidence >= self.settings.accept_unsure:
                return recognition
        return None

    def final(self):
        """At the end of a set: one last, synchronous try on everything kept."""
        self.close()
        if not any(r.found for r in self._results):
            return None
        recognition = _recognise(list(self._results), self.info, self.model)
        self.latest = recognition
        return recognition if recognition.exercise in EXERCISES else None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._future = None


# ----------------------------------------------------------------------------- records
def stats_ms(values: Sequence[float]) -> dict[str, float | int | None]:
    """Median, 95th percentile and maximum of a list of milliseconds (None when empty)."""
    arr = np.asarray([v for v in values if math.isfinite(v)], dtype=np.float64)
    if arr.size == 0:
        return {"count": 0, "median": None, "p95": None, "max": None}
    return {
        "count": int(arr.size),
        "median": round(float(np.median(arr)), 2),
        "p95": round(float(np.percentile(arr, 95)), 2),
        "max": round(float(arr.max()), 2),
    }


def _now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class SetRecord:
    """One finished set: the rules' verdict plus what happened live."""

    index: int  # 1-based
    exercise: str  # deadlift | plank | kbswing | other (not recognised)
    result: ExerciseResult
    ended_by: str  # quit | new_set | source_ended | disconnected | interrupted | error | ...
    started_at: str  # wall-clock ISO time
    ended_at: str
    start_ms: float  # source time of the first and last frame judged
    end_ms: float
    frames: int
    dropped_frames: int
    cues: list[Cue] = field(default_factory=list)
    latency_ms: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return max(0.0, (self.end_ms - self.start_ms) / 1000.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.index,
            "exercise": self.exercise,
            "ended_by": self.ended_by,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_s": round(self.duration_s, 3),
            "frames": self.frames,
            "dropped_frames": self.dropped_frames,
            "cues": [c.to_dict() for c in self.cues],
            "latency_ms": self.latency_ms,
            "result": self.result.to_dict(),
        }

    def summary_lines(self) -> list[str]:
        """A short set summary for the terminal."""
        r = self.result
        name = EXERCISE_NAMES.get(self.exercise, "exercise not recognised")
        lines = [f"Set {self.index}: {name}, {self.duration_s:.0f} s ({self.ended_by})"]
        if not r.assessable:
            lines.append(f"  not assessed: {r.reason}")
            return lines
        summary = r.summary
        if self.exercise == "plank":
            lines.append(
                f"  held {summary.hold_s or 0:.1f} s, good form {summary.good_form_s or 0:.1f} s"
            )
            if summary.form_broke_ms is not None:
                lines.append(f"  form broke at {summary.form_broke_ms / 1000:.1f} s")
        else:
            tempo = f", {summary.mean_rep_s:.1f} s per rep" if summary.mean_rep_s else ""
            lines.append(f"  reps: {summary.rep_count}{tempo}")
        if r.faults:
            by_code: dict[str, list] = {}
            for fault in r.faults:
                by_code.setdefault(fault.code, []).append(fault)
            for code, faults in by_code.items():
                reps = sorted({f.rep for f in faults if f.rep is not None})
                where = f" (reps {', '.join(map(str, reps))})" if reps else ""
                lines.append(f"  {code.replace('_', ' ')}{where}: {faults[0].cue}")
        else:
            lines.append("  no faults found")
        lines.extend(f"  not judged: {code}: {why}" for code, why in r.not_judged.items())
        lines.extend(f"  advice: {advice}" for advice in summary.advice[:2])
        return lines


@dataclass
class FrameReport:
    """What the coach made of one frame."""

    frame_input: FrameInput
    events: list[Event]
    cue: Cue | None
    setup_message: str | None  # the setup box (guidance, or "Checking which exercise...")
    lines: list[tuple[str, str]]  # (label, message) to print, in order
    overlay: Any  # formcheck.outputs.overlay.OverlayState
    landmarks_px: np.ndarray | None
    speech: str | None = None  # what to say aloud: the cue's phrase, or new setup guidance


# ----------------------------------------------------------------------------- the coach
class LiveCoach:
    """Per-frame live judge for one source (frames of one size); see the module docstring.

    ``exercise`` is ``auto`` or one of :data:`formcheck.engine.analyze.EXERCISES`; ``configs`` the
    rule configs (:func:`formcheck.engine.analyze.load_rule_configs`); ``policy`` picks the cues.
    """

    def __init__(
        self,
        source: SourceInfo,
        *,
        exercise: str = "auto",
        configs: dict[str, Any] | None = None,
        policy: CuePolicy | None = None,
        recognition: RecognitionSettings | None = None,
        model: str = "",
        mirrored: bool = False,
        cue_hold_s: float = 4.0,
        smoother: OneEuroSmoother | None = None,
    ) -> None:
        self.info = source
        self.width, self.height = int(source.width), int(source.height)
        self.requested = normalise_exercise(exercise)
        self.exercise: str | None = None if self.requested == "auto" else self.requested
        self.configs = configs if configs is not None else load_rule_configs()
        self.policy = policy or CuePolicy()
        self.recognition_settings = recognition or RecognitionSettings()
        self.model = model
        self.mirrored = mirrored
        self.paused = False
        self.cue_hold_ms = cue_hold_s * 1000.0
        self.smoother = smoother or OneEuroSmoother()
        self.guide = SetupGuide()
        self.sets: list[SetRecord] = []
        self.fps: float | None = None
        self._annotator = None
        self._recognition = None  # the accepted Recognition, kept across sets
        self._last_time_ms = -math.inf
        self._start_set()

    # ------------------------------------------------------------------ set state
    def _start_set(self) -> None:
        self._set_index = len(self.sets) + 1
        self._session: RuleSession | None = None
        self._recogniser: _Recogniser | None = None
        self._pending: deque[FrameInput] = deque()
        if self.requested == "auto":
            # Each set is recognised afresh: people switch exercises between sets.
            self.exercise = None
            self._recognition = None
        if self.exercise is not None:
            self._session = self._new_session(self.exercise)
        else:
            self._recogniser = _Recogniser(self.info, self.model, self.recognition_settings)
        self._started_at = _now_iso()
        self._first_ms: float | None = None
        self._last_ms: float | None = None
        self._frames = 0
        self._cues: list[Cue] = []
        self._latency: list[float] = []
        self._reps = 0
        self._hold_start: float | None = None
        self._last_hold_s: float | None = None
        self._form_broke_ms: float | None = None
        self._shown: Cue | None = None
        self._setup_shown: str | None = None
        self._checking_said = False
        self._under_way = False  # a rep or a hold has started in this set
        self._unsure_said = False
        self.policy.reset()
        self.guide.reset()

    def _new_session(self, exercise: str) -> RuleSession:
        rule_cls, _ = rule_classes()[exercise]
        return rule_cls(self.configs[exercise]).session()

    @property
    def set_index(self) -> int:
        return self._set_index

    @property
    def frames_in_set(self) -> int:
        return self._frames

    @property
    def checking(self) -> bool:
        """Still finding out which exercise this is."""
        return self._session is None

    # ------------------------------------------------------------------ per frame
    def _smooth(self, result: PoseResult) -> PoseResult:
        if not result.found or result.world is None:
            return result
        image, world = self.smoother.step(result.time_ms, result.image, result.world)
        return replace(result, image=image.astype(np.float32), world=world.astype(np.float32))

    def process(self, frame: Frame, result: PoseResult) -> FrameReport:
        """Judge one frame (frames in time order) given the model's result for it."""
        from formcheck.features.silhouette import back_profile_measure

        t = float(frame.time_ms)
        if not t > self._last_time_ms:
            raise InputError(
                f"frame times must increase; got {t} ms after {self._last_time_ms} ms.",
                "Feed frames in the order the source gives them.",
            )
        self._last_time_ms = t
        if self._first_ms is None:
            self._first_ms = t
        self._last_ms = t
        self._frames += 1

        extras = None
        if result.mask is not None:  # the silhouette measure, as the offline pipeline takes it
            extras = {"back_profile": back_profile_measure(frame, result)}
        smoothed = self._smooth(result)
        fi, view = frame_observation(smoothed, self.width, self.height, extras)
        lines: list[tuple[str, str]] = []

        issue = setup_issue(fi, view)
        if issue not in BLOCKING_SETUP and self._under_way:
            # Hints are for setting up; once reps or a hold are under way they would only nag
            # (the view estimate wobbles through a movement) and the rules still judge.
            issue = None
        setup = self.guide.update(t, issue)
        speech = None
        if setup != self._setup_shown:
            lines.append(("setup", setup or "Setup OK"))
            self._setup_shown = setup
            # Said aloud too: the person is often too far from the screen to read it.
            speech = setup
        if self._session is None and not self._checking_said:
            lines.append(("exercise", CHECKING_EXERCISE))
            self._checking_said = True

        events: list[Event] = []
        if self._session is None:
            events += self._recognition_step(result, fi, lines)
        else:
            events += self._session.update(fi)

        cue = None
        if setup not in BLOCKING_SETUP:
            cue = self.policy.offer(events, t)
        for event in events:
            self._count(event)
            if event.kind in ("rep", "hold_started", "hold_ended"):
                lines.append((event.kind.replace("_", " "), event.message))
        if cue is not None:
            self._cues.append(cue)
            self._shown = cue
            lines.append(("cue", cue.message))
            speech = cue.phrase

        landmarks_px = None
        if smoothed.found:
            landmarks_px = smoothed.image[:, :2].astype(np.float64) * (self.width, self.height)
        message = setup
        if self._session is None:
            unsure = self._recogniser is not None and self._recogniser.gave_up
            if unsure and not self._unsure_said:
                lines.append(("exercise", UNSURE_EXERCISE))
                self._unsure_said = True
            if message is None:
                message = UNSURE_EXERCISE if unsure else CHECKING_EXERCISE
        overlay = self._overlay(fi, smoothed, landmarks_px, message, t)
        return FrameReport(fi, events, cue, message, lines, overlay, landmarks_px, speech)

    def record_latency(self, latency_ms: float) -> None:
        """Note the frame-to-cue latency the loop measured for the last frame (set summary)."""
        self._latency.append(float(latency_ms))

    def _recognition_step(
        self, raw: PoseResult, fi: FrameInput, lines: list[tuple[str, str]]
    ) -> list[Event]:
        assert self._recogniser is not None
        self._pending.append(fi)
        keep = self.recognition_settings.keep_s * 1000.0
        while self._pending and self._pending[0].time_ms < fi.time_ms - keep:
            self._pending.popleft()
        accepted = self._recogniser.feed(raw)
        if accepted is None:
            return []
        lines.append(("exercise", self._accept(accepted)))
        return self._replay_pending()

    def _accept(self, recognition) -> str:
        self._recognition = recognition
        self.exercise = recognition.exercise
        if self._recogniser is not None:
            self._recogniser.close()
        self._session = self._new_session(recognition.exercise)
        sure = "" if recognition.sure else ", not sure: pass --exercise to be explicit"
        return (
            f"{EXERCISE_NAMES[recognition.exercise]} ({recognition.confidence:.0%}{sure}; "
            f"{recognition.reason})"
        )

    def _replay_pending(self) -> list[Event]:
        """Feed the frames seen while recognising to the new session (nothing is lost)."""
        assert self._session is not None
        events: list[Event] = []
        while self._pending:
            events += self._session.update(self._pending.popleft())
        return events

    def _count(self, event: Event) -> None:
        if event.kind in ("rep", "hold_started"):
            self._under_way = True
        if event.kind == "rep":
            self._reps += 1
        elif event.kind == "hold_started":
            self._hold_start = event.time_ms
            self._form_broke_ms = None
        elif event.kind == "hold_ended":
            if self._hold_start is not None:
                self._last_hold_s = (event.time_ms - self._hold_start) / 1000.0
            self._hold_start = None
        elif event.kind == "form_broke":
            self._form_broke_ms = event.time_ms

    def counter_text(self, now_ms: float) -> str:
        """``Reps 3``, or for planks ``Hold 0:42 · good form 0:35``."""
        if self.exercise is None:
            return ""
        if self.exercise != "plank":
            return f"Reps {self._reps}"
        if self._hold_start is not None:
            held = (now_ms - self._hold_start) / 1000.0
            good_end = self._form_broke_ms if self._form_broke_ms is not None else now_ms
            good = max(0.0, (good_end - self._hold_start) / 1000.0)
            return f"Hold {format_clock(held)} · good form {format_clock(good)}"
        if self._last_hold_s is not None:
            return f"Held {format_clock(self._last_hold_s)}"
        return "Hold 0:00"

    def _overlay(
        self,
        fi: FrameInput,
        smoothed: PoseResult,
        landmarks_px: np.ndarray | None,
        setup: str | None,
        now_ms: float,
    ):
        from formcheck.outputs.overlay import KEY_ANGLES, OverlayState

        shown = self._shown
        if shown is not None and now_ms - shown.time_ms > self.cue_hold_ms:
            shown = self._shown = None
        exercise = self.exercise or "auto"
        angles = {
            label: float(fi.features.get(name, math.nan))
            for label, name in KEY_ANGLES.get(exercise, KEY_ANGLES.get("other", ()))
        }
        return OverlayState(
            landmarks_px=landmarks_px,
            visibility=smoothed.visibility if smoothed.found else None,
            exercise=exercise,
            angles=angles,
            counter=self.counter_text(now_ms),
            cue=shown.message if shown else None,
            fault_code=shown.code if shown else None,
            fault_severity=(1.0 if shown.kind == "form_broke" else shown.severity)
            if shown
            else 0.0,
            setup_message=setup,
            paused=self.paused,
            mirrored=self.mirrored,
            fps=self.fps,
        )

    # ------------------------------------------------------------------ drawing
    def render(self, frame: Frame, overlay) -> np.ndarray:
        """The frame as BGR with the overlay drawn (a new array; the frame is not touched)."""
        from formcheck.outputs.overlay import Annotator

        if self._annotator is None:
            self._annotator = Annotator(frame.width, frame.height)
        bgr = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
        return self._annotator.annotate(bgr, overlay)

    # ------------------------------------------------------------------ sets
    def end_set(self, ended_by: str, dropped_frames: int = 0) -> SetRecord | None:
        """Close the current set (None if it saw no frames) and start a new one."""
        record = None
        if self._frames > 0:
            record = self._close_set(ended_by, dropped_frames)
            self.sets.append(record)
        elif self._recogniser is not None:
            self._recogniser.close()
        self._start_set()
        return record

    def _close_set(self, ended_by: str, dropped_frames: int) -> SetRecord:
        if self._session is None and self._recogniser is not None:
            # The set ended before the exercise was clear: one last try on all of it.
            accepted = self._recogniser.final()
            if accepted is not None:
                self._accept(accepted)
                self._replay_pending()
        if self._recogniser is not None:
            self._recogniser.close()
        start = self._first_ms if self._first_ms is not None else 0.0
        end = self._last_ms if self._last_ms is not None else start
        if self._session is not None:
            result = self._session.finish()
            exercise = self.exercise or "other"
        else:
            latest = self._recogniser.latest if self._recogniser else None
            why = f" ({latest.reason})" if latest is not None else ""
            result = ExerciseResult(
                exercise="other",
                assessable=False,
                reason="could not tell which exercise this is"
                + why
                + "; choose one with --exercise",
                summary=SetSummary(duration_s=(end - start) / 1000.0),
            )
            if latest is not None:
                result.recognition = dict(latest.scores)
            exercise = "other"
        if self._recognition is not None and self.requested == "auto":
            result.recognition = dict(self._recognition.scores)
        return SetRecord(
            index=self._set_index,
            exercise=exercise,
            result=result,
            ended_by=ended_by,
            started_at=self._started_at,
            ended_at=_now_iso(),
            start_ms=start,
            end_ms=end,
            frames=self._frames,
            dropped_frames=int(dropped_frames),
            cues=list(self._cues),
            latency_ms=stats_ms(self._latency),
        )

    def close(self) -> None:
        if self._recogniser is not None:
            self._recogniser.close()


# ----------------------------------------------------------------------------- displays
KEY_QUIT = frozenset({ord("q"), ord("Q"), 27})  # 27: Esc
KEY_PAUSE = frozenset({ord(" ")})
KEY_NEW_SET = frozenset({ord("r"), ord("R")})
KEY_MIRROR = frozenset({ord("m"), ord("M")})


class Display(Protocol):
    """Where frames are shown and keys read (an OpenCV window, or nothing)."""

    def show(self, bgr: np.ndarray) -> None: ...

    def poll_key(self, wait_ms: int = 1) -> int | None:
        """A key pressed since the last call (an ord() code), or None."""
        ...

    def close(self) -> None: ...


# ----------------------------------------------------------------------------- pose stage
@dataclass
class _Posed:
    """A frame with its pose, and when the source handed the frame over."""

    frame: Frame
    result: PoseResult
    arrival: float  # time.perf_counter() when the source gave the frame
    pose_ms: float
    generation: int = 0


class _SyncStage:
    """Read a frame, run the model, return: one step at a time, in the caller's thread."""

    def __init__(self, source: FrameSource, estimator) -> None:
        self._frames = iter(source)
        self._estimator = estimator

    def next(self) -> _Posed:
        frame = next(self._frames)  # StopIteration / InputError go to the caller
        arrival = time.perf_counter()
        result = self._estimator.process(frame)
        return _Posed(frame, result, arrival, (time.perf_counter() - arrival) * 1000.0)

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def close(self) -> None:
        pass


_END = object()
# GIL switch interval while the pose stage runs on its own thread (see run_live).
GIL_SWITCH_INTERVAL_S = 0.0005


class _ThreadedStage:
    """The source and the model on a worker thread, one frame ahead of the judge.

    MediaPipe releases the GIL while it infers, so the model works on the next frame while the
    judge (features, rules, drawing) works on this one: the loop runs at the model's pace
    instead of model plus judge. The worker fetches a frame only once the judge has taken the
    previous one, so at most one frame waits and it waits for at most one judging step; a live
    source still serves its newest frame at that moment. A file played as fast as possible is
    also decoded one frame ahead on a second thread (a live source must not be, or it would
    serve old frames).
    """

    def __init__(self, source: FrameSource, estimator) -> None:
        self._estimator = estimator
        self._cond = threading.Condition()
        self._slot: object | None = None  # a _Posed, _END, or an exception for the judge
        self._running = True  # False while paused
        self._stop = threading.Event()
        self._generation = 0
        self._live = source.info.is_live
        self._threads: list[threading.Thread] = []
        # Pairs of (frame, the estimator's prepared input or None). A file is decoded ahead,
        # and the estimator's per-frame set-up (image conversion, people count) runs there too,
        # off the model's thread, as in the offline pose stage.
        prepare = getattr(estimator, "prepare", None)
        if source.info.is_live:
            self._frames: Iterator[tuple[Frame, object]] = ((f, None) for f in iter(source))
        else:
            self._frames = self._prefetch(iter(source), prepare)
        self._worker = self._start(self._work, "formcheck pose")

    def _start(self, target: Callable[[], None], name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()
        return thread

    def _prefetch(
        self, frames: Iterator[Frame], prepare: Callable[[Frame], object] | None
    ) -> Iterator[tuple[Frame, object]]:
        decoded: queue.Queue = queue.Queue(maxsize=2)

        def put(item: object) -> bool:
            while not self._stop.is_set():
                try:
                    decoded.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            try:
                for frame in frames:
                    if not put((frame, None if prepare is None else prepare(frame))):
                        return
                put(_END)
            except BaseException as exc:  # handed to the worker, which hands it on
                put(exc)

        self._start(read, "formcheck decode")

        def served() -> Iterator[tuple[Frame, object]]:
            while True:
                try:
                    item = decoded.get(timeout=0.05)
                except queue.Empty:
                    if self._stop.is_set():
                        return
                    continue
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item

        return served()

    def _hand_over(self, item: object) -> None:
        with self._cond:
            self._slot = item
            self._cond.notify_all()

    def _work(self) -> None:
        try:
            while True:
                with self._cond:
                    # Wait until the judge has taken the last frame (and is not paused).
                    self._cond.wait_for(
                        lambda: self._stop.is_set() or (self._slot is None and self._running)
                    )
                    if self._stop.is_set():
                        return
                    generation = self._generation
                frame, prepared = next(self._frames)
                arrival = time.perf_counter()
                if prepared is None:
                    result = self._estimator.process(frame)
                else:
                    result = self._estimator.process_prepared(prepared)
                pose_ms = (time.perf_counter() - arrival) * 1000.0
                self._hand_over(_Posed(frame, result, arrival, pose_ms, generation))
        except StopIteration:
            self._hand_over(_END)
        except BaseException as exc:  # InputError (camera gone) or a crash: the loop decides
            self._hand_over(exc)

    def next(self) -> _Posed:
        while True:
            with self._cond:
                # A timeout keeps Ctrl-C responsive in the main thread.
                self._cond.wait_for(lambda: self._slot is not None, timeout=0.1)
                item, self._slot = self._slot, None
                if item is None:
                    if self._worker.is_alive():
                        continue
                    raise StopIteration
                self._cond.notify_all()
            if item is _END:
                raise StopIteration
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, _Posed)
            if item.generation == self._generation:
                return item
            # else: posed before a pause; the person has moved on since.

    def pause(self) -> None:
        with self._cond:
            self._running = False

    def resume(self) -> None:
        with self._cond:
            if self._live:  # a file played as fast as possible has no "present" to catch up to
                self._generation += 1
            self._running = True
            self._cond.notify_all()

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5.0)


# ----------------------------------------------------------------------------- the loop
@dataclass
class LiveRun:
    """Everything a live run produced: the sets and the loop's timing."""

    source: SourceInfo
    model: str
    started_at: str
    sets: list[SetRecord] = field(default_factory=list)
    ended_by: str = "running"
    error: str | None = None
    frames: int = 0  # frames judged
    dropped_frames: int = 0  # frames a live source skipped because the loop was busy
    elapsed_s: float = 0.0
    latency_ms: list[float] = field(default_factory=list)  # per frame: arrival -> cue emitted
    pose_ms: list[float] = field(default_factory=list)  # per frame: the model alone
    lag_ms: list[float] = field(default_factory=list)  # per frame: capture -> arrival (live)
    summary_path: Path | None = None

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        from formcheck import __version__

        return {
            "formcheck": __version__,
            "kind": "live_session",
            "source": self.source.to_dict(),
            "model": self.model,
            "started_at": self.started_at,
            "ended_by": self.ended_by,
            "error": self.error,
            "frames": self.frames,
            "dropped_frames": self.dropped_frames,
            "elapsed_s": round(self.elapsed_s, 3),
            "fps": round(self.fps, 2),
            "latency_ms": stats_ms(self.latency_ms),
            "pose_ms": stats_ms(self.pose_ms),
            "source_lag_ms": stats_ms(self.lag_ms) if self.source.is_live else None,
            "sets": [s.to_dict() for s in self.sets],
        }


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write JSON beside ``path`` then rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_summary(path: Path, run: LiveRun, echo: Callable[[str], None] | None = None) -> Path:
    """Save the run's summary; if ``path`` cannot be written, save it in the temp folder."""
    try:
        return write_json_atomic(path, run.to_dict())
    except OSError as exc:
        fallback = Path(tempfile.gettempdir()) / path.name
        saved = write_json_atomic(fallback, run.to_dict())
        if echo is not None:
            echo(f"could not write {path} ({exc.strerror}); summary saved to {saved} instead")
        return saved


def check_writable(path: Path) -> None:
    """Raise ConfigError now, not after a whole set, if the summary cannot be written there."""
    from formcheck.paths import ensure_writable

    ensure_writable(path, "set summary")


def format_line(time_s: float, label: str, message: str) -> str:
    """One printed line: the time into the session, what it is, and the words."""
    return f"[{time_s:7.1f} s] {label:<9} {message}"


def run_live(
    source: FrameSource,
    estimator,
    coach: LiveCoach,
    *,
    display: Display | None = None,
    speaker: Speaker | None = None,
    echo: Callable[[str], None] | None = print,
    summary_path: str | os.PathLike | None = None,
    draw: bool = True,
    max_frames: int | None = None,
    pipelined: bool = True,
) -> LiveRun:
    """Coach from ``source`` until it ends, the user quits, or ``max_frames`` were judged.

    ``estimator`` turns frames into :class:`PoseResult` (the model or a replay); ``display``
    shows the overlay and supplies keys (None: headless); ``speaker`` says cues; ``echo``
    receives printed lines (None: quiet); ``summary_path`` is rewritten whenever a set ends.
    ``draw`` renders the overlay even without a display (the cost a display would add).
    ``pipelined`` runs the source and the model on a worker thread one frame ahead of the
    judge (:class:`_ThreadedStage`); False does everything in this thread, one step at a time.
    Source failures (a camera unplugged mid-set) end the run with ``ended_by="disconnected"``
    and the error in ``LiveRun.error``; the set so far is always summarised and saved.
    """
    speaker = speaker or NullSpeaker()
    say = echo or (lambda line: None)
    path = Path(summary_path) if summary_path is not None else None
    run = LiveRun(
        source=source.info,
        model=str(getattr(estimator, "name", "")),
        started_at=_now_iso(),
        summary_path=path,
    )
    is_camera = isinstance(source, CameraSource)
    switch_interval = sys.getswitchinterval()
    if pipelined:
        # The model runs without the GIL, but the worker needs it for a few short Python
        # steps per frame (taking the frame, converting the landmarks) while the judge holds
        # it. With the default 5 ms switch interval each step can wait 5 ms for its turn, which
        # costs ~10% of the frame rate; 0.5 ms lets the worker in promptly.
        sys.setswitchinterval(min(switch_interval, GIL_SWITCH_INTERVAL_S))
    stage = _ThreadedStage(source, estimator) if pipelined else _SyncStage(source, estimator)
    origin_ms: float | None = None  # first frame's time (printed times count from it)
    first_arrival: float | None = None
    last_arrival: float | None = None
    dropped_at_set_start = source.dropped_frames
    t_start = time.perf_counter()
    last_frame: Frame | None = None
    last_overlay = None

    def close_set(reason: str) -> None:
        nonlocal dropped_at_set_start
        dropped = source.dropped_frames - dropped_at_set_start
        dropped_at_set_start = source.dropped_frames
        record = coach.end_set(reason, dropped)
        if record is None:
            return
        run.sets.append(record)
        for line in record.summary_lines():
            say(line)
        if path is not None:
            run.summary_path = save_summary(path, run, say)
            say(f"set summary saved to {run.summary_path}")

    def redraw_paused() -> None:
        if display is not None and last_frame is not None and last_overlay is not None:
            state = replace(last_overlay, paused=coach.paused, mirrored=coach.mirrored)
            display.show(coach.render(last_frame, state))

    def on_key(key: int | None) -> bool:
        """Act on a key; True means quit."""
        if key is None:
            return False
        if key in KEY_QUIT:
            return True
        if key in KEY_PAUSE:
            coach.paused = not coach.paused
            (stage.pause if coach.paused else stage.resume)()
        elif key in KEY_MIRROR:
            coach.mirrored = not coach.mirrored
        elif key in KEY_NEW_SET:
            close_set("new_set")
            if coach.paused:
                coach.paused = False
                stage.resume()
        if coach.paused:
            redraw_paused()
        return False

    ended_by = "error"
    try:
        while True:
            if coach.paused and display is not None:
                # Frozen on the last frame. Nothing is read meanwhile: a live source keeps only
                # its newest frame, so judging resumes on the present, not on a backlog.
                if on_key(display.poll_key(30)):
                    ended_by = "quit"
                    break
                continue
            try:
                posed = stage.next()
            except StopIteration:
                if is_camera:
                    ended_by = "disconnected"
                    run.error = f"{source.info.name} stopped sending frames (unplugged?)"
                else:
                    ended_by = "source_ended"
                break
            except InputError as exc:
                ended_by = "disconnected"
                run.error = str(exc.problem)
                break
            frame, result, arrival = posed.frame, posed.result, posed.arrival
            if origin_ms is None:
                origin_ms, first_arrival = frame.time_ms, arrival
            if source.info.is_live and first_arrival is not None:
                # How far the frame's capture time is behind the wall clock, against the first
                # frame (whose own delay is the source's start-up, not the loop's doing).
                run.lag_ms.append((arrival - first_arrival) * 1000.0 - (frame.time_ms - origin_ms))
            if last_arrival is not None and arrival > last_arrival:
                rate = 1.0 / (arrival - last_arrival)
                coach.fps = rate if coach.fps is None else 0.9 * coach.fps + 0.1 * rate
            last_arrival = arrival

            run.pose_ms.append(posed.pose_ms)
            report = coach.process(frame, result)
            at_s = (frame.time_ms - origin_ms) / 1000.0
            for label, message in report.lines:
                say(format_line(at_s, label, message))
            if report.speech:
                speaker.say(report.speech)
            else:
                speaker.poll()
            latency = (time.perf_counter() - arrival) * 1000.0
            coach.record_latency(latency)
            run.latency_ms.append(latency)
            run.frames += 1

            if display is not None or draw:
                bgr = coach.render(frame, report.overlay)
                last_frame, last_overlay = frame, report.overlay
                if display is not None:
                    display.show(bgr)
            if display is not None and on_key(display.poll_key(1)):
                ended_by = "quit"
                break
            if max_frames is not None and run.frames >= max_frames:
                ended_by = "max_frames"
                break
    except KeyboardInterrupt:
        ended_by = "interrupted"
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        stage.close()
        sys.setswitchinterval(switch_interval)
        run.elapsed_s = time.perf_counter() - t_start
        run.dropped_frames = source.dropped_frames
        run.ended_by = ended_by
        close_set(ended_by)
        coach.close()
        speaker_wait = getattr(speaker, "wait", None)
        if callable(speaker_wait):
            speaker_wait(timeout=5.0)
    if path is not None and run.sets:
        # Once more with the run's final state (ended_by, error, totals).
        run.summary_path = save_summary(path, run, say)
    return run
