"""``grades.csv``: one row per student, every field quoted (csv.QUOTE_ALL).

Columns: ``student_id, score, max_score, status, <one column per exercise id>, message``.
Fields a spreadsheet would run as a formula (starting with = + - @) get a leading quote mark.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from graders.registry import Assignment
from graders.results import SubmissionResult


def _cell(value: object) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def grades_csv(assignment: Assignment, results: Sequence[SubmissionResult]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(["student_id", "score", "max_score", "status", *assignment.exercises,
                     "message"])
    for r in sorted(results, key=lambda r: r.student_id):
        per = r.exercise_scores()
        writer.writerow([_cell(r.student_id), _cell(float(r.score)), _cell(float(r.max_score)),
                         r.status, *[_cell(float(per.get(e, (0.0, 0.0))[0]))
                                   for e in assignment.exercises],
                         _cell(" | ".join(m.splitlines()[0] for m in r.messages)[:500])])
    return buf.getvalue()
