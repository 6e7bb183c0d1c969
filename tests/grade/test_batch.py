"""A batch: outputs in SPEC's formats, bad inputs as rows, resume, regrade, parallel."""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from graders import mutants
from graders.grade.batch import grade_batch
from tests.conftest import mutant

pytestmark = pytest.mark.slow  # end-to-end: grades whole batches with several judge processes

REF = mutants.reference_source("classification")
#: bob: softmax normalised over the batch (axis 0) instead of each row
BUGGY = mutants.mutant_source("classification", mutant("classification", "softmax_axis_0"))


def _batch(root: Path) -> Path:
    subs = root / "subs"
    files = {
        "alice/classification.py": REF,
        "bob/classification.py": BUGGY,
        "carol/classification.py": "def softmax(:\n",
        "erin/Classification (1).py": REF,
        "frank/classification.py": 'print("ALL TESTS PASSED 20/20")\n'
        'def softmax(z):\n    raise ValueError("<script>x</script>")\n',
        "grace/classification.py": b"\xff\xfe not utf-8 \x00",
        "hal ö=1/classification.py": REF,
        "submitted_nb/classification/classification.py": REF,  # nbgrader layout
    }
    for rel, data in files.items():
        path = subs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    (subs / "dave").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np"), nbformat.v4.new_code_cell(REF)]
    (subs / "ivy").mkdir()
    nbformat.write(nb, subs / "ivy" / "lecture.ipynb")
    (subs / "jack").mkdir()
    (subs / "jack" / "classification.ipynb").write_text("{not json")
    (subs / "kim").mkdir()
    os.symlink("/etc/passwd", subs / "kim" / "classification.py")
    (subs / "lou").mkdir()
    with open(subs / "lou" / "classification.py", "wb") as fh:  # 100 MB, sparse
        fh.truncate(100_000_000)
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    subs = _batch(root)
    out = root / "out"
    report = grade_batch(subs, "classification", out, jobs=2, sandbox="plain")
    return subs, out, report


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}


def test_every_student_gets_exactly_one_row(graded):
    """Each sub-folder is one CSV row, whatever state its files are in."""
    subs, out, _ = graded
    assert sorted(_rows(out)) == sorted(p.name for p in subs.iterdir())


def test_scores_and_messages(graded):
    """Correct code scores full; broken inputs score zero with a message a student understands."""
    rows = _rows(graded[1])
    assert rows["alice"]["score"] == "20" and rows["submitted_nb"]["score"] == "20"
    assert rows["ivy"]["score"] == "20" and rows["hal ö=1"]["score"] == "20"
    assert float(rows["bob"]["score"]) < 20
    assert "SyntaxError" in rows["carol"]["message"]
    assert "empty" in rows["dave"]["message"]
    assert "rename it to classification.py" in rows["erin"]["message"]
    assert "UTF-8" in rows["grace"]["message"]
    assert "notebook" in rows["jack"]["message"]
    assert rows["kim"]["score"] == "0" and rows["kim"]["status"] == "not graded"
    assert rows["frank"]["score"] == "0"
    assert "100.0 MB, over the 1 MB limit" in rows["lou"]["message"]


def test_a_wrong_softmax_earns_nothing_on_softmax(graded):
    """Bob's softmax normalises columns: no softmax property earns him a point."""
    assert _rows(graded[1])["bob"]["classification.softmax"] == "0"


def test_results_json_follows_gradescope_schema(graded):
    """results.json has Gradescope's fields; every test name begins with its function."""
    data = json.loads((graded[1] / "bob" / "results.json").read_text())
    assert {"score", "max_score", "tests"} <= set(data)
    for t in data["tests"]:
        assert {"name", "score", "max_score", "output", "visibility", "status"} <= set(t)
        assert t["name"].split(":")[0] == t["tags"][0].split(".")[1]
        assert t["status"] in ("passed", "failed")
        assert t["visibility"] in ("visible", "after_due_date")


def test_student_text_is_escaped_in_html(graded):
    """A <script> in a student's exception message is shown as text, never as markup."""
    html = (graded[1] / "frank" / "feedback.html").read_text()
    assert "<script>x" not in html and "&lt;script&gt;x" in html


def test_summary_written(graded):
    """The batch summary exists as a table and as a picture."""
    out = graded[1]
    assert "pass rate" in (out / "summary.md").read_text()
    assert (out / "summary.png").read_bytes()[:4] == b"\x89PNG"


def test_rerun_skips_unchanged_and_regrade_is_byte_identical(graded):
    """A second run grades nobody; --regrade rewrites byte-identical results.json files."""
    subs, out, _ = graded
    before = {p: p.read_bytes() for p in out.glob("*/results.json")}
    again = grade_batch(subs, "classification", out, sandbox="plain")
    assert again.graded == 0 and again.skipped == len(before)
    grade_batch(subs, "classification", out, regrade=True, sandbox="plain")
    assert {p: p.read_bytes() for p in out.glob("*/results.json")} == before


def _killing_judge(sub, assignment, max_score):
    if sub.student_id.startswith("kills-judge"):
        os._exit(1)
    return _original_grade_in_judge(sub, assignment, max_score)


from graders.grade import batch as _batch_module  # noqa: E402

_original_grade_in_judge = _batch_module._grade_in_judge


def test_a_dying_judge_process_costs_only_its_student(tmp_path, monkeypatch):
    """If a judge process dies, the others' students are still graded, that one gets a row."""
    subs = tmp_path / "subs"
    for name, src in [("a", REF), ("kills-judge", REF), ("b", BUGGY), ("c", REF)]:
        (subs / name).mkdir(parents=True)
        (subs / name / "classification.py").write_text(src)
    monkeypatch.setattr(_batch_module, "_grade_in_judge", _killing_judge)
    report = grade_batch(subs, "classification", tmp_path / "out", jobs=2, sandbox="plain")
    rows = _rows(tmp_path / "out")
    assert rows["a"]["score"] == rows["c"]["score"] == "20"
    assert float(rows["b"]["score"]) < 20
    assert rows["kills-judge"]["status"] == "not graded"
    assert "grader itself crashed" in rows["kills-judge"]["message"]
    assert report.graded == 4


# --- discovery at batch level (tests/fixtures/discovery/<situation>/) --------------------

DISCOVERY = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"


def _quick_batch(subs: Path, out: Path):
    return grade_batch(subs, "classification", out, sandbox="plain", profile="quick")


def test_a_solved_notebook_beside_the_stub_scores_full_marks_and_says_why(tmp_path):
    """The release's untouched stub handed in with the solved notebook: 20/20, with the note."""
    shutil.copytree(DISCOVERY / "solved_notebook_beside_stub", tmp_path / "subs" / "ada")
    report = _quick_batch(tmp_path / "subs", tmp_path / "out")
    (result,) = report.results
    assert result.score == result.max_score == 20
    data = json.loads((tmp_path / "out" / "ada" / "results.json").read_text())
    assert "graded classification.ipynb: it implements 7 of 7 functions" in data["output"]
    assert "graded classification.ipynb" in _rows(tmp_path / "out")["ada"]["message"]


def test_junk_folders_get_no_row(tmp_path):
    """__MACOSX, .ipynb_checkpoints, __pycache__ and dot-folders never become students."""
    report = _quick_batch(DISCOVERY / "macosx_junk", tmp_path / "out")
    assert list(_rows(tmp_path / "out")) == ["alice"]
    assert [r.student_id for r in report.results] == ["alice"]
    assert report.results[0].score == 20


def test_an_nbgrader_course_root_grades_its_submitted_students_with_one_warning(tmp_path):
    """A course root as SUBMISSIONS grades submitted/'s students; no 'submitted' or 'source'."""
    report = _quick_batch(DISCOVERY / "nbgrader_course_root", tmp_path / "out")
    rows = _rows(tmp_path / "out")
    assert sorted(rows) == ["alice", "bob"]
    assert rows["alice"]["score"] == "20" and rows["bob"]["score"] == "0"
    assert len([w for w in report.warnings if "submitted" in w]) == 1


def test_removed_students_output_is_removed_and_exports_list_the_batch(tmp_path):
    """A rerun without bob deletes OUT/bob/, keeps other folders, and lists alice alone."""
    case, out = DISCOVERY / "student_removed_between_runs", tmp_path / "out"
    _quick_batch(case / "before", out)
    assert (out / "bob" / "results.json").exists()
    (out / "notes").mkdir()
    (out / "notes" / "ta.txt").write_text("not propgrade's")
    report = _quick_batch(case / "after", out)
    assert not (out / "bob").exists() and (out / "notes" / "ta.txt").exists()
    assert list(_rows(out)) == ["alice"] and [r.student_id for r in report.results] == ["alice"]
    assert "Students: 1;" in (out / "summary.md").read_text()
    (line,) = [w for w in report.warnings if "removed" in w]
    assert "1 " in line and "\n" not in line


def test_an_empty_batch_removes_no_output(tmp_path):
    """Pointing a rerun at an empty folder by mistake deletes nobody's feedback."""
    out = tmp_path / "out"
    _quick_batch(DISCOVERY / "student_removed_between_runs" / "after", out)
    (tmp_path / "empty").mkdir()
    report = _quick_batch(tmp_path / "empty", out)
    assert (out / "alice" / "results.json").exists()
    assert not [w for w in report.warnings if "removed" in w]


def test_a_parallel_batch_leaves_nothing_in_the_temporary_folder(tmp_path, monkeypatch):
    """Each judge process of a --jobs 2 batch removes its zygote's staged copy and home."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # the forked judges inherit it
    subs = tmp_path / "subs"
    for name in ("ann", "ben", "cat"):
        (subs / name).mkdir(parents=True)
        (subs / name / "classification.py").write_text(REF)
    report = grade_batch(subs, "classification", tmp_path / "out", jobs=2, sandbox="plain")
    assert report.graded == 3
    assert sorted(p.name for p in temp.iterdir()) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_module_that_cannot_be_preloaded_is_one_line_in_the_batch_report(
    tmp_path, monkeypatch, jobs
):
    """The torch zygote's fallback reaches the TA: a judge that could not preload a module
    its students import says so once in the batch's warnings (each --jobs judge has its own
    zygotes; the report says it once), and the students are still graded."""
    from graders.sandbox import needs

    monkeypatch.setattr(needs, "PRELOADABLE", ("propgrade_not_installed_anywhere",))
    subs = tmp_path / "subs"
    for name in ("ann", "ben", "cat", "dan"):
        (subs / name).mkdir(parents=True)
        (subs / name / "classification.py").write_text(
            "import propgrade_not_installed_anywhere\n" + REF
        )
    report = grade_batch(subs, "classification", tmp_path / "out", jobs=jobs, sandbox="plain")
    assert report.graded == 4
    lines = [w for w in report.warnings if "could not be preloaded" in w]
    assert len(lines) == 1 and "propgrade_not_installed_anywhere" in lines[0]
