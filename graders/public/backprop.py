"""Public properties for ``backprop``: PyTorch as the oracle, and defining properties.

Shipped to students (no reference needed).  Conventions enforced: ``params`` is a list of
``(W, b)`` with ``W`` of shape (out, in); ``z_l = a_{l-1} @ W_l.T + b_l``; sigmoid on hidden
layers, linear output; ``C = 0.5 * sum((a_L - y)**2)`` summed (not averaged) over the batch;
``backward_pass`` returns one ``(dW, db)`` pair per layer (a tuple or a list of two) with the
shapes of ``params``; ``numerical_gradient`` uses central differences.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare, oracles
from graders import strategies as gen
from graders.props import prop, student

F64_EPS = float(np.finfo(np.float64).eps)  # 2.2e-16


# --- strategies -------------------------------------------------------------------------

@st.composite
def square_mlp_problems(draw: Any, min_n: int = 2, max_n: int = 5) -> dict[str, Any]:
    """``{"params", "x", "y"}`` for an MLP whose layers are all square (width 1..4, 1..3
    layers) and a batch of N >= 2 samples: a transposed weight gradient has the right shape
    here, so only its values give it away.  Weights in [-1.5, 1.5], x and y in [-2, 2].
    Shrinks to one 1x1 layer of zeros with N = 2."""
    width = draw(st.integers(1, 4))
    layers = draw(st.integers(1, 3))
    params = [(draw(gen.arrays((width, width), -1.5, 1.5)), draw(gen.arrays((width,), -1.5, 1.5)))
              for _ in range(layers)]
    n = draw(st.integers(min_n, max_n))
    return {"params": params, "x": draw(gen.arrays((n, width), -2.0, 2.0)),
            "y": draw(gen.arrays((n, width), -2.0, 2.0))}


def mlp_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Any small MLP problem (widths 1..4, 1..3 layers, N = 1..5), or a square one."""
    return st.one_of(gen.mlp_problems(), square_mlp_problems())


def sigmoid_inputs() -> st.SearchStrategy[np.ndarray]:
    """1-D or 2-D z: moderate values, or spread up to |z| = 1e4 (where exp(±z) overflows).
    Shrinks towards a single 0."""
    shape = st.one_of(st.tuples(st.integers(1, 6)),
                      st.tuples(st.integers(1, 4), st.integers(1, 4)))
    return st.sampled_from([10.0, 50.0, 800.0, 1e4]).flatmap(
        lambda hi: gen.arrays(shape, -hi, hi))


@st.composite
def smooth_functions(draw: Any, shape: Any = None) -> dict[str, Any]:
    """A judge-side smooth scalar function of theta and a point theta.

    f(θ) = ½ tᵀAt + b·t + Σ_k alpha_k sin(V_k·t + phi_k), with t = θ flattened; theta has
    shape (n,) with n in 1..6 or (a, b) with a, b in 1..3, entries in [-2, 2].  eps is None
    (the default) or given.  Shrinks towards a 1-entry theta with a zero function.
    """
    if shape is None:
        shape = draw(st.one_of(st.tuples(st.integers(1, 6)),
                               st.tuples(st.integers(1, 3), st.integers(1, 3))))
    m = int(np.prod(shape))
    k = draw(st.integers(0, 2))
    a = draw(gen.arrays((m, m), -2.0, 2.0))
    return {"theta": draw(gen.arrays(shape, -2.0, 2.0)),
            "A": (a + a.T) / 2, "b": draw(gen.arrays((m,), -2.0, 2.0)),
            "V": draw(gen.arrays((k, m), -2.0, 2.0)), "alpha": draw(gen.arrays((k,), -2.0, 2.0)),
            "phi": draw(gen.arrays((k,), -3.0, 3.0)),
            "eps": draw(st.sampled_from([None, None, 1e-3, 1e-4, 1e-5]))}


# --- judge-side functions ---------------------------------------------------------------

def smooth_function(theta: np.ndarray, A: np.ndarray, b: np.ndarray, V: np.ndarray,
                    alpha: np.ndarray, phi: np.ndarray):
    """The callback f for a ``smooth_functions`` case (theta's shape only)."""
    shape = np.shape(theta)

    def f(t: np.ndarray) -> float:
        if np.shape(t) != shape:
            raise ValueError(f"f expects an array of theta's shape {shape}, got shape "
                             f"{np.shape(t)}")
        u = np.ravel(t)
        return float(0.5 * u @ A @ u + b @ u + alpha @ np.sin(V @ u + phi))

    return f


def smooth_gradient(theta, A, b, V, alpha, phi, eps) -> dict[str, Any]:
    """The exact gradient of ``smooth_function`` and the finite-difference tolerance.

    Central differences err by rounding, about eps_machine·|f| / eps per entry (|f| bounded
    by the sum of the absolute terms of f), plus truncation eps²/6·|f'''| with
    |f'''| <= Σ|alpha_k|·max|V_k|³.
    """
    u = np.ravel(theta)
    grad = A @ u + b + (alpha * np.cos(V @ u + phi)) @ V
    h = 1e-6 if eps is None else eps
    scale = 1.0 + 0.5 * np.abs(u) @ np.abs(A) @ np.abs(u) + np.abs(b) @ np.abs(u) \
        + float(np.sum(np.abs(alpha)))
    third = float(np.sum(np.abs(alpha) * np.max(np.abs(V), axis=1, initial=0.0) ** 3))
    atol = 16 * F64_EPS * scale / h + h * h * third / 3 + 1e-12
    return {"grad": grad.reshape(np.shape(theta)), "atol": atol}


# --- torch oracles ----------------------------------------------------------------------

def _torch_forward(t: Any, params: list, x: np.ndarray) -> list:
    a = oracles.tensor(x)
    acts = [a]
    for l, (W, b) in enumerate(params):
        z = t.nn.functional.linear(a, W, b)
        a = z if l == len(params) - 1 else t.sigmoid(z)
        acts.append(a)
    return acts


def torch_activations(params: list, x: np.ndarray) -> list[np.ndarray]:
    t = oracles.torch()
    tp = [(oracles.tensor(W), oracles.tensor(b)) for W, b in params]
    return [oracles.numpy(a) for a in _torch_forward(t, tp, x)]


def torch_gradients(params: list, x: np.ndarray, y: np.ndarray) -> list[tuple]:
    """[(dC/dW, dC/db)] by torch.autograd of C = 0.5 * sum((a_L - y)**2)."""
    t = oracles.torch()
    tp = [(oracles.tensor(W, grad=True), oracles.tensor(b, grad=True)) for W, b in params]
    out = _torch_forward(t, tp, x)[-1]
    (0.5 * ((out - oracles.tensor(y)) ** 2).sum()).backward()
    return [(oracles.numpy(W.grad), oracles.numpy(b.grad)) for W, b in tp]


def torch_central_differences(params: list, x: np.ndarray, y: np.ndarray,
                              h: float = 1e-6) -> dict[str, Any]:
    """Central differences of C (evaluated by torch in float64), entry by entry."""
    t = oracles.torch()
    tp = [(oracles.tensor(W), oracles.tensor(b)) for W, b in params]
    ty = oracles.tensor(y)

    def loss() -> float:
        return float(0.5 * ((_torch_forward(t, tp, x)[-1] - ty) ** 2).sum())

    c = loss()
    numeric = []
    with t.no_grad():
        for W, b in tp:
            pair = []
            for p in (W, b):
                g = np.zeros(tuple(p.shape))
                flat = p.view(-1)
                for i in range(flat.numel()):
                    old = float(flat[i])
                    flat[i] = old + h
                    up = loss()
                    flat[i] = old - h
                    down = loss()
                    flat[i] = old
                    g.reshape(-1)[i] = (up - down) / (2 * h)
                pair.append(g)
            numeric.append(tuple(pair))
    return {"grads": numeric, "C": c}


def grad_name(l: int, which: str) -> str:
    """How the student's gradient of layer l + 1 is named in feedback."""
    return (f"backward_pass(params, x, y)[{l}][{0 if which == 'W' else 1}] "
            f"(dC/d{which} of layer {l + 1})")


def check_gradient_structure(got: Any, params: list, what: str) -> list[tuple]:
    """The student's [(dW, db)] as plain arrays, after checking the structure and shapes."""
    got = compare.sequence(got, what, length=len(params))
    pairs = []
    for l, (item, (W, b)) in enumerate(zip(got, params)):
        dW, db = compare.sequence(item, f"{what}[{l}]", length=2)
        pairs.append((compare.array(dW, grad_name(l, "W"), shape=W.shape),
                      compare.array(db, grad_name(l, "b"), shape=b.shape)))
    return pairs


# --- sigmoid ----------------------------------------------------------------------------

EXTREMES = np.array([-1e4, -1e3, -800.0, -50.0, 0.0, 50.0, 800.0, 1e3, 1e4])


# SPEC: sigmoid gives "no overflow warnings for large |z|": every sigmoid property forbids them
@prop("backprop.sigmoid", "equals torch.sigmoid, finite with exact 0 and 1 limits for |z| up "
      "to 1e4, without overflow warnings", points=1, given={"z": sigmoid_inputs()},
      examples=[{"z": EXTREMES}, {"z": np.array([[-1e4, 1e4], [-745.5, 37.0]])}],
      expect=lambda z: oracles.numpy(oracles.torch().sigmoid(oracles.tensor(z))),
      forbid_warnings=True,
      hint="exp(-z) overflows to inf for z below about -709 (and exp(z) for z above 709), "
           "with a RuntimeWarning even where the result rounds right: evaluate exp only of "
           "-|z|, choosing the form by the sign of z.")
def sigmoid_matches_torch(z, expected):
    got = compare.array((yield student.sigmoid(z)), "sigmoid(z)", shape=z.shape)
    # z is exact: the stable forms are a few ulps off relative, the tanh form an absolute
    # 2**-53 (1 + tanh(z/2) cancels for z < 0); rtol 1e-12 (~4500 ulps) + atol 1e-15 admits
    # both, while a wrong formula is off by a relative O(1)
    compare.close(got, expected, "sigmoid(z)", rtol=1e-12, atol=1e-15)
    limit = np.abs(z) >= 1e3
    compare.close(got[limit], (z[limit] > 0).astype(float),
                  "sigmoid(z) for |z| >= 1000 (where it rounds to exactly 0.0 or 1.0)",
                  rtol=0.0, atol=0.0)


@prop("backprop.sigmoid", "is symmetric: sigmoid(-z) = 1 - sigmoid(z)", points=0.5,
      relational=True, forbid_warnings=True, given={"z": sigmoid_inputs()},
      examples=[{"z": EXTREMES}],
      hint="σ(-z) = e/(1 + e) and 1 - σ(z) = 1 - 1/(1 + e) with e = exp(-z) are the same "
           "number: both branches of a piecewise sigmoid must meet at z = 0.")
def sigmoid_symmetric(z):
    s, t = (yield [student.sigmoid(z), student.sigmoid(-z)])
    s = compare.array(s, "sigmoid(z)", shape=z.shape)
    t = compare.array(t, "sigmoid(-z)", shape=z.shape)
    # values in [0, 1]: each side within a few roundings of 1 of the exact σ, 1 - s one more
    compare.within(t, 1.0 - s, "sigmoid(-z) vs 1 - sigmoid(z)", scale=1.0, ulps=16)


@prop("backprop.sigmoid_derivative", "equals σ(z)(1 - σ(z)) as torch.autograd computes it, "
      "finite for |z| up to 1e4", points=1, given={"z": sigmoid_inputs()},
      examples=[{"z": EXTREMES}],
      expect=lambda z: _torch_sigmoid_grad(z),
      hint="σ'(z) = σ(z)·(1 - σ(z)) uses the sigmoid's value, not z itself; compute it from a "
           "sigmoid that never overflows.")
def sigmoid_derivative_matches_autograd(z, expected):
    got = compare.array((yield student.sigmoid_derivative(z)), "sigmoid_derivative(z)",
                        shape=z.shape)
    # σ(z)(1 - σ(z)) in float64 is accurate to an absolute 2**-53 (1 - σ rounds near 1)
    compare.close(got, expected, "sigmoid_derivative(z)", rtol=1e-9, atol=5e-16)


def _torch_sigmoid_grad(z):
    s = oracles.tensor(z, grad=True)
    oracles.torch().sigmoid(s).sum().backward()
    return oracles.numpy(s.grad)


# --- forward pass -----------------------------------------------------------------------

LECTURE_NET = {"params": [(np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.0, -1.0])),
                          (np.array([[2.0, -3.0]]), np.array([0.5]))],
               "x": np.array([[1.0, 2.0], [-1.0, 0.0], [0.0, 0.0]]),
               "y": np.array([[1.0], [0.0], [-1.0]])}


@prop("backprop.forward_pass", "returns [a_0, ..., a_L] equal to a torch forward pass "
      "(sigmoid hidden layers, linear output)", points=2,
      given=mlp_inputs(), examples=[LECTURE_NET],
      expect=lambda params, x, y: torch_activations(params, x),
      hint="z_l = a_{l-1} @ W_l.T + b_l with x one sample per row; the sigmoid is applied on "
           "hidden layers only (the output layer is linear); the list starts with a_0 = x.")
def forward_pass_matches_torch(params, x, y, expected):
    got = compare.sequence((yield student.forward_pass(params, x)), "forward_pass(params, x)",
                           length=len(params) + 1)
    for l, (a, e) in enumerate(zip(got, expected)):
        a = compare.array(a, f"forward_pass(params, x)[{l}] (a_{l})", shape=e.shape)
        # another order of the sums (loops, einsum) or sigmoid form errs by a few ulps of
        # |W||a| + |b| <= 14 per layer, carried on by |W|·width·σ' <= 1.5: ~1e-14 after 3
        # layers; 1e-12 + 1e-9 relative leaves 100x (measured: every variant below 1%)
        compare.close(a, e, f"forward_pass(params, x)[{l}] (a_{l})", rtol=1e-9, atol=1e-12)


# --- backward pass ----------------------------------------------------------------------

def _grad_atol(grads: list[tuple]) -> float:
    # torch and NumPy sum δ_lᵀ a_{l-1} in different orders: a few ulps of the largest
    # gradient per layer; 1e-10 of it (~1e6 ulps) also absorbs torch's own sigmoid
    return 1e-10 * (1.0 + max(float(np.max(np.abs(g), initial=0.0)) for p in grads for g in p))


@prop("backprop.backward_pass", "returns [(dC/dW_l, dC/db_l)] equal to torch.autograd's "
      "gradients of C = 0.5·sum((a_L - y)²)", points=2,
      given=mlp_inputs(), examples=[LECTURE_NET],
      expect=lambda params, x, y: torch_gradients(params, x, y),
      hint="δ_L = a_L - y (summed loss, no 1/N); dW_l = δ_lᵀ a_{l-1} has W_l's shape "
           "(out, in); db_l sums δ_l over the samples; δ_{l-1} = (δ_l @ W_l) * σ'(z_{l-1}).")
def backward_pass_matches_autograd(params, x, y, expected):
    got = check_gradient_structure((yield student.backward_pass(params, x, y)),
                                   params, "backward_pass(params, x, y)")
    atol = _grad_atol(expected)
    for l, ((dW, db), (eW, eb)) in enumerate(zip(got, expected)):
        compare.close(dW, eW, grad_name(l, "W"), rtol=1e-9, atol=atol)
        compare.close(db, eb, grad_name(l, "b"), rtol=1e-9, atol=atol)


@prop("backprop.backward_pass", "passes a gradient check: agrees with central differences of "
      "C on square layers", points=1,
      given=square_mlp_problems(), examples=[
          {"params": [(np.array([[0.5, -1.0], [1.5, 0.25]]), np.array([0.1, -0.2])),
                      (np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([0.0, 0.3]))],
           "x": np.array([[1.0, -1.0], [0.5, 2.0]]), "y": np.array([[0.0, 1.0], [1.0, 0.0]])}],
      expect=lambda params, x, y: torch_central_differences(params, x, y),
      hint="With square layers a transposed dW has the right shape but not the right values: "
           "dC/dW_l[i, j] is the derivative with respect to W_l[i, j], output i, input j.")
def backward_pass_gradient_check(params, x, y, expected):
    got = check_gradient_structure((yield student.backward_pass(params, x, y)),
                                   params, "backward_pass(params, x, y)")
    # h = 1e-6: rounding error about 20·eps_machine·C / h, truncation far below that
    atol = 1e-7 + 1e-8 * expected["C"]
    for l, ((dW, db), (eW, eb)) in enumerate(zip(got, expected["grads"])):
        compare.close(dW, eW, grad_name(l, "W") + " vs central differences",
                      rtol=1e-6, atol=atol)
        compare.close(db, eb, grad_name(l, "b") + " vs central differences",
                      rtol=1e-6, atol=atol)


# --- numerical gradient -----------------------------------------------------------------

@prop("backprop.numerical_gradient", "is close to the exact gradient of smooth functions "
      "(quadratics, sines) for theta of shape (n,) and (a, b)", points=1.5,
      given=smooth_functions(),
      examples=[{"theta": np.array([0.5, -1.0]), "A": np.array([[3.0, 1.0], [1.0, -2.0]]),
                 "b": np.array([1.0, 0.0]), "V": np.array([[2.0, -1.0]]),
                 "alpha": np.array([1.0]), "phi": np.array([0.0]), "eps": 1e-2},
                {"theta": np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]),
                 "A": np.eye(6) * 2.0, "b": np.arange(6.0), "V": np.ones((1, 6)),
                 "alpha": np.array([1.5]), "phi": np.array([0.3]), "eps": None}],
      expect=smooth_gradient,
      hint="g_i = (f(θ + eps·e_i) - f(θ - eps·e_i)) / (2·eps) for every entry i of θ, "
           "whatever θ's shape (np.ndindex walks all entries); return θ's shape.")
def numerical_gradient_close_to_exact(theta, A, b, V, alpha, phi, eps, expected):
    f = smooth_function(theta, A, b, V, alpha, phi)
    call = (student.numerical_gradient(f, theta) if eps is None
            else student.numerical_gradient(f, theta, eps=eps))
    what = "numerical_gradient(f, theta" + ("" if eps is None else f", eps={eps:g}") + ")"
    got = compare.array((yield call), what, shape=theta.shape)
    compare.close(got, expected["grad"], f"{what} vs the exact gradient", rtol=1e-9,
                  atol=expected["atol"])


@st.composite
def polynomial_cases(draw: Any) -> dict[str, Any]:
    """f(θ) = ½ tᵀAt + b·t, plus Σ cubic_i·t_i³ when ``cubic`` is not None (t = θ flattened),
    at theta of shape (n,) or (a, b), with a large eps in [1e-3, 0.5].  Shrinks to a
    quadratic in one variable with eps = 0.5."""
    case = draw(smooth_functions())
    cubic = draw(gen.arrays((case["b"].size,), -2.0, 2.0)) if draw(st.booleans()) else None
    return {"theta": case["theta"], "A": case["A"], "b": case["b"], "cubic": cubic,
            "eps": draw(st.sampled_from([0.5, 0.1, 1e-2, 1e-3]))}


def central_polynomial(theta, A, b, cubic, eps) -> dict[str, Any]:
    """What central differences give on a ``polynomial_cases`` function at any eps: the
    exact gradient of the quadratic, and 3·c·t² + c·eps² for each cube c·t³, up to rounding
    (about eps_machine·|f| / eps)."""
    u = np.ravel(theta)
    grad = A @ u + b
    r = np.abs(u) + eps
    scale = 1.0 + 0.5 * r @ np.abs(A) @ r + np.abs(b) @ r
    if cubic is not None:
        grad = grad + 3 * cubic * u ** 2 + cubic * eps ** 2
        scale += np.abs(cubic) @ r ** 3
    return {"grad": grad.reshape(np.shape(theta)), "atol": 16 * F64_EPS * scale / eps + 1e-12}


@prop("backprop.numerical_gradient", "uses central differences with the given eps "
      "(exact on quadratics for any eps) and calls f about twice per entry", points=1,
      given=polynomial_cases(),
      examples=[{"theta": np.array([1.0, -2.0]), "A": np.array([[4.0, 1.0], [1.0, 2.0]]),
                 "b": np.array([0.5, -1.0]), "cubic": None, "eps": 0.5},
                {"theta": np.array([[1.0], [2.0]]), "A": np.zeros((2, 2)), "b": np.zeros(2),
                 "cubic": np.array([1.0, -1.0]), "eps": 0.1}],
      expect=central_polynomial,
      hint="A central difference (f(θ + eps·e_i) - f(θ - eps·e_i)) / (2·eps) has no error on "
           "a quadratic whatever eps is; a one-sided (f(θ + eps·e_i) - f(θ)) / eps is off by "
           "eps/2 times the curvature.  Use the eps argument, and 2 calls of f per entry.")
def numerical_gradient_is_central(theta, A, b, cubic, eps, expected):
    calls = [0]
    shape = np.shape(theta)

    def f(t):
        calls[0] += 1
        if np.shape(t) != shape:
            raise ValueError(f"f expects an array of theta's shape {shape}, got shape "
                             f"{np.shape(t)}")
        u = np.ravel(t)
        return float(0.5 * u @ A @ u + b @ u + (0.0 if cubic is None else cubic @ u ** 3))

    what = f"numerical_gradient(f, theta, eps={eps:g})"
    got = compare.array((yield student.numerical_gradient(f, theta, eps=eps)), what,
                        shape=theta.shape)
    compare.close(got, expected["grad"], what, rtol=1e-9, atol=expected["atol"])
    limit = 4 * theta.size + 4
    compare.holds(calls[0] <= limit,
                  f"numerical_gradient called f {calls[0]} times for a theta of {theta.size} "
                  f"entries; central differences need 2 per entry (at most {limit} accepted)",
                  hint="Evaluate f at θ ± eps·e_i once each and reuse the values.")
