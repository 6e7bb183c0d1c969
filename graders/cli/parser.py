"""``propgrade``'s argument parser: the commands' help, each option's default in it, and the
``--course`` option read before the parser is built (the course decides which assignment ids
the parser accepts).

A usage mistake found while parsing raises ``UsageError`` (one line and a "Try --help" hint,
exit 2), never argparse's own message and exit; the commands' arguments themselves are
graders/options.py's.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from graders import course as courses
from graders import registry
from graders.cli.commands import COMMANDS, STUDENT_COMMANDS
from graders.errors import UsageError
from graders.options import ARGUMENTS

CACHE_EPILOG = """\
example cache:
  The examples every submission is checked on are drawn once per machine and kept on
  disk with the shrink paths of earlier failures, in $PROPGRADE_CACHE (default:
  $XDG_CACHE_HOME/propgrade, else ~/.cache/propgrade); here: {here}
  Entries are keyed by everything that decides them (graders, reference, versions), so
  the cache never goes stale; delete it at any time with rm -rf ~/.cache/propgrade (or
  your $PROPGRADE_CACHE): the next run draws the examples again, once, more slowly."""
EXIT_EPILOG = """\
exit codes: 0 ok, 1 a check failed, 2 usage error, 3 input error (a path),
  4 environment problem (a driver, a server, a staff command here), 70 internal error (a bug)"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # click-style: one line and a hint, exit 2
        raise UsageError(message, hint=f"Try '{self.prog} --help' for help.")


class _Help(argparse.RawDescriptionHelpFormatter):
    """Each option's help ends with its default (the API's) or "(required)"."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if not action.option_strings or "default:" in text or action.default is argparse.SUPPRESS:
            return text
        if action.required:
            return f"{text} (required)"
        return f"{text} (default: {'none' if action.default is None else '%(default)s'})"


HELP = {
    "check": "check your own files with the public properties",
    "grade": "grade a folder of submissions (one sub-folder per student)",
    "export": "rewrite OUT's files from its results store, or write an LMS grade import",
    "generate": "write the student release of an assignment",
    "validate": "prove the graders on the reference, stubs and mutants",
    "autograder": "build a Gradescope autograder.zip",
    "doctor": "what this machine provides for sandboxing student code",
    "demo": "grade the bundled example submissions of every assignment",
    "init": "make a folder a course (an nbgrader course root may be one too)",
    "new": "scaffold an assignment in the course that validates as generated",
}
COURSE_HELP = (
    "the course whose assignments to use (default: the course the current folder "
    "is in, else the bundled course; an id it lacks is looked up in the bundled "
    "course)"
)


def build_parser(staff: bool | None = None) -> argparse.ArgumentParser:
    """The parser; without ``staff`` (default: the hidden graders are importable here), only
    the student commands."""
    from graders.grade.examples import default_cache_dir

    staff = registry.hidden_available() if staff is None else staff
    parser = _Parser(
        prog="propgrade",
        formatter_class=_Help,
        epilog=EXIT_EPILOG,
        description="property-based grading of the course's NumPy assignments"
        if staff
        else "propgrade's student checker: check your own files with "
        "the public properties\n(the course staff's commands are not part of it)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    which = f"the assignment: {', '.join(registry.ASSIGNMENTS)}"
    cache = CACHE_EPILOG.format(here=default_cache_dir().parent)
    for name in COMMANDS:  # in the order of COMMANDS, the student's first
        if staff or name in STUDENT_COMMANDS:
            p = sub.add_parser(
                name,
                help=HELP[name],
                description=HELP[name],
                formatter_class=_Help,
                epilog=cache if name in ("check", "grade") else None,
            )
            ARGUMENTS[name](p, which, staff)
            if name != "init":
                p.add_argument("--course", type=Path, metavar="DIR", help=COURSE_HELP)
    return parser


def course_option(args: Sequence[str]) -> Path | None:
    """``--course DIR`` (or ``--course=DIR``) of ``args``, read before parsing: the course
    decides which assignment ids the parser accepts."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--course":
            if i + 1 == len(args):
                raise UsageError("--course needs a folder")
            return Path(args[i + 1])
        if arg.startswith("--course="):
            return Path(arg.split("=", 1)[1])
    return None


def open_named_course(folder: Path) -> courses.Course:
    """``--course DIR``: a propgrade course, or an nbgrader course root (``nbgrader_config.py``
    or ``gradebook.db``) that is not one, whose assignment ids are then the bundled ones."""
    from graders.nbgrader_env import is_nbgrader_course

    root = folder.expanduser().resolve()
    if root.is_dir() and not courses.is_course(root) and is_nbgrader_course(root):
        return courses.Course(root)
    return courses.open_course(folder)
