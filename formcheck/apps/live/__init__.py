"""Live coaching: newest frame -> pose -> One Euro -> rules -> cue and overlay.

Nothing here opens a window. The pieces, one job each:

* :mod:`.coach`: :class:`LiveCoach` judges one frame and its pose (set-up guidance, the rule
  session's events, at most one cue, the rep counter or hold timer, the overlay to draw),
  recognises the exercise first for ``auto``, and closes sets into records.
* :mod:`.setup_guide`: what the person should change before a frame can be judged.
* :mod:`.recognition`: ``--exercise auto`` on a background thread.
* :mod:`.records`: set records, the run's timing, the summary JSON.
* :mod:`.stages`: the source and the model, in this thread or one frame ahead on a worker.
* :mod:`.display`: the :class:`Display` protocol and the keys.
* :mod:`.run`: :func:`run_live`, the loop (``formcheck.cli.live`` supplies the OpenCV window;
  without one it runs headless).

Rules are the very same causal sessions used offline (``ExerciseRule.session()``), fed rule
inputs built by the same code as offline (:mod:`formcheck.features.frame_input`), so a set
judged live is judged as it would be afterwards, up to the smoothing (causal One Euro live,
zero-phase Butterworth offline).
"""

from formcheck.apps.live.coach import FrameReport, LiveCoach
from formcheck.apps.live.display import KEY_MIRROR, KEY_NEW_SET, KEY_PAUSE, KEY_QUIT, Display
from formcheck.apps.live.recognition import (
    CHECKING_EXERCISE,
    UNSURE_EXERCISE,
    BackgroundRecogniser,
    RecognitionSettings,
)
from formcheck.apps.live.records import LiveRun, SetRecord, save_summary, stats_ms
from formcheck.apps.live.run import format_line, run_live
from formcheck.apps.live.setup_guide import (
    BLOCKING_SETUP,
    SETUP_CROWD,
    SETUP_FEET,
    SETUP_HEAD,
    SETUP_NOBODY,
    SETUP_OBLIQUE,
    SETUP_SMALL,
    SETUP_TURN,
    SetupGuide,
    setup_issue,
)

__all__ = [
    "BLOCKING_SETUP",
    "CHECKING_EXERCISE",
    "KEY_MIRROR",
    "KEY_NEW_SET",
    "KEY_PAUSE",
    "KEY_QUIT",
    "SETUP_CROWD",
    "SETUP_FEET",
    "SETUP_HEAD",
    "SETUP_NOBODY",
    "SETUP_OBLIQUE",
    "SETUP_SMALL",
    "SETUP_TURN",
    "UNSURE_EXERCISE",
    "BackgroundRecogniser",
    "Display",
    "FrameReport",
    "LiveCoach",
    "LiveRun",
    "RecognitionSettings",
    "SetRecord",
    "SetupGuide",
    "format_line",
    "run_live",
    "save_summary",
    "setup_issue",
    "stats_ms",
]
