"""The LMS grade-import CSV (Canvas, Moodle) of a graded batch, from the results store alone.

``propgrade export OUT --to canvas|moodle --roster ROSTER.csv --out FILE`` reads the batch
recorded for OUT (graders/export/stage.py: the store, never OUT's files) and the roster, the
LMS's own gradebook export, and writes the file the LMS imports.  A student is matched by the
roster's id column (``--id-column``) equal to propgrade's student id (the submission folder's
name), ignoring case and surrounding spaces; two roster rows, or two propgrade students, that
would match the same id are one error line, never a guess.  The score written is the one in
``grades.csv`` (a submission that could not be graded has 0 there; such students are named).

**Canvas** ("Grades > Import", Instructure's guide "How do I import grades in the Gradebook?",
https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807).
Followed in Canvas's own code, instructure/canvas-lms: the exporter (lib/gradebook_exporter.rb)
writes ``Student, ID, [SIS User ID], SIS Login ID, [Integration ID], [Root Account], Section``,
custom columns, one ``Title (id)`` column per assignment, an optional ``Muted``/``Manual
Posting`` row and a ``"    Points Possible"`` row; the importer (lib/gradebook_importer.rb)
requires a header whose first cell is ``Student`` (or ``LastName``), second ``ID``, and whose
student columns end with ``Section``; reads a row whose first cell contains ``Points
Possible`` as the maximum of each assignment column; finds the student by ``ID``, then ``SIS
User ID``, ``SIS Login ID``, then name; reads a header ``Title (id)`` as the existing
assignment with that id and any other header as an existing assignment of that exact title,
else a new one; and treats a blank cell as no change.  So the import keeps the roster's
student columns (``Student`` through ``Section``) and its students in its order, adds one
column (the assignment's title, or ``Title (ID)`` with ``--assignment ID`` to update
Canvas's assignment ID), a ``Points Possible`` row with the maximum, and leaves blank the
students propgrade has no result for.  Roster cells are copied as Canvas wrote them (a name
starting with ``=`` is already quoted by Canvas's exporter).

**Moodle** ("Import grades > CSV file", https://docs.moodle.org/en/Grade_import, and
moodle/moodle grade/import/csv/classes/load_data.php): a header row, then one row per student;
the preview page maps one column to a user field (id, username, ID number or email address)
and each other column to a grade item or a new one.  A blank grade there clears the grade
and an identifier Moodle does not know aborts the whole import, so the file holds exactly the
roster students propgrade graded: the roster's id column (default ``Email address``, one of
Moodle's exported user fields) and one grade column named by the assignment's title.

The scores include the hidden checks: as with Gradescope's due date, the LMS's own release
(Canvas's posting policy, Moodle's hidden grade item) decides when students see them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from graders import registry
from graders.errors import InputError, UsageError
from graders.export.files import write_atomic
from graders.export.stage import load_batch
from graders.results import SubmissionResult

KINDS = ("canvas", "moodle")
DEFAULT_ID_COLUMN = {"canvas": "SIS Login ID", "moodle": "Email address"}
CANVAS_POINTS_POSSIBLE = "    Points Possible"  #: as Canvas's exporter writes it
#: a row of Canvas's export that is neither a student nor points possible (gradebook_importer)
_CANVAS_POSTING_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Roster:
    """An LMS gradebook export: its header and student rows (padded to the header)."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    id_index: int
    student_columns: int  #: Canvas: the columns ``Student`` .. ``Section``; Moodle: all

    def student_id(self, row: list[str]) -> str:
        return row[self.id_index].strip()

    def name(self, row: list[str]) -> str:
        """The student's name for a message (empty when the roster has none)."""
        cols = {c: i for i, c in enumerate(self.header)}
        for keys in (("Student",), ("FirstName", "LastName"), ("First name", "Last name")):
            if all(k in cols for k in keys):
                return " ".join(row[cols[k]].strip() for k in keys).strip()
        return ""


@dataclass
class LmsExport:
    """What an LMS export wrote, and who is missing on either side."""

    to: str
    dest: Path
    column: str  #: the grade column's header
    max_score: float
    id_column: str
    rows: int = 0  #: student rows written
    #: roster students propgrade has no result for: (roster id, name)
    no_result: list[tuple[str, str]] = field(default_factory=list)
    not_in_roster: list[str] = field(default_factory=list)  #: propgrade ids the roster lacks
    not_graded: list[str] = field(default_factory=list)  #: exported with grades.csv's 0


def _sniff_delimiter(first_line: str) -> str:
    """``;`` when it splits the header into more fields than ``,`` (Canvas exports with ``;``
    in locales whose decimal mark is a comma), else ``,``."""

    def fields(sep: str) -> int:
        return len(next(csv.reader([first_line], delimiter=sep), []))

    return ";" if fields(";") > fields(",") else ","


def read_roster(path: Path, to: str, id_column: str | None = None) -> Roster:
    """The roster at ``path`` for ``to``; one error line for a file that cannot be one."""
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise InputError(f"--roster {path} {what}: expected the LMS's gradebook export (CSV)")
    try:
        text = path.read_text(encoding="utf-8-sig")  # Canvas and Excel may add a BOM
    except UnicodeDecodeError:
        raise InputError(
            f"--roster {path} is not UTF-8 text: export it from the LMS as CSV (UTF-8)"
        ) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError(f"--roster {path} is empty: expected a header row, then students")
    table = list(csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(lines[0])))
    header = [h.strip() for h in table[0]]
    width = len(header)
    body = [row + [""] * (width - len(row)) for row in table[1:]]
    student_columns = width
    if to == "canvas":
        if not (
            header[:1] in (["Student"], ["LastName"]) and "ID" in header[:3] and "Section" in header
        ):
            raise InputError(
                f"--roster {path} is not a Canvas gradebook export: its header "
                "must begin Student, ID, ... Section (Grades > Export); it has "
                f"{', '.join(header[:6])}"
            )
        student_columns = header.index("Section") + 1
        body = [
            r
            for r in body
            if "Points Possible" not in r[0] and not all(_CANVAS_POSTING_ROW.match(c) for c in r)
        ]
    body = [r for r in body if any(c.strip() for c in r)]
    chosen = id_column or DEFAULT_ID_COLUMN[to]
    if chosen not in header:
        known = ", ".join(header[:student_columns][:12])
        message = f"--roster {path} has no column {chosen!r} (its columns: {known})"
        if id_column is not None:  # the option's value is wrong
            raise UsageError(message)
        raise InputError(
            message + "; name the column holding propgrade's student ids with --id-column"
        )
    roster = Roster(path, header, body, header.index(chosen), student_columns)
    seen: set[str] = set()
    for row in body:
        key = roster.student_id(row).casefold()
        if key in seen:  # a row without an id is never matched, so it never clashes
            raise InputError(
                f"--roster {path} lists {roster.student_id(row)!r} twice in column "
                f"{chosen!r} (ignoring case): one row per student"
            )
        if key:
            seen.add(key)
    return roster


def _points(x: float) -> str:
    """A score as a plain decimal, at most 4 places ("20", "17.5", "13.3333")."""
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _match(
    roster: Roster, results: list[SubmissionResult]
) -> tuple[dict[int, SubmissionResult], list[str]]:
    """Roster row index -> its result, and the propgrade ids the roster lacks."""
    rows: dict[str, int] = {}
    for i, row in enumerate(roster.rows):
        if key := roster.student_id(row).casefold():  # Canvas's test student has no login
            rows[key] = i
    matched: dict[int, SubmissionResult] = {}
    missing: list[str] = []
    for result in results:
        at = rows.get(result.student_id.strip().casefold())
        if at is None:
            missing.append(result.student_id)
        elif at in matched:
            raise InputError(
                f"propgrade students {matched[at].student_id!r} and "
                f"{result.student_id!r} both match roster id "
                f"{roster.student_id(roster.rows[at])!r}: rename one submission"
            )
        else:
            matched[at] = result
    return matched, missing


def canvas_csv(
    roster: Roster, matched: dict[int, SubmissionResult], column: str, max_score: float
) -> str:
    """Canvas's import: the roster's student columns, one assignment column, Points Possible,
    one row per roster student (blank where propgrade has no result)."""
    n = roster.student_columns
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*roster.header[:n], column])
    writer.writerow([CANVAS_POINTS_POSSIBLE, *[""] * (n - 1), _points(max_score)])
    for i, row in enumerate(roster.rows):
        result = matched.get(i)
        writer.writerow([*row[:n], "" if result is None else _points(result.score)])
    return buf.getvalue()


def moodle_csv(roster: Roster, matched: dict[int, SubmissionResult], column: str) -> str:
    """Moodle's import: the identifier column and one grade column, for the roster students
    propgrade graded (a blank would clear a grade entered by hand)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([roster.header[roster.id_index], column])
    for i, row in enumerate(roster.rows):
        if i in matched:
            writer.writerow([roster.student_id(row), _points(matched[i].score)])
    return buf.getvalue()


def export_lms(
    out: Path,
    to: str,
    roster_path: Path,
    dest: Path,
    db: str | None = None,
    id_column: str | None = None,
    lms_assignment: str | None = None,
) -> LmsExport:
    """Write ``to``'s grade-import CSV for the batch graded into OUT to ``dest``."""
    if to not in KINDS:
        raise UsageError(f"unknown LMS {to!r}: choose {' or '.join(KINDS)}")
    if lms_assignment is not None and to != "canvas":
        raise UsageError(
            "--assignment is Canvas's assignment id; Moodle maps the grade "
            "column to a grade item on its import page"
        )
    if lms_assignment is not None and not lms_assignment.strip().isdigit():
        raise UsageError(
            f"--assignment {lms_assignment!r}: Canvas's assignment id is a number "
            "(the one in the assignment's URL); propgrade's assignment comes "
            "from OUT"
        )
    roster = read_roster(roster_path, to, id_column)
    batch, results, _ = load_batch(out, db)
    try:
        title = registry.get(batch.assignment).title
    except UsageError:  # graded in a course not given here: the id still names it
        title = batch.assignment
    column = f"{title} ({lms_assignment.strip()})" if lms_assignment else title
    max_score = results[0].max_score if results else registry.get(batch.assignment).total_points
    matched, missing = _match(roster, results)
    text = (
        canvas_csv(roster, matched, column, max_score)
        if to == "canvas"
        else moodle_csv(roster, matched, column)
    )
    write_atomic(dest, text)
    return LmsExport(
        to=to,
        dest=dest,
        column=column,
        max_score=max_score,
        id_column=roster.header[roster.id_index],
        rows=len(roster.rows) if to == "canvas" else len(matched),
        no_result=[
            (roster.student_id(r), roster.name(r))
            for i, r in enumerate(roster.rows)
            if i not in matched
        ],
        not_in_roster=missing,
        not_graded=[r.student_id for r in matched.values() if r.status != "graded"],
    )
