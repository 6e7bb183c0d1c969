# propgrade demo submission: buggy (the same permutation every epoch (a fixed seed, `seed` ignored))
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


def shuffled_batches(n, batch_size, seed):
    order = np.random.default_rng(0).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def sgd_step(theta: ArrayLike, grad: ArrayLike, lr: float) -> Array:
    """One plain gradient-descent step, θ' = θ - lr·grad.

    Returns a new float64 array of ``theta``'s shape; ``theta`` and ``grad`` are not
    modified (``torch.optim.SGD`` updates its parameters in place; this does not).
    """
    ### BEGIN SOLUTION
    return np.asarray(theta, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)
    ### END SOLUTION


def momentum_step(
    theta: ArrayLike, grad: ArrayLike, velocity: ArrayLike, lr: float, momentum: float
) -> tuple[Array, Array]:
    """One momentum step, returning the new ``(theta, velocity)``.

        velocity' = momentum·velocity - lr·grad,     theta' = theta + velocity'

    (the lecture's m ← λm - ηg with λ = ``momentum``, η = ``lr``).  Start with
    ``velocity = 0``.  ``torch.optim.SGD`` stores b = -velocity / lr instead and steps
    θ - lr·b; at a constant lr the two coincide (see the module docstring).
    ``momentum = 0`` gives ``sgd_step``.  Returns new float64 arrays of ``theta``'s shape;
    no input is modified.
    """
    ### BEGIN SOLUTION
    velocity = momentum * np.asarray(velocity, dtype=np.float64) - lr * np.asarray(
        grad, dtype=np.float64
    )
    return np.asarray(theta, dtype=np.float64) + velocity, velocity
    ### END SOLUTION


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
