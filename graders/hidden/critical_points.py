"""Hidden properties for ``critical_points``: the reference on wider and nastier inputs.

Never shipped to students.  Large weights and data (cancellation in y - w1·w2·x), the
lecture's Hessians along the whole valley and at the origin for any x, y; generic and
structured symmetric matrices up to 6x6, exactly-zero and near-zero eigenvalues on both
sides of an explicitly passed tol, repeated eigenvalues; numerical Hessians of the lecture's
quartic loss and of sharper functions in up to 5 variables with several eps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare
from graders import strategies as gen
from graders.kit import keywords, render
from graders.props import prop, student
from graders.public.critical_points import (
    DEFAULT_TOL,
    F64_EPS,
    check_escape,
    smooth_function,
    smooth_hessian,
    underflow_atol,
)
from reference import critical_points as ref

# --- strategies -------------------------------------------------------------------------


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


def _reference_two_weight(w, x, y):
    kw = keywords(x=x, y=y)
    xv, yv = kw.get("x", 1.0), kw.get("y", 1.0)
    r, big = abs(yv) + abs(w[0] * w[1] * xv), float(np.max(np.abs(w)))
    return {
        "loss": ref.two_weight_loss(w, **kw),
        "grad": ref.two_weight_gradient(w, **kw),
        "hess": ref.two_weight_hessian(w, **kw),
        # torch_two_weight's model: rounding of y - w1·w2·x is eps_machine·(|y| + |w1·w2·x|),
        # whatever the order, plus underflow's absolute rounding (of subnormal answers only)
        "atol": {
            "loss": 8 * F64_EPS * r * r + underflow_atol(6, xv, yv, *w),
            "grad": 16 * F64_EPS * r * abs(xv) * big + underflow_atol(5, xv, yv, *w),
            "hess": 16 * F64_EPS * (6 * xv * xv * big * big + 2 * abs(xv * yv))
            + underflow_atol(4, xv, yv, *w),
        },
    }


_TINY_X = 2.5509623503294678e-157
ORIGIN_AND_VALLEY: list[dict[str, Any]] = [
    {"w": np.zeros(2), "x": -3.0, "y": 2.0},
    {"w": np.array([1e3, 1e-3]), "x": None, "y": None},
    {"w": np.array([-7.0, 2.0 / 7.0]), "x": -0.5, "y": 1.0},
    # drawn: H[0, 0] = 2x²w2² is subnormal, where correct forms differ by 14·2**-1074
    {"w": np.array([_TINY_X, -9.724767250511093]), "x": _TINY_X, "y": _TINY_X},
]


@prop(
    "critical_points.two_weight_loss",
    "matches the reference for large weights and data, and on the valley",
    points=1,
    visibility="hidden",
    given=wide_two_weight_points(),
    examples=ORIGIN_AND_VALLEY,
    expect=_reference_two_weight,
)
def two_weight_loss_reference(w, x, y, expected):
    what = render("two_weight_loss", "w", x=x, y=y)
    got = compare.scalar((yield student.two_weight_loss(w, **keywords(x=x, y=y))), what)
    compare.close(got, expected["loss"], what, rtol=1e-12, atol=expected["atol"]["loss"])


@prop(
    "critical_points.two_weight_gradient",
    "matches the reference for large weights and data, and on the valley",
    points=1,
    visibility="hidden",
    given=wide_two_weight_points(),
    examples=ORIGIN_AND_VALLEY,
    expect=_reference_two_weight,
)
def two_weight_gradient_reference(w, x, y, expected):
    what = render("two_weight_gradient", "w", x=x, y=y)
    got = compare.array(
        (yield student.two_weight_gradient(w, **keywords(x=x, y=y))), what, shape=(2,)
    )
    compare.close(got, expected["grad"], what, rtol=1e-12, atol=expected["atol"]["grad"])


@prop(
    "critical_points.two_weight_hessian",
    "matches the reference for any x and y, at the origin and along the valley",
    points=1.5,
    visibility="hidden",
    given=wide_two_weight_points(),
    examples=ORIGIN_AND_VALLEY,
    expect=_reference_two_weight,
)
def two_weight_hessian_reference(w, x, y, expected):
    what = render("two_weight_hessian", "w", x=x, y=y)
    got = compare.array(
        (yield student.two_weight_hessian(w, **keywords(x=x, y=y))), what, shape=(2, 2)
    )
    compare.close(got, expected["hess"], what, rtol=1e-12, atol=expected["atol"]["hess"])


# --- numerical Hessian ------------------------------------------------------------------


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


def _function_of(case: dict[str, Any]):
    if case["kind"] == "lecture":
        x, y = case["x"], case["y"]

        def f(t):
            if np.shape(t) != (2,):
                raise ValueError(f"f expects an array of shape (2,), got shape {np.shape(t)}")
            return float((y - t[0] * t[1] * x) ** 2)

        return f
    return smooth_function(
        case["theta"], case["A"], case["b"], case["V"], case["alpha"], case["phi"]
    )


def _exact_hessian(**case):
    if case["kind"] == "sines":
        return smooth_hessian(
            case["theta"], case["A"], case["b"], case["V"], case["alpha"], case["phi"], case["eps"]
        )
    h = 1e-4 if case["eps"] is None else case["eps"]
    w, x, y = case["theta"], case["x"], case["y"]
    # the error model of smooth_hessian: rounding, a few eps_machine·|f| / h² with
    # |f| <= (|y| + |x|·(|w1|+2h)(|w2|+2h))², plus O(h²) truncation times the fourth
    # derivatives; the only one of (y - w1·w2·x)² is ∂⁴/∂w1²∂w2² = 4x², so the 4-point and
    # gradient-of-gradient schemes are exact here and the 7-point mixed one is off by h²·x²
    scale = 1.0 + (abs(y) + abs(x) * (abs(w[0]) + 2 * h) * (abs(w[1]) + 2 * h)) ** 2
    return {
        "H": ref.two_weight_hessian(w, x, y),
        "atol": 32 * F64_EPS * scale / h**2 + h * h * 4 * x * x + 1e-12,
    }


@prop(
    "critical_points.numerical_hessian",
    "is symmetric and close to the exact Hessian of the "
    "lecture's loss and of sharper functions in up to 5 variables, for several eps",
    points=1.5,
    visibility="hidden",
    given=hessian_functions(),
    examples=[
        {"kind": "lecture", "theta": np.zeros(2), "x": 1.0, "y": 1.0, "eps": None},
        {"kind": "lecture", "theta": np.array([2.0, 0.5]), "x": 1.0, "y": 1.0, "eps": 1e-3},
        {
            "kind": "sines",
            "theta": np.array([0.7]),
            "A": np.array([[1.0]]),
            "b": np.array([0.0]),
            "V": np.array([[3.0]]),
            "alpha": np.array([2.0]),
            "phi": np.array([0.0]),
            "eps": None,
        },
    ],
    expect=_exact_hessian,
)
def numerical_hessian_reference(expected, **case):
    theta = case["theta"]
    call = student.numerical_hessian(_function_of(case), theta, **keywords(eps=case["eps"]))
    what = render(call, "f", "theta")  # numerical_hessian(f, theta[, eps=…])
    got = compare.array((yield call), what, shape=(theta.size, theta.size))
    compare.close(got, got.T, f"{what} compared with its transpose", rtol=0, atol=expected["atol"])
    compare.close(
        got, expected["H"], f"{what} vs the exact Hessian", rtol=1e-9, atol=expected["atol"]
    )


# --- Taylor expansion -------------------------------------------------------------------


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


def _reference_taylor(loss0, g, H, theta, theta0):
    d = np.abs(theta - theta0)
    scale = abs(loss0) + np.abs(g) @ d + d @ np.abs(H) @ d
    return {
        "value": ref.taylor_approximation(loss0, g, H, theta, theta0),
        "atol": 16 * F64_EPS * scale + 1e-300,
    }


@prop(
    "critical_points.taylor_approximation",
    "matches the reference for n up to 6, large values, theta = theta0 and g = 0",
    points=1,
    visibility="hidden",
    given=expansions(),
    examples=[
        {
            "loss0": 3.0,
            "g": np.array([1.0]),
            "H": np.array([[2.0]]),
            "theta": np.array([5.0]),
            "theta0": np.array([5.0]),
        }
    ],
    expect=_reference_taylor,
)
def taylor_reference(loss0, g, H, theta, theta0, expected):
    what = "taylor_approximation(loss0, g, H, theta, theta0)"
    got = compare.scalar((yield student.taylor_approximation(loss0, g, H, theta, theta0)), what)
    compare.close(got, expected["value"], what, rtol=1e-12, atol=expected["atol"])


# --- the Hessian test -------------------------------------------------------------------


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


@prop(
    "critical_points.classify_critical_point",
    "matches the reference on generic, repeated, "
    "exactly-zero and near-tol spectra, and along the lecture's valley",
    points=1.5,
    visibility="hidden",
    given=nasty_hessians(),
    examples=HIDDEN_HESSIANS,
    expect=lambda H, tol: ref.classify_critical_point(H, DEFAULT_TOL if tol is None else tol),
)
def classify_reference(H, tol, expected):
    what = render("classify_critical_point", "H", tol=tol)
    got = yield student.classify_critical_point(H, **keywords(tol=tol))
    # the verdict is decided by the eigenvalues: say them, with the tol they are judged by
    compare.equal(
        got,
        expected,
        f"{what} (eigenvalues {_spectrum(H)}, tol {DEFAULT_TOL if tol is None else tol:g})",
    )


def _spectrum(H: np.ndarray) -> str:
    return compare.fmt(np.linalg.eigvalsh(H), precision=4)


def _reference_escape(H, tol):
    u = ref.escape_direction(H, DEFAULT_TOL if tol is None else tol)
    if u is None:
        return None
    # a backward-stable eigensolver's unit u has uᵀHu within ~n·u·‖H‖ of λ_min, and so has
    # the computed quadratic form: 1e-12·(1 + ‖H‖) is thousands of ulps for n <= 6
    return {
        "lam_min": float(u @ H @ u),
        "atol": 1e-12 * (1.0 + float(np.max(np.abs(np.linalg.eigvalsh(H))))),
    }


@prop(
    "critical_points.escape_direction",
    "matches the reference's eigenvalue on generic, "
    "repeated and near-tol spectra (a unit u with uᵀHu = λ_min, or None)",
    points=1.5,
    visibility="hidden",
    given=nasty_hessians(),
    examples=HIDDEN_HESSIANS,
    expect=_reference_escape,
)
def escape_reference(H, tol, expected):
    what = render("escape_direction", "H", tol=tol)
    check_escape((yield student.escape_direction(H, **keywords(tol=tol))), H, what, expected)


@prop(
    "critical_points.minimum_ratio",
    "matches the reference on generic, repeated, exactly-zero and near-tol spectra",
    points=1,
    visibility="hidden",
    given=nasty_hessians(),
    examples=HIDDEN_HESSIANS,
    expect=lambda H, tol: ref.minimum_ratio(H, DEFAULT_TOL if tol is None else tol),
)
def minimum_ratio_reference(H, tol, expected):
    what = render("minimum_ratio", "H", tol=tol)
    got = compare.scalar((yield student.minimum_ratio(H, **keywords(tol=tol))), what)
    # k / n is exact up to one rounding whichever way it is counted
    compare.close(got, expected, f"{what} (eigenvalues {_spectrum(H)})", rtol=0, atol=1e-12)
