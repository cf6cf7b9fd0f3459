"""Batch scoring: a folder of clips in, tables you can sort, plot and export out.

``score_clip(path)`` scores one clip into a :class:`ClipReport`; ``score_clips(paths)`` scores
many, in this process, in local worker processes (``workers=N``) or on any
``concurrent.futures.Executor`` (a Dask cluster's ``client.get_executor()``), and returns a
:class:`BatchResult` with pandas tables: ``clips`` (one row per clip), ``faults`` (one row per
fault) and ``reps`` (one row per rep).

Nothing lost, nothing redone: each clip's raw landmark series goes to the landmark cache
(:mod:`formcheck.engine.cache`) keyed by the file's content and the pose options. A rerun after a
crash or Ctrl-C only runs the model on clips without an entry, and re-scoring with another
strictness or config reads every clip from the cache. A clip that fails is recorded with its
error; the batch goes on.

Each clip goes through the engine's one clip path (:mod:`formcheck.engine.clip`), as in
``formcheck analyze``. The model bundle is located and checksummed once per worker process;
each clip still gets a fresh tracker (:class:`formcheck.engine.pose_stage.EstimatorFactory` says
why; ``benchmarks/batch_speed.py`` measures the cost).

One module per job: :mod:`.task` (one clip in a worker, and its options), :mod:`.report`,
:mod:`.inputs` (folders and globs), :mod:`.runner` (pools, executors, Ctrl-C), :mod:`.cluster`
(Dask), :mod:`.tables`, :mod:`.files` (writing them) and :mod:`.result`.
"""

from __future__ import annotations

from formcheck.apps.batch.cluster import dask_executor
from formcheck.apps.batch.files import OUTPUT_SUFFIXES, check_writable, output_paths
from formcheck.apps.batch.inputs import resolve_inputs
from formcheck.apps.batch.report import BatchWarning, ClipReport, Status
from formcheck.apps.batch.result import BatchResult
from formcheck.apps.batch.runner import BatchInterrupted, init_worker, score_clips
from formcheck.apps.batch.tables import (
    FAULT_COLUMNS,
    PANDAS_HINT,
    REP_COLUMNS,
    clips_table,
    fault_column,
    faults_table,
    reps_table,
)
from formcheck.apps.batch.task import (
    estimator_factory,
    landmark_cache_key,
    make_options,
    score_clip,
    score_clip_with,
    score_task,
)
from formcheck.engine.options import EngineOptions
from formcheck.engine.pose_stage import EstimatorFactory

__all__ = [
    "FAULT_COLUMNS",
    "OUTPUT_SUFFIXES",
    "PANDAS_HINT",
    "REP_COLUMNS",
    "BatchInterrupted",
    "BatchResult",
    "BatchWarning",
    "ClipReport",
    "EngineOptions",
    "EstimatorFactory",
    "Status",
    "check_writable",
    "clips_table",
    "dask_executor",
    "estimator_factory",
    "fault_column",
    "faults_table",
    "init_worker",
    "landmark_cache_key",
    "make_options",
    "output_paths",
    "reps_table",
    "resolve_inputs",
    "score_clip",
    "score_clip_with",
    "score_clips",
    "score_task",
]
