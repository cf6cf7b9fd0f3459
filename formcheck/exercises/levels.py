"""Graded verdicts: each fault at two levels, *slight* (a note) and *fault* (the coach's cue).

Every exercise's config carries its fault level in its fields (the ``standard`` preset) and the
slight level in its ``strict`` preset: ``--strictness strict`` is, by design, "flag the slight
level as a fault". So one rule, run twice over the same frames, grades every finding:

* the session at the config's own thresholds finds the faults;
* a second session at the slight thresholds (:func:`slight_config`) finds what is past the
  smallest deviation worth mentioning; whatever it finds that no fault already covers (same
  code, same rep, or overlapping in time for a hold) becomes a note (:attr:`ExerciseResult.notes`,
  ``level`` slight). Notes are not cued, do not end good form and are not counted as faults.

Running the rule twice keeps every plug-in's logic in one place (no second code path for the
slight level) and costs little: the rules are cheap next to the pose model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from formcheck.exercises.base import (
    Event,
    ExerciseResult,
    Fault,
    FaultLevel,
    FrameInput,
    RuleSession,
)
from formcheck.exercises.config import Strictness


def slight_config(config: Any) -> Any | None:
    """``config`` with its fault thresholds moved to the slight level, or None when that is no
    milder than ``config`` itself (a config already at the strict preset has no slight band).

    The slight level of each setting is its value in the ``strict`` preset of the config class
    (where each plug-in writes down the evidence for it). Settings the user overrode keep the
    slight level too: a note is only ever added where no fault covers it, so a user threshold
    stricter than the slight level simply yields no notes.
    """
    presets = getattr(type(config), "PRESETS", {})
    slight = presets.get(Strictness.STRICT, {})
    changes = {name: value for name, value in slight.items() if getattr(config, name) != value}
    if not changes:
        return None
    return dataclasses.replace(config, **changes)


def covered(note: Fault, faults: list[Fault]) -> bool:
    """Whether a fault of the same code already covers ``note`` (same rep, or overlapping
    in time where neither has a rep). A slight stretch that grows into a fault is covered
    whole: the fault says more than the note before it."""
    for fault in faults:
        if fault.code != note.code:
            continue
        if note.rep is not None and fault.rep is not None:
            if note.rep == fault.rep:
                return True
            continue
        if note.start_ms <= fault.end_ms and fault.start_ms <= note.end_ms:
            return True
    return False


def grade(result: ExerciseResult, slight: ExerciseResult | None) -> ExerciseResult:
    """``result`` (the fault level) with the slight session's uncovered findings as notes."""
    result.faults = [dataclasses.replace(f, level=FaultLevel.FAULT) for f in result.faults]
    if slight is None or not result.assessable:
        return result
    result.notes = [
        dataclasses.replace(f, level=FaultLevel.SLIGHT)
        for f in slight.faults
        # A check the fault level could not judge (e.g. too noisy for its limit) gets no note.
        if f.code not in result.not_judged and not covered(f, result.faults)
    ]
    return result


class GradedSession(RuleSession):
    """The fault-level session, with a slight-level session fed the same frames beside it.

    Events (cues, reps, holds) come from the fault level only: a note is never spoken.
    """

    def __init__(self, fault: RuleSession, slight: RuleSession | None) -> None:
        self.fault = fault
        self.slight = slight

    def update(self, frame: FrameInput) -> list[Event]:
        events = self.fault.update(frame)
        if self.slight is not None:
            self.slight.update(frame)
        return events

    def update_many(self, frames: Iterable[FrameInput]) -> list[Event]:
        frames = list(frames)  # read twice
        events = self.fault.update_many(frames)
        if self.slight is not None:
            self.slight.update_many(frames)
        return events

    def finish(self) -> ExerciseResult:
        result = self.fault.finish()
        return grade(result, self.slight.finish() if self.slight is not None else None)
