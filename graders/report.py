"""The one place propgrade writes to the terminal (rich); library code never prints."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from graders.export.visibility import PRINTED_WITHHELD, student_view
from graders.results import SubmissionResult

if TYPE_CHECKING:
    from graders.export.lms import LmsExport

console = Console(stderr=False, highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False)


def show_result(
    result: SubmissionResult, verbose: bool = True, release_hidden: bool = False
) -> None:
    """A student's view: one line per check, then the details of each failure.  Hidden checks
    follow ``graders.export.visibility`` (title and points only, unless released)."""
    view = student_view(result, release_hidden)
    for m in view.messages:
        console.print(f"[yellow]![/] {escape(m)}")
    for t in view.checks:
        if t.withheld:
            console.print(
                f"[dim]·[/] {escape(t.name)} [dim](hidden, {_points(t.max_score)}: "
                "shown once released)[/]"
            )
            continue
        mark = "[green]✓[/]" if t.status == "passed" else "[red]✗[/]"
        console.print(f"{mark} {escape(t.name)} [dim]({t.score:g}/{t.max_score:g})[/]")
        if t.status != "passed" and verbose and t.output:
            for line in t.output.splitlines():
                console.print(f"    {escape(line)}", soft_wrap=True)
    if view.printed:
        console.print("[dim]Your code printed:[/]")
        console.print(escape(view.printed[:2000]), soft_wrap=True)
    elif view.printed_withheld:
        console.print(f"[dim]{escape(PRINTED_WITHHELD)}[/]")
    color = "green" if view.score == view.max_score else "red"
    if view.any_withheld:
        console.print(
            f"[bold {color}]Score on the public checks: {view.score:g} / "
            f"{view.max_score:g}[/] (hidden checks: {_points(view.withheld_points)})"
        )
    else:
        console.print(f"[bold {color}]Score: {view.score:g} / {view.max_score:g}[/]")


def _points(x: float) -> str:
    return f"{x:g} point" + ("" if x == 1 else "s")


def batch_table(results: list[SubmissionResult], title: str) -> Table:
    table = Table(title=title)
    table.add_column("student")
    table.add_column("score", justify="right")
    table.add_column("status")
    table.add_column("first problem")
    for r in sorted(results, key=lambda r: r.student_id):
        first = next((t.name for t in r.tests if t.status != "passed"), "")
        if r.messages:
            first = r.messages[0].splitlines()[0]
        table.add_row(
            escape(r.student_id), f"{r.score:g}/{r.max_score:g}", r.status, escape(first[:70])
        )
    return table


def show_lms_export(done: LmsExport) -> None:
    """An LMS export: one line for each student missing on either side, then what was written."""
    left = "left blank" if done.to == "canvas" else "not in the file"
    for sid, name in done.no_result:
        who = sid or f"(no {done.id_column})"
        warn(f"roster student {who}{f' ({name})' if name else ''} has no propgrade result: {left}")
    for sid in done.not_in_roster:
        warn(
            f"propgrade graded {sid}, who is not in the roster (column {done.id_column!r}): "
            "not exported"
        )
    if done.not_graded:
        warn(
            f"{len(done.not_graded)} exported with the 0 of grades.csv, their submission could "
            f"not be graded (see its message): {', '.join(done.not_graded)}"
        )
    console.print(
        f"wrote {escape(str(done.dest))}: {done.rows} student row(s), column "
        f"{escape(repr(done.column))}, out of {done.max_score:g}"
    )


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)  # one line each


def fail(message: str, hint: str = "") -> None:
    """A user's mistake: ``error: <message>`` on one line (never wrapped), then the hint."""
    err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    if hint:
        err.print(escape(hint), soft_wrap=True)


def internal_error(trace: str) -> None:
    """A bug in propgrade (not the user's mistake): say so, then the whole traceback."""
    err.print("[red]propgrade: internal error (a bug, please report it)[/]", soft_wrap=True)
    err.print(escape(trace.rstrip()), soft_wrap=True, highlight=False)


def isatty() -> bool:
    return sys.stdout.isatty()


# --- the progress bar of `propgrade grade` ----------------------------------------------


def progress_line(grading: frozenset[str], last: str) -> str:
    """The progress bar's text: the students being graded now, then the last one finished."""
    parts = [", ".join(sorted(grading))] if grading else []
    return " · ".join(parts + ([f"last: {last}"] if last else []))


def progress_bar() -> tuple[Callable[..., None], Callable[[], None]]:
    """``(update, stop)`` of `propgrade grade`'s progress bar on standard error; ``update(done,
    total, last_result_or_None, ids_being_graded_now)`` is grade_batch's ``progress``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("[bold]grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=False,
    )
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
        bar.update(task, completed=done, total=total, description=escape(text))

    def stop() -> None:
        if state["started"]:
            bar.stop()

    return update, stop
