"""The degenerate entries (right form, no computation) of the ``batch_momentum`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog, degenerate_family

catalog = Catalog("batch_momentum")


@catalog.degenerate(
    "shuffled_batches", "one fixed permutation (a seeded global generator) for every seed"
)
def shuffle_same_permutation_every_seed(n, batch_size, seed):
    order = np.random.RandomState(12345).permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


@catalog.degenerate("shuffled_batches", "range(n) in order, cut into batches")
def shuffle_range_in_order(n, batch_size, seed):
    return [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


@catalog.degenerate(
    "momentum_step",
    "theta moved by the new velocity, the velocity returned as given",
    isolated=True,
)
def momentum_velocity_unchanged(theta, grad, velocity, lr, momentum):
    new_velocity = momentum * np.asarray(velocity, dtype=np.float64) - lr * np.asarray(grad)
    return np.asarray(theta, dtype=np.float64) + new_velocity, np.array(velocity, dtype=float)


@catalog.degenerate("momentum_step", "the right velocity, theta returned unchanged", isolated=True)
def momentum_theta_unchanged(theta, grad, velocity, lr, momentum):
    new_velocity = momentum * np.asarray(velocity, dtype=np.float64) - lr * np.asarray(grad)
    return np.array(theta, dtype=np.float64), new_velocity


@catalog.degenerate(
    "gradient_descent", "theta0 in every row (theta returned unchanged at every step)"
)
def gd_theta0_repeated(grad_fn, theta0, lr, steps, momentum=0.0):
    return np.tile(np.asarray(theta0, dtype=np.float64), (steps + 1, 1))


DEGENERATES = (
    degenerate_family(
        "batch_momentum",
        {
            "shuffled_batches": ["zeros", "ones", "noise"],
            "sgd_step": ["zeros", "ones", "identity", "noise"],
            "momentum_step": ["zeros", "ones", "identity", "noise"],
            "gradient_descent": ["zeros", "ones", "noise"],
        },
    )
    + catalog.degenerates
)
