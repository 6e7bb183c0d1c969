"""Hidden properties for ``critical_points``: the reference on wider and nastier inputs.

Never shipped to students.  Large weights and data (cancellation in y - w1·w2·x), the
lecture's Hessians along the whole valley and at the origin for any x, y; generic and
structured symmetric matrices up to 6x6, exactly-zero and near-zero eigenvalues on both
sides of an explicitly passed tol, repeated eigenvalues; numerical Hessians of the lecture's
quartic loss and of sharper functions in up to 5 variables with several eps.  The strategies
and the examples are in ``cases``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders import compare
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
from graders.sandbox.kinds import DataFunction
from reference import critical_points as ref

from .cases import (
    HIDDEN_HESSIANS,
    ORIGIN_AND_VALLEY,
    expansions,
    hessian_functions,
    nasty_hessians,
    wide_two_weight_points,
)

# --- the lecture's two-weight network -----------------------------------------------------


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


def _function_of(case: dict[str, Any]):
    if case["kind"] == "lecture":  # (y - w1·w2·x)²: data, the worker evaluates it
        return DataFunction("two_weight", x=case["x"], y=case["y"])
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
    t = DEFAULT_TOL if tol is None else tol
    compare.equal(got, expected, compare.Lazy(lambda: f"{what} ({_spectrum(H)}, tol {t:g})"))


def _spectrum(H: np.ndarray) -> str:
    """H's eigenvalues for a message; made only when a check fails (compare.Lazy): eigvalsh
    and fmt cost more than the check they describe."""
    return f"eigenvalues {compare.fmt(np.linalg.eigvalsh(H), precision=4)}"


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
    compare.close(
        got, expected, compare.Lazy(lambda: f"{what} ({_spectrum(H)})"), rtol=0, atol=1e-12
    )
