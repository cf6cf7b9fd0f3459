"""Overlay states from a verdict, and the annotated H.264 video (checked by decoding it with PyAV).

Most tests judge the samples' exact ground-truth landmarks (no model run, fast); one end-to-end
test runs the lite model on a sample through the CLI output options.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from formcheck.engine.analyze import analyze_series
from formcheck.errors import ConfigError, FormcheckError
from formcheck.exercises.base import ExerciseResult, Fault
from formcheck.outputs.annotate import (
    StateTimeline,
    active_faults,
    hold_clock,
    overlay_states,
    rep_counts,
    setup_messages,
    write_annotated_video,
)
from formcheck.outputs.video_out import H264Writer
from formcheck.synth import GroundTruth

av = pytest.importorskip("av")

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def truth_case(name: str):
    clip = SAMPLES / f"{name}.mp4"
    series = GroundTruth.load(clip).to_pose_series()
    return clip, series, analyze_series(series, "auto")


@pytest.fixture(scope="module")
def swing():
    return truth_case("kbswing_leanback")


@pytest.fixture(scope="module")
def plank():
    return truth_case("plank_sagging")


def probe(path: Path) -> tuple[str, int, int, int, float, str]:
    """codec, decoded frame count, width, height, fps, pixel format."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        fps = float(stream.average_rate)
        count = sum(1 for _ in container.decode(video=0))
        return codec, count, stream.width, stream.height, fps, stream.codec_context.pix_fmt


def first_frame(path: Path, index: int = 0) -> np.ndarray:
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == index:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError("frame not found")


# ------------------------------------------------------------------------------- states
def test_rep_counter_counts_at_each_reps_key_moment(swing):
    _, series, result = swing
    assert len(result.reps) == 5
    counts = rep_counts(result, series.time_ms)
    assert counts[0] == 0 and counts[-1] == 5
    assert np.all(np.diff(counts) >= 0)
    for rep in result.reps:
        i = int(np.searchsorted(series.time_ms, rep.key_ms))
        assert counts[i] == rep.index and counts[max(i - 1, 0)] == rep.index - 1


def test_states_show_the_fault_covering_the_frame_with_its_cue(swing):
    _, series, result = swing
    states = overlay_states(series, result)
    assert len(states) == len(series)
    fault = result.faults[0]
    inside = int(np.searchsorted(series.time_ms, 0.5 * (fault.start_ms + fault.end_ms)))
    assert states[inside].fault_code == fault.code
    assert states[inside].cue == fault.cue
    assert 0 < states[inside].fault_severity <= 1
    assert states[0].fault_code is None and states[0].cue is None
    assert states[inside].counter.startswith("Reps ")
    assert set(states[inside].angles) == {"hip", "knee", "trunk lean"}
    assert states[inside].landmarks_px.shape == (33, 2)


def test_short_faults_stay_up_long_enough_to_read():
    fault = Fault("leaning_back", "Stand tall", 1000.0, 1100.0, 1, 0.5, 1.0)
    result = ExerciseResult("kbswing", faults=[fault])
    t = np.array([900.0, 1050.0, 1500.0, 1950.0, 2050.0])
    assert active_faults(result, t, 0.0).tolist() == [-1, 0, -1, -1, -1]
    assert active_faults(result, t, 1000.0).tolist() == [-1, 0, 0, 0, -1]
    worse = replace(fault, code="on_toes", severity=0.9)
    both = ExerciseResult("kbswing", faults=[fault, worse])
    assert active_faults(both, t, 0.0)[1] == 1  # the more severe wins


def test_plank_hold_timer_matches_the_summary(plank):
    _, series, result = plank
    held, good = hold_clock(result, series.time_ms)
    assert held[-1] == pytest.approx(result.summary.hold_s, abs=0.15)
    assert good[-1] == pytest.approx(result.summary.good_form_s, abs=0.15)
    assert np.all(np.diff(held) >= 0) and np.all(good <= held + 1e-9)
    states = overlay_states(series, result)
    assert states[-1].counter.startswith("Hold 0:0") and "good form 0:0" in states[-1].counter
    broke = result.summary.form_broke_ms
    assert broke is not None
    after = int(np.searchsorted(series.time_ms, broke + 1000))
    assert states[after].fault_code == "hips_sagging"


def test_setup_messages_for_crowds_and_feet_out_of_frame(plank):
    _, series, _ = plank
    crowd = replace(series, num_people=np.full(len(series), 2, np.int16))
    assert set(setup_messages(crowd)) == {"Only one person in view please"}
    image = series.image.copy()
    image[:, 27:33, 1] = 1.2  # ankles and feet below the frame
    cut = replace(series, image=image)
    messages = setup_messages(cut)
    assert messages[len(series) // 2] == "Step back: feet out of frame"
    assert setup_messages(series)[len(series) // 2] is None


def test_not_assessable_results_say_why(plank):
    _, series, _ = plank
    result = ExerciseResult("other", assessable=False, reason="this is not a plank")
    states = overlay_states(series, result)
    assert states[10].counter == "Not assessable" and states[10].cue == "this is not a plank"


def test_timeline_interpolates_between_strided_frames(swing):
    _, series, result = swing
    keep = np.arange(0, len(series), 3)
    sparse = replace(
        series,
        time_ms=series.time_ms[keep],
        image=series.image[keep],
        world=series.world[keep],
        visibility=series.visibility[keep],
        presence=series.presence[keep],
        num_people=series.num_people[keep],
    )
    timeline = StateTimeline(sparse, result, None, (640, 480))
    t0, t1 = sparse.time_ms[10], sparse.time_ms[11]
    mid = timeline.at(0.5 * (t0 + t1))
    a, b = timeline.at(t0).landmarks_px, timeline.at(t1).landmarks_px
    np.testing.assert_allclose(mid.landmarks_px, 0.5 * (a + b), atol=1e-6)
    assert timeline.at(-100.0).landmarks_px is None
    assert timeline.at(sparse.time_ms[-1] + 1000).landmarks_px is None


# ------------------------------------------------------------------------------- video
def test_annotated_video_is_h264_with_the_inputs_frames_size_and_fps(swing, tmp_path):
    clip, series, result = swing
    out = tmp_path / "swing_annotated.mp4"
    written = write_annotated_video(clip, series, result, out)
    codec, count, width, height, fps, pix_fmt = probe(out)
    in_codec, in_count, in_w, in_h, in_fps, _ = probe(clip)
    assert codec == "h264" and pix_fmt == "yuv420p"
    assert (count, width, height) == (in_count, in_w, in_h)
    assert fps == pytest.approx(in_fps, rel=1e-3)
    assert (written.frames, written.width, written.height) == (in_count, in_w, in_h)
    # The overlay is really there: the counter panel darkens the top-left corner.
    annotated, original = first_frame(out, 40), first_frame(clip, 40)
    assert annotated[5:40, 5:60].mean() < original[5:40, 5:60].mean() - 40
    assert not out.with_name("swing_annotated.part.mp4").exists()


def test_annotated_video_from_a_strided_downscaled_series_keeps_every_frame(plank, tmp_path):
    clip, series, result = plank
    keep = np.arange(0, len(series), 2)
    strided = replace(
        series,
        time_ms=series.time_ms[keep],
        image=series.image[keep],
        world=series.world[keep],
        visibility=series.visibility[keep],
        presence=series.presence[keep],
        num_people=series.num_people[keep],
    )
    out = tmp_path / "plank_small.mp4"
    written = write_annotated_video(clip, strided, result, out, max_size=320)
    codec, count, width, height, _, _ = probe(out)
    assert codec == "h264" and count == len(series)
    assert (width, height) == (320, 240) == (written.width, written.height)


def test_frames_without_a_person_are_written_with_the_counter(swing, tmp_path):
    clip, series, result = swing
    image = series.image.copy()
    image[50:120] = np.nan  # nobody found here
    gappy = replace(series, image=image)
    out = tmp_path / "gappy.mp4"
    written = write_annotated_video(clip, gappy, result, out, max_size=160)
    assert written.frames == len(series)
    states = overlay_states(gappy, result)
    assert states[60].landmarks_px is None and states[60].counter.startswith("Reps")


def test_odd_frame_sizes_are_padded_and_said(tmp_path):
    out = tmp_path / "odd.mp4"
    with H264Writer(out, 25.0, 161, 121) as writer:
        for i in range(10):
            writer.write(np.full((121, 161, 3), i * 20, np.uint8))
    assert writer.note is not None and "162x122" in writer.note
    codec, count, width, height, fps, _ = probe(out)
    assert (codec, count, width, height) == ("h264", 10, 162, 122)
    assert fps == pytest.approx(25.0)


def test_unwritable_output_fails_before_decoding(swing, tmp_path, monkeypatch):
    clip, series, result = swing
    blocker = tmp_path / "a_file"
    blocker.write_text("x")

    def no_decoding(*args, **kwargs):
        raise AssertionError("the clip was decoded before the output path was checked")

    monkeypatch.setattr("formcheck.frames.open_source", no_decoding)
    with pytest.raises(ConfigError, match="not a folder"):
        write_annotated_video(clip, series, result, blocker / "out.mp4")
    with pytest.raises(ConfigError, match="folder"):
        write_annotated_video(clip, series, result, tmp_path)
    with pytest.raises(ConfigError, match="overwrite its own input"):
        write_annotated_video(clip, series, result, clip)
    with pytest.raises(ConfigError, match=r"\.mp4"):
        H264Writer(tmp_path / "out.avi", 30, 64, 64)


def test_missing_pyav_gives_the_install_hint(swing, tmp_path, monkeypatch):
    clip, series, result = swing
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(FormcheckError, match="PyAV") as info:
        write_annotated_video(clip, series, result, tmp_path / "x.mp4")
    assert "formcheck[video]" in info.value.hint


def test_interrupted_encoding_leaves_no_file(tmp_path):
    out = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError), H264Writer(out, 30, 64, 64) as writer:
        writer.write(np.zeros((64, 64, 3), np.uint8))
        raise RuntimeError("stop")
    assert not out.exists() and not list(tmp_path.iterdir())


# ------------------------------------------------------------------------------- CLI
def analyze_parser() -> argparse.ArgumentParser:
    import formcheck.cli.main as cli
    from formcheck.cli.outputs import add_output_options

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "--annotate" not in sub.choices["analyze"]._option_string_actions:
        add_output_options(sub.choices["analyze"])
    return parser


def test_cli_rejects_bad_output_paths_while_parsing(tmp_path, capsys):
    parser = analyze_parser()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for argv in (
        ["analyze", "clip.mp4", "--annotate", str(blocker / "out.mp4")],
        ["analyze", "clip.mp4", "--annotate", str(tmp_path / "out.avi")],
        ["analyze", "clip.mp4", "--report", str(tmp_path / "r.pdf")],
        ["analyze", "clip.mp4", "--csv", str(tmp_path)],
        ["analyze", "clip.mp4", "--annotate-size", "7"],
    ):
        with pytest.raises(SystemExit) as info:
            parser.parse_args(argv)
        assert info.value.code == 2
    err = capsys.readouterr().err
    assert "not a folder" in err and ".mp4" in err and ".html" in err


def test_cli_annotate_refuses_a_camera():
    from formcheck.cli.outputs import check_outputs

    args = analyze_parser().parse_args(["analyze", "0", "--annotate", "out.mp4"])
    with pytest.raises(ConfigError, match="camera"):
        check_outputs(args)


def test_write_outputs_from_saved_landmarks_finds_the_video_beside_them(plank, tmp_path):
    from formcheck.cli.outputs import write_outputs

    clip, series, result = plank
    npz = series.save(tmp_path / "plank.npz")  # series.source.name is the video's file name
    (tmp_path / series.source.name).write_bytes(clip.read_bytes())
    args = analyze_parser().parse_args(
        [
            "analyze",
            str(npz),
            "--annotate",
            str(tmp_path / "a.mp4"),
            "--csv",
            str(tmp_path / "t.csv"),
        ]
    )
    lines = write_outputs(args, npz, series, result)
    assert any("annotated video written" in line for line in lines)
    assert (tmp_path / "a.mp4").is_file() and (tmp_path / "t_reps.csv").is_file()
    # Without the video: the CSV is still written, and the error says so.
    (tmp_path / series.source.name).unlink()
    args.csv = str(tmp_path / "u.csv")
    with pytest.raises(FormcheckError, match="needs the video") as info:
        write_outputs(args, npz, series, result)
    assert "u.csv" in info.value.problem and (tmp_path / "u.csv").is_file()


@pytest.mark.model
def test_end_to_end_with_the_lite_model(tmp_path):
    """analyze_clip with the real (lite) model, then every output through the CLI helper."""
    from formcheck.cli.outputs import write_outputs
    from formcheck.engine.clip import analyze_clip
    from formcheck.engine.options import EngineOptions

    clip = SAMPLES / "kbswing_leanback.mp4"
    analysis = analyze_clip(
        clip,
        EngineOptions(exercise="kbswing", model="lite", stride=3, with_masks=False, progress=False),
    )
    args = analyze_parser().parse_args(
        [
            "analyze",
            str(clip),
            "--annotate",
            str(tmp_path / "a.mp4"),
            "--report",
            str(tmp_path / "r.html"),
            "--csv",
            str(tmp_path / "t.csv"),
        ]
    )
    lines = write_outputs(args, clip, analysis.series, analysis.result)
    assert len(lines) >= 4
    codec, count, width, height, _, _ = probe(tmp_path / "a.mp4")
    _, in_count, in_w, in_h, _, _ = probe(clip)
    assert (codec, count, width, height) == ("h264", in_count, in_w, in_h)
    html = (tmp_path / "r.html").read_text()
    assert "data:video/mp4;base64," in html and "Reps" in html


def test_a_still_image_gives_a_one_frame_video(plank, tmp_path):
    import cv2

    clip, series, result = plank
    still = tmp_path / "still.png"
    cv2.imwrite(str(still), cv2.cvtColor(first_frame(clip, 100), cv2.COLOR_RGB2BGR))
    one = series.slice(100, 101)
    one = replace(one, time_ms=np.array([0.0]))
    assert len(setup_messages(one)) == 1
    written = write_annotated_video(still, one, result, tmp_path / "still.mp4")
    codec, count, width, height, _, _ = probe(written.path)
    assert (codec, count, width, height) == ("h264", 1, 640, 480)


def test_annotated_video_of_a_range_covers_the_same_frames_as_the_series(swing, tmp_path):
    clip, series, _ = swing
    keep = np.flatnonzero((series.time_ms >= 2000.0) & (series.time_ms <= 4000.0))
    part = series.slice(int(keep[0]), int(keep[-1]) + 1)
    part = replace(part, source=replace(series.source, start_s=2.0, end_s=4.0))
    result = analyze_series(part, "kbswing")
    out = tmp_path / "part.mp4"
    written = write_annotated_video(clip, part, result, out, max_size=160)
    # Frames 60..120 of the file (2.0 to 4.0 s), as a ranged source hands them to the model.
    assert probe(out)[1] == written.frames == 61
    assert abs(len(part) - 61) <= 1  # the synthetic truth's times are rounded
