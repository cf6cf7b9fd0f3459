"""The HTML report: self-contained, complete, and working in a real headless browser.

The browser check opens a test-only copy of the report in Debian's chromium (``--dump-dom``)
with a small script that records errors, whether every image decoded and whether the embedded
video reached a playable state, and writes the findings into the DOM for the dump to show.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.engine.analyze import analyze_series
from formcheck.errors import ConfigError, FormcheckError
from formcheck.exercises import registry
from formcheck.exercises.base import DISCLAIMER, ExerciseResult, Fault
from formcheck.features.core import compute_features
from formcheck.outputs.plots import angle_plot_png, plot_specs, timeline_png
from formcheck.outputs.report_html import (
    build_report,
    evidence_items,
    pick_key_faults,
    worst_moment,
    write_report,
)
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.synth import GroundTruth

pytest.importorskip("matplotlib")

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def truth_case(name: str):
    clip = SAMPLES / f"{name}.mp4"
    series = GroundTruth.load(clip).to_pose_series()
    return clip, series, analyze_series(series, "auto")


@pytest.fixture(scope="module")
def swing_report(tmp_path_factory):
    """The swing sample's report with its annotated video embedded."""
    pytest.importorskip("av")
    from formcheck.outputs.annotate import write_annotated_video

    clip, series, result = truth_case("kbswing_leanback")
    folder = tmp_path_factory.mktemp("report")
    video = write_annotated_video(clip, series, result, folder / "annotated.mp4", max_size=320)
    path = write_report(folder / "report.html", clip, series, result, annotated_video=video.path)
    return path, series, result


@pytest.fixture(scope="module")
def plank():
    return truth_case("plank_sagging")


# ------------------------------------------------------------------------------- content
def test_report_is_one_self_contained_file(swing_report):
    path, _, result = swing_report
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # Every resource is inline: no scripts, stylesheets, fonts or links to fetch.
    refs = re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', text)
    assert refs and all(r.startswith("data:") for r in refs), [r[:40] for r in refs]
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert "http://" not in text and "https://" not in text and "@import" not in text
    assert text.count('src="data:video/mp4;base64,') == 1
    assert text.count("data:image/png;base64,") == 1 + len(plot_specs("kbswing"))  # + timeline
    assert text.count("data:image/jpeg;base64,") == len(pick_key_faults(result))
    assert html.escape(DISCLAIMER) in text


def test_report_has_a_row_per_rep_with_each_faults_cue_and_evidence(swing_report):
    path, _, result = swing_report
    text = path.read_text(encoding="utf-8")
    table = text[text.index('id="reps"') : text.index("</table>", text.index('id="reps"'))]
    assert table.count("<tr>") == 1 + len(result.reps) == 6
    for fault in result.faults:
        assert html.escape(fault.cue) in table
    assert "threshold 12.0°" in table  # leaning back: measured against the 12 deg limit
    assert "Worst moment of each fault" in text and "Angles over time" in text


def test_worst_moment_is_the_extreme_of_the_faults_signal(plank):
    _, series, result = plank
    features = compute_features(series)
    fault = next(f for f in result.faults if f.code == "hips_sagging")
    t = worst_moment(fault, features)
    assert fault.start_ms <= t <= fault.end_ms
    from formcheck.outputs.plots import signal_values

    bend = signal_values(features, "hip_bend")
    inside = (series.time_ms >= fault.start_ms) & (series.time_ms <= fault.end_ms)
    assert bend[series.time_ms == t][0] == pytest.approx(np.nanmin(bend[inside]))
    odd = Fault("unknown_code", "cue", 1000.0, 2000.0, None, 0.5, 0.5)
    assert worst_moment(odd, features) == pytest.approx(1500.0, abs=20)


@pytest.mark.parametrize(
    ("share", "signal"), [(1.0, "head_pitch"), (0.0, "neck_flexion")], ids=["pitch", "neck_line"]
)
def test_worst_neck_moment_follows_the_signal_that_raised_it(plank, share, signal):
    _, series, _ = plank
    features = compute_features(series)
    from formcheck.outputs.plots import signal_values

    t = series.time_ms
    start, end = float(t[len(t) // 4]), float(t[3 * len(t) // 4])
    fault = Fault(
        "neck_not_neutral", "cue", start, end, None, 0.5, 0.5, {"neck_head_pitch_share": share}
    )
    values = signal_values(features, signal)
    inside = (t >= start) & (t <= end)
    assert np.isfinite(values[inside]).any()
    picked = worst_moment(fault, features)
    assert abs(values[t == picked][0]) == pytest.approx(np.nanmax(np.abs(values[inside])))


def test_evidence_pairs_measurements_with_their_thresholds():
    fault = Fault(
        "leaning_back",
        "Stand tall",
        0.0,
        100.0,
        1,
        0.3,
        0.9,
        measured={"lean_back_deg": 15.66, "hips_through": 0.0763},
        thresholds={"lean_back_deg": 12.0, "extra_limit": 3.0},
    )
    assert evidence_items(fault) == [
        "lean back: 15.7° (threshold 12.0°)",
        "hips through: 0.0763",
        "threshold extra limit: 3",
    ]


def test_report_from_landmarks_alone_says_key_frames_need_the_video(plank, tmp_path):
    _, series, result = plank
    path = write_report(tmp_path / "r.html", "plank.npz", series, result)
    text = path.read_text(encoding="utf-8")
    assert "<video" not in text and "data:image/jpeg" not in text
    assert "need the original video" in text
    assert ">hold<" in text and ">good form<" in text


def test_not_assessable_and_empty_results_still_give_a_report(tmp_path):
    source = SourceInfo("empty.mp4", 640, 480, 30.0, 0)
    empty = PoseSeries.empty(source, 30)
    result = ExerciseResult(
        "other", assessable=False, reason="nobody was found in the video: check the light"
    )
    text = build_report("empty.mp4", empty, result)
    assert "Not assessable" in text and "nobody was found" in text
    assert "Angles over time" not in text  # nothing to plot


def test_report_errors_are_clear(plank, tmp_path, monkeypatch):
    _, series, result = plank
    with pytest.raises(ConfigError, match="HTML"):
        write_report(tmp_path / "r.pdf", "x", series, result)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="not a folder"):
        write_report(blocker / "r.html", "x", series, result)
    with pytest.raises(ConfigError, match="does not exist"):
        write_report(tmp_path / "r.html", "x", series, result, annotated_video=tmp_path / "no.mp4")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(FormcheckError, match="matplotlib") as info:
        write_report(tmp_path / "r.html", "x", series, result)
    assert "formcheck[report]" in info.value.hint
    assert not (tmp_path / "r.html").exists()


def test_plots_are_pngs_with_bands_from_the_config(plank):
    from formcheck.engine.analyze import load_rule_configs

    _, series, result = plank
    features = compute_features(series)
    config = load_rule_configs()["plank"]
    spec = plot_specs("plank")[0]
    bands = spec.bands(config)
    assert [b.above for b in bands] == [False, True]
    assert bands[0].value == pytest.approx(config.hip_bend_offset_deg - config.hip_sag_deg)
    # Configs are typed: a threshold switched off (infinite) gives no band, and no error.
    off = dataclasses.replace(config, hip_sag_deg=math.inf, hip_pike_deg=math.inf)
    assert spec.bands(off) == []
    png = angle_plot_png(spec, features, result, config)
    assert png.startswith(PNG_MAGIC) and len(png) > 5000
    assert timeline_png(result, series.duration_s).startswith(PNG_MAGIC)
    for specs in (s.plots for s in registry.all_specs()):
        for s in specs:
            assert s.key == "hip_bend" or s.key in features.values


# ------------------------------------------------------------------------------- browser
PROBE = """<script>
window.__errs = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  if (t && t !== window && t.tagName) { window.__errs.push('resource failed: ' + t.tagName); }
  else { window.__errs.push('error: ' + (e.message || e.type)); }
}, true);
console.error = function () {
  window.__errs.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
};
window.__canplay = false;
document.addEventListener('DOMContentLoaded', function () {
  var v = document.querySelector('video');
  if (!v) return;
  if (v.readyState >= 2) window.__canplay = true;
  v.addEventListener('canplay', function () { window.__canplay = true; });
  v.addEventListener('error', function () {
    window.__errs.push('video error ' + (v.error ? v.error.code : '?'));
  });
});
function __done() {
  var imgs = Array.prototype.slice.call(document.images);
  var v = document.querySelector('video');
  return imgs.every(function (i) { return i.complete; }) && (!v || window.__canplay || v.error);
}
function __report() {
  var imgs = Array.prototype.slice.call(document.images);
  var v = document.querySelector('video');
  var pre = document.createElement('pre');
  pre.id = '__probe';
  pre.textContent = JSON.stringify({
    errors: window.__errs,
    images: imgs.length,
    images_ok: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
    video: !!v,
    video_ready: v ? v.readyState : -1,
    video_canplay: window.__canplay,
    video_width: v ? v.videoWidth : 0
  });
  document.body.appendChild(pre);
}
window.addEventListener('load', function () {
  var waited = 0;
  (function poll() {
    if (__done() || waited >= 8000) { __report(); return; }
    waited += 100;
    setTimeout(poll, 100);
  })();
});
</script>"""


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no chromium browser installed (apt-get install chromium)")


def open_in_browser(page: Path, tmp_path: Path) -> dict:
    """Load a probed copy of ``page`` in headless chromium; return what the probe found."""
    copy = tmp_path / f"probe_{page.name}"
    copy.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1))
    cmd = [
        browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--mute-audio",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=15000",
        "--dump-dom",
        copy.resolve().as_uri(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="__probe">(.*?)</pre>', run.stdout, re.S)
    assert found, f"the probe did not report (exit {run.returncode}): {run.stderr[-2000:]}"
    probe = json.loads(html.unescape(found.group(1)))
    probe["stderr"] = run.stderr
    return probe


def test_report_works_in_a_headless_browser(swing_report, tmp_path):
    path, _, _ = swing_report
    probe = open_in_browser(path, tmp_path)
    assert probe["errors"] == []
    assert "Uncaught" not in probe["stderr"]
    assert probe["images"] == probe["images_ok"] > 0
    assert probe["video"] and probe["video_ready"] >= 2 and probe["video_canplay"]
    assert probe["video_width"] == 320


def test_the_browser_probe_notices_broken_pages(tmp_path):
    """The harness itself: a broken image, a broken video and a script error are all caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        "<img src='data:image/png;base64,AAAA'>"
        "<video src='data:video/mp4;base64,AAAAAAAA'></video>"
        "<script>undefined_function_call();</script></body></html>"
    )
    probe = open_in_browser(page, tmp_path)
    assert probe["images"] == 1 and probe["images_ok"] == 0
    assert probe["video_ready"] < 2 and not probe["video_canplay"]
    assert any("undefined_function_call" in e for e in probe["errors"])
    assert any("resource failed: IMG" in e for e in probe["errors"])


def test_a_damaged_clip_says_so_in_the_report():
    from formcheck.series.core import DecodeDamage

    damage = DecodeDamage(missing=((5.9, 6.1),), missing_frames=7, checks=("skipped frames",))
    source = SourceInfo("holed.mp4", 640, 480, 30.0, 0, damage=damage)
    result = ExerciseResult("other", assessable=False, reason="nobody was found")
    text = build_report("holed.mp4", PoseSeries.empty(source, 30), result)
    assert 'id="damage"' in text and "7 frames could not be decoded at 5.90-6.10 s" in text
    clean = build_report(
        "whole.mp4", PoseSeries.empty(SourceInfo("w", 640, 480, 30.0, 0), 30), result
    )
    assert 'id="damage"' not in clean
