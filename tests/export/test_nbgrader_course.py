"""An nbgrader course round trip: nbgrader's commands make the course, propgrade releases and
grades in it, and nbgrader's export, NbGraderAPI and release_feedback read propgrade's grades."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from graders import mutants
from graders.assign.notebooks import fill_solutions
from graders.cli import main
from graders.errors import InputError
from graders.export.nbgrader_course import _copy_regular, _timestamp, batch_course
from graders.export.visibility import WITHHELD
from graders.nbgrader_env import course_config, nbgrader_env

#: end-to-end: nbgrader's own CLI, generate_assignment, a graded batch (~1 min of CPU)
slow = pytest.mark.slow

TOPIC = "classification"
DUE = "2026-03-01 17:00:00 UTC"
#: student -> (what they submit, timestamp.txt); dan is in the gradebook and submits nothing
SUBMITTED = {
    "ada": ("reference", "2026-03-01 16:59:00.000000 UTC"),
    "bob": ("softmax_no_max_shift", "2026-03-01 12:00:00.000000 UTC"),  # a catalog mutant
    "lee": ("reference", "2026-03-02 09:30:00.000000 UTC"),  # 16.5 h late
}
LATE_SECONDS = 16.5 * 3600
CONFIG = """c = get_config()
c.CourseDirectory.course_id = "dl101"
c.Exchange.root = {exchange!r}
c.LateSubmissionPlugin.penalty_method = "zero"
"""


def nbgrader(root: Path, *args: str) -> str:
    """Run nbgrader's own command line in the course root, as staff do."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _secret(student: str) -> str:
    return f"secret-of-{student}"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, Path]:
    """(course root, propgrade's OUT) after nbgrader makes the course, propgrade `generate
    --course` releases the assignment, students submit and propgrade `grade --course` runs."""
    tmp = tmp_path_factory.mktemp("nbgrader-course")
    root, exchange = tmp / "dl101", tmp / "exchange"
    root.mkdir()
    exchange.mkdir(mode=0o777)
    os.chmod(exchange, 0o777)  # nbgrader's exchange must be o+rwx (mkdir's mode obeys umask)
    (root / "nbgrader_config.py").write_text(CONFIG.format(exchange=str(exchange)))
    nbgrader(root, "db", "student", "add", "dan", "--last-name=Hopper", "--first-name=Grace")
    (tmp / "students.csv").write_text(
        "id,last_name,first_name,email\nada,Lovelace,Ada,\nbob,Babbage,Charles,\n"
    )
    nbgrader(root, "db", "student", "import", str(tmp / "students.csv"))
    nbgrader(root, "db", "assignment", "add", TOPIC, f"--duedate={DUE}")

    assert main(["generate", TOPIC, "--course", str(root)]) == 0
    released = nbformat.read(root / "release" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    for student, (what, stamp) in SUBMITTED.items():
        source = (
            mutants.reference_source(TOPIC)
            if what == "reference"
            else mutants.mutant_source(
                TOPIC, next(m for m in mutants.mutants(TOPIC) if m.id == what)
            )
        )
        folder = root / "submitted" / student / TOPIC
        folder.mkdir(parents=True)
        nbformat.write(fill_solutions(released, source), folder / f"{TOPIC}.ipynb")
        (folder / "timestamp.txt").write_text(stamp)  # as nbgrader collect leaves it
        (folder / "submission_secret.txt").write_text(_secret(student))
    (root / "submitted" / "eve" / "ps0").mkdir(parents=True)  # another assignment only

    out = tmp / "out"
    assert (
        main(
            [
                "grade",
                str(root / "submitted"),
                "-a",
                TOPIC,
                "--course",
                str(root),
                "--out",
                str(out),
                "--sandbox",
                "plain",
            ]
        )
        == 0
    )
    return root, out


def _grades(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


def _api(root: Path):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = course_config(root)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _export(root: Path, name: str) -> dict[str, dict[str, str]]:
    nbgrader(root, "export", f"--to={root.parent / name}")
    with (root.parent / name).open(newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh) if row["assignment"] == TOPIC}


@slow
def test_generate_registers_the_release_as_generate_assignment_does(course):
    """source/ and release/ hold the notebook and stub; the gradebook has the assignment with
    its due date kept, notebook <id> and one grade cell per function worth its points."""
    from nbgrader.api import Gradebook

    from graders import registry

    root, _ = course
    for step in ("source", "release"):
        assert sorted(p.name for p in (root / step / TOPIC).iterdir()) == [
            f"{TOPIC}.ipynb",
            f"{TOPIC}.py",
        ]
    assert (root / "checker" / TOPIC / "checker" / "pyproject.toml").is_file()
    config = course_config(root)
    with (
        nbgrader_env(),
        Gradebook(f"sqlite:///{root / 'gradebook.db'}", config.CourseDirectory.course_id) as gb,
    ):
        assignment = gb.find_assignment(TOPIC)
        assert str(assignment.duedate) == "2026-03-01 17:00:00"
        (notebook,) = assignment.notebooks
        assert notebook.name == TOPIC
        cells = {c.name: c.max_score for c in notebook.grade_cells}
    assert cells == registry.get(TOPIC).points


@slow
def test_nbgrader_export_agrees_with_grades_csv(course):
    """nbgrader export: every graded student's raw score is propgrade's, max_score is the
    assignment's; the late one is penalised by the course's plugin; dan, who submitted
    nothing, has 0; eve, who submitted another assignment, was not graded."""
    root, out = course
    grades, exported = _grades(out), _export(root, "export.csv")
    assert set(grades) == set(SUBMITTED)
    assert set(exported) == {*SUBMITTED, "dan"}
    assert float(grades["ada"]["score"]) == 20 > float(grades["bob"]["score"]) > 0
    for student, row in grades.items():
        got = exported[student]
        assert float(got["raw_score"]) == float(row["score"]), student
        assert float(got["max_score"]) == float(row["max_score"]) == 20, student
        late = student == "lee"
        assert float(got["late_submission_penalty"] or 0) == (float(row["score"]) if late else 0)
        assert float(got["score"]) == (0.0 if late else float(row["score"])), student
    assert float(exported["dan"]["score"]) == 0 and exported["dan"]["timestamp"] == ""
    assert float(exported["dan"]["max_score"]) == 20


@slow
def test_formgrader_api_reports_propgrades_scores(course):
    """NbGraderAPI: each submission autograded with propgrade's score and max_score, late as
    nbgrader counts it; dan's zero row says not submitted."""
    from nbgrader.api import Gradebook

    root, out = course
    grades = _grades(out)
    with nbgrader_env():
        api = _api(root)
        subs = {s["student"]: s for s in api.get_submissions(TOPIC)}
        (dan,) = api.get_student_submissions("dan")
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            late = {s: gb.find_submission(TOPIC, s).total_seconds_late for s in SUBMITTED}
    assert set(subs) == set(SUBMITTED)
    for student, row in grades.items():
        assert subs[student]["autograded"] and subs[student]["submitted"], student
        assert subs[student]["score"] == float(row["score"]), student
        assert subs[student]["max_score"] == float(row["max_score"]), student
        assert not subs[student]["needs_manual_grade"], student
    assert late == {"ada": 0, "bob": 0, "lee": LATE_SECONDS}
    assert (dan["score"], dan["submitted"], dan["autograded"]) == (0.0, False, False)


@slow
def test_autograded_and_feedback_hold_each_students_files(course):
    """autograded/<s>/<id>/ is the submission byte for byte; feedback/<s>/<id>/<id>.html is
    propgrade's feedback page (hidden checks withheld) beside timestamp and secret."""
    root, out = course
    for student in SUBMITTED:
        submitted = root / "submitted" / student / TOPIC
        autograded = root / "autograded" / student / TOPIC
        feedback = root / "feedback" / student / TOPIC
        names = sorted(p.name for p in submitted.iterdir())
        assert sorted(p.name for p in autograded.iterdir()) == names
        for name in names:
            assert (autograded / name).read_bytes() == (submitted / name).read_bytes()
        assert sorted(p.name for p in feedback.iterdir()) == [
            f"{TOPIC}.html",
            "submission_secret.txt",
            "timestamp.txt",
        ]
        page = (feedback / f"{TOPIC}.html").read_text()
        assert page == (out / student / "feedback.html").read_text()
        assert WITHHELD in page
    assert not (root / "autograded" / "dan").exists()
    assert not (root / "autograded" / "eve").exists()


@slow
@pytest.mark.filterwarnings("ignore:Passing unrecognized arguments")  # nbgrader's own typo
def test_nbgrader_release_feedback_ships_propgrades_page(course):
    """nbgrader's release_feedback finds each feedback file and puts it in the exchange
    under the hash of the student's secret, as students' fetch_feedback looks it up."""
    from nbgrader.utils import notebook_hash

    root, _ = course
    with nbgrader_env():
        result = _api(root).release_feedback(TOPIC)
    assert result["success"], result.get("log")
    exchange = Path(course_config(root).Exchange.root) / "dl101" / "feedback"
    for student in SUBMITTED:
        shipped = exchange / f"{notebook_hash(secret=_secret(student), notebook_id=TOPIC)}.html"
        assert (
            shipped.read_bytes()
            == (root / "feedback" / student / TOPIC / f"{TOPIC}.html").read_bytes()
        )


@slow
def test_a_rerun_leaves_the_course_as_it_was(course, tmp_path):
    """Grading the unchanged batch again grades nobody and nbgrader exports the same."""
    root, out = course
    before = _export(root, "before.csv")
    assert (
        main(
            [
                "grade",
                str(root / "submitted"),
                "-a",
                TOPIC,
                "--course",
                str(root),
                "--out",
                str(out),
                "--sandbox",
                "plain",
            ]
        )
        == 0
    )
    assert _export(root, "after.csv") == before


@slow
def test_grading_an_assignment_the_gradebook_lacks_is_one_line(course, tmp_path, capsys):
    """grade --course for an assignment never released there: exit 3, one line naming the
    command that registers it; nothing is written."""
    root, _ = course
    out = tmp_path / "out"
    assert (
        main(
            [
                "grade",
                str(root / "submitted"),
                "-a",
                "backprop",
                "--course",
                str(root),
                "--out",
                str(out),
            ]
        )
        == 3
    )
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "backprop is not in the gradebook" in err
    assert f"propgrade generate backprop --course {root}" in err
    assert not out.exists() and not (root / "autograded" / "ada" / "backprop").exists()


# --- without a course: the rules, fast ----------------------------------------------------


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and err.startswith("error: "), err
    return err.splitlines()[0]


def test_generate_without_out_needs_an_nbgrader_course(tmp_path, capsys):
    """generate with no --out: exit 2 in one line, naming --out, whether --course is missing
    or names a propgrade course that is not an nbgrader one; nothing is written."""
    assert main(["generate", TOPIC]) == 2
    assert "--out DIR" in _one_line(capsys)
    assert main(["init", str(tmp_path / "mine")]) == 0
    capsys.readouterr()
    assert main(["generate", TOPIC, "--course", str(tmp_path / "mine")]) == 2
    assert "is not an nbgrader course" in _one_line(capsys)
    assert not (tmp_path / "mine" / "release").exists()


def test_only_the_courses_own_submitted_is_graded_into_it(tmp_path):
    """A batch goes into the course when it is the course's submitted/ (or its root), never
    when it is another folder or the course has no nbgrader_config.py or gradebook.db."""
    root = tmp_path / "course"
    (root / "submitted").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    assert batch_course(root / "submitted", root) is None
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    assert batch_course(root / "submitted", root) == root
    assert batch_course(root, root) == root
    assert batch_course(tmp_path / "elsewhere", root) is None


def test_a_config_nbgrader_cannot_load_is_one_line(tmp_path):
    """A broken nbgrader_config.py is an InputError naming the file, not a traceback."""
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Nope = 1 / 0\n")
    with pytest.raises(InputError, match="nbgrader_config.py: nbgrader cannot load it"):
        course_config(tmp_path)


def test_copies_for_staff_and_students_never_follow_links(tmp_path):
    """What goes to autograded/ and feedback/ is the submission's regular files only: a link
    to a file or folder elsewhere (the reference, another student) is not copied."""
    secret = tmp_path / "secret"
    (secret / "deep").mkdir(parents=True)
    (secret / "reference.py").write_text("the answers")
    (secret / "deep" / "more.py").write_text("more answers")
    src = tmp_path / "submitted" / "ada" / TOPIC
    (src / "sub" / "__pycache__").mkdir(parents=True)
    (src / f"{TOPIC}.ipynb").write_text("{}")
    (src / "sub" / "helper.py").write_text("x = 1")
    (src / "sub" / "__pycache__" / "helper.pyc").write_bytes(b"\0")
    (src / "answers.py").symlink_to(secret / "reference.py")
    (src / "linked").symlink_to(secret, target_is_directory=True)
    dest = tmp_path / "autograded" / "ada" / TOPIC
    _copy_regular(src, dest, ["__pycache__", "*.pyc"])
    copied = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert copied == [f"{TOPIC}.ipynb", "sub/helper.py"]
    assert not any(p.is_symlink() for p in dest.rglob("*"))


def test_a_timestamp_nbgrader_cannot_read_is_a_warning(tmp_path):
    """timestamp.txt as nbgrader writes it is read as UTC; garbage is one warning line and
    no timestamp (the submission is graded, never counted late)."""
    from datetime import datetime

    (tmp_path / "timestamp.txt").write_text("2026-03-01 18:00:00.000000 CET")
    warnings: list[str] = []
    assert _timestamp(tmp_path, warnings) == datetime(2026, 3, 1, 17, 0) and not warnings
    (tmp_path / "timestamp.txt").write_text("yesterday-ish")
    assert _timestamp(tmp_path, warnings) is None
    assert len(warnings) == 1 and "timestamp.txt: not a timestamp" in warnings[0]
