"""The export stage: every file of OUT regenerated from the results store alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graders import mutants
from graders.cli import main
from graders.errors import EXIT_INPUT, EXIT_OK
from graders.export.stage import export_batch
from graders.export.visibility import WITHHELD
from graders.grade.batch import grade_batch
from tests.conftest import mutant

TOPIC = "classification"


def _files(out: Path) -> dict[str, bytes]:
    """Every file propgrade wrote into OUT (not the store), by relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith("propgrade.sqlite")
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """alice correct, bob with a catalog mutant, carol's module does not parse."""
    root = tmp_path_factory.mktemp("stage")
    wrong = mutants.mutant_source(TOPIC, mutant(TOPIC, "softmax_axis_0"))
    for student, source in [
        ("alice", mutants.reference_source(TOPIC)),
        ("bob", wrong),
        ("carol", "def softmax(:\n"),
    ]:
        (root / "subs" / student).mkdir(parents=True)
        (root / "subs" / student / f"{TOPIC}.py").write_text(source)
    report = grade_batch(root / "subs", TOPIC, root / "out", sandbox="plain", profile="quick")
    return root, report


@pytest.mark.slow
def test_export_restores_deleted_files_byte_identically_without_the_submissions(graded):
    """With every file of OUT and the submissions gone, `propgrade export OUT` rewrites
    grades.csv, each results.json and feedback.html and the summary exactly as grade wrote them."""
    root, report = graded
    out = root / "out"
    before = _files(out)
    assert {
        "grades.csv",
        "summary.md",
        "summary.png",
        "alice/results.json",
        "bob/feedback.html",
        "carol/results.json",
    } <= set(before)
    shutil.move(root / "subs", root / "elsewhere")  # export must not need them
    for name in before:
        (out / name).unlink()
    try:
        assert main(["export", str(out)]) == EXIT_OK
    finally:
        shutil.move(root / "elsewhere", root / "subs")
    assert _files(out) == before


@pytest.mark.slow
def test_export_returns_the_batch_grade_reported(graded):
    """The stage reads back the same results, in the same order, that grade returned."""
    root, report = graded
    done = export_batch(root / "out")
    assert done.assignment == TOPIC
    assert [r.to_dict() for r in done.results] == [r.to_dict() for r in report.results]
    assert [r.student_id for r in done.results] == ["alice", "bob", "carol"]


@pytest.mark.slow
def test_export_release_hidden_shows_hidden_checks_and_a_plain_export_withholds_them(graded):
    """--release-hidden rewrites results.json with the hidden checks' output; exporting again
    without it withholds them again (the store keeps everything)."""
    out = graded[0] / "out"

    def hidden_outputs() -> list[str]:
        data = json.loads((out / "bob" / "results.json").read_text())
        return [t["output"] for t in data["tests"] if t["visibility"] == "after_due_date"]

    assert hidden_outputs() and set(hidden_outputs()) == {WITHHELD}
    assert main(["export", str(out), "--release-hidden"]) == EXIT_OK
    assert WITHHELD not in hidden_outputs()
    assert main(["export", str(out)]) == EXIT_OK
    assert set(hidden_outputs()) == {WITHHELD}


def test_export_of_a_folder_without_a_store_is_one_input_error_line(tmp_path, capsys):
    """OUT that was never graded into is exit 3 and one line, and no empty store is created."""
    (tmp_path / "out").mkdir()
    assert main(["export", str(tmp_path / "out")]) == EXIT_INPUT
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "has no propgrade.sqlite" in err and "\n" not in err
    assert not (tmp_path / "out" / "propgrade.sqlite").exists()


@pytest.mark.slow
def test_a_moved_out_folder_exports_from_the_store_it_carries(graded):
    """OUT copied elsewhere (its SQLite store inside) is found by being the store's one batch:
    its grades.csv, deleted, comes back equal to the original's."""
    root, _ = graded
    moved = root / "moved"
    shutil.copytree(root / "out", moved)
    (moved / "grades.csv").unlink()
    assert main(["export", str(moved)]) == EXIT_OK
    assert (moved / "grades.csv").read_bytes() == (root / "out" / "grades.csv").read_bytes()
