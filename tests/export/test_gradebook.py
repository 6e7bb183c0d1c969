"""Scores written into nbgrader's gradebook.db through nbgrader's Gradebook API, read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from graders import registry
from graders.cli import main
from graders.export.gradebook import write_gradebook
from graders.nbgrader_env import db_url, nbgrader_env
from graders.results import SubmissionResult
from graders.results import TestResult as Outcome

pytestmark = pytest.mark.slow  # end-to-end: writes real nbgrader gradebooks (alembic migrations)

TOPIC = "classification"


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    """An empty gradebook made by nbgrader once (it shells out to alembic for a new one)."""
    path = tmp_path_factory.mktemp("gb") / "gradebook.db"
    with nbgrader_env(), Gradebook(db_url(path)):
        pass
    return path


@pytest.fixture
def gradebook(empty_db, tmp_path) -> Path:
    path = tmp_path / "gradebook.db"
    shutil.copyfile(empty_db, path)
    return path


def _result(student: str, scores: dict[str, float], status: str = "graded") -> SubmissionResult:
    """One result with two properties per exercise: score split evenly between them."""
    spec = registry.get(TOPIC)
    tests = []
    for f in spec.functions:
        for i in range(2):
            got = scores.get(f, 0.0) / 2
            tests.append(
                Outcome(
                    key=f"{TOPIC}.{f}.p{i}",
                    exercise=spec.exercise(f),
                    name=f"{f}: property {i}",
                    score=got,
                    max_score=1.5,
                    visibility="public" if i == 0 else "hidden",
                    status="passed" if got == 1.5 else "failed",
                )
            )
    return SubmissionResult(
        student,
        TOPIC,
        sum(t.score for t in tests),
        sum(t.max_score for t in tests),
        tests,
        status=status,
    )


def test_scores_read_back_through_nbgraders_gradebook(gradebook):
    """Assignment, notebook, one grade cell per exercise and each student's auto scores."""
    results = [_result("ada", {"softmax": 3.0, "sigmoid": 1.5}), _result("bob", {})]
    write_gradebook(gradebook, TOPIC, results)
    with Gradebook(db_url(gradebook)) as gb:
        assignment = gb.find_assignment(TOPIC)
        assert [n.name for n in assignment.notebooks] == [TOPIC]
        cells = {c.name: c.max_score for c in gb.find_notebook(TOPIC, TOPIC).grade_cells}
        assert cells == {f: 3.0 for f in registry.get(TOPIC).functions}
        assert {s.id for s in gb.students} == {"ada", "bob"}
        ada = gb.find_submission(TOPIC, "ada")
        assert ada.score == 4.5 and ada.max_score == 21.0
        assert gb.find_grade("softmax", TOPIC, TOPIC, "ada").auto_score == 3.0
        assert gb.find_grade("log_softmax", TOPIC, TOPIC, "ada").auto_score == 0.0
        assert gb.find_submission(TOPIC, "bob").score == 0.0
        assert not ada.needs_manual_grade
        rows = {d["student"]: d["score"] for d in gb.submission_dicts(TOPIC)}
        assert rows == {"ada": 4.5, "bob": 0.0}  # what formgrader's assignment page lists


def test_regrading_updates_in_place(gradebook):
    """Writing again replaces the scores; no duplicate students, submissions or cells."""
    write_gradebook(gradebook, TOPIC, [_result("ada", {"softmax": 1.5})])
    write_gradebook(
        gradebook,
        TOPIC,
        [
            _result("ada", {"softmax": 3.0, "cross_entropy": 3.0}),
            _result("cyd", {}, status="not graded"),
        ],
    )
    with Gradebook(db_url(gradebook)) as gb:
        assert len(gb.students) == 2 and len(gb.assignment_submissions(TOPIC)) == 2
        assert gb.find_submission(TOPIC, "ada").score == 6.0
        assert len(gb.find_notebook(TOPIC, TOPIC).grade_cells) == 7
        cyd = gb.find_submission(TOPIC, "cyd")
        assert cyd.needs_manual_grade  # formgrader flags it for staff


def test_an_empty_batch_keeps_the_cells_points(gradebook):
    """Points come from the results only: writing no results leaves each cell's points."""
    write_gradebook(gradebook, TOPIC, [_result("ada", {"softmax": 3.0})])
    write_gradebook(gradebook, TOPIC, [])
    with Gradebook(db_url(gradebook)) as gb:
        cells = {c.name: c.max_score for c in gb.find_notebook(TOPIC, TOPIC).grade_cells}
        assert cells == {f: 3.0 for f in registry.get(TOPIC).functions}
        assert gb.find_grade("softmax", TOPIC, TOPIC, "ada").auto_score == 3.0


def test_grade_command_writes_the_gradebook(gradebook, tmp_path, monkeypatch):
    """`propgrade grade --gradebook PATH` records the batch's results in the gradebook."""
    import functools

    from graders.grade import batch

    @functools.wraps(batch.grade_batch)  # the CLI reads its option defaults from the signature
    def fake_grade_batch(submissions, assignment, out, **kwargs):
        return batch.BatchReport(results=[_result("broken", {}, status="not graded")], out=out)

    monkeypatch.setattr(batch, "grade_batch", fake_grade_batch)
    (tmp_path / "subs").mkdir()
    code = main(
        [
            "grade",
            str(tmp_path / "subs"),
            "--assignment",
            TOPIC,
            "--out",
            str(tmp_path / "out"),
            "--gradebook",
            str(gradebook),
        ]
    )
    assert code == 0
    with Gradebook(db_url(gradebook)) as gb:
        submission = gb.find_submission(TOPIC, "broken")
        assert submission.score == 0.0 and submission.max_score == 21.0


def test_same_cells_as_nbgrader_generate_assignment_creates(gradebook, tmp_path):
    """After nbgrader's own generate_assignment, our grade cells are its cells, same points."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from graders.assign.notebooks import load_manifest

    manifest = load_manifest(TOPIC)
    (tmp_path / "source" / TOPIC).mkdir(parents=True)
    shutil.copyfile(manifest.notebook, tmp_path / "source" / TOPIC / f"{TOPIC}.ipynb")
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    config.CourseDirectory.db_url = db_url(gradebook)
    with nbgrader_env():
        assert NbGraderAPI(config=config).generate_assignment(TOPIC)["success"]
    with Gradebook(db_url(gradebook)) as gb:
        made = {c.name: c.max_score for c in gb.find_notebook(TOPIC, TOPIC).grade_cells}
    assert made == manifest.points
    write_gradebook(gradebook, TOPIC, [_result("ada", {"softmax": 3.0})])
    with Gradebook(db_url(gradebook)) as gb:
        cells = {c.name: c.max_score for c in gb.find_notebook(TOPIC, TOPIC).grade_cells}
        assert set(cells) == set(made)
        assert gb.find_grade("softmax", TOPIC, TOPIC, "ada").auto_score == 3.0
