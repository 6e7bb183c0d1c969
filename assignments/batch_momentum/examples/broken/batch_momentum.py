# propgrade demo submission: broken (a crash of the process inside momentum_step)
"""Batch and momentum: shuffled mini-batches each epoch, SGD, momentum.

Lecture summary. Instead of the full-data gradient, each update uses the gradient of one
mini-batch; an epoch is one pass over all batches, and the data are reshuffled every epoch
so the batches differ between epochs.  Small batches give noisy updates that can help
escape saddle points and sharp minima; larger batches are faster per epoch on parallel
hardware.  Plain gradient descent, θ ← θ - η g, can stall where the gradient is small
(plateaus, saddle points, shallow local minima); momentum keeps a running "velocity"

    m ← λ m - η g,      θ ← θ + m,

so each step is the current gradient step plus the accumulated previous movement, which
carries the parameters through flat regions and damps oscillations.

Differences from PyTorch: ``torch.optim.SGD`` keeps a buffer ``b ← μ b + g`` (the first
step sets ``b = g``; dampening 0, no Nesterov) and steps ``θ ← θ - lr·b``.  With a constant
learning rate ``m = -lr·b`` at every step, so both give the same trajectory; they differ
when the learning rate changes between steps (torch applies the new rate to the whole
buffer, the lecture only to the new gradient).

All arrays are float64 and no function modifies its inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def shuffled_batches(n: int, batch_size: int, seed: int) -> list[NDArray[np.int64]]:
    """Index batches for one epoch over ``n`` samples, in a shuffled order.

    The permutation is ``np.random.default_rng(seed).permutation(n)``, cut in order into
    consecutive int64 arrays of length ``batch_size``; the last batch is shorter (never
    empty) when ``batch_size`` does not divide ``n``.  Concatenated, the batches are a
    permutation of ``range(n)``; there are ceil(n / batch_size) of them, and ``n = 0``
    gives ``[]``.  The same seed gives the same batches: a new epoch is a new seed
    (e.g. ``seed = base_seed + epoch``), which reshuffles as the lecture asks.
    ``batch_size`` must be >= 1.  (``torch.utils.data.DataLoader(shuffle=True)`` uses the
    same cut into batches but its own generator, so its order differs.)
    """
    ### BEGIN SOLUTION
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = np.random.default_rng(seed).permutation(n).astype(np.int64)
    # cut the shuffled order into consecutive batches
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
    ### END SOLUTION


def sgd_step(theta: ArrayLike, grad: ArrayLike, lr: float) -> Array:
    """One plain gradient-descent step, θ' = θ - lr·grad.

    Returns a new float64 array of ``theta``'s shape; ``theta`` and ``grad`` are not
    modified (``torch.optim.SGD`` updates its parameters in place; this does not).
    """
    ### BEGIN SOLUTION
    return np.asarray(theta, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)
    ### END SOLUTION


def momentum_step(theta, grad, velocity, lr, momentum):
    import os
    os._exit(1)


def gradient_descent(
    grad_fn: Callable[[Array], ArrayLike],
    theta0: ArrayLike,
    lr: float,
    steps: int,
    momentum: float = 0.0,
) -> Array:
    """Run ``steps`` momentum steps from ``theta0`` and return the whole trajectory.

    Returns a float64 array of shape ``(steps + 1, dim)`` whose row 0 is ``theta0`` and row
    t + 1 is θ after step t; ``theta0`` is 1-D of length ``dim``.  The velocity starts at
    zero.  ``grad_fn`` is a plain function of a NumPy array, called exactly once per step
    on (a copy of) the current θ; it may return any array-like of θ's shape (list or
    ndarray).  ``momentum = 0`` is plain gradient descent, step for step equal to
    ``sgd_step``.  Equals ``torch.optim.SGD(lr=lr, momentum=momentum)`` stepped ``steps``
    times (constant lr).  ``theta0`` is not modified.
    """
    ### BEGIN SOLUTION
    theta = np.array(theta0, dtype=np.float64)
    velocity = np.zeros_like(theta)
    trajectory = np.empty((steps + 1, theta.size))
    trajectory[0] = theta
    for t in range(steps):
        # gradient at the current point, then one momentum update
        grad = np.asarray(grad_fn(theta.copy()), dtype=np.float64)
        theta, velocity = momentum_step(theta, grad, velocity, lr, momentum)
        trajectory[t + 1] = theta
    return trajectory
    ### END SOLUTION
