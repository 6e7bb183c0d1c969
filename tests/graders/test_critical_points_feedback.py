"""Feedback for typical critical_points mistakes: readable, specific, free of reference code."""

from __future__ import annotations

import re

import numpy as np
import pytest

from graders import mutants
from tests.conftest import grade_source, public_failures

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "critical_points"


def test_zero_eigenvalue_as_positive_shows_the_valley_verdict(judge):
    """Counting zeros as positive fails on the lecture's valley with both verdicts shown."""
    failed = public_failures(judge, TOPIC, "classify_zero_as_positive")
    assert list(failed) and all(n.startswith("classify_critical_point:") for n in failed)
    output = next(iter(failed.values()))
    assert "Failing input: H = array([[0.5, 2.0]," in output
    assert "got 'local_min', expected 'degenerate'" in output
    assert "eigenvalues array([0. , 8.5])" in output
    assert "Hint:" in output


def test_wrong_escape_direction_reports_the_rayleigh_quotient(judge):
    """An eigenvector of the largest eigenvalue is shown failing uᵀHu = λ_min with values."""
    failed = public_failures(judge, TOPIC, "escape_largest_eigenvector")
    output = next(iter(failed.values()))
    assert re.search(
        r"uᵀHu for u = escape_direction\(H\), which must equal the most negative "
        r"eigenvalue: got \S+, expected -2 ",
        output,
    )


def test_hessian_without_product_rule_fails_off_the_origin(judge):
    """The 2x²w1w2 off-diagonal passes at w = (0, 0) but is shown failing on the valley."""
    failed = public_failures(judge, TOPIC, "two_weight_hessian_no_product_rule")
    output = next(iter(failed.values()))
    assert "Failing input: w = array([2.0, 0.5])" in output
    assert "two_weight_hessian(w): got 0, expected 2 at index (0, 1)" in output


def _degenerate_result(judge, entry_id: str, hidden: bool = True):
    entry = next(d for d in mutants.degenerates(TOPIC) if d.id == entry_id)
    return grade_source(judge, TOPIC, mutants.mutant_source(TOPIC, entry), hidden=hidden)


def test_constant_verdict_is_shown_against_the_eigenvalues(judge):
    """Always answering 'saddle' scores 0 on classify_critical_point, and the hidden check's
    message says the eigenvalues and the tol that decide the verdict."""
    result = _degenerate_result(judge, "classify_always_saddle")
    tests = [t for t in result.tests if t.function == "classify_critical_point"]
    assert tests and sum(t.score for t in tests) == 0
    hidden = next(t for t in tests if t.key.endswith(".classify_reference"))
    assert re.search(r"got 'saddle', expected '\w+'", hidden.output)
    assert re.search(r"\(eigenvalues array\(\[.*\]\), tol [0-9e.-]+\)", hidden.output)


def test_fixed_escape_direction_right_at_the_lecture_saddle_scores_zero(judge):
    """(1, ..., 1)/√n is the escape direction of the lecture's saddle [[0, -2], [-2, 0]], yet
    returned for every H it earns nothing: it fails where None or another vector is due."""
    H = np.array([[0.0, -2.0], [-2.0, 0.0]])
    u = np.ones(2) / np.sqrt(2.0)
    assert abs(u @ H @ u + 2.0) < 1e-15  # right on the lecture's example
    result = _degenerate_result(judge, "escape_fixed_diagonal")
    tests = [t for t in result.tests if t.function == "escape_direction"]
    assert len(tests) == 2 and all(t.status == "failed" and t.score == 0 for t in tests)
    public = next(t for t in tests if t.visibility != "hidden")
    assert "expected None: no eigenvalue is below -tol" in public.output


def test_minimum_ratio_half_fails_off_the_lecture_examples(judge):
    """A constant 0.5 (right at the lecture's saddle and valley) scores 0 on minimum_ratio,
    with the eigenvalues of the failing H in the message."""
    result = _degenerate_result(judge, "minimum_ratio_half")
    tests = [t for t in result.tests if t.function == "minimum_ratio"]
    assert tests and sum(t.score for t in tests) == 0
    assert all("eigenvalues array([" in t.output for t in tests)
