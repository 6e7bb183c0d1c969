"""``grades.csv``: one row per student, every field quoted (csv.QUOTE_ALL).

Columns: ``student_id, score, max_score, status, <one column per exercise id>, message``.
Fields a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return:
OWASP's list) get a leading quote mark; a number (``-1.5``) is left as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from graders.registry import Assignment
from graders.results import SubmissionResult

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else ""


def grades_csv(assignment: Assignment, results: Sequence[SubmissionResult]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(
        ["student_id", "score", "max_score", "status", *assignment.exercises, "message"]
    )
    for r in sorted(results, key=lambda r: r.student_id):
        per = r.exercise_scores()
        writer.writerow(
            [
                _cell(r.student_id),
                _cell(float(r.score)),
                _cell(float(r.max_score)),
                r.status,
                *[_cell(float(per.get(e, (0.0, 0.0))[0])) for e in assignment.exercises],
                _cell(" | ".join(_first_line(m) for m in r.messages)[:500]),
            ]
        )
    return buf.getvalue()
