"""The mutants (one plausible bug each) of the ``backprop`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog
from reference.backprop import forward_pass, sigmoid, sigmoid_derivative

catalog = Catalog("backprop")


@catalog.mutant(
    "backward_pass",
    "backward pass without σ′ when propagating δ",
    misconception="your backward pass propagates δ through the weights but not through "
    "the sigmoid of the hidden layer: δ_{l-1} needs the factor "
    "σ'(z_{l-1}) — see the δ_{l-1} line of the docstring",
)
def backward_missing_sigmoid_prime(params, x, y):
    acts = forward_pass(params, x)
    delta = acts[-1] - np.asarray(y, dtype=np.float64)
    grads = []
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=np.float64)
        a_prev = acts[l - 1]
        grads.append((delta.T @ a_prev, delta.sum(axis=0)))
        if l > 1:
            delta = delta @ W
    grads.reverse()
    return grads


@catalog.mutant(
    "backward_pass",
    "weight gradient transposed (a_prevᵀ δ instead of δᵀ a_prev)",
    misconception="your weight gradients are transposed: dC/dW_l must have W_l's shape "
    "(out, in), entry [i, j] pairing output i with input j — with square "
    "layers the shape is right but the values are not (see dC/dW_l in "
    "the docstring)",
)
def backward_transposed_weight_gradient(params, x, y):
    acts = forward_pass(params, x)
    delta = acts[-1] - np.asarray(y, dtype=np.float64)
    grads = []
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=np.float64)
        a_prev = acts[l - 1]
        grads.append((a_prev.T @ delta, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * a_prev * (1.0 - a_prev)
    grads.reverse()
    return grads


@catalog.mutant(
    "backward_pass",
    "output error 2(a_L - y): the ½ of the loss forgotten",
    misconception="your gradients are exactly twice too large: C = 0.5·sum((a_L - y)²) "
    "has the ½ that cancels the 2 of the square, so δ_L = a_L - y",
)
def backward_missing_half(params, x, y):
    acts = forward_pass(params, x)
    delta = 2.0 * (acts[-1] - np.asarray(y, dtype=np.float64))
    grads = []
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=np.float64)
        a_prev = acts[l - 1]
        grads.append((delta.T @ a_prev, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * a_prev * (1.0 - a_prev)
    grads.reverse()
    return grads


@catalog.mutant(
    "backward_pass",
    "gradient of the batch mean instead of the sum",
    misconception="your gradients are divided by the batch size: C is summed over the "
    "samples, not averaged (unlike torch's MSELoss default)",
)
def backward_mean_over_batch(params, x, y):
    acts = forward_pass(params, x)
    delta = (acts[-1] - np.asarray(y)) / len(acts[0])
    grads = []
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=np.float64)
        a_prev = acts[l - 1]
        grads.append((delta.T @ a_prev, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * a_prev * (1.0 - a_prev)
    grads.reverse()
    return grads


@catalog.mutant("backward_pass", "σ′ evaluated at the activation a instead of at z")
def backward_sigma_prime_of_activation(params, x, y):
    acts = forward_pass(params, x)
    delta = acts[-1] - np.asarray(y, dtype=np.float64)
    grads = []
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=np.float64)
        a_prev = acts[l - 1]
        grads.append((delta.T @ a_prev, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * sigmoid_derivative(a_prev)
    grads.reverse()
    return grads


@catalog.mutant("backward_pass", "bias gradient averaged over the batch instead of summed")
def backward_bias_mean(params, x, y):
    acts = forward_pass(params, x)
    delta = acts[-1] - np.asarray(y, dtype=np.float64)
    grads = []
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=np.float64)
        a_prev = acts[l - 1]
        grads.append((delta.T @ a_prev, delta.mean(axis=0)))
        if l > 1:
            delta = (delta @ W) * a_prev * (1.0 - a_prev)
    grads.reverse()
    return grads


@catalog.mutant(
    "forward_pass",
    "forward pass applies the sigmoid on the output layer too",
    isolated=True,
    misconception="your forward pass squashes the output layer with the sigmoid: the "
    "last layer is linear, a_L = z_L (see the docstring)",
)
def forward_sigmoid_on_output(params, x):
    acts = [np.array(x, dtype=np.float64)]
    for W, b in params:
        acts.append(sigmoid(acts[-1] @ np.asarray(W).T + np.asarray(b)))
    return acts


@catalog.mutant(
    "forward_pass",
    "z = a @ W + b (the column-vector formula applied to rows)",
    isolated=True,
    misconception="your forward pass multiplies by W instead of Wᵀ: with one sample "
    "per row, z_l = a_{l-1} @ W_l.T + b_l (W has shape (out, in))",
)
def forward_weight_not_transposed(params, x):
    acts = [np.array(x, dtype=np.float64)]
    for l, (W, b) in enumerate(params):
        z = acts[-1] @ np.asarray(W) + np.asarray(b)
        acts.append(z if l == len(params) - 1 else sigmoid(z))
    return acts


@catalog.mutant(
    "sigmoid",
    "sigmoid as exp(z) / (1 + exp(z)): nan for z above ~709",
    isolated=True,
    misconception="your sigmoid computes exp(z) (or exp(-z)) of a large |z|, which "
    "overflows to inf and gives inf/inf = nan; the docstring's stable "
    "form only ever exponentiates -|z|",
)
def sigmoid_exp_ratio(z):
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(z) / (1.0 + np.exp(z))


@catalog.mutant("sigmoid", "sigmoid of z clipped to [-30, 30]", isolated=True)
def sigmoid_clipped(z):
    z = np.clip(np.asarray(z, dtype=np.float64), -30.0, 30.0)
    return 1.0 / (1.0 + np.exp(-z))


# caught only where the worker enforces forbid_warnings (SPEC: "no overflow
# warnings for large |z|").  No misconception: diagnosis compares values, and these
# equal the reference's, so it would name this for any near-miss sigmoid
@catalog.mutant(
    "sigmoid",
    "the textbook 1 / (1 + exp(-z)): right values, overflow warnings below -709",
    isolated=True,
)
def sigmoid_textbook_overflow(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


@catalog.mutant(
    "sigmoid_derivative",
    "σ′(z) computed as z(1 - z)",
    misconception="your sigmoid_derivative plugs z into s(1 - s); the formula needs s "
    "= σ(z), the sigmoid's value",
)
def sigmoid_derivative_of_z(z):
    z = np.asarray(z, dtype=np.float64)
    return z * (1.0 - z)


@catalog.mutant("sigmoid_derivative", "σ′ as exp(-z) / (1 + exp(-z))²: nan for z below ~-709")
def sigmoid_derivative_naive_overflow(z):
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-z)
        return e / (1.0 + e) ** 2


@catalog.mutant(
    "numerical_gradient",
    "forward (one-sided) differences",
    misconception="your numerical gradient uses a one-sided difference (f(θ + eps·e_i) "
    "- f(θ)) / eps, whose error is eps/2 times the curvature; the "
    "docstring's central difference steps both ways",
)
def numerical_gradient_one_sided(f, theta, eps=1e-6):
    point = np.array(theta, dtype=np.float64)
    f0 = float(f(point.copy()))
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        moved = point.copy()
        moved[i] += eps
        grad[i] = (float(f(moved)) - f0) / eps
    return grad


@catalog.mutant("numerical_gradient", "result flattened to shape (theta.size,)")
def numerical_gradient_flat_result(f, theta, eps=1e-6):
    point = np.array(theta, dtype=np.float64)
    grad = np.zeros(point.size)
    for k in range(point.size):
        i = np.unravel_index(k, point.shape)
        up, down = point.copy(), point.copy()
        up[i] += eps
        down[i] -= eps
        grad[k] = (float(f(up)) - float(f(down))) / (2 * eps)
    return grad


@catalog.mutant("numerical_gradient", "step size fixed at 1e-6 whatever eps is given")
def numerical_gradient_ignores_eps(f, theta, eps=1e-6):
    point = np.array(theta, dtype=np.float64)
    h = 1e-6
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (float(f(up)) - float(f(down))) / (2 * h)
    return grad


MUTANTS = catalog.mutants
