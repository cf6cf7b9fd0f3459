"""The progress page: one self-contained HTML file per person, in the clip report's style.

Per exercise: the load advice with its evidence, then plots over time (load and reps, or the
hold and the time in good form; faults per rep), with the weeks where form broke shaded, the
list of those weeks, and every set with a link to its own report where one was written. The
plots are inline SVG (no script, no image files, nothing fetched), so the page needs no extra
package and opens anywhere, as the clip report does.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from formcheck.apps.log.advice import Action, Advice, advise
from formcheck.apps.log.records import LoggedSet
from formcheck.apps.log.summary import (
    BrokenWeek,
    broken_weeks,
    faults_per_rep,
    first_day,
)
from formcheck.errors import ConfigError
from formcheck.exercises import registry
from formcheck.exercises.base import DISCLAIMER
from formcheck.exercises.spec import Measure
from formcheck.outputs.report_html import CSS as REPORT_CSS
from formcheck.paths import ensure_writable, write_text_atomic

# Plot size in SVG units (scaled to the page width) and its margins for the axis labels.
WIDTH, HEIGHT = 900, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 36
# A colour-blind-safe pair (Okabe-Ito blue and orange) and the clip report's fault red.
BLUE, ORANGE, RED = "#0072B2", "#E69F00", "#d32f2f"

CSS = (
    REPORT_CSS
    + """
svg.plot { width:100%; height:auto; background:#fff; border:1px solid var(--line);
           border-radius:8px; margin: 0 0 12px; }
svg.plot text { font: 12px system-ui, sans-serif; fill: var(--muted); }
svg.plot .title { fill: var(--ink); font-weight: 600; }
.advice-box { background:#fff; border:1px solid var(--line); border-left:6px solid var(--accent);
              border-radius:8px; padding:10px 14px; margin: 0 0 14px; }
.advice-box.add { border-left-color: var(--ok); } .advice-box.lower { border-left-color: var(--bad); }
.advice-box .what { font-weight:600; font-size:1.1em; }
"""
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: tuple[tuple[_dt.datetime, float, str], ...]  # (when, value, tooltip)


def _nice_top(value: float) -> float:
    """A round axis top a little above ``value`` whose quarters are round too (1, 2, 4, 6 or
    8 times a power of ten)."""
    if not value > 0:
        return 1.0
    raw = value * 1.05
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(step * magnitude for step in (1, 2, 4, 6, 8, 10) if step * magnitude >= raw)


def svg_plot(title: str, unit: str, lines: Sequence[Line], shaded: Sequence[BrokenWeek]) -> str:
    """A small time plot as inline SVG: one polyline with dots per line, broken weeks shaded."""
    points = [p for line in lines for p in line.points]
    if not points:
        return ""
    times = [p[0] for p in points]
    t0 = min(times) - _dt.timedelta(days=1)
    t1 = max(times) + _dt.timedelta(days=1)
    span = (t1 - t0).total_seconds()
    top = _nice_top(max(p[1] for p in points))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: _dt.datetime) -> float:
        return LEFT + inner_w * (t - t0).total_seconds() / span

    def y(v: float) -> float:
        return TOP + inner_h * (1 - v / top)

    parts = [
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{_e(title)}">',
        f'<text class="title" x="{LEFT}" y="18">{_e(title)}</text>',
    ]
    for week in shaded:
        start = _dt.datetime.combine(week.start, _dt.time())
        a, b = max(x(start), LEFT), min(x(start + _dt.timedelta(days=7)), WIDTH - RIGHT)
        if b > a:
            parts.append(
                f'<rect class="broke" x="{a:.1f}" y="{TOP}" width="{b - a:.1f}" height="{inner_h}" '
                f'fill="{RED}" fill-opacity="0.10"><title>week {week.week}: form broke</title></rect>'
            )
    for i in range(5):
        value = top * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#e3e8ee"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{value:.3g}</text>"
        )
    days = sorted({t.date() for t in times})
    stride = max(1, len(days) // 6)
    for day in days[::stride]:
        at = x(_dt.datetime.combine(day, _dt.time(12)))
        parts.append(
            f'<text x="{at:.1f}" y="{HEIGHT - 12}" text-anchor="middle">{day:%d %b}</text>'
        )
    parts.append(
        f'<text x="14" y="{TOP + inner_h / 2:.0f}" transform="rotate(-90 14 {TOP + inner_h / 2:.0f})" '
        f'text-anchor="middle">{_e(unit)}</text>'
    )
    legend_x = WIDTH - RIGHT
    for line in reversed(lines):
        legend_x -= 28 + 7 * len(line.label)
        parts.append(
            f'<circle cx="{legend_x - 8}" cy="14" r="4" fill="{line.colour}"/>'
            f'<text x="{legend_x}" y="18">{_e(line.label)}</text>'
        )
    for line in lines:
        if not line.points:
            continue
        coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v, _ in line.points)
        parts.append(
            f'<polyline fill="none" stroke="{line.colour}" stroke-width="2" points="{coords}"/>'
        )
        for t, v, tip in line.points:
            parts.append(
                f'<circle class="point" cx="{x(t):.1f}" cy="{y(v):.1f}" r="4" '
                f'fill="{line.colour}"><title>{_e(tip)}</title></circle>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _tip(s: LoggedSet) -> str:
    load = f" at {s.load.given}" if s.load is not None else ""
    return f"set {s.id}, {s.when}{load}: {s.describe()}"


def _plots(sets: Sequence[LoggedSet], shaded: Sequence[BrokenWeek]) -> list[str]:
    judged = [s for s in sets if s.judged]
    hold = any(s.measure is Measure.HOLD for s in judged)
    plots = []
    loaded = [s for s in judged if s.load_kg is not None]
    if any(s.load_kg for s in loaded):  # not for body-weight sets alone: a flat line at 0
        plots.append(
            svg_plot(
                "Load over time",
                "kg",
                [
                    Line(
                        "load (kg)",
                        BLUE,
                        tuple((s.performed_at, s.load_kg, _tip(s)) for s in loaded),
                    )
                ],
                shaded,
            )
        )
    if hold:
        plots.append(
            svg_plot(
                "Hold and time in good form",
                "seconds",
                [
                    Line(
                        "hold",
                        BLUE,
                        tuple((s.performed_at, s.hold_s or 0.0, _tip(s)) for s in judged),
                    ),
                    Line(
                        "good form",
                        ORANGE,
                        tuple((s.performed_at, s.good_form_s or 0.0, _tip(s)) for s in judged),
                    ),
                ],
                shaded,
            )
        )
        plots.append(
            svg_plot(
                "Faults per set",
                "faults",
                [
                    Line(
                        "faults",
                        RED,
                        tuple((s.performed_at, faults_per_rep(s) or 0.0, _tip(s)) for s in judged),
                    )
                ],
                shaded,
            )
        )
    else:
        plots.append(
            svg_plot(
                "Reps per set",
                "reps",
                [
                    Line(
                        "reps",
                        ORANGE,
                        tuple((s.performed_at, float(s.reps or 0), _tip(s)) for s in judged),
                    )
                ],
                shaded,
            )
        )
        plots.append(
            svg_plot(
                "Faults per rep",
                "faults / rep",
                [
                    Line(
                        "faults per rep",
                        RED,
                        tuple((s.performed_at, faults_per_rep(s) or 0.0, _tip(s)) for s in judged),
                    )
                ],
                shaded,
            )
        )
    return [p for p in plots if p]


def _advice_box(advice: Advice) -> str:
    kind = {
        Action.ADD: "add",
        Action.LENGTHEN: "add",
        Action.LOWER: "lower",
        Action.SHORTEN: "lower",
    }
    evidence = "".join(f"<li>{_e(e)}</li>" for e in advice.evidence)
    skipped = "".join(f"<li>{_e(e)}</li>" for e in advice.skipped)
    parts = [
        f'<div class="advice-box {kind.get(advice.action, "keep")}">',
        f'<div class="what">{_e(advice.message)}</div>',
        f"<div>Why: {_e(advice.reason)}.</div>",
    ]
    if evidence:
        parts.append(f'<ul class="ev">{evidence}</ul>')
    if skipped:
        parts.append(
            f"<div class='muted'>Not used (not judged):</div><ul class='ev'>{skipped}</ul>"
        )
    parts.append("</div>")
    return "".join(parts)


def _report_link(s: LoggedSet, out: Path) -> str:
    if not s.report_path:
        return "-"
    report = Path(s.report_path)
    if not report.is_file():
        return f'<span class="muted" title="{_e(report)}">report moved or deleted</span>'
    try:
        href = os.path.relpath(report, out.resolve().parent)
    except ValueError:  # another drive on Windows
        href = report.as_uri()
    return f'<a class="report-link" href="{_e(Path(href).as_posix())}">report</a>'


def _sets_table(sets: Sequence[LoggedSet], out: Path) -> str:
    rows = []
    for s in sets:
        notes = ", ".join(sorted({f.code.replace("_", " ") for f in s.notes}))
        not_judged = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in s.not_judged.items())
        extra = []
        if notes:
            extra.append(f"slight (not faults): {notes}")
        if not_judged and s.judged:
            extra.append(f"not judged: {not_judged}")
        detail = "".join(f"<br><span class='muted'>{_e(x)}</span>" for x in extra)
        cls = "" if s.judged else " class='muted'"
        rows.append(
            f"<tr{cls}><td class='num'>{s.id}</td><td class='num'>{_e(s.when.replace('T', ' '))}</td>"
            f"<td class='num'>{_e(s.load.given if s.load else '-')}</td>"
            f"<td>{_e(s.describe())}{detail}</td><td>{_report_link(s, out)}</td></tr>"
        )
    return (
        "<table class='sets'><thead><tr><th>set</th><th>when</th><th>load</th><th>what the "
        "camera saw</th><th>report</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _title(exercise: str) -> str:
    spec = registry.find(exercise)
    return spec.title if spec is not None else exercise.replace("_", " ").capitalize()


def build_progress(
    person: str, sets: Sequence[LoggedSet], out_path: str | os.PathLike = "progress.html"
) -> str:
    """The progress page for ``person``'s ``sets`` as an HTML string."""
    out = Path(out_path)
    first = first_day(sets)
    exercises = list(dict.fromkeys(s.exercise for s in sets))
    judged = sum(s.judged for s in sets)
    body = [
        '<header id="summary">',
        f"<h1>Progress: {_e(person)}</h1>",
        f'<p class="sub">{len(sets)} sets ({judged} judged)'
        + (f" from {first:%Y-%m-%d} to {max(s.day for s in sets):%Y-%m-%d}" if first else "")
        + "</p>",
        f'<p class="note" id="disclaimer">{_e(DISCLAIMER)}</p>',
        "</header>",
    ]
    for exercise in exercises:
        mine = [s for s in sets if s.exercise == exercise]
        weeks = broken_weeks(mine, first)
        body.append(
            f'<section class="exercise" id="ex-{_e(exercise)}"><h2>{_e(_title(exercise))}</h2>'
        )
        body.append(_advice_box(advise(exercise, mine)))
        body.extend(_plots(mine, weeks))
        if weeks:
            body.append(
                "<p><b>Weeks where form broke</b> (shaded red above):</p><ul class='weeks'>"
            )
            body.extend(f"<li>{_e(w.describe())}</li>" for w in weeks)
            body.append("</ul>")
        elif any(s.judged for s in mine):
            body.append("<p class='good'>Form held in every judged set.</p>")
        body.append(_sets_table(mine, out))
        body.append("</section>")
    from formcheck import __version__

    made = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    body.append(f"<footer>formcheck {_e(__version__)} &middot; {_e(made)}</footer>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>formcheck: progress of {_e(person)}</title>"
        f"<style>{CSS}</style></head>\n<body><main>\n"
        + "\n".join(body)
        + "\n</main></body></html>\n"
    )


def write_progress(path: str | os.PathLike, person: str, sets: Sequence[LoggedSet]) -> Path:
    """Write the progress page to ``path`` (an .html file) and return it."""
    out = ensure_writable(path, "progress page")
    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(
            f"Cannot write the progress page {out.name}: it is an HTML file.",
            "Use a name ending in .html, e.g. progress.html.",
        )
    return write_text_atomic(out, build_progress(person, sets, out), "progress page")
