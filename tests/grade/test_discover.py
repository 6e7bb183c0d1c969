"""Discovery: which file of a student is graded, which folders are students, and the checker's
choice of file (tests/fixtures/discovery/<situation>/, built by ``discovery_fixtures``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from graders import registry
from graders.check import load_submission, run_check
from graders.grade.discover import discover, read_submission
from graders.grade.folders import student_dirs
from graders.grade.ipynb import notebook_source
from graders.grade.pick import implemented_functions
from tests.grade import discovery_fixtures

FIXTURES = discovery_fixtures.FIXTURES
TOPIC = "classification"
FUNCTIONS = registry.get(TOPIC).functions


def _notebook_code(situation: str) -> bytes:
    path = FIXTURES / situation / f"{TOPIC}.ipynb"
    source, _ = notebook_source(path.read_bytes(), path.name)
    assert source is not None
    return source.encode()


# --- the rule: count implemented functions --------------------------------------------------

STUB_BODY = '    """Doc."""\n    raise NotImplementedError("classification.softmax: not yet")\n'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f"def softmax(z):\n{STUB_BODY}", set()),
        ("def softmax(z):\n    raise NotImplementedError\n", set()),
        (
            "def softmax(z):\n    '''Doc.'''\n    # YOUR CODE HERE\n    raise NotImplementedError()\n",
            set(),
        ),
        ("def softmax(z):\n    pass\n", set()),
        ("def softmax(z):\n    return z\n", {"softmax"}),
        ("def softmax(z):\n    x = 1\n    raise NotImplementedError\n", {"softmax"}),
        ("softmax = lambda z: z\n", {"softmax"}),
        (
            "from scipy.special import softmax, log_softmax as log_softmax\n",
            {"softmax", "log_softmax"},
        ),
        (f"def softmax(z):\n    return z\n\n\ndef softmax(z):\n{STUB_BODY}", set()),
        (f"def softmax(z):\n{STUB_BODY}\n\ndef softmax(z):\n    return z\n", {"softmax"}),
        ("class K:\n    def softmax(self, z):\n        return z\n", set()),
        ("def helper(z):\n    return z\n", set()),
    ],
)
def test_implemented_functions_are_judged_by_the_module_level_ast(source, expected):
    """A SPEC function holds work unless its last module-level binding is a bare stub body."""
    assert implemented_functions(source, FUNCTIONS) == expected


def test_implemented_functions_of_unparsable_source_is_none():
    """Source that does not parse has no count (it is reported, not silently scored 0)."""
    assert implemented_functions("def softmax(:\n", FUNCTIONS) is None


def test_the_committed_stub_implements_nothing_and_the_reference_everything():
    """The rule needs no stub or reference file: the stub counts 0, the solved notebook 7."""
    stub = (FIXTURES / "solved_notebook_beside_stub" / f"{TOPIC}.py").read_text()
    assert implemented_functions(stub, FUNCTIONS) == set()
    solved = _notebook_code("solved_notebook_beside_stub").decode()
    assert implemented_functions(solved, FUNCTIONS) == set(FUNCTIONS)


# --- which file of a student is graded -------------------------------------------------------


def test_solved_notebook_beside_stub_is_graded_and_the_note_says_why():
    """The untouched stub loses to the solved notebook, and the student is told which and why."""
    sub = read_submission("ada", FIXTURES / "solved_notebook_beside_stub", TOPIC)
    assert not sub.problems
    assert sub.files[f"{TOPIC}.py"] == _notebook_code("solved_notebook_beside_stub")
    (note,) = [n for n in sub.notes if n.startswith("graded ")]
    assert note.startswith(f"graded {TOPIC}.ipynb: it implements 7 of 7 functions")
    assert f"{TOPIC}.py implements 0" in note


def test_partly_solved_module_loses_to_the_solved_notebook():
    """When both hold work the one implementing more functions is graded, and the note counts."""
    sub = read_submission("ada", FIXTURES / "partial_module_solved_notebook", TOPIC)
    assert sub.files[f"{TOPIC}.py"] == _notebook_code("partial_module_solved_notebook")
    (note,) = [n for n in sub.notes if n.startswith("graded ")]
    assert note.startswith(f"graded {TOPIC}.ipynb: it implements 7 of 7 functions")
    assert f"{TOPIC}.py implements 3 of 7" in note


def test_solved_module_beside_the_release_notebook_is_graded_with_a_note():
    """The solved module beats the untouched release notebook; the note names both."""
    folder = FIXTURES / "solved_module_beside_release_notebook"
    sub = read_submission("ada", folder, TOPIC)
    assert sub.files[f"{TOPIC}.py"] == (folder / f"{TOPIC}.py").read_bytes()
    (note,) = [n for n in sub.notes if n.startswith("graded ")]
    assert note.startswith(f"graded {TOPIC}.py: it implements 7 of 7 functions")
    assert f"{TOPIC}.ipynb implements 0" in note


def test_a_tie_grades_the_module_and_says_so():
    """Module and notebook both solved: the module is graded and the note says it was a tie."""
    folder = FIXTURES / "solved_module_beside_solved_notebook"
    sub = read_submission("ada", folder, TOPIC)
    assert sub.files[f"{TOPIC}.py"] == (folder / f"{TOPIC}.py").read_bytes()
    (note,) = [n for n in sub.notes if n.startswith("graded ")]
    assert note.startswith(f"graded {TOPIC}.py: it implements 7 of 7 functions")
    assert f"{TOPIC}.ipynb implements 7 of 7; on a tie the module file is graded" in note


def test_the_notebook_named_for_the_assignment_wins_a_tie_among_notebooks(tmp_path):
    """Two equally solved notebooks: <id>.ipynb is graded, the other is named in the note."""
    solved = FIXTURES / "solved_notebook_only" / f"{TOPIC}.ipynb"
    shutil.copyfile(solved, tmp_path / f"{TOPIC}.ipynb")
    shutil.copyfile(solved, tmp_path / "a copy.ipynb")
    sub = read_submission("ada", tmp_path, TOPIC)
    (note,) = [n for n in sub.notes if n.startswith("graded ")]
    assert note.startswith(f"graded {TOPIC}.ipynb") and "a copy.ipynb" in note


def test_an_unreadable_notebook_beside_a_solved_module_is_a_note_not_a_failure(tmp_path):
    """A corrupt notebook does not stop the module beside it from being graded."""
    shutil.copyfile(
        FIXTURES / "solved_module_beside_release_notebook" / f"{TOPIC}.py", tmp_path / f"{TOPIC}.py"
    )
    (tmp_path / f"{TOPIC}.ipynb").write_text("{not json")
    sub = read_submission("ada", tmp_path, TOPIC)
    assert not sub.problems
    assert any("could not be read as a Jupyter notebook" in n for n in sub.notes)


# --- propgrade check -------------------------------------------------------------------------


def test_check_without_a_path_falls_back_to_the_notebook(monkeypatch):
    """`propgrade check ID` in a folder holding only the notebook checks the notebook."""
    monkeypatch.chdir(FIXTURES / "solved_notebook_only")
    sub = load_submission(TOPIC, None)
    assert not sub.problems
    assert sub.files == {f"{TOPIC}.py": _notebook_code("solved_notebook_only")}


def test_check_without_a_path_grades_the_solved_notebook_not_the_stub(monkeypatch):
    """`propgrade check ID` beside the untouched stub checks the solved notebook and says so."""
    monkeypatch.chdir(FIXTURES / "solved_notebook_beside_stub")
    sub = load_submission(TOPIC, None)
    assert sub.files == {f"{TOPIC}.py": _notebook_code("solved_notebook_beside_stub")}
    assert any(n.startswith(f"graded {TOPIC}.ipynb: it implements 7 of 7") for n in sub.notes)


def test_check_of_a_folder_applies_the_same_rule():
    """A folder given to `check` is read by the rule batch discovery uses."""
    folder = FIXTURES / "partial_module_solved_notebook"
    assert load_submission(TOPIC, folder) == read_submission("you", folder, TOPIC)


def test_check_of_a_missing_module_names_the_notebook_beside_it(monkeypatch):
    """An explicit path that does not exist says which notebook could be checked instead."""
    monkeypatch.chdir(FIXTURES / "solved_notebook_only")
    sub = load_submission(TOPIC, Path(f"{TOPIC}.py"))
    (problem,) = sub.problems
    assert f"{TOPIC}.py does not exist" in problem
    assert f"propgrade check {TOPIC} {TOPIC}.ipynb" in problem


def test_check_without_a_path_in_an_empty_folder_says_what_it_looked_for(tmp_path, monkeypatch):
    """No module and no notebook: one problem naming the file expected."""
    monkeypatch.chdir(tmp_path)
    (problem,) = load_submission(TOPIC, None).problems
    assert f"{TOPIC}.py" in problem and "notebook" in problem


@pytest.mark.slow
def test_propgrade_check_scores_the_solved_notebook_beside_the_stub(monkeypatch):
    """End to end: `check` in the release folder where the notebook was solved passes fully."""
    monkeypatch.chdir(FIXTURES / "solved_notebook_beside_stub")
    result = run_check(TOPIC, sandbox="plain", profile="quick")
    assert result.tests and result.score == result.max_score
    assert any(m.startswith(f"graded {TOPIC}.ipynb") for m in result.messages)


# --- which folders are students -------------------------------------------------------------


def test_junk_folders_are_not_students():
    """__MACOSX, dot-folders, .ipynb_checkpoints and __pycache__ at the batch root are skipped."""
    root = FIXTURES / "macosx_junk"
    assert {p.name for p in root.iterdir()} > {"alice"}
    assert [p.name for p in student_dirs(root)] == ["alice"]


def test_appledouble_files_are_not_read_as_source():
    """macOS' ._<name> resource files inside a student folder are not part of the submission."""
    (sub,) = discover(FIXTURES / "macosx_junk", TOPIC)
    assert sorted(sub.files) == [f"{TOPIC}.py"]


def test_an_nbgrader_course_root_is_graded_through_its_submitted_folder():
    """A course root passed as SUBMISSIONS gives its submitted students and one warning line."""
    warnings: list[str] = []
    subs = discover(FIXTURES / "nbgrader_course_root", TOPIC, warnings)
    assert [s.student_id for s in subs] == ["alice", "bob"]
    (line,) = warnings
    assert "nbgrader course" in line and "submitted" in line and "\n" not in line


def test_a_folder_holding_only_submitted_is_its_submitted_folder():
    """A folder whose one sub-folder is submitted/ is nbgrader's layout, not a student."""
    warnings: list[str] = []
    subs = discover(FIXTURES / "only_subfolder_is_submitted", TOPIC, warnings)
    assert [s.student_id for s in subs] == ["alice"] and len(warnings) == 1


def test_the_output_folder_inside_the_batch_is_not_a_student(tmp_path):
    """OUT placed inside SUBMISSIONS is never discovered as a student."""
    shutil.copytree(FIXTURES / "student_removed_between_runs" / "after", tmp_path / "subs")
    (tmp_path / "subs" / "out").mkdir()
    (tmp_path / "subs" / "out" / "grades.csv").write_text("student_id\n")
    subs = discover(tmp_path / "subs", TOPIC, exclude=(tmp_path / "subs" / "out",))
    assert [s.student_id for s in subs] == ["alice"]


# --- the fixtures are what the course builds -------------------------------------------------


@pytest.mark.slow
def test_committed_fixtures_equal_a_fresh_build():
    """tests/fixtures/discovery/ is what discovery_fixtures builds from today's course."""
    contents = discovery_fixtures.files(discovery_fixtures.released_notebook())
    for rel, data in contents.items():
        raw = data if isinstance(data, bytes) else data.encode()
        assert (FIXTURES / rel).read_bytes() == raw, (
            f"{rel} is stale: run python -m tests.grade.discovery_fixtures"
        )
    for situation in discovery_fixtures.situations(contents):
        on_disk = {
            p.relative_to(FIXTURES).as_posix()
            for p in (FIXTURES / situation).rglob("*")
            if p.is_file()
        }
        assert on_disk == {r for r in contents if r.startswith(f"{situation}/")}


def test_release_notebook_fixture_is_nbgraders_student_version():
    """The release notebook fixture has nbgrader's stubs in its solution cells, no answers."""
    nb = nbformat.read(
        FIXTURES / "solved_module_beside_release_notebook" / f"{TOPIC}.ipynb", as_version=4
    )
    solution = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert solution and all("raise NotImplementedError()" in c.source for c in solution)
