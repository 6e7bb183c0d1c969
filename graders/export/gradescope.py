"""Gradescope's autograder ``results.json`` from a ``SubmissionResult``.

Schema: top-level ``score``, ``max_score``, ``output``, ``visibility``, ``tests``; each test
``name`` (beginning with the exercise function's name), ``score``, ``max_score``, ``output``,
``visibility``, ``status`` ("passed"/"failed") and ``tags`` ([exercise id]).  Public properties
are ``visible``; hidden ones ``after_due_date`` (students see them once the deadline passed).
Nothing time-dependent is written, so regrading the same batch gives byte-identical files.
"""

from __future__ import annotations

import json
from typing import Any

from graders.results import SubmissionResult

VISIBILITY = {"public": "visible", "hidden": "after_due_date"}


def results_json(result: SubmissionResult) -> dict[str, Any]:
    out_lines = list(result.messages)
    if result.printed:
        out_lines.append("Your code printed (first lines):\n" + result.printed[:2000])
    return {
        "score": result.score,
        "max_score": result.max_score,
        "output": "\n\n".join(out_lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{
            "name": t.name,
            "score": t.score,
            "max_score": t.max_score,
            "output": t.output,
            "visibility": VISIBILITY[t.visibility],
            "status": t.status,
            "tags": [t.exercise],
            **({"extra_data": {"misconception": t.misconception}} if t.misconception else {}),
        } for t in result.tests],
    }


def dumps(result: SubmissionResult) -> str:
    return json.dumps(results_json(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
