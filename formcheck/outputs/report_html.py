"""One self-contained HTML report of an analysed clip.

Everything is inside the one file, so it can be mailed, opened from a USB stick or archived
with no server and no network: images are base64 ``data:`` URIs, the annotated video (when one
was written) is embedded the same way, the CSS is inline and there is no JavaScript or web
font. Sections: the clip summary and advice, the annotated video, the per-rep table with each
fault's cue and evidence (measured against the threshold), a key frame at the worst moment of
each fault with the overlay drawn, and the angle-over-time plots with threshold bands, fault
spans and rep boundaries. It closes with the note that formcheck checks technique and does not
diagnose pain.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.errors import ConfigError
from formcheck.exercises import registry
from formcheck.exercises.base import DISCLAIMER, ExerciseResult, Fault
from formcheck.exercises.spec import Measure
from formcheck.features.core import FEATURE_DEFINITIONS, Features, compute_features
from formcheck.features.view import VIEW_WORDS
from formcheck.frames.damage import describe_damage
from formcheck.outputs.overlay import fault_title
from formcheck.outputs.plots import (
    angle_plot_png,
    plot_specs,
    require_matplotlib,
    signal_values,
    timeline_png,
)
from formcheck.outputs.report_text import exercise_title
from formcheck.outputs.video_out import ensure_writable
from formcheck.paths import write_text_atomic
from formcheck.series.core import PoseSeries

# Key frames: at most this many (the most severe faults first), JPEG at this quality and width.
MAX_KEY_FRAMES = 12
KEY_FRAME_QUALITY = 82
KEY_FRAME_MAX_WIDTH = 640
# A larger annotated video is linked rather than embedded (base64 grows it by a third and
# browsers get slow with huge pages).
MAX_EMBED_VIDEO_MB = 80.0


def key_moment(exercise: str, default: str) -> str:
    """The rep's key moment of ``exercise`` in words ("lockout", "top"), else ``default``."""
    spec = registry.find(exercise)
    return spec.key_moment if spec is not None and spec.key_moment else default


@dataclass(frozen=True)
class KeyFrame:
    fault: Fault
    time_ms: float
    jpeg: bytes | None  # None when the video was not available


# ------------------------------------------------------------------------------- helpers
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _seconds(ms: float | None) -> str:
    return "-" if ms is None or not np.isfinite(ms) else f"{ms / 1000.0:.1f} s"


def _pretty(name: str) -> str:
    """``lean_back_deg`` -> ``lean back`` (the unit goes on the value)."""
    return name.removesuffix("_deg").replace("_", " ")


def _number(name: str, value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    if name.endswith("_deg"):
        return f"{value:.1f}°"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"


def evidence_items(fault: Fault) -> list[str]:
    """What was measured against which threshold, one plain-text item per measurement."""
    items = []
    for name, value in fault.measured.items():
        if name in fault.thresholds:
            items.append(
                f"{_pretty(name)}: {_number(name, value)} "
                f"(threshold {_number(name, fault.thresholds[name])})"
            )
        else:
            items.append(f"{_pretty(name)}: {_number(name, value)}")
    for name, value in fault.thresholds.items():
        if name not in fault.measured:
            items.append(f"threshold {_pretty(name)}: {_number(name, value)}")
    return items


def _fault_when(fault: Fault) -> str:
    span = f"{fault.start_ms / 1000.0:.1f}-{fault.end_ms / 1000.0:.1f} s"
    return f"rep {fault.rep}, {span}" if fault.rep is not None else span


def worst_moment(fault: Fault, features: Features, exercise: str | None = None) -> float:
    """Time (ms) within the fault's span where its signal is most extreme (else the middle).

    The signal and direction are the fault's spec's (of ``exercise`` when given, else of the
    first exercise with that fault code).
    """
    t = np.asarray(features.time_ms, np.float64)
    inside = np.flatnonzero((t >= fault.start_ms) & (t <= fault.end_ms))
    middle = 0.5 * (fault.start_ms + fault.end_ms)
    if inside.size == 0:
        return float(t[np.argmin(np.abs(t - middle))]) if t.size else middle
    spec = registry.fault_spec(fault.code, exercise)
    key = spec.worst_key(fault.measured) if spec is not None else None
    direction = spec.worst_direction if spec is not None else 0
    values = signal_values(features, key)[inside] if key else np.full(inside.size, np.nan)
    if not np.isfinite(values).any():
        return float(t[inside[np.argmin(np.abs(t[inside] - middle))]])
    score = values * direction if direction else np.abs(values)
    return float(t[inside[int(np.nanargmax(score))]])


def pick_key_faults(result: ExerciseResult, limit: int = MAX_KEY_FRAMES) -> list[Fault]:
    """The faults that get a key frame: the most severe first, shown in time order."""
    chosen = sorted(result.faults, key=lambda f: (-f.severity, f.start_ms))[:limit]
    return sorted(chosen, key=lambda f: f.start_ms)


def key_frames(
    clip_path: str | os.PathLike | None,
    series: PoseSeries,
    result: ExerciseResult,
    features: Features,
    limit: int = MAX_KEY_FRAMES,
) -> list[KeyFrame]:
    """A JPEG of the worst moment of each (chosen) fault, with the overlay drawn."""
    from formcheck.outputs.annotate import annotated_frames

    faults = pick_key_faults(result, limit)
    times = [worst_moment(f, features, result.exercise) for f in faults]
    images: dict[float, np.ndarray] = {}
    if clip_path is not None and faults:
        images = annotated_frames(clip_path, series, result, times, features=features)
    frames = []
    for fault, t in zip(faults, times, strict=True):
        bgr = images.get(float(t))
        jpeg = None
        if bgr is not None:
            h, w = bgr.shape[:2]
            if w > KEY_FRAME_MAX_WIDTH:
                size = (KEY_FRAME_MAX_WIDTH, max(1, round(h * KEY_FRAME_MAX_WIDTH / w)))
                bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
            ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, KEY_FRAME_QUALITY])
            jpeg = buf.tobytes() if ok else None
        frames.append(KeyFrame(fault, t, jpeg))
    return frames


def _is_video_file(path: str | os.PathLike | None) -> bool:
    if path is None:
        return False
    p = Path(path)
    return p.is_file() and p.suffix.lower() != ".npz"


# ------------------------------------------------------------------------------- sections
CSS = """
:root { --ink:#1d232b; --muted:#5b6673; --line:#d8dee6; --bg:#f6f8fa; --ok:#2e7d32;
        --warn:#e69500; --bad:#d32f2f; --accent:#1f4e79; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color:var(--ink); background:var(--bg); }
main { max-width: 980px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.2em; margin: 32px 0 10px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.note { background:#fff8e1; border:1px solid #ffe08a; border-radius:6px; padding:8px 12px;
        font-size: .92em; }
.cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap:10px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
.card .k { color:var(--muted); font-size:.85em; }
.card .v { font-size:1.25em; font-weight:600; }
.verdict { font-weight:600; padding:2px 10px; border-radius:12px; color:#fff; }
.verdict.ok { background:var(--ok); } .verdict.bad { background:var(--bad); }
.verdict.na { background:var(--muted); }
ul.advice { margin: 8px 0; padding-left: 20px; }
table { width:100%; border-collapse: collapse; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; vertical-align:top; padding:7px 9px; border-bottom:1px solid var(--line);
         font-size:.93em; }
th { background:#eef2f6; font-weight:600; }
td.num { white-space:nowrap; font-variant-numeric: tabular-nums; }
.fault { margin: 0 0 8px; } .fault:last-child { margin-bottom:0; }
.fault b { color: var(--bad); }
.ev { color: var(--muted); font-size:.88em; margin:2px 0 0; padding-left:16px; }
.good { color: var(--ok); font-weight:600; }
.sev { display:inline-block; height:8px; border-radius:4px; background:#eee; width:80px;
       vertical-align:middle; overflow:hidden; }
.sev i { display:block; height:100%; background: linear-gradient(90deg, var(--warn), var(--bad)); }
.frames { display:grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap:14px; }
figure { margin:0; background:#fff; border:1px solid var(--line); border-radius:8px;
         overflow:hidden; }
figure img, .plot img { display:block; width:100%; height:auto; }
figcaption { padding:8px 10px; font-size:.9em; }
video { width:100%; max-height:70vh; background:#000; border-radius:8px; }
.plot { margin: 0 0 14px; }
.muted { color: var(--muted); }
footer { margin-top: 36px; color: var(--muted); font-size: .85em; }
"""


def _card(label: str, value: str) -> str:
    return (
        f'<div class="card"><div class="k">{_e(label)}</div><div class="v">{_e(value)}</div></div>'
    )


def _summary_section(
    clip_name: str, series: PoseSeries, result: ExerciseResult, disclaimer: str
) -> str:
    title = exercise_title(result.exercise)
    if result.variant:
        title += f" ({result.variant})"
    if not result.assessable:
        verdict = '<span class="verdict na">not assessable</span>'
    elif result.faults:
        codes = sorted(result.fault_codes)
        verdict = (
            f'<span class="verdict bad">{len(codes)} fault type{"s" if len(codes) > 1 else ""}'
            "</span>"
        )
    else:
        verdict = '<span class="verdict ok">no faults found</span>'
    src = series.source
    cards = [
        _card("duration", f"{series.duration_s:.1f} s"),
        _card("frames", f"{len(series)} at {series.fps:.0f} fps"),
        _card("video size", f"{src.width}x{src.height}"),
        _card("person found", f"{series.detection_rate:.0%} of frames"),
    ]
    summary = result.summary
    spec = registry.find(result.exercise)
    if spec is not None and spec.measure is Measure.HOLD:
        cards.append(_card("hold", f"{summary.hold_s or 0:.1f} s"))
        cards.append(_card("good form", f"{summary.good_form_s or 0:.1f} s"))
        if summary.form_broke_ms is not None:
            cards.append(_card("form broke at", _seconds(summary.form_broke_ms)))
    elif spec is not None and spec.counts_reps:
        cards.append(_card("reps", str(summary.rep_count)))
        if summary.mean_rep_s:
            cards.append(_card("tempo", f"{summary.mean_rep_s:.1f} s per rep"))
    view = result.view
    if view is not None and view.view:
        facing = f", facing {view.facing}" if view.facing else ""
        cards.append(_card("camera view", f"{VIEW_WORDS.get(view.view, view.view)}{facing}"))
    if result.recognition:
        best = max(result.recognition.items(), key=lambda kv: kv[1])
        cards.append(_card("recognised as", f"{best[0]} ({best[1]:.0%})"))
    parts = [
        '<header id="summary">',
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(clip_name)} &middot; {verdict}</p>',
        f'<p class="note" id="disclaimer">{_e(disclaimer)}</p>',
        "</header>",
        "<section>",
        "<h2>Summary</h2>",
    ]
    if not result.assessable and result.reason:
        parts.append(f"<p><b>Not assessable:</b> {_e(result.reason)}</p>")
    damage = describe_damage(src.damage)
    if damage:  # judged on what decoded: say how much was lost and where
        parts.append(f'<p id="damage"><b>{_e(damage)}</b></p>')
    parts.append(f'<div class="cards">{"".join(cards)}</div>')
    if summary.advice:
        parts.append('<ul class="advice">')
        parts.extend(f"<li>{_e(a)}</li>" for a in summary.advice)
        parts.append("</ul>")
    if result.not_judged:
        parts.append("<p class='muted'>Not judged from this video:</p><ul class='advice muted'>")
        parts.extend(
            f"<li>{_e(fault_title(code))}: {_e(why)}</li>"
            for code, why in result.not_judged.items()
        )
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _severity_bar(value: float) -> str:
    pct = int(round(100 * float(np.clip(value, 0.0, 1.0))))
    return f'<span class="sev" title="{pct}%"><i style="width:{pct}%"></i></span>'


def _fault_block(fault: Fault) -> str:
    evidence = "".join(f"<li>{_e(item)}</li>" for item in evidence_items(fault))
    signals = f" &middot; signals: {_e(', '.join(fault.signals))}" if fault.signals else ""
    return (
        f'<div class="fault"><b>{_e(fault_title(fault.code))}</b> '
        f'<span class="muted">({_e(_fault_when(fault))})</span><br>'
        f"{_e(fault.cue)}"
        f'<ul class="ev">{evidence}'
        f"<li>severity {_severity_bar(fault.severity)} {fault.severity:.2f} &middot; "
        f"confidence {fault.confidence:.2f}{signals}</li></ul></div>"
    )


def _reps_section(result: ExerciseResult) -> str:
    if result.reps:
        key = key_moment(result.exercise, "key")
        rows = []
        for rep in result.reps:
            faults = [f for f in result.faults if f.rep == rep.index]
            cell = (
                "".join(_fault_block(f) for f in faults)
                if faults
                else (
                    '<span class="good">good</span>'
                    if not rep.fault_codes
                    else _e(", ".join(fault_title(c) for c in rep.fault_codes))
                )
            )
            rows.append(
                f"<tr><td class='num'>{rep.index}</td><td class='num'>"
                f"{_e(_seconds(rep.start_ms))}</td><td class='num'>{_e(_seconds(rep.key_ms))}"
                f"</td><td class='num'>{rep.duration_s:.1f} s</td><td>{cell}</td></tr>"
            )
        other = [
            f for f in result.faults if f.rep is None or f.rep not in {r.index for r in result.reps}
        ]
        parts = [
            '<section id="reps"><h2>Reps</h2>',
            f"<table><thead><tr><th>rep</th><th>start</th><th>{_e(key)}</th><th>time</th>"
            "<th>faults: cue and evidence</th></tr></thead><tbody>",
            *rows,
            "</tbody></table>",
        ]
        if other:
            parts.append("<h2>Other faults</h2>")
            parts.append(_faults_table(other))
        parts.append("</section>")
        return "\n".join(parts)
    if result.faults:
        return '<section id="reps"><h2>Faults</h2>' + _faults_table(result.faults) + "</section>"
    if result.assessable:
        return '<section id="reps"><h2>Faults</h2><p class="good">No faults found.</p></section>'
    return ""


def _notes_section(result: ExerciseResult) -> str:
    """Slight findings: shown so the person sees them coming, never counted as faults."""
    if not result.notes:
        return ""
    return (
        '<section id="notes"><h2>Notes: slight, short of a fault</h2>'
        "<p class='muted'>Past the smallest deviation worth mentioning, short of where a coach "
        "would correct it. They do not count as faults; <code>--strictness strict</code> "
        "flags them.</p>" + _faults_table(result.notes) + "</section>"
    )


def _faults_table(faults: Iterable[Fault]) -> str:
    rows = [
        f"<tr><td class='num'>{_e(_fault_when(f))}</td><td>{_fault_block(f)}</td></tr>"
        for f in faults
    ]
    return (
        "<table><thead><tr><th>when</th><th>fault: cue and evidence</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _key_frames_section(frames: list[KeyFrame], total_faults: int, have_video: bool) -> str:
    if not frames:
        return ""
    parts = ['<section id="keyframes"><h2>Worst moment of each fault</h2>']
    if not have_video:
        parts.append(
            "<p class='muted'>Key frames need the original video; this report was made from "
            "saved landmarks.</p>"
        )
    if total_faults > len(frames):
        parts.append(
            f"<p class='muted'>The {len(frames)} most severe of {total_faults} faults.</p>"
        )
    parts.append('<div class="frames">')
    for kf in frames:
        f = kf.fault
        img = ""
        if kf.jpeg is not None:
            img = (
                f'<img class="keyframe" alt="{_e(fault_title(f.code))} at '
                f'{kf.time_ms / 1000:.1f} s" src="{_data_uri(kf.jpeg, "image/jpeg")}">'
            )
        parts.append(
            f"<figure>{img}<figcaption><b>{_e(fault_title(f.code))}</b> at "
            f"{kf.time_ms / 1000:.2f} s ({_e(_fault_when(f))})<br>{_e(f.cue)}</figcaption>"
            "</figure>"
        )
    parts.append("</div></section>")
    return "\n".join(parts)


def _plots_section(
    series: PoseSeries, result: ExerciseResult, features: Features, config: Any
) -> str:
    if len(series) == 0 or not series.detected.any():
        return ""
    parts = ['<section id="plots"><h2>Angles over time</h2>']
    parts.append(
        "<p class='muted'>Shaded red: beyond a fault threshold. Coloured spans: where the fault "
        "was found. Vertical lines: each rep's start (solid) and "
        f"{_e(key_moment(result.exercise, 'key moment'))} (dotted).</p>"
    )
    if result.reps or result.faults:
        png = timeline_png(result, series.duration_s)
        parts.append(
            f'<div class="plot"><img class="plot-img" alt="timeline of reps and faults" '
            f'src="{_data_uri(png, "image/png")}"></div>'
        )
    for spec in plot_specs(result.exercise):
        png = angle_plot_png(spec, features, result, config)
        definition = FEATURE_DEFINITIONS.get(spec.key, "")
        parts.append(
            f'<figure class="plot"><img class="plot-img" alt="{_e(spec.title)} over time" '
            f'src="{_data_uri(png, "image/png")}"><figcaption><b>{_e(spec.title)}</b>: '
            f"{_e(spec.description)}<br><span class='muted'>{_e(definition)}</span>"
            "</figcaption></figure>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _video_section(annotated_video: str | os.PathLike | None, out_path: Path) -> str:
    if annotated_video is None:
        return ""
    video = Path(annotated_video)
    if not video.is_file():
        raise ConfigError(
            f"The annotated video {video} does not exist.",
            "Write it first with --annotate, or leave it out of the report.",
        )
    size_mb = video.stat().st_size / 1e6
    if size_mb > MAX_EMBED_VIDEO_MB:
        try:
            rel = os.path.relpath(video.resolve(), out_path.resolve().parent)
        except ValueError:  # another drive on Windows
            rel = str(video.resolve())
        return (
            '<section id="video"><h2>Annotated video</h2>'
            f"<p>The annotated video ({size_mb:.0f} MB) is too large to embed: "
            f'<a href="{_e(rel)}">{_e(video.name)}</a> (keep it beside this report).</p></section>'
        )
    uri = _data_uri(video.read_bytes(), "video/mp4")
    return (
        '<section id="video"><h2>Annotated video</h2>'
        f'<video id="annotated" controls muted playsinline preload="auto" src="{uri}">'
        "Your browser cannot play this H.264 video.</video></section>"
    )


# ------------------------------------------------------------------------------- entry point
def build_report(
    clip_name: str | os.PathLike,
    series: PoseSeries,
    result: ExerciseResult,
    features: Features | None = None,
    annotated_video: str | os.PathLike | None = None,
    *,
    clip_path: str | os.PathLike | None = None,
    configs: dict[str, Any] | None = None,
    out_path: str | os.PathLike = "report.html",
) -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    require_matplotlib()
    features = features if features is not None else compute_features(series)
    if clip_path is None and _is_video_file(clip_name):
        clip_path = clip_name
    if clip_path is not None and not _is_video_file(clip_path):
        clip_path = None
    spec = registry.find(result.exercise)
    if configs is not None:
        config = configs.get(result.exercise)
    else:
        # The standard thresholds (what the verdict used unless told otherwise).
        config = spec.config_type() if spec is not None else None
    name = Path(str(clip_name)).name or str(clip_name)
    frames = key_frames(clip_path, series, result, features)
    title = exercise_title(result.exercise)
    from formcheck import __version__

    made = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = [
        _summary_section(name, series, result, result.disclaimer or DISCLAIMER),
        _video_section(annotated_video, Path(out_path)),
        _reps_section(result),
        _notes_section(result),
        _key_frames_section(frames, len(result.faults), clip_path is not None),
        _plots_section(series, result, features, config),
        f"<footer>formcheck {_e(__version__)} &middot; {_e(made)} &middot; model "
        f"{_e(series.model or 'unknown')} &middot; {_e(series.source.name)}</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>formcheck: {_e(title)} - {_e(name)}</title>"
        f"<style>{CSS}</style></head>\n<body><main>\n"
        + "\n".join(part for part in body if part)
        + "\n</main></body></html>\n"
    )


def write_report(
    path: str | os.PathLike,
    clip_name: str | os.PathLike,
    series: PoseSeries,
    result: ExerciseResult,
    features: Features | None = None,
    annotated_video: str | os.PathLike | None = None,
    *,
    clip_path: str | os.PathLike | None = None,
    configs: dict[str, Any] | None = None,
) -> Path:
    """Write the self-contained HTML report to ``path`` and return it.

    ``clip_name`` names the clip in the report; when it is the path of the video itself (or
    ``clip_path`` is given) key frames are grabbed from it. ``annotated_video``: an mp4 from
    :func:`formcheck.outputs.annotate.write_annotated_video` to embed. ``configs``: the rule configs
    the verdict used (for the threshold bands; default: the standard ones).
    """
    out = ensure_writable(path, "report")
    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(
            f"Cannot write the report {out.name}: it is an HTML file.",
            "Use a name ending in .html, e.g. report.html.",
        )
    text = build_report(
        clip_name,
        series,
        result,
        features,
        annotated_video,
        clip_path=clip_path,
        configs=configs,
        out_path=out,
    )
    return write_text_atomic(out, text, "report")
