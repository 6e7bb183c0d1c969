"""Feedback for typical batch_momentum mutants: it names the function, shows the failing input
and got/expected, points at the convention, and never shows the reference's code."""

from __future__ import annotations

import pytest

from tests.conftest import failed_tests, grade_mutant

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "batch_momentum"


@pytest.fixture(scope="module")
def results(judge):
    ids = ["momentum_velocity_sign_flipped", "shuffle_drops_last_partial", "gd_missing_theta0",
           "gd_gradient_at_theta0"]
    return {i: grade_mutant(judge, TOPIC, i) for i in ids}


def test_velocity_sign_feedback_shows_input_and_got_expected(results):
    """A flipped velocity is reported on momentum_step with the input, got/expected and the convention."""
    failed = failed_tests(results["momentum_velocity_sign_flipped"], "momentum_step")
    assert failed
    out = failed[0].output
    assert failed[0].name.startswith("momentum_step: ")
    assert "Failing input: theta0 = " in out
    assert "velocity" in out and "got " in out and "expected " in out
    assert "Hint: " in out and "momentum*velocity - lr*grad" in out


def test_dropped_last_batch_reports_the_batch_count(results):
    """Dropping the short last batch is reported as too few batches, with the input that shows it."""
    failed = failed_tests(results["shuffle_drops_last_partial"], "shuffled_batches")
    out = failed[0].output
    assert "Failing input: n = " in out
    assert "items; expected" in out
    assert "shorter" in out  # the hint: keep the last, shorter batch


def test_missing_theta0_reports_the_shape(results):
    """A trajectory without theta0 fails on its shape (steps + 1 rows) before any value."""
    out = failed_tests(results["gd_missing_theta0"], "gradient_descent")[0].output
    assert "gradient_descent(grad_fn, theta0" in out
    assert "has shape" in out and "expected shape" in out


def test_stale_gradient_shows_the_trajectory_against_torch(results):
    """A gradient evaluated only at theta0 is reported as trajectory rows got/expected vs torch."""
    out = failed_tests(results["gd_gradient_at_theta0"], "gradient_descent")[0].output
    assert "(row = step) on the quadratic with gradient A @ theta - b" in out
    assert "got " in out and "expected " in out and "at index (" in out
