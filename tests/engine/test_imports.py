"""mediapipe imported ahead on a thread (formcheck.engine.imports), in a fresh interpreter each
time so modules are really imported here, not already loaded by the test session."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_modules_are_imported_ahead_on_a_thread_joined_at_exit():
    out = _run(
        """
        import sys
        from formcheck.engine import imports
        thread = imports.import_ahead(["fractions", "formcheck.series.smoothing"])
        print(thread.daemon)  # not a daemon: a run ending early waits for the import
        # A thread importing the same module meanwhile waits for it (Python's import lock).
        import formcheck.series.smoothing
        thread.join(60)
        print("fractions" in sys.modules and "formcheck.series.smoothing" in sys.modules)
        print(imports.import_ahead(["fractions"]) is None)  # nothing left to do
        """
    )
    assert out.split() == ["False", "True", "True"]


def test_a_failed_import_ahead_is_left_for_the_real_import_to_raise():
    out = _run(
        """
        from formcheck.engine import imports
        imports.import_ahead(["formcheck.no_such_module", "fractions"]).join(60)
        import sys
        print("fractions" in sys.modules)  # the modules after a failed one are still imported
        try:
            import formcheck.no_such_module
        except ModuleNotFoundError as exc:
            print("raised", exc.name)
        """
    )
    assert out.splitlines() == ["True", "raised formcheck.no_such_module"]


def test_a_run_that_ends_while_mediapipe_is_imported_ahead_exits_cleanly():
    # The failure a missing model gives: the process ends at once while the import runs.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from formcheck.engine import imports; imports.import_ahead(['formcheck.pose.backend']);"
            " raise SystemExit(2)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Fatal" not in done.stderr and "Traceback" not in done.stderr
