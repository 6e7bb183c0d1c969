"""Public properties for ``backprop``: PyTorch as the oracle, and defining properties.

Shipped to students (no reference needed).  Conventions enforced: ``params`` is a list of
``(W, b)`` with ``W`` of shape (out, in); ``z_l = a_{l-1} @ W_l.T + b_l``; sigmoid on hidden
layers, linear output; ``C = 0.5 * sum((a_L - y)**2)`` summed (not averaged) over the batch;
``backward_pass`` returns one ``(dW, db)`` pair per layer (a tuple or a list of two) with the
shapes of ``params``; ``numerical_gradient`` uses central differences.

The strategies the properties draw are in ``cases``; the judge-side functions (torch
oracles, the smooth functions with their exact gradients, the check of a gradient's
structure) in ``judge``.
"""

from __future__ import annotations

import numpy as np

from graders import compare, oracles
from graders.props import prop, student

from .cases import (
    mlp_inputs,
    polynomial_cases,
    sigmoid_inputs,
    smooth_functions,
    square_mlp_problems,
)
from .judge import F64_EPS as F64_EPS  # the hidden graders' tolerances use it
from .judge import (
    central_polynomial,
    check_gradient_structure,
    grad_atol,
    grad_name,
    smooth_function,
    smooth_gradient,
    torch_activations,
    torch_central_differences,
    torch_gradients,
    torch_sigmoid_grad,
)

# --- sigmoid ----------------------------------------------------------------------------

EXTREMES = np.array([-1e4, -1e3, -800.0, -50.0, 0.0, 50.0, 800.0, 1e3, 1e4])


# SPEC: sigmoid gives "no overflow warnings for large |z|": every sigmoid property forbids them
@prop(
    "backprop.sigmoid",
    "equals torch.sigmoid, finite with exact 0 and 1 limits for |z| up "
    "to 1e4, without overflow warnings",
    points=1,
    given={"z": sigmoid_inputs()},
    examples=[{"z": EXTREMES}, {"z": np.array([[-1e4, 1e4], [-745.5, 37.0]])}],
    expect=lambda z: oracles.numpy(oracles.torch().sigmoid(oracles.tensor(z))),
    forbid_warnings=True,
    hint="exp(-z) overflows to inf for z below about -709 (and exp(z) for z above 709), "
    "with a RuntimeWarning even where the result rounds right: evaluate exp only of "
    "-|z|, choosing the form by the sign of z.",
)
def sigmoid_matches_torch(z, expected):
    got = compare.array((yield student.sigmoid(z)), "sigmoid(z)", shape=z.shape)
    # z is exact: the stable forms are a few ulps off relative, the tanh form an absolute
    # 2**-53 (1 + tanh(z/2) cancels for z < 0); rtol 1e-12 (~4500 ulps) + atol 1e-15 admits
    # both, while a wrong formula is off by a relative O(1)
    compare.close(got, expected, "sigmoid(z)", rtol=1e-12, atol=1e-15)
    limit = np.abs(z) >= 1e3
    compare.close(
        got[limit],
        (z[limit] > 0).astype(float),
        "sigmoid(z) for |z| >= 1000 (where it rounds to exactly 0.0 or 1.0)",
        rtol=0.0,
        atol=0.0,
    )


@prop(
    "backprop.sigmoid",
    "is symmetric: sigmoid(-z) = 1 - sigmoid(z)",
    points=0.5,
    relational=True,
    forbid_warnings=True,
    given={"z": sigmoid_inputs()},
    examples=[{"z": EXTREMES}],
    hint="σ(-z) = e/(1 + e) and 1 - σ(z) = 1 - 1/(1 + e) with e = exp(-z) are the same "
    "number: both branches of a piecewise sigmoid must meet at z = 0.",
)
def sigmoid_symmetric(z):
    s, t = yield [student.sigmoid(z), student.sigmoid(-z)]
    s = compare.array(s, "sigmoid(z)", shape=z.shape)
    t = compare.array(t, "sigmoid(-z)", shape=z.shape)
    # values in [0, 1]: each side within a few roundings of 1 of the exact σ, 1 - s one more
    compare.within(t, 1.0 - s, "sigmoid(-z) vs 1 - sigmoid(z)", scale=1.0, ulps=16)


@prop(
    "backprop.sigmoid_derivative",
    "equals σ(z)(1 - σ(z)) as torch.autograd computes it, finite for |z| up to 1e4",
    points=1,
    given={"z": sigmoid_inputs()},
    examples=[{"z": EXTREMES}],
    expect=lambda z: torch_sigmoid_grad(z),
    hint="σ'(z) = σ(z)·(1 - σ(z)) uses the sigmoid's value, not z itself; compute it from a "
    "sigmoid that never overflows.",
)
def sigmoid_derivative_matches_autograd(z, expected):
    got = compare.array(
        (yield student.sigmoid_derivative(z)), "sigmoid_derivative(z)", shape=z.shape
    )
    # σ(z)(1 - σ(z)) in float64 is accurate to an absolute 2**-53 (1 - σ rounds near 1)
    compare.close(got, expected, "sigmoid_derivative(z)", rtol=1e-9, atol=5e-16)


# --- forward pass -----------------------------------------------------------------------

LECTURE_NET = {
    "params": [
        (np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.0, -1.0])),
        (np.array([[2.0, -3.0]]), np.array([0.5])),
    ],
    "x": np.array([[1.0, 2.0], [-1.0, 0.0], [0.0, 0.0]]),
    "y": np.array([[1.0], [0.0], [-1.0]]),
}


@prop(
    "backprop.forward_pass",
    "returns [a_0, ..., a_L] equal to a torch forward pass (sigmoid hidden layers, linear output)",
    points=2,
    given=mlp_inputs(),
    examples=[LECTURE_NET],
    expect=lambda params, x, y: torch_activations(params, x),
    hint="z_l = a_{l-1} @ W_l.T + b_l with x one sample per row; the sigmoid is applied on "
    "hidden layers only (the output layer is linear); the list starts with a_0 = x.",
)
def forward_pass_matches_torch(params, x, y, expected):
    got = compare.sequence(
        (yield student.forward_pass(params, x)), "forward_pass(params, x)", length=len(params) + 1
    )
    for l, (a, e) in enumerate(zip(got, expected)):
        a = compare.array(a, f"forward_pass(params, x)[{l}] (a_{l})", shape=e.shape)
        # another order of the sums (loops, einsum) or sigmoid form errs by a few ulps of
        # |W||a| + |b| <= 14 per layer, carried on by |W|·width·σ' <= 1.5: ~1e-14 after 3
        # layers; 1e-12 + 1e-9 relative leaves 100x (measured: every variant below 1%)
        compare.close(a, e, f"forward_pass(params, x)[{l}] (a_{l})", rtol=1e-9, atol=1e-12)


# --- backward pass ----------------------------------------------------------------------


@prop(
    "backprop.backward_pass",
    "returns [(dC/dW_l, dC/db_l)] equal to torch.autograd's gradients of C = 0.5·sum((a_L - y)²)",
    points=2,
    given=mlp_inputs(),
    examples=[LECTURE_NET],
    expect=lambda params, x, y: torch_gradients(params, x, y),
    hint="δ_L = a_L - y (summed loss, no 1/N); dW_l = δ_lᵀ a_{l-1} has W_l's shape "
    "(out, in); db_l sums δ_l over the samples; δ_{l-1} = (δ_l @ W_l) * σ'(z_{l-1}).",
)
def backward_pass_matches_autograd(params, x, y, expected):
    got = check_gradient_structure(
        (yield student.backward_pass(params, x, y)), params, "backward_pass(params, x, y)"
    )
    atol = grad_atol(expected)
    for l, ((dW, db), (eW, eb)) in enumerate(zip(got, expected)):
        compare.close(dW, eW, grad_name(l, "W"), rtol=1e-9, atol=atol)
        compare.close(db, eb, grad_name(l, "b"), rtol=1e-9, atol=atol)


@prop(
    "backprop.backward_pass",
    "passes a gradient check: agrees with central differences of C on square layers",
    points=1,
    given=square_mlp_problems(),
    examples=[
        {
            "params": [
                (np.array([[0.5, -1.0], [1.5, 0.25]]), np.array([0.1, -0.2])),
                (np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([0.0, 0.3])),
            ],
            "x": np.array([[1.0, -1.0], [0.5, 2.0]]),
            "y": np.array([[0.0, 1.0], [1.0, 0.0]]),
        }
    ],
    expect=lambda params, x, y: torch_central_differences(params, x, y),
    hint="With square layers a transposed dW has the right shape but not the right values: "
    "dC/dW_l[i, j] is the derivative with respect to W_l[i, j], output i, input j.",
)
def backward_pass_gradient_check(params, x, y, expected):
    got = check_gradient_structure(
        (yield student.backward_pass(params, x, y)), params, "backward_pass(params, x, y)"
    )
    # h = 1e-6: rounding error about 20·eps_machine·C / h, truncation far below that
    atol = 1e-7 + 1e-8 * expected["C"]
    for l, ((dW, db), (eW, eb)) in enumerate(zip(got, expected["grads"])):
        compare.close(dW, eW, grad_name(l, "W") + " vs central differences", rtol=1e-6, atol=atol)
        compare.close(db, eb, grad_name(l, "b") + " vs central differences", rtol=1e-6, atol=atol)


# --- numerical gradient -----------------------------------------------------------------


@prop(
    "backprop.numerical_gradient",
    "is close to the exact gradient of smooth functions "
    "(quadratics, sines) for theta of shape (n,) and (a, b)",
    points=1.5,
    given=smooth_functions(),
    examples=[
        {
            "theta": np.array([0.5, -1.0]),
            "A": np.array([[3.0, 1.0], [1.0, -2.0]]),
            "b": np.array([1.0, 0.0]),
            "V": np.array([[2.0, -1.0]]),
            "alpha": np.array([1.0]),
            "phi": np.array([0.0]),
            "eps": 1e-2,
        },
        {
            "theta": np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]),
            "A": np.eye(6) * 2.0,
            "b": np.arange(6.0),
            "V": np.ones((1, 6)),
            "alpha": np.array([1.5]),
            "phi": np.array([0.3]),
            "eps": None,
        },
    ],
    expect=smooth_gradient,
    hint="g_i = (f(θ + eps·e_i) - f(θ - eps·e_i)) / (2·eps) for every entry i of θ, "
    "whatever θ's shape (np.ndindex walks all entries); return θ's shape.",
)
def numerical_gradient_close_to_exact(theta, A, b, V, alpha, phi, eps, expected):
    f = smooth_function(theta, A, b, V, alpha, phi)
    call = (
        student.numerical_gradient(f, theta)
        if eps is None
        else student.numerical_gradient(f, theta, eps=eps)
    )
    what = "numerical_gradient(f, theta" + ("" if eps is None else f", eps={eps:g}") + ")"
    got = compare.array((yield call), what, shape=theta.shape)
    compare.close(
        got, expected["grad"], f"{what} vs the exact gradient", rtol=1e-9, atol=expected["atol"]
    )


@prop(
    "backprop.numerical_gradient",
    "uses central differences with the given eps "
    "(exact on quadratics for any eps) and calls f about twice per entry",
    points=1,
    given=polynomial_cases(),
    examples=[
        {
            "theta": np.array([1.0, -2.0]),
            "A": np.array([[4.0, 1.0], [1.0, 2.0]]),
            "b": np.array([0.5, -1.0]),
            "cubic": None,
            "eps": 0.5,
        },
        {
            "theta": np.array([[1.0], [2.0]]),
            "A": np.zeros((2, 2)),
            "b": np.zeros(2),
            "cubic": np.array([1.0, -1.0]),
            "eps": 0.1,
        },
    ],
    expect=central_polynomial,
    hint="A central difference (f(θ + eps·e_i) - f(θ - eps·e_i)) / (2·eps) has no error on "
    "a quadratic whatever eps is; a one-sided (f(θ + eps·e_i) - f(θ)) / eps is off by "
    "eps/2 times the curvature.  Use the eps argument, and 2 calls of f per entry.",
)
def numerical_gradient_is_central(theta, A, b, cubic, eps, expected):
    calls = [0]
    shape = np.shape(theta)

    def f(t):
        calls[0] += 1
        if np.shape(t) != shape:
            raise ValueError(
                f"f expects an array of theta's shape {shape}, got shape {np.shape(t)}"
            )
        u = np.ravel(t)
        return float(0.5 * u @ A @ u + b @ u + (0.0 if cubic is None else cubic @ u**3))

    what = f"numerical_gradient(f, theta, eps={eps:g})"
    got = compare.array(
        (yield student.numerical_gradient(f, theta, eps=eps)), what, shape=theta.shape
    )
    compare.close(got, expected["grad"], what, rtol=1e-9, atol=expected["atol"])
    limit = 4 * theta.size + 4
    compare.holds(
        calls[0] <= limit,
        f"numerical_gradient called f {calls[0]} times for a theta of {theta.size} "
        f"entries; central differences need 2 per entry (at most {limit} accepted)",
        hint="Evaluate f at θ ± eps·e_i once each and reuse the values.",
    )
