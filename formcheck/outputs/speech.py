"""Spoken coaching cues: which cue to give and when (:class:`CuePolicy`), and who says it.

A person mid-set hears, not reads. Coaches cue sparingly: one short phrase for the fault that
matters most, then quiet long enough for the correction to happen. So cue selection is a small
pure class, testable without audio, and the one place cues are paced (the rules raise their
``fault`` events unpaced: one per judged rep phase that found a fault, its most important, or
one per hold fault as it sets in):

* only ``fault`` and ``form_broke`` events become cues; ``form_broke`` ("stop the set") goes
  first, then the most severe fault;
* the same fault is not cued again within ``cooldown_s`` (per fault code);
* no cue at all within ``min_gap_s`` of the previous one, whatever the fault, except
  ``form_broke``, which comes once and is the one cue that must not be lost;
* an event about a moment more than ``max_age_s`` ago is stale and dropped (rules report some
  faults when the episode is confirmed, a second or so after it began; older than that, the
  person has moved on).

Speech is offline. The ``espeak-ng`` (or ``espeak``) command is preferred: it runs as its own
process, so speaking never blocks the frame loop; ``pyttsx3`` (a Python package driving the
platform's engine) is the fallback, run on a background thread. Both say one thing at a time and
drop new phrases while speaking. Missing or broken speech support gives one warning line and
the session goes on silently.
"""

from __future__ import annotations

import contextlib
import math
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from formcheck.exercises import registry
from formcheck.exercises.base import Event, EventKind

CUE_KINDS = (EventKind.FORM_BROKE, EventKind.FAULT)
FORM_BROKE_PHRASE = "form is breaking, stop the set"

DEFAULT_COOLDOWN_S = 8.0
DEFAULT_MIN_GAP_S = 3.0
DEFAULT_MAX_AGE_S = 4.0


def spoken_phrase(event: Event) -> str:
    """The short phrase to say for a cue event.

    A fault's phrase is its spec's ``spoken``: short enough to take in mid-rep (the rules' own
    messages are written to be read and are too long to hear).
    """
    if event.kind == EventKind.FORM_BROKE:
        return FORM_BROKE_PHRASE
    spec = registry.fault_spec(event.code) if event.code else None
    if spec is not None:
        return spec.spoken
    # An unknown fault: its message up to the first colon or full stop, which is how the
    # rules phrase "what is wrong: what to do".
    head = event.message.replace(":", ".").split(".")[0].strip()
    return head.lower() or event.message


@dataclass(frozen=True)
class Cue:
    """A cue given to the person: ``message`` for the screen, ``phrase`` for the ear."""

    time_ms: float  # when it was given (the frame's time), not when the fault began
    event_ms: float  # the event's own time
    kind: EventKind  # FAULT or FORM_BROKE
    code: str | None
    message: str
    phrase: str
    severity: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "time_s": round(self.time_ms / 1000.0, 3),
            "event_s": round(self.event_ms / 1000.0, 3),
            "kind": self.kind,
            "code": self.code,
            "message": self.message,
            "phrase": self.phrase,
            "severity": round(float(self.severity), 3),
        }


@dataclass
class CuePolicy:
    """Chooses at most one cue per call from a frame's events (pure: no clock, no audio).

    ``cooldown_s`` per fault code, ``min_gap_s`` between any two cues, ``max_age_s`` for stale
    events; ``cooldowns`` overrides the cool-down of single codes. Times are the frames' own
    (``now_ms``), so the same frames give the same cues however fast they are processed.
    """

    cooldown_s: float = DEFAULT_COOLDOWN_S
    min_gap_s: float = DEFAULT_MIN_GAP_S
    max_age_s: float = DEFAULT_MAX_AGE_S
    cooldowns: dict[str, float] = field(default_factory=dict)
    _last_by_key: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _last_ms: float = field(default=-math.inf, init=False, repr=False)

    def __post_init__(self) -> None:
        from formcheck.errors import ConfigError

        for name in ("cooldown_s", "min_gap_s", "max_age_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ConfigError(
                    f"CuePolicy.{name} must be a number of seconds >= 0, got {value!r}.",
                    "E.g. a cool-down of 8 s per fault and a gap of 3 s between cues.",
                )

    @staticmethod
    def _key(event: Event) -> str:
        code = event.code or event.message
        return f"form_broke:{code}" if event.kind == EventKind.FORM_BROKE else code

    def _cooldown_ms(self, event: Event) -> float:
        return 1000.0 * self.cooldowns.get(event.code or "", self.cooldown_s)

    def _allowed(self, event: Event, now_ms: float) -> bool:
        if now_ms - event.time_ms > self.max_age_s * 1000.0:
            return False
        last = self._last_by_key.get(self._key(event))
        return last is None or now_ms - last >= self._cooldown_ms(event)

    def offer(self, events: Iterable[Event], now_ms: float) -> Cue | None:
        """The cue to give at ``now_ms`` for these events, or None (and remember it)."""
        candidates = [e for e in events if e.kind in CUE_KINDS and self._allowed(e, now_ms)]
        if now_ms - self._last_ms < self.min_gap_s * 1000.0:
            # Too soon after the last cue, except "stop the set": it comes once and matters most.
            candidates = [e for e in candidates if e.kind == EventKind.FORM_BROKE]
        if not candidates:
            return None
        best = max(
            candidates, key=lambda e: (e.kind == EventKind.FORM_BROKE, e.severity, e.time_ms)
        )
        self._last_by_key[self._key(best)] = now_ms
        self._last_ms = now_ms
        return Cue(
            time_ms=float(now_ms),
            event_ms=float(best.time_ms),
            kind=best.kind,
            code=best.code,
            message=best.message,
            phrase=spoken_phrase(best),
            severity=float(best.severity),
        )

    def reset(self) -> None:
        """Forget the cues given (a new set starts)."""
        self._last_by_key.clear()
        self._last_ms = -math.inf


# ----------------------------------------------------------------------------- speakers
class Speaker(Protocol):
    """Says one phrase at a time; ``say`` returns False when it dropped the phrase."""

    name: str

    @property
    def busy(self) -> bool: ...

    def say(self, text: str) -> bool: ...

    def poll(self) -> None:
        """Check on the phrase being spoken (cheap; lets a failure be reported promptly)."""
        ...

    def wait(self, timeout: float | None = None) -> None:
        """Block until the phrase being spoken is finished (or ``timeout`` seconds pass)."""
        ...

    def close(self) -> None: ...


class NullSpeaker:
    """No speech (voice off or unavailable)."""

    name = "none"
    busy = False

    def say(self, text: str) -> bool:
        return False

    def poll(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> None:
        pass

    def close(self) -> None:
        pass


# espeak-ng exits 0 even when it cannot reach a sound card, but says so on stderr.
_AUDIO_FAILURE_MARKERS = ("error:", "unknown pcm", "cannot find card", "could not open")


class EspeakSpeaker:
    """``espeak-ng``/``espeak`` run as a child process per phrase (never blocks the caller).

    ``extra_args`` are passed before the text (tests use ``--stdout`` to synthesise without a
    sound card). ``on_warning`` is called once if the engine turns out not to work, after
    which the speaker stays silent.
    """

    def __init__(
        self,
        command: str,
        *,
        extra_args: Sequence[str] = (),
        rate_wpm: int = 175,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.command = command
        self.name = command.rsplit("/", 1)[-1]
        self._args = [command, "-s", str(int(rate_wpm)), *extra_args]
        self._proc: subprocess.Popen | None = None
        self._on_warning = on_warning
        self.failed = False
        self.spoken: list[str] = []

    def _reap(self) -> bool:
        """True while a phrase is still being spoken; checks a finished one for failure."""
        proc = self._proc
        if proc is None:
            return False
        if proc.poll() is None:
            return True
        _, err = proc.communicate()
        self._proc = None
        text = (err or b"").decode(errors="replace").strip()
        if proc.returncode != 0 or any(m in text.lower() for m in _AUDIO_FAILURE_MARKERS):
            self._fail(
                f"{self.name} could not play audio ({_first_line(text) or proc.returncode}); "
                "spoken cues are off for this session."
            )
        return False

    @property
    def busy(self) -> bool:
        return self._reap()

    def poll(self) -> None:
        self._reap()

    def say(self, text: str) -> bool:
        if self.failed or self._reap() or not text.strip():
            return False
        try:
            self._proc = subprocess.Popen(
                [*self._args, text],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            self._fail(f"{self.name} could not be started ({exc.strerror}); spoken cues are off.")
            return False
        self.spoken.append(text)
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current phrase has been spoken (tests, the end of a session)."""
        if self._proc is not None:
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return
            self._reap()

    def _fail(self, message: str) -> None:
        if not self.failed:
            self.failed = True
            if self._on_warning is not None:
                self._on_warning(message)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            # A phrase cut short is fine at the end of a session; a hung engine is not.
            try:
                proc.wait(timeout=3.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


class Pyttsx3Speaker:
    """``pyttsx3`` on a background thread: its ``runAndWait`` blocks until the phrase is said."""

    name = "pyttsx3"

    def __init__(self, on_warning: Callable[[str], None] | None = None) -> None:
        import pyttsx3  # noqa: F401 - fail here, in the caller's thread, if it is missing

        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=1)
        self._speaking = threading.Event()
        self._on_warning = on_warning
        self.failed = False
        self.spoken: list[str] = []
        self._thread = threading.Thread(target=self._run, name="formcheck speech", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            import pyttsx3

            engine = pyttsx3.init()
        except Exception as exc:  # pyttsx3 raises whatever its platform driver raises
            self._fail(f"pyttsx3 could not start a speech engine ({exc}); spoken cues are off.")
            return
        while True:
            text = self._queue.get()
            if text is None:
                break
            try:
                engine.say(text)
                engine.runAndWait()
            except Exception as exc:
                self._fail(f"pyttsx3 failed to speak ({exc}); spoken cues are off.")
                break
            finally:
                self._speaking.clear()

    @property
    def busy(self) -> bool:
        return self._speaking.is_set()

    def poll(self) -> None:
        pass  # the speech thread reports failures itself

    def say(self, text: str) -> bool:
        if self.failed or self._speaking.is_set() or not text.strip():
            return False
        self._speaking.set()
        try:
            self._queue.put_nowait(text)
        except queue.Full:
            return False
        self.spoken.append(text)
        return True

    def _fail(self, message: str) -> None:
        if not self.failed:
            self.failed = True
            self._speaking.clear()
            if self._on_warning is not None:
                self._on_warning(message)

    def wait(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._speaking.is_set() and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.02)

    def close(self) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=1.0)
        self._thread.join(timeout=3.0)


def find_espeak() -> str | None:
    """Path of the ``espeak-ng`` (preferred) or ``espeak`` command, if installed."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def open_speaker(enabled: bool, on_warning: Callable[[str], None] | None = None) -> Speaker:
    """The best offline speaker available, or a silent one with a one-line warning.

    Checks that espeak can synthesise (without a sound card) before using it; whether audio
    actually plays is only known after the first phrase, and a failure then is warned about
    once by the speaker itself.
    """
    if not enabled:
        return NullSpeaker()
    warn = on_warning or (lambda message: None)
    command = find_espeak()
    if command is not None:
        try:
            probe = subprocess.run(
                [command, "--stdout", "ok"], capture_output=True, timeout=10.0, check=False
            )
            works = probe.returncode == 0 and len(probe.stdout) > 44  # more than a WAV header
        except (OSError, subprocess.TimeoutExpired):
            works = False
        if works:
            return EspeakSpeaker(command, on_warning=on_warning)
    try:
        return Pyttsx3Speaker(on_warning=on_warning)
    except ImportError:
        pass
    warn(
        "spoken cues are off: no offline speech engine found "
        "(install espeak-ng, e.g. 'sudo apt install espeak-ng', or 'pip install pyttsx3')."
    )
    return NullSpeaker()
