"""The backprop lab's judge-side functions: the smooth functions handed to
``numerical_gradient`` with their exact gradients, the torch oracles of the network, and the
check of a returned gradient's structure.

Never student code: ``expect=`` and the checks call these in the judge's process.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders import compare, oracles
from graders.sandbox.kinds import DataFunction

F64_EPS = float(np.finfo(np.float64).eps)  # 2.2e-16


# --- the smooth functions of numerical_gradient -----------------------------------------


def smooth_function(theta, A, b, V, alpha, phi) -> DataFunction:
    """The callback f of a ``smooth_functions`` case: f(θ) = ½ tᵀAt + b·t + alpha·sin(Vt + phi),
    t = θ flattened, for θ of theta's shape only (kind ``"smooth"``; numerical_gradient calls
    it twice per entry, and the worker evaluates those calls itself)."""
    return DataFunction("smooth", shape=list(np.shape(theta)), A=A, b=b, V=V, alpha=alpha, phi=phi)


def smooth_gradient(theta, A, b, V, alpha, phi, eps) -> dict[str, Any]:
    """The exact gradient of ``smooth_function`` and the finite-difference tolerance.

    Central differences err by rounding, about eps_machine·|f| / eps per entry (|f| bounded
    by the sum of the absolute terms of f), plus truncation eps²/6·|f'''| with
    |f'''| <= Σ|alpha_k|·max|V_k|³.
    """
    u = np.ravel(theta)
    grad = A @ u + b + (alpha * np.cos(V @ u + phi)) @ V
    h = 1e-6 if eps is None else eps
    scale = (
        1.0
        + 0.5 * np.abs(u) @ np.abs(A) @ np.abs(u)
        + np.abs(b) @ np.abs(u)
        + float(np.sum(np.abs(alpha)))
    )
    third = float(np.sum(np.abs(alpha) * np.max(np.abs(V), axis=1, initial=0.0) ** 3))
    atol = 16 * F64_EPS * scale / h + h * h * third / 3 + 1e-12
    return {"grad": grad.reshape(np.shape(theta)), "atol": atol}


def central_polynomial(theta, A, b, cubic, eps) -> dict[str, Any]:
    """What central differences give on a ``polynomial_cases`` function at any eps: the
    exact gradient of the quadratic, and 3·c·t² + c·eps² for each cube c·t³, up to rounding
    (about eps_machine·|f| / eps)."""
    u = np.ravel(theta)
    grad = A @ u + b
    r = np.abs(u) + eps
    scale = 1.0 + 0.5 * r @ np.abs(A) @ r + np.abs(b) @ r
    if cubic is not None:
        grad = grad + 3 * cubic * u**2 + cubic * eps**2
        scale += np.abs(cubic) @ r**3
    return {"grad": grad.reshape(np.shape(theta)), "atol": 16 * F64_EPS * scale / eps + 1e-12}


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


def torch_central_differences(
    params: list, x: np.ndarray, y: np.ndarray, h: float = 1e-6
) -> dict[str, Any]:
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


def torch_sigmoid_grad(z):
    """dσ/dz by torch.autograd."""
    s = oracles.tensor(z, grad=True)
    oracles.torch().sigmoid(s).sum().backward()
    return oracles.numpy(s.grad)


# --- the student's gradients ------------------------------------------------------------


def grad_name(l: int, which: str) -> str:
    """How the student's gradient of layer l + 1 is named in feedback."""
    return (
        f"backward_pass(params, x, y)[{l}][{0 if which == 'W' else 1}] "
        f"(dC/d{which} of layer {l + 1})"
    )


def check_gradient_structure(got: Any, params: list, what: str) -> list[tuple]:
    """The student's [(dW, db)] as plain arrays, after checking the structure and shapes."""
    got = compare.sequence(got, what, length=len(params))
    pairs = []
    for l, (item, (W, b)) in enumerate(zip(got, params)):
        dW, db = compare.sequence(item, f"{what}[{l}]", length=2)
        pairs.append(
            (
                compare.array(dW, grad_name(l, "W"), shape=W.shape),
                compare.array(db, grad_name(l, "b"), shape=b.shape),
            )
        )
    return pairs


def grad_atol(grads: list[tuple]) -> float:
    # torch and NumPy sum δ_lᵀ a_{l-1} in different orders: a few ulps of the largest
    # gradient per layer; 1e-10 of it (~1e6 ulps) also absorbs torch's own sigmoid
    return 1e-10 * (1.0 + max(float(np.max(np.abs(g), initial=0.0)) for p in grads for g in p))
