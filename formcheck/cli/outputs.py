"""``formcheck analyze`` output options: ``--annotate OUT.mp4``, ``--report OUT.html``, ``--csv OUT.csv``.

    add_output_options(analyze_parser)            # when the parser is built
    check_outputs(args)                           # optional: before the analysis starts
    for line in write_outputs(args, clip, series, result, measures=analysis.measures):
        log.info(line)                            # after it (not the verdict: -q hides it)

Output paths are checked while the command line is parsed (writable folder, right extension,
PyAV / matplotlib installed), so a typo fails in a second rather than after the model has run
over the whole clip. Every requested output is attempted even if another fails; the failures
are then raised together as one FormcheckError that also says what was written.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.errors import ConfigError, FormcheckError
from formcheck.exercises.base import ExerciseResult
from formcheck.outputs.video_out import ensure_writable
from formcheck.series.core import PoseSeries

if TYPE_CHECKING:
    from formcheck.features.frame_input import FrameMeasures


def _output_type(
    suffixes: tuple[str, ...], what: str, needs: Callable[[], object] | None = None
) -> Callable[[str], str]:
    """An argparse ``type`` that validates an output path (and the extra it needs) at parse time."""

    def check(value: str) -> str:
        try:
            path = ensure_writable(value, what)
            if path.suffix.lower() not in suffixes:
                raise ConfigError(
                    f"The {what} must be a {' or '.join(suffixes)} file, got {path.name}.",
                    f"Use e.g. out{suffixes[0]}.",
                )
            if needs is not None:
                needs()
        except FormcheckError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc
        return value

    return check


def _need_av() -> None:
    from formcheck.outputs.video_out import require_av

    require_av()


def _need_matplotlib() -> None:
    from formcheck.outputs.plots import require_matplotlib

    require_matplotlib()


def _size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of pixels, got {value!r}") from None
    if size < 0 or 0 < size < 32:
        raise argparse.ArgumentTypeError(f"must be 0 (full size) or at least 32, got {size}")
    return size


def add_output_options(analyze_parser: argparse.ArgumentParser) -> None:
    """Add ``--annotate``, ``--annotate-size``, ``--report`` and ``--csv`` to ``analyze``."""
    group = analyze_parser.add_argument_group("outputs")
    group.add_argument(
        "--annotate",
        metavar="OUT.mp4",
        default=None,
        type=_output_type((".mp4",), "annotated video", _need_av),
        help="write the video with the overlay burnt in (H.264 mp4, same frames and fps)",
    )
    group.add_argument(
        "--annotate-size",
        metavar="PX",
        default=None,
        type=_size,
        help="long side of the annotated video in pixels (default: --max-size; 0 = full size)",
    )
    group.add_argument(
        "--report",
        metavar="OUT.html",
        default=None,
        type=_output_type((".html", ".htm"), "report", _need_matplotlib),
        help="write a self-contained HTML report (embeds the --annotate video if given)",
    )
    group.add_argument(
        "--csv",
        metavar="OUT.csv",
        default=None,
        type=_output_type((".csv",), "CSV file"),
        help="write per-frame angles to OUT.csv and per-rep faults to OUT_reps.csv",
    )


# ------------------------------------------------------------------------------ checks
def _is_camera(spec: object) -> bool:
    return isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit())


def check_outputs(args: argparse.Namespace) -> None:
    """Raise ConfigError for output requests that cannot work with this input (before any work)."""
    video = getattr(args, "video", None)
    if getattr(args, "annotate", None) and _is_camera(video):
        raise ConfigError(
            "--annotate needs a video file, not a camera.",
            "Record the set first and analyse the file, or use 'formcheck live' for the camera.",
        )
    for option in ("annotate", "report", "csv"):
        value = getattr(args, option, None)
        if value and video is not None and not _is_camera(video) and _same(value, video):
            raise ConfigError(
                f"--{option} {value} would overwrite the input.", "Choose another output name."
            )


def _same(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def find_video(clip_path: str | os.PathLike | None, series: PoseSeries) -> Path | None:
    """The video the series came from: the input itself, or (for saved ``.npz`` landmarks) the
    file named in the series beside the landmarks or in the working folder."""
    if clip_path is None or _is_camera(clip_path):
        return None
    path = Path(clip_path)
    if path.suffix.lower() != ".npz":
        return path if path.exists() else None
    name = Path(series.source.name).name
    if not name:
        return None
    for candidate in (path.parent / name, Path(name)):
        if candidate.is_file() and candidate.suffix.lower() != ".npz":
            return candidate
    return None


# ------------------------------------------------------------------------------ writing
def _configs(args: argparse.Namespace) -> dict | None:
    try:
        from formcheck.engine.analyze import load_rule_configs

        return load_rule_configs(getattr(args, "config", None), getattr(args, "strictness", None))
    except (FormcheckError, ImportError):
        return None  # the verdict already ran with them; bands are a nicety


def write_outputs(
    args: argparse.Namespace,
    clip_path: str | os.PathLike,
    series: PoseSeries,
    result: ExerciseResult,
    *,
    measures: FrameMeasures | None = None,
) -> list[str]:
    """Write whatever of ``--annotate``, ``--report``, ``--csv`` was asked for; lines to print.

    ``measures``: the series' features and view check as the verdict measured them
    (:attr:`formcheck.engine.clip.ClipAnalysis.measures`); measured here when not given. Every
    output reads them, so none measures the series again. Raises one FormcheckError after
    trying every output if any of them failed.
    """
    annotate = getattr(args, "annotate", None)
    report = getattr(args, "report", None)
    csv_out = getattr(args, "csv", None)
    if not (annotate or report or csv_out):
        return []
    check_outputs(args)
    if measures is None:
        from formcheck.features.frame_input import measure_frames

        measures = measure_frames(series)
    elif measures.series is not series:
        raise ValueError("measures must be of the series being written")
    features = measures.features
    video = find_video(clip_path, series)
    lines: list[str] = []
    failures: list[tuple[str, FormcheckError]] = []
    annotated = None  # formcheck.outputs.annotate.AnnotatedVideo once written

    if annotate:
        try:
            annotated = _write_video(args, annotate, video, clip_path, result, measures)
            lines.append(
                f"annotated video written to {annotated.path} ({annotated.frames} "
                f"frames, {annotated.fps:g} fps, {annotated.width}x{annotated.height})"
            )
            lines.extend(f"note: {n}" for n in annotated.notes)
        except FormcheckError as exc:
            failures.append(("annotated video", exc))
    if report:
        try:
            from formcheck.outputs.report_html import write_report

            path = write_report(
                report,
                str(video) if video is not None else str(clip_path),
                series,
                result,
                features,
                annotated_video=annotated.path if annotated is not None else None,
                clip_path=video,
                configs=_configs(args),
            )
            lines.append(f"report written to {path}")
            if video is None:
                lines.append("note: the report has no key frames (the video was not found)")
        except FormcheckError as exc:
            failures.append(("report", exc))
    if csv_out:
        try:
            from formcheck.outputs.exports import reps_csv_path, write_frames_csv, write_reps_csv

            frames_path = write_frames_csv(csv_out, series, result, features)
            reps_path = write_reps_csv(reps_csv_path(csv_out), result)
            lines.append(f"per-frame angles written to {frames_path}")
            lines.append(f"per-rep faults written to {reps_path}")
        except FormcheckError as exc:
            failures.append(("CSV", exc))
    if failures:
        what = "; ".join(f"{name}: {exc.problem}" for name, exc in failures)
        done = f" (written: {'; '.join(lines)})" if lines else ""
        raise FormcheckError(f"Could not write the {what}{done}", failures[0][1].hint)
    return lines


def _write_video(args, out, video, clip_path, result, measures: FrameMeasures):
    from formcheck.outputs.annotate import write_annotated_video

    series = measures.series
    if video is None:
        raise ConfigError(
            f"--annotate needs the video, but {clip_path} is not one and the video "
            f"{series.source.name!r} was not found beside it.",
            "Run analyze on the video file itself (or put the video beside the .npz).",
        )
    size = getattr(args, "annotate_size", None)
    if size is None:
        size = getattr(args, "max_size", None)
    return write_annotated_video(
        video,
        series,
        result,
        out,
        max_size=size or None,
        features=measures.features,
        views=measures.views,
        progress=getattr(args, "progress", None),
    )
