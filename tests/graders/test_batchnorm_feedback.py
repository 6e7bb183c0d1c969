"""Feedback of the batchnorm graders on typical mutants: readable, and no reference code."""

from __future__ import annotations

import pytest

from graders import mutants
from tests.conftest import failed_tests, grade_mutant

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "batchnorm"


@pytest.fixture(scope="module")
def graded(judge):
    """Public feedback for each mutant of the catalog, by mutant id."""
    return {m.id: grade_mutant(judge, TOPIC, m.id, hidden=False) for m in mutants.mutants(TOPIC)}


def test_unbiased_forward_shows_input_got_expected_and_hint(graded):
    """An unbiased-variance forward names the function, the input, got vs expected, a hint."""
    tests = failed_tests(graded["forward_unbiased_variance"], "batchnorm_forward")
    assert tests and all(t.name.startswith("batchnorm_forward: ") for t in tests)
    out = tests[0].output
    assert "Failing input: x = " in out and "gamma = " in out and "eps = " in out
    assert "got " in out and "expected " in out and "biased" in out and "Hint:" in out


def test_backward_feedback_names_the_wrong_output(graded):
    """A backward pass missing the variance path is reported on dx, not on the whole tuple."""
    out = failed_tests(graded["backward_no_variance_path"], "batchnorm_backward")[0].output
    assert "dx: got " in out and "dy = " in out


def test_running_stats_feedback_says_after_which_batch(graded):
    """Swapped momentum is reported on the first batch of the trajectory with the momentum."""
    out = failed_tests(graded["running_momentum_swapped"], "update_running_stats")[0].output
    assert "after batch 1 of" in out and "momentum = " in out and "got " in out


def test_inference_without_eps_reports_non_finite_output(graded):
    """Inference without eps on a zero running variance is reported as a non-finite value."""
    out = failed_tests(graded["inference_no_eps"], "batchnorm_inference")[0].output
    assert "expected finite numbers" in out and "running_var = " in out
