"""reference.critical_points against PyTorch, its defining properties and the lecture's example."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reference.critical_points import (
    classify_critical_point,
    escape_direction,
    minimum_ratio,
    numerical_hessian,
    taylor_approximation,
    two_weight_gradient,
    two_weight_hessian,
    two_weight_loss,
)

# torch.func.hessian goes through torch.jit internals that warn about their own deprecation
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)

REFERENCE = settings(max_examples=50, derandomize=True, database=None, deadline=None)
F64_EPS = np.finfo(np.float64).eps  # 2.2e-16
TOL = 1e-8  # the default eigenvalue tolerance of SPEC.md
SQRT_HALF = np.sqrt(0.5)


def finite(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats in [low, high], no subnormals (shrinks towards 0 or the bound nearest it)."""
    return st.floats(low, high, allow_subnormal=False)


def matrices(shape: tuple[int, ...], bound: float) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` with independent entries in [-bound, bound]."""
    return arrays(np.float64, shape, elements=finite(-bound, bound), fill=st.nothing())


def read_only(a) -> np.ndarray:
    """A read-only float64 copy: any in-place write by the code under test raises ValueError."""
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


# ---------------------------------------------------------------- the two-weight network

weights = matrices((2,), 3.0)
data_points = finite(-3.0, 3.0)


def torch_loss(w, x, y):
    """The lecture's loss (y - w1·w2·x)² in torch."""
    return (y - w[0] * w[1] * x) ** 2


@REFERENCE
@given(weights, data_points, data_points)
def test_two_weight_loss_is_a_float_matching_torch(w, x, y):
    """two_weight_loss returns a Python float equal to (y - w1·w2·x)²."""
    got = two_weight_loss(read_only(w), x, y)
    assert type(got) is float
    # identical formula and order of operations: at most one rounding apart
    np.testing.assert_allclose(got, torch_loss(torch.tensor(w), x, y).item(), rtol=1e-15, atol=0)


@REFERENCE
@given(weights, data_points, data_points)
def test_two_weight_gradient_matches_torch_autograd(w, x, y):
    """two_weight_gradient is the analytic gradient, shape (2,), as torch autograd."""
    got = two_weight_gradient(read_only(w), x, y)
    wt = torch.tensor(w, requires_grad=True)
    (expected,) = torch.autograd.grad(torch_loss(wt, x, y), wt)
    assert got.shape == (2,) and got.dtype == np.float64
    # |grad| <= 2·30·3·3 = 540 (ulp 1e-13); a different evaluation order moves a few ulp.
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-13, atol=1e-12)


@REFERENCE
@given(weights, data_points, data_points)
def test_two_weight_hessian_matches_torch_func_hessian(w, x, y):
    """two_weight_hessian is the analytic, symmetric (2, 2) Hessian, as torch.func.hessian."""
    got = two_weight_hessian(read_only(w), x, y)
    expected = torch.func.hessian(lambda t: torch_loss(t, x, y))(torch.tensor(w)).numpy()
    assert got.shape == (2, 2) and got.dtype == np.float64
    np.testing.assert_array_equal(got, got.T)
    # entries <= 4·9·9 + 18 ≈ 342 (ulp 6e-14): rtol/atol a few ulp of that scale.
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-12)


# ---------------------------------------------------------------- the lecture's worked example


def test_lecture_saddle_at_the_origin():
    """At w = (0, 0): H = [[0, -2], [-2, 0]], a saddle, escape ±(1, 1)/√2, minimum ratio 0.5."""
    w = np.zeros(2)
    H = two_weight_hessian(w)
    np.testing.assert_array_equal(two_weight_gradient(w), [0.0, 0.0])
    np.testing.assert_array_equal(H, [[0.0, -2.0], [-2.0, 0.0]])
    assert classify_critical_point(H) == "saddle"
    assert minimum_ratio(H) == 0.5
    u = escape_direction(H)
    assert u is not None
    # eigh of this 2×2 is exact to a few ulp; either sign is correct
    np.testing.assert_allclose(np.abs(u), [SQRT_HALF, SQRT_HALF], rtol=0, atol=4 * F64_EPS)
    assert u[0] * u[1] > 0
    # Along s·u the Taylor model is 1 - s², the true loss (1 - s²/2)² = 1 - s² + s⁴/4.
    for s in (0.5, 0.1, 0.01):
        model = taylor_approximation(1.0, np.zeros(2), H, s * u, w)
        np.testing.assert_allclose(model, 1.0 - s**2, rtol=1e-15)  # pure rounding
        np.testing.assert_allclose(two_weight_loss(s * u) - model, s**4 / 4, rtol=1e-6, atol=1e-15)
        assert two_weight_loss(s * u) < two_weight_loss(w)


@pytest.mark.parametrize(
    "w", [(1.0, 1.0), (2.0, 0.5), (-1.0, -1.0), (0.5, 2.0), (4.0, 0.25), (3.0, 1 / 3)]
)
def test_lecture_valley_minima_are_degenerate(w):
    """Minima on w1·w2 = 1 have eigenvalues {0, 2(w1²+w2²)}: "degenerate" at the default tol."""
    w = np.array(w)
    H = two_weight_hessian(w)
    low, high = np.linalg.eigvalsh(H)
    # the zero eigenvalue comes out as 0 or ~1e-17 (e.g. -2.8e-17 at (3, 1/3))
    assert abs(low) <= 1e-14 and np.isclose(high, 2 * (w @ w), rtol=1e-14)
    assert two_weight_loss(w) <= 1e-30
    np.testing.assert_allclose(two_weight_gradient(w), [0.0, 0.0], atol=1e-15)
    assert classify_critical_point(H) == "degenerate"
    assert minimum_ratio(H) == 0.5
    assert escape_direction(H) is None
    # A finite-difference Hessian has error ~eps_mach·|f|/eps² + O(eps²) (≈ 1e-12 here since
    # f = 0 on the valley); tol 1e-6 is the kind of tolerance such a Hessian needs.
    H_fd = numerical_hessian(two_weight_loss, w)
    np.testing.assert_allclose(H_fd, H, rtol=0, atol=1e-6)
    assert classify_critical_point(H_fd, tol=1e-6) == "degenerate"


@REFERENCE
@given(
    finite(0.5, 3.0).flatmap(lambda a: st.sampled_from([a, -a])),
    finite(0.5, 3.0),
    finite(0.5, 3.0),
)
def test_every_valley_point_is_degenerate(w1, x, y):
    """Every point with w1·w2·x = y is critical, degenerate, minimum ratio 0.5, no escape."""
    w = np.array([w1, y / (w1 * x)])
    H = two_weight_hessian(w, x, y)
    # The residual y - w1·w2·x is a rounding error (~1e-15); the zero eigenvalue is then of
    # order |residual|·x + ulp(|H|) ~ 1e-13, far below tol 1e-8.
    np.testing.assert_allclose(two_weight_gradient(w, x, y), [0.0, 0.0], atol=1e-12)
    assert classify_critical_point(H) == "degenerate"
    assert minimum_ratio(H) == 0.5
    assert escape_direction(H) is None


# ---------------------------------------------------------------- numerical Hessian, Taylor


def smooth(theta, c):
    """f(θ) = Σ sin(c⊙θ) + ½ (Σ tanh θ)², NumPy or torch; |f| <= n + n²/2, all mixed terms."""
    lib = torch if isinstance(theta, torch.Tensor) else np
    return lib.sum(lib.sin(c * theta)) + 0.5 * lib.sum(lib.tanh(theta)) ** 2


@REFERENCE
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(matrices((n,), 2.0), matrices((n,), 2.0))))
def test_numerical_hessian_matches_torch_func_hessian(case):
    """numerical_hessian approximates the Hessian of a smooth f, is (n, n) and exactly symmetric."""
    theta, c = case
    frozen = read_only(theta)
    got = numerical_hessian(lambda t: float(smooth(t, c)), frozen)
    expected = torch.func.hessian(lambda t: smooth(t, torch.tensor(c)))(torch.tensor(theta))
    assert got.shape == (theta.size, theta.size) and got.dtype == np.float64
    np.testing.assert_array_equal(got, got.T)
    np.testing.assert_array_equal(frozen, theta)
    # Error model at eps = 1e-4: rounding ~4·eps_mach·|f|/eps² (≈ 1e-7·|f|), truncation
    # eps²/12·|f''''| ~ 1e-9; tolerance 10·eps_mach·(1 + |f|)/eps² (observed <= 5e-7).
    atol = 10 * F64_EPS * (1 + abs(float(smooth(theta, c)))) / 1e-8
    np.testing.assert_allclose(got, expected.numpy(), rtol=0, atol=atol)


def test_numerical_hessian_error_is_truncation_plus_rounding():
    """The docstring's error model: O(eps²) truncation (halving eps quarters the error) plus
    about eps_mach·|f|/eps² rounding (which takes over, and grows, as eps shrinks)."""
    theta, c = np.array([0.3, -0.7]), np.array([2.0, -1.0])
    exact = torch.func.hessian(lambda t: smooth(t, torch.tensor(c)))(torch.tensor(theta)).numpy()

    def error(eps: float) -> float:
        return float(
            np.max(np.abs(numerical_hessian(lambda t: float(smooth(t, c)), theta, eps=eps) - exact))
        )

    assert 3.5 <= error(0.1) / error(0.05) <= 4.5
    f_scale = 1.0 + abs(float(smooth(theta, c)))
    assert error(1e-4) < error(1e-7) <= 64 * F64_EPS / 2 * f_scale / 1e-14


@st.composite
def quadratics(draw: st.DrawFn):
    """(c0, b, A, θ0, θ): f(θ) = c0 + b·θ + ½ θᵀAθ, A symmetric, n = 1..5, entries in [-3, 3]."""
    n = draw(st.integers(1, 5))
    M = draw(matrices((n, n), 3.0))
    return (
        draw(finite(-3.0, 3.0)),
        draw(matrices((n,), 3.0)),
        0.5 * (M + M.T),
        draw(matrices((n,), 3.0)),
        draw(matrices((n,), 3.0)),
    )


@REFERENCE
@given(quadratics())
def test_taylor_approximation_is_exact_for_a_quadratic(case):
    """taylor_approximation returns a float equal to f(θ) when f is quadratic (and loss0 at θ0)."""
    c0, b, A, theta0, theta = case

    def f(t):
        return c0 + b @ t + 0.5 * t @ A @ t

    args = [read_only(a) for a in (b + A @ theta0, A, theta, theta0)]
    got = taylor_approximation(f(theta0), *args)
    assert type(got) is float
    # |f| <= 3 + 45 + 0.5·25·27 ≈ 400: different evaluation orders differ by ~1e-13
    np.testing.assert_allclose(got, f(theta), rtol=1e-12, atol=1e-11)
    assert taylor_approximation(f(theta0), args[0], A, theta0, theta0) == f(theta0)
    for frozen, original in zip(args, (b + A @ theta0, A, theta, theta0)):
        np.testing.assert_array_equal(frozen, original)


# ---------------------------------------------------------------- Hessian eigenvalue tests

KINDS = {
    "positive": finite(1e-3, 10.0),
    "negative": finite(-10.0, -1e-3),
    "zero": st.just(0.0),
    "near_zero": finite(-1e-10, 1e-10),  # |λ| <= tol/100: counts as zero
}


@st.composite
def symmetric_matrices(draw: st.DrawFn):
    """(H, kinds, λ): H = Q diag(λ) Qᵀ, Q orthogonal (QR of a random matrix), n = 1..5.

    Each eigenvalue is positive or negative (|λ| in [1e-3, 10]), exactly zero or near zero
    (|λ| <= 1e-10); shrinks towards n = 1 and positive eigenvalues.  Rebuilding H moves the
    eigenvalues by ~n·eps_mach·max|λ| ≈ 1e-14, so every kind stays on its side of tol = 1e-8.
    """
    n = draw(st.integers(1, 5))
    kinds = draw(st.lists(st.sampled_from(list(KINDS)), min_size=n, max_size=n))
    eigenvalues = np.array([draw(KINDS[k]) for k in kinds])
    Q, _ = np.linalg.qr(draw(matrices((n, n), 1.0)))
    H = Q @ np.diag(eigenvalues) @ Q.T
    return 0.5 * (H + H.T), kinds, eigenvalues


def expected_verdict(kinds: list[str]) -> str:
    """SPEC's rule, written from the eigenvalue kinds instead of the eigenvalues."""
    positive, negative = "positive" in kinds, "negative" in kinds
    if positive and negative:
        return "saddle"
    if positive and len(set(kinds)) == 1:
        return "local_min"
    if negative and len(set(kinds)) == 1:
        return "local_max"
    return "degenerate"


@REFERENCE
@given(symmetric_matrices())
def test_classify_critical_point_follows_the_eigenvalue_signs(case):
    """classify_critical_point: mixed signs saddle, all > tol min, all < -tol max, else degenerate."""
    H, kinds, _ = case
    frozen = read_only(H)
    assert classify_critical_point(frozen) == expected_verdict(kinds)
    np.testing.assert_array_equal(frozen, H)


@REFERENCE
@given(symmetric_matrices())
def test_escape_direction_is_a_unit_eigenvector_of_the_most_negative_eigenvalue(case):
    """escape_direction: |u| = 1 and uᵀHu = λ_min < -tol; None when no λ is below -tol."""
    H, kinds, eigenvalues = case
    frozen = read_only(H)
    u = escape_direction(frozen)
    np.testing.assert_array_equal(frozen, H)
    if "negative" not in kinds:
        assert u is None
        return
    assert u is not None and u.shape == (H.shape[0],) and u.dtype == np.float64
    lam = eigenvalues.min()
    # eigh is backward stable: residuals ~ n·eps_mach·max|λ| <= 1e-14 for |λ| <= 10
    np.testing.assert_allclose(np.linalg.norm(u), 1.0, rtol=0, atol=1e-14)
    np.testing.assert_allclose(u @ H @ u, lam, rtol=0, atol=1e-13)
    np.testing.assert_allclose(H @ u, lam * u, rtol=0, atol=1e-13)


@REFERENCE
@given(symmetric_matrices())
def test_minimum_ratio_counts_strictly_positive_eigenvalues(case):
    """minimum_ratio is (number of λ > tol) / n as a float; zero and near-zero λ do not count."""
    H, kinds, _ = case
    got = minimum_ratio(read_only(H))
    assert type(got) is float
    assert got == kinds.count("positive") / len(kinds)


@pytest.mark.parametrize(
    ("eigenvalues", "verdict", "ratio", "escapes"),
    [
        ([TOL, 1.0], "degenerate", 0.5, False),  # |λ| == tol counts as zero
        ([-TOL, 1.0], "degenerate", 0.5, False),
        ([2 * TOL, 1.0], "local_min", 1.0, False),  # just above tol is positive
        ([-2 * TOL, -1.0], "local_max", 0.0, True),
        ([-2 * TOL, 0.0, 1.0], "saddle", 1 / 3, True),  # a sign change wins over a zero
        ([0.0, 0.0], "degenerate", 0.0, False),
        ([-1.0, 0.0], "degenerate", 0.0, True),  # negative semidefinite: inconclusive
        ([3.0], "local_min", 1.0, False),
    ],
)
def test_tolerance_boundary_on_diagonal_hessians(eigenvalues, verdict, ratio, escapes):
    """At |λ| == tol an eigenvalue counts as zero; just beyond it, it has a sign (exact diagonals)."""
    H = np.diag(eigenvalues)  # eigh returns a diagonal matrix's entries exactly
    assert classify_critical_point(H) == verdict
    assert minimum_ratio(H) == ratio
    u = escape_direction(H)
    assert (u is not None) == escapes
    if escapes:
        expected = np.zeros(len(eigenvalues))
        expected[int(np.argmin(eigenvalues))] = 1.0
        np.testing.assert_array_equal(np.abs(u), expected)


def test_tol_parameter_is_respected():
    """A larger tol turns small eigenvalues into zeros for all three eigenvalue functions."""
    H = np.diag([-1e-4, 1e-4, 1.0])
    assert classify_critical_point(H) == "saddle"
    assert classify_critical_point(H, tol=1e-3) == "degenerate"
    assert minimum_ratio(H, tol=1e-3) == 1 / 3
    assert escape_direction(H, tol=1e-3) is None
    assert escape_direction(H) is not None


def test_asymmetric_input_is_symmetrised():
    """The eigenvalue functions use ½(H + Hᵀ), so a lopsided finite-difference H is handled."""
    H = np.array([[0.0, -4.0], [0.0, 0.0]])  # symmetric part [[0, -2], [-2, 0]]
    assert classify_critical_point(H) == "saddle"
    assert minimum_ratio(H) == 0.5
    u = escape_direction(H)
    np.testing.assert_allclose(np.abs(u), [SQRT_HALF, SQRT_HALF], atol=4 * F64_EPS)
