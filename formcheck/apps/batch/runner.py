"""Many clips: in this process, in local worker processes or on any Executor (Dask).

Clips are handed out largest first, a worker that dies has its clips retried once in a fresh
pool, Ctrl-C stops the workers at once and keeps what was finished, and a progress bar counts
clips, errors and cache hits.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from formcheck.apps.batch import task
from formcheck.apps.batch.inputs import resolve_inputs
from formcheck.apps.batch.report import BatchWarning, ClipReport
from formcheck.apps.batch.result import BatchResult
from formcheck.engine import pose_stage
from formcheck.engine.cache import LandmarkCache
from formcheck.engine.options import DEFAULT_MAX_SIZE, EngineOptions
from formcheck.errors import ConfigError


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`score_clips`; ``.result`` holds the clips finished so far."""

    def __init__(self, result: BatchResult) -> None:
        super().__init__(f"interrupted after {len(result.reports)} of {result.total} clips")
        self.result = result


def _progress_bar(total: int, enabled: bool):
    with warnings.catch_warnings():
        # tqdm.auto warns when a notebook lacks ipywidgets, then falls back to text: fine.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm

    return tqdm(total=total, desc="scoring", unit="clip", disable=not enabled, leave=True)


def init_worker() -> None:
    """Pool worker initializer: Ctrl-C is the parent's to handle (it stops the workers)."""
    import threading

    from tqdm import tqdm

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # tqdm otherwise makes a multiprocessing lock on first use, which a stopped worker
    # leaves behind ("leaked semaphore" warnings at exit); workers draw no bars anyway.
    tqdm.set_lock(threading.RLock())


def _process_pool(workers: int) -> cf.ProcessPoolExecutor:
    # spawn: mediapipe's native threads do not survive fork, and spawn works the same on
    # Linux, macOS, Windows and inside notebooks (the task function lives in a module).
    return cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
    )


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel queued clips and stop running ones now (Python < 3.14 has no public way)."""
    # Stop the workers first: a plain shutdown() would wait for every running clip. The pool
    # then sees them gone, and shutdown(wait=True) returns at once with its queues closed.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _failed_report(path: str, exc: BaseException) -> ClipReport:
    if isinstance(exc, cf.process.BrokenProcessPool):
        message = (
            "the worker process died while scoring (crash or out of memory); "
            "re-run the batch to retry (finished clips come from the cache)"
        )
    else:
        message = f"the executor failed to run this clip ({type(exc).__name__}: {exc})"
    return ClipReport(path=path, status="error", error=message)


class _Collector:
    """Reports by input position, with the progress bar kept up to date."""

    def __init__(self, paths: list[str], progress: bool) -> None:
        self.paths = paths
        self.reports: dict[int, ClipReport] = {}
        self.bar = _progress_bar(len(paths), progress)
        self.errors = 0
        self.cached = 0

    def add(self, index: int, report: ClipReport) -> None:
        self.reports[index] = report
        self.errors += report.status == "error"
        self.cached += report.cache_hit
        self.bar.set_postfix(errors=self.errors, cached=self.cached, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()

    def ordered(self) -> list[ClipReport]:
        return [self.reports[i] for i in sorted(self.reports)]


def _run_sequential(collector: _Collector, options: EngineOptions) -> None:
    for index, path in enumerate(collector.paths):
        collector.add(index, task.score_task(path, options))


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _run_on(executor: cf.Executor, collector: _Collector, options: EngineOptions, todo) -> list:
    """Submit ``todo`` (indices) to ``executor``; return indices lost to a broken pool.

    Largest files first: the long clips start early instead of one of them running alone
    at the end while the other workers idle (executors hand out work in submission order).
    """
    order = sorted(todo, key=lambda i: -_file_size(collector.paths[i]))
    futures = {executor.submit(task.score_task, collector.paths[i], options): i for i in order}
    broken: list[int] = []
    try:
        for future in cf.as_completed(futures):
            index = futures[future]
            try:
                report = future.result()
            except cf.process.BrokenProcessPool:
                broken.append(index)
                continue
            except Exception as exc:  # e.g. Dask's KilledWorker: the clip failed, not the batch
                report = _failed_report(collector.paths[index], exc)
            collector.add(index, report)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return broken


def _run_pool(collector: _Collector, options: EngineOptions, workers: int) -> None:
    todo = list(range(len(collector.paths)))
    for attempt in range(2):  # a crashed worker breaks the pool: retry its clips once
        pool = _process_pool(workers)
        try:
            todo = _run_on(pool, collector, options, todo)
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        if not todo:
            return
        if attempt == 1:
            for index in todo:
                collector.add(
                    index,
                    _failed_report(collector.paths[index], cf.process.BrokenProcessPool()),
                )


SCORE_CLIPS_DEFAULTS: dict[str, Any] = {
    **task.SCORE_CLIP_DEFAULTS,
    "keep_series": False,
}


def score_clips(
    paths_or_glob: str | os.PathLike | Iterable[str | os.PathLike],
    workers: int | None = None,
    executor: cf.Executor | None = None,
    exercise: str = "auto",
    cache_dir: str | os.PathLike | None = None,
    strictness: str | None = None,
    config: str | os.PathLike | None = None,
    model: str | os.PathLike | None = None,
    progress: bool = True,
    *,
    max_size: int | None = DEFAULT_MAX_SIZE,
    stride: int = 1,
    use_cache: bool = True,
    configs: Mapping[str, Any] | None = None,
    baseline: str | os.PathLike | None = None,
    options: EngineOptions | None = None,
    log_as: str | None = None,
    load: str | None = None,
    date: Any = None,
    log: str | os.PathLike | None = None,
) -> BatchResult:
    """Score every clip in a folder, glob or list; one bad clip never stops the batch.

    ``workers``: None or 1 scores in this process; N > 1 starts N local worker processes.
    ``executor``: any ``concurrent.futures.Executor`` instead, e.g. a Dask cluster's
    ``Client(address).get_executor()`` (formcheck must be installed on its workers; the
    executor is not shut down). Other options as :func:`score_clip` (or ready-made
    ``options``); with an executor and ``cache_dir=None`` each worker uses its own default
    cache folder. ``progress`` shows a bar over the clips.

    Ctrl-C raises :class:`BatchInterrupted` (a KeyboardInterrupt) whose ``.result`` holds
    the clips finished so far; running the same call again resumes from the cache.

    ``log_as``: keep every clip with a verdict as a set in that person's training log (see
    :func:`score_clip`); each is dated by its clip file's time unless ``date`` is given, and
    its id is the report's ``log_set_id``. Checked before any clip is scored.
    """
    if workers is not None and (
        not isinstance(workers, int) or isinstance(workers, bool) or workers < 1
    ):
        raise ConfigError(f"workers must be a whole number of 1 or more, got {workers!r}.")
    if executor is not None and workers not in (None, 1):
        raise ConfigError("Pass either workers or executor, not both.")
    from formcheck.apps.log.writer import check_request, log_reports

    request = check_request(log_as, load, date, log)
    paths = resolve_inputs(paths_or_glob)
    # A batch draws one bar over the clips, never one per clip's frames.
    options = replace(
        task.options_or_keywords(options, locals(), SCORE_CLIPS_DEFAULTS), progress=False
    )
    if options.chunks is None and (executor is not None or (workers or 1) > 1):
        # One clip per worker already keeps a core busy each: chunks would only compete.
        options = replace(options, chunks=1)
    if executor is None:
        # Local runs share this machine's model and cache: check them before any work.
        pose_stage.estimator_factory(options.pose_options())
        if options.use_cache:
            with contextlib.suppress(OSError):
                LandmarkCache(options.cache_dir).clean_temp()
    started = time.perf_counter()
    collector = _Collector(paths, progress)
    interrupted = False
    try:
        if executor is not None:
            for index in _run_on(executor, collector, options, range(len(paths))):
                collector.add(index, _failed_report(paths[index], cf.process.BrokenProcessPool()))
        elif workers is None or workers == 1:
            _run_sequential(collector, options)
        else:
            _run_pool(collector, options, min(workers, len(paths)))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        collector.close()
    result = BatchResult(
        reports=collector.ordered(),
        total=len(paths),
        elapsed_s=time.perf_counter() - started,
        interrupted=interrupted,
    )
    for message in result.warnings:
        warnings.warn(message, BatchWarning, stacklevel=2)
    if request is not None:  # what was finished, also after Ctrl-C
        log_reports(request, result.reports, options.configs)
    if interrupted:
        raise BatchInterrupted(result)
    return result
