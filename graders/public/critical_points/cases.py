"""The critical_points lab's input strategies (hypothesis) and explicit examples, beside its
public properties.

Content of the assignment, not of the kit: points of the lecture's two-weight network,
Hessians of known spectrum (zeros within and beyond the tolerance on purpose), smooth
functions for the numerical Hessian and quadratic expansions; and the lecture's worked
examples, which every student meets first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import strategies as gen

from .judge import DEFAULT_TOL

# --- the lecture's two-weight network ---------------------------------------------------

LECTURE_POINTS: list[dict[str, Any]] = [
    {"w": np.zeros(2), "x": None, "y": None},
    {"w": np.array([2.0, 0.5]), "x": None, "y": None},
    {"w": np.array([3.0, 1.0 / 3.0]), "x": None, "y": None},
    {"w": np.array([1.0, -2.0]), "x": 3.0, "y": -0.5},
]


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


# --- Hessians of known spectrum ---------------------------------------------------------


def _spectrum_entry(tol: float) -> st.SearchStrategy[float]:
    """One eigenvalue: regular (|λ| in [0.1, 10]), exactly 0, zero within the tolerance
    (|λ| <= tol/2), or just beyond it (|λ| in [2·tol, 10·tol]); either sign."""
    magnitude = st.one_of(
        gen.floats(0.1, 10.0),
        gen.floats(0.1, 10.0),
        st.just(0.0),
        gen.floats(0.0, tol / 2),
        gen.floats(2 * tol, 10 * tol),
    )
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
    {"H": np.array([[0.0, -2.0], [-2.0, 0.0]]), "eigenvalues": np.array([-2.0, 2.0]), "tol": None},
    # the valley w1·w2 = 1: minima, but the second-order test is inconclusive
    {"H": np.array([[0.5, 2.0], [2.0, 8.0]]), "eigenvalues": np.array([0.0, 8.5]), "tol": None},
    {
        "H": np.array([[2.0 / 9.0, 2.0], [2.0, 18.0]]),
        "eigenvalues": np.array([0.0, 2.0 * (9.0 + 1.0 / 9.0)]),
        "tol": None,
    },
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


# --- numerical Hessian and Taylor expansion ---------------------------------------------


@st.composite
def smooth_functions(draw: Any) -> dict[str, Any]:
    """A judge-side f(θ) = ½ θᵀAθ + b·θ + Σ_k alpha_k sin(V_k·θ + phi_k) at a 1-D theta
    (n = 1..4, entries in [-1.5, 1.5]); no sines makes it a quadratic.  eps is None (the
    default 1e-4) or 1e-3.  Shrinks towards a 1-D zero quadratic."""
    n = draw(st.integers(1, 4))
    k = draw(st.integers(0, 2))
    a = draw(gen.arrays((n, n), -2.0, 2.0))
    return {
        "theta": draw(gen.arrays((n,), -1.5, 1.5)),
        "A": (a + a.T) / 2,
        "b": draw(gen.arrays((n,), -2.0, 2.0)),
        "V": draw(gen.arrays((k, n), -2.0, 2.0)),
        "alpha": draw(gen.arrays((k,), -2.0, 2.0)),
        "phi": draw(gen.arrays((k,), -3.0, 3.0)),
        "eps": draw(st.sampled_from([None, None, 1e-3])),
    }


@st.composite
def quadratic_expansions(draw: Any) -> dict[str, Any]:
    """Arguments of ``taylor_approximation`` taken from a quadratic loss: loss0 = L(θ0),
    g = ∇L(θ0), H = ∇²L (symmetric), θ and θ0 in [-2, 2]^n, n = 1..4.  Shrinks to n = 1."""
    n = draw(st.integers(1, 4))
    a = draw(gen.arrays((n, n), -3.0, 3.0))
    return {
        "loss0": draw(gen.floats(-5.0, 5.0)),
        "g": draw(gen.arrays((n,), -3.0, 3.0)),
        "H": (a + a.T) / 2,
        "theta": draw(gen.arrays((n,), -2.0, 2.0)),
        "theta0": draw(gen.arrays((n,), -2.0, 2.0)),
    }
