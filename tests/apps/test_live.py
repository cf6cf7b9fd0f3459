"""The live loop, driven headless by the sample clips.

The frames are the real decoded sample videos; the pose of each frame is the clip's exact ground
truth served by frame index (no model, so the loop is tested fast and deterministically). One
test feeds real model output to check the live rule input equals the offline one.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.apps.live import (
    BLOCKING_SETUP,
    CHECKING_EXERCISE,
    SETUP_CROWD,
    SETUP_FEET,
    SETUP_NOBODY,
    SETUP_TURN,
    LiveCoach,
    RecognitionSettings,
    SetupGuide,
    run_live,
    setup_issue,
)
from formcheck.engine.pose_stage import SeriesBuilder
from formcheck.errors import ConfigError, InputError
from formcheck.exercises.base import FrameInput
from formcheck.features.frame_input import frame_inputs, frame_observation
from formcheck.features.view import FrameView
from formcheck.frames import CameraSource, FrameSource, open_source
from formcheck.outputs.speech import CuePolicy
from formcheck.paths import ensure_writable
from formcheck.pose.estimator import FrameByFrameEstimator
from formcheck.pose.result import PoseResult
from formcheck.series.core import PoseSeries
from formcheck.synth import GroundTruth

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SMALL = 320  # decode the samples small: the truth landmarks are normalised, sizes do not matter


def clip(name: str) -> Path:
    path = SAMPLES / f"{name}.mp4"
    if not path.is_file():
        pytest.skip(f"sample {path.name} missing")
    return path


def truth(name: str) -> PoseSeries:
    return GroundTruth.load(clip(name)).to_pose_series()


class IndexReplay(FrameByFrameEstimator):
    """Serves the stored pose of each frame by its index in the clip (instead of the model)."""

    name = "replay:ground-truth"

    def __init__(self, series: PoseSeries, *, delay_s: float = 0.0, people=None, hidden=()):
        self.series = series
        self.delay_s = delay_s
        self.people = people or {}  # frame index -> people count
        self.hidden = set(hidden)  # frame indices where nobody is "found"
        self.calls = 0

    def process(self, frame) -> PoseResult:
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        s, i = self.series, min(frame.index, len(self.series) - 1)
        people = self.people.get(frame.index, 1)
        if frame.index in self.hidden:
            return PoseResult(frame.time_ms, num_people=0)
        return PoseResult(
            frame.time_ms,
            s.image[i].copy(),
            s.world[i].copy(),
            s.visibility[i].copy(),
            s.presence[i].copy(),
            num_people=people,
        )

    def close(self) -> None:
        pass


class FakeSpeaker:
    name = "fake"
    busy = False

    def __init__(self) -> None:
        self.spoken: list[str] = []

    def say(self, text: str) -> bool:
        self.spoken.append(text)
        return True

    def poll(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> None:
        pass

    def close(self) -> None:
        pass


class ScriptedDisplay:
    """Shows nothing; returns scripted keys by poll number, and counts what it was shown."""

    def __init__(self, keys: dict[int, str]) -> None:
        self.keys = {i: ord(k) for i, k in keys.items()}
        self.polls = 0
        self.shown: list[np.ndarray] = []
        self.closed = False

    def show(self, bgr: np.ndarray) -> None:
        assert bgr.ndim == 3 and bgr.dtype == np.uint8
        self.shown.append(bgr)

    def poll_key(self, wait_ms: int = 1) -> int | None:
        self.polls += 1
        return self.keys.get(self.polls)

    def close(self) -> None:
        self.closed = True


class DroppingSource(FrameSource):
    """A live source that fails like an unplugged camera after ``after`` frames."""

    def __init__(self, path: Path, after: int) -> None:
        self._inner = open_source(path, max_size=SMALL)
        self.after = after
        super().__init__(replace(self._inner.info, name="camera 0", is_live=True))

    def _frames(self):
        for frame in self._inner:
            if frame.index >= self.after:
                raise InputError("camera 0 stopped sending frames for 5 s.", "Check the cable.")
            yield frame

    def _release(self) -> None:
        self._inner.close()


def coach_for(source, exercise: str, **kwargs) -> LiveCoach:
    kwargs.setdefault("recognition", RecognitionSettings(background=False))
    return LiveCoach(source.info, exercise=exercise, model="replay", **kwargs)


def run_clip(name: str, exercise: str, tmp_path: Path, **kwargs):
    """Run the headless loop over a whole sample clip; returns (run, coach, printed lines)."""
    lines: list[str] = []
    policy = kwargs.pop("policy", None)
    speaker = kwargs.pop("speaker", None)
    estimator = kwargs.pop("estimator", None) or IndexReplay(truth(name))
    with open_source(clip(name), max_size=SMALL) as source:
        coach = coach_for(source, exercise, policy=policy)
        run = run_live(
            source,
            estimator,
            coach,
            echo=lines.append,
            speaker=speaker,
            summary_path=tmp_path / "summary.json",
            **kwargs,
        )
    return run, coach, lines


def assert_cooldowns(cues, policy: CuePolicy) -> None:
    for a, b in zip(cues, cues[1:], strict=False):
        if b.kind != "form_broke":
            assert b.time_ms - a.time_ms >= policy.min_gap_s * 1000 - 1e-6
    for i, a in enumerate(cues):
        for b in cues[i + 1 :]:
            if (a.kind, a.code) == (b.kind, b.code):
                assert b.time_ms - a.time_ms >= policy.cooldown_s * 1000 - 1e-6


# ----------------------------------------------------------------------------- live input
def _equal_inputs(live: FrameInput, offline: FrameInput) -> None:
    assert live.time_ms == offline.time_ms
    assert live.detected == offline.detected
    assert live.num_people == offline.num_people
    assert live.facing == offline.facing
    assert live.view == offline.view
    assert live.in_frame == offline.in_frame
    assert live.features.keys() == offline.features.keys()
    a = np.array(list(live.features.values()))
    b = np.array([offline.features[k] for k in live.features])
    np.testing.assert_array_equal(a, b)  # NaN where NaN, equal bits elsewhere
    assert live.visibility == offline.visibility
    assert live.extras.keys() == offline.extras.keys()
    for key in live.extras:
        np.testing.assert_array_equal(live.extras[key], offline.extras[key])


def test_frame_input_equals_frames_from_series_on_varied_frames() -> None:
    """Detected, missing, crowded, low-visibility and out-of-frame rows, with extras."""
    rng = np.random.default_rng(4)
    results, extras = [], []
    for name in ("plank_sagging", "kbswing_leanback"):
        s = truth(name)
        for i in range(0, len(s), 6):
            t = float(len(results) * 40.0)
            k = len(results)
            if k % 9 == 4:
                results.append(PoseResult(t, num_people=0))  # nobody found
                extras.append({"back_profile": np.full(18, np.nan)})
                continue
            image = s.image[i].astype(np.float64)
            vis = s.visibility[i].astype(np.float64)
            if k % 5 == 1:
                vis = rng.uniform(0.0, 1.0, vis.shape)  # some points below MIN_VISIBILITY
            if k % 7 == 2:
                image[27:33, 1] += 0.5  # feet pushed out of frame
            results.append(
                PoseResult(
                    t,
                    image,
                    s.world[i].astype(np.float64),
                    vis,
                    s.presence[i].astype(np.float64),
                    num_people=2 if k % 6 == 3 else 1,
                )
            )
            extras.append({"back_profile": rng.normal(size=18)})
    builder = SeriesBuilder(truth("plank_sagging").source)
    for result, extra in zip(results, extras, strict=True):
        builder.append(result, extra)
    offline = list(frame_inputs(builder.build()))
    assert len(offline) == len(results)
    for result, extra, row in zip(results, extras, offline, strict=True):
        _equal_inputs(frame_observation(result, builder.source, extra)[0], row)
    views = {row.view for row in offline}
    assert {"side", "unknown"} <= views  # the cases above were really exercised
    assert any(not row.in_frame and row.detected for row in offline)


@pytest.mark.model
def test_frame_input_equals_frames_from_series_on_model_output(full_estimator) -> None:
    frames = [f for f in open_source(clip("kbswing_leanback"), max_size=640) if f.index % 45 == 0]
    results = [full_estimator.process(frame) for frame in frames]
    assert sum(r.found for r in results) >= len(results) - 1
    info = open_source(clip("kbswing_leanback"), max_size=640).info
    builder = SeriesBuilder(info)
    for result in results:
        builder.append(result)
    offline = list(frame_inputs(builder.build()))
    for result, row in zip(results, offline, strict=True):
        _equal_inputs(frame_observation(result, info)[0], row)


# ----------------------------------------------------------------------------- setup guidance
def _frame(detected=True, people=1) -> FrameInput:
    return FrameInput(0.0, detected, people, {}, 0, {}, {})


def _view(view="side", out=(), extent=0.6) -> FrameView:
    return FrameView(view, None, 80.0, not out, tuple(out), extent)


@pytest.mark.parametrize(
    ("frame", "view", "expected"),
    [
        (
            _frame(detected=False, people=0),
            _view("unknown", ("head", "hips", "feet"), 0),
            SETUP_NOBODY,
        ),
        (_frame(people=2), _view(), SETUP_CROWD),
        (_frame(), _view(out=("feet",)), SETUP_FEET),
        (_frame(), _view("front"), SETUP_TURN),
        (_frame(), _view("side"), None),
    ],
)
def test_setup_issue(frame, view, expected) -> None:
    assert setup_issue(frame, view) == expected


def test_setup_guide_debounces() -> None:
    guide = SetupGuide(window_s=0.5, share=0.6)
    assert guide.update(0, SETUP_TURN) == SETUP_TURN
    # One good frame among bad ones does not clear it; a run of good frames does.
    assert guide.update(33, None) == SETUP_TURN
    for t in range(66, 700, 33):
        message = guide.update(t, None)
    assert message is None
    # A single bad frame does not bring it back.
    assert guide.update(733, SETUP_TURN) is None


# ----------------------------------------------------------------------------- the loop
def test_plank_cues_in_order_and_summary(tmp_path: Path) -> None:
    policy = CuePolicy()
    speaker = FakeSpeaker()
    run, coach, lines = run_clip(
        "plank_sagging", "plank", tmp_path, policy=policy, speaker=speaker, draw=False
    )
    assert run.ended_by == "source_ended" and run.error is None
    assert run.frames == len(truth("plank_sagging"))
    record = run.sets[0]
    cues = record.cues
    assert [(c.kind, c.code) for c in cues] == [
        ("fault", "hips_sagging"),
        ("form_broke", "hips_sagging"),
    ]
    onset = GroundTruth.load(clip("plank_sagging")).fault_onset_ms("hips_sagging")
    first = cues[0].time_ms - record.start_ms
    assert onset - 500 <= first <= onset + 3000
    assert_cooldowns(cues, policy)
    assert speaker.spoken == ["hips up", "form is breaking, stop the set"]
    # Printed: one line per cue, with the time.
    cue_lines = [line for line in lines if " cue " in line]
    assert len(cue_lines) == 2 and cue_lines[0].startswith("[")
    assert float(cue_lines[0][1:].split("s]")[0]) == pytest.approx(first / 1000, abs=0.05)
    assert any("hold started" in line for line in lines)
    # The verdict and the saved summary.
    assert record.result.summary.good_form_s == pytest.approx(onset / 1000, abs=1.5)
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["ended_by"] == "source_ended"
    assert [s["exercise"] for s in saved["sets"]] == ["plank"]
    assert {f["code"] for f in saved["sets"][0]["result"]["faults"]} == {"hips_sagging"}
    assert [c["code"] for c in saved["sets"][0]["cues"]] == ["hips_sagging", "hips_sagging"]
    # Latency is measured for every frame judged.
    assert len(run.latency_ms) == run.frames
    assert all(math.isfinite(v) and v > 0 for v in run.latency_ms)
    assert saved["latency_ms"]["count"] == run.frames
    assert saved["sets"][0]["latency_ms"]["p95"] >= saved["sets"][0]["latency_ms"]["median"]


def test_kbswing_cooldown_respected(tmp_path: Path) -> None:
    """The same fault is cued once per cool-down, however often the rules report it."""
    policy = CuePolicy(cooldown_s=8.0)
    speaker = FakeSpeaker()
    run, _, lines = run_clip(
        "kbswing_leanback", "kbswing", tmp_path, policy=policy, speaker=speaker, draw=False
    )
    record = run.sets[0]
    assert record.result.summary.rep_count == 5
    assert len([f for f in record.result.faults if f.code == "leaning_back"]) >= 4
    assert [c.code for c in record.cues] == ["leaning_back"]  # the 8.8 s clip: once
    assert record.cues[0].message == "Stand tall, don't lean back"
    assert speaker.spoken == ["stand tall, don't lean back"]
    assert sum(" rep " in line for line in lines) == 5


def test_auto_recognises_then_coaches_with_short_cooldown(tmp_path: Path) -> None:
    policy = CuePolicy(cooldown_s=2.0, min_gap_s=0.5)
    run, coach, lines = run_clip("kbswing_leanback", "auto", tmp_path, policy=policy)
    record = run.sets[0]
    assert record.exercise == "kbswing"
    assert (
        record.result.recognition
        and max(record.result.recognition, key=record.result.recognition.get) == "kbswing"
    )
    exercise_lines = [line for line in lines if " exercise " in line]
    assert len(exercise_lines) == 2
    assert CHECKING_EXERCISE in exercise_lines[0] and "kettlebell swing" in exercise_lines[1]
    # Frames seen while recognising were judged too: every rep is counted.
    assert record.result.summary.rep_count == 5
    cues = record.cues
    assert len(cues) >= 2 and {c.code for c in cues} == {"leaning_back"}
    assert_cooldowns(cues, policy)


def test_checking_message_while_recognising() -> None:
    with open_source(clip("kbswing_leanback"), max_size=SMALL) as source:
        coach = coach_for(source, "auto")
        replay = IndexReplay(truth("kbswing_leanback"))
        frames = iter(source)
        first = next(frames)
        report = coach.process(first, replay.process(first))
        assert report.setup_message == CHECKING_EXERCISE and coach.checking
        assert report.overlay.setup_message == CHECKING_EXERCISE
        coach.close()


def test_setup_guidance_silences_cues(tmp_path: Path) -> None:
    """Two people in view: the message shows and no fault cue is given until it clears."""
    series = truth("kbswing_leanback")
    crowded = dict.fromkeys(range(0, 150), 2)
    replay = IndexReplay(series, people=crowded, hidden=range(0, 10))
    speaker = FakeSpeaker()
    run, _, lines = run_clip(
        "kbswing_leanback",
        "kbswing",
        tmp_path,
        estimator=replay,
        speaker=speaker,
        policy=CuePolicy(cooldown_s=1),
        draw=False,
        max_frames=220,
    )
    setup_lines = [line.split("setup", 1)[1].strip() for line in lines if " setup " in line]
    assert setup_lines[:3] == [SETUP_NOBODY, SETUP_CROWD, "Setup OK"]
    assert SETUP_CROWD in BLOCKING_SETUP
    assert speaker.spoken[:2] == [SETUP_NOBODY, SETUP_CROWD]  # guidance is said aloud too
    cleared_s = float(next(line for line in lines if "Setup OK" in line)[1:].split("s]")[0])
    cues = run.sets[0].cues
    assert cues, "cues resume once the setup is fine"
    assert all(c.time_ms / 1000.0 >= cleared_s - 1e-6 for c in cues)


def test_no_backlog_when_processing_is_slower_than_the_source(tmp_path: Path) -> None:
    """A source played in real time, a judge 3x slower: frames are skipped, lag stays small."""
    fps = 90.0  # the 8 s clip in 2.7 s
    delay = 3.0 / fps
    series = truth("plank_sagging")
    total = len(series)
    with open_source(clip("plank_sagging"), max_size=SMALL, realtime=True, fps=fps) as source:
        coach = coach_for(source, "plank")
        run = run_live(source, IndexReplay(series, delay_s=delay), coach, echo=None, draw=False)
    assert run.ended_by == "source_ended"
    assert run.dropped_frames > 0
    assert run.frames + run.dropped_frames <= total
    assert run.frames < 0.6 * total
    lag = np.array(run.lag_ms)
    # A backlog would leave the last frames ~ total * delay - 2.7 s (~5 s) behind.
    assert lag.max() < 1000.0
    assert np.median(lag[-10:]) < 500.0
    assert np.median(lag[-10:]) - np.median(lag[:10]) < 300.0


def test_camera_source_newest_frame_only_and_unplug_saves_the_set(tmp_path: Path) -> None:
    """A capture that runs dry is a camera unplugged: the set so far is saved."""
    cap = cv2.VideoCapture(str(clip("kbswing_leanback")))
    ok, first = cap.read()
    assert ok
    source = CameraSource(cap, first, name="camera 0", max_size=SMALL, max_read_failures=2)
    with source:
        coach = coach_for(source, "kbswing")
        series = truth("kbswing_leanback")
        run = run_live(
            source,
            IndexReplay(series, delay_s=0.01),
            coach,
            echo=None,
            summary_path=tmp_path / "s.json",
        )
    assert run.ended_by == "disconnected"
    assert "stopped sending frames" in run.error
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["sets"][0]["ended_by"] == "disconnected"
    assert saved["sets"][0]["frames"] == run.frames > 0
    assert saved["source_lag_ms"] is not None


def test_input_error_mid_set_saves_summary(tmp_path: Path) -> None:
    lines: list[str] = []
    source = DroppingSource(clip("plank_sagging"), after=60)
    with source:
        coach = coach_for(source, "plank")
        run = run_live(
            source,
            IndexReplay(truth("plank_sagging")),
            coach,
            echo=lines.append,
            summary_path=tmp_path / "out" / "s.json",
        )
    assert run.ended_by == "disconnected"
    assert run.frames == 60
    assert "stopped sending frames" in run.error
    saved = json.loads((tmp_path / "out" / "s.json").read_text())
    assert saved["error"] and saved["sets"][0]["frames"] == 60
    assert any("saved to" in line for line in lines)
    assert not list((tmp_path / "out").glob("*.part"))  # written atomically


def test_keys_mirror_pause_new_set_quit(tmp_path: Path) -> None:
    display = ScriptedDisplay({5: "m", 40: " ", 43: " ", 80: "r", 120: "q"})
    with open_source(clip("kbswing_leanback"), max_size=SMALL) as source:
        coach = coach_for(source, "kbswing")
        run = run_live(
            source,
            IndexReplay(truth("kbswing_leanback")),
            coach,
            display=display,
            echo=None,
            summary_path=tmp_path / "s.json",
        )
    assert run.ended_by == "quit"
    assert coach.mirrored
    assert run.frames == 120 - 3  # polls 41-43 happened while paused
    # Paused: the frozen frame was shown again with the pause drawn on it.
    assert len(display.shown) > run.frames
    assert [s.ended_by for s in run.sets] == ["new_set", "quit"]
    assert [s.index for s in run.sets] == [1, 2]
    assert run.sets[0].frames + run.sets[1].frames == run.frames
    saved = json.loads((tmp_path / "s.json").read_text())
    assert len(saved["sets"]) == 2
    assert display.shown[-1].shape == (240, 320, 3)


def test_coach_rejects_time_going_backwards() -> None:
    with open_source(clip("plank_sagging"), max_size=SMALL) as source:
        coach = coach_for(source, "plank")
        frames = iter(source)
        a, b = next(frames), next(frames)
        replay = IndexReplay(truth("plank_sagging"))
        coach.process(b, replay.process(b))
        with pytest.raises(InputError):
            coach.process(a, replay.process(a))


# ----------------------------------------------------------------------------- the command
def _live_args(*argv: str):
    import argparse

    from formcheck.cli.live import add_live_parser

    parser = argparse.ArgumentParser()
    add_live_parser(parser.add_subparsers())
    return parser.parse_args(["live", *argv])


@pytest.fixture
def fake_model(monkeypatch):
    """The command's model replaced by the plank clip's ground truth (no model load)."""
    import formcheck.pose.backend as backend

    series = truth("plank_sagging")
    monkeypatch.setattr(backend, "MediaPipePoseEstimator", lambda options: IndexReplay(series))
    return series


def test_cli_disconnect_saves_then_fails_clearly(tmp_path: Path, monkeypatch, fake_model, capsys):
    import formcheck.frames as frames

    monkeypatch.setattr(
        frames, "open_source", lambda spec, **kw: DroppingSource(clip("plank_sagging"), 45)
    )
    summary = tmp_path / "live.json"
    args = _live_args(
        "--camera", "0", "--no-display", "--exercise", "plank", "--summary", str(summary)
    )
    with pytest.raises(InputError) as err:
        args.handler(args)
    assert "mid-set" in err.value.problem
    assert str(summary) in err.value.hint
    saved = json.loads(summary.read_text())
    assert saved["sets"][0]["frames"] == 45 and saved["ended_by"] == "disconnected"
    out = capsys.readouterr().out
    assert "Set 1: plank" in out


def test_cli_source_file_headless_prints_cues(tmp_path: Path, fake_model, capsys) -> None:
    summary = tmp_path / "live.json"
    args = _live_args(
        "--source", str(clip("plank_sagging")), "--no-display", "--no-realtime",
        "--exercise", "plank", "--summary", str(summary), "--max-size", str(SMALL),
    )  # fmt: skip
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "Hips are sagging" in out and "Stop the set" in out
    assert json.loads(summary.read_text())["sets"][0]["exercise"] == "plank"


def test_cli_camera_that_cannot_open(tmp_path: Path, fake_model) -> None:
    summary = tmp_path / "live.json"
    args = _live_args("--camera", "9", "--no-display", "--summary", str(summary))
    with pytest.raises(InputError, match="camera 9"):
        args.handler(args)
    assert not summary.exists()


def test_cli_without_display_says_no_display(monkeypatch, tmp_path: Path) -> None:
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("the missing-display check is Linux's $DISPLAY")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    args = _live_args("--source", str(clip("plank_sagging")), "--summary", str(tmp_path / "x.json"))
    with pytest.raises(ConfigError) as err:
        args.handler(args)
    assert "--no-display" in err.value.hint


def test_cli_bad_options(tmp_path: Path) -> None:
    args = _live_args("--camera", "0", "--no-realtime", "--no-display")
    with pytest.raises(ConfigError, match="--no-realtime"):
        args.handler(args)
    with pytest.raises(ConfigError, match="Unknown exercise"):
        bad = _live_args("--no-display", "--exercise", "squat")
        bad.handler(bad)


def test_unwritable_summary_path_is_refused_up_front(tmp_path: Path) -> None:
    def check_writable(path: Path) -> None:  # what formcheck live checks before it starts
        ensure_writable(path, "set summary")

    check_writable(tmp_path / "new" / "s.json")  # a folder that can be created is fine
    with pytest.raises(ConfigError):
        check_writable(tmp_path)  # a directory, not a file
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ConfigError):
            check_writable(locked / "s.json")


def test_frame_observation_view_for_setup() -> None:
    s = truth("plank_sagging")
    result = PoseResult(0.0, s.image[10], s.world[10], s.visibility[10], s.presence[10], 1)
    frame, view = frame_observation(result, s.source)
    assert frame.detected and frame.view == view.view == "side"
    assert view.in_frame and setup_issue(frame, view) is None


def test_set_ending_before_recognition_is_still_judged(tmp_path: Path) -> None:
    """Auto mode, a set shorter than the recogniser's wait: one last try on all of it."""
    run, _, lines = run_clip("plank_sagging", "auto", tmp_path, max_frames=45, draw=False)
    record = run.sets[0]
    assert record.exercise == "plank" and record.frames == 45
    assert record.result.recognition is not None


def test_nobody_in_view_is_not_assessed(tmp_path: Path) -> None:
    replay = IndexReplay(truth("plank_sagging"), hidden=range(0, 1000))
    run, _, lines = run_clip(
        "plank_sagging", "auto", tmp_path, estimator=replay, max_frames=30, draw=False
    )
    record = run.sets[0]
    assert record.exercise == "other" and not record.result.assessable
    assert "--exercise" in record.result.reason
    assert any(SETUP_NOBODY in line for line in lines)
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["sets"][0]["result"]["assessable"] is False


def test_opencv_window_when_a_display_exists() -> None:
    from formcheck.cli.live import OpenCVWindow, display_available

    if not display_available():
        pytest.skip("no display here (run under xvfb-run to include this test)")
    window = OpenCVWindow("formcheck test")
    window.show(np.zeros((120, 160, 3), np.uint8))
    assert window.poll_key(1) in (None, 27)
    window.close()


def test_frame_view_agrees_with_assess_frame_view() -> None:
    """The live view check (set-up guidance) is the one-frame view check, facing included."""
    from formcheck.features.view import assess_frame_view

    s = truth("kbswing_leanback")
    w, h = s.source.width, s.source.height
    for i in range(0, len(s), 20):
        image = s.image[i].copy()
        if i % 40 == 0:
            image[27:33, 1] += 0.6  # feet out of frame
        result = PoseResult(i * 40.0, image, s.world[i], s.visibility[i], s.presence[i], 1)
        _, mine = frame_observation(result, s.source)
        ref = assess_frame_view(image, s.world[i], s.visibility[i], s.presence[i], (w, h))
        assert mine.view == ref.view
        assert mine.yaw_deg == pytest.approx(ref.yaw_deg, abs=1e-3)
        assert (mine.in_frame, mine.out_of_frame) == (ref.in_frame, ref.out_of_frame)
        assert mine.extent_frac == pytest.approx(ref.extent_frac, abs=1e-6)
        assert mine.facing == ref.facing
    _, empty = frame_observation(PoseResult(0.0), s.source)
    assert empty.view == "unknown" and not empty.in_frame


def test_recogniser_waits_for_sure_then_takes_a_likely_guess() -> None:
    from formcheck.apps.live import BackgroundRecogniser
    from formcheck.engine.recognize import Recognition

    def rec(exercise: str, confidence: float) -> Recognition:
        return Recognition(exercise, confidence, {exercise: confidence}, confidence >= 0.6, "x")

    settings = RecognitionSettings(give_up_s=5.0, accept_unsure=0.45, background=False)
    recogniser = BackgroundRecogniser(truth("kbswing_leanback").source, "replay", settings)
    recogniser.feed(PoseResult(0.0))  # starts the clock
    assert recogniser._decide(rec("kbswing", 0.9), 1000.0).exercise == "kbswing"
    assert recogniser._decide(rec("deadlift", 0.5), 1000.0) is None  # unsure: keep looking
    assert recogniser._decide(rec("other", 0.9), 9000.0) is None  # never "other"
    assert recogniser._decide(rec("deadlift", 0.3), 9000.0) is None  # too unlikely
    assert recogniser.gave_up
    assert recogniser._decide(rec("deadlift", 0.5), 9000.0).exercise == "deadlift"
    recogniser.close()


def test_setup_hints_stop_once_reps_are_under_way(tmp_path: Path, monkeypatch) -> None:
    import formcheck.apps.live as live
    import formcheck.apps.live.coach as coach

    monkeypatch.setattr(coach, "setup_issue", lambda frame, view: live.SETUP_OBLIQUE)
    run, _, lines = run_clip("kbswing_leanback", "kbswing", tmp_path, draw=False, max_frames=120)
    setup_lines = [line for line in lines if " setup " in line]
    assert live.SETUP_OBLIQUE in setup_lines[0] and "Setup OK" in setup_lines[1]
    first_rep = next(i for i, line in enumerate(lines) if " rep " in line)
    assert lines.index(setup_lines[1]) > first_rep
    assert run.sets[0].cues  # a hint never holds cues back


def test_a_file_through_the_threaded_stage_matches_one_thread_with_the_real_model(
    tmp_path: Path, real_model
) -> None:
    """Played from a file, the frame set-up (image, people count) runs on the decode thread;
    the verdict, reps, cues and people counts must equal the one-thread loop's."""
    from formcheck.pose import MediaPipePoseEstimator, PoseOptions

    outcomes = []
    for pipelined in (True, False):
        options = PoseOptions(model="lite", with_masks=False, people_check_ms=1000.0)
        with MediaPipePoseEstimator(options) as estimator:
            run, _, lines = run_clip(
                "kbswing_leanback", "kbswing", tmp_path, estimator=estimator, draw=False,
                pipelined=pipelined,
            )  # fmt: skip
        record = run.sets[0]
        outcomes.append(
            (
                run.frames,
                record.result.summary.rep_count,
                sorted((f.code, f.start_ms) for f in record.result.faults),
                [(c.code, c.time_ms) for c in record.cues],
                [line for line in lines if " rep " in line],
            )
        )
    threaded, one_thread = outcomes
    assert threaded == one_thread
    assert threaded[1] >= 4  # the model, not a replay, found the swings
