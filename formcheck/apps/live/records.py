"""What a live run leaves behind: one record per set, the run's timing, the summary JSON."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.exercises import registry
from formcheck.exercises.base import ExerciseResult
from formcheck.outputs.speech import Cue
from formcheck.series.core import SourceInfo


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


def now_iso() -> str:
    """The wall-clock time, to the second, with the local offset."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class SetRecord:
    """One finished set: the rules' verdict plus what happened live."""

    index: int  # 1-based
    exercise: str  # a registered exercise id, or "other" (not recognised)
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
        spec = registry.find(self.exercise)
        name = spec.name if spec is not None else "exercise not recognised"
        lines = [f"Set {self.index}: {name}, {self.duration_s:.0f} s ({self.ended_by})"]
        if not r.assessable:
            lines.append(f"  not assessed: {r.reason}")
            return lines
        summary = r.summary
        if spec is not None and not spec.counts_reps:
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
    """Save the run's summary; if ``path`` cannot be written, save it in the temp folder.

    The path was checked before the run (:func:`formcheck.paths.ensure_writable`); this is for
    what changed since (a full disk, a folder removed mid-session): the sets are not lost.
    """
    try:
        return write_json_atomic(path, run.to_dict())
    except OSError as exc:
        fallback = Path(tempfile.gettempdir()) / path.name
        saved = write_json_atomic(fallback, run.to_dict())
        if echo is not None:
            echo(f"could not write {path} ({exc.strerror}); summary saved to {saved} instead")
        return saved
