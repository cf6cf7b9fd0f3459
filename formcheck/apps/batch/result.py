"""A batch's outcome: its clip reports, their tables, a summary and the files they go to."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.apps.batch.files import output_paths, write_table
from formcheck.apps.batch.report import ClipReport
from formcheck.apps.batch.tables import clips_table, faults_table, reps_table
from formcheck.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class BatchResult:
    """The reports of a batch and their tables (built on first access).

    ``total`` is the number of clips asked for; fewer reports than that means the batch was
    interrupted (``interrupted``). ``warnings`` lists batch-wide problems once each.
    """

    reports: list[ClipReport]
    total: int
    elapsed_s: float = 0.0
    interrupted: bool = False

    @property
    def warnings(self) -> list[str]:
        return list(dict.fromkeys(m for r in self.reports for m in r.warnings))

    @cached_property
    def clips(self) -> pd.DataFrame:
        return clips_table(self.reports)

    @cached_property
    def faults(self) -> pd.DataFrame:
        return faults_table(self.reports)

    @cached_property
    def reps(self) -> pd.DataFrame:
        return reps_table(self.reports)

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.reports)
        return {
            "clips": len(self.reports),
            "ok": counts["ok"],
            "not_assessable": counts["not_assessable"],
            "error": counts["error"],
            "cache_hits": sum(r.cache_hit for r in self.reports),
        }

    def to_parquet(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``clips`` to ``path`` and ``faults`` beside it (``<stem>_faults.parquet``)."""
        return self._write(path, ".parquet")

    def to_csv(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``clips`` to ``path`` and ``faults`` beside it (``<stem>_faults.csv``)."""
        return self._write(path, ".csv")

    def save(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write both tables in the format of ``path``'s suffix (.parquet or .csv)."""
        return self._write(path, None)

    def _write(self, path: str | os.PathLike, suffix: str | None) -> tuple[Path, Path]:
        clips_path, faults_path = output_paths(path)
        if suffix is not None and clips_path.suffix.lower() != suffix:
            raise ConfigError(f"{clips_path.name} does not end in {suffix}.")
        clips_path.parent.mkdir(parents=True, exist_ok=True)
        write_table(self.clips, clips_path)
        write_table(self.faults, faults_path)
        return clips_path, faults_path

    def summary(self) -> str:
        """A few lines for a terminal: counts, per-exercise faults, errors, warnings."""
        c = self.counts
        head = f"scored {c['clips']} of {self.total} clips in {self.elapsed_s:.1f} s"
        lines = [
            f"{head}: {c['ok']} ok, {c['not_assessable']} not assessable, {c['error']} "
            f"error{'s' if c['error'] != 1 else ''} ({c['cache_hits']} from the landmark cache)"
        ]
        by_exercise: dict[str, list[ClipReport]] = {}
        for r in self.reports:
            if r.status == "ok" and r.exercise:
                by_exercise.setdefault(r.exercise, []).append(r)
        for exercise, reports in sorted(by_exercise.items()):
            faults: Counter[str] = Counter()
            for r in reports:
                faults.update(r.fault_counts)
            reps = sum(r.reps or 0 for r in reports)
            found = ", ".join(f"{code} {n}" for code, n in faults.most_common()) or "none"
            lines.append(f"  {exercise}: {len(reports)} clips, {reps} reps; faults: {found}")
        problems = [r for r in self.reports if r.status != "ok"]
        for r in problems[:10]:
            lines.append(f"  {r.name}: {r.status.replace('_', ' ')}: {r.error or r.reason}")
        if len(problems) > 10:
            lines.append(f"  ... and {len(problems) - 10} more (see the status column)")
        damaged = [r for r in self.reports if r.damage]
        if damaged:  # scored on what decoded: the damage column says how much and where
            names = ", ".join(r.name for r in damaged[:5]) + (" ..." if len(damaged) > 5 else "")
            lines.append(f"  {len(damaged)} damaged file(s), see the damage column: {names}")
        lines.extend(f"warning: {m}" for m in self.warnings)
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"BatchResult({c['clips']}/{self.total} clips: {c['ok']} ok, "
            f"{c['not_assessable']} not assessable, {c['error']} errors)"
        )

    def _repr_html_(self) -> str:  # notebooks show the clips table
        return f"<p>{self!r}</p>" + self.clips._repr_html_()
