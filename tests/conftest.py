"""Shared test fixtures: paths to ../shared/data, the bundled samples and a loaded model.

Markers follow from what a test uses, so ``pytest -m "not model and not shared"`` is a fast
suite that needs neither the pose model nor ../shared/data:

* a test that requests the ``real_model`` or ``full_estimator`` fixture is marked ``model``;
  one that requests ``shared_data`` is marked ``shared`` (``pytest_collection_modifyitems``);
* a guard makes a forgotten marker fail loudly instead of slowing the fast suite: building the
  real pose estimator in a test not marked ``model``, or reading ../shared/data through
  :func:`shared_path` / :func:`shared_clip` / :func:`shared_manifest` in a test not marked
  ``shared``, fails that test with the fix in the message.
"""

from __future__ import annotations

import contextvars
import csv
import faulthandler
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# FORMCHECK_SHARED_DATA points elsewhere (a git worktree does not sit beside ../shared).
SHARED_DATA = Path(os.environ.get("FORMCHECK_SHARED_DATA") or ROOT.parent / "shared" / "data")
SAMPLES = ROOT / "samples"
TEST_DATA = Path(__file__).resolve().parent / "data"


MODEL_FIXTURES = frozenset({"real_model", "full_estimator"})
SHARED_FIXTURES = frozenset({"shared_data"})

_current_item: contextvars.ContextVar[pytest.Item | None] = contextvars.ContextVar(
    "formcheck_test_item", default=None
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & MODEL_FIXTURES:
            item.add_marker(pytest.mark.model)
        if names & SHARED_FIXTURES:
            item.add_marker(pytest.mark.shared)


def _require_marker(marker: str, what: str) -> None:
    item = _current_item.get()
    if item is not None and item.get_closest_marker(marker) is None:
        pytest.fail(
            f"{item.nodeid} {what} but is not marked '{marker}': request the "
            f"{'real_model' if marker == 'model' else 'shared_data'} fixture "
            f"(or add @pytest.mark.{marker}) so -m 'not {marker}' leaves it out.",
            pytrace=False,
        )


# A test that has not finished after this long is taken as hung (a deadlock between the pose
# stage's threads, say): its threads' stacks are printed and the run stops with an error
# instead of hanging CI. The slowest test takes about a minute on 2 cores.
TEST_TIMEOUT_S = float(os.environ.get("FORMCHECK_TEST_TIMEOUT", "600"))


def _real_stderr(config: pytest.Config) -> int:
    """The descriptor of the stderr pytest was started with (tests run with fd 2 captured)."""
    capture = config.pluginmanager.getplugin("capturemanager")
    saved = getattr(
        getattr(getattr(capture, "_global_capturing", None), "err", None), "targetfd_save", None
    )
    return saved if isinstance(saved, int) else 2


@pytest.fixture(autouse=True)
def _timeout(request: pytest.FixtureRequest):
    faulthandler.dump_traceback_later(TEST_TIMEOUT_S, exit=True, file=_real_stderr(request.config))
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture(autouse=True)
def _marker_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """Fail a test that runs the real model or reads ../shared without its marker."""
    token = _current_item.set(request.node)
    if request.node.get_closest_marker("model") is None:
        import formcheck.pose.backend as backend

        real_resolve = backend.resolve_model

        def guarded_resolve(*args, **kwargs):
            _require_marker("model", "builds the real pose estimator")
            return real_resolve(*args, **kwargs)

        monkeypatch.setattr(backend, "resolve_model", guarded_resolve)
    try:
        yield
    finally:
        _current_item.reset(token)


@pytest.fixture
def real_model() -> None:
    """Request this in a test that runs the real pose model (directly or through a command)."""


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip the test with the reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA})")
    return SHARED_DATA


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with the reason when it is absent."""
    _require_marker("shared", "reads ../shared/data")
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{'/'.join(parts)} not available (../shared/data is absent)")
    return path


def shared_clip(name: str) -> Path:
    """Path of a real clip in ../shared/data/clips, or skip the test with the reason."""
    _require_marker("shared", "reads ../shared/data")
    path = SHARED_DATA / "clips" / name
    if not path.is_file():
        pytest.skip(f"real clip {name} not available (../shared/data is absent)")
    return path


def shared_manifest() -> list[dict[str, str]]:
    _require_marker("shared", "reads ../shared/data")
    manifest = SHARED_DATA / "MANIFEST.csv"
    if not manifest.is_file():
        pytest.skip("../shared/data/MANIFEST.csv not available")
    with open(manifest, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def full_estimator():
    from formcheck.pose import MediaPipePoseEstimator, PoseOptions

    with MediaPipePoseEstimator(PoseOptions(model="full", people_check_ms=0)) as estimator:
        yield estimator
