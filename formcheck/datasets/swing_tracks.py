"""Reader for the kettlebell-swing keypoint tracks (idvorkin/swing-analyzer pose fixtures).

Layout of ``kbswing_idvorkin_*.csv`` (one row per video frame, header row first)::

    frame_index, video_time, gt_position,
    nose_x, nose_y, nose_z, nose_score, ..., right_foot_index_score   (33 BlazePose landmarks)

* ``x``/``y`` are PIXELS of the source video (1920x1080 for every published track; the 4-rep
  clip was detected on an 850x850 crop, but its coordinates are already mapped back to the full
  frame), so they are divided by the frame size to get PoseSeries' normalised image coordinates.
* ``z`` is the model's relative depth. The Python (mediapipe) tracks store it normalised like
  x; the TF.js track stores it in pixels (values in the hundreds), so such a file's z is divided
  by the frame width too. Nothing in formcheck's rules reads image z.
* ``score`` is the landmark's visibility; the fixtures keep no separate presence, so it is used
  for both.
* ``gt_position`` is empty except at hand-checked frames ("top" / "bottom").
* There are no world landmarks: ``world`` is NaN (the view check then relies on its image cue).

A frame missing from the table (a gap in ``frame_index``) or a row whose landmarks are empty
becomes a NaN row, so time stays honest.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.errors import InputError
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS, Landmark

# Frame size of every published track (the fixtures' videoWidth/videoHeight metadata).
DEFAULT_WIDTH = 1920
DEFAULT_HEIGHT = 1080
DEFAULT_FPS = 30.0
# |z| above this can only be pixels (normalised z stays within about +-1 for a body in frame).
_PIXEL_Z = 10.0

LANDMARK_COLUMNS: tuple[str, ...] = tuple(lm.name.lower() for lm in Landmark)


@dataclass(frozen=True)
class SwingMark:
    """One hand-checked position: the top of a swing or the bottom of a backswing."""

    frame_index: int
    time_ms: float
    position: str  # "top" | "bottom"
    notes: str = ""


@dataclass
class SwingTrack:
    """A track as a PoseSeries plus the ground-truth marks found in its ``gt_position`` column."""

    series: PoseSeries
    marks: list[SwingMark] = field(default_factory=list)

    @property
    def tops(self) -> list[SwingMark]:
        return [m for m in self.marks if m.position == "top"]

    @property
    def bottoms(self) -> list[SwingMark]:
        return [m for m in self.marks if m.position == "bottom"]


def _float(text: str | None) -> float:
    if text is None or text.strip() == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def read_swing_track(
    path: str | Path,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    fps: float | None = None,
) -> SwingTrack:
    """Read one ``kbswing_idvorkin_*.csv`` track.

    ``width``/``height`` are the source video's frame size in pixels. ``fps`` defaults to the
    rate implied by the ``video_time`` column (30 for the published tracks). Frame times are
    ``frame_index / fps``, so they are strictly increasing even where ``video_time`` is rounded.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"Swing track not found: {path}",
            "Check the path; the tracks live in shared/data/keypoints (kbswing_idvorkin_*.csv).",
        )
    if width <= 0 or height <= 0:
        raise InputError(
            f"Frame size must be positive, got {width}x{height}.",
            "Pass the source video's width and height in pixels.",
        )
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        rows = list(reader)
    wanted = ["frame_index", "video_time"] + [
        f"{name}_{axis}" for name in LANDMARK_COLUMNS for axis in ("x", "y", "z", "score")
    ]
    if header is None or any(col not in header for col in wanted):
        missing = [c for c in wanted if header is None or c not in header]
        raise InputError(
            f"{path.name} is not a swing track: missing columns {', '.join(missing[:4])}"
            + ("..." if len(missing) > 4 else ""),
            "Expected frame_index, video_time, gt_position and 33 landmarks as "
            "<name>_x, <name>_y, <name>_z, <name>_score.",
        )
    if not rows:
        raise InputError(f"{path.name} has a header but no frames.", "Use a non-empty track.")
    col = {name: i for i, name in enumerate(header)}
    gt_col = col.get("gt_position")

    try:
        frame_index = np.array([int(float(r[col["frame_index"]])) for r in rows])
    except (ValueError, IndexError) as exc:
        raise InputError(
            f"{path.name}: unreadable frame_index ({exc}).", "Each row needs an integer index."
        ) from exc
    video_time = np.array([_float(r[col["video_time"]]) for r in rows])
    if np.any(np.diff(frame_index) <= 0):
        raise InputError(
            f"{path.name}: frame_index is not strictly increasing.",
            "Sort the rows by frame_index and drop duplicates.",
        )
    if fps is None:
        dt = np.diff(video_time) / np.diff(frame_index) if len(rows) > 1 else np.array([])
        dt = dt[np.isfinite(dt) & (dt > 0)]
        fps = float(1.0 / np.median(dt)) if dt.size else DEFAULT_FPS
    if not (np.isfinite(fps) and fps > 0):
        raise InputError(f"Frame rate must be positive, got {fps}.", "Pass fps explicitly.")

    # (rows, 33, 4) numbers: x, y, z, score.
    idx = np.array(
        [[col[f"{name}_{axis}"] for axis in ("x", "y", "z", "score")] for name in LANDMARK_COLUMNS]
    )
    values = np.array(
        [[_float(r[j]) if j < len(r) else math.nan for j in idx.ravel()] for r in rows]
    ).reshape(len(rows), NUM_LANDMARKS, 4)

    first = int(frame_index[0])
    n = int(frame_index[-1]) - first + 1
    slot = frame_index - first
    image = np.full((n, NUM_LANDMARKS, 3), np.nan)
    score = np.full((n, NUM_LANDMARKS), np.nan)
    image[slot, :, 0] = values[:, :, 0] / width
    image[slot, :, 1] = values[:, :, 1] / height
    z = values[:, :, 2]
    if np.nanmax(np.abs(z), initial=0.0) > _PIXEL_Z:
        z = z / width  # TF.js tracks give z in pixels
    image[slot, :, 2] = z
    score[slot] = values[:, :, 3]

    # A frame counts as detected only with x and y for every landmark (the fixtures store
    # either a whole pose or nothing); partial rows are blanked rather than half-trusted.
    detected = np.isfinite(image[:, :, :2]).all(axis=(1, 2))
    image[~detected] = np.nan
    score[~detected] = np.nan
    score = np.clip(score, 0.0, 1.0)

    series = PoseSeries(
        time_ms=(np.arange(n) + first) * (1000.0 / fps),
        image=image,
        world=np.full((n, NUM_LANDMARKS, 3), np.nan),
        visibility=score,
        presence=score.copy(),
        num_people=detected.astype(np.int16),
        source=SourceInfo(name=path.name, width=int(width), height=int(height), fps=float(fps)),
        model="blazepose (swing-analyzer fixture)",
    )

    marks: list[SwingMark] = []
    if gt_col is not None:
        for r, fi in zip(rows, frame_index, strict=True):
            label = r[gt_col].strip().lower() if gt_col < len(r) else ""
            if label:
                marks.append(SwingMark(int(fi), float(fi) * 1000.0 / fps, label))
    return SwingTrack(series=series, marks=marks)


def read_swing_groundtruth(path: str | Path) -> list[SwingMark]:
    """Read a ``*_groundtruth.json`` file: ``{"annotations": [{frame_index, video_time,
    position, notes}, ...]}``. ``time_ms`` is taken from ``video_time``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Ground-truth file not found: {path}", "Check the path.")
    try:
        data = json.loads(path.read_text())
        marks = [
            SwingMark(
                frame_index=int(a["frame_index"]),
                time_ms=float(a["video_time"]) * 1000.0,
                position=str(a["position"]).strip().lower(),
                notes=str(a.get("notes", "")),
            )
            for a in data["annotations"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"{path.name} is not a swing ground-truth file ({type(exc).__name__}: {exc}).",
            'Expected {"annotations": [{"frame_index", "video_time", "position"}, ...]}.',
        ) from exc
    return sorted(marks, key=lambda m: m.frame_index)
