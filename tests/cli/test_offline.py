"""Nothing leaves the machine: the real commands under strace open no internet socket.

MediaPipe Tasks looks up play.googleapis.com to post usage metrics; formcheck's commands
refuse internet sockets before it starts (:mod:`formcheck.offline`). These tests watch the
real processes (children included) with ``strace -f -e trace=network``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

LINUX = sys.platform.startswith("linux")
STRACE = shutil.which("strace")
FORMCHECK = [sys.executable, "-m", "formcheck"]

pytestmark = pytest.mark.skipif(not LINUX, reason="the network filter exists on Linux only")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_after_forbid_network_internet_sockets_fail_and_local_ones_work():
    code = """
import socket, subprocess, sys, threading
from formcheck.offline import forbid_network
print(forbid_network()[0])
for family in (socket.AF_INET, socket.AF_INET6):
    try:
        socket.socket(family, socket.SOCK_DGRAM)
        print("opened")
    except PermissionError:
        print("refused")
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
print("unix ok")
out = []
thread = threading.Thread(target=lambda: out.append(_try()))
def _try():
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1)
        return "thread opened"
    except PermissionError:
        return "thread refused"
    except OSError:
        return "thread opened"
thread.start(); thread.join(); print(out[0])
child = subprocess.run([sys.executable, "-c", "import socket; socket.socket()"])
print("child refused" if child.returncode else "child opened")
"""
    run = run_python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [
        "True",
        "refused",
        "refused",
        "unix",
        "ok",
        "thread",
        "refused",
        "child",
        "refused",
    ]


@pytest.mark.parametrize(
    "value, skipped", [("1", True), ("yes", True), ("0", False), ("no", False)]
)
def test_the_escape_hatch_leaves_the_network_alone(monkeypatch, value, skipped):
    monkeypatch.setenv("FORMCHECK_ALLOW_NETWORK", value)
    run = run_python("from formcheck.offline import forbid_network; print(forbid_network())")
    assert ("FORMCHECK_ALLOW_NETWORK is set" in run.stdout) is skipped


# --------------------------------------------------------------- the real commands, traced
INTERNET_SOCKET = re.compile(r"socket\(AF_INET6?, [^)]*\)\s*=\s*(\d+)")
INTERNET_CONNECT = re.compile(r"connect\(\d+, \{sa_family=AF_INET6?,")
DNS_SEND = re.compile(r"send(to|msg|mmsg)\(.*htons\(53\)")


def traced(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, str]:
    log = tmp_path / "strace.log"
    command = [STRACE, "-f", "-e", "trace=network", "-o", str(log), *FORMCHECK, *args]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    return run, log.read_text()


def commands(tmp_path: Path) -> dict[str, list[str]]:
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("plank_good.mp4", "kbswing_good.mp4"):
        shutil.copy(SAMPLES / name, clips / name)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,exercise,label,view\n"
        f"{clips / 'plank_good.mp4'},plank,good,side\n"
        f"{clips / 'kbswing_good.mp4'},kbswing,good,side\n"
    )
    clip = str(clips / "plank_good.mp4")
    return {
        "analyze": ["analyze", clip, "--stride", "3"],
        "pose": ["pose", clip, "--stride", "3", "-o", str(tmp_path / "lm.npz")],
        "evaluate": ["evaluate", str(manifest), "--no-cache"],
        "batch": ["batch", str(clips), "--out", str(tmp_path / "t.csv"), "--workers", "2"]
        + ["--no-cache"],
        "live": ["live", "--source", clip, "--no-display", "--no-realtime"]
        + ["--summary", str(tmp_path / "s.json")],
        "models": ["models"],
    }


@pytest.mark.skipif(STRACE is None, reason="strace is not installed (apt-get install strace)")
@pytest.mark.parametrize("command", ["analyze", "pose", "evaluate", "batch", "live", "models"])
def test_command_opens_no_internet_socket(real_model, tmp_path, command):
    run, log = traced(tmp_path, *commands(tmp_path)[command])
    assert run.returncode == 0, run.stderr[-2000:]
    # strace really followed the processes: each one's exit is in the log.
    assert "+++ exited with" in log
    opened = [line for line in log.splitlines() if INTERNET_SOCKET.search(line)]
    connected = [line for line in log.splitlines() if INTERNET_CONNECT.search(line)]
    lookups = [line for line in log.splitlines() if DNS_SEND.search(line)]
    assert (opened, connected, lookups) == ([], [], [])


@pytest.mark.skipif(STRACE is None, reason="strace is not installed (apt-get install strace)")
def test_without_the_filter_mediapipe_reaches_for_the_network(real_model, tmp_path, monkeypatch):
    """The check above is not vacuous: with the filter off, the same command opens internet
    sockets (MediaPipe's metrics uploader looks up its host). If a MediaPipe release stops
    doing so, this test says so, and the filter is then a second line of defence only."""
    monkeypatch.setenv("FORMCHECK_ALLOW_NETWORK", "1")
    run, log = traced(tmp_path, *commands(tmp_path)["analyze"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert [line for line in log.splitlines() if INTERNET_SOCKET.search(line)] != []
