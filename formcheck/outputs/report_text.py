"""Plain-text verdicts for the terminal: a per-rep table and the set summary."""

from __future__ import annotations

from formcheck.exercises import registry
from formcheck.exercises.base import ExerciseResult, Fault
from formcheck.exercises.spec import Measure
from formcheck.features.view import VIEW_WORDS

# Headings for a clip that is none of the registered exercises (each exercise's own heading is
# its spec's title).
UNRECOGNISED_TITLES = {
    registry.OTHER: "Not one of the checked exercises",
    registry.AUTO: "Exercise not recognised",
}


def exercise_title(exercise: str) -> str:
    """The heading of a verdict on ``exercise``: "Kettlebell swing", "Exercise not recognised"."""
    spec = registry.find(exercise)
    if spec is not None:
        return spec.title
    return UNRECOGNISED_TITLES.get(exercise, exercise)


def is_hold(exercise: str) -> bool:
    """Whether ``exercise`` is measured as a timed hold (rather than counted reps)."""
    spec = registry.find(exercise)
    return spec is not None and spec.measure is Measure.HOLD


def _seconds(ms: float | None) -> str:
    return "-" if ms is None else f"{ms / 1000.0:5.1f}s"


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _fault_line(fault: Fault) -> str:
    if fault.rep is not None:
        phase = " lowering" if fault.measured.get("lowering") else ""
        where = f"rep {fault.rep}{phase}"
    elif fault.end_ms <= fault.start_ms:
        where = f"at {fault.start_ms / 1000:.1f}s"
    else:
        where = f"{fault.start_ms / 1000:.1f}-{fault.end_ms / 1000:.1f}s"
    # Evidence: measurements past the threshold of the same name; a signal that stayed below
    # its own limit did not cause this fault and is not shown as if it had.
    crossed = [
        f"{name} {_number(fault.measured[name])} (limit {_number(limit)})"
        for name, limit in fault.thresholds.items()
        if fault.measured.get(name) is not None and abs(fault.measured[name]) >= abs(limit)
    ]
    if crossed:
        evidence = ", ".join(crossed)
    else:
        values = ", ".join(
            f"{name} {_number(v)}" for name, v in list(fault.measured.items())[:3] if v is not None
        )
        limits = ", ".join(f"{name} {_number(v)}" for name, v in fault.thresholds.items())
        evidence = f"{values}; thresholds: {limits}" if limits else values
    signals = f" [{'+'.join(fault.signals)}]" if fault.signals else ""
    return (
        f"  - {fault.code} ({where}, severity {fault.severity:.2f}, confidence "
        f"{fault.confidence:.2f}){signals}: {fault.cue}"
        + (f"\n      {evidence}" if evidence else "")
    )


def format_result(result: ExerciseResult, source_name: str = "") -> str:
    title = exercise_title(result.exercise)
    if result.variant:
        title += f" ({result.variant})"
    lines = [f"{title}" + (f" - {source_name}" if source_name else "")]
    if result.recognition:
        best = max(result.recognition.items(), key=lambda kv: kv[1])
        lines.append(f"recognised as {best[0]} ({best[1]:.0%})")
    view = result.view
    if view is not None and view.view:
        facing = f", facing {view.facing}" if view.facing else ""
        lines.append(f"camera view: {VIEW_WORDS.get(view.view, view.view)}{facing}")
    if not result.assessable:
        lines.append(f"NOT ASSESSABLE: {result.reason}")
        lines.extend(f"advice: {a}" for a in result.summary.advice)
        lines.append(result.disclaimer)
        return "\n".join(lines)

    if result.reps:
        lines.append("")
        lines.append(f"{'rep':>3}  {'start':>6}  {'key':>6}  {'end':>6}  {'time':>5}  faults")
        for rep in result.reps:
            faults = ", ".join(rep.fault_codes) if rep.fault_codes else "ok"
            lines.append(
                f"{rep.index:>3}  {_seconds(rep.start_ms):>6}  {_seconds(rep.key_ms):>6}  "
                f"{_seconds(rep.end_ms):>6}  {rep.duration_s:4.1f}s  {faults}"
            )
    summary = result.summary
    lines.append("")
    lines.append("summary:")
    if is_hold(result.exercise) and summary.hold_s is None:
        lines.append("  posture judged from a single photo")
    elif is_hold(result.exercise):
        lines.append(
            f"  hold: {summary.hold_s or 0:.1f}s, good form: {summary.good_form_s or 0:.1f}s"
        )
        if summary.form_broke_ms is not None:
            lines.append(f"  form broke at {summary.form_broke_ms / 1000:.1f}s: stop the set there")
    else:
        tempo = f", {summary.mean_rep_s:.1f}s per rep" if summary.mean_rep_s else ""
        lines.append(f"  reps: {summary.rep_count}{tempo}")
    if result.faults:
        lines.append("  faults:")
        lines.extend(_fault_line(f) for f in result.faults)
    else:
        lines.append("  no faults found")
    if result.notes:
        lines.append("  notes (slight, short of a fault; --strictness strict flags them):")
        lines.extend(_fault_line(f) for f in result.notes)
    if result.baseline is not None and result.baseline.get("used"):
        # (A baseline that could not serve says so once, in the advice.)
        lines.append(f"  baseline (used): {result.baseline.get('why')}")
    for code, why in result.not_judged.items():
        lines.append(f"  not judged: {code}: {why}")
    for advice in summary.advice:
        lines.append(f"  advice: {advice}")
    lines.append("")
    lines.append(result.disclaimer)
    return "\n".join(lines)
