"""``propgrade``: a thin command line over the Python API.

Option defaults are read from the API functions' own keyword defaults, so the two cannot
drift, and every ``--help`` shows them.  A user's mistake is one line, ``error: <message>``
(plus a "Try 'propgrade CMD --help'" hint for usage errors), never a traceback; anything else
that escapes is a bug and is reported as one.  Exit codes (2-4 are the ``exit_code`` of the
``UserError`` classes in graders/errors.py):

* 0 success (``grade``: the batch was graded, whatever the scores; ``check``: all passed)
* 1 a check failed (``check``), or ``validate`` found a miss
* 2 ``UsageError``: an unknown assignment, a bad option value, a ``--db`` that is not a URL
* 3 ``InputError``: a path that cannot be used as asked (SUBMISSIONS missing, ``--out`` a file)
* 4 ``EnvironmentProblem``: something missing here (a database driver or server, bubblewrap
  when asked for, a staff command in the student checker)
* 70 internal error: a bug in propgrade; its traceback follows, please report it
* 130 interrupted (Ctrl-C)

In a student release (the ``checker/`` of ``propgrade generate``: no hidden graders, no
reference) only ``check`` and ``doctor`` are offered; a staff command says it is for staff.

Every command takes ``--course DIR``, the course whose assignments it uses (default: the
course the current folder is in, else the bundled course; graders/course.py).  It is read
before the parser is built, because the assignment ids the parser accepts are the course's.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from graders import course as courses
from graders import registry, report
from graders.errors import (
    EXIT_FAILED,
    EXIT_OK,
    EnvironmentProblem,
    InputError,
    UsageError,
    UserError,
)
from graders.options import ARGUMENTS

EXIT_INTERNAL, EXIT_INTERRUPTED = 70, 130  # BSD sysexits' EX_SOFTWARE; the shell's 128 + SIGINT

STUDENT_COMMANDS = ("check", "doctor")
#: need what a student release does not ship (hidden graders, reference, catalog, nbgrader);
#: ``grade`` there would silently award the public points only
STAFF_COMMANDS = ("grade", "export", "generate", "validate", "autograder", "demo", "init",
                  "new")

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
    def error(self, message: str) -> None:  # click-style: one line and a hint, exit 2
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
COURSE_HELP = ("the course whose assignments to use (default: the course the current folder "
               "is in, else the bundled course; an id it lacks is looked up in the bundled "
               "course)")


def build_parser(staff: bool | None = None) -> argparse.ArgumentParser:
    """The parser; without ``staff`` (default: the hidden graders are importable here), only
    the student commands."""
    from graders.grade.examples import default_cache_dir

    staff = registry.hidden_available() if staff is None else staff
    parser = _Parser(prog="propgrade", formatter_class=_Help, epilog=EXIT_EPILOG,
                     description="property-based grading of the course's NumPy assignments"
                     if staff else "propgrade's student checker: check your own files with "
                     "the public properties\n(the course staff's commands are not part of it)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    which = f"the assignment: {', '.join(registry.ASSIGNMENTS)}"
    cache = CACHE_EPILOG.format(here=default_cache_dir().parent)
    for name in COMMANDS:  # in the order of COMMANDS, the student's first
        if staff or name in STUDENT_COMMANDS:
            p = sub.add_parser(name, help=HELP[name], description=HELP[name],
                               formatter_class=_Help,
                               epilog=cache if name in ("check", "grade") else None)
            ARGUMENTS[name](p, which, staff)
            if name != "init":
                p.add_argument("--course", type=Path, metavar="DIR", help=COURSE_HELP)
    return parser


def _course_option(args: Sequence[str]) -> Path | None:
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


def _open_course(folder: Path) -> courses.Course:
    """``--course DIR``: a propgrade course, or an nbgrader course root (``nbgrader_config.py``
    or ``gradebook.db``) that is not one, whose assignment ids are then the bundled ones."""
    from graders.nbgrader_env import is_nbgrader_course

    root = folder.expanduser().resolve()
    if root.is_dir() and not courses.is_course(root) and is_nbgrader_course(root):
        return courses.Course(root)
    return courses.open_course(folder)


# --- checks of what the user named --------------------------------------------------------

def _output(path: Path, option: str = "--out", folder: bool = True) -> None:
    """Refuse, in one line, an output path that cannot be written as asked: a folder that is
    a file, a file that is a folder, or a path inside a file.  What is missing is created."""
    if not folder and path.is_dir():
        raise InputError(f"{option} {path} is a folder; name the file to write")
    start = path if folder else path.parent
    for p in (start, *start.parents):
        if p.is_dir():
            return
        if os.path.lexists(p):  # a file, or a link to nowhere
            where = "" if p == path else f": {p}"
            raise InputError(f"{option} {path}{where} is a file, not a folder")


# --- commands ---------------------------------------------------------------------------

def staff_diagnoser() -> Any:
    """The catalog's diagnoser factory for staff; ``None`` in a student release, which has no
    catalog (its checker diagnoses from shipped data, graders.check.misconceptions)."""
    if not registry.hidden_available():
        return None
    from graders.diagnose import optional_diagnoser

    return optional_diagnoser


def cmd_check(ns: argparse.Namespace) -> int:
    from graders.check import run_check

    if ns.hidden and not registry.hidden_available():
        raise EnvironmentProblem("--hidden is for course staff: the student checker has no "
                                 "hidden properties")
    if ns.path is not None and not os.path.lexists(ns.path):
        raise InputError(f"{ns.path} does not exist")
    result = run_check(ns.assignment, ns.path, hidden=ns.hidden, sandbox=ns.sandbox,
                       memory_mb=ns.memory_mb, call_seconds=ns.call_seconds,
                       submission_seconds=ns.submission_seconds, diagnoser_for=staff_diagnoser())
    report.show_result(result, release_hidden=ns.hidden)  # --hidden: staff see everything
    return EXIT_OK if result.score == result.max_score and result.tests else EXIT_FAILED


def progress_line(grading: frozenset[str], last: str) -> str:
    """The progress bar's text: the students being graded now, then the last one finished."""
    parts = [", ".join(sorted(grading))] if grading else []
    return " · ".join(parts + ([f"last: {last}"] if last else []))


def _progress_bar() -> tuple[Callable[..., None], Callable[[], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("{task.description}"),
                   console=report.err, transient=False)
    task = bar.add_task("", total=None)
    state = {"last": "", "started": False}

    def update(done: int, total: int, result: Any, grading: frozenset[str]) -> None:
        if not state["started"]:  # shown from the first student on: a refused --db stays 1 line
            bar.start()
            state["started"] = True
        if result is not None:
            state["last"] = f"{result.student_id} {result.score:g}/{result.max_score:g}"
        text = progress_line(grading, str(state["last"]))
        text = text if len(text) <= 60 else text[:59] + "…"
        bar.update(task, completed=done, total=total, description=report.escape(text))

    def stop() -> None:
        if state["started"]:
            bar.stop()

    return update, stop


def cmd_grade(ns: argparse.Namespace) -> int:
    from graders.grade.batch import grade_batch

    if not ns.submissions.is_dir():
        what = "is a file" if os.path.lexists(ns.submissions) else "does not exist"
        raise InputError(f"SUBMISSIONS {ns.submissions} {what}: expected a folder with one "
                         "sub-folder per student")
    _output(ns.out)
    if ns.gradebook is not None:
        _output(ns.gradebook, "--gradebook", folder=False)
    from graders.export.nbgrader_course import batch_course

    nbgrader = batch_course(ns.submissions, courses.current().root)
    update, stop = _progress_bar()
    try:
        result = grade_batch(ns.submissions, ns.assignment, ns.out, jobs=ns.jobs,
                             regrade=ns.regrade, db=ns.db, sandbox=ns.sandbox,
                             memory_mb=ns.memory_mb, call_seconds=ns.call_seconds,
                             submission_seconds=ns.submission_seconds, progress=update,
                             release_hidden=ns.release_hidden, scheduler=ns.scheduler,
                             nbgrader=nbgrader, diagnoser_for=staff_diagnoser())
    finally:
        stop()
    for w in result.warnings:
        report.warn(w)
    if ns.gradebook is not None:
        from graders.export.gradebook import write_gradebook

        write_gradebook(ns.gradebook, ns.assignment, result.results)
        report.console.print(f"gradebook: {ns.gradebook}")
    if nbgrader is not None:
        report.console.print(f"nbgrader course {nbgrader}: autograded/, feedback/ and the "
                             "gradebook hold these grades")
    report.console.print(report.batch_table(result.results, f"{ns.assignment}"))
    report.console.print(f"graded {result.graded}, unchanged and skipped {result.skipped}, "
                         f"in {result.seconds:.1f} s → {ns.out}/grades.csv, "
                         f"{ns.out}/<student>/results.json, feedback.html, summary.png")
    return EXIT_OK


def cmd_export(ns: argparse.Namespace) -> int:
    lms = (ns.roster, ns.dest, ns.id_column, ns.lms_assignment)
    if ns.to is None:
        if any(v is not None for v in lms):
            raise UsageError("--roster, --out, --id-column and --assignment go with --to "
                             "canvas|moodle")
        from graders.export.stage import export_batch

        done = export_batch(ns.out, db=ns.db, release_hidden=ns.release_hidden)
        for w in done.warnings:
            report.warn(w)
        report.console.print(f"exported {len(done.results)} student(s) of {done.assignment} "
                             f"→ {ns.out}/grades.csv, <student>/results.json, feedback.html, "
                             "summary")
        return EXIT_OK
    if ns.roster is None or ns.dest is None:
        raise UsageError(f"--to {ns.to} needs --roster ROSTER.csv and --out FILE")
    if ns.release_hidden:
        raise UsageError("--release-hidden is for OUT's files; an LMS import holds scores only")
    from graders.export.lms import export_lms

    _output(ns.dest, folder=False)
    report.show_lms_export(export_lms(ns.out, ns.to, ns.roster, ns.dest, db=ns.db,
                                      id_column=ns.id_column,
                                      lms_assignment=ns.lms_assignment))
    return EXIT_OK


def cmd_generate(ns: argparse.Namespace) -> int:
    from graders.assign.release import generate
    from graders.nbgrader_env import is_nbgrader_course

    if ns.out is not None:
        _output(ns.out)
        written = generate(ns.assignment, ns.out)
    elif is_nbgrader_course(courses.current().root):
        from graders.assign.course_release import generate_in_course

        written = generate_in_course(ns.assignment, courses.current().root)
    elif ns.course is not None:
        raise UsageError(f"--course {ns.course} is not an nbgrader course (no nbgrader_config.py "
                         "or gradebook.db), so there is no release/ to write into: name --out DIR")
    else:
        raise UsageError("name --out DIR, or --course an nbgrader course (its release/ is used)")
    for path in written:
        report.console.print(f"wrote {path}")
    return EXIT_OK


def cmd_validate(ns: argparse.Namespace) -> int:
    from graders.validate import render, validate

    if ns.all == (ns.assignment is not None):  # neither, or both
        raise UsageError("name one assignment or pass --all" + (", not both" if ns.all else ""))
    ids = courses.current().ids() if ns.all else [ns.assignment]
    ok = True
    for assignment in ids:
        matrix = validate(assignment, jobs=ns.jobs)
        report.console.print(render(matrix))
        ok &= matrix.ok
    return EXIT_OK if ok else EXIT_FAILED


def cmd_autograder(ns: argparse.Namespace) -> int:
    from graders.assign.autograder import build_autograder

    _output(ns.out, folder=ns.out.suffix != ".zip")  # build_autograder's rule for a file
    path = build_autograder(ns.assignment, ns.out)
    report.console.print(f"wrote {path}")
    return EXIT_OK


def cmd_doctor(ns: argparse.Namespace) -> int:
    from graders.sandbox.doctor import render
    from graders.sandbox.doctor import report as doctor_report

    report.console.print(render(doctor_report()))
    return EXIT_OK


def cmd_demo(ns: argparse.Namespace) -> int:
    from graders.demo import run_demo

    _output(ns.out)
    return run_demo(ns.out, jobs=ns.jobs, topics=courses.current().ids())


def cmd_init(ns: argparse.Namespace) -> int:
    from graders.assign.scaffold import init_course

    made = init_course(ns.folder, ns.name)
    report.console.print(f"made the course {made.root}; add an assignment with "
                         f"propgrade new ID --course {ns.folder}")
    return EXIT_OK


def cmd_new(ns: argparse.Namespace) -> int:
    from graders.assign.scaffold import new_assignment

    target = courses.current()
    if target.bundled:
        raise UsageError("propgrade new writes into a course of your own: name it with "
                         "--course DIR (make one with propgrade init DIR)")
    for path in new_assignment(ns.assignment, target, ns.title):
        report.console.print(f"wrote {path}")
    report.console.print(f"next: propgrade validate {ns.assignment} --course {target.root}")
    return EXIT_OK


COMMANDS = {"check": cmd_check, "grade": cmd_grade, "export": cmd_export,
            "generate": cmd_generate,
            "validate": cmd_validate, "autograder": cmd_autograder, "doctor": cmd_doctor,
            "demo": cmd_demo, "init": cmd_init, "new": cmd_new}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a ``UserError`` is one line and its exit code, anything else a bug."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = next((a for a in args if not a.startswith("-")), "")
    prog = f"propgrade {name}" if name in COMMANDS else "propgrade"
    try:
        staff = registry.hidden_available()
        if name in STAFF_COMMANDS and not staff:
            raise EnvironmentProblem(
                f"'propgrade {name}' is for course staff; this student checker offers "
                f"{' and '.join(f'propgrade {c}' for c in STUDENT_COMMANDS)}")
        folder = _course_option(args)
        with courses.using(_open_course(folder) if folder is not None
                           else courses.default()):
            ns = build_parser(staff).parse_args(args)
            return COMMANDS[ns.command](ns)
    except UserError as exc:
        hint = exc.hint or (f"Try '{prog} --help' for help." if isinstance(exc, UsageError)
                            else "")
        report.fail(exc.message, hint)
        return exc.exit_code
    except KeyboardInterrupt:
        report.fail("interrupted")
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - not the user's mistake: say it is ours, show everything
        report.internal_error(traceback.format_exc())
        return EXIT_INTERNAL


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
