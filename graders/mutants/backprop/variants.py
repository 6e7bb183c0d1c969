"""The correct variants (written differently) of the ``backprop`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog
from reference.backprop import forward_pass, sigmoid, sigmoid_derivative

catalog = Catalog("backprop")


@catalog.variant("sigmoid", "σ(z) = exp(-log(1 + exp(-z))) through np.logaddexp")
def sigmoid_logaddexp(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


@catalog.variant("sigmoid", "σ(z) = (1 + tanh(z/2)) / 2")
def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


@catalog.variant("sigmoid_derivative", "σ′ as the literal sigmoid(z) * (1 - sigmoid(z))")
def sigmoid_derivative_literal(z):
    s = sigmoid(z)
    return s * (1.0 - s)


@catalog.variant(
    "forward_pass", "forward pass one sample at a time with W @ a (the lecture's column form)"
)
def forward_pass_per_sample(params, x):
    x = np.asarray(x, dtype=np.float64)
    acts = [x.copy()]
    rows = [x[n] for n in range(x.shape[0])]
    for l, (W, b) in enumerate(params):
        rows = [np.asarray(W) @ a + np.asarray(b) for a in rows]
        if l < len(params) - 1:
            rows = [sigmoid(z) for z in rows]
        acts.append(np.array(rows).reshape(x.shape[0], np.shape(W)[0]))
    return acts


@catalog.variant(
    "backward_pass",
    "backward pass accumulating outer products per sample, σ′ from stored z, "
    "returning [dW, db] lists",
)
def backward_pass_per_sample_lists(params, x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    grads = [[np.zeros(np.shape(W)), np.zeros(np.shape(b))] for W, b in params]
    for n in range(x.shape[0]):
        acts, zs = [x[n]], []
        for l, (W, b) in enumerate(params):
            zs.append(np.asarray(W) @ acts[-1] + np.asarray(b))
            acts.append(zs[-1] if l == len(params) - 1 else sigmoid(zs[-1]))
        delta = acts[-1] - y[n]
        for l in range(len(params) - 1, -1, -1):
            grads[l][0] += np.outer(delta, acts[l])
            grads[l][1] += delta
            if l > 0:
                delta = (np.asarray(params[l][0]).T @ delta) * sigmoid_derivative(zs[l - 1])
    return grads


@catalog.variant(
    "numerical_gradient",
    "central differences over a flattened copy, perturbation vectors from np.eye",
)
def numerical_gradient_flat_views(f, theta, eps=1e-6):
    theta = np.asarray(theta, dtype=np.float64)
    flat = theta.ravel().copy()
    basis = np.eye(flat.size) * eps
    grad = np.array(
        [
            (float(f((flat + e).reshape(theta.shape))) - float(f((flat - e).reshape(theta.shape))))
            / (2 * eps)
            for e in basis
        ]
    )
    return grad.reshape(theta.shape)


@catalog.variant("sigmoid", "σ piecewise by boolean masks, each branch exponentiating only -|z|")
def sigmoid_piecewise_masked(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


@catalog.variant("sigmoid", "σ(z) = exp(min(z, 0)) / (1 + exp(-|z|)) in one expression")
def sigmoid_exp_of_min(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(np.minimum(z, 0.0)) / (1.0 + np.exp(-np.abs(z)))


@catalog.variant("sigmoid_derivative", "σ′(z) = σ(z)·σ(-z) (1 - σ(z) written as σ(-z))")
def sigmoid_derivative_sigmoid_of_minus_z(z):
    z = np.asarray(z, dtype=np.float64)
    return sigmoid(z) * sigmoid(-z)


@catalog.variant("sigmoid_derivative", "σ′(z) = ¼·(1 - tanh²(z/2)), the sech² form")
def sigmoid_derivative_sech2(z):
    t = np.tanh(0.5 * np.asarray(z, dtype=np.float64))
    return 0.25 * (1.0 - t * t)


@catalog.variant(
    "forward_pass", "forward pass with np.einsum for the affine step, σ through np.tanh"
)
def forward_pass_einsum(params, x):
    acts = [np.array(x, dtype=np.float64)]
    for l, (W, b) in enumerate(params):
        z = np.einsum("ni,oi->no", acts[-1], np.asarray(W, dtype=np.float64)) + b
        acts.append(z if l == len(params) - 1 else 0.5 * (1.0 + np.tanh(0.5 * z)))
    return acts


def _layers(params, a):
    if not params:
        return (a,)
    W, b = params[0]
    z = a @ np.transpose(W) + b
    return (a,) + _layers(params[1:], z if len(params) == 1 else sigmoid(z))


@catalog.variant(
    "forward_pass", "forward pass by recursion over the layers, a tuple of arrays returned"
)
def forward_pass_recursive(params, x):
    return list(_layers(list(params), np.array(x, dtype=np.float64)))


@catalog.variant(
    "backward_pass", "all δ_l stored in a list first, then dW by np.einsum and db by a loop sum"
)
def backward_pass_deltas_list_einsum(params, x, y):
    acts = forward_pass(params, x)
    L = len(params)
    deltas = [None] * L
    deltas[-1] = acts[-1] - np.asarray(y, dtype=np.float64)
    for l in range(L - 2, -1, -1):
        a = acts[l + 1]
        deltas[l] = deltas[l + 1] @ np.asarray(params[l + 1][0]) * (a - a * a)
    grads = []
    for l in range(L):
        db = np.zeros(deltas[l].shape[1])
        for row in deltas[l]:
            db = db + row
        grads.append((np.einsum("no,ni->oi", deltas[l], acts[l]), db))
    return grads


def _backprop(params, a, y):
    W, b = (np.asarray(p, dtype=np.float64) for p in params[0])
    z = a @ W.T + b
    if len(params) == 1:
        delta = z - y
        return delta @ W, [(delta.T @ a, delta.sum(axis=0))]
    up, grads = _backprop(params[1:], sigmoid(z), y)
    delta = up * sigmoid_derivative(z)
    return delta @ W, [(delta.T @ a, delta.sum(axis=0))] + grads


@catalog.variant(
    "backward_pass",
    "backward pass by recursion: each layer returns its input's δ and the gradients above it",
)
def backward_pass_recursive(params, x, y):
    return _backprop(
        list(params), np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )[1]


@catalog.variant(
    "numerical_gradient", "central differences walking theta with np.nditer's multi_index"
)
def numerical_gradient_nditer(f, theta, eps=1e-6):
    theta = np.asarray(theta, dtype=np.float64)
    grad = np.empty(theta.shape)
    it = np.nditer(theta, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / (2 * eps)
    return grad


@catalog.variant("numerical_gradient", "central differences by flat index into reshaped copies")
def numerical_gradient_flat_index(f, theta, eps=1e-6):
    theta = np.array(theta, dtype=np.float64)
    grad = np.zeros(theta.size)
    for k in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up.reshape(-1)[k] += eps
        down.reshape(-1)[k] -= eps
        grad[k] = (float(f(up)) - float(f(down))) / (2.0 * eps)
    return grad.reshape(theta.shape)


VARIANTS = catalog.variants
