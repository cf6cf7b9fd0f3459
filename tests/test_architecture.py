"""The layout's promises, checked on the source (CONTRIBUTING.md states them).

* Stages import only from themselves and the stages below them.
* Nothing outside an exercise's own folder names an exercise or one of its faults in code.
* Rules never import cv2 or mediapipe, and loading the exercise registry loads neither; only
  the pose backend imports mediapipe.
* Only the synthetic test-clip generator imports SciPy: an analysis never pays its import
  (about a second of CPU; smoothing has its own filters, formcheck.series.filters).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.exercises import registry

PACKAGE = Path(__file__).resolve().parents[1] / "formcheck"
# Lowest first. ``series`` holds the data types every stage shares (PoseSeries, SourceInfo).
STAGES = ("series", "frames", "pose", "features", "exercises", "engine", "outputs", "apps", "cli")
# Beside the coaching path: they serve tests, samples and research, and may use any stage.
ASIDE = ("synth", "datasets")


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every formcheck import in a file, at any depth (lazy ones too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "formcheck" else None


def test_stages_import_only_from_lower_stages():
    rank = {stage: i for i, stage in enumerate(STAGES)}
    upward = []
    for path in modules():
        mine = path.relative_to(PACKAGE).parts[0]
        if mine not in rank:
            continue
        for line, module in imported(path):
            other = stage_of(module)
            if other in ASIDE or (other in rank and rank[other] > rank[mine]):
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert upward == []


def _docstrings(tree: ast.AST) -> set[int]:
    owners = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, owners)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def test_no_module_outside_a_plug_in_names_an_exercise_or_its_faults():
    names = set(registry.exercise_ids()) | {a for s in registry.all_specs() for a in s.aliases}
    names |= set(registry.all_fault_codes())
    named = []
    for path in modules():
        parts = path.relative_to(PACKAGE).parts
        if parts[0] in ASIDE or (parts[0] == "exercises" and len(parts) > 2):
            continue  # the plug-in folders themselves
        tree = ast.parse(path.read_text())
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and node.value.lower() in names
            ):
                named.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    assert named == []


@pytest.mark.parametrize("library", ["cv2", "mediapipe"])
def test_rules_never_import_the_camera_or_model_libraries(library):
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in (PACKAGE / "exercises").rglob("*.py")
        for line, module in imported(path)
        if module.split(".")[0] == library
    ]
    assert offenders == []


def importers_of(library: str) -> set[str]:
    """The package's modules (paths below formcheck/) that import ``library``."""
    return {
        str(path.relative_to(PACKAGE))
        for path in modules()
        for _, module in imported(path)
        if module.split(".")[0] == library
    }


def test_only_the_pose_backend_imports_mediapipe():
    assert importers_of("mediapipe") == {"pose/backend.py"}


def test_only_the_synthetic_clip_generator_imports_scipy():
    synth = {str(path.relative_to(PACKAGE)) for path in (PACKAGE / "synth").rglob("*.py")}
    assert importers_of("scipy") <= synth


def test_loading_every_exercise_loads_neither_cv2_nor_mediapipe():
    code = (
        "import sys; from formcheck.exercises import registry; registry.all_specs(); "
        "print(sorted(m for m in ('cv2', 'mediapipe') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
