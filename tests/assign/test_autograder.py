"""The Gradescope autograder zip, unpacked into a fake /autograder tree and run there."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from graders import mutants, report
from graders.assign.autograder import build_autograder
from graders.assign.notebooks import ROOT, build_notebook, fill_solutions
from graders.grade.examples import default_cache_dir
from tests.conftest import run_autograder, solution_lines, unpack_autograder

TOPIC = "classification"
HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "gradescope" / "reads_autograder_files"


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    """`propgrade autograder classification --out autograder.zip`."""
    return build_autograder(TOPIC, tmp_path_factory.mktemp("zip") / "autograder.zip")


def _warm_cache() -> str:
    """This machine's example cache (the zip keeps its own, cold, inside its private source)."""
    return os.environ.get("PROPGRADE_CACHE") or str(default_cache_dir().parent)


def _run(
    zip_path: Path, root: Path, files: dict[str, bytes], env: dict[str, str] | None = None
) -> tuple[dict, subprocess.CompletedProcess]:
    """Gradescope's steps without setup.sh, with this machine's warm example cache."""
    return run_autograder(
        zip_path,
        root,
        files,
        env
        or {
            **os.environ,
            "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
            "PROPGRADE_CACHE": _warm_cache(),
        },
    )


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
    results, _ = _run(
        autograder_zip,
        tmp_path / "autograder",
        {f"{TOPIC}.py": mutants.reference_source(TOPIC).encode()},
    )
    assert results["score"] == results["max_score"] == 20
    assert {t["visibility"] for t in results["tests"]} == {"visible", "after_due_date"}
    assert all(t["name"].split(":")[0] in t["tags"][0] for t in results["tests"])


@pytest.mark.slow
def test_autograder_grades_a_buggy_notebook(autograder_zip, tmp_path):
    """A notebook submission with one known bug loses points on that function only."""
    wrong = mutants.mutants(TOPIC)[0]
    nb = fill_solutions(build_notebook(TOPIC), mutants.mutant_source(TOPIC, wrong))
    results, _ = _run(
        autograder_zip, tmp_path / "autograder", {f"{TOPIC}.ipynb": nbformat.writes(nb).encode()}
    )
    failed = {t["name"].split(":")[0] for t in results["tests"] if t["status"] == "failed"}
    assert wrong.function in failed
    assert 0 < results["score"] < results["max_score"]


# --- student code that reads the autograder's files, bubblewrap unavailable ----------------


def _world_readable_python() -> str | None:
    """A system Python of this Python's version (Gradescope's is apt's, under /usr)."""
    for path in ("/usr/bin/python3", "/usr/local/bin/python3"):
        try:
            done = subprocess.run(
                [path, "-c", "import sys; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except OSError:
            continue
        if done.stdout.strip() == str(tuple(sys.version_info[:2])):
            return path
    return None


@pytest.fixture
def gradescope_root() -> Iterator[Path]:
    """An AUTOGRADER_ROOT as Gradescope's image has it: /autograder-like (0755, reachable by
    every user), a venv made by a system Python with the project's dependencies (as setup.sh
    makes it; here the dependencies are this venv's site-packages, without propgrade), and a
    ``bwrap`` first on PATH that cannot create namespaces (as in an unprivileged container)."""
    python = _world_readable_python()
    if os.geteuid() != 0 or python is None:
        pytest.skip(
            "needs root (Gradescope runs run_autograder as root) and a system Python "
            f"{sys.version_info[0]}.{sys.version_info[1]}"
        )
    root = Path(tempfile.mkdtemp(prefix="propgrade-gradescope-", dir="/tmp"))
    try:
        root.chmod(0o755)
        subprocess.run([python, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
        site = next((root / "venv" / "lib").glob("python3*")) / "site-packages"
        deps = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
        (site / "propgrade-deps.pth").write_text(deps + "\n")
        fake = root / "fake-bin"
        fake.mkdir()
        (fake / "bwrap").write_text(
            "#!/bin/sh\necho 'bwrap: Creating new namespace failed: "
            "Operation not permitted' >&2\nexit 1\n"
        )
        (fake / "bwrap").chmod(0o755)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _hidden_grader_lines(topic: str) -> set[str]:
    """Code lines of the hidden graders that no feedback ever quotes (calls, oracles)."""
    text = (ROOT / "graders" / "hidden" / f"{topic}.py").read_text()
    return {
        ln.strip()
        for ln in text.splitlines()
        if "yield student." in ln or "expect=lambda" in ln or "compare.close(" in ln
    }


@pytest.mark.slow
def test_student_code_cannot_read_the_autograder_without_bubblewrap(
    autograder_zip, gradescope_root
):
    """Without bubblewrap, a submission that reads every file it can reach and raises it
    quotes no reference solution line and no hidden grader line, and still gets its row."""
    root = gradescope_root
    env = {
        "PATH": f"{root / 'fake-bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "PROPGRADE_CACHE": _warm_cache(),
    }  # root's: /root is 0700
    results, proc = _run(
        autograder_zip, root, {f"{TOPIC}.py": (HOSTILE / f"{TOPIC}.py").read_bytes()}, env=env
    )
    text = json.dumps(results, ensure_ascii=False)
    outputs = "\n".join(t["output"] for t in results["tests"])
    assert "hostile walk:" in outputs, "the attack's findings must reach a visible output"
    assert results["score"] == 0 and results["tests"]
    leaked = sorted(ln for ln in solution_lines(TOPIC) | _hidden_grader_lines(TOPIC) if ln in text)
    assert leaked == []
    assert str(root / "source") not in text
    assert "IMPORTED" not in text
    assert re.search(
        r"\[ ok \] uid \d+ cannot read +\S+/reference/classification.py", proc.stdout
    ), proc.stdout  # the doctor's rows, for staff
    assert "[FAIL] uid" not in proc.stdout


def test_autograder_refuses_to_grade_where_student_code_could_read_it(
    autograder_zip, tmp_path, monkeypatch
):
    """Without bubblewrap and without a uid of its own for student code, the run stops before
    any student code runs, with a doctor row saying why; the sources are root-only anyway."""
    from graders.assign.autograder import grade_submission
    from graders.errors import EnvironmentProblem
    from graders.sandbox import plain, policy

    root = tmp_path / "autograder"
    unpack_autograder(
        autograder_zip, root, {f"{TOPIC}.py": mutants.reference_source(TOPIC).encode()}
    )
    launcher = plain.PlainLauncher(as_root=False)  # student code would run as the judge
    monkeypatch.setattr(policy, "choose_launcher", lambda kind="auto": launcher)
    monkeypatch.setenv("PROPGRADE_CACHE", _warm_cache())
    manifest = tomllib.loads(
        (root / "source" / "propgrade" / "assignments" / TOPIC / "manifest.toml").read_text()
    )
    with report.console.capture() as shown, pytest.raises(EnvironmentProblem):
        grade_submission(TOPIC, root, root / "source", manifest)
    assert "[FAIL] autograder files" in shown.get()
    assert not (root / "results" / "results.json").exists()
    assert (root / "source").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("assignment", ["critical_points", "batch_momentum"])
def test_the_private_files_probe_tries_every_module_of_a_hidden_package(
    assignment, tmp_path, monkeypatch
):
    """Before grading, the Gradescope run proves student code cannot read each private
    file; a hidden grader that is a package is all of its modules, not only __init__.py."""
    from graders import registry
    from graders.assign.autograder import _private

    monkeypatch.setenv("PROPGRADE_CACHE", str(tmp_path / "cache"))
    hidden = registry.get(assignment).course.path("hidden", assignment).parent
    modules = sorted(hidden.rglob("*.py"))
    assert len(modules) > 1  # a package: the case this pins
    assert set(modules) <= set(_private(assignment, tmp_path, tmp_path))
