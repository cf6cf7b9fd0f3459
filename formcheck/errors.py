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
