"""Feedback of the classification graders on typical mutants: readable, no reference code."""

from __future__ import annotations

import pytest

from graders import mutants
from tests.conftest import failed_functions, failed_tests, grade_mutant

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "classification"


@pytest.fixture(scope="module")
def graded(judge):
    """Public feedback for each mutant of the catalog, by mutant id."""
    return {m.id: grade_mutant(judge, TOPIC, m.id, hidden=False) for m in mutants.mutants(TOPIC)}


def test_softmax_along_axis_0_reports_the_row_sums(graded):
    """Softmax over axis 0 fails on row sums, showing the input and got vs expected."""
    result = graded["softmax_axis_0"]
    assert failed_functions(result) == {"softmax"}
    out = failed_tests(result, "softmax")[0].output
    assert "Failing input: z = " in out
    assert "the sum of each row of softmax(z): got " in out and "expected 1" in out


def test_log_of_softmax_reports_minus_infinity(graded):
    """log(softmax) on logits ±1e4 is reported as a -inf entry with the log-sum-exp hint."""
    out = failed_tests(graded["log_softmax_log_of_softmax"], "log_softmax")[0].output
    assert "Failing input: z = " in out and "contains -inf" in out and "log-sum-exp" in out


def test_summed_cross_entropy_shows_got_and_expected(graded):
    """A summed cross-entropy shows the labels and both values."""
    out = failed_tests(graded["cross_entropy_sum"], "cross_entropy")[0].output
    assert "labels = " in out and "cross_entropy(logits, labels): got " in out
