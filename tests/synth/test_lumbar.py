"""Lumbar flexion of the mannequin: spread over L5/S1..T12/L1 so the lower back bows in the outline."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.exercises.deadlift.signals import back_bulge
from formcheck.features.silhouette import torso_profile
from formcheck.synth import LOOKS, Camera, Pose, deadlift, forward_kinematics, render_frames
from formcheck.synth.render import background
from formcheck.synth.skeleton import (
    LEGACY_LUMBAR_FLEX_DEG,
    LUMBAR_FLEX_SHARES,
    NODE_INDEX,
    rot_z,
)

SPINE = ("pelvis", "sacrum", "l3", "t12", "t8")


def _turns(lumbar: list[float]) -> np.ndarray:
    """(T, 4) flexion (deg) of each joint between consecutive SPINE nodes' frames."""
    pose = Pose.zeros(len(lumbar))
    pose.set("lumbar_flex", lumbar)
    sk = forward_kinematics(pose)
    rot = sk.rot[:, [NODE_INDEX[n] for n in SPINE]]
    rel = np.einsum("tkji,tkjl->tkil", rot[:, :-1], rot[:, 1:])  # parent^T @ child
    return -np.degrees(np.arctan2(rel[..., 1, 0], rel[..., 0, 0]))


def test_lumbar_flexion_is_shared_by_three_joints():
    turns = _turns([0.0, 30.0, 50.0])
    assert np.allclose(turns[0], 0.0)
    for row, total in ((1, 30.0), (2, 50.0)):
        sacrum, l3, t12, t8 = turns[row]
        assert sacrum + l3 + t12 == pytest.approx(total)
        assert t8 == pytest.approx(0.0, abs=1e-9)  # the thoracic joints are not touched
        beyond = total - LEGACY_LUMBAR_FLEX_DEG
        assert sacrum == pytest.approx(
            0.5 * LEGACY_LUMBAR_FLEX_DEG + LUMBAR_FLEX_SHARES[0] * beyond
        )
        assert l3 == pytest.approx(0.5 * LEGACY_LUMBAR_FLEX_DEG + LUMBAR_FLEX_SHARES[1] * beyond)
        assert t12 == pytest.approx(LUMBAR_FLEX_SHARES[2] * beyond)
        assert l3 > sacrum > 0 and t12 > 0  # most at the mid-lumbar levels, some at T12/L1
    assert sum(LUMBAR_FLEX_SHARES) == pytest.approx(1.0)


def test_extension_and_breathing_keep_the_old_two_joint_split_exactly():
    """Plank breathing (+-0.8 deg) and lumbar extension render bit-for-bit as before."""
    lumbar = np.array([-12.0, -0.8, 0.0, 0.5, 0.8, LEGACY_LUMBAR_FLEX_DEG])
    pose = Pose.zeros(lumbar.size)
    pose.set("lumbar_flex", lumbar)
    pose.set("thoracic_flex", 1.2 * np.sin(lumbar))
    sk = forward_kinematics(pose)
    half = rot_z(-lumbar / 2.0)
    thor = rot_z(-pose["thoracic_flex"] / 3.0)
    sacrum, l3, t12 = (sk.frame(n) for n in ("sacrum", "l3", "t12"))
    assert np.array_equal(sacrum, sk.frame("pelvis") @ half)
    assert np.array_equal(l3, sacrum @ half)
    assert np.array_equal(t12, l3 @ thor)


def _bulge(lumbar: float, thoracic: float) -> float:
    """Back bulge of the exact rendered silhouette at the set-up (bar at the floor)."""
    size = (960, 720)
    m = deadlift(reps=1, lumbar_flexion_deg=lumbar, thoracic_flexion_deg=thoracic, fps=5)
    m.props = ()
    cam = Camera(yaw_deg=90, pitch_deg=0, distance_m=2.6, height_m=0.7, focal_mm=35)
    img = next(iter(render_frames(m, cam, size)))
    bg = background(cam, size, LOOKS["blue"])
    mask = (np.abs(img.astype(int) - bg.astype(int)).max(axis=2) > 12).astype(np.float32)
    sk = m.skeleton
    hip = 0.5 * (sk.point("hip_l")[0] + sk.point("hip_r")[0])
    shoulder = 0.5 * (sk.point("shoulder_l")[0] + sk.point("shoulder_r")[0])
    (hip_px, shoulder_px), _ = cam.project(np.stack([hip, shoulder]), size)
    profile = torso_profile(mask, hip_px, shoulder_px)
    return back_bulge(profile[1])  # facing image right: row 1 is the back


def test_lumbar_only_rounding_bows_the_rendered_back_outline():
    flat, lumbar20, lumbar30, even30 = (
        _bulge(0, 0),
        _bulge(20, 0),
        _bulge(30, 0),
        _bulge(15, 15),
    )
    assert flat < 0.0
    # With the old split (half at the sacrum, half at L3) this view read 20 deg: 0.012,
    # 30 deg: 0.015 (the outline tilted and straightened instead of bowing), even 30: 0.028.
    # Now: 0.025, 0.027 and 0.034.
    assert lumbar20 > flat + 0.026
    assert lumbar30 > 0.022
    assert lumbar30 == pytest.approx(even30, abs=0.01)  # about as visible as an even bend
