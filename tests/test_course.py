"""A course is a directory: init, new, --course, the bundled fallback, one home per fact."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from graders import course as courses
from graders import mutants, registry
from graders.assign.notebooks import build_notebook
from graders.cli import main
from graders.course import Course, CourseError, layout
from graders.grade.examples import default_cache_dir
from graders.grade.limits import limits_for
from tests.conftest import edit, run_autograder

ID = "dropout"
#: the scaffold's relu, correct but 1.5 s slow on its first call in a worker session
SLOW_ONCE = """
import time as _time

_SLEPT = []


def relu(z):
    if not _SLEPT:
        _SLEPT.append(1)
        _time.sleep(1.5)
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)
"""


def _new_course(root: Path, *ids: str) -> Course:
    """``propgrade init root`` and ``propgrade new ID --course root`` for each id."""
    assert main(["init", str(root)]) == 0
    for assignment in ids:
        assert main(["new", assignment, "--course", str(root)]) == 0
    return Course(root)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> Course:
    """A course with one scaffolded assignment, not changed by the tests that read it."""
    return _new_course(tmp_path_factory.mktemp("course") / "mine", ID)


def _one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[0].startswith("error: "), stderr
    return lines[0]


# --- the layout and the lookup ------------------------------------------------------------


def test_new_writes_the_mirrored_layout(scaffolded):
    """`propgrade new` writes one file per kind, each where the layout says."""
    for kind in (
        "reference",
        "exercise",
        "public",
        "hidden",
        "mutants",
        "manifest",
        "lecture",
        "notebook",
    ):
        assert scaffolded.path(kind, ID).is_file(), kind
    assert not (scaffolded.root / "graders" / "__init__.py").exists()
    assert scaffolded.ids() == [ID]


def test_the_scaffold_validates_as_generated(scaffolded, capsys):
    """`propgrade validate ID --course DIR` passes on the scaffold and prints its points."""
    assert main(["validate", ID, "--course", str(scaffolded.root)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "every check holds" in out
    assert "public 5 + hidden 5 = 10" in out


def test_an_id_the_course_lacks_is_the_bundled_one(scaffolded):
    """With a course of one's own current, its ids are its own and the bundled ones remain."""
    with courses.using(scaffolded):
        assert registry.get(ID).course == scaffolded
        assert registry.get("classification").course.bundled
        assert ID in registry.ASSIGNMENTS and "classification" in registry.ASSIGNMENTS
    assert ID not in registry.ASSIGNMENTS


def test_the_course_the_current_folder_is_in_is_the_default(scaffolded, tmp_path, monkeypatch):
    """In a course folder or below it that course is the default; elsewhere the bundled one."""
    assert courses.default(scaffolded.root) == scaffolded
    assert courses.default(scaffolded.path("folder", ID)) == scaffolded
    assert courses.default(tmp_path).bundled
    monkeypatch.chdir(scaffolded.path("folder", ID))
    assert registry.get(ID).course == scaffolded


def test_a_course_s_modules_are_imported_under_a_package_of_their_own(scaffolded):
    """The course's reference and graders never land in the bundled packages' names."""
    with courses.using(scaffolded):
        ref = courses.reference(ID)
        public = scaffolded.module("public", ID)
    assert ref.__name__ == f"{scaffolded.package}.reference.{ID}"
    assert public.__name__.startswith(scaffolded.package + ".graders.public.")
    assert f"reference.{ID}" not in sys.modules and f"graders.public.{ID}" not in sys.modules
    assert ref.relu.__module__ == ref.__name__


def test_init_shares_an_nbgrader_course_root(tmp_path):
    """An nbgrader course root becomes a course too; nbgrader's files are left alone."""
    for name in ("source/ps1", "release", "submitted"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "gradebook.db").write_bytes(b"sqlite")
    made = _new_course(tmp_path, ID)
    assert (tmp_path / "gradebook.db").read_bytes() == b"sqlite"
    assert sorted(p.name for p in (tmp_path / "source").iterdir()) == ["ps1"]
    assert not set(layout.NBGRADER_NAMES) & {
        Path(v.split("/")[0]).name for v in courses.LAYOUT.values()
    }
    assert made.ids() == [ID]


def test_new_refuses_an_existing_assignment_and_a_bad_id(scaffolded, capsys):
    """No file is overwritten; an id that cannot be a module name is a usage error."""
    before = scaffolded.path("reference", ID).read_text()
    assert main(["new", ID, "--course", str(scaffolded.root)]) == 3
    assert "exists already" in _one_error(capsys.readouterr().err)
    assert scaffolded.path("reference", ID).read_text() == before
    assert main(["new", "Drop-out", "--course", str(scaffolded.root)]) == 2
    assert "lower-case Python identifier" in _one_error(capsys.readouterr().err)


def test_new_writes_into_the_bundled_course_only_with_the_staff_override(capsys):
    """The bundled course is refused (exit 2, naming --into-bundled); with the flag the refusal
    is gone and new's own checks follow (an id it has: exit 3, nothing overwritten)."""
    bundled = str(courses.BUNDLED_ROOT)
    before = courses.bundled().path("reference", "classification").read_text()
    assert main(["new", "classification", "--course", bundled]) == 2
    assert "--into-bundled" in _one_error(capsys.readouterr().err)
    assert main(["new", "classification", "--course", bundled, "--into-bundled"]) == 3
    assert "exists already" in _one_error(capsys.readouterr().err)
    assert courses.bundled().path("reference", "classification").read_text() == before


def test_the_override_refuses_an_installed_propgrade(scaffolded, monkeypatch, capsys):
    """--into-bundled writes only into a checkout: a bundled course without pyproject.toml
    (site-packages) is refused before any file is written."""
    monkeypatch.setattr(courses, "BUNDLED_ROOT", scaffolded.root)
    assert main(["new", "gelu", "--course", str(scaffolded.root), "--into-bundled"]) == 2
    assert "installed propgrade" in _one_error(capsys.readouterr().err)
    assert not scaffolded.path("reference", "gelu").exists()


#: a catalog whose one entry calls a name nothing defines (a typo of np.exp)
TYPO_CATALOG = '''"""A catalog with a typo in its entry."""

from __future__ import annotations

from graders.mutants import Catalog

catalog = Catalog("gelu")


@catalog.mutant("relu", "relu through a typo")
def relu_typo(z):
    return np_exp(z)


MUTANTS = catalog.mutants
VARIANTS = catalog.variants
'''


def test_a_typo_in_a_catalog_entry_fails_when_the_catalog_is_imported(tmp_path, capsys):
    """A name an entry uses that the submission would lack is the course's error at import,
    naming the catalog's file and line: validate stops with one line (exit 3), no row runs."""
    course = _new_course(tmp_path / "typo", "gelu")
    course.path("mutants", "gelu").write_text(TYPO_CATALOG)
    with (
        courses.using(course),
        pytest.raises(courses.CourseError, match=r"mutants/gelu\.py:\d+: .*'np_exp'"),
    ):
        mutants.mutants("gelu")
    assert main(["validate", "gelu", "--course", str(course.root)]) == 3
    assert "np_exp" in _one_error(capsys.readouterr().err)


def test_course_that_is_not_one_is_one_line(tmp_path, capsys):
    """--course naming a folder that is no course: exit 3, one line saying how to make one."""
    assert main(["validate", ID, "--course", str(tmp_path)]) == 3
    assert "propgrade init" in _one_error(capsys.readouterr().err)


# --- one home per fact ----------------------------------------------------------------------


def test_points_come_from_the_decorators(tmp_path):
    """Doubling a property's points changes the registry's total and the notebook's grade
    cell, with no manifest edit."""
    made = _new_course(tmp_path / "c", ID)
    path = made.path("public", ID)
    edit(path, "points=5,", "points=7,")
    with courses.using(made):
        assert registry.get(ID).public_points == 7 and registry.get(ID).total_points == 12
        cells = [c for c in build_notebook(ID).cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.metadata["nbgrader"]["points"] for c in cells] == [12]


def test_a_manifest_with_points_is_refused(scaffolded, tmp_path, capsys):
    """A manifest still holding a [points] table fails in one line naming the file."""
    copy = tmp_path / "old"
    shutil.copytree(scaffolded.root, copy)
    manifest = Course(copy).path("manifest", ID)
    manifest.write_text(manifest.read_text() + "\n[points]\nrelu = 10\n")
    assert main(["validate", ID, "--course", str(copy)]) == 3
    line = _one_error(capsys.readouterr().err)
    assert str(manifest) in line and "[points]" in line


def test_a_grader_typo_fails_at_import_in_the_authors_hands(tmp_path, capsys):
    """`student.rleu` in a grader is refused when the grader is loaded, naming the file and
    the line, before any student code runs; no student is blamed."""
    made = _new_course(tmp_path / "c", ID)
    public = made.path("public", ID)
    text = public.read_text()
    public.write_text(text.replace("student.relu(z)", "student.rleu(z)"))
    line = next(i for i, ln in enumerate(public.read_text().splitlines(), 1) if "rleu" in ln)
    with courses.using(made), pytest.raises(CourseError) as err:
        registry.properties(ID)
    assert f"{public}:{line}: student.rleu" in str(err.value)
    assert "relu" in str(err.value)
    (tmp_path / "s" / "ada").mkdir(parents=True)
    shutil.copyfile(made.path("reference", ID), tmp_path / "s" / "ada" / f"{ID}.py")
    assert (
        main(
            [
                "grade",
                str(tmp_path / "s"),
                "-a",
                ID,
                "--out",
                str(tmp_path / "o"),
                "--course",
                str(made.root),
                "--sandbox",
                "plain",
            ]
        )
        == 3
    )
    assert "student.rleu" in _one_error(capsys.readouterr().err)
    assert not (tmp_path / "o" / "ada").exists()


def test_a_grader_typo_outside_any_check_fails_at_import(tmp_path):
    """`student.rleu` in module-level code (no check or helper function holds it) is refused
    when the grader is loaded too, naming the file and the line."""
    made = _new_course(tmp_path / "c", ID)
    public = made.path("public", ID)
    public.write_text(public.read_text() + "\n\nPROBE = student.rleu\n")
    line = len(public.read_text().splitlines())
    with courses.using(made), pytest.raises(CourseError, match=f"{public}:{line}: student.rleu"):
        registry.properties(ID)


def test_a_grader_may_call_every_function_of_its_assignment(tmp_path):
    """Calls to the assignment's other functions are allowed; a helper's typo is caught."""
    made = _new_course(tmp_path / "c", ID)
    manifest = made.path("manifest", ID)
    edit(manifest, 'functions = ["relu"]', 'functions = ["relu", "leaky_relu"]')
    public = made.path("public", ID)
    public.write_text(
        public.read_text()
        + """

def _helper(z):
    return student.leaky_relu(z)
"""
    )
    with courses.using(made):
        assert {p.function for p in registry.properties(ID)} == {"relu"}
    typo = _new_course(tmp_path / "t", ID)
    public = typo.path("public", ID)
    public.write_text(public.read_text() + "\n\ndef _helper(z):\n    return student.relu_(z)\n")
    with courses.using(typo), pytest.raises(CourseError, match=r"student\.relu_"):
        registry.properties(ID)


# --- the limits: check, grade and the Gradescope zip read the manifest's ----------------------


def _run_zip(zip_path: Path, root: Path, files: dict[str, str]) -> dict:
    """Gradescope's run of an autograder zip (tests/conftest.py's run_autograder)."""
    cache = os.environ.get("PROPGRADE_CACHE") or str(default_cache_dir().parent)
    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        "PROPGRADE_CACHE": cache,
    }
    env.pop("PYTHONPATH", None)
    return run_autograder(zip_path, root, dict(files), env)[0]


@pytest.mark.slow
def test_check_grade_and_the_autograder_obey_the_manifests_limits(tmp_path, capsys):
    """With the manifest's call_seconds lowered to 0.5, a relu that takes 1.5 s once times
    out under check, grade and the Gradescope zip alike; --call-seconds overrides it."""
    made = _new_course(tmp_path / "c", ID)
    manifest = made.path("manifest", ID)
    edit(manifest, "call_seconds = 5.0", "call_seconds = 0.5")
    with courses.using(made):
        slow = mutants.splice(mutants.reference_source(ID), SLOW_ONCE)
        assert limits_for(ID).call_seconds == 0.5
        assert limits_for(ID, call_seconds=4.0).call_seconds == 4.0
    (tmp_path / "s" / "ada").mkdir(parents=True)
    (tmp_path / "s" / "ada" / f"{ID}.py").write_text(slow)
    course = ["--course", str(made.root), "--sandbox", "plain"]
    timed_out = re.compile(r"relu did not return within 0\.5 s")

    assert main(["check", ID, str(tmp_path / "s" / "ada" / f"{ID}.py"), *course]) == 1
    assert timed_out.search(capsys.readouterr().out)
    assert (
        main(
            ["check", ID, str(tmp_path / "s" / "ada" / f"{ID}.py"), *course, "--call-seconds", "4"]
        )
        == 0
    )
    capsys.readouterr()

    assert (
        main(["grade", str(tmp_path / "s"), "-a", ID, "--out", str(tmp_path / "o"), *course]) == 0
    )
    tests = json.loads((tmp_path / "o" / "ada" / "results.json").read_text())["tests"]
    assert any(timed_out.search(t["output"]) for t in tests if t["status"] == "failed")
    assert (
        main(
            [
                "grade",
                str(tmp_path / "s"),
                "-a",
                ID,
                "--out",
                str(tmp_path / "o2"),
                *course,
                "--call-seconds",
                "4",
            ]
        )
        == 0
    )
    graded = json.loads((tmp_path / "o2" / "ada" / "results.json").read_text())
    assert graded["score"] == graded["max_score"] == 10

    assert (
        main(["autograder", ID, "--out", str(tmp_path / "ag.zip"), "--course", str(made.root)]) == 0
    )
    results = _run_zip(tmp_path / "ag.zip", tmp_path / "autograder", {f"{ID}.py": slow})
    assert results["score"] < results["max_score"] == 10
    assert any(timed_out.search(t["output"]) for t in results["tests"])
