"""The export stage: every file of OUT, regenerated from the results store alone.

``grade`` writes the store (one row per graded submission) and records which rows make up the
batch (graders/export/batch_record.py); then it calls :func:`export_batch`, and so does
``propgrade export OUT``, which re-exports without the submissions and without regrading.
What it writes, each file atomically (graders/export/files.py):

* ``OUT/grades.csv`` — one row per student (graders/export/csv_export.py);
* ``OUT/<student>/results.json`` and ``feedback.html`` — what the student may see follows
  graders/export/visibility.py (hidden checks withheld unless ``release_hidden``);
* ``OUT/summary.md`` and ``summary.png`` — the batch summary (graders/export/summary.py);
* and it removes ``OUT/<student>/`` of students no longer in the batch (their results stay in
  the store as history); an empty batch removes nothing.

Nothing written depends on the time or on the order results arrived in, so an export after a
regrade, a resume or a deleted file gives byte-identical files.  Callers that add outputs of
their own (an nbgrader course directory, an LMS import) take :attr:`Exported.results`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from graders import registry
from graders.errors import InputError
from graders.export.batch_record import Batch, find_batch
from graders.export.csv_export import grades_csv
from graders.export.files import write_atomic
from graders.export.gradescope import dumps as results_json
from graders.export.html import feedback_html
from graders.export.summary import write_summary
from graders.grade.folders import remove_stale_output, safe_name
from graders.grade.store import Store, sqlite_url
from graders.results import SubmissionResult

STORE_FILE = "propgrade.sqlite"  #: the default store, inside OUT


@dataclass
class Exported:
    """What an export read and wrote, for the CLI, ``grade`` and tests."""

    out: Path
    assignment: str
    results: list[SubmissionResult] = field(default_factory=list)  #: in batch order
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def store_url(out: Path, db: str | None) -> str:
    """The store of OUT: ``db`` (any SQLAlchemy URL), else ``OUT/propgrade.sqlite``."""
    return db or sqlite_url(str(out / STORE_FILE))


@contextmanager
def open_store(out: Path, db: str | None = None) -> Iterator[Store]:
    """The existing store of OUT; one :class:`InputError` line when the default one is not
    there (opening it would create an empty database and hide the mistake)."""
    if db is None and not (out / STORE_FILE).is_file():
        what = "does not exist" if not out.exists() else f"has no {STORE_FILE}"
        raise InputError(
            f"OUT {out} {what}: grade the batch into it first, or name its "
            "results database with --db"
        )
    store = Store(store_url(out, db))
    try:
        yield store
    finally:
        store.close()


def load_batch(out: Path, db: str | None = None) -> tuple[Batch, list[SubmissionResult], list[str]]:
    """The batch recorded for OUT, its results in batch order, and a line for each member
    whose row is missing from the store."""
    with open_store(out, db) as store:
        where = store.engine.url.render_as_string(hide_password=True)
        batch = find_batch(store.engine, out, where)
        results, lost = [], []
        for m in batch.members:
            result = store.get(m.student_id, batch.assignment, m.content_hash, m.grader_version)
            if result is None:
                lost.append(m.student_id)
            else:
                results.append(result)
    warnings = []
    if lost:
        warnings.append(
            f"the store has no result for {len(lost)} student(s) of the batch "
            f"({', '.join(lost[:5])}{', ...' if len(lost) > 5 else ''}): "
            "rerun propgrade grade to grade them"
        )
    return batch, results, warnings


def export_batch(out: Path, db: str | None = None, release_hidden: bool = False) -> Exported:
    """Regenerate every file of OUT from its results store (``db``, default
    ``OUT/propgrade.sqlite``); ``release_hidden``: the staff released the hidden checks."""
    batch, results, warnings = load_batch(out, db)
    done = Exported(out=out, assignment=batch.assignment, results=results, warnings=warnings)
    for result in results:
        folder = out / safe_name(result.student_id)
        for name, text in (
            ("results.json", results_json(result, release_hidden)),
            ("feedback.html", feedback_html(result, release_hidden)),
        ):
            write_atomic(folder / name, text)
            done.written.append(folder / name)
    write_atomic(out / "grades.csv", grades_csv(registry.get(batch.assignment), results))
    done.written.append(out / "grades.csv")
    done.written += [p for p in write_summary(results, out) if p.exists()]
    # OUT/<student>/ of students no longer in the batch would be taken for this batch's
    # output; their rows stay in the store (history).  An empty batch removes nothing.
    students = [m.student_id for m in batch.members]
    removed = remove_stale_output(out, students) if students else []
    if removed:
        done.warnings.append(
            f"removed OUT/<student>/ of {len(removed)} student(s) no longer "
            f"in {batch.submissions} ({', '.join(removed[:5])}"
            f"{', ...' if len(removed) > 5 else ''}); the store keeps "
            "their results"
        )
    return done
