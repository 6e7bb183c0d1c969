"""Backpropagation: gradient descent, the chain rule, forward pass and backward pass.

Lecture summary. Gradient descent needs dC/dθ for every weight of the network.  The chain
rule splits it in two passes over the layers:

* the forward pass computes and keeps every layer's activations a_0 = x, a_1, ..., a_L;
* the backward pass starts from the output error δ_L = dC/dz_L and carries it back one
  layer at a time, δ_{l-1} = (δ_l @ W_l) * σ'(z_{l-1}); each layer's gradients are then
  dC/dW_l = δ_lᵀ a_{l-1} and dC/db_l = Σ_samples δ_l.

Conventions (SPEC.md, "backprop"): ``params`` is a list of ``(W, b)`` pairs with ``W`` of
shape ``(out, in)`` and ``b`` of shape ``(out,)``; a batch ``x`` has shape ``(N, in)`` with
one sample per row, so ``z_l = a_{l-1} @ W_l.T + b_l`` (PyTorch's ``nn.Linear`` layout).
Hidden layers use the sigmoid, the output layer is linear, and the loss is summed (not
averaged) over the batch: ``C = 0.5 * sum((a_L - y)**2)``.  The lecture writes one sample
as a column vector, ``z = W a + b``; the batch-as-rows form here is its transpose.

``numerical_gradient`` is the finite-difference check every backward pass is graded
against.  All arrays are float64 and no function modifies its inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Params = list[tuple[Array, Array]]


def sigmoid(z: ArrayLike) -> Array:
    """Logistic function σ(z) = 1 / (1 + exp(-z)), elementwise.

    Returns a new float64 array of ``z``'s shape; ``z`` is not modified.

    Numerically stable: with e = exp(-|z|) (which lies in [0, 1], so it never overflows)
    σ(z) = 1 / (1 + e) for z >= 0 and σ(z) = e / (1 + e) for z < 0.  The textbook form
    evaluates exp(-z), which overflows (RuntimeWarning) for z below about -709; this form
    raises no overflow warning for any |z|, including 1e4 and ±inf.  For z below about -745
    the exact value is smaller than the smallest float64 and the result is 0.0 (an
    underflow, which NumPy ignores by default), just as ``torch.sigmoid`` returns.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    s: Array = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s
    ### END SOLUTION


def sigmoid_derivative(z: ArrayLike) -> Array:
    """Derivative of the sigmoid, σ'(z) = σ(z) (1 - σ(z)), elementwise.

    Returns a new float64 array of ``z``'s shape; ``z`` is not modified.

    Computed as e / (1 + e)² with e = exp(-|z|), which equals σ(z)(1 - σ(z)) exactly in
    real arithmetic (σ' is even in z) but keeps full relative accuracy in the tails: the
    literal σ(z) * (1 - σ(z)) rounds 1 - σ(z) to 0 once z > ~37.  The two agree within an
    absolute 2**-53 ≈ 1.1e-16 everywhere, which is how PyTorch's sigmoid backward
    (grad * (1 - y) * y) compares too.  No overflow warnings for any |z|.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    ds: Array = e / (1.0 + e) ** 2
    return ds
    ### END SOLUTION


def forward_pass(params: Params, x: ArrayLike) -> list[Array]:
    """Activations of every layer, ``[a_0, a_1, ..., a_L]``.

    For l = 1..L: z_l = a_{l-1} @ W_l.T + b_l;  a_l = σ(z_l) for l < L, a_L = z_L.

    ``x`` has shape ``(N, in)`` (N >= 1, one sample per row); a_l has shape ``(N, out_l)``.
    The list has L + 1 float64 arrays; a_0 is a float64 copy of ``x`` (equal values).
    The output layer is linear (no sigmoid), as the regression loss of ``backward_pass``
    expects.  Neither ``params`` nor ``x`` is modified.
    """
    ### BEGIN SOLUTION
    activations = [np.array(x, dtype=np.float64)]
    last = len(params) - 1
    for l, (W, b) in enumerate(params):
        # affine step of layer l + 1, then the nonlinearity on hidden layers only
        z = activations[-1] @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
        activations.append(z if l == last else sigmoid(z))
    return activations
    ### END SOLUTION


def backward_pass(params: Params, x: ArrayLike, y: ArrayLike) -> list[tuple[Array, Array]]:
    """Gradients ``[(dC/dW_l, dC/db_l) for l = 1..L]`` of C = 0.5 * sum((a_L - y)**2).

    ``y`` has the output's shape ``(N, out_L)``.  C is summed over samples and outputs (not
    a mean, unlike ``torch.nn.MSELoss``'s default), so the gradients are sums over the batch.

    Backward pass, with δ_l = dC/dz_l of shape ``(N, out_l)``:
        δ_L = a_L - y                                  (linear output)
        dC/dW_l = δ_lᵀ a_{l-1}   (out_l, in_l)     dC/db_l = Σ_rows δ_l   (out_l,)
        δ_{l-1} = (δ_l @ W_l) * a_{l-1} (1 - a_{l-1})    (σ' from the stored activation)

    Returns a list of float64 tuples with exactly the shapes of ``params``.  No input is
    modified.
    """
    ### BEGIN SOLUTION
    activations = forward_pass(params, x)
    delta = activations[-1] - np.asarray(y, dtype=np.float64)  # dC/dz_L
    grads: list[tuple[Array, Array]] = []
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=np.float64)
        a_prev = activations[l - 1]
        # gradients of layer l from its error signal and its input
        grads.append((delta.T @ a_prev, delta.sum(axis=0)))
        # propagate delta back through layer l and the sigmoid of layer l - 1
        if l > 1:
            delta = (delta @ W) * a_prev * (1.0 - a_prev)
    grads.reverse()
    return grads
    ### END SOLUTION


def numerical_gradient(f: Callable[[Array], float], theta: ArrayLike, eps: float = 1e-6) -> Array:
    """Central-difference gradient of the scalar function ``f`` at ``theta``.

    For every entry i:  g_i = (f(θ + eps·e_i) - f(θ - eps·e_i)) / (2 eps).

    ``theta`` may have any shape; the result is a float64 array of that shape.  ``f`` is
    called 2·θ.size times, each time on a fresh float64 copy of ``theta`` with one entry
    moved, so neither ``theta`` nor the working point can be modified by ``f``.  The error is O(eps²) from truncation plus about
    eps_machine·|f| / eps from rounding (≈ 1e-10·|f| at the default eps), which is why
    gradient checks compare with a relative error around 1e-7, not exact equality.
    """
    ### BEGIN SOLUTION
    point = np.array(theta, dtype=np.float64)
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        original = point[i]
        # evaluate f one step either side of theta along coordinate i
        point[i] = original + eps
        f_plus = float(f(point.copy()))
        point[i] = original - eps
        f_minus = float(f(point.copy()))
        point[i] = original
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad
    ### END SOLUTION
