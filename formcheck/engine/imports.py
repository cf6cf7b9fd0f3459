"""Heavy modules imported ahead, one after another, on a thread of their own.

A clip's first seconds are spent importing: mediapipe (about 0.7 s of CPU) before the pose
model can start, SciPy (about a second) before the landmarks can be smoothed. Python imports
hold the GIL, so two imports on two threads take as long as both in a row, and each delays the
other: started side by side, the model's start slipped by most of a second (measured with
per-thread CPU times on 2 cores). Imported ahead in the order they are needed, mediapipe is
ready first and SciPy loads while the model runs, off the critical path.

A failed import here is left for the real import to raise, in the caller's words; a caller
that needs a module :func:`wait` s for it first, so two threads never import one module at once.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Sequence

log = logging.getLogger(__name__)

# Modules being imported ahead, until their import is over (successful or not).
_pending: dict[str, threading.Event] = {}
_lock = threading.Lock()


def import_ahead(modules: Sequence[str]) -> threading.Thread | None:
    """Import ``modules`` in this order on one thread, now; None when there is nothing to do
    (all of them imported already or on their way)."""
    with _lock:
        todo = [m for m in modules if m not in _pending and not _imported(m)]
        for module in todo:
            _pending[module] = threading.Event()
    if not todo:
        return None

    def run() -> None:
        for module in todo:
            try:
                importlib.import_module(module)
            except Exception as exc:  # noqa: BLE001 - re-raised where the module is used
                log.debug("import ahead of %s failed: %s", module, exc)
            finally:
                with _lock:
                    _pending.pop(module).set()

    thread = threading.Thread(target=run, name="formcheck-import-ahead", daemon=True)
    thread.start()
    return thread


def wait(module: str, timeout: float = 120.0) -> None:
    """Return once ``module`` is not being imported ahead (done, failed or never started)."""
    with _lock:
        done = _pending.get(module)
    if done is not None:
        done.wait(timeout)


def _imported(module: str) -> bool:
    import sys

    return module in sys.modules


__all__ = ["import_ahead", "wait"]
