"""Writing a batch's tables: where they go, checked before scoring, written atomically."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.apps.batch.tables import PANDAS_HINT, pandas
from formcheck.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

OUTPUT_SUFFIXES = (".parquet", ".csv")


def output_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """``results.parquet`` -> (``results.parquet``, ``results_faults.parquet``)."""
    path = Path(path).expanduser()
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ConfigError(
            f"Results must go to a .parquet or .csv file, got {path.name}.",
            "Use --out results.parquet (needs pyarrow) or --out results.csv.",
        )
    return path, path.with_name(f"{path.stem}_faults{path.suffix}")


def check_writable(path: str | os.PathLike) -> None:
    """Fail before scoring, not after, if the results cannot be written there."""
    clips_path, _ = output_paths(path)
    if clips_path.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                "Writing .parquet needs pyarrow.", f"{PANDAS_HINT} Or use --out results.csv."
            ) from exc
    pandas()
    from formcheck.paths import ensure_writable

    try:
        ensure_writable(clips_path, "results file")
    except ConfigError as exc:
        raise ConfigError(f"Cannot write results: {exc.problem}", exc.hint) from exc


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` as ``path``'s suffix says, through a temporary file renamed into place."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if path.suffix.lower() == ".parquet":
            table.to_parquet(temp, index=False)
        else:
            table.to_csv(temp, index=False)
        os.replace(temp, path)
    except ImportError as exc:
        raise ConfigError("Writing .parquet needs pyarrow.", PANDAS_HINT) from exc
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise ConfigError(
            f"Cannot write {path} ({exc.strerror or exc}).", "Choose a writable output path."
        ) from exc
