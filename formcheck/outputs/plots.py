"""Angle-over-time plots for the report: threshold bands, fault spans and rep boundaries.

Each exercise gets the few signals its rules read (``plot_specs``), drawn against time with the
zone beyond each fault threshold shaded, the spans where that fault was found highlighted and
the reps marked, so a reader can see *why* a rep was flagged. Thresholds are read from the rule
configs in use (strictness presets and config files included); one that is missing is simply
not drawn.

matplotlib is optional (the ``report`` extra) and used through its object API on the Agg
backend: no display, no global pyplot state.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.exercises.base import ExerciseResult
from formcheck.features.core import Features

REPORT_EXTRA_HINT = (
    "Install report support with: pip install formcheck[report]  (or: pip install matplotlib)"
)

# Fault span colours by code (colour-blind-safe palette), grey for anything new.
FAULT_COLOURS = {
    "rounded_back": "#d55e00",
    "squatting": "#cc79a7",
    "hips_sagging": "#d55e00",
    "hips_piked": "#e69f00",
    "neck_not_neutral": "#cc79a7",
    "elbows_not_under_shoulders": "#0072b2",
    "leaning_back": "#d55e00",
    "on_toes": "#e69f00",
    "arms_lifting": "#0072b2",
}
DEFAULT_FAULT_COLOUR = "#888888"
LINE_COLOUR = "#1f4e79"
BAND_COLOUR = "#e34a33"


@dataclass(frozen=True)
class Band:
    """The zone beyond a threshold: values above ``lo`` (when ``above``) or below it."""

    value: float
    above: bool
    label: str


@dataclass(frozen=True)
class PlotSpec:
    """One signal to plot and how to judge it."""

    key: str  # a feature name or a derived signal (see signal_values)
    title: str
    unit: str  # "deg" or "" (ratios)
    description: str
    faults: tuple[str, ...] = ()
    # (config) -> bands; a missing config field gives no band.
    bands: Callable[[Any], list[Band]] = field(default=lambda cfg: [])
    # (config) -> reference lines (value, label): rep-detection levels, not faults.
    refs: Callable[[Any], list[tuple[float, str]]] = field(default=lambda cfg: [])


def _get(cfg: Any, name: str) -> float | None:
    value = getattr(cfg, name, None)
    return float(value) if isinstance(value, (int, float)) and np.isfinite(value) else None


def _band(value: float | None, above: bool, label: str) -> list[Band]:
    return [] if value is None else [Band(value, above, label)]


def _sum(a: float | None, b: float | None, sign: float = 1.0) -> float | None:
    return None if a is None or b is None else a + sign * b


def _neg(value: float | None) -> float | None:
    return None if value is None else -value


def _ref(cfg: Any, name: str, label: str) -> list[tuple[float, str]]:
    value = _get(cfg, name)
    return [] if value is None else [(value, label)]


_DEADLIFT = (
    PlotSpec(
        "hip_flexion",
        "Hip flexion",
        "deg",
        "0 standing tall, ~90 torso folded to the thighs: the hinge",
    ),
    PlotSpec(
        "trunk_inclination",
        "Torso from vertical",
        "deg",
        "0 upright, 90 horizontal; reps run from the bottom (tipped) to lockout (upright)",
        refs=lambda c: _ref(c, "lockout_lean_deg", "lockout") + _ref(c, "hinge_lean_deg", "bottom"),
    ),
    PlotSpec(
        "knee_flexion",
        "Knee flexion",
        "deg",
        "0 straight leg; a squatted pull bends the knees a lot with the torso upright",
        faults=("squatting",),
        bands=lambda c: _band(_get(c, "squat_knee_flexion_deg"), True, "squat depth"),
    ),
    PlotSpec(
        "neck_flexion",
        "Head against the trunk",
        "deg",
        "+ head dropped toward the floor; with the back outline it shows a rounding back",
        faults=("rounded_back",),
        bands=lambda c: _band(_get(c, "head_drop_threshold_deg"), True, "head dropped"),
    ),
)

_PLANK = (
    PlotSpec(
        "hip_bend",
        "Hip bend (shoulder-hip-ankle line)",
        "deg",
        "0 straight; - hips sagging below the line, + hips piked above it "
        "(the model reads a straight body a few degrees piked)",
        faults=("hips_sagging", "hips_piked"),
        bands=lambda c: (
            _band(
                _sum(_get(c, "hip_bend_offset_deg"), _get(c, "hip_sag_deg"), -1.0), False, "sagging"
            )
            + _band(_sum(_get(c, "hip_bend_offset_deg"), _get(c, "hip_pike_deg")), True, "piked")
        ),
    ),
    PlotSpec(
        "head_pitch",
        "Head (face against the trunk)",
        "deg",
        "the main neck check; + head hanging, - craned up (the model reads a neutral head a "
        "few degrees +)",
        faults=("neck_not_neutral",),
        bands=lambda c: (
            _band(
                _sum(_get(c, "head_pitch_offset_deg"), _get(c, "head_hang_max_deg")),
                True,
                "hanging",
            )
            + _band(
                _sum(_get(c, "head_pitch_offset_deg"), _get(c, "head_crane_max_deg"), -1.0),
                False,
                "craned",
            )
        ),
    ),
    PlotSpec(
        "neck_flexion",
        "Neck line (shoulder to ear)",
        "deg",
        "~0 neutral; + head hanging, - craned up; flags a whole neck out of line",
        faults=("neck_not_neutral",),
        bands=lambda c: (
            _band(_get(c, "neck_max_deg"), True, "hanging")
            + _band(_neg(_get(c, "neck_max_deg")), False, "craned")
        ),
    ),
    PlotSpec(
        "upper_arm_from_vertical",
        "Upper arm from vertical",
        "deg",
        "0 elbows directly under the shoulders",
        faults=("elbows_not_under_shoulders",),
        bands=lambda c: (
            _band(_get(c, "elbow_max_deg"), True, "elbows off")
            + _band(_neg(_get(c, "elbow_max_deg")), False, "elbows off")
        ),
    ),
)

_SWING = (
    PlotSpec(
        "hip_flexion",
        "Hip flexion",
        "deg",
        "0 hips fully extended at the top, ~90 deep in the backswing",
        refs=lambda c: _ref(c, "top_deg", "top") + _ref(c, "hinge_deg", "hinge"),
    ),
    PlotSpec(
        "trunk_lean",
        "Trunk lean",
        "deg",
        "+ bent forward, 0 vertical, - leaning back",
        faults=("leaning_back",),
        bands=lambda c: _band(_neg(_get(c, "lean_back_deg")), False, "leaning back"),
    ),
    PlotSpec(
        "ankle_above_toe",
        "Ankle above the toes",
        "",
        "ankle height over the toe point, in torso lengths; it rises with the heels. No fixed "
        "band: the rule compares each backswing with the lifter's own flat-footed tops, "
        "together with the heel, the ankle's rise and the hips over the ankles",
        faults=("on_toes",),
    ),
    PlotSpec(
        "wrist_height",
        "Wrist height",
        "",
        "wrists above (+) or below (-) the shoulders, in torso lengths",
        faults=("arms_lifting",),
        bands=lambda c: _band(_get(c, "wrist_above_shoulder"), True, "arms lifting"),
    ),
    PlotSpec(
        "knee_flexion",
        "Knee flexion",
        "deg",
        "0 straight leg; a squat bends the knees as much as the hips",
        faults=("squatting",),
    ),
)

PLOT_SPECS: dict[str, tuple[PlotSpec, ...]] = {
    "deadlift": _DEADLIFT,
    "plank": _PLANK,
    "kbswing": _SWING,
}
_DEFAULT_SPECS = (_DEADLIFT[0], _DEADLIFT[2])

# The moment a fault is worst: (signal, direction) -> the frame of its span where the signal is
# largest (+1), smallest (-1) or furthest from 0 (0).
WORST_MOMENT: dict[str, tuple[str, int]] = {
    "rounded_back": ("hip_flexion", 1),  # the pull from the floor loads the back most
    "squatting": ("knee_flexion", 1),
    "hips_sagging": ("hip_bend", -1),
    "hips_piked": ("hip_bend", 1),
    "neck_not_neutral": ("head_pitch", 0),
    "elbows_not_under_shoulders": ("upper_arm_from_vertical", 0),
    "leaning_back": ("trunk_lean", -1),
    "on_toes": ("ankle_above_toe", 1),
    "arms_lifting": ("wrist_height", 1),
}


def plot_specs(exercise: str) -> tuple[PlotSpec, ...]:
    return PLOT_SPECS.get(exercise, _DEFAULT_SPECS)


def signal_values(features: Features, key: str) -> np.ndarray:
    """(T,) values of a feature or a derived signal (NaN where not measurable)."""
    if key == "hip_bend":
        # Signed bend of the shoulder-hip-ankle line: + hips posterior (piked), - sagging.
        line = features.values["body_line_angle"]
        with np.errstate(invalid="ignore"):
            return line * np.sign(features.values["hip_line_offset"])
    if key in features.values:
        return np.asarray(features.values[key], dtype=np.float64)
    return np.full(len(features), np.nan)


def require_matplotlib():
    """matplotlib's Figure and Agg canvas, or a FormcheckError saying how to install it."""
    try:
        # The top-level package first: its submodules may already be imported while the
        # package itself is unusable.
        importlib.import_module("matplotlib")
        # Figure + the Agg canvas directly: no pyplot, so a notebook's or GUI's own backend
        # is left alone and nothing needs a display.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise FormcheckError(
            "The HTML report needs matplotlib for its plots, which is not installed.",
            REPORT_EXTRA_HINT,
        ) from exc
    return Figure, FigureCanvasAgg


def _png(fig, canvas_cls) -> bytes:
    canvas_cls(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _mark_reps(ax, result: ExerciseResult, label: bool) -> None:
    for rep in result.reps:
        ax.axvline(rep.start_ms / 1000.0, color="#555555", lw=0.8, alpha=0.6)
        ax.axvline(rep.key_ms / 1000.0, color="#555555", lw=0.8, ls=":", alpha=0.6)
        if label:
            ax.text(
                rep.key_ms / 1000.0,
                1.0,
                f" {rep.index}",
                transform=ax.get_xaxis_transform(),
                va="bottom",
                ha="center",
                fontsize=8,
                color="#333333",
            )


def angle_plot_png(
    spec: PlotSpec,
    features: Features,
    result: ExerciseResult,
    config: Any = None,
    *,
    size: tuple[float, float] = (8.0, 2.4),
) -> bytes:
    """One signal over time as PNG bytes."""
    Figure, Canvas = require_matplotlib()
    t = np.asarray(features.time_ms, np.float64) / 1000.0
    y = signal_values(features, spec.key)
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    finite = y[np.isfinite(y)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    bands = spec.bands(config) if config is not None else []
    refs = spec.refs(config) if config is not None else []
    for band in bands:
        lo, hi = min(lo, band.value), max(hi, band.value)
    pad = 0.08 * (hi - lo) + (1.0 if spec.unit == "deg" else 0.02)
    ylim = (lo - pad, hi + pad)
    for band in bands:
        edge = ylim[1] if band.above else ylim[0]
        ax.axhspan(
            min(band.value, edge), max(band.value, edge), color=BAND_COLOUR, alpha=0.10, lw=0
        )
        ax.axhline(band.value, color=BAND_COLOUR, lw=1.0, ls="--", alpha=0.8)
        ax.text(
            0.005,
            band.value,
            f" {band.label} ",
            transform=ax.get_yaxis_transform(),
            va="bottom" if band.above else "top",
            fontsize=8,
            color=BAND_COLOUR,
        )
    for value, label in refs:
        ax.axhline(value, color="#777777", lw=0.8, ls=":")
        ax.text(
            0.995,
            value,
            f" {label} ",
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=8,
            color="#555555",
        )
    seen: set[str] = set()
    for fault in result.faults:
        if fault.code not in spec.faults:
            continue
        colour = FAULT_COLOURS.get(fault.code, DEFAULT_FAULT_COLOUR)
        ax.axvspan(
            fault.start_ms / 1000.0,
            max(fault.end_ms, fault.start_ms + 30.0) / 1000.0,
            color=colour,
            alpha=0.22,
            lw=0,
            label=fault.code.replace("_", " ") if fault.code not in seen else None,
        )
        seen.add(fault.code)
    _mark_reps(ax, result, label=True)
    ax.plot(t, y, color=LINE_COLOUR, lw=1.4)
    ax.set_ylim(*ylim)
    if len(t):
        ax.set_xlim(float(t[0]), float(t[-1]))
    unit = " (deg)" if spec.unit == "deg" else ""
    ax.set_ylabel(f"{spec.title.split(' (')[0]}{unit}", fontsize=8)
    ax.set_xlabel("time (s)", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.25)
    if seen:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    return _png(fig, Canvas)


def timeline_png(
    result: ExerciseResult, duration_s: float, *, size: tuple[float, float] = (8.0, 1.6)
) -> bytes:
    """Reps and fault spans on one time axis (a row per fault code) as PNG bytes."""
    Figure, Canvas = require_matplotlib()
    codes = list(dict.fromkeys(f.code for f in result.faults))
    rows = ["reps", *codes] if result.reps or not codes else codes
    height = max(size[1], 0.45 * len(rows) + 0.8)
    fig = Figure(figsize=(size[0], height), layout="constrained")
    ax = fig.add_subplot()
    for rep in result.reps:
        ax.barh(
            rows.index("reps"),
            (rep.end_ms - rep.start_ms) / 1000.0,
            left=rep.start_ms / 1000.0,
            height=0.5,
            color="#9ecae1" if not rep.fault_codes else "#fdae6b",
            edgecolor="#3182bd",
        )
        ax.text(
            (rep.start_ms + rep.end_ms) / 2000.0,
            rows.index("reps"),
            str(rep.index),
            ha="center",
            va="center",
            fontsize=8,
        )
    for fault in result.faults:
        colour = FAULT_COLOURS.get(fault.code, DEFAULT_FAULT_COLOUR)
        width = max(fault.end_ms - fault.start_ms, 30.0) / 1000.0
        ax.barh(
            rows.index(fault.code),
            width,
            left=fault.start_ms / 1000.0,
            height=0.5,
            color=colour,
            alpha=0.35 + 0.65 * float(np.clip(fault.severity, 0.0, 1.0)),
        )
    ax.set_yticks(range(len(rows)), [r.replace("_", " ") for r in rows], fontsize=8)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.invert_yaxis()
    ax.set_xlim(0.0, max(duration_s, 0.1))
    ax.set_xlabel("time (s)", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", alpha=0.25)
    return _png(fig, Canvas)
