from __future__ import annotations

import numpy as np
import pytest

from formcheck.features import geometry as geo

NAN = np.nan


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((1, 0), (0, 0), (0, 1), 90.0),
        ((1, 0), (0, 0), (-1, 0), 180.0),
        ((1, 0), (0, 0), (2, 0), 0.0),
        ((1, 0), (0, 0), (1, 1), 45.0),
        ((1, 0, 0), (0, 0, 0), (0, 0, 1), 90.0),
        ((1, 1, 0), (0, 0, 0), (1, 1, 1.41421356), 45.0),
    ],
)
def test_joint_angle(a, b, c, expected):
    assert geo.joint_angle(a, b, c) == pytest.approx(expected, abs=1e-6)


def test_joint_angle_vectorised_and_nan():
    a = np.array([[1.0, 0.0], [NAN, 0.0], [1.0, 0.0], [0.0, 0.0]])
    b = np.zeros((4, 2))
    c = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    out = geo.joint_angle(a, b, c)
    assert out.shape == (4,)
    assert out[0] == pytest.approx(90.0)
    assert np.isnan(out[1])  # NaN in -> NaN out
    assert out[2] == pytest.approx(90.0)
    assert np.isnan(out[3])  # zero-length arm: no angle


def test_joint_angle_precise_near_straight():
    # arccos would lose this; atan2 keeps it.
    out = geo.joint_angle((-1.0, 0.0), (0.0, 0.0), (1.0, 1e-7))
    assert 180.0 - out == pytest.approx(np.degrees(1e-7), rel=1e-3)


@pytest.mark.parametrize(
    ("v1", "v2", "expected"),
    [
        ((1, 0), (0, 1), 90.0),  # y down: (0, 1) is clockwise of (1, 0) on screen
        ((1, 0), (0, -1), -90.0),
        ((1, 0), (-1, 0), 180.0),
        ((-1, 0), (1, 0), 180.0),
        ((0, -1), (1, 0), 90.0),  # up to right: clockwise on screen
        ((2, 2), (1, 1), 0.0),
    ],
)
def test_signed_angle(v1, v2, expected):
    assert geo.signed_angle(v1, v2) == pytest.approx(expected, abs=1e-6)


def test_signed_angle_antisymmetric_and_nan():
    rng = np.random.default_rng(0)
    v1, v2 = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    np.testing.assert_allclose(geo.signed_angle(v1, v2), -geo.signed_angle(v2, v1), atol=1e-9)
    assert np.isnan(geo.signed_angle((0, 0), (1, 0)))
    assert np.isnan(geo.signed_angle((NAN, 0), (1, 0)))


@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [
        ((0, 10), (0, 0), 0.0),  # upper straight above (smaller y)
        ((0, 0), (5, 0), 90.0),
        ((0, 0), (-5, 0), 90.0),
        ((0, 0), (0, 5), 180.0),
        ((0, 10), (10, 0), 45.0),
        ((0, 0, 0), (0, -1, 1), 45.0),  # 3D: z counts as horizontal
    ],
)
def test_inclination_from_vertical(lower, upper, expected):
    assert geo.inclination_from_vertical(lower, upper) == pytest.approx(expected, abs=1e-9)


def test_inclination_degenerate():
    assert np.isnan(geo.inclination_from_vertical((1, 1), (1, 1)))
    assert np.isnan(geo.inclination_from_vertical((NAN, 1), (1, 1)))


def test_signed_line_offset():
    a, b = np.array([0.0, 0.0]), np.array([10.0, 0.0])
    # Below the line (y down) is to the right of a->b on screen: positive.
    assert geo.signed_line_offset((5, 2), a, b) == pytest.approx(0.2)
    assert geo.signed_line_offset((5, -2), a, b) == pytest.approx(-0.2)
    assert geo.signed_line_offset((50, 0), a, b) == pytest.approx(0.0)
    # Reversing the line flips the sign; scaling everything keeps the value.
    assert geo.signed_line_offset((5, 2), b, a) == pytest.approx(-0.2)
    assert geo.signed_line_offset((50, 20), a * 10, b * 10) == pytest.approx(0.2)
    assert np.isnan(geo.signed_line_offset((1, 1), a, a))
    assert np.isnan(geo.signed_line_offset((NAN, 1), a, b))


def test_weighted_midpoint_rules():
    left, right = np.array([0.0, 0.0]), np.array([10.0, 0.0])
    mid = geo.weighted_midpoint(left, right, 1.0, 1.0)
    np.testing.assert_allclose(mid, [5.0, 0.0])
    mid = geo.weighted_midpoint(left, right, 0.9, 0.3)
    np.testing.assert_allclose(mid, [2.5, 0.0])
    # One below min_weight, the other above: only the good one.
    np.testing.assert_allclose(geo.weighted_midpoint(left, right, 0.9, 0.2), [0.0, 0.0])
    np.testing.assert_allclose(geo.weighted_midpoint(left, right, 0.1, 0.8), [10.0, 0.0])
    # Both weak: still their weighted mean.
    np.testing.assert_allclose(geo.weighted_midpoint(left, right, 0.1, 0.1), [5.0, 0.0])
    # NaN point or NaN weight does not count; nothing left -> NaN.
    np.testing.assert_allclose(geo.weighted_midpoint([NAN, NAN], right, 0.9, 0.9), right)
    np.testing.assert_allclose(geo.weighted_midpoint(left, right, NAN, 0.5), right)
    assert np.isnan(geo.weighted_midpoint(left, right, 0.0, 0.0)).all()
    assert np.isnan(geo.weighted_midpoint([NAN, 0], [NAN, 0], 1.0, 1.0)).all()


def test_weighted_midpoint_swap_symmetric_exactly():
    rng = np.random.default_rng(1)
    pl, pr = rng.normal(size=(100, 2)) * 300, rng.normal(size=(100, 2)) * 300
    wl, wr = rng.uniform(size=100), rng.uniform(size=100)
    a = geo.weighted_midpoint(pl, pr, wl, wr)
    b = geo.weighted_midpoint(pr, pl, wr, wl)
    np.testing.assert_array_equal(a, b)


def test_helpers():
    np.testing.assert_allclose(geo.rotate90([0.0, -1.0]), [1.0, 0.0])
    assert geo.cross2d([0.0, -1.0], geo.rotate90([0.0, -1.0])) > 0
    np.testing.assert_allclose(geo.unit([3.0, 4.0]), [0.6, 0.8])
    assert np.isnan(geo.unit([0.0, 0.0])).all()
    assert geo.distance([0, 0], [3, 4]) == pytest.approx(5.0)
