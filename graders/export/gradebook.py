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

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from graders import registry
from graders.nbgrader_env import db_url, nbgrader_env
from graders.results import SubmissionResult


def exercise_maxima(assignment: str, results: Sequence[SubmissionResult]) -> dict[str, float]:
    """Points per exercise function, in the assignment's order, from the results themselves.

    Every result, even one that was not graded, lists each property with its points, so the
    first result with tests says them all: the exporter never loads a grader module to count
    points.  With no such result (an empty batch) nothing is known and the mapping is empty.
    """
    spec = registry.get(assignment)
    graded = next((r for r in results if r.tests), None)
    if graded is None:
        return {}
    tops = {
        exercise.split(".", 1)[1]: top for exercise, (_, top) in graded.exercise_scores().items()
    }
    return {f: tops.get(f, 0.0) for f in spec.functions}


def write_gradebook(
    path: Path | str,
    assignment: str,
    results: Sequence[SubmissionResult],
    course_id: str = "default_course",
    timestamps: Mapping[str, datetime | None] | None = None,
) -> None:
    """Create or update ``assignment`` in the gradebook at ``path`` and record ``results``;
    ``timestamps`` (student id -> when submitted, UTC) become the submissions' timestamps."""
    from nbgrader.api import Grade as GradeRow
    from nbgrader.api import Gradebook, MissingEntry, SubmittedNotebook

    spec = registry.get(assignment)
    maxima = exercise_maxima(assignment, results)
    with nbgrader_env(), Gradebook(db_url(path), course_id=course_id) as gb:
        gb.update_or_create_assignment(assignment)
        notebook = gb.update_or_create_notebook(assignment, assignment)
        # no points known (an empty batch): the cells, if any, keep the points they have
        cells = {
            f: gb.update_or_create_grade_cell(
                f, assignment, assignment, max_score=top, cell_type="code"
            )
            for f, top in maxima.items()
        }
        for result in results:
            student = result.student_id
            gb.update_or_create_student(student)
            when = {} if timestamps is None else {"timestamp": timestamps.get(student)}
            submission = gb.update_or_create_submission(assignment, student, **when)
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
