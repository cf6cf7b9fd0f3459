"""The plank's hip-limit placement rule (used for the shipped limits and held-out figures)."""

import numpy as np
import pytest

from formcheck.exercises.plank.config import PlankConfig
from formcheck.exercises.plank.tuning import STRAIGHT_MARGIN_DEG, place_hip_limits


def test_halfway_between_the_good_tail_and_the_faulty_tail():
    good = np.linspace(-6.0, 14.0, 1001)  # outer 1%: -5.8 and +13.8
    sagging = np.linspace(-40.0, -20.0, 1001)  # inner 10%: -22
    piked = np.linspace(30.0, 50.0, 1001)  # inner 10%: +32
    limits = place_hip_limits(good, sagging, piked, offset_deg=5.0)
    assert limits.sag_deg == pytest.approx(0.5 * (5.8 + 22.0), abs=0.1)
    assert limits.pike_deg == pytest.approx(0.5 * (13.8 + 32.0), abs=0.1)


def test_the_sag_limit_keeps_its_room_from_an_exactly_straight_body():
    # Good and sagging frames so close that halfway lands 3 degrees past the offset: an
    # exactly straight body (read -offset) would sit at the limit, so the floor applies.
    good = np.linspace(0.0, 10.0, 1001)
    sagging = np.linspace(-8.0, -6.0, 1001)
    limits = place_hip_limits(good, sagging, None, offset_deg=5.0)
    assert limits.sag_deg == pytest.approx(5.0 + STRAIGHT_MARGIN_DEG)
    # A placement already beyond the floor is left alone.
    assert place_hip_limits(good, sagging - 20.0, None, offset_deg=5.0).sag_deg > 8.0


def test_one_class_margin_and_the_default_offset():
    good = np.linspace(-10.0, 10.0, 1001)
    limits = place_hip_limits(good)
    assert limits.pike_deg > 10.0 and limits.sag_deg > 10.0
    floor = place_hip_limits(np.zeros(10))
    assert floor.sag_deg == pytest.approx(PlankConfig().hip_bend_offset_deg + STRAIGHT_MARGIN_DEG)


def test_good_frames_are_required():
    with pytest.raises(ValueError, match="good"):
        place_hip_limits([np.nan])
