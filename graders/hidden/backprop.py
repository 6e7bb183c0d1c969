"""Hidden properties for ``backprop``: the reference on wider and nastier inputs.

Never shipped to students.  Wider and deeper networks (up to 4 layers of width 6), a single
sample (N = 1), weights large enough to saturate the sigmoids, |z| up to 1e4, 3-D theta for
numerical_gradient.  Tolerances are relative 1e-9 (float64 arithmetic in a different order)
plus an absolute term scaled to the values compared; each comparison states its error model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare
from graders import strategies as gen
from graders.props import prop, student
from graders.public.backprop import F64_EPS, check_gradient_structure, grad_name, smooth_function
from reference import backprop as ref


@st.composite
def wide_mlp_problems(draw: Any) -> dict[str, Any]:
    """``{"params", "x", "y"}``: 1..4 layers of width 1..6 (sometimes all equal), N = 1..6,
    weights in [-w, w] with w in {1, 2, 20} (w = 20 saturates the sigmoids), x in [-3, 3],
    y in [-5, 5]."""
    layers = draw(st.integers(1, 4))
    if draw(st.booleans()):
        sizes = [draw(st.integers(1, 6))] * (layers + 1)
    else:
        sizes = [draw(st.integers(1, 6)) for _ in range(layers + 1)]
    w = draw(st.sampled_from([1.0, 2.0, 20.0]))
    params = [
        (
            draw(gen.arrays((sizes[i + 1], sizes[i]), -w, w)),
            draw(gen.arrays((sizes[i + 1],), -w, w)),
        )
        for i in range(layers)
    ]
    n = draw(st.integers(1, 6))
    return {
        "params": params,
        "x": draw(gen.arrays((n, sizes[0]), -3.0, 3.0)),
        "y": draw(gen.arrays((n, sizes[-1]), -5.0, 5.0)),
    }


SINGLE = {
    "params": [(np.array([[2.0]]), np.array([-1.0]))],
    "x": np.array([[3.0]]),
    "y": np.array([[0.5]]),
}
SATURATED = {
    "params": [
        (np.array([[300.0, -300.0], [-400.0, 10.0]]), np.array([0.0, 5.0])),
        (np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.0, 0.0])),
        (np.array([[1.5, -2.0]]), np.array([0.25])),
    ],
    "x": np.array([[1.0, -1.0]]),
    "y": np.array([[2.0]]),
}


@prop(
    "backprop.sigmoid",
    "matches the reference on 0-D to 3-D z, no overflow (value or warning) for |z| up to 1e4",
    points=1.5,
    visibility="hidden",
    forbid_warnings=True,
    # SPEC: elementwise on any shape, so 0-D to 3-D
    given={
        "z": st.sampled_from([10.0, 40.0, 745.0, 1e4]).flatmap(
            lambda hi: gen.arrays(
                st.integers(0, 3).flatmap(lambda d: st.tuples(*[st.integers(1, 3)] * d)), -hi, hi
            )
        )
    },
    examples=[
        {"z": np.array([-1e4, -746.0, -709.0, -36.0, -1e-12, 0.0, 1e-12, 36.0, 709.0, 746.0, 1e4])},
        {"z": np.zeros((1, 1))},
    ],
    expect=lambda z: ref.sigmoid(z),
)
def sigmoid_reference(z, expected):
    got = compare.array((yield student.sigmoid(z)), "sigmoid(z)", shape=z.shape)
    compare.close(got, expected, "sigmoid(z)", rtol=1e-12, atol=1e-15)
    compare.holds(bool(np.all((got >= 0) & (got <= 1))), "sigmoid(z) has values outside [0, 1]")


@prop(
    "backprop.sigmoid_derivative",
    "matches the reference on any shape, finite for |z| up to 1e4",
    points=1.5,
    visibility="hidden",
    given={
        "z": st.sampled_from([5.0, 40.0, 745.0, 1e4]).flatmap(
            lambda hi: gen.matrices(lo=-hi, hi=hi)
        )
    },
    examples=[{"z": np.array([-1e4, -746.0, -710.0, -36.0, 0.0, 36.0, 710.0, 746.0, 1e4])}],
    expect=lambda z: ref.sigmoid_derivative(z),
)
def sigmoid_derivative_reference(z, expected):
    got = compare.array(
        (yield student.sigmoid_derivative(z)), "sigmoid_derivative(z)", shape=z.shape
    )
    # σ(1 - σ) and the reference's e/(1+e)² agree within an absolute 2**-53
    compare.close(got, expected, "sigmoid_derivative(z)", rtol=1e-9, atol=5e-16)


@prop(
    "backprop.forward_pass",
    "matches the reference on deeper, wider and saturated networks, N = 1",
    points=2,
    visibility="hidden",
    given=wide_mlp_problems(),
    examples=[SINGLE, SATURATED],
    expect=lambda params, x, y: ref.forward_pass(params, x),
)
def forward_pass_reference(params, x, y, expected):
    got = compare.sequence(
        (yield student.forward_pass(params, x)), "forward_pass(params, x)", length=len(params) + 1
    )
    for l, (a, e) in enumerate(zip(got, expected)):
        a = compare.array(a, f"forward_pass(params, x)[{l}] (a_{l})", shape=e.shape)
        # a few ulps of |W||a| + |b| per layer, carried on by |W|·σ': large weights saturate
        # the sigmoid (σ' ~ 0) where they would amplify; 1e-12 of the largest activation +
        # 1e-9 relative (measured over 3000 drawn networks: every variant below 0.1% of it)
        scale = 1.0 + float(np.max(np.abs(e), initial=0.0))
        compare.close(a, e, f"forward_pass(params, x)[{l}] (a_{l})", rtol=1e-9, atol=1e-12 * scale)


def _reference_gradients(params, x, y):
    grads = ref.backward_pass(params, x, y)
    scale = 1.0 + max(float(np.max(np.abs(g), initial=0.0)) for p in grads for g in p)
    # summation order (per sample vs batched, einsum vs @, recursion) and σ′ from z vs from
    # a differ by a few ulps of the largest gradient per layer: 1e-12 of it (~4500 ulps) +
    # 1e-9 relative (measured over 3000 drawn networks: every variant within 1% of it)
    return {"grads": grads, "atol": 1e-12 * scale}


@prop(
    "backprop.backward_pass",
    "matches the reference on deeper, wider and saturated networks, N = 1",
    points=3,
    visibility="hidden",
    given=wide_mlp_problems(),
    examples=[SINGLE, SATURATED],
    expect=_reference_gradients,
)
def backward_pass_reference(params, x, y, expected):
    got = check_gradient_structure(
        (yield student.backward_pass(params, x, y)), params, "backward_pass(params, x, y)"
    )
    for l, ((dW, db), (eW, eb)) in enumerate(zip(got, expected["grads"])):
        compare.close(dW, eW, grad_name(l, "W"), rtol=1e-9, atol=expected["atol"])
        compare.close(db, eb, grad_name(l, "b"), rtol=1e-9, atol=expected["atol"])


@st.composite
def nasty_smooth_functions(draw: Any) -> dict[str, Any]:
    """f(θ) = ½ tᵀAt + b·t + Σ_k alpha_k sin(V_k·t + phi_k) (t = θ flattened, as in the
    public ``smooth_functions``) with theta of 0 (SPEC: "any shape"), 1, 2 or 3 dimensions
    (up to 2x2x3), entries in [-3, 3], up to 3 sines with frequencies up to 4; eps default
    or 1e-2 .. 1e-5."""
    shape = draw(
        st.one_of(
            st.just(()),
            st.tuples(st.integers(1, 6)),
            st.tuples(st.integers(1, 3), st.integers(1, 3)),
            st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3)),
        )
    )
    m = int(np.prod(shape))
    k = draw(st.integers(0, 3))
    a = draw(gen.arrays((m, m), -3.0, 3.0))
    return {
        "theta": draw(gen.arrays(shape, -3.0, 3.0)),
        "A": (a + a.T) / 2,
        "b": draw(gen.arrays((m,), -3.0, 3.0)),
        "V": draw(gen.arrays((k, m), -4.0, 4.0)),
        "alpha": draw(gen.arrays((k,), -2.0, 2.0)),
        "phi": draw(gen.arrays((k,), -3.0, 3.0)),
        "eps": draw(st.sampled_from([None, 1e-2, 1e-3, 1e-5])),
    }


def _reference_numerical_gradient(theta, A, b, V, alpha, phi, eps):
    f = smooth_function(theta, A, b, V, alpha, phi)
    h = 1e-6 if eps is None else eps
    grad = (
        ref.numerical_gradient(f, theta)
        if eps is None
        else ref.numerical_gradient(f, theta, eps=eps)
    )
    u = np.ravel(theta)
    scale = (
        1.0
        + 0.5 * np.abs(u) @ np.abs(A) @ np.abs(u)
        + np.abs(b) @ np.abs(u)
        + float(np.sum(np.abs(alpha)))
    )
    # two central differences of the same f differ only by rounding (eps_machine·|f| / h
    # each), whatever order the perturbations are applied in
    return {"grad": grad, "atol": 32 * F64_EPS * scale / h + 1e-12}


@prop(
    "backprop.numerical_gradient",
    "matches the reference's central differences for 0-D to 3-D theta and several eps",
    points=2,
    visibility="hidden",
    given=nasty_smooth_functions(),
    examples=[
        {
            "theta": np.array([0.5]),
            "A": np.array([[3.0]]),
            "b": np.array([1.0]),
            "V": np.array([[4.0]]),
            "alpha": np.array([2.0]),
            "phi": np.array([0.0]),
            "eps": 1e-2,
        }
    ],
    expect=_reference_numerical_gradient,
)
def numerical_gradient_reference(theta, A, b, V, alpha, phi, eps, expected):
    f = smooth_function(theta, A, b, V, alpha, phi)
    call = (
        student.numerical_gradient(f, theta)
        if eps is None
        else student.numerical_gradient(f, theta, eps=eps)
    )
    what = "numerical_gradient(f, theta" + ("" if eps is None else f", eps={eps:g}") + ")"
    got = compare.array((yield call), what, shape=theta.shape)
    compare.close(got, expected["grad"], what, rtol=1e-9, atol=expected["atol"])
