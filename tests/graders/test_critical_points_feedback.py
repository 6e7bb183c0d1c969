"""Feedback for typical critical_points mistakes: readable, specific, free of reference code."""

from __future__ import annotations

import re

import pytest

from tests.conftest import public_failures

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "critical_points"



def test_zero_eigenvalue_as_positive_shows_the_valley_verdict(judge):
    """Counting zeros as positive fails on the lecture's valley with both verdicts shown."""
    failed = public_failures(judge, TOPIC, "classify_zero_as_positive")
    assert list(failed) and all(n.startswith("classify_critical_point:") for n in failed)
    output = next(iter(failed.values()))
    assert "Failing input: H = array([[0.5, 2. ]," in output
    assert "got 'local_min', expected 'degenerate'" in output
    assert "eigenvalues array([0. , 8.5])" in output
    assert "Hint:" in output


def test_wrong_escape_direction_reports_the_rayleigh_quotient(judge):
    """An eigenvector of the largest eigenvalue is shown failing uᵀHu = λ_min with values."""
    failed = public_failures(judge, TOPIC, "escape_largest_eigenvector")
    output = next(iter(failed.values()))
    assert re.search(r"uᵀHu for u = escape_direction\(H\), which must equal the most negative "
                     r"eigenvalue: got \S+, expected -2 ", output)


def test_hessian_without_product_rule_fails_off_the_origin(judge):
    """The 2x²w1w2 off-diagonal passes at w = (0, 0) but is shown failing on the valley."""
    failed = public_failures(judge, TOPIC, "two_weight_hessian_no_product_rule")
    output = next(iter(failed.values()))
    assert "Failing input: w = array([2. , 0.5])" in output
    assert "two_weight_hessian(w): got 0, expected 2 at index (0, 1)" in output

