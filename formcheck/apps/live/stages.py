"""The live pose stage: frames from the source, each with its pose, handed to the judge.

Two ways, one interface (:class:`PoseStage`): :class:`SyncStage` reads a frame and runs the
model in the caller's thread, one step at a time; :class:`ThreadedStage` runs them on a worker
thread one frame ahead of the judge.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Protocol

from formcheck.engine.pose_stage import prefetch
from formcheck.frames import Frame, FrameSource
from formcheck.pose.estimator import PoseEstimator
from formcheck.pose.result import PoseResult

# GIL switch interval while the pose stage runs on its own thread (see run_live).
GIL_SWITCH_INTERVAL_S = 0.0005
_END = object()


@dataclass
class Posed:
    """A frame with its pose, and when the source handed the frame over."""

    frame: Frame
    result: PoseResult
    arrival: float  # time.perf_counter() when the source gave the frame
    pose_ms: float
    generation: int = 0


class PoseStage(Protocol):
    """What the loop asks of a pose stage."""

    def next(self) -> Posed:
        """The next frame with its pose; StopIteration at the end, InputError if it failed."""
        ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def close(self) -> None: ...


class SyncStage:
    """Read a frame, run the model, return: one step at a time, in the caller's thread."""

    def __init__(self, source: FrameSource, estimator: PoseEstimator) -> None:
        self._frames = iter(source)
        self._estimator = estimator

    def next(self) -> Posed:
        frame = next(self._frames)  # StopIteration / InputError go to the caller
        arrival = time.perf_counter()
        result = self._estimator.process(frame)
        return Posed(frame, result, arrival, (time.perf_counter() - arrival) * 1000.0)

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def close(self) -> None:
        pass


class ThreadedStage:
    """The source and the model on a worker thread, one frame ahead of the judge.

    MediaPipe releases the GIL while it infers, so the model works on the next frame while the
    judge (features, rules, drawing) works on this one: the loop runs at the model's pace
    instead of model plus judge. The worker fetches a frame only once the judge has taken the
    previous one, so at most one frame waits and it waits for at most one judging step; a live
    source still serves its newest frame at that moment. A file played as fast as possible is
    also decoded ahead, by the offline pose stage's :func:`~formcheck.engine.pose_stage.prefetch`,
    where the estimator's per-frame set-up (image conversion, people count) runs too, off the
    model's thread (a live source must not be read ahead, or it would serve old frames).
    """

    def __init__(self, source: FrameSource, estimator: PoseEstimator) -> None:
        self._estimator = estimator
        self._cond = threading.Condition()
        self._slot: object | None = None  # a Posed, _END, or an exception for the judge
        self._running = True  # False while paused
        self._stop = threading.Event()
        self._generation = 0
        self._live = source.info.is_live
        self._decoded: Generator[tuple[Frame, object], None, None] | None = None
        if self._live:
            self._frames: Iterator[tuple[Frame, object]] = ((f, None) for f in source)
        else:
            # Two frames decoded ahead at most: enough that the model never waits for one.
            self._decoded = prefetch(
                source, depth=2, work=lambda frame: (frame, estimator.prepare(frame))
            )
            self._frames = self._decoded
        self._worker = threading.Thread(target=self._work, name="formcheck pose", daemon=True)
        self._worker.start()

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
                # Waits for the decoder when it is behind (never long: it decodes as fast as
                # it can), so the stop is looked at again before running the model.
                frame, prepared = next(self._frames)
                if self._stop.is_set():
                    return
                arrival = time.perf_counter()
                if self._live:
                    result = self._estimator.process(frame)
                else:
                    result = self._estimator.process_prepared(prepared)
                pose_ms = (time.perf_counter() - arrival) * 1000.0
                self._hand_over(Posed(frame, result, arrival, pose_ms, generation))
        except StopIteration:
            self._hand_over(_END)
        except BaseException as exc:  # InputError (camera gone) or a crash: the loop decides
            self._hand_over(exc)

    def next(self) -> Posed:
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
            assert isinstance(item, Posed)
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
        self._worker.join(timeout=5.0)
        if self._decoded is not None and not self._worker.is_alive():
            # Only the worker reads the decoder; now that it has gone, closing the generator
            # stops the decode thread and waits for the frame in its hands, so the caller can
            # close the source and the estimator. (A worker stuck in the model for 5 s is left
            # to die with the process: it is a daemon, as is the decoder it holds.)
            self._decoded.close()
