"""The notebooks run top to bottom on the bundled samples, and are stored without outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ("01_quickstart.ipynb", "02_batch_scoring.ipynb", "03_training_log.ipynb")
CELL_TIMEOUT_S = 600  # a cell scoring the whole sample folder on a busy 2-core machine


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name):
    data = json.loads((NOTEBOOKS / name).read_text())
    code = [cell for cell in data["cells"] if cell["cell_type"] == "code"]
    assert code, "a notebook with no code"
    for cell in code:
        assert cell.get("outputs") == [], "clear the outputs before committing"
        assert cell.get("execution_count") is None
    assert "widgets" not in data.get("metadata", {})


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A private landmark cache (shared by the notebooks) and this checkout importable."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("pandas")
    saved = {key: os.environ.get(key) for key in ("FORMCHECK_CACHE", "PYTHONPATH", "MPLBACKEND")}
    os.environ["FORMCHECK_CACHE"] = str(tmp_path_factory.mktemp("notebook_cache"))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), saved["PYTHONPATH"]]))
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _text_of(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts.append(data.get("text/plain", ""))
        parts.append(data.get("text/html", ""))
    return "\n".join(parts)


@pytest.mark.model
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, kernel_env):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},  # cwd = notebooks/
    )
    client.execute()  # raises CellExecutionError with the cell and traceback on any error
    outputs = "\n".join(_text_of(c) for c in notebook.cells if c.cell_type == "code")
    assert "Traceback" not in outputs
    if name.startswith("01"):
        assert "plank_sagging.mp4: ok, plank" in outputs
        assert "hips_sagging" in outputs
        assert any(
            "image/png" in o.get("data", {}) for c in notebook.cells for o in c.get("outputs", [])
        ), "the angle plot was not drawn"
    elif name.startswith("02"):
        assert "6 of 6 clips" in outputs
        assert "from cache: 6 of 6 clips" in outputs
    else:
        assert outputs.count("in the log") == 8 and "set 8 in the log" in outputs
        assert "lower the load or fix form first" in outputs  # a rounded back from rep 1
        assert "lengthen the hold" in outputs  # two planks with good form all the way
        assert "evidence: set" in outputs
        assert "progress page:" in outputs
    # Executing in memory must not have touched the stored file.
    test_notebook_is_stored_without_outputs(name)
