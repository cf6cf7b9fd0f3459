"""Cue selection (pure, no audio) and the offline speakers (real espeak only when installed)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from formcheck.errors import ConfigError
from formcheck.exercises import registry
from formcheck.exercises.base import Event
from formcheck.outputs.speech import (
    FORM_BROKE_PHRASE,
    CuePolicy,
    EspeakSpeaker,
    NullSpeaker,
    find_espeak,
    open_speaker,
    spoken_phrase,
)


def fault(t: float, code: str = "hips_sagging", severity: float = 0.5, msg: str = "") -> Event:
    return Event("fault", t, msg or f"{code} message: do this.", code, severity)


# ----------------------------------------------------------------------------- CuePolicy
def test_per_fault_cooldown() -> None:
    policy = CuePolicy(cooldown_s=8.0, min_gap_s=0.0)
    given = []
    for t in range(0, 20_000, 1000):
        cue = policy.offer([fault(t)], now_ms=t)
        if cue is not None:
            given.append(cue.time_ms)
    assert given == [0, 8000, 16000]


def test_cooldown_is_per_code_and_global_gap_applies_to_all() -> None:
    policy = CuePolicy(cooldown_s=8.0, min_gap_s=3.0)
    assert policy.offer([fault(0, "hips_sagging")], 0).code == "hips_sagging"
    # Another fault 1 s later: its own cool-down is free, but the global gap is not.
    assert policy.offer([fault(1000, "neck_not_neutral")], 1000) is None
    assert policy.offer([fault(3000, "neck_not_neutral")], 3000).code == "neck_not_neutral"
    assert policy.offer([fault(6000, "hips_sagging")], 6000) is None  # its 8 s cool-down
    assert policy.offer([fault(8000, "hips_sagging")], 8000).code == "hips_sagging"


def test_one_cue_at_a_time_most_important_first() -> None:
    policy = CuePolicy()
    events = [
        Event("rep", 900, "Rep 3"),
        fault(1000, "neck_not_neutral", 0.2),
        fault(1000, "hips_sagging", 0.9),
    ]
    cue = policy.offer(events, 1000)
    assert cue.code == "hips_sagging" and cue.phrase == "hips up"
    assert cue.message == events[2].message and cue.severity == 0.9
    # form_broke outranks any fault, and gets through the global gap (it comes once).
    broke = Event(
        "form_broke", 1200, "Form is breaking: hips sagging. Stop the set.", "hips_sagging", 1.0
    )
    cue = policy.offer([fault(1200, "neck_not_neutral"), broke], 1200)
    assert cue.kind == "form_broke" and cue.phrase == FORM_BROKE_PHRASE
    assert policy.offer([broke], 1300) is None  # but only once per cool-down


def test_stale_events_and_non_cue_events_are_dropped() -> None:
    policy = CuePolicy(max_age_s=4.0)
    assert policy.offer([fault(0)], now_ms=5000) is None  # about a moment 5 s ago
    assert (
        policy.offer([Event("rep", 5000, "Rep 1"), Event("hold_started", 5000, "x")], 5000) is None
    )
    assert policy.offer([fault(2000)], now_ms=5000) is not None  # 3 s: a confirmed episode


def test_reset_forgets_cues() -> None:
    policy = CuePolicy(cooldown_s=8.0)
    assert policy.offer([fault(0)], 0) is not None
    assert policy.offer([fault(1000)], 4000) is None
    policy.reset()
    assert policy.offer([fault(4000)], 4000) is not None


def test_cooldown_overrides_per_code() -> None:
    policy = CuePolicy(cooldown_s=8.0, min_gap_s=0.0, cooldowns={"on_toes": 2.0})
    assert policy.offer([fault(0, "on_toes")], 0) is not None
    assert policy.offer([fault(2000, "on_toes")], 2000) is not None


@pytest.mark.parametrize("field", ["cooldown_s", "min_gap_s", "max_age_s"])
@pytest.mark.parametrize("value", [-1.0, float("nan"), "8"])
def test_bad_policy_values(field: str, value) -> None:
    with pytest.raises(ConfigError):
        CuePolicy(**{field: value})


def test_spoken_phrases_are_short() -> None:
    assert spoken_phrase(fault(0, "rounded_back")) == "chest up, flat back"
    assert spoken_phrase(fault(0, "leaning_back")) == "stand tall, don't lean back"
    spoken = [f.spoken for s in registry.all_specs() for f in s.faults]
    assert all(len(p.split()) <= 6 for p in spoken)
    unknown = Event("fault", 0, "Knees caving: push them out.", "knees_in", 0.5)
    assert spoken_phrase(unknown) == "knees caving"


# ----------------------------------------------------------------------------- speakers
def test_voice_off_is_silent() -> None:
    speaker = open_speaker(False)
    assert isinstance(speaker, NullSpeaker) and speaker.say("hips up") is False


def test_missing_engine_warns_once_and_goes_on(monkeypatch) -> None:
    import formcheck.outputs.speech as speech

    monkeypatch.setattr(speech, "find_espeak", lambda: None)
    monkeypatch.setitem(sys.modules, "pyttsx3", None)  # import fails like a missing package
    warnings: list[str] = []
    speaker = open_speaker(True, on_warning=warnings.append)
    assert isinstance(speaker, NullSpeaker)
    assert len(warnings) == 1 and "espeak-ng" in warnings[0]


def _fake_engine(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-espeak"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_engine_without_sound_card_warns_once(tmp_path: Path) -> None:
    """espeak-ng exits 0 without a sound card but says so on stderr: one warning, then quiet."""
    command = _fake_engine(tmp_path, 'echo "ALSA lib pcm.c: Unknown PCM default" >&2\nexit 0')
    warnings: list[str] = []
    speaker = EspeakSpeaker(command, on_warning=warnings.append)
    assert speaker.say("hips up") is True
    speaker.wait(timeout=10)
    assert speaker.failed and len(warnings) == 1 and "spoken cues are off" in warnings[0]
    assert speaker.say("hips up") is False
    assert len(warnings) == 1
    speaker.close()


def test_one_phrase_at_a_time(tmp_path: Path) -> None:
    command = _fake_engine(tmp_path, "sleep 1")
    speaker = EspeakSpeaker(command)
    assert speaker.say("hips up") is True
    assert speaker.busy
    assert speaker.say("chest up") is False  # dropped while speaking
    speaker.wait(timeout=10)
    assert not speaker.busy and speaker.say("chest up") is True
    speaker.close()
    assert speaker.spoken == ["hips up", "chest up"] and not speaker.failed


def test_real_espeak_synthesises() -> None:
    command = find_espeak()
    if command is None:
        pytest.skip("espeak-ng / espeak not installed (apt-get install espeak-ng)")
    warnings: list[str] = []
    # --stdout: synthesise to a (discarded) WAV stream, so no sound card is needed.
    speaker = EspeakSpeaker(command, extra_args=["--stdout"], on_warning=warnings.append)
    assert speaker.say("stand tall, don't lean back") is True
    speaker.wait(timeout=20)
    assert not speaker.failed and warnings == []
    speaker.close()


def test_open_speaker_prefers_espeak_when_it_works() -> None:
    if find_espeak() is None:
        pytest.skip("espeak-ng / espeak not installed")
    speaker = open_speaker(True)
    assert isinstance(speaker, EspeakSpeaker)
    speaker.close()
