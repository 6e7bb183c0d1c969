"""The hidden critical_points properties' cases: the strategies they draw and the examples
they always check (staff only, like the properties)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import strategies as gen
from reference import critical_points as ref


@st.composite
def wide_two_weight_points(draw: Any) -> dict[str, Any]:
    """``{"w", "x", "y"}`` with w up to ±1e3, x and y up to ±50 (or None); a third of the
    points lie on the valley w1·w2·x = y, where the residual cancels exactly."""
    hi = draw(st.sampled_from([1.0, 10.0, 1e3]))
    x = draw(st.one_of(st.none(), gen.floats(-50.0, 50.0)))
    y = draw(st.one_of(st.none(), gen.floats(-50.0, 50.0)))
    w = draw(gen.arrays((2,), -hi, hi))
    xv, yv = (1.0 if x is None else x), (1.0 if y is None else y)
    if draw(st.integers(0, 2)) == 0 and abs(w[0]) > 1e-3 and abs(xv) > 1e-3:
        w = np.array([w[0], yv / (xv * w[0])])
    return {"w": w, "x": x, "y": y}


_TINY_X = 2.5509623503294678e-157
ORIGIN_AND_VALLEY: list[dict[str, Any]] = [
    {"w": np.zeros(2), "x": -3.0, "y": 2.0},
    {"w": np.array([1e3, 1e-3]), "x": None, "y": None},
    {"w": np.array([-7.0, 2.0 / 7.0]), "x": -0.5, "y": 1.0},
    # drawn: H[0, 0] = 2x²w2² is subnormal, where correct forms differ by 14·2**-1074
    {"w": np.array([_TINY_X, -9.724767250511093]), "x": _TINY_X, "y": _TINY_X},
]


@st.composite
def hessian_functions(draw: Any) -> dict[str, Any]:
    """Either the lecture's loss (y - w1·w2·x)² at a point near the origin or the valley
    (kind "lecture"; exact Hessian from the reference), or a sum of a quadratic and up to 3
    sines with frequencies up to 3 in n = 1..5 variables (kind "sines"); eps default or
    1e-3 / 1e-5."""
    eps = draw(st.sampled_from([None, 1e-3, 1e-5]))
    if draw(st.integers(0, 2)) == 0:
        x, y = draw(gen.floats(-2.0, 2.0)), draw(gen.floats(-2.0, 2.0))
        w = draw(gen.arrays((2,), -2.0, 2.0))
        if abs(w[0]) > 0.1 and abs(x) > 0.1 and draw(st.booleans()):
            w = np.array([w[0], y / (x * w[0])])
        return {"kind": "lecture", "theta": w, "x": x, "y": y, "eps": eps}
    n = draw(st.integers(1, 5))
    k = draw(st.integers(0, 3))
    a = draw(gen.arrays((n, n), -3.0, 3.0))
    return {
        "kind": "sines",
        "theta": draw(gen.arrays((n,), -2.0, 2.0)),
        "A": (a + a.T) / 2,
        "b": draw(gen.arrays((n,), -3.0, 3.0)),
        "V": draw(gen.arrays((k, n), -3.0, 3.0)),
        "alpha": draw(gen.arrays((k,), -2.0, 2.0)),
        "phi": draw(gen.arrays((k,), -3.0, 3.0)),
        "eps": eps,
    }


@st.composite
def expansions(draw: Any) -> dict[str, Any]:
    """Arguments of ``taylor_approximation``: n = 1..6, magnitudes up to 1e3, sometimes
    theta == theta0 (the result is exactly loss0) or g = 0 (a critical point)."""
    n = draw(st.integers(1, 6))
    hi = draw(st.sampled_from([1.0, 10.0, 1e3]))
    a = draw(gen.arrays((n, n), -hi, hi))
    theta0 = draw(gen.arrays((n,), -hi, hi))
    theta = theta0.copy() if draw(st.integers(0, 4)) == 0 else draw(gen.arrays((n,), -hi, hi))
    g = np.zeros(n) if draw(st.integers(0, 3)) == 0 else draw(gen.arrays((n,), -hi, hi))
    return {
        "loss0": draw(gen.floats(-hi, hi)),
        "g": g,
        "H": (a + a.T) / 2,
        "theta": theta,
        "theta0": theta0,
    }


@st.composite
def nasty_hessians(draw: Any) -> dict[str, Any]:
    """``{"H", "tol"}``: one of
    - a generic symmetric matrix (n = 1..6, entries up to 10),
    - the lecture's Hessian at the origin or on the valley for random x, y,
    - Q diag(λ) Qᵀ with repeated eigenvalues and exact zeros,
    - a diagonal matrix with entries just inside / outside an explicit tol (factor 2)."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        n = draw(st.integers(1, 6))
        a = draw(gen.arrays((n, n), -10.0, 10.0))
        return {"H": (a + a.T) / 2, "tol": None}
    if kind == 1:
        x, y = draw(gen.floats(-3.0, 3.0)), draw(gen.floats(-3.0, 3.0))
        w1 = draw(gen.floats(-3.0, 3.0))
        w = (
            np.zeros(2)
            if abs(w1) < 0.1 or abs(x) < 0.1 or draw(st.booleans())
            else np.array([w1, y / (x * w1)])
        )
        return {"H": ref.two_weight_hessian(w, x, y), "tol": draw(st.sampled_from([None, 1e-6]))}
    if kind == 2:
        n = draw(st.integers(2, 6))
        values = draw(
            st.lists(st.sampled_from([-3.0, -1.0, 0.0, 1.0, 2.0]), min_size=n, max_size=n)
        )
        q = draw(gen.orthogonal_matrices(n))
        h = q @ np.diag(values) @ q.T
        return {"H": (h + h.T) / 2, "tol": None}
    tol = draw(st.sampled_from([1e-8, 1e-5, 1e-2]))
    n = draw(st.integers(1, 5))
    factors = draw(
        st.lists(
            st.sampled_from([-4.0, -2.0, -0.5, 0.0, 0.5, 2.0, 4.0, 1e3, -1e3]),
            min_size=n,
            max_size=n,
        )
    )
    return {"H": np.diag(np.asarray(factors) * tol), "tol": tol}


HIDDEN_HESSIANS: list[dict[str, Any]] = [
    {"H": np.array([[3.0]]), "tol": None},
    {"H": np.array([[-3.0]]), "tol": None},
    {"H": np.array([[0.0]]), "tol": None},
    {"H": np.array([[1e-9]]), "tol": None},
    {"H": np.diag([2e-8, -2e-8]), "tol": None},
    {"H": np.diag([2e-8, -5e-9]), "tol": None},
    {"H": np.diag([-2.0, -2.0, -2.0, 5.0]), "tol": None},
    {"H": np.diag([1.0, 0.0, 0.0, -1.0]), "tol": 0.5},
    {"H": np.diag([1.0, 0.4, -0.4]), "tol": 0.5},
]
