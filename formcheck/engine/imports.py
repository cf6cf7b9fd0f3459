"""mediapipe imported ahead, on a thread of its own, while the clip is being planned.

Importing mediapipe costs about 0.7 s of CPU before the pose model can start. The pose stage
starts it here as soon as the clip has opened, so it overlaps the chunk readers finding their
start frames (one decodes half the clip to get there) instead of following them. A thread that
imports the module while this one is at it simply waits for it (Python's own per-module import
lock), so callers import as usual.

One heavy import at a time: Python imports hold the GIL, and two on two threads (mediapipe and,
before smoothing was done in numpy, SciPy) took as long as both in a row and each delayed the
other; started side by side, the model's first frame slipped by most of a second (per-thread
CPU times on 2 cores).

The thread is not a daemon: a run that fails early (a missing model, a bad option) waits for the
import to finish at exit instead of killing a thread inside mediapipe's C++ start-up. A failed
import here is left for the real import to raise, in the caller's words.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Sequence

log = logging.getLogger(__name__)


def import_ahead(modules: Sequence[str]) -> threading.Thread | None:
    """Import ``modules`` in this order on one new thread; None when all are imported already."""
    todo = [module for module in modules if module not in sys.modules]
    if not todo:
        return None
    thread = threading.Thread(target=_import_all, args=(todo,), name="formcheck-import-ahead")
    thread.start()
    return thread


def _import_all(modules: Sequence[str]) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - re-raised where the module is used
            log.debug("import ahead of %s failed: %s", module, exc)


__all__ = ["import_ahead"]
