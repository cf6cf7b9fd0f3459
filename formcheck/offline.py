"""Keep a formcheck process off the network: refuse internet sockets before mediapipe starts.

People film themselves and their clients, often people with back pain; formcheck's promise is
that nothing leaves the machine. The pose model runs locally, but MediaPipe Tasks (from about
0.10.35) bundles a metrics uploader that looks up ``play.googleapis.com`` and posts usage
metrics to Google, with no supported switch to turn it off (its wheel's NOTICE says so). So
the commands that need no network (``analyze``, ``pose``, ``evaluate``, ``live``, ``batch`` with
local workers) call :func:`forbid_network` first.

On Linux (x86_64 and aarch64) it installs a seccomp filter on the process: every later
``socket(AF_INET | AF_INET6, ...)`` fails with EACCES, in every thread the process starts
afterwards and in every child process (worker pools inherit the filter). A DNS query from the
process then fails before any packet is sent. Local sockets (AF_UNIX: pipes to worker
processes, a local display) keep working; so does a lookup handed to a local resolver daemon
over such a socket (nscd, systemd-resolved), which could ask DNS for the name on the
process's behalf, though nothing can then connect to the answer. The filter cannot be lifted for the life of the process, which is the
point. ``tests/cli/test_offline.py`` runs the real commands under ``strace`` and checks that no
internet socket is opened and no lookup is sent.

Elsewhere (macOS, Windows, other CPUs) there is no such filter: :func:`forbid_network` returns
False and says why, and the README says what that means.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys
from dataclasses import dataclass

# Set FORMCHECK_ALLOW_NETWORK=1 (or true, yes) to skip the filter (e.g. to debug a problem with
# it, or to show a window through X forwarded over TCP, as ssh -X does).
ALLOW_ENV = "FORMCHECK_ALLOW_NETWORK"

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_AF_INET, _AF_INET6 = 2, 10

# BPF opcodes used by the filter.
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS: load a 32-bit word of seccomp_data
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
# Offsets in struct seccomp_data: nr (int), arch (u32), instruction pointer (u64), args[6].
_NR, _ARCH, _ARG0 = 0, 4, 16


@dataclass(frozen=True)
class _Arch:
    audit_arch: int  # AUDIT_ARCH_* of the kernel's syscall ABI
    socket_nr: int  # the socket(2) system call's number on it


_ARCHES = {
    "x86_64": _Arch(0xC000003E, 41),
    "aarch64": _Arch(0xC00000B7, 198),
    "arm64": _Arch(0xC00000B7, 198),
}


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _program(arch: _Arch) -> list[tuple[int, int, int, int]]:
    """The filter: socket() for IPv4 or IPv6 fails with EACCES; everything else passes.

    Jumps count from the next instruction. A call from another ABI (e.g. 32-bit) is let
    through: the check only knows this ABI's numbers, and formcheck's processes use this one.
    """
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    return [
        (_LD_W_ABS, 0, 0, _ARCH),  # 0
        (_JEQ_K, 0, 5, arch.audit_arch),  # 1: another ABI -> 7 allow
        (_LD_W_ABS, 0, 0, _NR),  # 2
        (_JEQ_K, 0, 3, arch.socket_nr),  # 3: not socket() -> 7 allow
        (_LD_W_ABS, 0, 0, _ARG0),  # 4: the address family (an int: the low word)
        (_JEQ_K, 2, 0, _AF_INET),  # 5: IPv4 -> 8 deny
        (_JEQ_K, 1, 0, _AF_INET6),  # 6: IPv6 -> 8 deny
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),  # 7
        (_RET_K, 0, 0, deny),  # 8
    ]


_installed = False


def network_forbidden() -> bool:
    """Whether this process already refuses internet sockets (this module installed it)."""
    return _installed


def forbid_network() -> tuple[bool, str]:
    """Refuse internet sockets for the rest of this process and its children.

    Returns (done, why): done is False, with the reason, where it cannot be done here (not
    Linux, an unknown CPU, a kernel without seccomp, or FORMCHECK_ALLOW_NETWORK=1). Call it
    before anything starts threads that should be covered: the filter covers the calling
    thread and every thread and process started after it.
    """
    global _installed
    if _installed:
        return True, "already in place"
    if os.environ.get(ALLOW_ENV, "").strip().lower() in ("1", "true", "yes"):
        return False, f"{ALLOW_ENV} is set"
    if not sys.platform.startswith("linux"):
        return False, f"no network filter on {sys.platform} (Linux only)"
    arch = _ARCHES.get(platform.machine())
    if arch is None:
        return False, f"no network filter for the {platform.machine()} CPU"
    if struct.calcsize("P") != 8:
        # platform.machine() names the kernel's CPU: a 32-bit Python on a 64-bit kernel makes
        # its calls through another ABI, which this filter would let through.
        return False, "no network filter for a 32-bit Python"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False, f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}"
    code = _program(arch)
    filters = (_SockFilter * len(code))(*(_SockFilter(*op) for op in code))
    prog = _SockFprog(len(code), ctypes.cast(filters, ctypes.POINTER(_SockFilter)))
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        return False, f"seccomp filter refused: {os.strerror(ctypes.get_errno())}"
    _installed = True
    return True, "internet sockets refused (seccomp)"
