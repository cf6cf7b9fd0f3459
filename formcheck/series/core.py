"""PoseSeries: the landmark time series every later stage reads.

A frame where nobody was found stays in the series as NaN, never dropped, so time, rep
boundaries and hold timers stay honest. Series save to ``.npz`` so a clip can be re-scored
without running the model again.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import InputError, OutputError
from formcheck.series.landmarks import NUM_LANDMARKS
from formcheck.series.npzfile import read_versioned_npz

FORMAT_VERSION = 1

TimeRange = tuple[float, float]  # (first, last) second of the file


@dataclass(frozen=True)
class DecodeDamage:
    """What the decoder could not give whole: the input was analysed on what did decode.

    ``missing``: time ranges (seconds of the file) of frames that could not be decoded at all
    (they are absent from the series, so its times skip them); ``damaged``: of frames that
    decoded with errors the decoder concealed (smeared or grey blocks: the model saw them, its
    landmarks there are less sure). ``incomplete``: the file ends before the picture or the
    stream does (a truncated still or video); for a video, ``short_frames`` of the frames its
    container lists never decoded and cannot be placed in time. ``checks`` names how it was looked for, so an
    empty report says what was checked.
    """

    missing: tuple[TimeRange, ...] = ()
    missing_frames: int = 0
    damaged: tuple[TimeRange, ...] = ()
    damaged_frames: int = 0
    incomplete: bool = False
    short_frames: int = 0
    checks: tuple[str, ...] = ()
    still: bool = False  # a photo (one frame), not a video

    @property
    def any(self) -> bool:
        return bool(self.missing_frames or self.damaged_frames or self.incomplete)

    def to_dict(self) -> dict:
        return {
            "missing_s": [list(r) for r in self.missing],
            "missing_frames": self.missing_frames,
            "damaged_s": [list(r) for r in self.damaged],
            "damaged_frames": self.damaged_frames,
            "incomplete": self.incomplete,
            "short_frames": self.short_frames,
            "checks": list(self.checks),
            "still": self.still,
        }

    @classmethod
    def from_dict(cls, data: dict) -> DecodeDamage:
        return cls(
            missing=tuple((float(a), float(b)) for a, b in data.get("missing_s", [])),
            missing_frames=int(data.get("missing_frames", 0)),
            damaged=tuple((float(a), float(b)) for a, b in data.get("damaged_s", [])),
            damaged_frames=int(data.get("damaged_frames", 0)),
            incomplete=bool(data.get("incomplete", False)),
            short_frames=int(data.get("short_frames", 0)),
            checks=tuple(data.get("checks", [])),
            still=bool(data.get("still", False)),
        )


def time_ranges(times_s: list[float], frame_s: float) -> tuple[TimeRange, ...]:
    """Sorted frame times merged into ranges: frames at most one frame apart join one range."""
    ranges: list[list[float]] = []
    for t in sorted(times_s):
        if ranges and t - ranges[-1][1] <= frame_s * 1.5:
            ranges[-1][1] = t
        else:
            ranges.append([t, t])
    return tuple((round(a, 3), round(b, 3)) for a, b in ranges)


@dataclass(frozen=True)
class SourceInfo:
    """Where a series came from and the geometry of the frames the model saw."""

    name: str
    width: int  # of the frames given to the model (after any downscale), pixels
    height: int
    fps: float
    frame_count: int | None = None  # as the container reports (of the range read); None live
    is_live: bool = False
    rotation_deg: int = 0  # rotation applied from the file's metadata
    # The part of the file that was read (--start/--end), in seconds of the file's own
    # timeline; None: from its beginning / to its end. Frame times stay the file's own.
    start_s: float | None = None
    end_s: float | None = None
    # What the decoder could not read whole (None: not checked, e.g. arrays or a camera).
    damage: DecodeDamage | None = None

    @property
    def ranged(self) -> bool:
        """Whether only part of the file was read."""
        return self.start_s is not None or self.end_s is not None

    def to_dict(self) -> dict:
        data = {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "frame_count": self.frame_count,
            "is_live": self.is_live,
            "rotation_deg": self.rotation_deg,
        }
        if self.ranged:  # only then, so a whole clip's dict (and old files) stay as they were
            data.update(start_s=self.start_s, end_s=self.end_s)
        if self.damage is not None:  # only when checked, so other dicts stay as they were
            data["damage"] = self.damage.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SourceInfo:
        data = dict(data)
        damage = data.pop("damage", None)
        return cls(**data, damage=None if damage is None else DecodeDamage.from_dict(damage))


@dataclass
class PoseSeries:
    """Per-frame landmarks of one person.

    Shapes (T frames, 33 BlazePose landmarks):
      time_ms     (T,)       float64, strictly increasing
      image       (T, 33, 3) float32, x and y normalised to the frame (0..1), z relative depth
      world       (T, 33, 3) float32, metres, origin between the hips, y pointing down
      visibility  (T, 33)    float32, 0..1, model's belief the point is visible (not occluded)
      presence    (T, 33)    float32, 0..1, model's belief the point is in the frame
      num_people  (T,)       int16, people the detector saw in the frame (0 = nobody)
    Rows where nobody was found are NaN in the float arrays and 0 in num_people.
    ``extras`` holds optional per-frame measurements keyed by name, each shaped (T, ...),
    e.g. back-outline figures taken from the segmentation mask.
    """

    time_ms: np.ndarray
    image: np.ndarray
    world: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    num_people: np.ndarray
    source: SourceInfo
    model: str = ""
    smoothing: str = "none"
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.time_ms = np.asarray(self.time_ms, dtype=np.float64)
        self.image = np.asarray(self.image, dtype=np.float32)
        self.world = np.asarray(self.world, dtype=np.float32)
        self.visibility = np.asarray(self.visibility, dtype=np.float32)
        self.presence = np.asarray(self.presence, dtype=np.float32)
        self.num_people = np.asarray(self.num_people, dtype=np.int16)
        t = self.time_ms.shape[0]
        expected = {
            "image": (t, NUM_LANDMARKS, 3),
            "world": (t, NUM_LANDMARKS, 3),
            "visibility": (t, NUM_LANDMARKS),
            "presence": (t, NUM_LANDMARKS),
            "num_people": (t,),
        }
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ValueError(f"PoseSeries.{name} has shape {actual}, expected {shape}")
        if self.time_ms.ndim != 1:
            raise ValueError("PoseSeries.time_ms must be one-dimensional")
        if t > 1 and not np.all(np.diff(self.time_ms) > 0):
            raise ValueError("PoseSeries.time_ms must be strictly increasing")
        for key, values in self.extras.items():
            if np.asarray(values).shape[:1] != (t,):
                raise ValueError(f"PoseSeries.extras[{key!r}] must have {t} rows")

    # ----------------------------------------------------------------- construction
    @classmethod
    def empty(cls, source: SourceInfo, length: int = 0, model: str = "") -> PoseSeries:
        """A series of ``length`` frames with nobody found (timestamps from the source fps)."""
        fps = source.fps if source.fps and source.fps > 0 else 30.0
        time_ms = np.arange(length, dtype=np.float64) * (1000.0 / fps)
        return cls(
            time_ms=time_ms,
            image=np.full((length, NUM_LANDMARKS, 3), np.nan, np.float32),
            world=np.full((length, NUM_LANDMARKS, 3), np.nan, np.float32),
            visibility=np.full((length, NUM_LANDMARKS), np.nan, np.float32),
            presence=np.full((length, NUM_LANDMARKS), np.nan, np.float32),
            num_people=np.zeros(length, np.int16),
            source=source,
            model=model,
        )

    # ----------------------------------------------------------------- properties
    def __len__(self) -> int:
        return int(self.time_ms.shape[0])

    @property
    def fps(self) -> float:
        """Frames per second actually present (from timestamps), else the source's."""
        if len(self) > 1:
            span = self.time_ms[-1] - self.time_ms[0]
            if span > 0:
                return float((len(self) - 1) * 1000.0 / span)
        return float(self.source.fps)

    @property
    def duration_s(self) -> float:
        if len(self) == 0:
            return 0.0
        return float((self.time_ms[-1] - self.time_ms[0]) / 1000.0 + 1.0 / max(self.fps, 1e-6))

    @property
    def detected(self) -> np.ndarray:
        """(T,) bool: a person was found in the frame."""
        return np.isfinite(self.image[:, 0, 0])

    @property
    def detection_rate(self) -> float:
        return float(self.detected.mean()) if len(self) else 0.0

    @property
    def max_people(self) -> int:
        return int(self.num_people.max()) if len(self) else 0

    def pixels(self) -> np.ndarray:
        """(T, 33, 2) image landmarks in pixels, so angles are not distorted by the aspect ratio."""
        scale = np.array([self.source.width, self.source.height], dtype=np.float32)
        return self.image[:, :, :2] * scale

    # ----------------------------------------------------------------- slicing
    def slice(self, start: int, stop: int | None = None) -> PoseSeries:
        """Frames ``start:stop`` as a new series (arrays are copied)."""
        sel = slice(start, stop)
        return replace(
            self,
            time_ms=self.time_ms[sel].copy(),
            image=self.image[sel].copy(),
            world=self.world[sel].copy(),
            visibility=self.visibility[sel].copy(),
            presence=self.presence[sel].copy(),
            num_people=self.num_people[sel].copy(),
            extras={k: np.asarray(v)[sel].copy() for k, v in self.extras.items()},
        )

    # ----------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Write the series to a compressed ``.npz`` file."""
        path = Path(path)
        if path.suffix != ".npz":
            path = (
                path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
            )
        meta = {
            "format_version": FORMAT_VERSION,
            "source": self.source.to_dict(),
            "model": self.model,
            "smoothing": self.smoothing,
            "extras": sorted(self.extras),
        }
        arrays = {f"extra__{k}": np.asarray(v) for k, v in self.extras.items()}
        # Write beside the target then rename, so an interrupted save never leaves half a file.
        tmp = path.with_name(path.name + ".part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                np.savez_compressed(
                    handle,
                    meta=np.array(json.dumps(meta)),
                    time_ms=self.time_ms,
                    image=self.image,
                    world=self.world,
                    visibility=self.visibility,
                    presence=self.presence,
                    num_people=self.num_people,
                    **arrays,
                )
            tmp.replace(path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise OutputError.from_os_error(
                exc,
                f"Cannot write the landmark file {path} ({exc.strerror or exc}).",
                "Choose an output path in a folder you can write to.",
            ) from exc
        return path

    @classmethod
    def load(cls, path: str | Path) -> PoseSeries:
        """Read a series written by :meth:`save`."""
        path = Path(path)

        def build(data: Mapping[str, np.ndarray], meta: dict[str, Any]) -> PoseSeries:
            extras = {k: data[f"extra__{k}"].copy() for k in meta.get("extras", [])}
            return cls(
                time_ms=data["time_ms"],
                image=data["image"],
                world=data["world"],
                visibility=data["visibility"],
                presence=data["presence"],
                num_people=data["num_people"],
                source=SourceInfo.from_dict(meta["source"]),
                model=meta.get("model", ""),
                smoothing=meta.get("smoothing", "none"),
                extras=extras,
            )

        def outdated(found: Any) -> InputError:
            return InputError(
                f"{path} was written by an incompatible formcheck version "
                f"(format {found}, expected {FORMAT_VERSION}).",
                "Re-run 'formcheck pose' on the original video.",
            )

        return read_versioned_npz(
            path,
            FORMAT_VERSION,
            build,
            what="landmark file",
            missing_hint="Check the path, or create it with 'formcheck pose VIDEO -o FILE.npz'.",
            invalid_hint="Create it with 'formcheck pose VIDEO -o FILE.npz'.",
            outdated=outdated,
        )
