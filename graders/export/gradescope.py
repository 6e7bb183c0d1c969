"""Gradescope's autograder ``results.json`` from a ``SubmissionResult``.

Schema: top-level ``score``, ``max_score``, ``output``, ``visibility``, ``stdout_visibility``,
``tests``; each test ``name`` (beginning with the exercise function's name), ``score``,
``max_score``, ``output``, ``visibility``, ``status`` ("passed"/"failed") and ``tags``
([exercise id]).  Public properties are ``visible``, hidden ones ``after_due_date``; what a
hidden test's output may say before the staff release it follows ``graders.export.visibility``
(whose docstring says what Gradescope shows when).  Nothing time-dependent is written, so
regrading the same batch gives byte-identical files.
"""

from __future__ import annotations

import json
from typing import Any

from graders.export.visibility import PRINTED_WITHHELD, WITHHELD, shows_printed, withholds
from graders.results import SubmissionResult, TestResult

VISIBILITY = {"public": "visible", "hidden": "after_due_date"}


def _test(t: TestResult, release_hidden: bool) -> dict[str, Any]:
    withheld = withholds(t, release_hidden)
    misconception = None if withheld else t.misconception
    return {
        "name": t.name,
        "score": t.score,
        "max_score": t.max_score,
        "output": WITHHELD if withheld else t.output,
        "visibility": VISIBILITY[t.visibility],
        "status": t.status,
        "tags": [t.exercise],
        **({"extra_data": {"misconception": misconception}} if misconception else {}),
    }


def results_json(result: SubmissionResult, release_hidden: bool = False) -> dict[str, Any]:
    """The results.json document; ``release_hidden``: the staff released the hidden checks."""
    out_lines = list(result.messages)
    if result.printed:
        out_lines.append(
            "Your code printed (first lines):\n" + result.printed[:2000]
            if shows_printed(result, release_hidden)
            else PRINTED_WITHHELD
        )
    return {
        "score": result.score,
        "max_score": result.max_score,
        "output": "\n\n".join(out_lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_test(t, release_hidden) for t in result.tests],
    }


def dumps(result: SubmissionResult, release_hidden: bool = False) -> str:
    return (
        json.dumps(
            results_json(result, release_hidden), indent=2, sort_keys=True, ensure_ascii=False
        )
        + "\n"
    )
