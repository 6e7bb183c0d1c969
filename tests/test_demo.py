"""The demo's example students show what they claim: full marks, a named mistake, a breakage."""

from __future__ import annotations

import csv

import pytest

from graders.demo import run_demo

pytestmark = pytest.mark.slow  # end-to-end: grades the demo's batches


def test_demo_grades_correct_buggy_and_broken_students(tmp_path):
    """correct scores full, buggy loses points with a named misconception, broken scores 0."""
    assert run_demo(tmp_path, jobs=1, topics=["classification"]) == 0
    with open(tmp_path / "classification" / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert rows["correct"]["score"] == rows["correct"]["max_score"]
    assert 0 < float(rows["buggy"]["score"]) < float(rows["buggy"]["max_score"])
    assert rows["broken"]["score"] == "0" and "SyntaxError" in rows["broken"]["message"]
    buggy = (tmp_path / "classification" / "buggy" / "results.json").read_text()
    assert '"misconception"' in buggy
