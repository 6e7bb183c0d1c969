"""LMS grade imports (Canvas, Moodle) from a really graded store, checked against the columns
the LMSs document; rosters in tests/fixtures/lms/ (see its README)."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from graders import mutants, registry
from graders.cli import main
from graders.errors import EXIT_INPUT, EXIT_OK, EXIT_USAGE
from graders.grade.batch import grade_batch
from tests.conftest import mutant

TOPIC = "classification"
TITLE = registry.get(TOPIC).title  #: the manifest's: "Classification: softmax, ..."
ROSTERS = Path(__file__).resolve().parents[1] / "fixtures" / "lms"
CANVAS_ROSTER = ROSTERS / "canvas_gradebook_export.csv"
MOODLE_ROSTER = ROSTERS / "moodle_grade_export.csv"
STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _canvas_import_columns(rows: list[list[str]]) -> tuple[int, list[str]]:
    """What Canvas's importer (instructure/canvas-lms lib/gradebook_importer.rb) takes from a
    file: the header must begin ``Student``, ``ID`` and its student columns end at
    ``Section``; the rest are assignment columns.  Returns (student columns, assignments)."""
    header = rows[0]
    assert header[0] == "Student" and header[1] == "ID" and "Section" in header
    n = header.index("Section") + 1
    return n, header[n:]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Real submissions graded into a store: ada correct, bob (roster login BOB) a catalog
    mutant, eve's module does not parse, dan is not on the roster; cy never submitted."""
    root = tmp_path_factory.mktemp("lms")
    reference = mutants.reference_source(TOPIC)
    wrong = mutants.mutant_source(TOPIC, mutant(TOPIC, "softmax_axis_0"))
    for student, source in [
        ("ada", reference),
        ("bob", wrong),
        ("dan", reference),
        ("eve", "def softmax(:\n"),
    ]:
        (root / "subs" / student).mkdir(parents=True)
        (root / "subs" / student / f"{TOPIC}.py").write_text(source)
    report = grade_batch(root / "subs", TOPIC, root / "out", sandbox="plain", profile="quick")
    with open(root / "out" / "grades.csv", newline="") as fh:
        scores = {r["student_id"]: r["score"] for r in csv.DictReader(fh)}
    # the import is read from the store, never from OUT's files or the submissions
    shutil.rmtree(root / "subs")
    for student in ("ada", "bob", "dan", "eve"):
        shutil.rmtree(root / "out" / student)
    (root / "out" / "grades.csv").unlink()
    return root, report, scores


def _export(root: Path, *args: str) -> int:
    return main(["export", str(root / "out"), *args])


@pytest.mark.slow
def test_canvas_import_keeps_the_roster_columns_and_adds_one_assignment_and_points_possible(graded):
    """Header: the roster's five student columns plus the assignment's title; then Points
    Possible with the maximum; then every roster student in roster order, with grades.csv's
    score or blank (Cy never submitted, the test student is nobody propgrade knows)."""
    root, report, scores = graded
    dest = root / "canvas.csv"
    assert (
        _export(root, "--to", "canvas", "--roster", str(CANVAS_ROSTER), "--out", str(dest))
        == EXIT_OK
    )
    rows = _rows(dest)
    n, assignments = _canvas_import_columns(rows)
    assert rows[0][:n] == STUDENT_COLUMNS and assignments == [TITLE]
    assert "Points Possible" in rows[1][0] and rows[1][1:n] == [""] * (n - 1)
    assert float(rows[1][n]) == report.results[0].max_score == 20
    body = rows[2:]
    assert [r[:n] for r in body] == [
        ["Lovelace, Ada", "101", "S001", "ada", "Section A"],
        ["Babbage, Bob", "102", "S002", "BOB", "Section A"],
        ["Young, Cy", "103", "S003", "cy", "Section B"],
        ["Ernst, Eve", "105", "S005", "eve", "Section B"],
        ["Student, Test", "104", "", "", "Section A"],
    ]
    grade = {r[3] or r[0]: r[n] for r in body}
    assert grade["ada"] == "20" and float(grade["BOB"]) == float(scores["bob"]) < 20
    assert grade["eve"] == "0" and grade["cy"] == "" and grade["Student, Test"] == ""
    assert all(len(r) == n + 1 for r in rows)


@pytest.mark.slow
def test_canvas_assignment_id_names_the_existing_assignment_column(graded):
    """--assignment 4402 writes the header as Canvas exports it, 'Title (4402)'."""
    root = graded[0]
    dest = root / "canvas-4402.csv"
    assert (
        _export(
            root,
            "--to",
            "canvas",
            "--roster",
            str(CANVAS_ROSTER),
            "--out",
            str(dest),
            "--assignment",
            "4402",
        )
        == EXIT_OK
    )
    assert _canvas_import_columns(_rows(dest))[1] == [f"{TITLE} (4402)"]


@pytest.mark.slow
def test_students_missing_on_either_side_are_named_one_line_each(graded, capsys):
    """Cy and the test student (roster, no result), Dan (graded, not on the roster) and Eve
    (not graded, exported as 0) are each said on one line of stderr."""
    root = graded[0]
    capsys.readouterr()
    assert (
        _export(
            root, "--to", "canvas", "--roster", str(CANVAS_ROSTER), "--out", str(root / "c.csv")
        )
        == EXIT_OK
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4, lines
    assert re.search(
        r"roster student cy \(Young, Cy\) has no propgrade result: left blank", lines[0]
    )
    assert "(no SIS Login ID) (Student, Test)" in lines[1]
    assert "propgrade graded dan, who is not in the roster" in lines[2]
    assert "could not be graded" in lines[3] and lines[3].endswith("eve")


@pytest.mark.slow
def test_moodle_import_is_an_identifier_and_a_grade_column_of_the_graded_roster_students(
    graded, capsys
):
    """--id-column 'ID number': the file is that column and the grade, one row per roster
    student propgrade graded (Cy is left out: a blank would clear a grade in Moodle)."""
    root, _, scores = graded
    dest = root / "moodle.csv"
    assert (
        _export(
            root,
            "--to",
            "moodle",
            "--roster",
            str(MOODLE_ROSTER),
            "--out",
            str(dest),
            "--id-column",
            "ID number",
        )
        == EXIT_OK
    )
    rows = _rows(dest)
    assert rows[0] == ["ID number", TITLE]
    assert [r[0] for r in rows[1:]] == ["ada", "bob", "eve"]
    assert {r[0]: float(r[1]) for r in rows[1:]} == {
        s: float(scores[s]) for s in ("ada", "bob", "eve")
    }
    err = capsys.readouterr().err
    assert "roster student cy (Cy Young) has no propgrade result: not in the file" in err
    assert "propgrade graded dan" in err


@pytest.mark.slow
def test_moodle_default_identifier_is_the_email_column(graded, capsys):
    """Without --id-column Moodle's roster is matched on 'Email address' (no folder here is
    named by an email, so every student is missing on both sides and the file has a header)."""
    root = graded[0]
    dest = root / "moodle-email.csv"
    assert (
        _export(root, "--to", "moodle", "--roster", str(MOODLE_ROSTER), "--out", str(dest))
        == EXIT_OK
    )
    assert _rows(dest) == [["Email address", TITLE]]
    err = capsys.readouterr().err
    assert "roster student ada.lovelace@uni.example (Ada Lovelace)" in err


# --- a user's mistakes: one line, the right exit code (no store needed: checked first) -----

DUPLICATE = (
    'Student,ID,SIS User ID,SIS Login ID,Section\n"Lovelace, Ada",101,S001,ada,A\n'
    '"Lovelace, Ada (again)",106,S006,ADA,A\n'
)


@pytest.mark.parametrize(
    "args, code, words",
    [
        (
            ["--to", "canvas", "--roster", "duplicate.csv", "--out", "x.csv"],
            EXIT_INPUT,
            "lists 'ADA' twice in column 'SIS Login ID'",
        ),
        (
            ["--to", "canvas", "--roster", "no-such.csv", "--out", "x.csv"],
            EXIT_INPUT,
            "does not exist",
        ),
        (
            [
                "--to",
                "canvas",
                "--roster",
                str(CANVAS_ROSTER),
                "--out",
                "x.csv",
                "--id-column",
                "Login",
            ],
            EXIT_USAGE,
            "has no column 'Login'",
        ),
        (
            [
                "--to",
                "canvas",
                "--roster",
                str(ROSTERS / "canvas_people_list_not_gradebook.csv"),
                "--out",
                "x.csv",
            ],
            EXIT_INPUT,
            "is not a Canvas gradebook export",
        ),
        (
            ["--to", "moodle", "--roster", str(CANVAS_ROSTER), "--out", "x.csv"],
            EXIT_INPUT,
            "has no column 'Email address'",
        ),
        (
            ["--to", "blackboard", "--roster", str(CANVAS_ROSTER), "--out", "x.csv"],
            EXIT_USAGE,
            "invalid choice: 'blackboard'",
        ),
        (["--to", "canvas", "--out", "x.csv"], EXIT_USAGE, "needs --roster"),
        (["--roster", str(CANVAS_ROSTER)], EXIT_USAGE, "go with --to"),
        (
            [
                "--to",
                "canvas",
                "--roster",
                str(CANVAS_ROSTER),
                "--out",
                "x.csv",
                "--assignment",
                "classification",
            ],
            EXIT_USAGE,
            "is a number",
        ),
    ],
)
def test_lms_export_mistakes_are_one_line_errors(tmp_path, capsys, monkeypatch, args, code, words):
    """A roster missing, naming a student twice or lacking the column, a file that is no
    gradebook export, an unknown LMS, a missing or misplaced option: one `error:` line (plus a
    hint) and its exit code."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "duplicate.csv").write_text(DUPLICATE)
    assert main(["export", str(tmp_path), *args]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("error:") and words in err[0]
    assert len(err) <= 2 and not (tmp_path / "x.csv").exists()
