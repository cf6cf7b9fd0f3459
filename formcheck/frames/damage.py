"""Damaged input: which frames of a file the decoder could not give whole, and where.

A video with corrupt bytes in the middle does not fail: FFmpeg drops the frames it cannot
decode and conceals errors in the ones it can (grey or smeared blocks), and OpenCV says nothing
of either. Two checks find them:

* **missing frames** (always): the video source keeps reading past a failed read and places
  the next frame by its presentation time, so the frames in between are counted as missing
  (:class:`formcheck.frames.video.VideoFileSource`). A file whose decode ends before its
  container's frame count is *incomplete*: those frames cannot be placed in time (real clips cut
  from a longer recording without re-encoding often list a few frames that never decode).
* **concealed damage** (with PyAV, the ``video`` extra): a second decode with PyAV, which hands
  out FFmpeg's per-frame corrupt flag (``is_corrupt``) It costs
  one more decode of the file (a few percent of the model's time).

A JPEG that ends early decodes with its lower part grey; libjpeg then writes "Premature end of
JPEG file" straight to file descriptor 2 from C. :func:`decode_image_checked` checks the end
marker, catches that chatter off the terminal and reports it in formcheck's own words.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from formcheck.series.core import DecodeDamage, time_ranges

log = logging.getLogger(__name__)

JPEG_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe"})
_JPEG_END = b"\xff\xd9"
_fd2_lock = threading.Lock()


@contextlib.contextmanager
def captured_fd2() -> Iterator[list[str]]:
    """Send what native code writes to file descriptor 2 into the list yielded, not the terminal.

    For a short decode only: fd 2 is one per process, so another thread's writes in that moment
    land in the list too (they are written back to the terminal afterwards, after the lines
    the decoder wrote have been taken out by the caller). FORMCHECK_DEBUG=1 leaves fd 2 alone.
    """
    lines: list[str] = []
    if os.environ.get("FORMCHECK_DEBUG"):
        yield lines
        return
    with _fd2_lock, tempfile.TemporaryFile() as sink:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except OSError:  # no real fd 2 (some notebook hosts): nothing to capture
            yield lines
            return
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())


# JPEG decoder chatter (libjpeg's warnings) that means the picture is damaged or cut short.
_JPEG_WARNINGS = ("Premature end of JPEG file", "Corrupt JPEG data")


def decode_image_checked(path: Path) -> tuple[np.ndarray | None, DecodeDamage | None]:
    """Decode an image file to BGR (None if nothing decodes) and what was wrong with it.

    For a JPEG: ``incomplete`` when it lacks the end-of-image marker or libjpeg says it ended
    early, ``damaged_frames=1`` when libjpeg reports corrupt data; the decoder's own lines are
    kept off the terminal (other native lines in that moment are written back). Other formats
    are decoded as they are (damage None: not checked).
    """
    if path.suffix.lower() not in JPEG_SUFFIXES:
        return cv2.imread(str(path), cv2.IMREAD_COLOR), None
    # Some cameras pad the file after the end marker; the marker must end the picture.
    cut_short = not path.read_bytes().rstrip(b"\x00").endswith(_JPEG_END)
    with captured_fd2() as chatter:
        # imread, not imdecode: imdecode refuses a cut-short JPEG outright, imread returns
        # what decoded (and applies the EXIF orientation as for any other image).
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    ours = [line for line in chatter if any(w in line for w in _JPEG_WARNINGS)]
    _write_back(line for line in chatter if line not in ours)
    premature = any("Premature end" in line for line in ours)
    corrupt = any("Corrupt JPEG" in line for line in ours)
    damage = DecodeDamage(
        damaged=((0.0, 0.0),) if corrupt else (),
        damaged_frames=int(corrupt),
        incomplete=cut_short or premature,
        checks=("jpeg end marker", "libjpeg warnings"),
        still=True,
    )
    return bgr, damage


def _write_back(lines: Iterable[str]) -> None:
    text = "".join(f"{line}\n" for line in lines)
    if text:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(text)
            sys.stderr.flush()


# --------------------------------------------------------------------------- video
def pyav_damage(
    path: Path,
    fps: float,
    first_index: int,
    last_index: int | None,
    stop: threading.Event | None = None,
) -> set[int] | None:
    """Indices of the frames of ``path`` within the range that FFmpeg flags corrupt (decoded
    with concealed errors), by a PyAV decode.

    None when PyAV is not installed or cannot open the file (OpenCV could: then only the
    missing-frame check runs). Indices count frames at ``fps`` from the stream's first frame,
    as the video source does.
    """
    try:
        import av
    except ImportError:
        return None
    damaged: set[int] = set()
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            # FFmpeg's default threading: frame threads would finish sooner but cost ~40% more
            # CPU (0.51 against 0.37 s on a 35 s clip), and the scan runs beside the model,
            # where CPU, not waiting, is what it takes from the landmarkers.
            base = stream.time_base
            # Times count from the stream's start, as the OpenCV reader's indices do.
            start: float | None = (
                float(stream.start_time * base) if stream.start_time is not None else None
            )
            if first_index > 0 and start is not None and base:
                # A range: begin at the keyframe before it, not at the top of a long file.
                container.seek(int((start + first_index / fps) / base), stream=stream)

            def index_of(pts: int | None) -> int | None:
                nonlocal start
                if pts is None or base is None:
                    return None
                t = float(pts * base)
                if start is None:
                    start = t
                return round((t - start) * fps)

            for packet in container.demux(stream):
                if stop is not None and stop.is_set():
                    return None  # cancelled: nothing to report
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    # Not counted: a packet's pts is in decode order and with frame threads
                    # its loss surfaces elsewhere; the OpenCV read counts the missing frames.
                    continue
                for frame in frames:
                    i = index_of(frame.pts)
                    if i is not None and frame.is_corrupt:  # FFmpeg's AV_FRAME_FLAG_CORRUPT
                        damaged.add(i)
                # Frames come out in time order: past the range's end the scan is done.
                if last_index is not None and any(
                    (i := index_of(f.pts)) is not None and i > last_index for f in frames
                ):
                    break
    except (av.error.FFmpegError, IndexError, OSError) as exc:
        log.debug("PyAV could not scan %s for damage: %s", path, exc)
        return None

    def within(indices: set[int]) -> set[int]:
        return {i for i in indices if i >= first_index and (last_index is None or i <= last_index)}

    return within(damaged)


# A lower priority: the landmarkers keep most of the CPU (they keep ~1.8 of 2 cores busy), yet
# the scan still gets a share (CFS weight 110 against 1024) and is done before them: on a 35 s
# clip the pose stage waited 0.00 s for it (`-v` logs the wait). Not the lowest (19, weight
# 15): a nice value cannot be lowered again without privileges, and on a host busy with other
# work a starved scan would then run after the model at that weight.
SCAN_NICE = 10


class DamageScan:
    """:func:`pyav_damage` of a file's range, started on its own thread when the pose stage
    starts, so the second decode overlaps the model instead of following it.

    The thread runs at a lower scheduling priority (Linux: a per-thread nice value,
    :data:`SCAN_NICE`; FFmpeg's own decode threads inherit it), so the landmarkers keep most
    of the CPU; :meth:`result` waits for whatever is left. :meth:`cancel` stops it where its
    result will not be used (the pass failed), so no decode goes on in the background.
    """

    def __init__(
        self, path: Path, fps: float, first_index: int = 0, last_index: int | None = None
    ) -> None:
        self._args = (Path(path), float(fps), int(first_index), last_index)
        self._found: set[int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-damage-scan", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SCAN_NICE)
        try:
            self._found = pyav_damage(*self._args, stop=self._stop)
        except Exception as exc:  # a scan that fails says nothing; it never fails the clip
            log.debug("damage scan of %s failed: %s", self._args[0], exc)

    def result(self) -> set[int] | None:
        """The frames flagged corrupt (None: not scanned), once the scan is done."""
        waited = time.perf_counter()
        self._thread.join()
        log.debug("damage scan: waited %.2f s for it", time.perf_counter() - waited)
        return self._found

    def cancel(self) -> None:
        """Stop the scan (its result is then None) and wait for its thread to end."""
        self._stop.set()
        self._thread.join()


def video_damage(
    path: Path,
    fps: float,
    missing: set[int],
    shortfall: int,
    first_index: int = 0,
    last_index: int | None = None,
    scan: DamageScan | None = None,
) -> DecodeDamage:
    """The damage report of a video: ``missing`` frame indices the OpenCV read skipped (and
    ``shortfall``: frames short of the container's frame count it ended), joined with what a
    PyAV decode flags (:func:`pyav_damage`) when PyAV is installed: ``scan``'s, when one of
    this range was started beforehand, else one run now."""
    checks = ["skipped frames"]
    damaged: set[int] = set()
    scanned = scan.result() if scan is not None else pyav_damage(path, fps, first_index, last_index)
    if scanned is not None:
        checks.append("decoder error flags (PyAV)")
        damaged = scanned
    damaged -= missing
    frame_s = 1.0 / fps

    def times(indices: set[int]) -> list[float]:
        return [i * frame_s for i in indices]

    missing_ranges = time_ranges(times(missing), frame_s)
    damaged_ranges = time_ranges(times(damaged), frame_s)
    return DecodeDamage(
        missing=missing_ranges,
        missing_frames=len(missing),
        damaged=damaged_ranges,
        damaged_frames=len(damaged),
        incomplete=shortfall > 0,
        short_frames=shortfall,
        checks=tuple(checks),
    )


def describe_damage(damage: DecodeDamage | None) -> str | None:
    """One line in formcheck's words, or None when nothing was wrong (or nothing checked)."""
    if damage is None or not damage.any:
        return None
    if damage.still:
        if damage.incomplete:
            return (
                "The image is incomplete: the file ends before the picture does (its lower part "
                "decoded grey). It was judged on the part that decoded; re-copy or re-export it."
            )
        return "The image has corrupt data: it was judged as it decoded; re-copy or re-export it."
    parts = []
    if damage.missing_frames:
        parts.append(
            f"{damage.missing_frames} frame{'s' * (damage.missing_frames != 1)} could not be "
            f"decoded at {format_ranges(damage.missing)} (left out)"
        )
    if damage.damaged_frames:
        parts.append(
            f"{damage.damaged_frames} frame{'s' * (damage.damaged_frames != 1)} decoded with "
            f"errors at {format_ranges(damage.damaged)} (used, less reliable)"
        )
    if damage.short_frames:
        parts.append(
            f"the decoder ended {damage.short_frames} frame{'s' * (damage.short_frames != 1)} "
            "short of what the file lists (cut short, or frames that never decode; where is "
            "unknown)"
        )
    return "Damaged input: " + "; ".join(parts) + ". The rest of the clip was analysed."


def format_ranges(ranges: Iterable[tuple[float, float]]) -> str:
    """``((5.9, 6.0), (8.1, 8.1))`` -> ``"5.90-6.00 s, 8.10 s"``."""
    out = []
    for a, b in ranges:
        out.append(f"{a:.2f} s" if b - a < 1e-6 else f"{a:.2f}-{b:.2f} s")
    return ", ".join(out)
