"""Students who import torch: the judge reads it from the syntax tree and opens their session
on a second zygote that imported torch once; what each session ran on is the zygote's hello
(``Worker.hello["modules"]``) and the child's own view (``"torch" in sys.modules`` before the
student's import), never a time."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from graders import mutants, profiles, registry
from graders.grade.runner import Judge, Submission
from graders.sandbox import needs
from graders.sandbox.bwrap import BwrapLauncher
from graders.sandbox.client import Worker
from graders.sandbox.limits import Limits
from graders.sandbox.plain import PlainLauncher
from graders.sandbox.pool import Siblings

BWRAP = BwrapLauncher.if_available()
LIMITS = Limits(import_seconds=60.0, call_seconds=10.0, message_seconds=30.0)
TORCH = ("torch",)

#: a student module that records whether torch was already there when it was imported, and
#: changes torch's global state on request
PROBE = b"""
import sys
ALREADY_IMPORTED = "torch" in sys.modules
import torch

def already_imported():
    return ALREADY_IMPORTED

def change_torch():
    torch.set_default_dtype(torch.float64)
    torch.left_by_a_student = "student 1"
    torch.manual_seed(1234)
    torch.set_num_threads(2)
    return str(torch.get_default_dtype())

def torch_state():
    return [str(torch.get_default_dtype()), hasattr(torch, "left_by_a_student"),
            torch.initial_seed(), torch.get_num_threads()]
"""


# --- reading the syntax tree ------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import torch",
        "import torch.nn as nn",
        "import numpy as np, torch.optim",
        "from torch import nn",
        "from torch.nn.functional import softmax",
        "def f(x):\n    import torch\n    return torch.tensor(x)",
    ],
)
def test_every_form_of_importing_torch_is_seen(source):
    """`import torch[.x] [as y]` and `from torch[.x] import y`, at any depth, need torch."""
    assert needs.preloads_for({"m.py": source.encode()}) == TORCH


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np",
        "import torchvision",
        "from .torch import helper",
        "torch = 1\nimport importlib\nimportlib.import_module('torch')",
        "# import torch\ns = 'import torch'",
        "import torch +",  # does not parse: its session imports whatever it imports itself
    ],
)
def test_sources_that_do_not_import_torch_are_not_sent_to_it(source):
    """Other packages, relative imports, strings, comments, dynamic imports and code that does
    not parse stay on the ordinary zygote."""
    assert needs.preloads_for({"m.py": source.encode()}) == ()


def test_a_helper_module_of_the_submission_counts_and_non_python_files_do_not():
    """Every Python file of a submission is read (a helper that imports torch counts);
    a data file mentioning torch does not."""
    assert needs.preloads_for({"m.py": b"import helper", "helper.py": b"import torch"}) == TORCH
    assert needs.preloads_for({"m.py": b"x = 1", "notes.txt": b"import torch"}) == ()


# --- the pool ---------------------------------------------------------------------------


class _FakeZygote:
    def __init__(self, hello: dict) -> None:
        self.hello, self.started, self.closed = hello, 0, 0

    def start(self) -> None:
        self.started += 1

    def close(self) -> None:
        self.closed += 1


def test_a_zygote_left_with_threads_is_refused_once_with_one_warning(caplog):
    """A preloading zygote reporting more than one thread is closed and never used (forking a
    threaded process is unsafe); one warning line, and it is not tried again."""
    made: list[_FakeZygote] = []

    def make(modules: tuple[str, ...]) -> _FakeZygote:
        made.append(_FakeZygote({"modules": {"torch": "x"}, "missing": {}, "threads": 3}))
        return made[-1]

    siblings = Siblings(make)
    with caplog.at_level(logging.WARNING):
        assert siblings.get(TORCH) is None
        assert siblings.get(TORCH) is None
    assert len(made) == 1 and made[0].closed >= 1
    assert len(siblings.warnings) == 1 and "3 threads" in siblings.warnings[0]
    assert [r.getMessage() for r in caplog.records] == siblings.warnings


@pytest.mark.slow
def test_a_module_that_cannot_be_preloaded_falls_back_with_one_warning(monkeypatch, caplog):
    """When the preload's import fails (torch not installed), one warning line; the students
    are opened on the ordinary zygote and their own import fails as it would anyway."""
    monkeypatch.setattr(needs, "PRELOADABLE", ("propgrade_not_installed_anywhere",))
    src = b"import propgrade_not_installed_anywhere\ndef f():\n    return 1\n"
    w = Worker(PlainLauncher(), LIMITS)
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(2):
                s = w.session({"m.py": src}, "m")
                assert s.worker is w
                assert s.import_error is not None
                assert s.import_error["type"] == "ModuleNotFoundError"
                s.close()
        assert w.siblings.running == {} and w.sessions == 2
        assert len(w.siblings.warnings) == 1
        assert "could not be preloaded" in w.siblings.warnings[0]
        assert [r.getMessage() for r in caplog.records] == w.siblings.warnings
    finally:
        w.close()


# --- grading ----------------------------------------------------------------------------


def _judge() -> Judge:
    return Judge.create(profiles.get("quick"), Worker(PlainLauncher(), LIMITS))


def _grade(judge: Judge, assignment: str, source: str) -> tuple[float, float]:
    spec = registry.get(assignment)
    sub = Submission("s", spec.module, {f"{spec.module}.py": source.encode()})
    result = judge.grade(sub, assignment, registry.properties(assignment), spec.total_points)
    return result.score, result.max_score


@pytest.mark.slow
def test_a_correct_torch_submission_scores_full_marks_on_the_torch_zygote():
    """The catalog's torch variant of batchnorm_forward gets full marks, in a session forked
    from the zygote that preloaded torch; the ordinary zygote opened no session."""
    variant = next(v for v in mutants.variants("batchnorm") if v.id == "forward_torch_functional")
    source = mutants.mutant_source("batchnorm", variant)
    assert needs.preloads_for({"batchnorm.py": source.encode()}) == TORCH
    judge = _judge()
    try:
        score, max_score = _grade(judge, "batchnorm", source)
        assert score == max_score > 0
        sibling = judge.worker.siblings.running[TORCH]
        assert isinstance(sibling, Worker) and "torch" in sibling.hello["modules"]
        assert sibling.hello["threads"] == 1
        assert sibling.sessions >= 1 and judge.worker.sessions == 0
    finally:
        judge.close()


def test_a_plain_submission_never_starts_the_torch_zygote():
    """A batch without torch is served by the ordinary zygote alone (NumPy only)."""
    judge = _judge()
    try:
        score, max_score = _grade(judge, "batchnorm", mutants.reference_source("batchnorm"))
        assert score == max_score > 0
        assert judge.worker.sessions >= 1
        assert judge.worker.siblings.running == {} and judge.worker.siblings.refused == set()
        assert set(judge.worker.hello["modules"]) == {"numpy"}
    finally:
        judge.close()


# --- isolation, under each launcher -----------------------------------------------------


@pytest.fixture(
    params=[
        "plain",
        pytest.param(
            "bwrap",
            marks=[
                pytest.mark.sandbox,
                pytest.mark.skipif(BWRAP is None, reason="bubblewrap cannot run here"),
            ],
        ),
    ]
)
def torch_worker(request) -> Iterator[Worker]:
    """A worker under each launcher (its torch zygote starts with the first torch student)."""
    w = Worker(PlainLauncher() if request.param == "plain" else BWRAP, LIMITS)
    yield w
    w.close()


@pytest.mark.slow
def test_torch_students_do_not_see_each_others_torch_state(torch_worker):
    """Two torch students in one batch: each is a fresh fork of the pristine torch zygote, so
    what the first changes in torch (default dtype, an attribute, the seed, the thread count)
    is not there for the second."""
    first = torch_worker.session({"probe.py": PROBE}, "probe")
    pristine = first.call("torch_state").value
    assert first.call("already_imported").value is True  # inherited from the zygote
    assert first.call("change_torch").value == "torch.float64"
    assert first.call("torch_state").value == ["torch.float64", True, 1234, 2]
    first.close()
    second = torch_worker.session({"probe.py": PROBE}, "probe")
    try:
        assert second.call("already_imported").value is True
        assert second.call("torch_state").value == pristine
        assert pristine == ["torch.float32", False, pristine[2], 1] and pristine[2] != 1234
    finally:
        second.close()
    sibling = torch_worker.siblings.running[TORCH]
    assert first.worker is second.worker is sibling
    assert sibling.starts == 1 and sibling.sessions == 2 and torch_worker.sessions == 0
