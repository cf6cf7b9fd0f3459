"""Set-up guidance: what the person should change before a frame can be judged, debounced."""

from __future__ import annotations

from collections import Counter, deque

from formcheck.exercises.base import FrameInput
from formcheck.features.view import MIN_EXTENT_FRAC, FrameView, View

SETUP_NOBODY = "Step into view"
SETUP_CROWD = "Only one person in view please"
SETUP_FEET = "Step back, your feet are out of frame"
SETUP_HEAD = "Step back, your head is out of frame"
SETUP_SMALL = "Come closer to the camera"
SETUP_TURN = "Turn side-on to the camera"
SETUP_OBLIQUE = "Turn a little more side-on to the camera"
# While one of these is shown nothing can be judged reliably, so no fault cue is given.
# "Come closer" and "a little more side-on" are hints for setting up, shown until the first rep
# or hold: the rules still judge (with lower confidence) and say when a view is unusable.
BLOCKING_SETUP = frozenset({SETUP_NOBODY, SETUP_CROWD, SETUP_FEET, SETUP_HEAD, SETUP_TURN})


def setup_issue(frame: FrameInput, view: FrameView) -> str | None:
    """What the person should change before this frame can be judged (None: nothing)."""
    if not frame.detected:
        return SETUP_NOBODY
    if frame.num_people > 1:
        return SETUP_CROWD
    if "feet" in view.out_of_frame:
        return SETUP_FEET
    if "head" in view.out_of_frame:
        return SETUP_HEAD
    if "hips" in view.out_of_frame:
        return SETUP_NOBODY
    if view.extent_frac < MIN_EXTENT_FRAC:
        return SETUP_SMALL
    if view.view == View.FRONT:
        return SETUP_TURN
    if view.view == View.OBLIQUE:
        return SETUP_OBLIQUE
    return None


class SetupGuide:
    """Debounces per-frame setup issues into a steady message (no flicker at a boundary).

    A message appears once its issue holds in at least ``share`` of the frames of the last
    ``window_s``, and goes once that share of frames is fine.
    """

    def __init__(self, window_s: float = 0.6, share: float = 0.6) -> None:
        self.window_ms = window_s * 1000.0
        self.share = share
        self._recent: deque[tuple[float, str | None]] = deque()
        self.message: str | None = None

    def update(self, time_ms: float, issue: str | None) -> str | None:
        self._recent.append((time_ms, issue))
        while self._recent and self._recent[0][0] < time_ms - self.window_ms:
            self._recent.popleft()
        counts = Counter(i for _, i in self._recent)
        total = len(self._recent)
        if self.message is not None and counts[None] >= self.share * total:
            self.message = None
        top = max((i for i in counts if i is not None), key=lambda i: counts[i], default=None)
        if top is not None and counts[top] >= self.share * total:
            self.message = top
        return self.message

    def reset(self) -> None:
        self._recent.clear()
        self.message = None
