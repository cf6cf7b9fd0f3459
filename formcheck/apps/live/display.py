"""Where the live loop shows frames and reads keys, and what the keys do.

The loop never opens a window itself: ``formcheck.cli.live`` hands it an OpenCV window, or
nothing (headless), through the :class:`Display` protocol.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

KEY_QUIT = frozenset({ord("q"), ord("Q"), 27})  # 27: Esc
KEY_PAUSE = frozenset({ord(" ")})
KEY_NEW_SET = frozenset({ord("r"), ord("R")})
KEY_MIRROR = frozenset({ord("m"), ord("M")})


class Display(Protocol):
    """Where frames are shown and keys read (an OpenCV window, or nothing)."""

    def show(self, bgr: np.ndarray) -> None: ...

    def poll_key(self, wait_ms: int = 1) -> int | None:
        """A key pressed since the last call (an ord() code), or None."""
        ...

    def close(self) -> None: ...
