"""One exception type for every problem a user can fix, carrying what to do about it.

The CLI prints ``FormcheckError`` as a single message and exits non-zero; anything else is a bug.
"""

from __future__ import annotations


class FormcheckError(Exception):
    """A problem with the user's input or setup, with a hint saying how to fix it."""

    exit_code = 2

    def __init__(self, problem: str, hint: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.problem}\n  -> {self.hint}" if self.hint else self.problem


class InputError(FormcheckError):
    """The video, image, folder or camera cannot be read."""


class ModelError(FormcheckError):
    """The pose model file is missing, corrupt or cannot be loaded."""


class ConfigError(FormcheckError):
    """A configuration file or option value is invalid."""


class OutputError(ConfigError, OSError):
    """An output file cannot be written (full disk, read-only or missing folder).

    Also an OSError, with the original ``errno``, so callers that handle storage failures
    (the landmark cache carries on without caching) still recognise it.
    """

    @classmethod
    def from_os_error(cls, exc: OSError, problem: str, hint: str = "") -> OutputError:
        error = cls(problem, hint)
        error.errno = exc.errno
        error.strerror = exc.strerror
        return error


class LogError(FormcheckError):
    """The training log cannot be used: not a formcheck log, newer than this version,
    read-only, corrupt, or the person or set asked for is not in it. The file is left as it was."""
