"""landscape's descriptions that render values (eigenvalues, counts, an asymmetry, the finder's
start) are made only on failure (compare.Lazy), and read word for word as when they were
made for every check.

The properties run in-process on catalog modules (our code, never a student's), fed the way
the judge feeds them: ``prop.run`` with the oracle's expected value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from graders import compare, mutants
from graders.hidden import landscape as hidden
from graders.public import landscape as public
from graders.public.landscape import judge
from reference import landscape as ref
from tests.conftest import failure_in_process

# torch.func.hessian (the hessian property's oracle) warns about torch.jit's own deprecation
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)

TOPIC = "landscape"
#: eigen_counts' explicit example: 2, ±1e-9 (zero within the default rtol), 0 and -3
SPECTRUM = dict(public.eigen_counts_known_spectra.examples[1])


def _module(entry_id: str) -> Any:
    """The reference with one catalog entry (mutant or degenerate) in place."""
    entries = mutants.mutants(TOPIC) + mutants.variants(TOPIC) + mutants.degenerates(TOPIC)
    entry = next(e for e in entries if e.id == entry_id)
    return mutants.load_module(f"lazy_{entry_id}", mutants.mutant_source(TOPIC, entry))


def _message(prop, case: dict[str, Any], fn: Callable[..., Any]) -> str | None:
    """The Failure message of ``prop`` answered by ``fn`` on ``case``; None if it holds."""
    return failure_in_process(prop, case, fn, prop.expect(**case) if prop.expect else None)


def _no_fmt(*args: Any, **kwargs: Any) -> str:
    raise AssertionError("a passing check rendered a value")


@pytest.mark.parametrize(
    ("prop", "call"),
    [(public.eigen_counts_known_spectra, "eigen_counts(H)"), (hidden.eigen_counts_wide, None)],
)
def test_strict_counts_name_the_eigenvalues_word_for_word(prop, call):
    """Strict counting fails with the eigenvalues rendered as before, public and hidden."""
    what = call or "eigen_counts(H, rtol=None)"
    assert _message(prop, SPECTRUM, _module("eigen_counts_strict").eigen_counts) == (
        f"{what} with eigenvalues array([ 2.e+00,  1.e-09, -1.e-09,  0.e+00, -3.e+00]): "
        "got (2, 2, 1), expected (1, 1, 3)"
    )


def test_unsymmetrised_hessian_names_its_asymmetry_word_for_word():
    """An unsymmetrised finite-difference Hessian is told its largest |H - Hᵀ|."""
    case = dict(public.hessian_matches_torch.examples[0])
    got = _message(public.hessian_matches_torch, case, _module("hessian_unsymmetrised").hessian)
    assert got == (
        "hessian(theta, sizes, x, y) is not exactly symmetric: largest |H - Hᵀ| = 5.24025e-09"
    )


def test_fractional_counts_are_rendered_word_for_word():
    """Counts that are not whole numbers are shown as the array they were."""
    bounds = {"n": 3, "pos_min": 1, "pos_max": 1, "neg_min": 0, "neg_max": 0}
    with pytest.raises(compare.Failure) as caught:
        judge.check_counts(np.array([1.5, 0.0, 1.5]), bounds, "counts")
    assert caught.value.message == "counts = array([1.5, 0. , 1.5]): counts are whole numbers"


def test_finder_failure_names_both_gradient_norms_word_for_word():
    """A finder that returns theta0 next to the saddle is told ||gradient|| there and at
    theta0 (computed by torch only for this message)."""
    case = dict(public.finder_reaches_tol.examples[1])  # 1e-2 from the saddle
    fn = _module("find_critical_point_identity").find_critical_point
    assert _message(public.finder_reaches_tol, case, fn) == (
        "find_critical_point(theta0, sizes, x, y, tol=1e-08, max_steps=50): ||gradient|| at "
        "the returned point is 0.0356223 > tol (at theta0 it is 0.0356223)"
    )


def test_passing_finder_costs_one_torch_gradient(monkeypatch):
    """A finder reaching tol is judged by one torch gradient (at its point), none at theta0."""
    points: list[np.ndarray] = []
    original = public.torch_loss_and_gradient

    def counted(theta, sizes, x, y):
        points.append(np.array(theta))
        return original(theta, sizes, x, y)

    monkeypatch.setattr(public, "torch_loss_and_gradient", counted)
    for case in public.finder_reaches_tol.examples:
        assert _message(public.finder_reaches_tol, dict(case), ref.find_critical_point) is None
    assert len(points) == len(public.finder_reaches_tol.examples)
    assert not any(
        np.array_equal(p, c["theta"]) for p, c in zip(points, public.finder_reaches_tol.examples)
    )


@pytest.mark.parametrize(
    ("prop", "function"),
    [
        (public.eigen_counts_known_spectra, "eigen_counts"),
        (hidden.eigen_counts_wide, "eigen_counts"),
        (public.hessian_matches_torch, "hessian"),
        (public.finder_reaches_tol, "find_critical_point"),
    ],
    ids=lambda p: getattr(p, "key", p),
)
def test_passing_checks_render_no_values(prop, function, monkeypatch):
    """The reference passes the explicit examples without any value being formatted."""
    cases = [dict(c) for c in prop.examples or [SPECTRUM]]
    expected = [prop.expect(**c) if prop.expect else None for c in cases]
    monkeypatch.setattr(compare, "fmt", _no_fmt)
    for case, want in zip(cases, expected):
        run = prop.run(case, expected=want)
        call = next(run)
        with pytest.raises(StopIteration):
            while True:
                call = run.send(getattr(ref, function)(*call.args, **call.kwargs))
