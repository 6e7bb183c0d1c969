"""Shared fixtures: one judge (worker zygote + example bank) for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graders import profiles, registry
from graders.grade.runner import Judge, Submission
from graders.results import SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def judge() -> Iterator[Judge]:
    """A judge on the `grading` profile (the full example counts), shared by all tests."""
    j = Judge.create(profiles.get("grading"))
    yield j
    j.close()


def grade_source(judge: Judge, topic: str, source: str | bytes,
                 student: str = "student", hidden: bool = True) -> SubmissionResult:
    """Grade one module's source as a submission through the real worker."""
    data = source.encode() if isinstance(source, str) else source
    props = registry.properties(topic, hidden=hidden)
    return judge.grade(Submission(student, topic, {f"{topic}.py": data}), topic, props)


def failed_functions(result: SubmissionResult) -> set[str]:
    return {t.function for t in result.tests if t.status == "failed"}
