"""The critical_points lab's judge-side functions: torch's loss, gradient and Hessian of the
two-weight network, the exact Hessian and value of the drawn functions with their tolerances,
the Hessian test's verdict for known eigenvalues, and the check of an escape direction.

Never student code: ``expect=`` and the checks call these in the judge's process.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders import compare, oracles
from graders.sandbox.kinds import DataFunction

F64_EPS = float(np.finfo(np.float64).eps)  # 2.2e-16
#: the smallest subnormal float64 and the spacing of all of them: a product below 2**-1022
#: rounds to a multiple of it, an absolute error that no relative tolerance covers
F64_TINY = 2.0**-1074
DEFAULT_TOL = 1e-8


def underflow_atol(degree: int, *values: float) -> float:
    """What gradual underflow adds to the rounding error of a polynomial of ``degree`` in
    ``values``, evaluated in any order (the model in ``torch_two_weight``):
    64·M^(degree-2)·2**-1074 with M = max(1, |values|)."""
    m = max([1.0, *(abs(float(v)) for v in values)])
    return 64.0 * m ** (degree - 2) * F64_TINY


def verdict(eigenvalues: np.ndarray, tol: float | None) -> str:
    """The Hessian test's verdict for known eigenvalues (SPEC's rule, zeros within tol)."""
    t = DEFAULT_TOL if tol is None else tol
    positive, negative = bool(np.any(eigenvalues > t)), bool(np.any(eigenvalues < -t))
    if positive and negative:
        return "saddle"
    if np.any(np.abs(eigenvalues) <= t):
        return "degenerate"
    return "local_min" if positive else "local_max"


def torch_two_weight(w: np.ndarray, x: float | None, y: float | None) -> dict[str, Any]:
    """Loss, autograd gradient and torch.func.hessian of (y - w0·w1·x)², and the two terms
    of the tolerance for comparing them with any correct formulation (``scale``, ``tiny``).

    Error model: each product or sum rounds as (a∘b)(1 + δ) + η with |δ| <= u = 2**-53 and,
    for products only, |η| <= 2**-1075 (gradual underflow; a sum of floats in the subnormal
    range is exact).  The δ terms: any order of evaluation is within a few u of the *scale*,
    the magnitudes it adds, dominated by the cancellation in r = y - w0·w1·x (u·(|y| + |p|)):
    r² for the loss, 2·r·|x|·max|w| for the gradient, 6x²·max|w|² + 2|xy| for the Hessian
    (entries 2x²w², 4x²w0w1 - 2xy); the properties allow 1e-13·scale (~900 u), the hidden
    ones 8-16 eps·scale.  The η terms (``tiny``, ``underflow_atol``): an entry is a
    polynomial of degree d in x, y, w0, w1 (6 for the loss, 5 for the gradient, 4 for the
    Hessian); an η, made in a product of at least two of its factors, is then multiplied by
    at most d - 2 more (each <= M = max(1, |x|, |y|, |w|)) and a power of two <= 4: at most
    2·M^(d-2)·2**-1074 per product, 16·M^(d-2)·2**-1074 for the <= 8 products of any
    formulation; we allow 64·M^(d-2)·2**-1074 (below 1e-315 for the Hessian at M <= 1e3),
    which matters for subnormal answers only.  Field case (hidden points): x = y =
    2.55e-157, w = (2.55e-157, -9.72) has H[0, 0] = 2x²w1² = 1.2e-311, where the reference's
    (2·x·x)·w1² is 14·2**-1074 from the exact value (x·x rounds absolutely, then w1²
    multiplies that error), 2·(x·w1)² within 0.02·2**-1074: 16 eps·scale is 0 there.
    """
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
    return {
        "loss": float(value.detach()),
        "grad": oracles.numpy(grad),
        "hess": oracles.numpy(hess),
        "scale": {
            "loss": r * r,
            "grad": 2 * r * abs(xv) * big,
            "hess": 6 * xv * xv * big * big + 2 * abs(xv * yv),
        },
        "tiny": {
            name: underflow_atol(degree, xv, yv, *w)
            for name, degree in (("loss", 6), ("grad", 5), ("hess", 4))
        },
    }


def smooth_function(theta, A, b, V, alpha, phi) -> DataFunction:
    """The callback f of a ``smooth_functions`` case: f(t) = ½ tᵀAt + b·t + alpha·sin(Vt + phi)
    for a 1-D t of theta's length only (kind ``"smooth_vector"``; numerical_hessian calls it
    about 2n² times, and the worker evaluates those calls itself)."""
    return DataFunction(
        "smooth_vector", shape=[np.size(theta)], A=A, b=b, V=V, alpha=alpha, phi=phi
    )


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


def escape_expectation(H, eigenvalues, tol):
    """What ``check_escape`` expects: None without an eigenvalue below -tol, else λ_min and
    the tolerance of uᵀHu."""
    t = DEFAULT_TOL if tol is None else tol
    lam_min = float(np.min(eigenvalues))
    # uᵀHu of a backward-stable eigensolver's unit eigenvector, and H = QΛQᵀ itself, are
    # within ~n·u·max|λ| of λ_min (n <= 5): 1e-12·(1 + max|λ|) is thousands of ulps; the
    # unit norm is checked to 1e-9 (any normalisation is within a few ulps of 1)
    return (
        None
        if lam_min >= -t
        else {"lam_min": lam_min, "atol": 1e-12 * (1.0 + float(np.max(np.abs(eigenvalues))))}
    )


def check_escape(got: Any, H: np.ndarray, what: str, expected: dict | None) -> None:
    """None exactly when expected; otherwise a unit u with uᵀHu = λ_min."""
    if expected is None:
        compare.holds(
            got is None,
            f"{what} returned {compare.fmt(got)}; expected None: no "
            "eigenvalue is below -tol, so there is no escape direction",
        )
        return
    compare.holds(
        got is not None,
        f"{what} returned None, but H has the negative eigenvalue "
        f"{expected['lam_min']:.6g} (below -tol): its eigenvector is an escape "
        "direction",
    )
    n = H.shape[0]
    u = compare.array(got, what, shape=(n,))
    compare.close(
        np.linalg.norm(u),
        1.0,
        f"the length |u| of u = {what}",
        rtol=0,
        atol=1e-9,
        hint="Return a unit vector (np.linalg.eigh's columns already are).",
    )
    compare.close(
        u @ H @ u,
        expected["lam_min"],
        f"uᵀHu for u = {what}, which must equal the most negative eigenvalue",
        rtol=1e-9,
        atol=expected["atol"],
    )
