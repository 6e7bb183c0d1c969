"""Public properties for ``critical_points``: the lecture's worked example, PyTorch as the
oracle, and defining properties of the Hessian test.

Shipped to students (no reference needed).  Conventions enforced: L(w) = (y - w[0]·w[1]·x)²
with defaults x = y = 1; an eigenvalue with |λ| <= tol counts as zero (tol = 1e-8 unless
passed); "saddle" whenever strictly positive and strictly negative eigenvalues are both
present, "degenerate" for a zero eigenvalue without a sign change; ``escape_direction`` is
graded by what it must satisfy (unit norm, uᵀHu = λ_min), never by its components or sign.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare, oracles
from graders import strategies as gen
from graders.kit import keywords, render
from graders.props import prop, student

F64_EPS = float(np.finfo(np.float64).eps)  # 2.2e-16
DEFAULT_TOL = 1e-8


# --- strategies -------------------------------------------------------------------------

@st.composite
def two_weight_points(draw: Any, hi: float = 3.0) -> dict[str, Any]:
    """``{"w", "x", "y"}``: w in [-hi, hi]², x and y in [-2, 2] or None (the default 1.0),
    sometimes a point of the valley w1·w2·x = y.  Shrinks to w = (0, 0) with defaults."""
    x = draw(st.one_of(st.none(), gen.floats(-2.0, 2.0)))
    y = draw(st.one_of(st.none(), gen.floats(-2.0, 2.0)))
    w = draw(gen.arrays((2,), -hi, hi))
    xv, yv = (1.0 if x is None else x), (1.0 if y is None else y)
    if draw(st.integers(0, 3)) == 0 and abs(w[0]) > 0.1 and abs(xv) > 0.1:
        w = np.array([w[0], yv / (xv * w[0])])  # on the valley of minima
    return {"w": w, "x": x, "y": y}


def _spectrum_entry(tol: float) -> st.SearchStrategy[float]:
    """One eigenvalue: regular (|λ| in [0.1, 10]), exactly 0, zero within the tolerance
    (|λ| <= tol/2), or just beyond it (|λ| in [2·tol, 10·tol]); either sign."""
    magnitude = st.one_of(gen.floats(0.1, 10.0), gen.floats(0.1, 10.0), st.just(0.0),
                          gen.floats(0.0, tol / 2), gen.floats(2 * tol, 10 * tol))
    return st.tuples(magnitude, st.sampled_from([-1.0, 1.0])).map(lambda p: p[0] * p[1])


@st.composite
def hessians(draw: Any, min_n: int = 1, max_n: int = 5) -> dict[str, Any]:
    """``{"H", "eigenvalues", "tol"}``: H = Q diag(λ) Qᵀ (symmetrised exactly) with known
    eigenvalues λ, each regular, exactly zero, zero within tol or just beyond tol; ``tol`` is
    None (the default 1e-8) or passed (1e-3 or 1e-6).  Shrinks towards a 1x1 matrix."""
    tol = draw(st.sampled_from([None, None, 1e-3, 1e-6]))
    t = DEFAULT_TOL if tol is None else tol
    n = draw(st.integers(min_n, max_n))
    lam = np.asarray(draw(st.lists(_spectrum_entry(t), min_size=n, max_size=n)))
    q = draw(gen.orthogonal_matrices(n))
    h = q @ np.diag(lam) @ q.T
    return {"H": (h + h.T) / 2, "eigenvalues": lam, "tol": tol}


def _rotated(lam: list[float], seed: int) -> dict[str, Any]:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(lam), len(lam))))
    h = q @ np.diag(lam) @ q.T
    return {"H": (h + h.T) / 2, "eigenvalues": np.array(lam), "tol": None}


# The lecture's worked example and the cases the Hessian test gets wrong without care.
LECTURE_HESSIANS: list[dict[str, Any]] = [
    # w = (0, 0), x = y = 1: a saddle, escaped along ±(1, 1)/√2, minimum ratio 0.5
    {"H": np.array([[0.0, -2.0], [-2.0, 0.0]]), "eigenvalues": np.array([-2.0, 2.0]),
     "tol": None},
    # the valley w1·w2 = 1: minima, but the second-order test is inconclusive
    {"H": np.array([[0.5, 2.0], [2.0, 8.0]]), "eigenvalues": np.array([0.0, 8.5]),
     "tol": None},
    {"H": np.array([[2.0 / 9.0, 2.0], [2.0, 18.0]]),
     "eigenvalues": np.array([0.0, 2.0 * (9.0 + 1.0 / 9.0)]), "tol": None},
    # a zero eigenvalue next to a sign change is still a saddle
    {"H": np.diag([1.0, 0.0, -1.0]), "eigenvalues": np.array([1.0, 0.0, -1.0]), "tol": None},
    {"H": np.zeros((2, 2)), "eigenvalues": np.zeros(2), "tol": None},
    {"H": np.diag([-1.0, 0.0]), "eigenvalues": np.array([-1.0, 0.0]), "tol": None},
    # near zero: within the tolerance or not, depending on tol
    {"H": np.diag([5e-9, 2.0]), "eigenvalues": np.array([5e-9, 2.0]), "tol": None},
    {"H": np.diag([5e-9, 2.0]), "eigenvalues": np.array([5e-9, 2.0]), "tol": 1e-9},
    {"H": np.diag([-3.0, 4e-4, 1.0]), "eigenvalues": np.array([-3.0, 4e-4, 1.0]), "tol": 1e-3},
    {"H": np.diag([-4e-4, 2.0]), "eigenvalues": np.array([-4e-4, 2.0]), "tol": 1e-3},
    # a repeated most-negative eigenvalue: any unit vector of its eigenspace escapes
    _rotated([-3.0, -3.0, 1.0], 0),
    {"H": -np.eye(3), "eigenvalues": -np.ones(3), "tol": None},
]


def verdict(eigenvalues: np.ndarray, tol: float | None) -> str:
    """The Hessian test's verdict for known eigenvalues (SPEC's rule, zeros within tol)."""
    t = DEFAULT_TOL if tol is None else tol
    positive, negative = bool(np.any(eigenvalues > t)), bool(np.any(eigenvalues < -t))
    if positive and negative:
        return "saddle"
    if np.any(np.abs(eigenvalues) <= t):
        return "degenerate"
    return "local_min" if positive else "local_max"


# --- the lecture's two-weight network ---------------------------------------------------

LECTURE_POINTS: list[dict[str, Any]] = [{"w": np.zeros(2), "x": None, "y": None},
                  {"w": np.array([2.0, 0.5]), "x": None, "y": None},
                  {"w": np.array([3.0, 1.0 / 3.0]), "x": None, "y": None},
                  {"w": np.array([1.0, -2.0]), "x": 3.0, "y": -0.5}]


def torch_two_weight(w: np.ndarray, x: float | None, y: float | None) -> dict[str, Any]:
    """Loss, autograd gradient and torch.func.hessian of (y - w0·w1·x)², plus the scale of
    the terms (for tolerances: cancellation in y - w0·w1·x costs eps_machine·(|y| + |p|))."""
    t = oracles.torch()
    xv, yv = (1.0 if x is None else x), (1.0 if y is None else y)

    def loss(v):
        return (yv - v[0] * v[1] * xv) ** 2

    wt = oracles.tensor(w, grad=True)
    value = loss(wt)
    (grad,) = t.autograd.grad(value, wt)
    hess = t.func.hessian(loss)(oracles.tensor(w))
    r = abs(yv) + abs(w[0] * w[1] * xv)
    big = float(np.max(np.abs(w)))
    return {"loss": float(value.detach()), "grad": oracles.numpy(grad), "hess": oracles.numpy(hess),
            "scale": {"loss": r * r, "grad": 2 * r * abs(xv) * big,
                      "hess": 6 * xv * xv * big * big + 2 * abs(xv * yv)}}


@prop("critical_points.two_weight_loss", "equals (y - w[0]·w[1]·x)² as torch evaluates it, "
      "1 at the lecture's saddle w = (0, 0) and 0 on the valley", points=1,
      given=two_weight_points(), examples=LECTURE_POINTS,
      expect=torch_two_weight,
      hint="The lecture's network has no nonlinearity: prediction w[0]·w[1]·x, squared error "
           "to y, no ½; x and y default to 1.")
def two_weight_loss_matches_torch(w, x, y, expected):
    what = render("two_weight_loss", "w", x=x, y=y)
    got = compare.scalar((yield student.two_weight_loss(w, **keywords(x=x, y=y))), what)
    # forms differ by the rounding of y - w0·w1·x (u·r) and of its square: a few u·r²
    # (r = |y| + |w0·w1·x|); 1e-13·r² is ~900 ulps of r², even for the expanded square
    compare.close(got, expected["loss"], what, rtol=1e-12,
                  atol=1e-13 * expected["scale"]["loss"])


@prop("critical_points.two_weight_gradient", "equals torch.autograd's gradient, zero at the "
      "lecture's critical points", points=1,
      given=two_weight_points(), examples=LECTURE_POINTS,
      expect=torch_two_weight,
      hint="Chain rule on (y - w1·w2·x)²: the derivative of the square times the derivative "
           "of the residual, -x·w2 for w1 and -x·w1 for w2.")
def two_weight_gradient_matches_autograd(w, x, y, expected):
    what = render("two_weight_gradient", "w", x=x, y=y)
    got = compare.array((yield student.two_weight_gradient(w, **keywords(x=x, y=y))), what,
                        shape=(2,))
    compare.close(got, expected["grad"], what, rtol=1e-12,
                  atol=1e-13 * expected["scale"]["grad"] + 1e-300)


@prop("critical_points.two_weight_hessian", "equals torch.func.hessian; [[0, -2], [-2, 0]] at "
      "the lecture's w = (0, 0)", points=1.5,
      given=two_weight_points(), examples=LECTURE_POINTS,
      expect=torch_two_weight,
      hint="Differentiate the gradient once more; the off-diagonal entry d²L/dw1dw2 needs the "
           "product rule on the residual times w2 (both depend on w2).")
def two_weight_hessian_matches_torch(w, x, y, expected):
    what = render("two_weight_hessian", "w", x=x, y=y)
    got = compare.array((yield student.two_weight_hessian(w, **keywords(x=x, y=y))), what,
                        shape=(2, 2))
    compare.close(got, expected["hess"], what, rtol=1e-12,
                  atol=1e-13 * expected["scale"]["hess"] + 1e-300)


# --- numerical Hessian ------------------------------------------------------------------

@st.composite
def smooth_functions(draw: Any) -> dict[str, Any]:
    """A judge-side f(θ) = ½ θᵀAθ + b·θ + Σ_k alpha_k sin(V_k·θ + phi_k) at a 1-D theta
    (n = 1..4, entries in [-1.5, 1.5]); no sines makes it a quadratic.  eps is None (the
    default 1e-4) or 1e-3.  Shrinks towards a 1-D zero quadratic."""
    n = draw(st.integers(1, 4))
    k = draw(st.integers(0, 2))
    a = draw(gen.arrays((n, n), -2.0, 2.0))
    return {"theta": draw(gen.arrays((n,), -1.5, 1.5)), "A": (a + a.T) / 2,
            "b": draw(gen.arrays((n,), -2.0, 2.0)), "V": draw(gen.arrays((k, n), -2.0, 2.0)),
            "alpha": draw(gen.arrays((k,), -2.0, 2.0)), "phi": draw(gen.arrays((k,), -3.0, 3.0)),
            "eps": draw(st.sampled_from([None, None, 1e-3]))}


def smooth_function(theta, A, b, V, alpha, phi):
    """The callback f of a ``smooth_functions`` case (1-D theta of that length only)."""
    n = np.size(theta)

    def f(t: np.ndarray) -> float:
        if np.shape(t) != (n,):
            raise ValueError(f"f expects an array of shape ({n},), got shape {np.shape(t)}")
        return float(0.5 * t @ A @ t + b @ t + alpha @ np.sin(V @ t + phi))

    return f


def smooth_hessian(theta, A, b, V, alpha, phi, eps) -> dict[str, Any]:
    """The exact Hessian of ``smooth_function`` and the finite-difference tolerance.

    Second differences err by rounding, a few eps_machine·|f| / eps² (|f| bounded by the sum
    of the absolute terms; at most 4 of them per entry in every scheme below), and by
    truncation: eps²/12 (3-point diagonal), eps²/3 (4-point mixed; a central difference of a
    central-difference gradient, step 2·eps on the diagonal), 7·eps²/12 (the 7-point mixed
    formula) times the largest fourth derivative, at most Σ|alpha_k|·max|V_k|⁴; we allow
    eps² times it.
    One-sided differences err by eps·f''', four orders of magnitude more at eps = 1e-4.
    """
    h = 1e-4 if eps is None else eps
    s = np.sin(V @ theta + phi)
    exact = A - (V.T * (alpha * s)) @ V
    r = np.abs(theta) + 2 * h
    scale = 1.0 + 0.5 * r @ np.abs(A) @ r + np.abs(b) @ r + float(np.sum(np.abs(alpha)))
    fourth = float(np.sum(np.abs(alpha) * np.max(np.abs(V), axis=1, initial=0.0) ** 4))
    return {"H": exact, "atol": 32 * F64_EPS * scale / h**2 + h * h * fourth + 1e-12}


@prop("critical_points.numerical_hessian", "is symmetric and close to the exact Hessian of "
      "smooth functions (exact up to rounding for quadratics)", points=1.5,
      given=smooth_functions(),
      examples=[{"theta": np.array([0.5, -1.0]), "A": np.array([[2.0, -1.0], [-1.0, 3.0]]),
                 "b": np.array([1.0, 0.0]), "V": np.array([[1.0, 2.0], [-2.0, 1.0]]),
                 "alpha": np.array([1.5, -1.0]), "phi": np.array([0.3, 1.0]), "eps": None}],
      expect=smooth_hessian,
      hint="Central differences in both directions: H_ii from f(θ ± eps·e_i) and f(θ); H_ij "
           "from the four points θ ± eps·e_i ± eps·e_j.  One-sided differences are off by "
           "eps times the third derivative.")
def numerical_hessian_close_to_exact(theta, A, b, V, alpha, phi, eps, expected):
    f = smooth_function(theta, A, b, V, alpha, phi)
    what = "numerical_hessian(f, theta" + ("" if eps is None else f", eps={eps:g}") + ")"
    call = (student.numerical_hessian(f, theta) if eps is None
            else student.numerical_hessian(f, theta, eps=eps))
    n = theta.size
    got = compare.array((yield call), what, shape=(n, n))
    compare.close(got, got.T, f"{what} compared with its transpose", rtol=0,
                  atol=expected["atol"], hint="A Hessian is symmetric: H_ij = H_ji.")
    compare.close(got, expected["H"], f"{what} vs the exact Hessian", rtol=1e-9,
                  atol=expected["atol"])


# --- Taylor expansion -------------------------------------------------------------------

@st.composite
def quadratic_expansions(draw: Any) -> dict[str, Any]:
    """Arguments of ``taylor_approximation`` taken from a quadratic loss: loss0 = L(θ0),
    g = ∇L(θ0), H = ∇²L (symmetric), θ and θ0 in [-2, 2]^n, n = 1..4.  Shrinks to n = 1."""
    n = draw(st.integers(1, 4))
    a = draw(gen.arrays((n, n), -3.0, 3.0))
    return {"loss0": draw(gen.floats(-5.0, 5.0)), "g": draw(gen.arrays((n,), -3.0, 3.0)),
            "H": (a + a.T) / 2, "theta": draw(gen.arrays((n,), -2.0, 2.0)),
            "theta0": draw(gen.arrays((n,), -2.0, 2.0))}


def quadratic_value(loss0, g, H, theta, theta0) -> dict[str, float]:
    """The value at θ of the quadratic loss L(t) = c + b·t + ½ tᵀHt with L(θ0) = loss0 and
    ∇L(θ0) = g, evaluated directly from its coefficients (b = g - Hθ0, c = loss0 - b·θ0 -
    ½ θ0ᵀHθ0), and the rounding scale of its terms."""
    b = g - H @ theta0
    c = loss0 - b @ theta0 - 0.5 * theta0 @ H @ theta0
    value = c + b @ theta + 0.5 * theta @ H @ theta
    r = np.abs(theta) + np.abs(theta0)
    scale = 1.0 + abs(loss0) + np.abs(g) @ r + 2.0 * r @ np.abs(H) @ r
    return {"value": float(value), "atol": 64 * F64_EPS * scale}


@prop("critical_points.taylor_approximation", "is exact for quadratic losses; 1 - s² along "
      "s·(1, 1)/√2 at the lecture's saddle", points=1,
      given=quadratic_expansions(),
      examples=[{"loss0": 1.0, "g": np.zeros(2), "H": np.array([[0.0, -2.0], [-2.0, 0.0]]),
                 "theta": np.array([0.5, 0.5]) / np.sqrt(2.0), "theta0": np.zeros(2)},
                {"loss0": 2.0, "g": np.array([1.0, -1.0]), "H": np.array([[2.0, 0.0],
                                                                          [0.0, 4.0]]),
                 "theta": np.array([1.0, 1.0]), "theta0": np.array([0.0, 2.0])}],
      expect=quadratic_value,
      hint="loss0 + (θ - θ0)·g + ½ (θ - θ0)ᵀ H (θ - θ0): the ½ belongs to the second-order "
           "term, and the step is θ - θ0.")
def taylor_exact_for_quadratics(loss0, g, H, theta, theta0, expected):
    what = "taylor_approximation(loss0, g, H, theta, theta0)"
    got = compare.scalar((yield student.taylor_approximation(loss0, g, H, theta, theta0)), what)
    # both sides sum O(n²) products of the terms in the scale: ~2n·u·scale each (n <= 4)
    compare.close(got, expected["value"], what + " vs the quadratic loss at theta", rtol=1e-12,
                  atol=expected["atol"])


# --- the Hessian test -------------------------------------------------------------------

@prop("critical_points.classify_critical_point", "gives the eigenvalue verdict: saddle at the "
      "lecture's w = (0, 0), degenerate on its valley, zeros within tol", points=1.5,
      given=hessians(), examples=LECTURE_HESSIANS,
      expect=lambda H, eigenvalues, tol: verdict(eigenvalues, tol),
      hint="Use the eigenvalues (np.linalg.eigvalsh), not the diagonal; |λ| <= tol counts as "
           "zero; both signs present -> saddle even with zeros; a zero without a sign change "
           "-> degenerate.")
def classify_matches_eigenvalues(H, eigenvalues, tol, expected):
    what = render("classify_critical_point", "H", tol=tol)
    got = (yield student.classify_critical_point(H, **keywords(tol=tol)))
    compare.holds(isinstance(got, str), f"{what} returned {compare.fmt(got)}; expected one of "
                  "the strings 'local_min', 'local_max', 'saddle', 'degenerate'")
    compare.equal(got, expected, f"{what} (eigenvalues {compare.fmt(eigenvalues)})")


def _escape_expectation(H, eigenvalues, tol):
    t = DEFAULT_TOL if tol is None else tol
    lam_min = float(np.min(eigenvalues))
    # uᵀHu of a backward-stable eigensolver's unit eigenvector, and H = QΛQᵀ itself, are
    # within ~n·u·max|λ| of λ_min (n <= 5): 1e-12·(1 + max|λ|) is thousands of ulps; the
    # unit norm is checked to 1e-9 (any normalisation is within a few ulps of 1)
    return None if lam_min >= -t else {"lam_min": lam_min,
                                       "atol": 1e-12 * (1.0 + float(np.max(np.abs(eigenvalues))))}


def check_escape(got: Any, H: np.ndarray, what: str, expected: dict | None) -> None:
    """None exactly when expected; otherwise a unit u with uᵀHu = λ_min."""
    if expected is None:
        compare.holds(got is None, f"{what} returned {compare.fmt(got)}; expected None: no "
                      "eigenvalue is below -tol, so there is no escape direction")
        return
    compare.holds(got is not None, f"{what} returned None, but H has the negative eigenvalue "
                  f"{expected['lam_min']:.6g} (below -tol): its eigenvector is an escape "
                  "direction")
    n = H.shape[0]
    u = compare.array(got, what, shape=(n,))
    compare.close(np.linalg.norm(u), 1.0, f"the length |u| of u = {what}", rtol=0, atol=1e-9,
                  hint="Return a unit vector (np.linalg.eigh's columns already are).")
    compare.close(u @ H @ u, expected["lam_min"], f"uᵀHu for u = {what}, which must equal the "
                  "most negative eigenvalue", rtol=1e-9, atol=expected["atol"])


@prop("critical_points.escape_direction", "returns a unit u with uᵀHu = the most negative "
      "eigenvalue (any sign, any vector of a repeated eigenspace), None without one",
      points=1.5, given=hessians(), examples=LECTURE_HESSIANS,
      expect=_escape_expectation,
      hint="np.linalg.eigh returns eigenvalues in ascending order and the eigenvectors as "
           "columns: the escape direction is the column of the smallest eigenvalue, if that "
           "eigenvalue is below -tol.")
def escape_direction_is_eigenvector(H, eigenvalues, tol, expected):
    what = render("escape_direction", "H", tol=tol)
    check_escape((yield student.escape_direction(H, **keywords(tol=tol))), H, what, expected)


@prop("critical_points.minimum_ratio", "is the fraction of eigenvalues above tol: 0.5 at the "
      "lecture's saddle and on its valley", points=1,
      given=hessians(), examples=LECTURE_HESSIANS,
      expect=lambda H, eigenvalues, tol: float(np.count_nonzero(
          eigenvalues > (DEFAULT_TOL if tol is None else tol)) / eigenvalues.size),
      hint="Count the eigenvalues λ > tol (zeros within the tolerance are not positive) and "
           "divide by n.")
def minimum_ratio_counts_positive(H, eigenvalues, tol, expected):
    what = render("minimum_ratio", "H", tol=tol)
    got = compare.scalar((yield student.minimum_ratio(H, **keywords(tol=tol))), what)
    # k / n is exact up to one rounding whichever way it is counted
    compare.close(got, expected, f"{what} (eigenvalues {compare.fmt(eigenvalues)})", rtol=0,
                  atol=1e-12)
