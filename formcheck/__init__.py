"""formcheck: camera form checks for posterior-chain exercises (see formcheck.exercises)."""

import os

# OpenCV and its FFmpeg backend print warnings straight to stderr for every unreadable file
# ("moov atom not found"); formcheck reports those problems itself, in one message.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

from formcheck.errors import ConfigError, FormcheckError, InputError, ModelError  # noqa: E402
from formcheck.series.core import PoseSeries, SourceInfo  # noqa: E402

__version__ = "0.1.0"


def __getattr__(name: str):
    # score_clip/score_clips load batch scoring (and pandas) only on first use.
    if name in ("score_clip", "score_clips"):
        from formcheck.apps import batch

        return getattr(batch, name)
    if name == "EngineOptions":  # how a clip is judged: score_clip(path, options=...)
        from formcheck.engine.options import EngineOptions

        return EngineOptions
    if name == "analyze_clip":  # one clip to a verdict, the engine's clip path
        from formcheck.engine.clip import analyze_clip

        return analyze_clip
    raise AttributeError(f"module 'formcheck' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "EngineOptions",
    "FormcheckError",
    "InputError",
    "ModelError",
    "PoseSeries",
    "SourceInfo",
    "__version__",
    "analyze_clip",
    "score_clip",
    "score_clips",
]
