"""Grade /autograder/submission with propgrade; write /autograder/results/results.json.

``autograder.toml`` beside this file says what to grade: ``assignment``, ``course`` (the
folder of the course's own files inside this zip, empty for the bundled course) and
``max_score`` (for the results.json written when grading itself fails).

``--warm`` (setup.sh, once, when Gradescope builds the image): draw the assignment's examples
and their expected values into the private source instead, so that no submission waits for
them.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "propgrade"))  # the bundled source, whatever is installed

ROOT = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
RESULTS = ROOT / "results" / "results.json"


def fail(message: str, max_score: float, started: float) -> None:
    """A results.json that says grading failed (zero, the message for the student)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "score": 0.0,
                "max_score": max_score,
                "output": message,
                "visibility": "visible",
                "stdout_visibility": "hidden",
                "execution_time": round(time.monotonic() - started),
                "tests": [],
            },
            indent=2,
        )
    )


def main(argv: list[str]) -> int:
    started = time.monotonic()
    config = tomllib.loads((HERE / "autograder.toml").read_text())
    course = HERE / config["course"] if config["course"] else None
    if argv == ["--warm"]:
        from graders.assign.autograder import warm_examples

        warm_examples(config["assignment"], HERE, course=course)
        return 0
    try:
        from graders.assign.autograder import grade_submission

        grade_submission(config["assignment"], ROOT, HERE, course=course)
    except Exception:  # noqa: BLE001 - Gradescope must always get a results.json
        traceback.print_exc()
        fail(
            "The autograder could not grade this submission; the course staff have been "
            "notified by this message.  Please contact them.",
            float(config["max_score"]),
            started,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
