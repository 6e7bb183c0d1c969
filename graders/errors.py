"""The errors a person can cause, each with the exit code the command line ends with.

Library code raises a ``UserError`` subclass for every mistake a user can make and fix (a
wrong flag, a missing folder, an output path that is a file, a database URL without a
driver).  The CLI prints its message as one line (plus ``hint`` when there is one) and exits
with ``exit_code``; anything else that escapes is a bug in propgrade and is reported as one,
with a traceback, never as "Try --help".
"""

from __future__ import annotations

import traceback
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INPUT, EXIT_ENVIRONMENT = 0, 1, 2, 3, 4


class UserError(Exception):
    """A mistake the user can fix; ``str(exc)`` is one readable line."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class UsageError(UserError):
    """The command line itself is wrong (an option's value, a missing argument)."""

    exit_code = EXIT_USAGE


class InputError(UserError):
    """A path or file the user named cannot be used as asked (missing, a file not a folder)."""

    exit_code = EXIT_INPUT


class EnvironmentProblem(UserError):
    """This machine or installation lacks something the command needs (a database driver,
    the staff-only graders in a student release)."""

    exit_code = EXIT_ENVIRONMENT


def located(exc: BaseException, path: Path, root: Path) -> str:
    """``file:line: Type: message`` of ``exc`` at the deepest frame in the files under ``root``
    (``path`` when none is): where a mistake in staff's own file is, in one line."""
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    where = str(path)
    if line is None:
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if Path(f.filename).is_relative_to(root)
        ]
        if frames:
            where, line = frames[-1].filename, frames[-1].lineno
    return f"{where}:{line or 1}: {type(exc).__name__}: {exc}"
