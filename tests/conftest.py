"""Shared fixtures: one judge (worker zygote + example bank) for the whole test session."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graders import compare, profiles, registry
from graders.grade.runner import Judge, Submission
from graders.grade.store import sqlite_url
from graders.results import SubmissionResult
from tests.postgres import PostgresServer, find_bindir

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def judge() -> Iterator[Judge]:
    """A judge on the `grading` profile (the full example counts), shared by all tests."""
    j = Judge.create(profiles.get("grading"))
    yield j
    j.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on loopback for the session (tests/postgres.py).  Skipped, saying
    why, where its binaries or psycopg are missing; under CI (``$CI`` set) that is a failure:
    .ci/system-packages.sh installs the server and ``make install`` the driver."""
    bindir = find_bindir()
    missing = (
        ""
        if bindir
        else (
            "the PostgreSQL server binaries (initdb, pg_ctl) are not "
            "installed: apt-get install postgresql, or set "
            "PROPGRADE_PG_BIN"
        )
    )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing = missing or "psycopg is not installed: pip install -e '.[postgres]'"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but {missing}")
        pytest.skip(missing)
    assert bindir is not None
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


# slow: the first use starts a server (seconds), which `make check` should not wait for
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def store_url(request, tmp_path) -> str:
    """The URL of a fresh, empty results store: a SQLite file, or a new database on the
    session's PostgreSQL server."""
    if request.param == "sqlite":
        return sqlite_url(str(tmp_path / "store.sqlite"))
    return request.getfixturevalue("postgres").database()


def grade_source(
    judge: Judge, topic: str, source: str | bytes, student: str = "student", hidden: bool = True
) -> SubmissionResult:
    """Grade one module's source as a submission through the real worker."""
    data = source.encode() if isinstance(source, str) else source
    props = registry.properties(topic, hidden=hidden)
    return judge.grade(Submission(student, topic, {f"{topic}.py": data}), topic, props)


def solution_lines(topic: str, min_length: int = 12) -> set[str]:
    """The non-trivial code lines inside the reference's solution regions: feedback, hints and
    misconceptions must never contain one of them."""
    from graders import mutants

    text = mutants.reference_source(topic)
    regions = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, flags=re.S)
    lines = {ln.strip() for region in regions for ln in region.splitlines()}
    return {ln for ln in lines if len(ln) >= min_length and not ln.startswith(("#", '"""'))}


def mutant(topic: str, mutant_id: str):
    """A catalog mutant by id."""
    from graders import mutants

    return next(m for m in mutants.mutants(topic) if m.id == mutant_id)


def grade_mutant(judge: Judge, topic: str, mutant_id: str, hidden: bool = True) -> SubmissionResult:
    """Grade one catalog mutant as a submission."""
    from graders import mutants

    return grade_source(
        judge, topic, mutants.mutant_source(topic, mutant(topic, mutant_id)), hidden=hidden
    )


def public_failures(judge: Judge, topic: str, mutant_id: str) -> dict[str, str]:
    """Test name -> output of the public tests a catalog mutant fails."""
    result = grade_mutant(judge, topic, mutant_id, hidden=False)
    return {t.name: t.output for t in result.tests if t.status == "failed"}


def failed_tests(result: SubmissionResult, function: str) -> list:
    """The failed tests of one function, in grading order."""
    return [t for t in result.tests if t.function == function and t.status == "failed"]


def failed_functions(result: SubmissionResult) -> set[str]:
    return {t.function for t in result.tests if t.status == "failed"}


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in a scaffolded config or grader file; fails when
    ``old`` is not there exactly once, so a reworded template cannot turn an edit into a
    silent no-op.  (Students are never built this way: they come from the catalog.)"""
    text = path.read_text()
    assert text.count(old) == 1, f"{path}: expected {old!r} exactly once"
    path.write_text(text.replace(old, new))


def unpack_autograder(zip_path: Path, root: Path, files: dict[str, bytes | str]) -> None:
    """Gradescope's steps before a run: unpack to source/, copy run_autograder, submission/.

    ``ZipFile.extractall`` ignores the modes stored in the zip, as Gradescope's unpacking
    gives its own (files 0644, folders 0755): the autograder must protect itself.
    """
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir(parents=True)
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def run_autograder(
    zip_path: Path, root: Path, files: dict[str, bytes | str], env: dict[str, str]
) -> tuple[dict, Any]:
    """Gradescope's run of an autograder zip without setup.sh: unpack, run run_autograder as
    this user with ``env`` (plus AUTOGRADER_ROOT), read results.json."""
    unpack_autograder(zip_path, root, files)
    proc = subprocess.run(
        ["bash", str(root / "run_autograder")],
        cwd=root,
        env={**env, "AUTOGRADER_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text()), proc


def failure_in_process(
    prop: Any, case: dict[str, Any], fn: Callable[..., Any], expected: Any
) -> str | None:
    """Run property ``prop`` on ``case`` in this process, each call it yields answered by
    ``fn`` (catalog or reference code: ours, never a student's), fed as the judge feeds it
    (``expected``: the oracle's value); the Failure message, or None when it holds."""
    run = prop.run(case, expected=expected)
    try:
        call = next(run)
        while True:
            call = run.send(fn(*call.args, **call.kwargs))
    except StopIteration:
        return None
    except compare.Failure as failure:
        return failure.message
