"""The live loop: a frame source and a pose estimator in, a coach judging, sets saved.

Never a backlog: a frame is taken from the source only when the loop is ready for it, and
live sources (cameras, files played in real time) hand out only their newest frame, dropping
the ones the loop was too slow for. The model runs on a worker thread one frame ahead of the
judge (:class:`~formcheck.apps.live.stages.ThreadedStage`; MediaPipe releases the GIL while it
infers), so the loop runs at the model's own pace rather than model plus judge, and a cue comes
one model step plus one judging step after its frame. Each frame's *latency* (from the moment
the source handed it over to the moment its cue, if any, was printed and spoken) and, for live
sources, its *lag* (how far its capture time was behind the wall clock on arrival) are measured
and reported.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from formcheck.apps.live.coach import LiveCoach
from formcheck.apps.live.display import KEY_MIRROR, KEY_NEW_SET, KEY_PAUSE, KEY_QUIT, Display
from formcheck.apps.live.records import LiveRun, now_iso, save_summary
from formcheck.apps.live.stages import GIL_SWITCH_INTERVAL_S, PoseStage, SyncStage, ThreadedStage
from formcheck.errors import InputError
from formcheck.frames import CameraSource, Frame, FrameSource
from formcheck.outputs.speech import NullSpeaker, Speaker
from formcheck.pose.estimator import PoseEstimator


def format_line(time_s: float, label: str, message: str) -> str:
    """One printed line: the time into the session, what it is, and the words."""
    return f"[{time_s:7.1f} s] {label:<9} {message}"


def run_live(
    source: FrameSource,
    estimator: PoseEstimator,
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
    judge (:class:`ThreadedStage`); False does everything in this thread, one step at a time.
    Source failures (a camera unplugged mid-set) end the run with ``ended_by="disconnected"``
    and the error in ``LiveRun.error``; the set so far is always summarised and saved.
    """
    speaker = speaker or NullSpeaker()
    say = echo or (lambda line: None)
    path = Path(summary_path) if summary_path is not None else None
    run = LiveRun(
        source=source.info,
        model=str(estimator.name),
        started_at=now_iso(),
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
    stage: PoseStage = (
        ThreadedStage(source, estimator) if pipelined else SyncStage(source, estimator)
    )
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
        speaker.wait(timeout=5.0)
    if path is not None and run.sets:
        # Once more with the run's final state (ended_by, error, totals).
        run.summary_path = save_summary(path, run, say)
    return run
