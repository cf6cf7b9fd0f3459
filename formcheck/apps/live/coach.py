"""The live judge: one frame and its pose in, everything to show and say for it out."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from formcheck.apps.live.recognition import (
    CHECKING_EXERCISE,
    UNSURE_EXERCISE,
    BackgroundRecogniser,
    RecognitionSettings,
)
from formcheck.apps.live.records import SetRecord, now_iso, stats_ms
from formcheck.apps.live.setup_guide import BLOCKING_SETUP, SetupGuide, setup_issue
from formcheck.errors import InputError
from formcheck.exercises import registry
from formcheck.exercises.base import (
    Event,
    EventKind,
    ExerciseResult,
    FrameInput,
    RuleSession,
    SetSummary,
)
from formcheck.features.frame_input import frame_observation
from formcheck.frames import Frame
from formcheck.outputs.overlay import format_clock
from formcheck.outputs.speech import Cue, CuePolicy
from formcheck.pose.result import PoseResult
from formcheck.series.core import SourceInfo
from formcheck.series.smoothing import OneEuroSmoother

if TYPE_CHECKING:
    from formcheck.engine.recognize import Recognition
    from formcheck.outputs.overlay import OverlayState

# Events printed as they happen (faults reach the person as cues, through the CuePolicy).
_PRINTED_KINDS = (EventKind.REP, EventKind.HOLD_STARTED, EventKind.HOLD_ENDED)


@dataclass
class FrameReport:
    """What the coach made of one frame."""

    frame_input: FrameInput
    events: list[Event]
    cue: Cue | None
    setup_message: str | None  # the setup box (guidance, or "Checking which exercise...")
    lines: list[tuple[str, str]]  # (label, message) to print, in order
    overlay: OverlayState
    landmarks_px: np.ndarray | None
    speech: str | None = None  # what to say aloud: the cue's phrase, or new setup guidance


class LiveCoach:
    """Per-frame live judge for one source (frames of one size).

    Turns one frame and its pose into everything a person should see or hear for it: setup
    guidance, the rule session's events, at most one cue (:class:`CuePolicy`), the rep counter
    or hold timer, and the :class:`~formcheck.outputs.overlay.OverlayState` to draw. It also
    recognises the exercise first when asked for ``auto``, and closes sets into
    :class:`SetRecord` summaries.

    ``exercise`` is ``auto`` or a registered exercise (an id or alias); ``configs`` the rule
    configs by exercise id (:func:`formcheck.engine.analyze.load_rule_configs`; an exercise
    missing from it is judged with its defaults); ``policy`` picks the cues.
    """

    def __init__(
        self,
        source: SourceInfo,
        *,
        exercise: str = registry.AUTO,
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
        self.requested = registry.normalise(exercise)
        self.exercise: str | None = None if self.requested == registry.AUTO else self.requested
        self.configs = registry.complete_configs(configs)
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
        self._recognition: Recognition | None = None  # the accepted one, kept across sets
        self._last_time_ms = -math.inf
        self._start_set()

    # ------------------------------------------------------------------ set state
    def _start_set(self) -> None:
        self._set_index = len(self.sets) + 1
        self._session: RuleSession | None = None
        self._recogniser: BackgroundRecogniser | None = None
        self._pending: deque[FrameInput] = deque()
        if self.requested == registry.AUTO:
            # Each set is recognised afresh: people switch exercises between sets.
            self.exercise = None
            self._recognition = None
        if self.exercise is not None:
            self._session = self._new_session(self.exercise)
        else:
            self._recogniser = BackgroundRecogniser(
                self.info, self.model, self.recognition_settings
            )
        self._started_at = now_iso()
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
        return registry.get(exercise).make_rule(self.configs.get(exercise)).graded_session()

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
        from formcheck.engine.pose_stage import mask_measures

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
        if result.mask is not None:  # the mask's measures, as the offline pose stage takes them
            extras = {name: measure(frame, result) for name, measure in mask_measures().items()}
        smoothed = self._smooth(result)
        fi, view = frame_observation(smoothed, self.info, extras)
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
            if event.kind in _PRINTED_KINDS:
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

    def _accept(self, recognition: Recognition) -> str:
        self._recognition = recognition
        self.exercise = recognition.exercise
        if self._recogniser is not None:
            self._recogniser.close()
        self._session = self._new_session(recognition.exercise)
        sure = "" if recognition.sure else ", not sure: pass --exercise to be explicit"
        return (
            f"{registry.get(recognition.exercise).name} ({recognition.confidence:.0%}{sure}; "
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
        if event.kind in (EventKind.REP, EventKind.HOLD_STARTED):
            self._under_way = True
        if event.kind == EventKind.REP:
            self._reps += 1
        elif event.kind == EventKind.HOLD_STARTED:
            self._hold_start = event.time_ms
            self._form_broke_ms = None
        elif event.kind == EventKind.HOLD_ENDED:
            if self._hold_start is not None:
                self._last_hold_s = (event.time_ms - self._hold_start) / 1000.0
            self._hold_start = None
        elif event.kind == EventKind.FORM_BROKE:
            self._form_broke_ms = event.time_ms

    def counter_text(self, now_ms: float) -> str:
        """``Reps 3``, or for a hold ``Hold 0:42 · good form 0:35``."""
        if self.exercise is None:
            return ""
        if registry.get(self.exercise).counts_reps:
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
    ) -> OverlayState:
        from formcheck.outputs.overlay import OverlayState, key_angles

        shown = self._shown
        if shown is not None and now_ms - shown.time_ms > self.cue_hold_ms:
            shown = self._shown = None
        exercise = self.exercise or registry.AUTO
        return OverlayState(
            landmarks_px=landmarks_px,
            visibility=smoothed.visibility if smoothed.found else None,
            exercise=exercise,
            angles=key_angles(exercise, fi.features),
            counter=self.counter_text(now_ms),
            cue=shown.message if shown else None,
            fault_code=shown.code if shown else None,
            fault_severity=(1.0 if shown.kind == EventKind.FORM_BROKE else shown.severity)
            if shown
            else 0.0,
            setup_message=setup,
            paused=self.paused,
            mirrored=self.mirrored,
            fps=self.fps,
        )

    # ------------------------------------------------------------------ drawing
    def render(self, frame: Frame, overlay: OverlayState) -> np.ndarray:
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
            exercise = self.exercise or registry.OTHER
        else:
            latest = self._recogniser.latest if self._recogniser else None
            why = f" ({latest.reason})" if latest is not None else ""
            result = ExerciseResult(
                exercise=registry.OTHER,
                assessable=False,
                reason="could not tell which exercise this is"
                + why
                + "; choose one with --exercise",
                summary=SetSummary(duration_s=(end - start) / 1000.0),
            )
            if latest is not None:
                result.recognition = dict(latest.scores)
            exercise = registry.OTHER
        if self._recognition is not None and self.requested == registry.AUTO:
            result.recognition = dict(self._recognition.scores)
        return SetRecord(
            index=self._set_index,
            exercise=exercise,
            result=result,
            ended_by=ended_by,
            started_at=self._started_at,
            ended_at=now_iso(),
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
