"""The overlay drawn on synthetic frames: skeleton, panels, banner colours, mirroring, robustness."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.exercises import registry
from formcheck.features.core import FEATURE_NAMES
from formcheck.outputs.overlay import (
    GENERIC_KEY_ANGLES,
    Annotator,
    OverlayState,
    _clean,
    fault_title,
    format_angle,
    format_clock,
    key_angles,
    severity_colour,
    visibility_colour,
)
from formcheck.series.landmarks import Landmark

W, H = 640, 480


def standing_landmarks(x0: float = 320.0) -> np.ndarray:
    """A side-on standing stick figure in pixels (enough joints for every edge)."""
    px = np.full((33, 2), np.nan)
    rows = {
        "NOSE": (x0 + 12, 80),
        "LEFT_EAR": (x0, 82),
        "RIGHT_EAR": (x0, 82),
        "LEFT_SHOULDER": (x0, 130),
        "RIGHT_SHOULDER": (x0 + 2, 130),
        "LEFT_ELBOW": (x0, 190),
        "RIGHT_ELBOW": (x0 + 2, 190),
        "LEFT_WRIST": (x0, 240),
        "RIGHT_WRIST": (x0 + 2, 240),
        "LEFT_HIP": (x0, 250),
        "RIGHT_HIP": (x0 + 2, 250),
        "LEFT_KNEE": (x0, 340),
        "RIGHT_KNEE": (x0 + 2, 340),
        "LEFT_ANKLE": (x0, 420),
        "RIGHT_ANKLE": (x0 + 2, 420),
        "LEFT_HEEL": (x0 - 10, 428),
        "RIGHT_HEEL": (x0 - 8, 428),
        "LEFT_FOOT_INDEX": (x0 + 25, 430),
        "RIGHT_FOOT_INDEX": (x0 + 27, 430),
    }
    for name, xy in rows.items():
        px[Landmark[name]] = xy
    return px


def grey_frame() -> np.ndarray:
    return np.full((H, W, 3), 128, np.uint8)


def state(**kw) -> OverlayState:
    base = dict(
        landmarks_px=standing_landmarks(),
        visibility=np.ones(33),
        exercise="deadlift",
        angles={"hip": 10.0, "knee": 5.0, "torso": 3.0},
        counter="Reps 3",
    )
    base.update(kw)
    return OverlayState(**base)


def test_annotate_draws_in_place_and_returns_the_frame():
    img = grey_frame()
    out = Annotator(W, H).annotate(img, state())
    assert out is img
    assert out.shape == (H, W, 3) and out.dtype == np.uint8
    # The counter panel (top left) is darkened with light text on it.
    panel = img[5:60, 5:60]
    assert panel.min() < 60 and panel.max() > 200
    # The skeleton: the thigh between hip (250) and knee (340) at x=320 is drawn.
    assert not np.all(img[295, 318:323] == 128)
    # Far from everything the frame is untouched.
    assert np.all(img[300, 600] == 128)


def test_skeleton_colour_follows_visibility():
    clear = grey_frame()
    Annotator(W, H).annotate(clear, state(angles={}, counter=""))
    vis = np.ones(33)
    vis[[Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]] = 0.2
    guessed = grey_frame()
    Annotator(W, H).annotate(guessed, state(visibility=vis, angles={}, counter=""))
    thigh_clear = clear[295, 319:322].astype(int).mean(axis=0)
    thigh_guess = guessed[295, 319:322].astype(int).mean(axis=0)
    # A clear limb is green (BGR: G dominant); a guessed one is not.
    assert thigh_clear[1] > thigh_clear[2] + 40
    assert thigh_guess[1] < thigh_clear[1] - 40
    assert visibility_colour(1.0)[1] > 200 and visibility_colour(float("nan")) == visibility_colour(
        0
    )


@pytest.mark.parametrize(("severity", "expect_red"), [(0.0, False), (1.0, True)])
def test_banner_colour_goes_from_amber_to_red(severity, expect_red):
    img = grey_frame()
    st = state(fault_code="hips_sagging", cue="Hips up", fault_severity=severity)
    Annotator(W, H).annotate(img, st)
    strip = img[H - 6 : H - 2, W - 60 : W - 10].reshape(-1, 3).astype(int).mean(axis=0)
    b, g, r = strip
    assert r > 180 and b < 100
    if expect_red:
        assert g < 90
    else:
        assert g > 150
    assert severity_colour(0.0) != severity_colour(1.0)
    assert severity_colour(float("nan")) == severity_colour(0.0)


def test_cue_without_fault_gets_a_neutral_box_and_no_banner_without_either():
    img = grey_frame()
    Annotator(W, H).annotate(img, state(cue="Brace your abs"))
    b, g, r = img[H - 4, W - 20].astype(int)
    assert b > r  # the blue cue box
    plain = grey_frame()
    Annotator(W, H).annotate(plain, state())
    assert np.all(plain[H - 4, W - 20] == 128)


def test_no_person_still_shows_the_counter_and_setup_message():
    img = grey_frame()
    st = state(landmarks_px=None, visibility=None, angles={}, setup_message="Step back")
    Annotator(W, H).annotate(img, st)
    assert img[5:40, 5:60].min() < 60  # counter panel
    centre_band = img[int(H * 0.22) : int(H * 0.22) + 20, W // 2 - 20 : W // 2 + 20]
    assert centre_band.reshape(-1, 3)[:, 2].mean() > 180  # yellow setup box (R high)
    assert np.all(img[300, 320] == 128)  # no skeleton


def test_mirrored_flips_the_frame_but_not_the_text():
    img = grey_frame()
    img[200:220, 20:40] = (0, 0, 255)  # a red marker on the left
    st = state(landmarks_px=None, visibility=None, angles={}, counter="", mirrored=True)
    Annotator(W, H).annotate(img, st)
    assert np.all(img[210, W - 30] == (0, 0, 255))
    assert not np.all(img[210, 30] == (0, 0, 255))
    # The landmarks move with the picture: a figure at x=100 is drawn at x=W-1-100.
    img2 = grey_frame()
    st2 = state(landmarks_px=standing_landmarks(100.0), angles={}, counter="", mirrored=True)
    Annotator(W, H).annotate(img2, st2)
    assert not np.all(img2[295, W - 1 - 100] == 128)
    assert np.all(img2[295, 100] == 128)


def test_paused_and_fps_are_drawn():
    img = grey_frame()
    Annotator(W, H).annotate(img, state(paused=True, fps=29.7, landmarks_px=None))
    assert img[H // 2 - 10 : H // 2 + 10, W // 2 - 40 : W // 2 + 40].max() > 230  # PAUSED
    assert img[2:20, W - 40 : W - 2].min() < 70  # fps tag box


@pytest.mark.parametrize(
    "landmarks",
    [
        np.full((33, 2), np.nan),
        np.full((33, 2), 1e9),
        standing_landmarks() * np.array([1.0, -1.0]),
    ],
    ids=["all-nan", "huge", "off-frame"],
)
def test_bad_landmarks_do_not_break_drawing(landmarks):
    vis = np.full(33, np.nan)
    img = grey_frame()
    Annotator(W, H).annotate(img, state(landmarks_px=landmarks, visibility=vis))
    assert img.shape == (H, W, 3)


def test_other_frame_sizes_and_long_text_fit():
    small = np.full((121, 161, 3), 90, np.uint8)  # odd and tiny
    long_cue = "One straight line from head to heels: squeeze your glutes " * 4
    annotator = Annotator(W, H)
    annotator.annotate(small, state(cue=long_cue, fault_code="hips_sagging", fault_severity=0.7))
    assert (annotator.width, annotator.height) == (161, 121)
    portrait = np.full((1280, 720, 3), 90, np.uint8)
    annotator.annotate(portrait, state(setup_message="Turn side-on to the camera"))
    assert annotator.scale == pytest.approx(720 / 480)


def test_key_angles_name_real_features_and_fill_from_a_frame():
    key_angle_sets = {s.id: s.key_angles for s in registry.all_specs()}
    key_angle_sets[registry.OTHER] = GENERIC_KEY_ANGLES
    for exercise, spec in key_angle_sets.items():
        assert 2 <= len(spec) <= 3, exercise
        for angle in spec:
            assert angle.feature in FEATURE_NAMES
    angles = key_angles("deadlift", {"hip_flexion": 80.0, "knee_flexion": 30.0})
    assert angles["hip"] == 80.0 and angles["knee"] == 30.0 and np.isnan(angles["torso"])
    assert set(key_angles("unknown-thing", {})) == {"hip", "knee"}


def test_text_helpers():
    assert _clean("Hold 0:42 · good form 0:35") == "Hold 0:42 - good form 0:35"
    assert _clean("85°") == "85°"  # drawn as a ring, not replaced
    assert _clean("naïve") == "na?ve"
    assert fault_title("hips_sagging") == "Hips sagging"
    assert format_clock(62.9) == "1:02" and format_clock(-3) == "0:00"
    assert format_angle(float("nan")) == "-" and format_angle(84.6) == "85°"
