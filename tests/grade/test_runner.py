"""Grading one submission: scores, feedback, and every way a submission can go wrong."""

from __future__ import annotations

import ast
import dataclasses
import time
from collections import Counter

import numpy as np
import pytest
from hypothesis import strategies as st

from graders import compare, mutants, profiles, registry
from graders import strategies as gen
from graders.grade.runner import Judge, Submission
from graders.props import prop, student
from graders.sandbox.client import Session, Worker
from graders.sandbox.limits import Limits
from graders.sandbox.plain import PlainLauncher
from graders.sandbox.reply import WorkerTimeout
from tests.conftest import FIXTURES, failed_functions, grade_source, mutant

REF = mutants.reference_source("classification")
NO_SHIFT = mutants.mutant_source("classification", mutant("classification", "softmax_no_max_shift"))


def _without(source: str, name: str) -> str:
    """``source`` with the top-level function ``name`` deleted (it must be there)."""
    node = next(
        n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name
    )
    lines = source.splitlines(keepends=True)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    return "".join(lines[:start] + lines[node.end_lineno :])


def test_reference_gets_full_marks_and_no_output(judge):
    """The reference earns all 20 points with empty feedback."""
    r = grade_source(judge, "classification", REF)
    assert r.score == r.max_score == 20
    assert all(t.output == "" for t in r.tests)


def test_failure_feedback_has_input_got_expected_and_hint(judge):
    """A missing max shift is reported with a shrunk input, the bad value and the hint."""
    r = grade_source(judge, "classification", NO_SHIFT)
    assert "softmax" in failed_functions(r)
    out = next(t.output for t in r.tests if t.function == "softmax" and t.status == "failed")
    assert "Failing input: z = " in out and "nan" in out and "Hint:" in out
    assert "np.max(z, axis=-1" not in out  # the reference's code never appears


def test_shrinking_finds_the_overflow_threshold(judge):
    """The shift-invariance failure shrinks to a tiny input right at exp's overflow."""
    r = grade_source(judge, "classification", NO_SHIFT)
    out = next(t.output for t in r.tests if t.function == "softmax" and "constant" in t.name)
    assert "z = array([0.0])" in out and "c = 710.0" in out  # shown at full precision


def test_missing_function_fails_only_its_tests(judge):
    """Deleting cross_entropy fails its tests with a spelling hint and nothing else."""
    src = _without(REF, "cross_entropy")
    r = grade_source(judge, "classification", src)
    assert failed_functions(r) == {"cross_entropy"}
    assert "has no function cross_entropy" in next(
        t.output for t in r.tests if t.function == "cross_entropy"
    )


def test_exception_shows_the_students_traceback(judge):
    """An exception in student code is reported with its type, message and their frames."""
    src = mutants.splice(REF, "def sigmoid(z):\n    raise ValueError('oops')\n")
    r = grade_source(judge, "classification", src)
    out = next(t.output for t in r.tests if t.function == "sigmoid")
    assert "sigmoid raised ValueError: oops" in out and "classification.py" in out


def test_a_crash_is_located_on_its_input(judge):
    """os._exit on one input fails that test with the crashing input shown."""
    src = mutants.splice(
        REF,
        mutants.isolate(
            "classification",
            "softmax_mse",
            """
def softmax_mse(logits, labels):
    import os
    if logits.shape[1] == 3:
        os._exit(1)
    return _reference_softmax_mse(logits, labels)
""",
        ),
    )
    r = grade_source(judge, "classification", src)
    assert failed_functions(r) == {"softmax_mse"}
    out = next(t.output for t in r.tests if t.function == "softmax_mse")
    assert "ended the worker process" in out and "Failing input" in out


def test_syntax_error_gets_a_row_and_a_message(judge):
    """A file that does not parse scores zero with the syntax error as the message."""
    r = grade_source(judge, "classification", "def softmax(:\n")
    assert r.score == 0 and r.status == "not graded"
    assert "SyntaxError" in r.messages[0]


def test_an_import_failure_is_said_once(judge):
    """The import error is the submission's message; each test only points to it."""
    r = grade_source(judge, "classification", "def softmax(:\n")
    assert len(r.messages) == 1 and "SyntaxError" in r.messages[0]
    assert {t.output for t in r.tests} == {
        "not graded: classification.py could not be imported (see the message above)"
    }


def test_a_submission_problem_is_said_once(judge):
    """Why a submission cannot be graded at all is said once, not in every test."""
    why = "no classification.py (or notebook) in the submission; found notes.txt"
    props = registry.properties("classification")
    r = judge.grade(
        Submission("student", "classification", problems=[why]), "classification", props
    )
    assert r.status == "not graded" and r.messages == [why]
    assert {t.output for t in r.tests} == {
        "not graded: the submission could not be graded (see the message above)"
    }


def test_grading_is_deterministic(judge):
    """Grading the same submission twice gives identical tests and feedback."""
    a = grade_source(judge, "classification", NO_SHIFT)
    b = grade_source(judge, "classification", NO_SHIFT)
    strip = [(t.key, t.score, t.output) for t in a.tests]
    assert strip == [(t.key, t.score, t.output) for t in b.tests]


# --- timeouts: one per looping function, never called again, never shrunk -----------------

RUNTIME = FIXTURES / "runtime"
#: short limits so that a loop costs seconds, not minutes; what they promise is the same
LOOP_LIMITS = Limits(call_seconds=1.0, message_seconds=3.0, import_seconds=5.0)
#: what a submission may cost beyond its timeouts: the import (milliseconds) and grading the
#: functions that do not loop (well under a second here), with room for a busy machine
SLACK_SECONDS = 3.0


@pytest.fixture(scope="module")
def loop_judge():
    """A judge whose worker has LOOP_LIMITS (the examples are the shared judge's)."""
    j = Judge.create(profiles.get("grading"), Worker(PlainLauncher(), LOOP_LIMITS))
    yield j
    j.close()


class CallLog:
    """What the judge sent each student function: messages holding it, calls that ran (a
    call answered "Skipped" never ran; a message killed by the backstop ran its calls up to
    the looping one, counted once per function), and timeouts (either kind)."""

    def __init__(self) -> None:
        self.messages: Counter[str] = Counter()
        self.ran: Counter[str] = Counter()
        self.timeouts: Counter[str] = Counter()


@pytest.fixture
def calls(monkeypatch) -> CallLog:
    """Count, per function, every call the judge sends through any Session."""
    log, real = CallLog(), Session.map

    def counted(self, batch, seconds=None, cache_key=None):
        fns = {c.fn for c in batch}
        log.messages.update(fns)
        try:
            replies = real(self, batch, seconds, cache_key)
        except WorkerTimeout:
            log.ran.update(fns)
            log.timeouts.update(fns)
            raise
        kinds = [(c.fn, (r.error or {}).get("type")) for c, r in zip(batch, replies)]
        log.ran.update(fn for fn, kind in kinds if kind != "Skipped")
        log.timeouts.update(fn for fn, kind in kinds if kind == "Timeout")
        return replies

    monkeypatch.setattr(Session, "map", counted)
    return log


def _spliced(fixture: str, name: str) -> str:
    """The reference with the fixture's definitions in place of its own (the catalog's splice)."""
    return mutants.splice(REF, (RUNTIME / fixture / name).read_text())


def _grade(judge: Judge, source: str):
    props = registry.properties("classification", hidden=True)
    sub = Submission("student", "classification", {"classification.py": source.encode()})
    return judge.grade(sub, "classification", props)


def _loops_once_then_skipped(r, fn: str, calls: CallLog, first_words: str) -> None:
    outs = [t.output for t in r.tests if t.function == fn]
    assert len(outs) >= 2  # a later property exists to be skipped
    assert first_words in outs[0]
    assert outs[1:] == [f"not run: {fn} already timed out on an earlier check"] * (len(outs) - 1)
    assert (calls.messages[fn], calls.ran[fn]) == (1, 1)


def test_an_endless_loop_costs_one_timeout_then_is_skipped(loop_judge, calls):
    """A looping sigmoid runs once (one timeout, never shrunk), later sigmoid properties fail
    at once without calling it, and every other function still scores."""
    t0 = time.monotonic()
    r = _grade(loop_judge, _spliced("sigmoid_loops_forever", "sigmoid.py"))
    seconds = time.monotonic() - t0
    assert failed_functions(r) == {"sigmoid"}
    _loops_once_then_skipped(r, "sigmoid", calls, "did not return within 1 s")
    assert r.score == 20 - sum(t.max_score for t in r.tests if t.function == "sigmoid")
    assert seconds <= LOOP_LIMITS.call_seconds + SLACK_SECONDS


def test_a_loop_that_ignores_the_timer_costs_one_backstop(loop_judge, calls):
    """A sigmoid that ignores SIGALRM is stopped once by the judge's per-message backstop and
    is not called again; every other function still scores."""
    t0 = time.monotonic()
    r = _grade(loop_judge, _spliced("sigmoid_ignores_the_timer", "sigmoid.py"))
    seconds = time.monotonic() - t0
    assert failed_functions(r) == {"sigmoid"}
    _loops_once_then_skipped(r, "sigmoid", calls, "did not finish within the time limit")
    assert r.score == 20 - sum(t.max_score for t in r.tests if t.function == "sigmoid")
    assert seconds <= LOOP_LIMITS.message_seconds + SLACK_SECONDS


def test_k_looping_functions_cost_k_call_limits(loop_judge, calls):
    """All seven functions loop: each runs exactly once, and the submission costs at most
    7 x call_seconds plus the import and a stated slack."""
    source = (RUNTIME / "all_functions_loop" / "classification.py").read_text()
    r = _grade(loop_judge, source)
    functions = {t.function for t in r.tests}
    assert len(functions) == 7 and r.score == 0
    for fn in functions:
        _loops_once_then_skipped(r, fn, calls, "did not return within 1 s")
    assert r.seconds <= len(functions) * LOOP_LIMITS.call_seconds + SLACK_SECONDS


@prop(
    "functions.f",
    "f and then g of the same input",
    given={"x": st.just(5.0)},
    examples=[{"x": 1.0}, {"x": 3.0}, {"x": 4.0}, {"x": 2.0}],
)
def f_then_g(x):
    yield student.f(x)
    yield student.g(x)


@prop("functions.f", "f returns its input", given={"x": st.just(5.0)})
def f_alone(x):
    compare.holds((yield student.f(x)) == x, "f(x) is not x")


@prop("functions.g", "g returns its input", given={"x": st.just(5.0)})
def g_alone(x):
    compare.holds((yield student.g(x)) == x, "g(x) is not x")


@prop("functions.h", "h returns its input", given={"x": st.integers(0, 10**6)})
def h_identity(x):
    compare.holds((yield student.h(x)) == x, "h(x) is not x")


@prop("functions.h", "h returns its input, again", given={"x": st.just(5.0)})
def h_again(x):
    compare.holds((yield student.h(x)) == x, "h(x) is not x")


def _grade_functions(judge: Judge, fixture: str, props: list):
    source = (RUNTIME / fixture / "functions.py").read_bytes()
    return judge.grade(
        Submission("student", "functions", {"functions.py": source}), "functions", props
    )


def test_locating_a_crash_stops_at_a_timeout(loop_judge, calls):
    """The one-by-one replay that looks for a crash stops at the first timeout it meets (g
    runs once, not once per example); f (crashed) and g (timed out) are not called again."""
    r = _grade_functions(loop_judge, "crash_then_loop", [f_then_g, f_alone, g_alone])
    first, f_later, g_later = (t.output for t in r.tests)
    assert "ended the worker process" in first and "Failing input" not in first
    assert f_later == "not run: f already crashed on an earlier check"
    assert g_later == "not run: g already timed out on an earlier check"
    assert (calls.ran["g"], calls.timeouts["g"]) == (1, 1)


def test_a_timeout_while_shrinking_ends_the_shrink(loop_judge, calls):
    """h is wrong above 1000 and loops at 1001: the shrink stops at its first timeout, the
    feedback shows a real (wrong-value) failure, and h is not called again."""
    r = _grade_functions(loop_judge, "loops_where_the_shrink_goes", [h_identity, h_again])
    first, later = (t.output for t in r.tests)
    assert "h(x) is not x" in first and "did not return" not in first
    x = int(first.split("Failing input: x = ")[1].split()[0])
    assert x > 1000
    assert later == "not run: h already timed out on an earlier check"
    assert calls.timeouts["h"] == 1


# --- warnings SPEC forbids ----------------------------------------------------------------


@prop(
    "classification.sigmoid",
    "no overflow warnings for large |z|",
    forbid_warnings=True,
    given={"z": gen.arrays(st.tuples(st.integers(1, 6)), -1e3, 1e3)},
    examples=[{"z": np.array([-1000.0, 0.0, 1000.0])}],
)
def sigmoid_without_warnings(z):
    got = compare.array((yield student.sigmoid(z)), "sigmoid(z)", shape=z.shape)
    compare.close(got, np.exp(-np.logaddexp(0.0, -z)), "sigmoid(z)", rtol=1e-9, atol=1e-300)


#: the same property where SPEC says nothing about warnings
SIGMOID_WARNINGS_ALLOWED = dataclasses.replace(
    sigmoid_without_warnings, forbid_warnings=False, key="classification.sigmoid.allowed"
)
NAIVE_SIGMOID = "sigmoid_overflow_warning"


def test_a_forbidden_warning_fails_the_example(judge):
    """1 / (1 + exp(-z)) emits an overflow RuntimeWarning: a forbid_warnings property fails
    on it with the warning named; the reference passes."""
    naive = _spliced(NAIVE_SIGMOID, "sigmoid.py")
    r = judge.grade(
        Submission("s", "classification", {"classification.py": naive.encode()}),
        "classification",
        [sigmoid_without_warnings],
    )
    out = r.tests[0].output
    assert r.tests[0].status == "failed"
    assert (
        "sigmoid emitted RuntimeWarning: overflow encountered in exp; the docstring says "
        "sigmoid gives no such warnings"
    ) in out
    assert "Failing input: z = array([-1000.0, 0.0, 1000.0])" in out
    ok = grade_source(judge, "classification", REF, hidden=False)
    ref = judge.grade(
        Submission("s", "classification", {"classification.py": REF.encode()}),
        "classification",
        [sigmoid_without_warnings],
    )
    assert ok.score == ok.max_score and ref.tests[0].status == "passed"


def test_warnings_never_fail_other_properties(judge):
    """The same warning costs nothing where the property does not forbid it: the graders'
    properties (none forbid warnings here) and the twin property give full marks."""
    naive = _spliced(NAIVE_SIGMOID, "sigmoid.py")
    r = grade_source(judge, "classification", naive)
    assert r.score == r.max_score
    twin = judge.grade(
        Submission("s", "classification", {"classification.py": naive.encode()}),
        "classification",
        [SIGMOID_WARNINGS_ALLOWED],
    )
    assert twin.tests[0].status == "passed"
