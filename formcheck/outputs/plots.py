"""Angle-over-time plots for the report: threshold bands, fault spans and rep boundaries.

Each exercise gets the few signals its rules read (its spec's ``plots``), drawn against time
with the zone beyond each fault threshold shaded, the spans where that fault was found
highlighted (in the fault's spec colour) and the reps marked, so a reader can see *why* a rep
was flagged. Thresholds are read from the typed rule config in use (strictness presets and
config files included); one that is switched off (infinite) is simply not drawn.

matplotlib is optional (the ``report`` extra) and used through its object API on the Agg
backend: no display, no global pyplot state.
"""

from __future__ import annotations

import importlib
import io
from typing import Any

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.exercises import registry
from formcheck.exercises.base import ExerciseResult
from formcheck.exercises.generic_plots import GENERIC_PLOTS
from formcheck.exercises.spec import PlotSpec
from formcheck.features.core import Features

REPORT_EXTRA_HINT = (
    "Install report support with: pip install formcheck[report]  (or: pip install matplotlib)"
)

# Fault spans without a colour of their own (a fault code no registered exercise declares).
DEFAULT_FAULT_COLOUR = "#888888"
LINE_COLOUR = "#1f4e79"
BAND_COLOUR = "#e34a33"
# A fault threshold (dashed, the band's colour) and a reference level such as a rep-detection
# angle (dotted grey): the styles of their lines.
BAND_LINE = {"color": BAND_COLOUR, "lw": 1.0, "ls": "--", "alpha": 0.8}
REF_LINE = {"color": "#777777", "lw": 0.8, "ls": ":"}
REF_TEXT_COLOUR = "#555555"


def plot_specs(exercise: str) -> tuple[PlotSpec, ...]:
    """The signals the report plots for ``exercise``: its spec's, or for an exercise not known
    (auto, other) the hinge and the knee bend, which show most movements (``GENERIC_PLOTS`` of
    :mod:`formcheck.exercises.generic_plots`)."""
    spec = registry.find(exercise)
    return spec.plots if spec is not None else GENERIC_PLOTS


def fault_colour(code: str, exercise: str | None = None) -> str:
    """The plot colour of a fault (from its spec; grey for a code no exercise declares)."""
    spec = registry.fault_spec(code, exercise)
    return spec.colour if spec is not None else DEFAULT_FAULT_COLOUR


def signal_values(features: Features, key: str) -> np.ndarray:
    """(T,) values of a feature, or of a signal an exercise derives (NaN where not measurable)."""
    if key in features.values:
        return np.asarray(features.values[key], dtype=np.float64)
    for spec in registry.all_specs():
        for plot in spec.plots:
            if plot.key == key and plot.derive is not None:
                return np.asarray(plot.derive(features), dtype=np.float64)
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


def _labelled_level(
    ax, value: float, label: str, line: dict[str, Any], text_colour: str, side: str, va: str
) -> None:
    """A horizontal line at ``value`` (``line``: its style) with ``label`` at one ``side``."""
    ax.axhline(value, **line)
    ax.text(
        0.005 if side == "left" else 0.995,
        value,
        f" {label} ",
        transform=ax.get_yaxis_transform(),
        ha=side,
        va=va,
        fontsize=8,
        color=text_colour,
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
        va = "bottom" if band.above else "top"
        _labelled_level(ax, band.value, band.label, BAND_LINE, BAND_COLOUR, "left", va)
    for value, label in refs:
        _labelled_level(ax, value, label, REF_LINE, REF_TEXT_COLOUR, "right", "bottom")
    seen: set[str] = set()
    for fault in result.faults:
        if fault.code not in spec.faults:
            continue
        colour = fault_colour(fault.code, result.exercise)
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
        colour = fault_colour(fault.code, result.exercise)
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
