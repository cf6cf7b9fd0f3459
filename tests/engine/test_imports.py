"""Modules imported ahead on a thread (formcheck.engine.imports), in a fresh interpreter each
time so the modules are really imported here, not already loaded by the test session."""

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


def test_modules_are_imported_in_order_and_wait_returns_once_each_is_done():
    out = _run(
        """
        import sys
        from formcheck.engine import imports
        thread = imports.import_ahead(["json", "formcheck.series.core", "fractions"])
        imports.wait("formcheck.series.core")
        print("formcheck.series.core" in sys.modules)
        thread.join(60)
        print("fractions" in sys.modules)
        # Nothing left to do: every module is imported already.
        print(imports.import_ahead(["json", "fractions"]) is None)
        """
    )
    assert out.split() == ["True", "True", "True"]


def test_a_failed_import_ahead_is_left_for_the_real_import_to_raise():
    out = _run(
        """
        from formcheck.engine import imports
        thread = imports.import_ahead(["formcheck.no_such_module", "fractions"])
        imports.wait("formcheck.no_such_module")
        thread.join(60)
        try:
            import formcheck.no_such_module
        except ModuleNotFoundError as exc:
            print("raised", exc.name)
        """
    )
    assert out == "raised formcheck.no_such_module"


def test_waiting_for_a_module_not_imported_ahead_returns_at_once():
    out = _run(
        """
        import time
        from formcheck.engine import imports
        start = time.perf_counter()
        imports.wait("formcheck.never_asked")
        print(time.perf_counter() - start < 1.0)
        """
    )
    assert out == "True"
