"""critical_points' Hessian-test descriptions (the eigenvalues that decide a verdict) are
made only on failure (compare.Lazy), and read word for word as when they were rendered for
every check.

The properties run in-process on catalog functions (our code, never a student's), fed the
way the judge feeds them: ``prop.run`` with the oracle's expected value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from graders import compare, mutants
from graders.hidden import critical_points as hidden
from graders.public import critical_points as public
from graders.public.critical_points.cases import LECTURE_HESSIANS
from reference import critical_points as ref
from tests.conftest import failure_in_process

TOPIC = "critical_points"
#: on the lecture's valley w1·w2 = 1 (x = y = 1): eigenvalues 0 and 8.5, degenerate
VALLEY = {"H": np.array([[0.5, 2.0], [2.0, 8.0]]), "eigenvalues": np.array([0.0, 8.5]), "tol": None}
#: 5e-9 is positive beyond tol = 1e-9, zero within the default 1e-8
SMALL_TOL = {"H": np.diag([5e-9, 2.0]), "tol": 1e-9}
PROPERTIES = [
    public.classify_matches_eigenvalues,
    public.minimum_ratio_counts_positive,
    hidden.classify_reference,
    hidden.minimum_ratio_reference,
]


def _entry(entry_id: str) -> Callable[..., Any]:
    entries = mutants.mutants(TOPIC) + mutants.variants(TOPIC)
    return next(e.code for e in entries if e.id == entry_id)


def _message(prop, case: dict[str, Any], fn: Callable[..., Any]) -> str | None:
    """The Failure message of ``prop`` answered by ``fn`` on ``case``; None if it holds."""
    if prop.visibility == "hidden":
        case = {k: case[k] for k in ("H", "tol")}
    return failure_in_process(prop, case, fn, prop.expect(**case))


@pytest.mark.parametrize(
    ("prop", "entry", "message"),
    [
        (
            public.classify_matches_eigenvalues,
            "classify_zero_as_positive",
            "classify_critical_point(H) (eigenvalues array([0. , 8.5])): got 'local_min', "
            "expected 'degenerate'",
        ),
        (
            hidden.classify_reference,
            "classify_zero_as_positive",
            "classify_critical_point(H) (eigenvalues array([0. , 8.5]), tol 1e-08): got "
            "'local_min', expected 'degenerate'",
        ),
        (
            public.minimum_ratio_counts_positive,
            "minimum_ratio_counts_zeros",
            "minimum_ratio(H) (eigenvalues array([0. , 8.5])): got 1, expected 0.5 (error "
            "0.5; tolerance 1e-12 + 0·|expected|)",
        ),
        (
            hidden.minimum_ratio_reference,
            "minimum_ratio_counts_zeros",
            "minimum_ratio(H) (eigenvalues array([0. , 8.5])): got 1, expected 0.5 (error "
            "0.5; tolerance 1e-12 + 0·|expected|)",
        ),
    ],
)
def test_failing_verdict_names_the_eigenvalues_word_for_word(prop, entry, message):
    """A mutant's failure on the valley reads as before: the call, its eigenvalues, got and
    expected."""
    assert _message(prop, VALLEY, _entry(entry)) == message


def test_hidden_verdict_names_the_tol_it_was_judged_by():
    """A verdict that ignores an explicit tol names the eigenvalues and that tol."""
    assert _message(hidden.classify_reference, SMALL_TOL, _entry("classify_ignores_tol")) == (
        "classify_critical_point(H, tol=1e-09) (eigenvalues array([5.e-09, 2.e+00]), tol "
        "1e-09): got 'degenerate', expected 'local_min'"
    )


def test_non_string_verdict_is_named_word_for_word():
    """A verdict that is not a string is rendered in the structural message."""
    assert _message(public.classify_matches_eigenvalues, VALLEY, lambda *a, **k: 3) == (
        "classify_critical_point(H) returned 3; expected one of the strings 'local_min', "
        "'local_max', 'saddle', 'degenerate'"
    )


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda p: p.key)
def test_passing_checks_render_no_eigenvalues(prop, monkeypatch):
    """The reference passes every lecture Hessian without any value being formatted."""
    cases = [dict(c) for c in LECTURE_HESSIANS]
    fn = getattr(ref, prop.function)

    def no_fmt(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("a passing check rendered a value")

    monkeypatch.setattr(compare, "fmt", no_fmt)
    assert all(_message(prop, case, fn) is None for case in cases)
