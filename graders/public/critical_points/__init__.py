"""Public properties for ``critical_points``: the lecture's worked example, PyTorch as the
oracle, and defining properties of the Hessian test.

Shipped to students (no reference needed).  Conventions enforced: L(w) = (y - w[0]·w[1]·x)²
with defaults x = y = 1; an eigenvalue with |λ| <= tol counts as zero (tol = 1e-8 unless
passed); "saddle" whenever strictly positive and strictly negative eigenvalues are both
present, "degenerate" for a zero eigenvalue without a sign change; ``escape_direction`` is
graded by what it must satisfy (unit norm, uᵀHu = λ_min), never by its components or sign.

The strategies and the lecture's examples the properties draw are in ``cases``; torch's
answers, the exact values and the escape-direction check in ``judge``.
"""

from __future__ import annotations

import numpy as np

from graders import compare
from graders.kit import keywords, render
from graders.props import prop, student

from .cases import (
    LECTURE_HESSIANS,
    LECTURE_POINTS,
    hessians,
    quadratic_expansions,
    smooth_functions,
    two_weight_points,
)
from .judge import (
    DEFAULT_TOL,
    check_escape,
    escape_expectation,
    quadratic_value,
    smooth_function,
    smooth_hessian,
    torch_two_weight,
    verdict,
)
from .judge import F64_EPS as F64_EPS  # the hidden graders' tolerances use them
from .judge import underflow_atol as underflow_atol

# --- the lecture's two-weight network ---------------------------------------------------


@prop(
    "critical_points.two_weight_loss",
    "equals (y - w[0]·w[1]·x)² as torch evaluates it, "
    "1 at the lecture's saddle w = (0, 0) and 0 on the valley",
    points=1,
    given=two_weight_points(),
    examples=LECTURE_POINTS,
    expect=torch_two_weight,
    hint="The lecture's network has no nonlinearity: prediction w[0]·w[1]·x, squared error "
    "to y, no ½; x and y default to 1.",
)
def two_weight_loss_matches_torch(w, x, y, expected):
    what = render("two_weight_loss", "w", x=x, y=y)
    got = compare.scalar((yield student.two_weight_loss(w, **keywords(x=x, y=y))), what)
    # forms differ by the rounding of y - w0·w1·x (u·r) and of its square: a few u·r²
    # (r = |y| + |w0·w1·x|); 1e-13·r² is ~900 ulps of r², even for the expanded square;
    # plus underflow's absolute rounding for subnormal answers (torch_two_weight's model)
    atol = 1e-13 * expected["scale"]["loss"] + expected["tiny"]["loss"]
    compare.close(got, expected["loss"], what, rtol=1e-12, atol=atol)


@prop(
    "critical_points.two_weight_gradient",
    "equals torch.autograd's gradient, zero at the lecture's critical points",
    points=1,
    given=two_weight_points(),
    examples=LECTURE_POINTS,
    expect=torch_two_weight,
    hint="Chain rule on (y - w1·w2·x)²: the derivative of the square times the derivative "
    "of the residual, -x·w2 for w1 and -x·w1 for w2.",
)
def two_weight_gradient_matches_autograd(w, x, y, expected):
    what = render("two_weight_gradient", "w", x=x, y=y)
    got = compare.array(
        (yield student.two_weight_gradient(w, **keywords(x=x, y=y))), what, shape=(2,)
    )
    atol = 1e-13 * expected["scale"]["grad"] + expected["tiny"]["grad"]  # torch_two_weight
    compare.close(got, expected["grad"], what, rtol=1e-12, atol=atol)


@prop(
    "critical_points.two_weight_hessian",
    "equals torch.func.hessian; [[0, -2], [-2, 0]] at the lecture's w = (0, 0)",
    points=1.5,
    given=two_weight_points(),
    examples=LECTURE_POINTS,
    expect=torch_two_weight,
    hint="Differentiate the gradient once more; the off-diagonal entry d²L/dw1dw2 needs the "
    "product rule on the residual times w2 (both depend on w2).",
)
def two_weight_hessian_matches_torch(w, x, y, expected):
    what = render("two_weight_hessian", "w", x=x, y=y)
    got = compare.array(
        (yield student.two_weight_hessian(w, **keywords(x=x, y=y))), what, shape=(2, 2)
    )
    # the model in torch_two_weight: ~900 u of the terms' scale, plus underflow's absolute
    # rounding (64·M²·2**-1074), which only subnormal entries can need
    atol = 1e-13 * expected["scale"]["hess"] + expected["tiny"]["hess"]
    compare.close(got, expected["hess"], what, rtol=1e-12, atol=atol)


# --- numerical Hessian ------------------------------------------------------------------


@prop(
    "critical_points.numerical_hessian",
    "is symmetric and close to the exact Hessian of "
    "smooth functions (exact up to rounding for quadratics)",
    points=1.5,
    given=smooth_functions(),
    examples=[
        {
            "theta": np.array([0.5, -1.0]),
            "A": np.array([[2.0, -1.0], [-1.0, 3.0]]),
            "b": np.array([1.0, 0.0]),
            "V": np.array([[1.0, 2.0], [-2.0, 1.0]]),
            "alpha": np.array([1.5, -1.0]),
            "phi": np.array([0.3, 1.0]),
            "eps": None,
        }
    ],
    expect=smooth_hessian,
    hint="Central differences in both directions: H_ii from f(θ ± eps·e_i) and f(θ); H_ij "
    "from the four points θ ± eps·e_i ± eps·e_j.  One-sided differences are off by "
    "eps times the third derivative.",
)
def numerical_hessian_close_to_exact(theta, A, b, V, alpha, phi, eps, expected):
    f = smooth_function(theta, A, b, V, alpha, phi)
    what = "numerical_hessian(f, theta" + ("" if eps is None else f", eps={eps:g}") + ")"
    call = (
        student.numerical_hessian(f, theta)
        if eps is None
        else student.numerical_hessian(f, theta, eps=eps)
    )
    n = theta.size
    got = compare.array((yield call), what, shape=(n, n))
    compare.close(
        got,
        got.T,
        f"{what} compared with its transpose",
        rtol=0,
        atol=expected["atol"],
        hint="A Hessian is symmetric: H_ij = H_ji.",
    )
    compare.close(
        got, expected["H"], f"{what} vs the exact Hessian", rtol=1e-9, atol=expected["atol"]
    )


# --- Taylor expansion -------------------------------------------------------------------


@prop(
    "critical_points.taylor_approximation",
    "is exact for quadratic losses; 1 - s² along s·(1, 1)/√2 at the lecture's saddle",
    points=1,
    given=quadratic_expansions(),
    examples=[
        {
            "loss0": 1.0,
            "g": np.zeros(2),
            "H": np.array([[0.0, -2.0], [-2.0, 0.0]]),
            "theta": np.array([0.5, 0.5]) / np.sqrt(2.0),
            "theta0": np.zeros(2),
        },
        {
            "loss0": 2.0,
            "g": np.array([1.0, -1.0]),
            "H": np.array([[2.0, 0.0], [0.0, 4.0]]),
            "theta": np.array([1.0, 1.0]),
            "theta0": np.array([0.0, 2.0]),
        },
    ],
    expect=quadratic_value,
    hint="loss0 + (θ - θ0)·g + ½ (θ - θ0)ᵀ H (θ - θ0): the ½ belongs to the second-order "
    "term, and the step is θ - θ0.",
)
def taylor_exact_for_quadratics(loss0, g, H, theta, theta0, expected):
    what = "taylor_approximation(loss0, g, H, theta, theta0)"
    got = compare.scalar((yield student.taylor_approximation(loss0, g, H, theta, theta0)), what)
    # both sides sum O(n²) products of the terms in the scale: ~2n·u·scale each (n <= 4)
    compare.close(
        got,
        expected["value"],
        what + " vs the quadratic loss at theta",
        rtol=1e-12,
        atol=expected["atol"],
    )


# --- the Hessian test -------------------------------------------------------------------


@prop(
    "critical_points.classify_critical_point",
    "gives the eigenvalue verdict: saddle at the "
    "lecture's w = (0, 0), degenerate on its valley, zeros within tol",
    points=1.5,
    given=hessians(),
    examples=LECTURE_HESSIANS,
    expect=lambda H, eigenvalues, tol: verdict(eigenvalues, tol),
    hint="Use the eigenvalues (np.linalg.eigvalsh), not the diagonal; |λ| <= tol counts as "
    "zero; both signs present -> saddle even with zeros; a zero without a sign change "
    "-> degenerate.",
)
def classify_matches_eigenvalues(H, eigenvalues, tol, expected):
    what = render("classify_critical_point", "H", tol=tol)
    got = yield student.classify_critical_point(H, **keywords(tol=tol))
    # descriptions that render values are made only when the check fails (compare.Lazy)
    compare.holds(
        isinstance(got, str),
        compare.Lazy(
            lambda: (
                f"{what} returned {compare.fmt(got)}; expected one of "
                "the strings 'local_min', 'local_max', 'saddle', 'degenerate'"
            )
        ),
    )
    compare.equal(got, expected, compare.Lazy(with_eigenvalues, what, eigenvalues))


@prop(
    "critical_points.escape_direction",
    "returns a unit u with uᵀHu = the most negative "
    "eigenvalue (any sign, any vector of a repeated eigenspace), None without one",
    points=1.5,
    given=hessians(),
    examples=LECTURE_HESSIANS,
    expect=escape_expectation,
    hint="np.linalg.eigh returns eigenvalues in ascending order and the eigenvectors as "
    "columns: the escape direction is the column of the smallest eigenvalue, if that "
    "eigenvalue is below -tol.",
)
def escape_direction_is_eigenvector(H, eigenvalues, tol, expected):
    what = render("escape_direction", "H", tol=tol)
    check_escape((yield student.escape_direction(H, **keywords(tol=tol))), H, what, expected)


@prop(
    "critical_points.minimum_ratio",
    "is the fraction of eigenvalues above tol: 0.5 at the lecture's saddle and on its valley",
    points=1,
    given=hessians(),
    examples=LECTURE_HESSIANS,
    expect=lambda H, eigenvalues, tol: float(
        np.count_nonzero(eigenvalues > (DEFAULT_TOL if tol is None else tol)) / eigenvalues.size
    ),
    hint="Count the eigenvalues λ > tol (zeros within the tolerance are not positive) and "
    "divide by n.",
)
def minimum_ratio_counts_positive(H, eigenvalues, tol, expected):
    what = render("minimum_ratio", "H", tol=tol)
    got = compare.scalar((yield student.minimum_ratio(H, **keywords(tol=tol))), what)
    # k / n is exact up to one rounding whichever way it is counted
    compare.close(
        got, expected, compare.Lazy(with_eigenvalues, what, eigenvalues), rtol=0, atol=1e-12
    )


def with_eigenvalues(what: str, eigenvalues: np.ndarray) -> str:
    """A Hessian-test check's description naming the eigenvalues that decide it."""
    return f"{what} (eigenvalues {compare.fmt(eigenvalues)})"
