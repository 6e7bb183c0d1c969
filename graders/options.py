"""The options of each ``propgrade`` command: one function per command adds its arguments.

Defaults are read from the API functions' own keyword defaults (``_default``), so the command
line and the Python API cannot drift; limits default to ``None``, meaning "the manifest's
``[limits]``, else the engine's", and a flag given overrides both.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graders import registry
from graders.errors import UsageError


def _default(func: Callable[..., Any], name: str) -> Any:
    return inspect.signature(func).parameters[name].default


def _assignment(value: str) -> str:
    try:
        return registry.get(value).id
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _at_least_1(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, at least 1; got {value!r}")
    return int(value)


def _seconds(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        x = float("nan")
    if not x > 0:  # NaN included
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0; got {value!r}")
    return x


def _scheduler(value: str) -> str:
    """A Dask scheduler's address, ``SCHEME://HOST:PORT`` (checked here, reached later)."""
    scheme, _, rest = value.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls", "ws", "wss", "ucx") or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(
            f"expected a Dask scheduler's address like tcp://HOST:8786; got {value!r}"
        )
    return value


def _limit_arguments(p: argparse.ArgumentParser) -> None:
    """--memory-mb, --call-seconds, --submission-seconds: each overrides the manifest."""
    from graders.sandbox.limits import Limits

    base = Limits()
    manifest = "the manifest's [limits] {} when it sets one (default: {})"
    p.add_argument(
        "--memory-mb",
        type=_at_least_1,
        default=None,
        help="memory limit of a student's process, in MB: "
        + manifest.format("memory_mb", base.memory_bytes // 1024**2),
    )
    p.add_argument(
        "--call-seconds",
        type=_seconds,
        default=None,
        help="time limit of one call of a student's function: "
        + manifest.format("call_seconds", base.call_seconds),
    )
    p.add_argument(
        "--submission-seconds",
        type=_seconds,
        default=None,
        help="time limit of one student's whole grading: "
        + manifest.format("submission_seconds", base.submission_seconds),
    )


def _check_arguments(p: argparse.ArgumentParser, which: str, staff: bool) -> None:
    from graders.check import run_check

    p.add_argument("assignment", type=_assignment, metavar="ASSIGNMENT", help=which)
    p.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="PATH",
        help="your module, notebook or folder (default: ./<assignment>.py)",
    )
    p.add_argument(
        "--hidden",
        action="store_true",
        default=_default(run_check, "hidden"),
        help="staff: also run the hidden properties" if staff else argparse.SUPPRESS,
    )
    p.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "plain"],
        default=_default(run_check, "sandbox"),
        help="how to contain your code: bubblewrap when it runs here (auto), "
        "always (bwrap) or never (plain)",
    )
    _limit_arguments(p)


def _grade_arguments(g: argparse.ArgumentParser, which: str, staff: bool) -> None:
    from graders.grade.batch import grade_batch

    g.add_argument(
        "submissions",
        type=Path,
        metavar="SUBMISSIONS",
        help="the batch: one sub-folder per student, named by the student id",
    )
    g.add_argument("--assignment", "-a", type=_assignment, required=True, help=which)
    g.add_argument(
        "--out",
        "-o",
        type=Path,
        required=True,
        help="folder for grades.csv, <student>/results.json, feedback, summary",
    )
    g.add_argument(
        "--jobs",
        "-j",
        type=_at_least_1,
        default=_default(grade_batch, "jobs"),
        help="students graded in parallel (one judge and sandbox each)",
    )
    g.add_argument(
        "--regrade",
        action="store_true",
        default=_default(grade_batch, "regrade"),
        help="grade again even students whose submission and graders are unchanged",
    )
    g.add_argument(
        "--db",
        default=_default(grade_batch, "db"),
        help="SQLAlchemy URL of the results store, e.g. "
        "postgresql+psycopg://user@host/db (default: OUT/propgrade.sqlite)",
    )
    g.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "plain"],
        default=_default(grade_batch, "sandbox"),
        help="bubblewrap when it runs here (auto), always (bwrap) or never (plain)",
    )
    g.add_argument(
        "--scheduler",
        type=_scheduler,
        metavar="tcp://HOST:PORT",
        default=_default(grade_batch, "scheduler"),
        help="grade on this Dask cluster's workers (each with propgrade, the "
        "course and bubblewrap); this machine writes the store and OUT",
    )
    _limit_arguments(g)
    g.add_argument(
        "--gradebook",
        type=Path,
        default=None,
        help="also write the scores into this nbgrader gradebook.db",
    )
    g.add_argument(
        "--release-hidden",
        action="store_true",
        default=_default(grade_batch, "release_hidden"),
        help="show hidden checks' results and feedback in results.json and "
        "feedback.html (default: their title and points only)",
    )


def _export_arguments(p: argparse.ArgumentParser, which: str, staff: bool) -> None:
    from graders.export.lms import DEFAULT_ID_COLUMN, KINDS
    from graders.export.stage import export_batch

    p.add_argument(
        "out",
        type=Path,
        metavar="OUT",
        help="the folder propgrade grade wrote (its results store is read, never its files)",
    )
    p.add_argument(
        "--db",
        default=_default(export_batch, "db"),
        help="SQLAlchemy URL of the results store the batch was graded into "
        "(default: OUT/propgrade.sqlite)",
    )
    p.add_argument(
        "--release-hidden",
        action="store_true",
        default=_default(export_batch, "release_hidden"),
        help="show hidden checks' results and feedback in results.json and "
        "feedback.html (default: their title and points only)",
    )
    lms = p.add_argument_group("LMS grade import (instead of OUT's files)")
    lms.add_argument(
        "--to", choices=KINDS, default=None, help="write the grade-import CSV of this LMS"
    )
    lms.add_argument(
        "--roster",
        type=Path,
        default=None,
        metavar="ROSTER.csv",
        help="the LMS's own gradebook export (Canvas: Grades > Export)",
    )
    lms.add_argument(
        "--out",
        "-o",
        dest="dest",
        type=Path,
        default=None,
        metavar="FILE",
        help="the import CSV to write",
    )
    lms.add_argument(
        "--id-column",
        default=None,
        metavar="COL",
        help="the roster column holding propgrade's student ids (default: "
        + ", ".join(f"{v!r} for {k}" for k, v in DEFAULT_ID_COLUMN.items())
        + ")",
    )
    lms.add_argument(
        "--assignment",
        dest="lms_assignment",
        default=None,
        metavar="ID",
        help="Canvas: the id of the assignment to update (the column becomes "
        "'Title (ID)'); without it Canvas matches the title or makes a new "
        "assignment",
    )


def _generate_arguments(p: argparse.ArgumentParser, which: str, staff: bool) -> None:
    p.add_argument("assignment", type=_assignment, metavar="ASSIGNMENT", help=which)
    p.add_argument(
        "--out",
        "-o",
        type=Path,
        default=None,
        help="folder for the notebook, the stub and checker/ (default: with --course "
        "an nbgrader course, its source/ID/, release/ID/ and gradebook, "
        "the checker in checker/ID/)",
    )


def _validate_arguments(p: argparse.ArgumentParser, which: str, staff: bool) -> None:
    p.add_argument(
        "assignment", nargs="?", type=_assignment, metavar="ASSIGNMENT", help=f"{which} (or --all)"
    )
    p.add_argument("--all", action="store_true", default=False, help="every assignment")
    # validate()'s own default, written out: importing graders.validate here would import
    # the staff-only catalog while building the parser (test_cli holds the two equal)
    p.add_argument(
        "--jobs", "-j", type=_at_least_1, default=1, help="submissions graded in parallel"
    )


def _autograder_arguments(p: argparse.ArgumentParser, which: str, staff: bool) -> None:
    p.add_argument("assignment", type=_assignment, metavar="ASSIGNMENT", help=which)
    p.add_argument(
        "--out",
        "-o",
        type=Path,
        required=True,
        help="the .zip to write, or a folder for <assignment>-autograder.zip",
    )


def _demo_arguments(p: argparse.ArgumentParser, which: str, staff: bool) -> None:
    from graders.demo import run_demo

    p.add_argument(
        "--out",
        "-o",
        type=Path,
        default=Path("demo-out"),
        help="folder for the examples and their grades",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=_at_least_1,
        default=_default(run_demo, "jobs"),
        help="students graded in parallel",
    )


def _init_arguments(p: argparse.ArgumentParser, which: str, staff: bool) -> None:
    p.add_argument(
        "folder",
        type=Path,
        metavar="DIR",
        help="the course folder (created when missing; may be an nbgrader root)",
    )
    p.add_argument(
        "--name",
        default=None,
        help="the course's name in propgrade.toml (default: the folder's name)",
    )


def _new_arguments(p: argparse.ArgumentParser, which: str, staff: bool) -> None:
    p.add_argument(
        "assignment",
        metavar="ID",
        help="the new assignment's id: a lower-case Python identifier, the student's module name",
    )
    p.add_argument(
        "--title",
        default=None,
        help="the assignment's title (default: from the id); edit the manifest later",
    )
    p.add_argument(
        "--into-bundled",
        action="store_true",
        help="staff maintaining propgrade itself: write into the bundled course of "
        "this checkout (refused without it, and in an installed propgrade)",
    )


ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser, str, bool], None]] = {
    "check": _check_arguments,
    "grade": _grade_arguments,
    "export": _export_arguments,
    "generate": _generate_arguments,
    "validate": _validate_arguments,
    "autograder": _autograder_arguments,
    "doctor": lambda p, which, staff: None,
    "demo": _demo_arguments,
    "init": _init_arguments,
    "new": _new_arguments,
}
