"""Writing H.264 mp4 files that play in browsers, through PyAV's bundled libx264.

OpenCV's wheels cannot write H.264 and their ``mp4v`` files do not play in browsers, so the
annotated video goes through PyAV (the optional ``video`` extra). Output is yuv420p, which
needs an even width and height: an odd size is padded by one pixel (the edge row or column
repeated), and :attr:`H264Writer.note` says so.

The output path is checked (and PyAV imported) when the writer is created, before any frame is
decoded, so a typo in the path does not cost a full pass over the clip. Frames go to
``<name>.part.mp4`` first and are renamed at the end, so an interrupted run never leaves a
truncated file under the final name.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import numpy as np

from formcheck.errors import ConfigError, FormcheckError

VIDEO_EXTRA_HINT = "Install video support with: pip install formcheck[video]  (or: pip install av)"


def ensure_writable(path: str | os.PathLike, what: str = "output file") -> Path:
    """See :func:`formcheck.paths.ensure_writable` (kept here for existing callers)."""
    from formcheck.paths import ensure_writable as check

    return check(path, what)


def require_av():
    """Import PyAV or raise a FormcheckError saying how to install it."""
    try:
        import av
    except ImportError as exc:
        raise FormcheckError(
            "Writing H.264 video needs PyAV, which is not installed.", VIDEO_EXTRA_HINT
        ) from exc
    return av


def even_size(width: int, height: int) -> tuple[int, int]:
    """The yuv420p frame size for a width x height picture (odd sides padded by one)."""
    return width + (width % 2), height + (height % 2)


class H264Writer:
    """Context manager writing BGR (or RGB) uint8 frames to an H.264 mp4.

        with H264Writer("out.mp4", fps=30, width=640, height=480) as writer:
            for bgr in frames:
                writer.write(bgr)

    ``crf`` is x264's constant quality (lower = better, 18-28 sensible); ``preset`` trades
    encoding speed for file size. Frames must all be ``width`` x ``height``.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        fps: float,
        width: int,
        height: int,
        *,
        crf: int = 23,
        preset: str = "veryfast",
        threads: int | None = None,
    ) -> None:
        self.path = ensure_writable(path, "video")
        if self.path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
            raise ConfigError(
                f"Cannot write {self.path.name}: H.264 video is written as .mp4.",
                "Use a name ending in .mp4, e.g. annotated.mp4.",
            )
        if not (np.isfinite(fps) and fps > 0):
            raise ConfigError(f"Video frame rate must be positive, got {fps!r}.")
        if width < 2 or height < 2:
            raise ConfigError(f"Video frame size {width}x{height} is too small to encode.")
        self._av = require_av()
        self.fps = float(fps)
        self.width, self.height = int(width), int(height)
        self.out_width, self.out_height = even_size(self.width, self.height)
        self.note: str | None = None
        if (self.out_width, self.out_height) != (self.width, self.height):
            self.note = (
                f"frame size {self.width}x{self.height} is odd: padded to "
                f"{self.out_width}x{self.out_height} by one pixel for H.264 (yuv420p)"
            )
        self.crf, self.preset, self.threads = crf, preset, threads
        self.frames_written = 0
        self._tmp = self.path.with_name(self.path.stem + ".part" + self.path.suffix)
        self._container = None
        self._stream = None

    # ---------------------------------------------------------------------- lifecycle
    def open(self) -> H264Writer:
        if self._container is not None:
            return self
        av = self._av
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._container = av.open(str(self._tmp), mode="w")
        except (OSError, av.FFmpegError) as exc:
            raise ConfigError(
                f"Cannot write the video {self.path} ({exc}).", "Choose a writable output path."
            ) from exc
        rate = Fraction(self.fps).limit_denominator(1001)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height = self.out_width, self.out_height
        stream.pix_fmt = "yuv420p"
        options = {"crf": str(self.crf), "preset": self.preset}
        if self.threads is not None:
            options["threads"] = str(self.threads)
        stream.options = options
        self._stream = stream
        return self

    def write(self, image: np.ndarray, *, rgb: bool = False) -> None:
        """Encode one (height, width, 3) uint8 frame, BGR unless ``rgb``."""
        if self._stream is None:
            self.open()
        if image.shape != (self.height, self.width, 3) or image.dtype != np.uint8:
            raise ValueError(
                f"frame is {image.shape} {image.dtype}, expected ({self.height}, {self.width}, 3) "
                "uint8"
            )
        if (self.out_width, self.out_height) != (self.width, self.height):
            image = np.pad(
                image,
                ((0, self.out_height - self.height), (0, self.out_width - self.width), (0, 0)),
                mode="edge",
            )
        frame = self._av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image), format="rgb24" if rgb else "bgr24"
        )
        assert self._container is not None and self._stream is not None
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> Path:
        """Flush the encoder and move the file into place; returns the final path."""
        if self._container is None:
            self.open()
        assert self._container is not None and self._stream is not None
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()
            self._container = None
        try:
            self._tmp.replace(self.path)
        except OSError as exc:
            raise ConfigError(
                f"Cannot write the video {self.path} ({exc.strerror}).",
                "Choose a writable output path.",
            ) from exc
        return self.path

    def abort(self) -> None:
        """Stop without keeping a partial file."""
        if self._container is not None:
            # Closing a broken stream must not hide the error that got us here.
            with contextlib.suppress(Exception):
                self._container.close()
            self._container = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> H264Writer:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
