"""The progress page: self-contained, every exercise's plots and advice, the weeks where form
broke, links to set reports, and working in real headless chromium (as the clip report)."""

from __future__ import annotations

import html
import json
import re
import subprocess
from dataclasses import replace

import pytest

from formcheck.apps.log.progress import build_progress, write_progress
from formcheck.apps.log.summary import broken_weeks, programme_week
from tests.outputs.test_report_html import browser

from .factories import hold_result, hold_spec, logged, not_judged_result, reps_result, reps_spec


@pytest.fixture
def sets(tmp_path):
    code = reps_spec().faults[0].code
    hold_code = hold_spec().faults[0].code
    report = tmp_path / "reports" / "set3.html"
    report.parent.mkdir()
    report.write_text("<!DOCTYPE html><title>set 3</title>")
    made = [
        logged(reps_result(10), 0, "20kg"),
        logged(reps_result(10), 3, "20kg"),
        replace(logged(reps_result(10, {2: code}), 8, "24kg"), report_path=str(report)),
        logged(not_judged_result(), 9, "24kg"),
        logged(hold_result(40, 40), 1, None),
        logged(hold_result(45, 30, (hold_code,)), 9, None),
    ]
    return [replace(s, id=i) for i, s in enumerate(made, start=1)]


def test_page_has_each_exercise_its_plots_advice_and_broken_weeks(sets, tmp_path):
    text = build_progress("ann", sets, tmp_path / "progress.html")
    assert text.startswith("<!DOCTYPE html>")
    for spec in (reps_spec(), hold_spec()):
        assert f"<h2>{html.escape(spec.title)}</h2>" in text
    # Reps exercise: load, reps, faults per rep; hold: hold and good form, faults.
    assert text.count('<svg class="plot"') == 5
    for title in ("Load over time", "Reps per set", "Faults per rep", "Hold and time in good form"):
        assert title in text
    assert "Lower the load or fix form first" in text  # rep 2 of 10: before fatigue
    assert "Weeks where form broke" in text and "week 2 (from 2026-01-12)" in text
    assert 'class="broke"' in text
    assert "Not used (not judged)" in text and "filmed from the front" in text
    assert '<a class="report-link" href="reports/set3.html">' in text
    # Nothing to fetch: no scripts, styles or images from elsewhere.
    assert "<script" not in text and "<link" not in text and "http" not in text


def test_programme_weeks_count_from_the_first_set(sets):
    first = sets[0].day
    assert programme_week(first, first) == 1
    weeks = broken_weeks([s for s in sets if s.exercise == reps_spec().id], first)
    assert [(w.week, w.set_ids) for w in weeks] == [(2, (3,))]


def test_write_progress_refuses_a_non_html_name(sets, tmp_path):
    from formcheck.errors import ConfigError

    with pytest.raises(ConfigError, match="HTML"):
        write_progress(tmp_path / "p.pdf", "ann", sets)


PROBE = """<script>
window.__errs = [];
window.addEventListener('error', function (e) { window.__errs.push(String(e.message)); }, true);
window.addEventListener('load', function () {
  var plots = Array.prototype.slice.call(document.querySelectorAll('svg.plot'));
  var pre = document.createElement('pre');
  pre.id = '__probe';
  pre.textContent = JSON.stringify({
    errors: window.__errs,
    plots: plots.length,
    drawn: plots.filter(function (p) {
      var box = p.getBoundingClientRect();
      return box.width > 100 && box.height > 20 && p.querySelectorAll('circle.point').length > 0;
    }).length,
    points: document.querySelectorAll('circle.point').length,
    links: document.querySelectorAll('a.report-link').length
  });
  document.body.appendChild(pre);
});
</script>"""


def test_progress_page_works_in_a_headless_browser(sets, tmp_path):
    page = write_progress(tmp_path / "progress.html", "ann", sets)
    probed = tmp_path / "probe.html"
    probed.write_text(page.read_text().replace("<head>", "<head>" + PROBE, 1))
    run = subprocess.run(
        [
            browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probed.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="__probe">(.*?)</pre>', run.stdout, re.S)
    assert found, f"the probe did not report (exit {run.returncode}): {run.stderr[-2000:]}"
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["errors"] == []
    assert "Uncaught" not in run.stderr and "CONSOLE" not in run.stderr.upper().replace(
        "CONSOLE(", ""
    )
    assert probe["plots"] == probe["drawn"] == 5
    assert probe["points"] >= 10 and probe["links"] == 1


def test_the_probe_notices_a_page_without_plots(tmp_path):
    """The harness can fail: a page with a script error and an empty plot is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        "<svg class='plot' width='10' height='10'></svg>"
        "<script>undefined_function_call();</script></body></html>"
    )
    probed = page.read_text().replace("<head>", "<head>" + PROBE, 1)
    page.write_text(probed)
    run = subprocess.run(
        [
            browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    probe = json.loads(
        html.unescape(re.search(r'<pre id="__probe">(.*?)</pre>', run.stdout, re.S).group(1))
    )
    assert probe["plots"] == 1 and probe["drawn"] == 0
    assert any("undefined_function_call" in e for e in probe["errors"])
