"""Feedback of the batchnorm graders on typical mutants: readable, and no reference code."""

from __future__ import annotations

import pytest

from graders import mutants
from tests.conftest import failed_tests, grade_mutant, grade_source

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


# --- points only for correctness (issue 11) ---------------------------------------------

GATED = "This check passed, but on its own it does not show"


def _degenerate(judge, entry_id: str, hidden: bool = True):
    entry = next(d for d in mutants.degenerates(TOPIC) if d.id == entry_id)
    return grade_source(judge, TOPIC, mutants.mutant_source(TOPIC, entry), hidden=hidden)


def _tests(result, function: str) -> dict[str, object]:
    return {t.key.rsplit(".", 1)[1]: t for t in result.tests if t.function == function}


def test_backward_with_dx_zero_earns_nothing(judge):
    """dx = 0 beside correct dgamma and dbeta scores 0 on batchnorm_backward: "dx sums to
    0" holds but is gated on the dx check, which it names; the dx check shows dx: got."""
    result = _degenerate(judge, "backward_dx_zero")
    tests = _tests(result, "batchnorm_backward")
    assert sum(t.score for t in tests.values()) == 0
    relation = tests["backward_shift_invariance"].output
    assert GATED in relation and "equal torch.autograd" in relation
    assert "dx: got " in tests["backward_matches_autograd"].output


def test_inference_returning_beta_earns_nothing(judge):
    """Inference returning beta scores 0: its per-sample independence is gated."""
    result = _degenerate(judge, "inference_returns_beta")
    tests = _tests(result, "batchnorm_inference")
    assert sum(t.score for t in tests.values()) == 0
    assert GATED in tests["inference_per_sample"].output


def test_running_stats_failure_names_the_state_it_started_from(graded):
    """A failing step of a trajectory names the state it started from, the batch and the
    momentum, not only the (possibly truncated) list of batches."""
    out = failed_tests(graded["running_var_biased"], "update_running_stats")[0].output
    assert "(from running_" in out and "batch x = array(" in out and "momentum = " in out
