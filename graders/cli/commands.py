"""The bodies of ``propgrade``'s commands (``COMMANDS``): each takes the parsed arguments and
returns the exit code; a user's mistake raises a ``UserError`` (graders/cli/__init__.py turns
it into one line and its exit code).  The API they call is imported when a command runs, so
``--help`` and the student checker load none of it.

A student release offers ``STUDENT_COMMANDS`` only; the others need what it does not ship.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from graders import course as courses
from graders import registry, report
from graders.errors import EXIT_FAILED, EXIT_OK, EnvironmentProblem, InputError, UsageError

STUDENT_COMMANDS = ("check", "doctor")
#: need what a student release does not ship (hidden graders, reference, catalog, nbgrader);
#: ``grade`` there would silently award the public points only
STAFF_COMMANDS = ("grade", "export", "generate", "validate", "autograder", "demo", "init", "new")


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
        raise EnvironmentProblem(
            "--hidden is for course staff: the student checker has no hidden properties"
        )
    if ns.path is not None and not os.path.lexists(ns.path):
        raise InputError(f"{ns.path} does not exist")
    result = run_check(
        ns.assignment,
        ns.path,
        hidden=ns.hidden,
        sandbox=ns.sandbox,
        memory_mb=ns.memory_mb,
        call_seconds=ns.call_seconds,
        submission_seconds=ns.submission_seconds,
        diagnoser_for=staff_diagnoser(),
    )
    report.show_result(result, release_hidden=ns.hidden)  # --hidden: staff see everything
    return EXIT_OK if result.score == result.max_score and result.tests else EXIT_FAILED


def cmd_grade(ns: argparse.Namespace) -> int:
    from graders.grade.batch import grade_batch

    if not ns.submissions.is_dir():
        what = "is a file" if os.path.lexists(ns.submissions) else "does not exist"
        raise InputError(
            f"SUBMISSIONS {ns.submissions} {what}: expected a folder with one "
            "sub-folder per student"
        )
    _output(ns.out)
    if ns.gradebook is not None:
        _output(ns.gradebook, "--gradebook", folder=False)
    from graders.export.nbgrader_course import batch_course

    nbgrader = batch_course(ns.submissions, courses.current().root)
    update, stop = report.progress_bar()
    try:
        result = grade_batch(
            ns.submissions,
            ns.assignment,
            ns.out,
            jobs=ns.jobs,
            regrade=ns.regrade,
            db=ns.db,
            sandbox=ns.sandbox,
            memory_mb=ns.memory_mb,
            call_seconds=ns.call_seconds,
            submission_seconds=ns.submission_seconds,
            progress=update,
            release_hidden=ns.release_hidden,
            scheduler=ns.scheduler,
            nbgrader=nbgrader,
            diagnoser_for=staff_diagnoser(),
        )
    finally:
        stop()
    for w in result.warnings:
        report.warn(w)
    if ns.gradebook is not None:
        from graders.export.gradebook import write_gradebook

        write_gradebook(ns.gradebook, ns.assignment, result.results)
        report.console.print(f"gradebook: {ns.gradebook}")
    if nbgrader is not None:
        report.console.print(
            f"nbgrader course {nbgrader}: autograded/, feedback/ and the "
            "gradebook hold these grades"
        )
    report.console.print(report.batch_table(result.results, f"{ns.assignment}"))
    report.console.print(
        f"graded {result.graded}, unchanged and skipped {result.skipped}, "
        f"in {result.seconds:.1f} s → {ns.out}/grades.csv, "
        f"{ns.out}/<student>/results.json, feedback.html, summary.png"
    )
    return EXIT_OK


def cmd_export(ns: argparse.Namespace) -> int:
    lms = (ns.roster, ns.dest, ns.id_column, ns.lms_assignment)
    if ns.to is None:
        if any(v is not None for v in lms):
            raise UsageError(
                "--roster, --out, --id-column and --assignment go with --to canvas|moodle"
            )
        from graders.export.stage import export_batch

        done = export_batch(ns.out, db=ns.db, release_hidden=ns.release_hidden)
        for w in done.warnings:
            report.warn(w)
        report.console.print(
            f"exported {len(done.results)} student(s) of {done.assignment} "
            f"→ {ns.out}/grades.csv, <student>/results.json, feedback.html, "
            "summary"
        )
        return EXIT_OK
    if ns.roster is None or ns.dest is None:
        raise UsageError(f"--to {ns.to} needs --roster ROSTER.csv and --out FILE")
    if ns.release_hidden:
        raise UsageError("--release-hidden is for OUT's files; an LMS import holds scores only")
    from graders.export.lms import export_lms

    _output(ns.dest, folder=False)
    report.show_lms_export(
        export_lms(
            ns.out,
            ns.to,
            ns.roster,
            ns.dest,
            db=ns.db,
            id_column=ns.id_column,
            lms_assignment=ns.lms_assignment,
        )
    )
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
        raise UsageError(
            f"--course {ns.course} is not an nbgrader course (no nbgrader_config.py "
            "or gradebook.db), so there is no release/ to write into: name --out DIR"
        )
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
    report.console.print(
        f"made the course {made.root}; add an assignment with propgrade new ID --course {ns.folder}"
    )
    return EXIT_OK


def cmd_new(ns: argparse.Namespace) -> int:
    from graders.assign.scaffold import new_assignment

    target = courses.current()
    if target.bundled and not ns.into_bundled:
        raise UsageError(
            "propgrade new writes into a course of your own: name it with "
            "--course DIR (make one with propgrade init DIR); maintainers adding "
            "a bundled assignment in a checkout pass --into-bundled"
        )
    if target.bundled and not (target.root / "pyproject.toml").is_file():
        raise UsageError(
            f"--into-bundled: {target.root} is an installed propgrade, not a "
            "checkout; its files would be lost on the next install"
        )
    for path in new_assignment(ns.assignment, target, ns.title):
        report.console.print(f"wrote {path}")
    report.console.print(f"next: propgrade validate {ns.assignment} --course {target.root}")
    return EXIT_OK


COMMANDS = {
    "check": cmd_check,
    "grade": cmd_grade,
    "export": cmd_export,
    "generate": cmd_generate,
    "validate": cmd_validate,
    "autograder": cmd_autograder,
    "doctor": cmd_doctor,
    "demo": cmd_demo,
    "init": cmd_init,
    "new": cmd_new,
}
