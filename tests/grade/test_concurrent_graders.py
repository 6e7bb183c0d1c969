"""Two graders at once writing one PostgreSQL database: two assignments, then the same
assignment twice into the same folder — one row per student per assignment, nothing lost,
nothing duplicated, the same files as a grader alone.  (Whole graders drift apart in time;
the races themselves, writers and schema creation on the same row at the same instant, are
forced with barriers in test_store.py.)"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from graders import mutants

pytestmark = pytest.mark.slow  # end-to-end: two real graders (worker zygotes) at a time

TOPICS = ("classification", "batchnorm")  # the two cheapest assignments to grade
STUDENTS = 6


def _batch(root: Path, topic: str) -> Path:
    """STUDENTS students cycling over the reference and the topic's catalog mutants."""
    sources = [mutants.reference_source(topic)] + [
        mutants.mutant_source(topic, m) for m in mutants.mutants(topic)
    ]
    for i in range(STUDENTS):
        folder = root / topic / f"{topic[:5]}{i}"
        folder.mkdir(parents=True)
        (folder / f"{topic}.py").write_text(sources[i % len(sources)])
    return root / topic


def _at_once(runs: list[tuple[Path, str, Path]], db: str) -> None:
    """Start every (submissions, assignment, out) grader together; all must finish cleanly."""
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "graders.cli",
                "grade",
                str(subs),
                "--assignment",
                topic,
                "--out",
                str(out),
                "--db",
                db,
                "--jobs",
                "1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for subs, topic, out in runs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err


def _per_student(db: str) -> dict[tuple[str, str], int]:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return {
                (s, a): n
                for s, a, n in conn.execute(
                    text(
                        "select student_id, assignment, count(*) from results "
                        "group by student_id, assignment"
                    )
                )
            }
    finally:
        engine.dispose()


def _payloads(db: str) -> list[dict]:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return [json.loads(p) for (p,) in conn.execute(text("select payload from results"))]
    finally:
        engine.dispose()


def _snapshot(out: Path) -> dict[str, bytes]:
    files = [out / "grades.csv", *sorted(out.glob("*/results.json"))]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def two_assignments(tmp_path_factory, postgres):
    """Classification and batch norm graded at the same time into one database."""
    root = tmp_path_factory.mktemp("concurrent")
    subs = {t: _batch(root / "subs", t) for t in TOPICS}
    db = postgres.database()
    _at_once([(subs[t], t, root / f"out-{t}") for t in TOPICS], db)
    return root, subs, db


def test_two_assignments_at_once_leave_one_row_per_student_each(two_assignments):
    """Every student of both batches has exactly one row for their assignment, and no other."""
    _, subs, db = two_assignments
    expected = {(p.name, t): 1 for t in TOPICS for p in subs[t].iterdir()}
    assert _per_student(db) == expected


def test_two_assignments_at_once_store_complete_results(two_assignments):
    """No row is a torn write: each holds a whole graded result for its own assignment, the
    reference full marks and every mutant less."""
    _, _, db = two_assignments
    payloads = _payloads(db)
    assert len(payloads) == len(TOPICS) * STUDENTS
    for r in payloads:
        assert r["status"] == "graded" and r["tests"]
        assert all(t["exercise"].startswith(r["assignment"] + ".") for t in r["tests"])
        reference = r["student_id"].endswith("0")  # student 0 of each batch is the reference
        assert (r["score"] == r["max_score"]) == reference, r["student_id"]


def test_two_assignments_at_once_export_every_student(two_assignments):
    """Each grader's grades.csv lists exactly its own batch."""
    root, subs, _ = two_assignments
    for t in TOPICS:
        with open(root / f"out-{t}" / "grades.csv", newline="") as fh:
            listed = [row["student_id"] for row in csv.DictReader(fh)]
        assert sorted(listed) == sorted(p.name for p in subs[t].iterdir())


def test_the_same_assignment_twice_at_once_duplicates_nothing(two_assignments, postgres):
    """The same batch graded by two graders at once, into one folder and a fresh database:
    one row per student, and the files of a grader that ran alone, byte for byte."""
    root, subs, _ = two_assignments
    topic, db, out = TOPICS[0], postgres.database(), root / "twice"
    _at_once([(subs[topic], topic, out), (subs[topic], topic, out)], db)
    assert _per_student(db) == {(p.name, topic): 1 for p in subs[topic].iterdir()}
    assert _snapshot(out) == _snapshot(root / f"out-{topic}")
