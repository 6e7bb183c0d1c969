"""The errors a person can cause, each with the exit code the command line ends with.

Library code raises a ``UserError`` subclass for every mistake a user can make and fix (a
wrong flag, a missing folder, an output path that is a file, a database URL without a
driver).  The CLI prints its message as one line (plus ``hint`` when there is one) and exits
with ``exit_code``; anything else that escapes is a bug in propgrade and is reported as one,
with a traceback, never as "Try --help".
"""

from __future__ import annotations

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
