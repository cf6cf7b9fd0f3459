"""Score formcheck against a labelled set of clips: fault precision/recall and exercise accuracy.

A labelled set is a CSV manifest (the layout of ``../shared/data/MANIFEST.csv``) with at least
the columns ``file, exercise, label, view``. This module reads it, calls a caller-supplied
function on every clip, and scores what came back. It never runs the model itself, so the
scoring can be tested with hand-made outcomes and re-run on saved ones.

How a clip is scored:

* **Faults**, per fault code, at clip level. Positives are clips whose label maps to the code
  (:func:`label_to_fault`: each fault's ``manifest_label``); negatives are ``good`` clips of an
  exercise the code belongs to (:func:`exercise_faults`, by the manifest's exercise). ``unknown`` labels are left out. The
  codes a clip is scored on come from analysing it *with the manifest's exercise*, so a
  recognition mistake does not also count as a fault mistake.
* **Exercise recognition**, over every row: the exercise predicted with ``auto`` against the
  manifest's, where exercises outside the registered ones count as ``other``.

A clip whose analysis failed is listed with its error and predicts no exercise. For faults it
counts as a miss when it was a positive (FN) and as ``failed``, not as a correct negative, when
it was a good clip: a crash must never look like success, nor be dropped from the denominator.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from formcheck.apps.heldout import group_bootstrap_share
from formcheck.errors import ConfigError, FormcheckError, InputError
from formcheck.exercises import registry
from formcheck.series.jsonable import json_safe


def label_to_fault() -> dict[str, str]:
    """Manifest label -> the fault code it marks (each fault's ``manifest_label``)."""
    return {
        f.manifest_label: f.code
        for spec in registry.all_specs()
        for f in spec.faults
        if f.manifest_label
    }


def exercise_faults() -> dict[str, tuple[str, ...]]:
    """Exercise id -> the fault codes its rules can raise."""
    return {spec.id: spec.fault_codes for spec in registry.all_specs()}


def exercise_id(name: str) -> str | None:
    """The id of the exercise a manifest's name stands for (an id, its name or an alias, e.g.
    ``kettlebell_swing``), or None for any other movement."""
    found = registry.lookup(name) if name.strip() else None
    return None if found == registry.AUTO else found


# Column of the confusion matrix for clips with no prediction (the analysis failed).
NO_PREDICTION = "none"
GOOD = "good"
UNKNOWN = "unknown"
REQUIRED_COLUMNS: tuple[str, ...] = ("file", "exercise", "label", "view")


def all_fault_codes() -> tuple[str, ...]:
    """Every fault code that is scored, in a stable order (per exercise, then by label)."""
    codes: list[str] = []
    for exercise_codes in exercise_faults().values():
        codes.extend(c for c in exercise_codes if c not in codes)
    codes.extend(c for c in label_to_fault().values() if c not in codes)
    return tuple(codes)


def recognition_class(exercise: str | None) -> str:
    """The recognition class of an exercise name: an exercise's id, ``other``, or ``none``."""
    if exercise is None:
        return NO_PREDICTION
    return exercise_id(exercise) or registry.OTHER


# ----------------------------------------------------------------------------- manifest
@dataclass(frozen=True)
class ManifestRow:
    """One labelled clip. ``path`` is resolved against the manifest's folder."""

    file: str
    path: Path
    exercise: str
    label: str
    view: str
    # One person and session (the manifest's ``[group X]`` note; else the clip alone): clips
    # of a group count together in intervals, as twins are not independent evidence.
    group: str = ""


GROUP_TAG = re.compile(r"\[group ([^\]]+)\]")


def _resolve(base: Path, file: str) -> Path:
    """Where ``file`` lives: absolute, beside the manifest, or in a ``clips/`` folder beside it.

    The shared data set keeps its videos in ``clips/`` next to ``MANIFEST.csv`` while naming
    them by bare file name, so that folder is tried when the file is not beside the manifest.
    """
    candidate = Path(file).expanduser()
    if candidate.is_absolute():
        return candidate
    direct = base / candidate
    if direct.exists():
        return direct
    in_clips = base / "clips" / candidate
    return in_clips if in_clips.exists() else direct


def _group(notes: str) -> str:
    found = GROUP_TAG.search(notes or "")
    return found.group(1).strip() if found else ""


def read_manifest(path: str | Path) -> list[ManifestRow]:
    """Read a manifest CSV into rows (values stripped; exercise, label, view lower-cased;
    other spellings of the exercises, e.g. ``kettlebell_swing``, mapped to formcheck's names).

    Raises :class:`InputError` when the file is missing or unreadable and
    :class:`ConfigError` when its content is unusable (no header, missing columns, a row
    without a file or exercise, a file listed twice, no rows). An empty ``label`` or ``view``
    reads as ``unknown``. Clip files are not checked here: a missing clip is reported by
    :func:`evaluate_manifest` as that clip's error, so one bad row does not stop a run.
    """
    manifest = Path(path).expanduser()
    if not manifest.exists():
        raise InputError(
            f"Manifest not found: {manifest}",
            "Pass the path of a CSV file with the columns file, exercise, label, view.",
        )
    if not manifest.is_file():
        raise InputError(
            f"Manifest {manifest} is not a file.",
            "Pass the CSV file itself (e.g. data/MANIFEST.csv), not its folder.",
        )
    try:
        with open(manifest, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(
            f"Cannot read manifest {manifest}: {exc}",
            "Check that it is a readable UTF-8 CSV file.",
        ) from exc

    if not header:
        raise ConfigError(
            f"Manifest {manifest} is empty (no header line).",
            f"Start it with a header line naming the columns: {', '.join(REQUIRED_COLUMNS)}.",
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ConfigError(
            f"Manifest {manifest} lacks the column(s) {', '.join(missing)} "
            f"(found: {', '.join(header)}).",
            f"Add a header line with at least: {', '.join(REQUIRED_COLUMNS)}.",
        )

    base = manifest.parent
    rows: list[ManifestRow] = []
    seen: dict[str, int] = {}
    for line_no, record in enumerate(records, start=2):  # line 1 is the header
        values = {
            (k or "").strip().lower(): (v or "").strip()
            for k, v in record.items()
            if isinstance(v, str) or v is None
        }
        if not any(values.values()):
            continue  # a blank line
        file = values.get("file", "")
        exercise = values.get("exercise", "").lower()
        exercise = exercise_id(exercise) or exercise
        if not file:
            raise ConfigError(
                f"Manifest {manifest}, line {line_no}: the 'file' cell is empty.",
                "Give every row the clip's file name (relative to the manifest's folder).",
            )
        if not exercise:
            raise ConfigError(
                f"Manifest {manifest}, line {line_no}: no exercise for {file}.",
                f"Fill in the exercise: {', '.join(registry.exercise_ids())}, or any other "
                "name for clips of other movements.",
            )
        if file in seen:
            raise ConfigError(
                f"Manifest {manifest}: {file} is listed twice (lines {seen[file]} and {line_no}).",
                "List every clip once.",
            )
        seen[file] = line_no
        rows.append(
            ManifestRow(
                file=file,
                path=_resolve(base, file),
                exercise=exercise,
                label=values.get("label", "").lower() or UNKNOWN,
                view=values.get("view", "").lower() or UNKNOWN,
                group=_group(values.get("notes", "")),
            )
        )
    if not rows:
        raise ConfigError(
            f"Manifest {manifest} has a header but no rows.",
            "Add one row per labelled clip.",
        )
    return rows


# ----------------------------------------------------------------------------- outcomes
@dataclass
class ClipOutcome:
    """What the system said about one clip.

    ``exercise`` and ``label`` echo the manifest. ``predicted_exercise`` is the exercise
    recognised with ``auto`` (None when that failed); ``fault_codes`` are the faults found
    when the clip was analysed as the manifest's exercise. ``error`` is a one-line message
    when the analysis failed. ``details`` carries anything else worth keeping in the report
    (recognition confidence, timing, ...); it must be JSON-serialisable.
    """

    file: str
    exercise: str
    label: str
    predicted_exercise: str | None
    fault_codes: list[str] = field(default_factory=list)
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den > 0 else None


def fault_scores(tp: int, fp: int, fn: int, tn: int, failed: int = 0) -> dict[str, Any]:
    """Counts plus precision, recall and F1; a 0/0 ratio is None (JSON null).

    ``failed`` counts negatives (good clips) whose analysis failed: they are neither a false
    alarm nor a correct negative. Failed positives are already in ``fn``.
    """
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "failed": failed,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        # 2TP / (2TP + FP + FN) equals the harmonic mean of precision and recall where both
        # exist, and is defined (0) when one of them is 0/0 but there were mistakes.
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
        "positives": tp + fn,
        "negatives": fp + tn + failed,
    }


@dataclass
class EvaluationReport:
    """Scores of a labelled set.

    ``faults[code]`` holds ``tp, fp, fn, tn, failed, precision, recall, f1, positives,
    negatives`` (``failed``: good clips whose analysis failed, see :func:`fault_scores`).
    ``exercise_accuracy`` holds ``accuracy`` (None for no rows), ``correct``, ``total`` and
    ``confusion[true][predicted]`` counts over the recognition classes (the registered
    exercises and ``other``; + ``none`` for clips without a prediction). ``clips`` has one dict per manifest row with its outcome and
    how it was scored. ``good_clips`` counts, per exercise, good clips reported with no fault
    at all (any code, scored or not), the figure a user feels as false alarms.
    """

    faults: dict[str, dict[str, Any]]
    exercise_accuracy: dict[str, Any]
    clips: list[dict[str, Any]]
    good_clips: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [c for c in self.clips if c["error"] is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "faults": {code: dict(scores) for code, scores in self.faults.items()},
            "exercise_accuracy": {
                **self.exercise_accuracy,
                "confusion": {t: dict(p) for t, p in self.exercise_accuracy["confusion"].items()},
            },
            "good_clips": {ex: dict(v) for ex, v in self.good_clips.items()},
            "clips": [json_safe(dict(c)) for c in self.clips],
        }

    def format_table(self) -> str:
        """A plain-text summary: the fault table, the confusion matrix and any errors."""
        lines = [
            "Faults (clip level; positives = clips labelled with the fault, "
            "negatives = good clips of the same exercise)",
        ]
        head = (
            "fault",
            "pos",
            "neg",
            "TP",
            "FP",
            "FN",
            "TN",
            "failed",
            "precision",
            "recall",
            "F1",
        )
        table = [head]
        for code, s in self.faults.items():
            table.append(
                (
                    code,
                    *(
                        str(s[k])
                        for k in ("positives", "negatives", "tp", "fp", "fn", "tn", "failed")
                    ),
                    *(_fmt(s[k]) for k in ("precision", "recall", "f1")),
                )
            )
        lines.extend(_align(table, left_columns=1))

        if self.good_clips:
            lines.append("")
            lines.append("Good clips reported with no fault at all:")
            for exercise, counts in self.good_clips.items():
                line = f"  {exercise}: {counts['clean']}/{counts['total']}"
                if "interval_95" in counts:
                    low, high = counts["interval_95"]
                    line += (
                        f" ({counts['groups']} lifter sessions; group-bootstrap 95% interval "
                        f"{100 * low:.0f}-{100 * high:.0f}% clean)"
                    )
                lines.append(line)

        acc = self.exercise_accuracy
        lines.append("")
        lines.append(
            f"Exercise recognition (auto): {acc['correct']}/{acc['total']} correct"
            + (f" = {100 * acc['accuracy']:.1f}%" if acc["accuracy"] is not None else "")
        )
        confusion = acc["confusion"]
        columns = list(registry.recognition_classes())
        if any(row.get(NO_PREDICTION, 0) for row in confusion.values()):
            columns.append(NO_PREDICTION)
        matrix = [("true \\ predicted", *columns, "total")]
        for true, row in confusion.items():
            matrix.append((true, *(str(row.get(c, 0)) for c in columns), str(sum(row.values()))))
        lines.extend(_align(matrix, left_columns=1))

        errors = self.errors
        if errors:
            lines.append("")
            lines.append(
                f"Clips that failed ({len(errors)}; a positive counts as missed, a good clip "
                "as failed, never as a correct negative):"
            )
            lines.extend(f"  {c['file']}: {c['error']}" for c in errors)
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _align(rows: Sequence[Sequence[str]], left_columns: int = 1) -> list[str]:
    """Rows of cells as aligned text: the first ``left_columns`` left-aligned, the rest right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [
            cell.ljust(w) if i < left_columns else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


# ----------------------------------------------------------------------------- scoring
def _outcome_for(row: ManifestRow, by_file: dict[str, ClipOutcome]) -> ClipOutcome:
    outcome = by_file.get(row.file)
    if outcome is None:
        return ClipOutcome(row.file, row.exercise, row.label, None, [], "no outcome recorded")
    return outcome


def score_outcomes(
    rows: Sequence[ManifestRow], outcomes: Iterable[ClipOutcome]
) -> EvaluationReport:
    """Score outcomes against the manifest rows (matched by ``file``).

    The manifest's exercise and label are the truth, whatever an outcome echoes. A row with
    no outcome is scored as a failed clip ("no outcome recorded"); outcomes for files not in
    ``rows`` are ignored.
    """
    by_file = {o.file: o for o in outcomes}
    codes = all_fault_codes()
    labels, faults_of = label_to_fault(), exercise_faults()
    counts = {code: {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "failed": 0} for code in codes}
    confusion: dict[str, dict[str, int]] = {}
    good: dict[str, dict[str, int]] = {}
    clean_hits: list[bool] = []
    clean_groups: list[str] = []
    clips: list[dict[str, Any]] = []
    correct = 0

    for row in rows:
        outcome = _outcome_for(row, by_file)
        failed = outcome.error is not None
        found = set() if failed else {str(c) for c in outcome.fault_codes}
        expected = labels.get(row.label)
        scored: dict[str, str] = {}
        for code in codes:
            if expected == code:
                key = "tp" if code in found else "fn"
            elif row.label == GOOD and code in faults_of.get(row.exercise, ()):
                key = "failed" if failed else "fp" if code in found else "tn"
            else:
                continue  # unknown labels, other faults' clips, other exercises
            counts[code][key] += 1
            scored[code] = key.upper()

        if row.label == GOOD and row.exercise in faults_of:
            entry = good.setdefault(row.exercise, {"clean": 0, "total": 0})
            entry["total"] += 1
            entry["clean"] += int(not failed and not found)
            clean_hits.append(not failed and not found)
            clean_groups.append(row.group or row.file)

        true_class = recognition_class(row.exercise)
        predicted_class = recognition_class(None if failed else outcome.predicted_exercise)
        confusion.setdefault(true_class, {})
        confusion[true_class][predicted_class] = confusion[true_class].get(predicted_class, 0) + 1
        correct += int(true_class == predicted_class)

        clips.append(
            {
                "file": row.file,
                "exercise": row.exercise,
                "label": row.label,
                "view": row.view,
                "expected_fault": expected,
                "fault_codes": sorted(found),
                "scored": scored,
                "predicted_exercise": None if failed else outcome.predicted_exercise,
                "exercise_class": true_class,
                "predicted_class": predicted_class,
                "exercise_correct": true_class == predicted_class,
                "error": outcome.error,
                "details": json_safe(dict(outcome.details)),
            }
        )

    if clean_hits:
        low, high = group_bootstrap_share(clean_hits, clean_groups)
        good["all"] = {
            "clean": int(sum(clean_hits)),
            "total": len(clean_hits),
            "groups": len(set(clean_groups)),
            "interval_95": [round(low, 3), round(high, 3)],
        }
    order = [c for c in registry.recognition_classes() if c in confusion]
    confusion = {t: confusion[t] for t in order}
    total = len(rows)
    return EvaluationReport(
        faults={code: fault_scores(**counts[code]) for code in codes},
        exercise_accuracy={
            "accuracy": _ratio(correct, total),
            "correct": correct,
            "total": total,
            "confusion": confusion,
        },
        clips=clips,
        good_clips={ex: good[ex] for ex in (*registry.exercise_ids(), "all") if ex in good},
    )


# ----------------------------------------------------------------------------- running
AnalyzeClip = Callable[[Path, ManifestRow], ClipOutcome]
Progress = Callable[[int, int, ClipOutcome], None]


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, FormcheckError):
        return exc.problem
    return f"{type(exc).__name__}: {exc}"


def analyze_rows(
    rows: Sequence[ManifestRow], analyze_clip: AnalyzeClip, progress: Progress | None = None
) -> list[ClipOutcome]:
    """Run ``analyze_clip`` on every row, turning any failure into that clip's error.

    ``progress(done, total, outcome)`` is called after each clip.
    """
    outcomes: list[ClipOutcome] = []
    for i, row in enumerate(rows, start=1):
        if not row.path.exists():
            outcome = ClipOutcome(
                row.file, row.exercise, row.label, None, [], f"file not found: {row.path}"
            )
        else:
            try:
                outcome = analyze_clip(row.path, row)
                if not isinstance(outcome, ClipOutcome):
                    raise TypeError(
                        f"analyze_clip returned {type(outcome).__name__}, not ClipOutcome"
                    )
                # The manifest is the truth about which clip this is.
                outcome = replace(
                    outcome,
                    file=row.file,
                    exercise=row.exercise,
                    label=row.label,
                    fault_codes=list(outcome.fault_codes),
                )
            except Exception as exc:  # one broken clip must not end a long evaluation
                outcome = ClipOutcome(row.file, row.exercise, row.label, None, [], _error_text(exc))
        outcomes.append(outcome)
        if progress is not None:
            progress(i, len(rows), outcome)
    return outcomes


def evaluate_manifest(
    manifest_path: str | Path,
    analyze_clip: AnalyzeClip,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Read a manifest, analyse every clip with ``analyze_clip`` and score the outcomes.

    ``analyze_clip(path, row)`` must return a :class:`ClipOutcome` carrying both the ``auto``
    exercise prediction and the fault codes found with ``row.exercise``. It may raise: the
    clip is then recorded with the error and the evaluation goes on.
    """
    rows = read_manifest(manifest_path)
    return score_outcomes(rows, analyze_rows(rows, analyze_clip, progress))
