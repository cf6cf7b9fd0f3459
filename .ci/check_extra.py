"""Run the feature an extra exists for, in a venv that has the core install plus that extra only.

    python .ci/check_extra.py EXTRA      (run by .ci/extras, from the repository root)

Exits non-zero with the reason when the feature fails (a missing package shows as the
ImportError or formcheck's own "install formcheck[...]" message).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "samples" / "plank_good.mp4"  # 8 s, the lite model reads it in seconds


def formcheck(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "formcheck", *args]
    # A landmark cache of its own: CI leaves the user's alone.
    env = {**os.environ, "FORMCHECK_CACHE": tempfile.mkdtemp(prefix="formcheck-ci-cache-")}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[2:])} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done


def check_video(out: Path) -> None:
    # PyAV encodes the annotated video; PyAV also finds concealed damage in a clip.
    video = out / "annotated.mp4"
    formcheck(
        "analyze", str(CLIP), "--exercise", "plank", "--model", "lite", "--annotate", str(video)
    )
    import av

    with av.open(str(video)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames > 100, f"the annotated video has {frames} frames"


def check_report(out: Path) -> None:
    report = out / "report.html"
    formcheck(
        "analyze", str(CLIP), "--exercise", "plank", "--model", "lite", "--report", str(report)
    )
    html = report.read_text()
    assert "data:image/png;base64," in html, "the HTML report has no plots"


def check_notebook(out: Path) -> None:
    # What the notebooks import and run: tables (pandas, parquet through pyarrow), plots,
    # the annotated video (PyAV), a kernel with widgets for the progress bars.
    import ipykernel  # noqa: F401
    import IPython.display  # noqa: F401
    import ipywidgets  # noqa: F401
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from formcheck.apps.batch import score_clips

    result = score_clips([CLIP], exercise="plank", model="lite", progress=False, use_cache=False)
    result.to_parquet(out / "results.parquet")
    assert len(pd.read_parquet(out / "results.parquet")) == 1
    plt.figure().savefig(out / "plot.png")
    check_video(out)


def check_voice(out: Path) -> None:
    import pyttsx3  # noqa: F401  (macOS and Windows speak through it; Linux uses espeak-ng)

    from formcheck.outputs import speech  # noqa: F401


def check_batch(out: Path) -> None:
    table = out / "results.parquet"
    formcheck(
        "batch", str(CLIP), "--exercise", "plank", "--model", "lite", "--no-cache",
        "--out", str(table),
    )  # fmt: skip
    import pandas as pd

    assert pd.read_parquet(table)["status"].tolist() == ["ok"]


def check_dask(out: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        table = out / "results.csv"
        formcheck(
            "batch", str(CLIP), "--exercise", "plank", "--model", "lite",
            "--scheduler", cluster.scheduler_address, "--out", str(table),
        )  # fmt: skip
    rows = table.read_text().splitlines()
    assert len(rows) == 2 and ",ok," in rows[1], rows


def check_models(out: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "models" / "build.py"), "--help"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    import flatbuffers  # noqa: F401
    from mediapipe.tasks.metadata import metadata_schema_py_generated  # noqa: F401


def check_dev(out: Path) -> None:
    for tool in (["pytest", "--version"], ["ruff", "--version"]):
        subprocess.run([sys.executable, "-m", *tool], check=True, capture_output=True)
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401


CHECKS = {
    "video": check_video,
    "report": check_report,
    "notebook": check_notebook,
    "voice": check_voice,
    "batch": check_batch,
    "dask": check_dask,
    "models": check_models,
    "dev": check_dev,
}


def main() -> None:
    extra = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        CHECKS[extra](Path(tmp))
    print(f"[{extra}] its feature works")


if __name__ == "__main__":
    main()
