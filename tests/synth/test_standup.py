"""The deadlift's stand-up after the set: the bar stays on the floor once the lifter lets go."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from formcheck.synth import LOOKS, GroundTruth, deadlift, render_clip, scene_points
from formcheck.synth.motions import PLATE_DIAMETER_M
from formcheck.synth.render import _body_model, _prop_parts, bar_centre

PLATE_R = PLATE_DIAMETER_M / 2


def _grip(m) -> np.ndarray:
    sk = m.skeleton
    return 0.5 * (sk.point("grip_l") + sk.point("grip_r"))


def _barbell_centres(m) -> dict[str, np.ndarray]:
    """Rendered barbell pieces: name -> (T, blobs, 3) world centres."""
    parts = _prop_parts(m, _body_model(LOOKS["blue"]))
    return {p.name: np.asarray(c) for p, c, _ in parts}


@pytest.fixture(scope="module")
def standup():
    return deadlift(reps=2, stand_up_pause_s=1.0)


def test_release_frame_follows_the_set(standup):
    m = standup
    release = m.props[0].params["release_frame"]
    grip = _grip(m)
    assert m.reps[-1].end <= release < len(m) - 1
    # The hands are still on the bar, at rest on the floor, up to the release ...
    rest = grip[m.reps[-1].end : release + 1]
    np.testing.assert_allclose(rest, np.broadcast_to(grip[release], rest.shape), atol=1e-6)
    # ... and leave it right after.
    assert np.linalg.norm(grip[release + 6] - grip[release]) > 0.05


def test_bar_stays_on_the_floor_while_the_hands_rise(standup):
    m = standup
    release = m.props[0].params["release_frame"]
    bar, grip = bar_centre(m), _grip(m)
    assert np.array_equal(bar[release:], np.broadcast_to(bar[release], bar[release:].shape))
    assert bar[release, 1] == pytest.approx(PLATE_R, abs=0.005)  # plates resting on the floor
    assert grip[-1, 1] > bar[release, 1] + 0.4  # the lifter stood up without it
    assert np.linalg.norm(grip[-1] - bar[-1]) > 0.4
    # Every rendered piece of the barbell (bar, plates, hubs) and the framing points stay put.
    pieces = _barbell_centres(m)
    assert {n[:3] for n in pieces} == {"bar", "pla", "hub"}
    for name, c in pieces.items():
        assert np.array_equal(c[release:], np.broadcast_to(c[release], c[release:].shape)), name
    for sz in (-1, 1):  # plate discs touch the floor, not sunk into it
        low = pieces[f"plate{sz:+d}"][release:, :, 1] - PLATE_R
        assert np.all(low >= -1e-6) and np.all(low < 0.005)
    ring = scene_points(m)[:, -18:]  # the plate rims, last points added
    assert np.array_equal(ring[release:], np.broadcast_to(ring[release], ring[release:].shape))


def test_bar_is_at_the_hands_before_the_release(standup):
    m = standup
    release = m.props[0].params["release_frame"]
    bar, grip = bar_centre(m), _grip(m)
    assert np.array_equal(bar[: release + 1], grip[: release + 1])
    assert bar[:release, 1].max() > 0.7  # it went up with the reps
    pieces = _barbell_centres(m)
    middle = pieces["bar-0.30"][:release, 1]  # the blob at the bar's centre
    np.testing.assert_array_equal(middle, grip[:release])
    # The same reps as the set without the stand-up, to the frame.
    plain = deadlift(reps=2)
    np.testing.assert_array_equal(bar[: len(plain)], bar_centre(plain))


@pytest.mark.parametrize("variant", ["conventional", "romanian"])
def test_default_bar_is_always_at_the_hands(variant):
    m = deadlift(reps=3, variant=variant)
    assert "release_frame" not in m.props[0].params
    assert "stand_up_pause_s" not in m.params
    grip = _grip(m)
    assert np.array_equal(bar_centre(m), grip)
    pieces = _barbell_centres(m)
    z = np.linspace(-0.3, 0.3, 3)
    np.testing.assert_array_equal(pieces["bar-0.30"], grip[:, None, :] + [[0, 0, v] for v in z])
    for sz in (-1.0, 1.0):
        disc = grip[:, None, :] + [[0, 0, 0.665 * sz], [0, 0, 0.735 * sz]]
        np.testing.assert_array_equal(pieces[f"plate{sz:+.0f}"], disc)
    a = np.linspace(0, 2 * np.pi, 9)
    ring = [(PLATE_R * np.cos(x), PLATE_R * np.sin(x), z) for x in a for z in (-0.74, 0.74)]
    np.testing.assert_array_equal(scene_points(m)[:, -18:], grip[:, None, :] + np.asarray(ring))


def test_no_barbell_no_bar_centre():
    m = deadlift(reps=1)
    m.props = ()
    assert bar_centre(m) is None


def test_rendered_standup_clip(tmp_path):
    m = deadlift(reps=2, stand_up_pause_s=0.5, fps=5)
    path = tmp_path / "standup.mp4"
    truth = render_clip(m, None, path, size=(160, 120), codec="mp4v")
    loaded = GroundTruth.load(path)
    assert len(loaded.reps) == 2 and loaded.params["stand_up_pause_s"] == 0.5
    assert len(loaded) == len(m)
    # In the last frame (standing) the near plate is still on the floor: dark plate pixels
    # half-way between its hub and its rim.
    cap = cv2.VideoCapture(str(path))
    last = None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        last = frame
    cap.release()
    bar = bar_centre(m)[-1]
    near = min((-0.70, 0.70), key=lambda z: truth.camera.to_camera(bar + [0, 0, z])[2])
    px, _ = truth.camera.project(bar + [0, 0.14, near], (160, 120))
    x, y = np.round(px).astype(int)
    patch = last[y - 1 : y + 2, x - 1 : x + 2].astype(float)
    assert patch.mean() < 90, patch.mean()  # plate (44, 44, 48), not wall or floor
