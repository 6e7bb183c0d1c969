"""``propgrade``: a thin command line over the Python API.

Option defaults are read from the API functions' own keyword defaults, so the two cannot
drift.  Exit codes: 0 success (for ``grade``: the batch was graded, whatever the scores; for
``check``: every property passed), 1 a check failed / validation found a miss, 2 usage or
input errors (with a "Try --help" hint).
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from graders import registry, report

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _default(func: Callable[..., Any], name: str) -> Any:
    return inspect.signature(func).parameters[name].default


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # click-style: the message and a hint, exit 2
        self.print_usage(sys.stderr)
        report.fail(f"{message}\nTry '{self.prog} --help' for help.")
        raise SystemExit(EXIT_USAGE)


def _assignment(value: str) -> str:
    if value not in registry.ASSIGNMENTS:
        raise argparse.ArgumentTypeError(
            f"unknown assignment {value!r}; choose from {', '.join(registry.ASSIGNMENTS)}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from graders.check import run_check
    from graders.grade.batch import grade_batch

    parser = _Parser(prog="propgrade", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("check", help="check your own files with the public properties")
    p.add_argument("assignment", type=_assignment)
    p.add_argument("path", nargs="?", type=Path,
                   help="your module, notebook or folder (default: ./<assignment>.py)")
    p.add_argument("--hidden", action="store_true", default=_default(run_check, "hidden"),
                   help="staff: also run the hidden properties")
    p.add_argument("--sandbox", choices=["auto", "bwrap", "plain"],
                   default=_default(run_check, "sandbox"))

    g = sub.add_parser("grade", help="grade a folder of submissions (one sub-folder per student)")
    g.add_argument("submissions", type=Path)
    g.add_argument("--assignment", "-a", type=_assignment, required=True)
    g.add_argument("--out", "-o", type=Path, required=True)
    g.add_argument("--jobs", "-j", type=int, default=_default(grade_batch, "jobs"))
    g.add_argument("--regrade", action="store_true", default=_default(grade_batch, "regrade"),
                   help="grade again even students whose submission and graders are unchanged")
    g.add_argument("--db", default=_default(grade_batch, "db"),
                   help="SQLAlchemy URL of the results store (default: OUT/propgrade.sqlite)")
    g.add_argument("--sandbox", choices=["auto", "bwrap", "plain"],
                   default=_default(grade_batch, "sandbox"))
    g.add_argument("--memory-mb", type=int, default=_default(grade_batch, "memory_mb"))
    g.add_argument("--call-seconds", type=float, default=_default(grade_batch, "call_seconds"))
    g.add_argument("--submission-seconds", type=float,
                   default=_default(grade_batch, "submission_seconds"))
    g.add_argument("--gradebook", type=Path, default=None,
                   help="also write the scores into this nbgrader gradebook.db")
    g.add_argument("--release-hidden", action="store_true",
                   default=_default(grade_batch, "release_hidden"),
                   help="show hidden checks' results and feedback in results.json and "
                        "feedback.html (default: their title and points only)")

    gen = sub.add_parser("generate", help="write the student release of an assignment")
    gen.add_argument("assignment", type=_assignment)
    gen.add_argument("--out", "-o", type=Path, required=True)

    v = sub.add_parser("validate", help="prove the graders on the reference, stubs and mutants")
    v.add_argument("assignment", nargs="?", type=_assignment)
    v.add_argument("--all", action="store_true")
    v.add_argument("--jobs", "-j", type=int, default=1)

    a = sub.add_parser("autograder", help="build a Gradescope autograder.zip")
    a.add_argument("assignment", type=_assignment)
    a.add_argument("--out", "-o", type=Path, required=True)

    sub.add_parser("doctor", help="what this machine provides for sandboxing student code")

    d = sub.add_parser("demo", help="grade the bundled example submissions of every assignment")
    d.add_argument("--out", "-o", type=Path, default=Path("demo-out"))
    d.add_argument("--jobs", "-j", type=int, default=2)
    return parser


# --- commands ---------------------------------------------------------------------------

def cmd_check(ns: argparse.Namespace) -> int:
    from graders.check import run_check

    result = run_check(ns.assignment, ns.path, hidden=ns.hidden, sandbox=ns.sandbox)
    report.show_result(result, release_hidden=ns.hidden)  # --hidden: staff see everything
    return EXIT_OK if result.score == result.max_score and result.tests else EXIT_FAILED


def _progress_bar() -> tuple[Callable[..., None], Callable[[], None]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("{task.description}"),
                   console=report.err, transient=False)
    task = bar.add_task("", total=None)
    bar.start()

    def update(done: int, total: int, result: Any) -> None:
        desc = "" if result is None else f"{result.student_id}: {result.score:g}/{result.max_score:g}"
        bar.update(task, completed=done, total=total, description=report.escape(desc[:40]))

    return update, bar.stop


def cmd_grade(ns: argparse.Namespace) -> int:
    from graders.grade.batch import grade_batch

    if not ns.submissions.is_dir():
        report.fail(f"{ns.submissions} is not a folder of submissions\n"
                    "Try 'propgrade grade --help' for help.")
        return EXIT_USAGE
    if ns.jobs < 1:
        report.fail("--jobs must be at least 1")
        return EXIT_USAGE
    update, stop = _progress_bar()
    try:
        result = grade_batch(ns.submissions, ns.assignment, ns.out, jobs=ns.jobs,
                             regrade=ns.regrade, db=ns.db, sandbox=ns.sandbox,
                             memory_mb=ns.memory_mb, call_seconds=ns.call_seconds,
                             submission_seconds=ns.submission_seconds, progress=update,
                             release_hidden=ns.release_hidden)
    finally:
        stop()
    for w in result.warnings:
        report.warn(w)
    if ns.gradebook is not None:
        from graders.export.gradebook import write_gradebook

        write_gradebook(ns.gradebook, ns.assignment, result.results)
        report.console.print(f"gradebook: {ns.gradebook}")
    report.console.print(report.batch_table(result.results, f"{ns.assignment}"))
    report.console.print(f"graded {result.graded}, unchanged and skipped {result.skipped}, "
                         f"in {result.seconds:.1f} s → {ns.out}/grades.csv, "
                         f"{ns.out}/<student>/results.json, feedback.html, summary.png")
    return EXIT_OK


def cmd_generate(ns: argparse.Namespace) -> int:
    from graders.assign.release import generate

    written = generate(ns.assignment, ns.out)
    for path in written:
        report.console.print(f"wrote {path}")
    return EXIT_OK


def cmd_validate(ns: argparse.Namespace) -> int:
    from graders.validate import render, validate

    if not ns.all and ns.assignment is None:
        report.fail("name an assignment or pass --all\nTry 'propgrade validate --help' for help.")
        return EXIT_USAGE
    ids = list(registry.ASSIGNMENTS) if ns.all else [ns.assignment]
    ok = True
    for assignment in ids:
        matrix = validate(assignment)
        report.console.print(render(matrix))
        ok &= matrix.ok
    return EXIT_OK if ok else EXIT_FAILED


def cmd_autograder(ns: argparse.Namespace) -> int:
    from graders.assign.autograder import build_autograder

    path = build_autograder(ns.assignment, ns.out)
    report.console.print(f"wrote {path}")
    return EXIT_OK


def cmd_doctor(ns: argparse.Namespace) -> int:
    from graders.grade.doctor import render
    from graders.grade.doctor import report as doctor_report

    report.console.print(render(doctor_report()))
    return EXIT_OK


def cmd_demo(ns: argparse.Namespace) -> int:
    from graders.demo import run_demo

    return run_demo(ns.out, jobs=ns.jobs)


COMMANDS = {"check": cmd_check, "grade": cmd_grade, "generate": cmd_generate,
            "validate": cmd_validate, "autograder": cmd_autograder, "doctor": cmd_doctor,
            "demo": cmd_demo}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        return COMMANDS[ns.command](ns)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        report.fail(f"{exc}\nTry 'propgrade {ns.command} --help' for help.")
        return EXIT_USAGE


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
