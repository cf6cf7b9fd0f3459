"""Synthetic exercise clips with exact ground truth: a shaded mannequin drawn with OpenCV.

There is no real footage of several faults (a sagging plank, kettlebell-swing faults) with known
joint positions, so formcheck renders its own: a 3D skeleton with a multi-segment spine
(``skeleton``), keyframed exercise motions with fault parameters and per-frame fault flags
(``motions``), a painter's-algorithm renderer (``render``) and clip writing with a truth file
(``clip``). The pose model detects the figure like a person (see samples/README.md).

    from formcheck.synth import plank, render_clip
    truth = render_clip(plank(8, hip_sag_deg=20, sag_onset_s=3), None, "plank_sag.mp4")
"""

from __future__ import annotations

from formcheck.synth.clip import (
    GroundTruth,
    ground_truth,
    render_clip,
    side_camera,
    truth_path,
)
from formcheck.synth.motions import (
    FAULT_CODES,
    THRESHOLDS,
    Motion,
    Prop,
    Rep,
    deadlift,
    kettlebell_swing,
    plank,
)
from formcheck.synth.render import LOOKS, Camera, Look, render_frames, scene_points
from formcheck.synth.skeleton import Body, Pose, Skeleton, forward_kinematics

__all__ = [
    "FAULT_CODES",
    "LOOKS",
    "THRESHOLDS",
    "Body",
    "Camera",
    "GroundTruth",
    "Look",
    "Motion",
    "Pose",
    "Prop",
    "Rep",
    "Skeleton",
    "deadlift",
    "forward_kinematics",
    "ground_truth",
    "kettlebell_swing",
    "plank",
    "render_clip",
    "render_frames",
    "scene_points",
    "side_camera",
    "truth_path",
]
