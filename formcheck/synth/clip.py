"""Render a motion to a video file with its exact ground truth beside it.

The truth goes to ``<video stem>.truth.npz`` (compressed numpy arrays plus one JSON string,
``meta``): numbers stay exact and small, and ``np.load`` reads them without formcheck. Landmark
pixels are where the true 3D joints project, whether or not a joint is hidden behind the body
or a plate.

Video: H.264 through PyAV when it is installed (small, plays in browsers), else OpenCV's
MPEG-4 Part 2 ('mp4v'), which every OpenCV wheel can write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import ConfigError, InputError
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS
from formcheck.series.npzfile import read_versioned_npz
from formcheck.synth.motions import THRESHOLDS, Motion, Rep
from formcheck.synth.render import LOOKS, Camera, Look, render_frames, scene_points

FORMAT_VERSION = 1
TRUTH_SUFFIX = ".truth.npz"


@dataclass
class GroundTruth:
    """What is true in every frame of a rendered clip.

    Shapes (T frames): time_ms (T,); landmarks_px (T, 33, 2) pixels in BlazePose order;
    landmarks_depth (T, 33) metres from the camera plane; landmarks_world (T, 33, 3) metres,
    world frame (x forward of the figure, y up, z its right, floor y = 0); faults: code ->
    (T,) bool; metrics: name -> (T,) float (see formcheck.synth.motions.measure).
    reps: start / peak (top of a deadlift, bottom of an RDL, top of a swing) / end frames.
    hold: (first, last) frame of a plank hold, else None.
    """

    video: str
    exercise: str
    fps: float
    width: int
    height: int
    time_ms: np.ndarray
    landmarks_px: np.ndarray
    landmarks_depth: np.ndarray
    landmarks_world: np.ndarray
    faults: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]
    reps: list[Rep]
    hold: tuple[int, int] | None
    params: dict
    camera: Camera
    look: Look
    codec: str = ""
    thresholds: dict[str, float] = field(default_factory=lambda: dict(THRESHOLDS))

    def __len__(self) -> int:
        return int(self.time_ms.shape[0])

    def fault_onset_ms(self, code: str) -> float | None:
        """Time of the first frame flagged with ``code`` (None if it never occurs)."""
        flags = self.faults.get(code)
        if flags is None or not flags.any():
            return None
        return float(self.time_ms[int(np.argmax(flags))])

    def to_pose_series(self) -> PoseSeries:
        """The truth as a perfect PoseSeries, shaped like the model's output.

        image: x, y normalised to the frame, z = depth relative to the hips in the same scale
        as x (BlazePose's convention); world: metres from the hip midpoint in camera axes with
        y down. Every landmark gets visibility and presence 1.
        """
        size = np.array([self.width, self.height], dtype=np.float64)
        depth = self.landmarks_depth
        hips = 0.5 * (depth[:, 23] + depth[:, 24])
        focal = self.camera.focal_px(self.width)
        z = (depth - hips[:, None]) * focal / hips[:, None] / self.width
        image = np.concatenate([self.landmarks_px / size, z[..., None]], axis=-1)
        _, rot = self.camera.pose()
        cam = self.landmarks_world @ rot.T
        cam = cam - 0.5 * (cam[:, 23:24] + cam[:, 24:25])
        world = cam * np.array([1.0, -1.0, 1.0])
        t = len(self)
        ones = np.ones((t, NUM_LANDMARKS), np.float32)
        source = SourceInfo(self.video, self.width, self.height, self.fps, t)
        return PoseSeries(
            time_ms=self.time_ms,
            image=image,
            world=world,
            visibility=ones,
            presence=ones,
            num_people=np.ones(t, np.int16),
            source=source,
            model="ground-truth",
        )

    # ---------------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        path = Path(path)
        meta = {
            "format_version": FORMAT_VERSION,
            "video": self.video,
            "exercise": self.exercise,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "reps": [r.to_dict() for r in self.reps],
            "hold": list(self.hold) if self.hold is not None else None,
            "params": self.params,
            "camera": self.camera.to_dict(),
            "look": self.look.to_dict(),
            "codec": self.codec,
            "thresholds": self.thresholds,
            "faults": sorted(self.faults),
            "metrics": sorted(self.metrics),
        }
        arrays = {f"fault__{k}": np.asarray(v, bool) for k, v in self.faults.items()}
        arrays |= {f"metric__{k}": np.asarray(v, np.float32) for k, v in self.metrics.items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "wb") as handle:
            np.savez_compressed(
                handle,
                meta=np.array(json.dumps(meta, sort_keys=True)),
                time_ms=self.time_ms.astype(np.float64),
                landmarks_px=self.landmarks_px.astype(np.float32),
                landmarks_depth=self.landmarks_depth.astype(np.float32),
                landmarks_world=self.landmarks_world.astype(np.float32),
                **arrays,
            )
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        """Read a truth file; a video path finds the ``.truth.npz`` beside it."""
        path = Path(path)
        if not path.name.endswith(TRUTH_SUFFIX):
            path = truth_path(path)

        def build(data: Mapping[str, np.ndarray], meta: dict[str, Any]) -> GroundTruth:
            return cls(
                video=meta["video"],
                exercise=meta["exercise"],
                fps=float(meta["fps"]),
                width=int(meta["width"]),
                height=int(meta["height"]),
                time_ms=data["time_ms"].copy(),
                landmarks_px=data["landmarks_px"].astype(np.float64),
                landmarks_depth=data["landmarks_depth"].astype(np.float64),
                landmarks_world=data["landmarks_world"].astype(np.float64),
                faults={k: data[f"fault__{k}"].copy() for k in meta["faults"]},
                metrics={k: data[f"metric__{k}"].astype(np.float64) for k in meta["metrics"]},
                reps=[Rep(**r) for r in meta["reps"]],
                hold=tuple(meta["hold"]) if meta["hold"] is not None else None,
                params=meta["params"],
                camera=Camera.from_dict(meta["camera"]),
                look=Look.from_dict(meta["look"]),
                codec=meta.get("codec", ""),
                thresholds=meta.get("thresholds", {}),
            )

        def outdated(found: Any) -> InputError:
            return InputError(
                f"{path} has ground-truth format {found}, expected {FORMAT_VERSION}.",
                "Re-render the clip with this formcheck version.",
            )

        return read_versioned_npz(
            path,
            FORMAT_VERSION,
            build,
            what="ground-truth file",
            missing_hint=(
                "Render the clip with formcheck.synth.render_clip (or samples/make_samples.py)."
            ),
            invalid_hint="Re-render the clip with formcheck.synth.render_clip.",
            outdated=outdated,
        )


def truth_path(video: str | Path) -> Path:
    """``clip.mp4`` -> ``clip.truth.npz`` in the same folder."""
    video = Path(video)
    return video.with_name(video.stem + TRUTH_SUFFIX)


def ground_truth(
    motion: Motion,
    camera: Camera,
    size: tuple[int, int],
    video: str = "",
    look: Look | None = None,
    codec: str = "",
) -> GroundTruth:
    """The truth for a motion seen by a camera, without rendering anything."""
    world = motion.skeleton.landmarks()
    px, depth = camera.project(world, size)
    return GroundTruth(
        video=video,
        exercise=motion.exercise,
        fps=motion.fps,
        width=int(size[0]),
        height=int(size[1]),
        time_ms=motion.time_ms,
        landmarks_px=px,
        landmarks_depth=depth,
        landmarks_world=world,
        faults={k: v.copy() for k, v in motion.faults.items()},
        metrics={k: v.copy() for k, v in motion.metrics.items()},
        reps=list(motion.reps),
        hold=motion.hold,
        params=dict(motion.params),
        camera=camera,
        look=look or LOOKS["blue"],
        codec=codec,
    )


def side_camera(
    motion: Motion,
    size: tuple[int, int] = (640, 480),
    yaw_deg: float = 90.0,
    pitch_deg: float = 5.0,
    focal_mm: float = 35.0,
    margin: float = 0.08,
) -> Camera:
    """A camera at this yaw that frames the whole motion (figure and props, every frame)."""
    return Camera.fit(scene_points(motion), size, yaw_deg, pitch_deg, focal_mm, margin)


# ------------------------------------------------------------------------------ video writers
def _have_av() -> bool:
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _write_h264(frames: Iterator[np.ndarray], path: Path, fps: float, size: tuple[int, int]):
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        # One thread keeps the encoder's output byte-identical from run to run.
        stream.options = {"crf": "23", "preset": "medium", "tune": "animation", "threads": "1"}
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _write_mp4v(frames: Iterator[np.ndarray], path: Path, fps: float, size: tuple[int, int]):
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise InputError(f"OpenCV cannot write {path}.", "Check the folder exists and is writable.")
    try:
        for rgb in frames:
            writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()


def render_clip(
    motion: Motion,
    camera: Camera | None,
    path: str | Path,
    fps: float | None = None,
    size: tuple[int, int] = (640, 480),
    look: Look | None = None,
    codec: str = "auto",
    seed: int = 0,
) -> GroundTruth:
    """Write ``path`` (.mp4) and ``<stem>.truth.npz`` beside it; return the truth.

    camera None: a side view (yaw 90, figure facing right) framing the whole motion.
    fps must match the motion's (motions are sampled when generated: pass fps= there).
    codec: "auto" (H.264 if PyAV is installed, else mp4v), "h264" or "mp4v".
    """
    path = Path(path)
    if path.suffix.lower() != ".mp4":
        raise ConfigError(f"Cannot write {path.name}: only .mp4 is supported.", "Use a .mp4 name.")
    if fps is not None and abs(fps - motion.fps) > 1e-6:
        raise ConfigError(
            f"fps={fps} differs from the motion's {motion.fps}.",
            "Generate the motion at that rate, e.g. deadlift(fps=60).",
        )
    w, h = int(size[0]), int(size[1])
    if codec == "auto":
        codec = "h264" if _have_av() else "mp4v"
    if codec not in ("h264", "mp4v"):
        raise ConfigError(f"Unknown codec {codec!r}.", "Use 'auto', 'h264' or 'mp4v'.")
    if codec == "h264" and not _have_av():
        raise ConfigError("H.264 output needs PyAV.", "pip install av (or use codec='mp4v').")
    if codec == "h264" and (w % 2 or h % 2):
        raise ConfigError(f"H.264 needs an even frame size, got {w}x{h}.", "Use e.g. 640x480.")
    camera = camera or side_camera(motion, (w, h))
    look = look or LOOKS["blue"]
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = render_frames(motion, camera, (w, h), look, seed)
    tmp = path.with_name(path.stem + ".part.mp4")
    try:
        (_write_h264 if codec == "h264" else _write_mp4v)(frames, tmp, motion.fps, (w, h))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    truth = ground_truth(motion, camera, (w, h), path.name, look, codec)
    truth.save(truth_path(path))
    return truth
