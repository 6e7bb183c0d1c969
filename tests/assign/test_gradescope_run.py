"""The autograder zip run the way Gradescope runs it: setup.sh once on a fresh Python, then
run_autograder as root at the real /autograder, with bubblewrap installed and without it.

The image and its containers are tests/assign/gradescope_image.py's (bubblewrap containers
with a test directory bound at /autograder; nothing outside the test directory is written).
setup.sh runs once per module (the venv with torch, the examples drawn): a few minutes.
Results are checked against Gradescope's documented results.json format
(gradescope-autograders.readthedocs.io, "Autograder Specifications").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from graders import mutants, registry
from graders.assign.autograder import build_autograder
from graders.sandbox.bwrap import probe
from tests.assign.gradescope_image import (
    SYSTEM_PYTHON,
    Image,
    Run,
    build_image,
    run_submission,
    venv_python,
)
from tests.conftest import solution_lines

pytestmark = [
    pytest.mark.slow,  # end-to-end: builds a venv with torch, grades in containers
    pytest.mark.sandbox,
]  # the containers are bubblewrap's

TOPIC = "classification"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
#: every key the specification documents, top level and per test
TOP_KEYS = {
    "score",
    "execution_time",
    "output",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
    "max_score",
}
TEST_KEYS = {
    "score",
    "max_score",
    "status",
    "name",
    "number",
    "output",
    "tags",
    "visibility",
    "extra_data",
}
#: Gradescope documents no size limit; ours: what a student can read in the collapsed <pre>
OUTPUT_CHARS = 20_000
RESULTS_BYTES = 200_000
METADATA_SECRET = "EARLIER-RESULTS-7d1e"  #: in submission_metadata.json: staff's, not students'


def _system_python_ok() -> bool:
    try:
        done = subprocess.run(
            [
                SYSTEM_PYTHON,
                "-c",
                "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))",
            ],
            timeout=30,
        )
    except OSError:
        return False
    return done.returncode == 0


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Iterator[Image]:
    """`propgrade autograder classification`, unpacked and set up once (setup.sh, for real)."""
    if os.geteuid() != 0 or not probe()[0] or not _system_python_ok():
        pytest.skip(
            "needs root (Gradescope runs setup.sh and run_autograder as root), "
            f"working bubblewrap (the containers) and {SYSTEM_PYTHON} >= 3.11 with venv"
        )
    base = tmp_path_factory.mktemp("gradescope")
    zip_path = build_autograder(TOPIC, base / "autograder.zip")
    built = build_image(zip_path, base / "image")
    assert built.setup.returncode == 0, built.setup.stdout[-3000:] + built.setup.stderr[-3000:]
    yield built
    shutil.rmtree(base, ignore_errors=True)  # the venv is about a gigabyte


@dataclass
class Grader:
    """Grades a situation in a fresh container of the image, once per situation and mode."""

    image: Image
    base: Path
    with_bwrap: bool
    done: dict[str, Run] = field(default_factory=dict)

    def __call__(self, situation: str) -> Run:
        if situation not in self.done:
            self.done[situation] = run_submission(
                self.image,
                self.base / situation,
                {f"{TOPIC}.py": SUBMISSIONS[situation]()},
                bwrap=self.with_bwrap,
                metadata={
                    "previous_submissions": [
                        {"score": 20.0, "results": {"output": METADATA_SECRET}}
                    ]
                },
            )
        return self.done[situation]


@pytest.fixture(scope="module", params=["bwrap", "no_bwrap"])
def grade(request, image, tmp_path_factory) -> Grader:
    """Gradescope's per-submission run, with bubblewrap installed in the image or not."""
    return Grader(image, tmp_path_factory.mktemp(request.param), request.param == "bwrap")


SUBMISSIONS: dict[str, Callable[[], bytes]] = {
    "reference": lambda: mutants.reference_source(TOPIC).encode(),
    "reads_autograder_files": lambda: (
        FIXTURES / "gradescope" / "reads_autograder_files" / f"{TOPIC}.py"
    ).read_bytes(),
    "kills_the_grader_and_forges_results": lambda: (
        FIXTURES / "gradescope" / "kills_the_grader_and_forges_results" / f"{TOPIC}.py"
    ).read_bytes(),
    "sigmoid_loops_forever": lambda: mutants.splice(
        mutants.reference_source(TOPIC),
        (FIXTURES / "runtime" / "sigmoid_loops_forever" / "sigmoid.py").read_text(),
    ).encode(),
}


def assert_documented_schema(doc: dict) -> None:
    """results.json as Gradescope documents it: known keys, types and enumerations."""
    assert set(doc) <= TOP_KEYS, set(doc) - TOP_KEYS
    assert isinstance(doc["score"], int | float)
    assert isinstance(doc["execution_time"], int) and doc["execution_time"] >= 0
    assert isinstance(doc["output"], str)
    assert doc["visibility"] in VISIBILITIES and doc["stdout_visibility"] in VISIBILITIES
    assert doc["tests"], "a graded submission lists its tests"
    for t in doc["tests"]:
        assert set(t) <= TEST_KEYS, set(t) - TEST_KEYS
        assert isinstance(t["name"], str) and t["name"]
        assert isinstance(t["score"], int | float) and isinstance(t["max_score"], int | float)
        assert 0 <= t["score"] <= t["max_score"]
        assert t["status"] in {"passed", "failed"}
        assert t["visibility"] in VISIBILITIES
        assert isinstance(t["output"], str)
        assert all(isinstance(tag, str) for tag in t.get("tags", []))
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]))


def _points(run: Run, function: str) -> float:
    return sum(t["max_score"] for t in run.results["tests"] if t["name"].split(":")[0] == function)


def _launcher_row(run: Run) -> str:
    found = re.search(r"^\[(?: ok |FAIL)\] launcher +(.*)$", run.proc.stdout, flags=re.M)
    assert found, run.proc.stdout[-3000:]
    return found.group(1)


def test_setup_installs_what_it_declares_and_not_propgrade(image):
    """setup.sh asks apt for a venv-capable Python and bubblewrap, makes /autograder/venv with
    the pinned CPU torch, leaves propgrade uninstalled (its source stays root-only) and draws
    the examples into the private source."""
    out = image.setup.stdout
    assert re.search(r"^apt-get install .*python3-venv", out, flags=re.M), out[-2000:]
    assert re.search(r"^apt-get install .*bubblewrap", out, flags=re.M)
    done = venv_python(
        image,
        "import importlib.metadata as m, importlib.util as u, sys; "
        "print(m.version('torch'), u.find_spec('graders'), sys.version_info[:2])",
    )
    assert done.returncode == 0, done.stderr
    torch, graders_spec, _ = done.stdout.split(" ", 2)
    assert torch == "2.13.0+cpu" and graders_spec == "None"
    cache = list((image.path / "source" / ".propgrade-cache" / "examples").glob("*.bin"))
    assert cache, "setup.sh drew no examples"


def test_the_reference_gets_full_marks_in_gradescopes_format(grade):
    """The reference, graded in a fresh container, gets 20/20 in a results.json of the
    documented format, with the launcher the container allows named in the staff stdout."""
    run = grade("reference")
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert_documented_schema(run.results)
    assert run.results["score"] == run.results["max_score"] == 20
    assert {t["visibility"] for t in run.results["tests"]} == {"visible", "after_due_date"}
    assert run.results["stdout_visibility"] == "hidden"  # the doctor's rows are staff's
    row = _launcher_row(run)
    assert row.startswith("bwrap") if grade.with_bwrap else row.startswith("plain")
    if not grade.with_bwrap:
        assert "unprivileged uid of its own" in run.proc.stdout


def test_student_code_cannot_read_the_reference_hidden_graders_or_metadata(grade):
    """A submission that reads every file it can reach and raises what it read quotes no
    reference solution line, no hidden grader line and nothing of submission_metadata.json,
    and scores zero with its findings in a visible output (so the attack did run)."""
    run = grade("reads_autograder_files")
    assert_documented_schema(run.results)
    outputs = "\n".join(t["output"] for t in run.results["tests"])
    assert "hostile walk:" in outputs
    assert run.results["score"] == 0
    hidden = {
        ln.strip()
        for ln in (FIXTURES.parent.parent / "graders" / "hidden" / f"{TOPIC}.py")
        .read_text()
        .splitlines()
        if "yield student." in ln or "expect=lambda" in ln
    }
    leaked = sorted(ln for ln in solution_lines(TOPIC) | hidden if ln in run.raw)
    assert leaked == []
    assert METADATA_SECRET not in run.raw and "IMPORTED" not in run.raw
    assert "STOLE" not in run.raw
    assert "[FAIL] autograder files" not in run.proc.stdout


def test_student_code_cannot_kill_the_grader_or_forge_results(grade):
    """A submission that kills every grader process it sees and writes a full-marks
    results.json (also from a daemon) gets the grader's own results.json: exactly its honest
    softmax's points, every other function failed with a message."""
    run = grade("kills_the_grader_and_forges_results")
    assert "FORGED-BY-STUDENT" not in run.raw
    assert_documented_schema(run.results)
    assert run.results["score"] == _points(run, "softmax") > 0
    failed = [t for t in run.results["tests"] if t["status"] == "failed"]
    assert {t["name"].split(":")[0] for t in failed} == set(registry.get(TOPIC).functions) - {
        "softmax"
    }
    assert all(t["output"].strip() for t in failed if t["visibility"] == "visible")


def test_an_endless_loop_gets_a_clear_message_and_the_rest_is_graded(grade):
    """A sigmoid that never returns fails on the per-call limit with a message that says so;
    every other function gets its points, and the run stays short."""
    run = grade("sigmoid_loops_forever")
    assert_documented_schema(run.results)
    sigmoid = [t for t in run.results["tests"] if t["name"].startswith("sigmoid:")]
    assert sigmoid and all(t["status"] == "failed" for t in sigmoid)
    visible = [t["output"] for t in sigmoid if t["visibility"] == "visible"]
    assert any("did not return within 5 s" in out for out in visible), visible
    assert run.results["score"] == 20 - _points(run, "sigmoid")
    assert run.results["execution_time"] < 120


@pytest.mark.parametrize("situation", list(SUBMISSIONS))
def test_output_stays_small_whatever_the_submission(grade, situation):
    """Every output (top level and per test) and the whole results.json stay within bounds
    a student's page can show, even for a submission that raises everything it read."""
    run = grade(situation)
    assert len(run.raw.encode()) <= RESULTS_BYTES
    assert len(run.results["output"]) <= OUTPUT_CHARS
    assert max(len(t["output"]) for t in run.results["tests"]) <= OUTPUT_CHARS
    json.dumps(run.results)  # plain JSON, nothing but str/number/list/dict
