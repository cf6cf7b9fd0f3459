"""Regenerate the bundled sample clips and their ground truth (deterministic).

    python samples/make_samples.py            # writes samples/*.mp4 and samples/*.truth.npz
    python samples/make_samples.py --check    # also runs the pose model and reports detection

Every clip is side-on, 640x480 at 30 fps, H.264 when PyAV is installed (else mp4v), and must
stay under 1 MB. See samples/README.md for what each clip shows.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from formcheck.synth import (  # noqa: E402
    LOOKS,
    Motion,
    deadlift,
    kettlebell_swing,
    plank,
    render_clip,
    side_camera,
)

MAX_BYTES = 1_000_000
SIZE = (640, 480)


@dataclass(frozen=True)
class Sample:
    name: str
    motion: Motion
    yaw_deg: float  # 90: facing image right, -90: facing left
    look: str
    note: str


def samples() -> list[Sample]:
    """The sample set. Faulty and good clips of an exercise share camera side and look."""
    return [
        Sample("deadlift_good", deadlift(reps=3), 90, "blue", "3 conventional reps, flat back"),
        Sample(
            "deadlift_roundedback",
            deadlift(reps=3, lumbar_flexion_deg=28, thoracic_flexion_deg=18),
            90,
            "blue",
            "3 reps, back rounds in the set-up and first pull (46 deg spine flexion at the floor)",
        ),
        Sample("plank_good", plank(duration_s=8), -90, "dark", "8 s forearm plank, straight line"),
        Sample(
            "plank_sagging",
            plank(duration_s=8, hip_sag_deg=18, sag_onset_s=3.5),
            -90,
            "dark",
            "8 s forearm plank, hips start sagging at 3.5 s (18 deg within 1.5 s)",
        ),
        Sample("kbswing_good", kettlebell_swing(reps=5), 90, "red", "5 Russian swings, hinge"),
        Sample(
            "kbswing_leanback",
            kettlebell_swing(reps=5, lean_back_deg=20),
            90,
            "red",
            "5 swings leaning back 20 deg at the top",
        ),
    ]


def build(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for s in samples():
        camera = side_camera(s.motion, SIZE, yaw_deg=s.yaw_deg)
        path = out / f"{s.name}.mp4"
        truth = render_clip(s.motion, camera, path, size=SIZE, look=LOOKS[s.look])
        size = path.stat().st_size
        flagged = {k: int(v.sum()) for k, v in truth.faults.items() if v.any()}
        print(f"{path.name}: {len(truth)} frames, {size / 1e6:.2f} MB, {truth.codec}, "
              f"reps={len(truth.reps)}, flagged frames={flagged}")  # fmt: skip
        if size > MAX_BYTES:
            raise SystemExit(f"{path.name} is {size} bytes, over the {MAX_BYTES} limit")
        written.append(path)
    return written


def check(paths: list[Path], model: Path) -> None:
    """Detection rate and landmark error of the real model on each clip, against the truth."""
    import cv2
    import mediapipe as mp
    import numpy as np
    from mediapipe.tasks.python import BaseOptions, vision

    from formcheck.synth import GroundTruth

    for path in paths:
        truth = GroundTruth.load(path)
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
        )
        cap = cv2.VideoCapture(str(path))
        pred = []
        with vision.PoseLandmarker.create_from_options(opts) as lm:
            for i in range(len(truth)):
                ok, bgr = cap.read()
                if not ok:
                    break
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                r = lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb),
                                        int(truth.time_ms[i]))  # fmt: skip
                pts = [(p.x, p.y) for p in r.pose_landmarks[0]] if r.pose_landmarks else None
                pred.append(pts if pts else [(np.nan, np.nan)] * 33)
        cap.release()
        pred = np.asarray(pred) * [truth.width, truth.height]
        true = truth.landmarks_px[: len(pred)]
        det = np.isfinite(pred[:, 0, 0])
        parts = []
        for name, (a, b) in {"shoulder": (11, 12), "hip": (23, 24), "knee": (25, 26)}.items():
            # Side-on, the model often swaps left and right: score the better assignment.
            same = np.linalg.norm(pred[:, [a, b]] - true[:, [a, b]], axis=2).mean(axis=1)
            swap = np.linalg.norm(pred[:, [a, b]] - true[:, [b, a]], axis=2).mean(axis=1)
            err = np.minimum(same, swap)[det] / truth.width * 100
            parts.append(f"{name} {np.median(err):.1f}%")
        print(f"{path.name}: detected {det.mean():.1%} of {len(det)} frames; median error "
              f"(% of width) {', '.join(parts)}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    parser.add_argument("--check", action="store_true", help="run the pose model on the clips")
    parser.add_argument(
        "--model",
        type=Path,
        default=HERE.parent / "models" / "pose_landmarker_lite.task",
        help="model bundle for --check",
    )
    args = parser.parse_args(argv)
    paths = build(args.out)
    if args.check:
        check(paths, args.model)


if __name__ == "__main__":
    main()
