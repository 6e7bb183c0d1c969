"""Scores into nbgrader's ``gradebook.db`` through nbgrader's own ``Gradebook`` API.

The layout is the one ``nbgrader generate_assignment`` creates from the assignment's source
notebook: assignment ``<id>``, notebook ``<id>``, one grade cell per exercise function named by
its nbgrader ``grade_id`` (the function's name, e.g. ``softmax``), worth the exercise's
points.  Each student's submission gets one ``auto_score`` per grade cell (the sum of the
exercise's property scores), so formgrader's assignment, student and submission pages show
them.  A submission that could not be graded is flagged ``needs_manual_grade``.  Rewriting is
idempotent: the same results give the same database rows.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from graders import registry
from graders.results import SubmissionResult


@contextmanager
def nbgrader_env() -> Iterator[None]:
    """nbgrader shells out to ``alembic`` when it creates a database: make sure it is found.

    It is installed next to this interpreter, which is not on ``PATH`` when the venv's python
    is run directly.  SQLAlchemy 2's warnings about nbgrader's session use are silenced.
    """
    old = os.environ.get("PATH", "")
    if shutil.which("alembic") is None:
        os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + old
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"nbgrader\..*")
            warnings.filterwarnings("ignore", message=r".*not in session.*")
            yield
    finally:
        os.environ["PATH"] = old


def db_url(path: Path | str) -> str:
    """A SQLAlchemy URL: a URL stays as it is, a path becomes SQLite at that path."""
    text = str(path)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


def exercise_maxima(assignment: str, results: Sequence[SubmissionResult]) -> dict[str, float]:
    """Points per exercise function: from the graded results, else from the properties."""
    spec = registry.get(assignment)
    maxima = {f: 0.0 for f in spec.functions}
    graded = next((r for r in results if r.tests), None)
    if graded is not None:
        for exercise, (_, top) in graded.exercise_scores().items():
            maxima[exercise.split(".", 1)[1]] = top
    else:
        for p in registry.properties(assignment, hidden=registry.hidden_available()):
            maxima[p.function] += p.points
    return maxima


def write_gradebook(path: Path | str, assignment: str, results: Sequence[SubmissionResult],
                    course_id: str = "default_course") -> None:
    """Create or update ``assignment`` in the gradebook at ``path`` and record ``results``."""
    from nbgrader.api import Grade as GradeRow
    from nbgrader.api import Gradebook, MissingEntry, SubmittedNotebook

    spec = registry.get(assignment)
    maxima = exercise_maxima(assignment, results)
    with nbgrader_env(), Gradebook(db_url(path), course_id=course_id) as gb:
        gb.update_or_create_assignment(assignment)
        notebook = gb.update_or_create_notebook(assignment, assignment)
        cells = {f: gb.update_or_create_grade_cell(f, assignment, assignment,
                                                   max_score=maxima[f], cell_type="code")
                 for f in spec.functions}
        for result in results:
            student = result.student_id
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(assignment, student)
            try:
                submitted = gb.find_submission_notebook(assignment, assignment, student)
            except MissingEntry:  # the submission predates this notebook
                submitted = SubmittedNotebook(notebook=notebook, assignment=submission)
                gb.db.add(submitted)
                gb.db.commit()
            scores = result.exercise_scores()
            for function, cell in cells.items():
                try:
                    grade = gb.find_grade(function, assignment, assignment, student)
                except MissingEntry:  # the grade cell is newer than the submission
                    grade = GradeRow(cell_id=cell.id, notebook=submitted)
                    gb.db.add(grade)
                grade.auto_score = scores.get(spec.exercise(function), (0.0, 0.0))[0]
                grade.needs_manual_grade = result.status != "graded"
            gb.db.commit()
