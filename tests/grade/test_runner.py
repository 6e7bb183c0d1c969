"""Grading one submission: scores, feedback, and every way a submission can go wrong."""

from __future__ import annotations

from graders import mutants
from tests.conftest import failed_functions, grade_source

REF = mutants.reference_source("classification")
NO_SHIFT = REF.replace("shifted = z - np.max(z, axis=-1, keepdims=True)\n    # exponentiate",
                       "shifted = z\n    # exponentiate")


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
    out = next(t.output for t in r.tests if "constant" in t.name)
    assert "z = array([0.])" in out and "c = 710" in out


def test_missing_function_fails_only_its_tests(judge):
    """Deleting cross_entropy fails its tests with a spelling hint and nothing else."""
    src = REF.replace("def cross_entropy(", "def cross_entropy_renamed(")
    r = grade_source(judge, "classification", src)
    assert failed_functions(r) == {"cross_entropy"}
    assert "has no function cross_entropy" in next(
        t.output for t in r.tests if t.function == "cross_entropy")


def test_exception_shows_the_students_traceback(judge):
    """An exception in student code is reported with its type, message and their frames."""
    src = REF.replace('    z = np.asarray(z, dtype=np.float64)\n    # exponentiate',
                      '    raise ValueError("oops")\n    # exponentiate', 1)
    src = REF.replace("def sigmoid(z", "def sigmoid(z):\n    raise ValueError('oops')\n\n\n"
                      "def _old_sigmoid(z", 1)
    r = grade_source(judge, "classification", src)
    out = next(t.output for t in r.tests if t.function == "sigmoid")
    assert "sigmoid raised ValueError: oops" in out and "classification.py" in out


def test_an_endless_loop_costs_one_timeout_then_is_skipped(judge):
    """A looping function fails, its later tests are skipped, other functions still score."""
    src = REF.replace("def sigmoid(z", "def sigmoid(z):\n    while True:\n        pass\n\n\n"
                      "def _old_sigmoid(z", 1)
    r = grade_source(judge, "classification", src)
    assert failed_functions(r) == {"sigmoid"}
    outs = [t.output for t in r.tests if t.function == "sigmoid"]
    assert "did not return within" in outs[0]
    assert r.score == 20 - sum(t.max_score for t in r.tests if t.function == "sigmoid")


def test_a_crash_is_located_on_its_input(judge):
    """os._exit on one input fails that test with the crashing input shown."""
    src = REF.replace("def softmax_mse(logits", "def softmax_mse(logits, labels):\n"
                      "    import os\n    if logits.shape[1] == 3:\n        os._exit(1)\n"
                      "    return _old(logits, labels)\n\n\ndef _old(logits", 1)
    r = grade_source(judge, "classification", src)
    assert failed_functions(r) == {"softmax_mse"}
    out = next(t.output for t in r.tests if t.function == "softmax_mse")
    assert "ended the worker process" in out and "Failing input" in out


def test_syntax_error_gets_a_row_and_a_message(judge):
    """A file that does not parse scores zero with the syntax error as the message."""
    r = grade_source(judge, "classification", "def softmax(:\n")
    assert r.score == 0 and r.status == "not graded"
    assert "SyntaxError" in r.messages[0]


def test_grading_is_deterministic(judge):
    """Grading the same submission twice gives identical tests and feedback."""
    a = grade_source(judge, "classification", NO_SHIFT)
    b = grade_source(judge, "classification", NO_SHIFT)
    strip = [(t.key, t.score, t.output) for t in a.tests]
    assert strip == [(t.key, t.score, t.output) for t in b.tests]
