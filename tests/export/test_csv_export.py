"""``grades.csv``: every field quoted, nothing a spreadsheet would run as a formula, numbers
left as numbers, and what a reader gets back is what was written."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from graders import registry
from graders.export.csv_export import grades_csv
from graders.results import SubmissionResult
from graders.results import TestResult as Outcome

SPEC = registry.get("classification")
#: what starts a formula in Excel, LibreOffice or Google Sheets (OWASP's list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _result(
    student: str = "ada", messages: tuple[str, ...] = (), score: float = 1.5, status: str = "graded"
) -> SubmissionResult:
    tests = [
        Outcome(
            key=f"{e}.p",
            exercise=e,
            name=f"{e}: p",
            score=score if i == 0 else 0.0,
            max_score=1.5,
            visibility="public",
            status="failed",
        )
        for i, e in enumerate(SPEC.exercises)
    ]
    return SubmissionResult(
        student,
        SPEC.id,
        sum(t.score for t in tests),
        sum(t.max_score for t in tests),
        tests,
        messages=list(messages),
        status=status,
    )


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_columns_and_one_row_per_student_sorted():
    """student_id, score, max_score, status, one column per exercise id, message."""
    text = grades_csv(SPEC, [_result("bob"), _result("ada")])
    header = next(csv.reader(io.StringIO(text)))
    assert header == ["student_id", "score", "max_score", "status", *SPEC.exercises, "message"]
    rows = _rows(text)
    assert [r["student_id"] for r in rows] == ["ada", "bob"]
    assert rows[0]["score"] == "1.5" and rows[0]["max_score"] == "10.5"
    assert rows[0]["classification.softmax"] == "1.5" and rows[0]["classification.sigmoid"] == "0"


def test_every_field_is_quoted():
    """QUOTE_ALL: each line is quoted fields only, numbers included."""
    text = grades_csv(SPEC, [_result()])
    for line in text.splitlines():
        fields = next(csv.reader([line]))
        assert line == ",".join(f'"{f}"' for f in fields)


def test_formula_starts_get_a_quote_mark():
    """A student id or message starting = + - @ tab or CR is written with a leading '."""
    for start in FORMULA_STARTS:
        evil = f'{start}HYPERLINK("http://x")'
        row = _rows(grades_csv(SPEC, [_result(evil, messages=(evil,))]))[0]
        assert row["student_id"] == "'" + evil
        first = evil.splitlines()[0]  # a message shows its first line ("" after a CR)
        assert row["message"] == ("'" + first if first else "")


def test_negative_numbers_stay_numbers():
    """A number that starts with a minus sign is not text: no quote mark."""
    row = _rows(grades_csv(SPEC, [_result("-1", score=-0.5)]))[0]
    assert row["student_id"] == "-1" and row["classification.softmax"] == "-0.5"


def test_message_is_the_first_line_of_each_message_capped():
    """Messages are joined by ' | ', one line each, at most 500 characters; an empty one is
    an empty part, not an error."""
    row = _rows(grades_csv(SPEC, [_result(messages=("one\ntwo", "", "three"))]))[0]
    assert row["message"] == "one |  | three"
    row = _rows(grades_csv(SPEC, [_result(messages=("x" * 600,))]))[0]
    assert row["message"] == "x" * 500


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30))
def test_any_student_id_reads_back_as_written(student):
    """Commas, quotes, newlines and formula starts: a reader gets the id back in one field,
    with only the quote mark added where a spreadsheet would see a formula."""
    row = _rows(grades_csv(SPEC, [_result(student)]))
    assert len(row) == 1
    got = row[0]["student_id"]
    if got != student:
        assert got == "'" + student and student.startswith(FORMULA_STARTS)
    else:
        assert not student.startswith(FORMULA_STARTS) or _is_number(student)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
