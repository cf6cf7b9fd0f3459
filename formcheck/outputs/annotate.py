"""The overlay burnt into a recorded clip: per-frame overlay states from a verdict, and the video.

``overlay_states`` turns an analysed series into what the live screen would have shown at each
frame: the rep counter (a rep counts at its key moment: lockout, top), the hold timer with time
in good form, the fault whose span covers the frame with its cue, and setup problems (turned to
the camera, body out of frame, several people). ``write_annotated_video`` decodes the clip again,
draws those states and encodes H.264 with the same frame count and frame rate as the input.

The clip is decoded at every frame even if the series was made with a stride: frames between
two analysed ones get linearly interpolated landmarks and the state of the analysed frame
before them, so the output keeps the input's timing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import ConfigError
from formcheck.exercises import registry
from formcheck.exercises.base import EventKind, ExerciseResult, Fault
from formcheck.exercises.spec import Measure
from formcheck.features.core import Features, compute_features
from formcheck.features.view import FrameViews, View
from formcheck.outputs.overlay import Annotator, OverlayState, format_clock, key_angle_specs
from formcheck.outputs.video_out import H264Writer, ensure_writable, require_av
from formcheck.series.core import PoseSeries

# A fault span can be a handful of frames (a lean at the top of one swing); keep its banner up
# at least this long so a viewer can read it.
MIN_BANNER_MS = 1000.0
# Setup problems must hold for most of this window to be shown (no flicker from one frame).
SETUP_WINDOW_MS = 500.0
# Landmarks of analysed frames further apart than this many frame periods are not interpolated.
MAX_INTERPOLATE_PERIODS = 4.5
# Landmark groups for "what is out of frame".
_FEET = (27, 28, 29, 30, 31, 32)
_HEAD = (0, 7, 8)
_OUT_PRESENCE = 0.5


@dataclass
class AnnotatedVideo:
    """What :func:`write_annotated_video` wrote."""

    path: Path
    frames: int
    fps: float
    width: int
    height: int
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ states
def rep_counts(result: ExerciseResult, time_ms: np.ndarray) -> np.ndarray:
    """(T,) reps completed at each time: a rep counts at its key moment (lockout, top)."""
    keys = np.sort(np.array([r.key_ms for r in result.reps], dtype=np.float64))
    return np.searchsorted(keys, np.asarray(time_ms, np.float64), side="right")


def _frame_periods(time_ms: np.ndarray) -> np.ndarray:
    """(T,) duration each frame stands for (its gap to the previous one; the median for the first)."""
    t = np.asarray(time_ms, np.float64)
    if len(t) < 2:
        return np.full(len(t), 1000.0 / 30.0)
    d = np.diff(t)
    typical = float(np.median(d))
    # A gap (stride, dropped frames) counts only up to a few frame periods.
    d = np.minimum(d, MAX_INTERPOLATE_PERIODS * typical)
    return np.concatenate([[typical], d])


def hold_clock(result: ExerciseResult, time_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T,) seconds held and seconds held in good form at each time (a hold exercise).

    Holds come from the ``hold_started`` / ``hold_ended`` events; good form stops counting while a
    fault is active and for good once form broke (``summary.form_broke_ms``), as in the summary.
    """
    t = np.asarray(time_ms, np.float64)
    in_hold = np.zeros(len(t), dtype=bool)
    start: float | None = None
    for event in sorted(result.events, key=lambda e: e.time_ms):
        if event.kind == EventKind.HOLD_STARTED:
            start = event.time_ms
        elif event.kind == EventKind.HOLD_ENDED and start is not None:
            in_hold |= (t >= start) & (t <= event.time_ms)
            start = None
    if start is not None:
        in_hold |= t >= start
    bad = np.zeros(len(t), dtype=bool)
    for fault in result.faults:
        bad |= (t >= fault.start_ms) & (t <= fault.end_ms)
    broke = result.summary.form_broke_ms
    if broke is not None:
        bad |= t >= broke
    periods = _frame_periods(t) / 1000.0
    held = np.cumsum(np.where(in_hold, periods, 0.0))
    good = np.cumsum(np.where(in_hold & ~bad, periods, 0.0))
    return held, good


def active_faults(
    result: ExerciseResult, time_ms: np.ndarray, min_display_ms: float = 0.0
) -> np.ndarray:
    """(T,) index into ``result.faults`` of the fault shown at each time, -1 for none.

    A fault shows from its start to its end (at least ``min_display_ms``); where spans overlap
    the more severe one wins.
    """
    t = np.asarray(time_ms, np.float64)
    shown = np.full(len(t), -1, dtype=np.int64)
    best = np.full(len(t), -np.inf)
    for k, fault in enumerate(result.faults):
        end = max(fault.end_ms, fault.start_ms + min_display_ms)
        cover = (t >= fault.start_ms) & (t <= end)
        take = cover & (fault.severity > best)
        shown[take] = k
        best[take] = fault.severity
    return shown


def faults_covering(result: ExerciseResult, time_ms: np.ndarray) -> list[list[str]]:
    """Per time, the codes of every fault whose span covers it (no display padding)."""
    t = np.asarray(time_ms, np.float64)
    codes: list[list[str]] = [[] for _ in range(len(t))]
    for fault in result.faults:
        for i in np.flatnonzero((t >= fault.start_ms) & (t <= fault.end_ms)):
            if fault.code not in codes[i]:
                codes[i].append(fault.code)
    return codes


def _majority(flags: np.ndarray, time_ms: np.ndarray, window_ms: float) -> np.ndarray:
    """Flags that hold for most of a centred window (a running vote against one-frame flicker)."""
    if len(flags) == 0:
        return flags
    periods = _frame_periods(time_ms)
    n = min(len(flags), max(1, int(round(window_ms / float(np.median(periods))))))
    if n <= 1:
        return flags
    kernel = np.ones(n) / n
    return np.convolve(flags.astype(np.float64), kernel, mode="same") > 0.5


def setup_messages(series: PoseSeries, frame_views: FrameViews | None = None) -> list[str | None]:
    """Per frame, what to change in the setup, or None when it is fine.

    ``frame_views``: the series' per-frame view check when already measured.
    """
    from formcheck.features.view import frame_view_labels

    t = series.time_ms
    detected = series.detected
    views, in_frame = frame_view_labels(series, frame_views)
    xy = series.image[:, :, :2]
    with np.errstate(invalid="ignore"):
        outside = np.any((xy < 0.0) | (xy > 1.0), axis=-1) | (series.presence < _OUT_PRESENCE)
    feet_out = detected & outside[:, list(_FEET)].all(axis=1)
    head_out = detected & outside[:, list(_HEAD)].all(axis=1)
    body_out = detected & ~in_frame
    crowd = _majority(series.num_people > 1, t, SETUP_WINDOW_MS)
    front = _majority(detected & (views == View.FRONT), t, SETUP_WINDOW_MS)
    feet_out = _majority(feet_out, t, SETUP_WINDOW_MS)
    head_out = _majority(head_out, t, SETUP_WINDOW_MS)
    body_out = _majority(body_out, t, SETUP_WINDOW_MS)
    messages: list[str | None] = []
    for i in range(len(series)):
        if crowd[i]:
            messages.append("Only one person in view please")
        elif feet_out[i]:
            messages.append("Step back: feet out of frame")
        elif head_out[i]:
            messages.append("Step back: head out of frame")
        elif body_out[i]:
            messages.append("Step back: keep your whole body in frame")
        elif front[i]:
            messages.append("Turn side-on to the camera")
        else:
            messages.append(None)
    return messages


def counter_texts(result: ExerciseResult, time_ms: np.ndarray) -> list[str]:
    """Per time, the counter line: ``Reps 3`` or ``Hold 0:42 · good form 0:35``."""
    n = len(time_ms)
    if not result.assessable and not result.reps:
        return ["Not assessable"] * n
    spec = registry.find(result.exercise)
    if spec is None:
        return [""] * n
    if spec.measure is Measure.HOLD:
        held, good = hold_clock(result, time_ms)
        return [
            f"Hold {format_clock(h)} · good form {format_clock(g)}"
            for h, g in zip(held, good, strict=True)
        ]
    return [f"Reps {c}" for c in rep_counts(result, time_ms).tolist()]


def overlay_states(
    series: PoseSeries,
    result: ExerciseResult,
    features: Features | None = None,
    *,
    frame_size: tuple[int, int] | None = None,
    min_banner_ms: float = MIN_BANNER_MS,
    views: FrameViews | None = None,
) -> list[OverlayState]:
    """What the overlay shows at each frame of ``series``.

    ``frame_size`` (width, height): the frames the states will be drawn on; landmarks are
    scaled to it (default: the frames the model saw, ``series.source``).
    """
    features = features if features is not None else compute_features(series)
    t = series.time_ms
    width, height = frame_size or (series.source.width, series.source.height)
    pixels = series.image[:, :, :2].astype(np.float64) * np.array([width, height], np.float64)
    detected = series.detected
    # Auto (not recognised) keeps its name; an exercise the registry does not know shows as other.
    known = registry.find(result.exercise) is not None or result.exercise == registry.AUTO
    exercise = result.exercise if known else registry.OTHER
    columns = {a.label: features.values.get(a.feature) for a in key_angle_specs(exercise)}
    counters = counter_texts(result, t)
    shown = active_faults(result, t, min_banner_ms)
    setups = setup_messages(series, views)
    not_assessable_cue = None if result.assessable else result.reason
    states: list[OverlayState] = []
    for i in range(len(series)):
        fault: Fault | None = result.faults[shown[i]] if shown[i] >= 0 else None
        angles = {
            label: float(col[i]) if col is not None else float("nan")
            for label, col in columns.items()
        }
        states.append(
            OverlayState(
                landmarks_px=pixels[i] if detected[i] else None,
                visibility=series.visibility[i] if detected[i] else None,
                exercise=exercise,
                angles=angles if detected[i] else {},
                counter=counters[i],
                cue=fault.cue if fault is not None else not_assessable_cue,
                fault_code=fault.code if fault is not None else None,
                fault_severity=float(fault.severity) if fault is not None else 0.0,
                setup_message=setups[i],
            )
        )
    return states


# ------------------------------------------------------------------------------ timeline
class StateTimeline:
    """Overlay states at the times of re-decoded frames (which may be denser than the series)."""

    def __init__(
        self,
        series: PoseSeries,
        result: ExerciseResult,
        features: Features | None,
        frame_size: tuple[int, int],
        views: FrameViews | None = None,
    ) -> None:
        self.time_ms = np.asarray(series.time_ms, np.float64)
        self.states = overlay_states(series, result, features, frame_size=frame_size, views=views)
        periods = _frame_periods(self.time_ms)
        self.period = float(np.median(periods)) if len(periods) else 1000.0 / 30.0
        self._blank = OverlayState(
            None,
            None,
            self.states[0].exercise if self.states else registry.OTHER,
            {},
            self.states[0].counter if self.states else "",
        )

    def at(self, time_ms: float) -> OverlayState:
        t = self.time_ms
        if len(t) == 0:
            return self._blank
        i = int(np.searchsorted(t, time_ms + 0.5, side="right")) - 1
        if i < 0:
            return replace(self.states[0], landmarks_px=None, visibility=None, angles={})
        state = self.states[i]
        gap = time_ms - t[i]
        if abs(gap) <= 0.5:
            return state
        # Between two analysed frames (stride) or past the end of the series.
        if i + 1 < len(t) and t[i + 1] - t[i] <= MAX_INTERPOLATE_PERIODS * self.period:
            after = self.states[i + 1]
            if state.landmarks_px is not None and after.landmarks_px is not None:
                w = gap / (t[i + 1] - t[i])
                px = (1.0 - w) * state.landmarks_px + w * after.landmarks_px
                return replace(state, landmarks_px=px)
            return state
        if gap <= 1.5 * self.period:
            return state
        return replace(state, landmarks_px=None, visibility=None, angles={})


# ------------------------------------------------------------------------------ video
def _same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _progress(total: int | None, desc: str, enabled: bool | None):
    from tqdm.auto import tqdm

    disable = (not sys.stderr.isatty()) if enabled is None else not enabled
    return tqdm(total=total, desc=desc, unit="frame", disable=disable, leave=False)


def _check_geometry(series: PoseSeries, width: int, height: int, notes: list[str]) -> None:
    """Landmarks are normalised, so any size works; a different aspect ratio means another clip."""
    sw, sh = series.source.width, series.source.height
    if sw > 0 and sh > 0 and abs((width / height) / (sw / sh) - 1.0) > 0.02:
        notes.append(
            f"the landmarks were made from {sw}x{sh} frames but this clip is {width}x{height}: "
            "the overlay may not line up (was the series made from another video?)"
        )


def _range(series: PoseSeries) -> dict[str, float | None]:
    """The part of the file the series was made from (``--start``/``--end``), to decode again."""
    return {"start_s": series.source.start_s, "end_s": series.source.end_s}


def write_annotated_video(
    clip_path: str | os.PathLike,
    series: PoseSeries,
    result: ExerciseResult,
    out_path: str | os.PathLike,
    max_size: int | None = None,
    *,
    features: Features | None = None,
    views: FrameViews | None = None,
    progress: bool | None = None,
    crf: int = 23,
) -> AnnotatedVideo:
    """Draw the overlay on every frame of ``clip_path`` and write an H.264 mp4 to ``out_path``.

    ``max_size`` shrinks the output so its long side is at most that many pixels (None: the
    clip's own size). Output frames and fps equal the input's; frames where nobody was found
    keep the counter, without a skeleton. A series made from part of the clip (``--start``/
    ``--end``, in ``series.source``) gets a video of that part only.
    """
    from formcheck.frames import open_source

    out = ensure_writable(out_path, "annotated video")
    if _same_file(out, clip_path):
        raise ConfigError(
            f"The annotated video would overwrite its own input {clip_path}.",
            "Choose another output name, e.g. clip_annotated.mp4.",
        )
    require_av()
    notes: list[str] = []
    with open_source(clip_path, max_size=max_size, stride=1, **_range(series)) as source:
        info = source.info
        if info.is_live:
            raise ConfigError(
                "An annotated video needs a video file, not a camera.",
                "Record the set first, or use 'formcheck live' for the camera.",
            )
        width, height = info.width, info.height
        _check_geometry(series, width, height, notes)
        timeline = StateTimeline(series, result, features, (width, height), views)
        annotator = Annotator(width, height)
        writer = H264Writer(out, info.fps, width, height, crf=crf)
        if writer.note:
            notes.append(writer.note)
        with writer, _progress(info.frame_count, f"annotate {out.name}", progress) as bar:
            for frame in source:
                bgr = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
                annotator.annotate(bgr, timeline.at(frame.time_ms))
                writer.write(bgr)
                bar.update(1)
        frames = writer.frames_written
    return AnnotatedVideo(
        path=writer.path,
        frames=frames,
        fps=info.fps,
        width=writer.out_width,
        height=writer.out_height,
        notes=notes,
    )


def annotated_frames(
    clip_path: str | os.PathLike,
    series: PoseSeries,
    result: ExerciseResult,
    times_ms: Iterable[float],
    *,
    features: Features | None = None,
    max_size: int | None = None,
) -> dict[float, np.ndarray]:
    """The frames of ``clip_path`` nearest each of ``times_ms``, overlay drawn (BGR).

    One decoding pass that stops after the last wanted time (key frames for the report).
    """
    from formcheck.frames import open_source

    wanted = sorted({float(t) for t in times_ms})
    found: dict[float, np.ndarray] = {}
    if not wanted:
        return found
    with open_source(clip_path, max_size=max_size, stride=1, **_range(series)) as source:
        width, height = source.info.width, source.info.height
        timeline = StateTimeline(series, result, features, (width, height))
        annotator = Annotator(width, height)
        period = 1000.0 / source.info.fps
        for frame in _until(source, wanted[-1] + period):
            for t in wanted:
                if t not in found and abs(frame.time_ms - t) <= 0.5 * period + 1e-6:
                    bgr = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
                    found[t] = annotator.annotate(bgr, timeline.at(frame.time_ms))
            if len(found) == len(wanted):
                break
    return found


def _until(frames: Iterable, stop_ms: float) -> Iterator:
    for frame in frames:
        if frame.time_ms > stop_ms:
            return
        yield frame
