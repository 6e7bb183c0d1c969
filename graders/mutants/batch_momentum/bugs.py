"""The mutants (one plausible bug each) of the ``batch_momentum`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog
from reference.batch_momentum import momentum_step

catalog = Catalog("batch_momentum")


# --- shuffled_batches ---------------------------------------------------------------
@catalog.mutant(
    "shuffled_batches",
    "the same permutation every epoch (a fixed seed, `seed` ignored)",
    misconception="your batches are shuffled once but come out the same for every "
    "seed, so every epoch sees the same batches in the same order; the "
    "docstring asks for a new order for each seed (a new epoch is a new "
    "seed)",
)
def shuffle_ignores_seed(n, batch_size, seed):
    order = np.random.default_rng(0).permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


@catalog.mutant("shuffled_batches", "no shuffle: batches of 0..n-1 in order")
def shuffle_missing(n, batch_size, seed):
    order = np.arange(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


@catalog.mutant(
    "shuffled_batches",
    "shuffles the order of fixed batches, not the samples",
    misconception="you shuffle the order of the batches but each batch always holds "
    "the same samples (0..b-1, b..2b-1, ...); shuffle the sample indices "
    "themselves and then cut them into batches, as the docstring says",
)
def shuffle_batch_order_only(n, batch_size, seed):
    fixed = [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    order = np.random.default_rng(seed).permutation(len(fixed))
    return [fixed[i] for i in order]


@catalog.mutant(
    "shuffled_batches",
    "drops the last, shorter batch",
    misconception="your last batch goes missing when batch_size does not divide n, so "
    "some samples are never used in the epoch; keep the shorter last "
    "batch (the docstring: every index exactly once)",
)
def shuffle_drops_last_partial(n, batch_size, seed):
    order = np.random.default_rng(seed).permutation(n)
    return [order[i : i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


@catalog.mutant(
    "shuffled_batches",
    "np.array_split into ceil(n / batch_size) near-equal pieces",
    misconception="np.array_split(order, k) with a number k makes k pieces of nearly "
    "equal size, so your batches are not batch_size long (e.g. 4, 3, 3 "
    "for n = 10, batch_size = 4); every batch but the last must have "
    "exactly batch_size indices — split at the indices batch_size, "
    "2*batch_size, ...",
)
def shuffle_array_split_equal_parts(n, batch_size, seed):
    order = np.random.default_rng(seed).permutation(n)
    return np.array_split(order, -(-n // batch_size))


# --- sgd_step -----------------------------------------------------------------------
@catalog.mutant(
    "sgd_step",
    "θ + lr·grad (gradient ascent)",
    misconception="your SGD step moves along the gradient, which increases the loss; a "
    "descent step subtracts lr * grad",
)
def sgd_ascent(theta, grad, lr):
    return np.asarray(theta, dtype=np.float64) + lr * np.asarray(grad, dtype=np.float64)


# --- momentum_step ------------------------------------------------------------------


# a correct gradient_descent that does not call momentum_step
def _correct_gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    velocity = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        grad = np.asarray(grad_fn(theta.copy()), dtype=np.float64)
        velocity = momentum * velocity - lr * grad
        theta = theta + velocity
        rows.append(theta.copy())
    return np.array(rows).reshape(steps + 1, theta.size)


@catalog.mutant(
    "momentum_step",
    "velocity kept as μv + lr·g and subtracted (returned with the wrong sign)",
    companions={"gradient_descent": _correct_gradient_descent},
    misconception="your thetas are right, but you return the velocity with the "
    "opposite sign (μv + lr·g, then θ − v); the docstring's velocity is "
    "momentum*velocity - lr*grad and is added to theta",
)
def momentum_velocity_sign_flipped(theta, grad, velocity, lr, momentum):
    velocity = momentum * np.asarray(velocity, dtype=np.float64) + lr * np.asarray(grad)
    return np.asarray(theta, dtype=np.float64) - velocity, velocity


@catalog.mutant(
    "momentum_step",
    "momentum scaled into the gradient: v' = −lr·(g + μv)",
    companions={"gradient_descent": _correct_gradient_descent},
    misconception="you mix the old velocity into the gradient before scaling by lr, so "
    "the accumulated movement shrinks by a factor lr every step; the "
    "docstring keeps momentum*velocity unscaled and subtracts lr*grad",
)
def momentum_on_gradient(theta, grad, velocity, lr, momentum):
    velocity = -lr * (np.asarray(grad, dtype=np.float64) + momentum * np.asarray(velocity))
    return np.asarray(theta, dtype=np.float64) + velocity, velocity


@catalog.mutant(
    "momentum_step",
    "theta moved by the old velocity",
    companions={"gradient_descent": _correct_gradient_descent},
    misconception="you move theta by the velocity you were given and only then update "
    "it; the docstring's theta' = theta + velocity' uses the new "
    "velocity",
)
def momentum_old_velocity(theta, grad, velocity, lr, momentum):
    velocity = np.asarray(velocity, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64) + velocity
    return theta, momentum * velocity - lr * np.asarray(grad, dtype=np.float64)


@catalog.mutant(
    "momentum_step",
    "torch's buffer b = μb + g returned as the velocity (θ − lr·b)",
    companions={"gradient_descent": _correct_gradient_descent},
    misconception="you keep torch.optim.SGD's momentum buffer b = momentum*b + grad "
    "and step theta - lr*b: the thetas agree at a constant lr, but the "
    "velocity you return is that buffer; the docstring's velocity is "
    "momentum*velocity - lr*grad (= -lr*b)",
)
def momentum_returns_torch_buffer(theta, grad, velocity, lr, momentum):
    buf = momentum * np.asarray(velocity, dtype=np.float64) + np.asarray(grad, dtype=np.float64)
    return np.asarray(theta, dtype=np.float64) - lr * buf, buf


# --- gradient_descent ---------------------------------------------------------------
@catalog.mutant(
    "gradient_descent",
    "returns `steps` rows (theta0 missing)",
    misconception="your trajectory leaves out the starting point; it has steps + 1 "
    "rows and row 0 is theta0",
)
def gd_missing_theta0(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    velocity = np.zeros_like(theta)
    rows = []
    for _ in range(steps):
        theta, velocity = momentum_step(theta, grad_fn(theta.copy()), velocity, lr, momentum)
        rows.append(theta)
    return np.array(rows).reshape(steps, theta.size)


@catalog.mutant("gradient_descent", "velocity initialised with the first gradient instead of zero")
def gd_velocity_starts_at_gradient(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    velocity = np.array(grad_fn(theta.copy()), dtype=np.float64)
    rows = [theta]
    for _ in range(steps):
        theta, velocity = momentum_step(theta, grad_fn(theta.copy()), velocity, lr, momentum)
        rows.append(theta)
    return np.array(rows)


_VELOCITY: dict[tuple[int, ...], np.ndarray] = {}


@catalog.mutant(
    "gradient_descent",
    "velocity kept in a module-level variable across calls",
    misconception="your velocity survives from one call of gradient_descent to the "
    "next, so a second run starts with the old run's speed; it starts at "
    "zero in every call",
)
def gd_velocity_not_reset(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    velocity = _VELOCITY.get(theta.shape, np.zeros_like(theta))
    rows = [theta]
    for _ in range(steps):
        theta, velocity = momentum_step(theta, grad_fn(theta.copy()), velocity, lr, momentum)
        rows.append(theta)
    _VELOCITY[theta.shape] = velocity
    return np.array(rows)


@catalog.mutant("gradient_descent", "plain gradient descent whatever the momentum")
def gd_ignores_momentum(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    rows = [theta]
    for _ in range(steps):
        theta = theta - lr * np.asarray(grad_fn(theta.copy()))
        rows.append(theta)
    return np.array(rows)


@catalog.mutant("gradient_descent", "the gradient evaluated once, at theta0")
def gd_gradient_at_theta0(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    grad = np.asarray(grad_fn(theta.copy()), dtype=np.float64)
    velocity = np.zeros_like(theta)
    rows = [theta]
    for _ in range(steps):
        theta, velocity = momentum_step(theta, grad, velocity, lr, momentum)
        rows.append(theta)
    return np.array(rows)


MUTANTS = catalog.mutants
