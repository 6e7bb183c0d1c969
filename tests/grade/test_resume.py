"""kill -9 of the grader at any moment, then a rerun: every student once, same scores — with
the store in SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from graders import mutants

pytestmark = pytest.mark.slow  # end-to-end: grades whole batches, kills and resumes them

TOPIC = "classification"


def _batch(root: Path, n: int = 8) -> Path:
    sources = [mutants.reference_source(TOPIC)] + [
        mutants.mutant_source(TOPIC, m) for m in mutants.mutants(TOPIC)
    ]
    for i in range(n):
        folder = root / "subs" / f"s{i}"
        folder.mkdir(parents=True)
        (folder / f"{TOPIC}.py").write_text(sources[i % len(sources)])
    return root / "subs"


def _grade(subs: Path, out: Path, db: str | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graders.cli",
            "grade",
            str(subs),
            "--assignment",
            TOPIC,
            "--out",
            str(out),
            "--jobs",
            "2",
            *(["--db", db] if db else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@functools.cache
def _engine(url: str) -> Engine:
    """One pooled engine per store: polling must not pay a new (authenticated) connection
    every 20 ms while the graders it watches compete for the same two cores."""
    return create_engine(url)


def _query(url: str, sql: str) -> list[tuple]:
    with _engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _rows(url: str) -> int:
    try:
        return _query(url, "select count(*) from results")[0][0]
    except SQLAlchemyError:  # no table yet: the grader has not opened the store
        return 0


def _snapshot(out: Path) -> dict[str, bytes]:
    files = [out / "grades.csv", *sorted(out.glob("*/results.json"))]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume")
    subs = _batch(root)
    proc = _grade(subs, root / "clean")
    assert proc.wait(timeout=600) == 0
    return subs, _snapshot(root / "clean")


@pytest.mark.parametrize("when", ["at start-up", "after 1 student", "after 5 students"])
def test_kill_minus_9_then_rerun_loses_and_duplicates_nothing(
    tmp_path, uninterrupted, when, store_url
):
    """Killing the whole grader mid-batch and rerunning gives the uninterrupted outputs."""
    subs, expected = uninterrupted
    out = tmp_path / "out"
    proc = _grade(subs, out, store_url)
    need = {"at start-up": 0, "after 1 student": 1, "after 5 students": 5}[when]
    deadline = time.monotonic() + 300
    while _rows(store_url) < need and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if need == 0:
        time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    rerun = _grade(subs, out, store_url)
    assert rerun.wait(timeout=600) == 0
    assert _snapshot(out) == expected
    per_student = _query(store_url, "select student_id, count(*) from results group by student_id")
    assert sorted(s for s, _ in per_student) == sorted(p.name for p in subs.iterdir())
    assert all(c == 1 for _, c in per_student)
