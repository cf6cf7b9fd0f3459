"""Running a batch on an existing Dask cluster, through a plain ``concurrent.futures`` Executor."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import warnings
from collections.abc import Iterator

from formcheck.errors import ConfigError


@contextlib.contextmanager
def dask_executor(address: str, timeout_s: float = 5.0) -> Iterator[cf.Executor]:
    """Connect to a running Dask scheduler and yield an Executor over its workers.

    Raises ConfigError when Dask is not installed or nothing answers at ``address`` within
    ``timeout_s`` seconds. The client is closed afterwards; the cluster keeps running.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise ConfigError(
            "Running on a Dask cluster needs the 'distributed' package.",
            'Install it with: pip install "formcheck[dask]"',
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # version-mismatch chatter; the tasks tell us
            client = Client(address, timeout=f"{timeout_s}s")
    except Exception as exc:  # OSError/TimeoutError unreachable, ValueError bad address
        raise ConfigError(
            f"Cannot reach a Dask scheduler at {address} within {timeout_s:g} s "
            f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}).",
            "Start one with 'dask scheduler' and workers with 'dask worker "
            "tcp://HOST:8786', check the address and port, or leave out --scheduler to run "
            "locally.",
        ) from exc
    try:
        yield client.get_executor()
    finally:
        with contextlib.suppress(Exception):
            client.close()
