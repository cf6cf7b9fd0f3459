"""The landmark cache: keys, atomic writes, damaged entries, unwritable folders. No model."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
import time

import numpy as np
import pytest

from formcheck.engine.cache import (
    CACHE_ENV,
    CacheKey,
    LandmarkCache,
    default_cache_dir,
    file_sha256,
    options_token,
)
from formcheck.series.core import PoseSeries, SourceInfo
from formcheck.series.landmarks import NUM_LANDMARKS

KEY = CacheKey("ab" + "0" * 62, "1234567890abcdef")


def make_series(frames: int = 12, seed: int = 0) -> PoseSeries:
    rng = np.random.default_rng(seed)
    image = rng.uniform(0, 1, (frames, NUM_LANDMARKS, 3)).astype(np.float32)
    image[3] = np.nan  # nobody in frame 3
    return PoseSeries(
        time_ms=np.arange(frames) * 33.3,
        image=image,
        world=rng.normal(0, 0.3, (frames, NUM_LANDMARKS, 3)),
        visibility=rng.uniform(0, 1, (frames, NUM_LANDMARKS)),
        presence=rng.uniform(0, 1, (frames, NUM_LANDMARKS)),
        num_people=np.where(np.arange(frames) == 3, 0, 1),
        source=SourceInfo("clip.mp4", 640, 480, 30.0, frames),
        model="blazepose-lite",
        extras={"back_profile": rng.normal(0, 1, (frames, 10)).astype(np.float32)},
    )


def assert_same_series(a: PoseSeries, b: PoseSeries) -> None:
    assert len(a) == len(b)
    for name in ("time_ms", "image", "world", "visibility", "presence", "num_people"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.source == b.source and a.model == b.model
    assert set(a.extras) == set(b.extras)
    np.testing.assert_array_equal(a.extras["back_profile"], b.extras["back_profile"])


def test_file_sha256_streams_the_bytes(tmp_path):
    data = os.urandom(3 * (1 << 20) + 123)  # more than one read chunk
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    renamed = path.rename(tmp_path / "renamed.mov")
    assert file_sha256(renamed) == hashlib.sha256(data).hexdigest()


def test_options_token_is_stable_and_sensitive():
    base = {"model": "lite:abc", "max_size": 960, "stride": 1}
    assert options_token(base) == options_token(dict(reversed(list(base.items()))))
    assert len(options_token(base)) == 16
    for change in ({"model": "full:def"}, {"max_size": 480}, {"stride": 2}):
        assert options_token({**base, **change}) != options_token(base)


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    assert LandmarkCache().root == tmp_path / "mine"
    monkeypatch.setenv(CACHE_ENV, "  ")
    assert default_cache_dir().parts[-3:] == (".cache", "formcheck", "landmarks")
    monkeypatch.delenv(CACHE_ENV)
    assert default_cache_dir() == default_cache_dir().home() / ".cache/formcheck/landmarks"


def test_default_cache_dir_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "formcheck" / "landmarks"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # the XDG spec says: ignore it
    assert default_cache_dir().parts[-3:] == (".cache", "formcheck", "landmarks")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))  # formcheck's own variable wins
    assert default_cache_dir() == tmp_path / "mine"


def test_round_trip_keeps_everything(tmp_path):
    cache = LandmarkCache(tmp_path)
    assert KEY not in cache and cache.get(KEY) is None
    series = make_series()
    path = cache.put(KEY, series)
    assert path == tmp_path / "ab" / f"{KEY.name}.npz"
    assert KEY in cache
    assert_same_series(cache.get(KEY), series)
    # Entries are ordinary landmark files, and no temporary file is left behind.
    assert_same_series(PoseSeries.load(path), series)
    assert cache.entries() == [path]
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_damaged_entry_is_a_miss_and_is_removed(tmp_path):
    cache = LandmarkCache(tmp_path)
    path = cache.put(KEY, make_series())
    path.write_bytes(path.read_bytes()[:100])  # truncated, as after a disk error
    assert cache.get(KEY) is None
    assert not path.exists()
    cache.put(KEY, make_series())
    assert cache.get(KEY) is not None


def test_failed_write_raises_and_leaves_nothing(tmp_path, monkeypatch):
    cache = LandmarkCache(tmp_path)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", full_disk)
    with pytest.raises(OSError) as info:
        cache.put(KEY, make_series())
    assert info.value.errno == errno.ENOSPC
    assert KEY not in cache
    assert list((tmp_path / "ab").iterdir()) == []


def test_unwritable_root_raises_oserror(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    cache = LandmarkCache(blocker / "cache")
    assert cache.get(KEY) is None  # reads never raise
    with pytest.raises(OSError):
        cache.put(KEY, make_series())


def test_concurrent_writers_of_one_entry(tmp_path):
    cache = LandmarkCache(tmp_path)
    series = make_series(frames=60)
    errors: list[BaseException] = []

    def write():
        try:
            for _ in range(5):
                cache.put(KEY, series)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_same_series(cache.get(KEY), series)
    assert cache.entries() == [cache.path_for(KEY)]


def test_clean_temp_removes_only_old_leftovers(tmp_path):
    cache = LandmarkCache(tmp_path)
    entry = cache.put(KEY, make_series())
    old = entry.parent / f".tmp-{KEY.name}-1-dead.npz.part"
    new = entry.parent / f".tmp-{KEY.name}-2-live.npz.part"
    old.write_bytes(b"half")
    new.write_bytes(b"half")
    stale = time.time() - 7200
    os.utime(old, (stale, stale))
    assert cache.clean_temp(older_than_s=3600) == 1
    assert not old.exists() and new.exists() and entry.exists()
    assert LandmarkCache(tmp_path / "absent").clean_temp() == 0
