"""The renderer's negatives for recognition: squats, a belt squat, front raises, standing."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.errors import ConfigError
from formcheck.synth import motions as m
from formcheck.synth.clip import side_camera
from formcheck.synth.render import render_frames


def _mid(motion, name: str) -> np.ndarray:
    sk = motion.skeleton
    return 0.5 * (sk.point(f"{name}_l") + sk.point(f"{name}_r"))


@pytest.mark.parametrize("name", sorted(m.NEGATIVE_MOTIONS))
def test_negatives_build_without_faults(name):
    motion = m.NEGATIVE_MOTIONS[name]()
    assert len(motion) > 60
    assert motion.faults == {}
    assert motion.exercise not in m.FAULT_CODES  # none of the exercises
    # Feet stay on the floor: the lowest foot point touches y = 0 in every frame.
    sk = motion.skeleton
    contacts = np.stack(
        [sk.point(f"{p}_floor_{s}")[:, 1] for p in ("heel", "ball", "toe") for s in "lr"]
    )
    assert np.allclose(contacts.min(0), 0.0, atol=1e-6)


@pytest.mark.parametrize("variant", ["bodyweight", "goblet", "belt"])
def test_squats_bend_the_knees_and_keep_the_hands_off_the_floor(variant):
    """What makes them squats and not knee-dominant deadlifts: deep knees, hands high."""
    motion = m.squat(variant=variant)
    knees = motion.metrics["knee_flex_deg"]
    assert knees.max() > 100.0
    assert knees.min() < 5.0
    bottom = int(np.argmax(knees))
    wrists = _mid(motion, "wrist")[:, 1]
    hips_standing = _mid(motion, "hip")[0, 1]
    assert wrists[bottom] > 0.5 * hips_standing  # a deadlift's hands reach ~0.25 of it


def test_belt_squat_hands_stay_near_the_handles_while_the_body_sinks():
    """Handles fixed in the room: the hands stay at about hip height as the shoulders drop,
    so the arms rise as the body goes down (a swing's rise the other way round)."""
    motion = m.squat(variant="belt")
    arm = motion.metrics["arm_elevation_deg"]
    knees = motion.metrics["knee_flex_deg"]
    bottom, top = int(np.argmax(knees)), 0
    assert arm[bottom] - arm[top] > 25.0


def test_front_raises_barely_bend_hips_or_knees():
    motion = m.squat(variant="arm_raises")
    assert motion.metrics["knee_flex_deg"].max() < 10.0
    assert motion.metrics["arm_elevation_deg"].max() > 80.0


def test_bad_variant_is_refused():
    with pytest.raises(ConfigError, match="squat variant"):
        m.squat(variant="pistol")


def test_belt_prop_is_drawn():
    motion = m.squat(variant="belt", reps=1)
    size = (160, 120)
    cam = side_camera(motion, size)
    frame = next(iter(render_frames(motion, cam, size)))
    bare = m.squat(variant="belt", reps=1)
    bare.props = ()
    plain = next(iter(render_frames(bare, cam, size)))
    assert frame.shape == (120, 160, 3)
    assert np.abs(frame.astype(int) - plain.astype(int)).sum() > 0  # the bell shows
