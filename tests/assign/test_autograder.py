"""The Gradescope autograder zip, unpacked into a fake /autograder tree and run there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from graders import mutants
from graders.assign.autograder import build_autograder
from graders.assign.notebooks import build_notebook, fill_solutions

TOPIC = "classification"


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    """`propgrade autograder classification --out autograder.zip`."""
    return build_autograder(TOPIC, tmp_path_factory.mktemp("zip") / "autograder.zip")


def _run(zip_path: Path, root: Path, files: dict[str, bytes]) -> dict:
    """Gradescope's steps without setup.sh: unpack to source/, fill submission/, run."""
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir(parents=True)
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_zip_holds_the_gradescope_entry_points_and_the_project(autograder_zip):
    """setup.sh and run_autograder at the root (executable), graders with hidden, no tests."""
    with zipfile.ZipFile(autograder_zip) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        setup = zf.read("setup.sh").decode()
    for name in ("setup.sh", "run_autograder"):
        assert (infos[name].external_attr >> 16) & 0o111, name
    assert "grade_submission.py" in infos
    assert f"propgrade/graders/hidden/{TOPIC}.py" in infos
    assert f"propgrade/reference/{TOPIC}.py" in infos
    assert f"propgrade/assignments/{TOPIC}/manifest.toml" in infos
    assert not [n for n in infos if n.startswith("propgrade/tests") or "__pycache__" in n]
    assert setup.index("torch==") < setup.index("-r requirements.txt")


def test_autograder_zip_is_reproducible(autograder_zip, tmp_path):
    """The same sources give a byte-identical zip (fixed timestamps, sorted files)."""
    again = build_autograder(TOPIC, tmp_path / "again.zip")
    assert again.read_bytes() == autograder_zip.read_bytes()


@pytest.mark.slow
def test_autograder_gives_the_reference_full_marks(autograder_zip, tmp_path):
    """A module submission of the reference: results.json with full marks, hidden tests too."""
    results = _run(autograder_zip, tmp_path / "autograder",
                   {f"{TOPIC}.py": mutants.reference_source(TOPIC).encode()})
    assert results["score"] == results["max_score"] == 20
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_due_date"}
    assert all(t["name"].split(":")[0] in t["tags"][0] for t in results["tests"])


@pytest.mark.slow
def test_autograder_grades_a_buggy_notebook(autograder_zip, tmp_path):
    """A notebook submission with one known bug loses points on that function only."""
    wrong = mutants.mutants(TOPIC)[0]
    nb = fill_solutions(build_notebook(TOPIC), mutants.mutant_source(TOPIC, wrong))
    results = _run(autograder_zip, tmp_path / "autograder",
                   {f"{TOPIC}.ipynb": nbformat.writes(nb).encode()})
    failed = {t["name"].split(":")[0] for t in results["tests"] if t["status"] == "failed"}
    assert wrong.function in failed
    assert 0 < results["score"] < results["max_score"]
