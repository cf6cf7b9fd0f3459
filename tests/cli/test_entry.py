"""``python -m formcheck`` is the ``formcheck`` command."""

from __future__ import annotations

import subprocess
import sys

from formcheck import __version__


def test_python_dash_m_formcheck_runs_the_command():
    run = subprocess.run(
        [sys.executable, "-m", "formcheck", "--version"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"formcheck {__version__}"
    bad = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", "no-such-clip.mp4"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and "no-such-clip.mp4" in bad.stderr
