"""Feedback for typical batch_momentum mutants: it names the function, shows the failing input
and got/expected, points at the convention, and never shows the reference's code."""

from __future__ import annotations

import pytest

from graders import mutants, profiles
from graders.diagnose import diagnoser_for
from graders.grade.runner import Judge
from tests.conftest import failed_tests, grade_mutant, grade_source

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "batch_momentum"


@pytest.fixture(scope="module")
def results(judge):
    ids = [
        "momentum_velocity_sign_flipped",
        "shuffle_drops_last_partial",
        "gd_missing_theta0",
        "gd_gradient_at_theta0",
        "shuffle_array_split_equal_parts",
    ]
    return {i: grade_mutant(judge, TOPIC, i) for i in ids}


@pytest.fixture(scope="module")
def diagnosing_judge():
    """A judge that names misconceptions, as `propgrade grade` does (the shared one does not)."""
    j = Judge.create(profiles.get("grading"), diagnose=diagnoser_for(TOPIC))
    yield j
    j.close()


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


def test_torch_buffer_as_velocity_is_caught_and_named(diagnosing_judge):
    """torch's buffer returned as the velocity loses points on momentum_step only, named as
    that misconception (its thetas are right at a constant lr)."""
    result = grade_mutant(diagnosing_judge, TOPIC, "momentum_returns_torch_buffer")
    failed = [t for t in result.tests if t.status == "failed"]
    assert failed and {t.function for t in failed} == {"momentum_step"}
    assert any(t.misconception and "-lr*b" in t.misconception for t in failed)


def test_array_split_into_equal_parts_reports_the_sizes(results):
    """np.array_split into ceil(n / batch_size) pieces is reported on the batch sizes."""
    failed = failed_tests(results["shuffle_array_split_equal_parts"], "shuffled_batches")
    assert failed
    assert any("the batch sizes of shuffled_batches(" in t.output for t in failed)


@pytest.fixture(scope="module")
def fixed_permutation(judge):
    entry = next(
        d for d in mutants.degenerates(TOPIC) if d.id == "shuffle_same_permutation_every_seed"
    )
    return grade_source(judge, TOPIC, mutants.mutant_source(TOPIC, entry))


def test_a_fixed_permutation_earns_nothing_on_shuffled_batches(fixed_permutation):
    """The same permutation for every seed cuts range(n) perfectly but earns 0 on
    shuffled_batches: the partition checks are gated on the shuffle checks, which it fails."""
    tests = [t for t in fixed_permutation.tests if t.function == "shuffled_batches"]
    assert sum(t.score for t in tests) == 0
    partition = next(t for t in tests if "cut a permutation of range(n)" in t.name)
    assert "earns its points once" in partition.output
    seed = next(t for t in tests if "a new seed" in t.name)
    assert seed.status == "failed" and "must reshuffle" in seed.output
