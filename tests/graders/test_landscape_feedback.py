"""Feedback for typical landscape mistakes: the artifact named, the function named, values shown."""

from __future__ import annotations

import pytest

from tests.conftest import public_failures

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "landscape"


def test_strict_counting_is_told_that_noise_is_not_curvature(judge):
    """Counting λ > 0 fails the known-spectra check showing the eigenvalues and the tolerance hint."""
    failed = public_failures(judge, TOPIC, "eigen_counts_strict")
    assert list(failed) and all(n.startswith("eigen_counts:") for n in failed)
    output = next(iter(failed.values()))
    assert "eigen_counts(H" in output and "with eigenvalues" in output
    assert "rtol·max|λ|" in output


def test_gauss_newton_block_fails_against_torch_func_hessian(judge):
    """JᵀJ blocks are compared with the exact Hessian and the hint names the Gauss–Newton block."""
    failed = public_failures(judge, TOPIC, "hessian_gauss_newton_block")
    output = failed[next(n for n in failed if n.startswith("hessian:"))]
    assert "hessian(theta, sizes, x, y) vs torch.func.hessian" in output
    assert "Gauss–Newton" in output


def test_unsymmetrised_hessian_is_told_to_symmetrise(judge):
    """An unsymmetrised FD Hessian is reported as not exactly symmetric, with (H + H.T) / 2."""
    failed = public_failures(judge, TOPIC, "hessian_unsymmetrised")
    output = failed[next(n for n in failed if n.startswith("hessian:"))]
    assert "is not exactly symmetric" in output and "(H + H.T) / 2" in output


def test_descending_finder_is_shown_stuck_next_to_the_saddle(judge):
    """A loss-descent finder misses tol next to the saddle; the message gives both norms."""
    failed = public_failures(judge, TOPIC, "finder_descends_loss")
    output = failed[next(n for n in failed if n.startswith("find_critical_point:"))]
    assert "find_critical_point(theta0, sizes, x, y, tol=1e-08" in output
    assert "> tol (at theta0 it is" in output and "saddle" in output


def test_fixed_seed_is_told_each_run_needs_its_own_start(judge):
    """default_rng(seed) for every run fails the seeding check, naming default_rng([seed, r])."""
    failed = public_failures(judge, TOPIC, "experiment_fixed_seed")
    output = failed[next(n for n in failed if n.startswith("minimum_ratio_experiment:"))]
    assert "runs 0 and 1 ended at the same theta" in output
    assert "default_rng([seed, r])" in output
