"""Batch scoring on a Dask cluster: a LocalCluster of two worker processes, and a dead address."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from formcheck.apps.batch import dask_executor, score_clips
from formcheck.engine.cache import LandmarkCache
from formcheck.errors import ConfigError

distributed = pytest.importorskip("distributed")
pytest.importorskip("pandas")

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MODEL = "lite"


@pytest.fixture(scope="module")
def cluster():
    # CI has 2 cores: two single-threaded worker processes, no dashboard.
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local, client


@pytest.mark.model
def test_local_cluster_scores_then_resumes_from_the_cache(cluster, tmp_path):
    local, client = cluster
    cache = tmp_path / "cache"
    clips = [SAMPLES / "plank_sagging.mp4", SAMPLES / "kbswing_leanback.mp4", tmp_path / "x.mp4"]
    options = dict(model=MODEL, stride=15, cache_dir=cache, progress=False)

    first = score_clips(clips, executor=client.get_executor(), **options)
    assert [r.status for r in first.reports] == ["ok", "ok", "error"], first.summary()
    assert "not found" in first.reports[2].error
    # At 2 frames a second only the still plank is surely recognised; that is enough here.
    assert first.reports[0].exercise == "plank"
    assert not any(r.cache_hit for r in first.reports)
    # The work ran in the cluster's worker processes, not here.
    pids = {int(r.worker.rsplit(":", 1)[1]) for r in first.reports}
    worker_pids = set(client.run(os.getpid).values())
    assert pids <= worker_pids and os.getpid() not in pids
    assert len(LandmarkCache(cache).entries()) == 2

    again = score_clips(clips, executor=client.get_executor(), strictness="strict", **options)
    assert [r.cache_hit for r in again.reports] == [True, True, False]
    assert again.clips["frames"].tolist()[:2] == first.clips["frames"].tolist()[:2]


def test_scheduler_that_does_not_answer(unused_tcp_port_address):
    with pytest.raises(ConfigError) as info, dask_executor(unused_tcp_port_address, 1.0):
        pass
    message = str(info.value)
    assert unused_tcp_port_address in message and "dask scheduler" in message


def test_scheduler_address_that_makes_no_sense():
    with pytest.raises(ConfigError, match="Cannot reach"), dask_executor("nonsense://x:1", 1.0):
        pass


@pytest.fixture
def unused_tcp_port_address() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"
