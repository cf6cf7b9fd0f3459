"""PoseSeries: shapes, NaN rows for missing frames, slicing and the .npz round trip."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.errors import InputError
from formcheck.series.core import PoseSeries, SourceInfo

SOURCE = SourceInfo(name="clip.mp4", width=640, height=480, fps=30.0, frame_count=5)


def make_series(t: int = 5, missing: tuple[int, ...] = (2,)) -> PoseSeries:
    rng = np.random.default_rng(0)
    image = rng.random((t, 33, 3)).astype(np.float32)
    world = rng.normal(size=(t, 33, 3)).astype(np.float32)
    vis = rng.random((t, 33)).astype(np.float32)
    people = np.ones(t, np.int16)
    for i in missing:
        image[i] = world[i] = np.nan
        vis[i] = np.nan
        people[i] = 0
    return PoseSeries(
        time_ms=np.arange(t) * 33.3,
        image=image,
        world=world,
        visibility=vis,
        presence=vis.copy(),
        num_people=people,
        source=SOURCE,
        model="blazepose-full",
        extras={"back_bow": np.linspace(0, 1, t)},
    )


def test_missing_frames_stay_as_nan_rows():
    series = make_series(missing=(1, 3))
    assert len(series) == 5
    assert series.detected.tolist() == [True, False, True, False, True]
    assert series.detection_rate == pytest.approx(0.6)
    assert np.isnan(series.pixels()[1]).all()


def test_pixels_scale_by_frame_size():
    series = make_series()
    px = series.pixels()
    assert px.shape == (5, 33, 2)
    np.testing.assert_allclose(px[0, :, 0], series.image[0, :, 0] * 640, rtol=1e-6)
    np.testing.assert_allclose(px[0, :, 1], series.image[0, :, 1] * 480, rtol=1e-6)


def test_save_load_round_trip(tmp_path):
    series = make_series()
    path = series.save(tmp_path / "sub" / "clip.npz")
    loaded = PoseSeries.load(path)
    for name in ("time_ms", "image", "world", "visibility", "presence", "num_people"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(series, name))
    assert loaded.source == SOURCE
    assert loaded.model == "blazepose-full"
    np.testing.assert_allclose(loaded.extras["back_bow"], series.extras["back_bow"])
    assert not list(tmp_path.rglob("*.part"))


def test_slice_keeps_extras_aligned():
    part = make_series().slice(1, 4)
    assert len(part) == 3
    assert part.extras["back_bow"].shape == (3,)
    assert part.time_ms[0] == pytest.approx(33.3)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("image", np.zeros((5, 17, 3)), "shape"),
        ("num_people", np.zeros(4), "shape"),
        ("time_ms", np.array([0, 10, 10, 20, 30.0]), "increasing"),
    ],
)
def test_invalid_arrays_are_rejected(field, value, message):
    series = make_series()
    kwargs = {
        name: getattr(series, name)
        for name in ("time_ms", "image", "world", "visibility", "presence", "num_people")
    }
    kwargs[field] = value
    with pytest.raises(ValueError, match=message):
        PoseSeries(source=SOURCE, **kwargs)


def test_empty_series():
    empty = PoseSeries.empty(SOURCE, 4)
    assert len(empty) == 4 and empty.detection_rate == 0.0 and empty.max_people == 0
    assert np.all(np.diff(empty.time_ms) > 0)
    assert len(PoseSeries.empty(SOURCE)) == 0


def test_load_rejects_other_files(tmp_path):
    bogus = tmp_path / "bogus.npz"
    bogus.write_text("hello")
    with pytest.raises(InputError, match="not a formcheck landmark file"):
        PoseSeries.load(bogus)
    with pytest.raises(InputError, match="not found"):
        PoseSeries.load(tmp_path / "missing.npz")
