"""The one results model: every exporter (CSV, Gradescope JSON, HTML, gradebook) reads this.

Serialised as schema-versioned JSON (``SubmissionResult.to_json``), never pickled.  Student
text (printed output, exception messages) is stored as plain strings; exporters escape it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = 1
Status = Literal["passed", "failed"]


@dataclass
class TestResult:
    """The outcome of one property for one student."""

    key: str  #: property key, e.g. classification.softmax.rows_sum
    exercise: str  #: classification.softmax
    name: str  #: "softmax: rows are probability vectors"
    score: float
    max_score: float
    visibility: Literal["public", "hidden"]
    status: Status
    output: str = ""  #: feedback for the student (plain text)
    staff: str = ""  #: details for staff only (tracebacks of grader errors)
    misconception: str | None = None
    seconds: float = 0.0

    @property
    def function(self) -> str:
        return self.exercise.split(".", 1)[1]


@dataclass
class SubmissionResult:
    """One student's graded submission."""

    student_id: str
    assignment: str
    score: float
    max_score: float
    tests: list[TestResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  #: submission-level, for the student
    printed: str = ""  #: captured stdout/stderr (capped)
    content_hash: str = ""
    grader_version: str = ""
    seconds: float = 0.0
    status: Literal["graded", "not graded"] = "graded"  #: not graded: nothing could run
    schema: int = SCHEMA_VERSION

    def exercise_scores(self) -> dict[str, tuple[float, float]]:
        """``{exercise: (score, max_score)}`` summed over its properties."""
        out: dict[str, tuple[float, float]] = {}
        for t in self.tests:
            s, m = out.get(t.exercise, (0.0, 0.0))
            out[t.exercise] = (s + t.score, m + t.max_score)
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"results schema {data.get('schema')} is not {SCHEMA_VERSION}")
        tests = [TestResult(**t) for t in data.get("tests", [])]
        return cls(**{**data, "tests": tests})
