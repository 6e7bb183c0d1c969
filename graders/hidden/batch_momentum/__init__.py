"""Hidden properties for ``batch_momentum``: the reference on wider and nastier inputs.

Never shipped to students.  The shuffle itself is not fixed by the SPEC ("the order depends
on seed"), so ``shuffled_batches`` is never compared order-for-order with the reference:
only the batch sizes are, and the shuffling is judged by statistics over many seeds that
any decent shuffle passes with overwhelming probability (each bound is noted).  The
single steps are compared entry by entry within a few roundings of their operands
(``compare.within``); runs and trajectories at relative 1e-9 with an absolute tolerance of
1e-10 of the run's largest entry (the error model in ``public.batch_momentum.oracle``,
``compare.scaled_atol``).  Their strategies are in ``cases``, the gradients handed to the
student in ``gradients``.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np

from graders import compare
from graders.kit import threaded
from graders.props import prop, student
from graders.public.batch_momentum.structure import batch_count, structured_batches
from reference import batch_momentum as ref

from .cases import (
    EPOCHS,
    descent_problems,
    momentum_cases,
    momentum_trajectories,
    sgd_cases,
    shuffle_plans,
    wide_batch_plans,
)
from .gradients import wavy_gradient

# --- shuffled_batches ------------------------------------------------------------------


# satisfied by a fixed permutation too: gated on a defining shuffle property (public seed
# dependence, or the reshuffling statistics below)
@prop(
    "batch_momentum.shuffled_batches",
    "a permutation of range(n) in batches of the reference's sizes, for n up to 400",
    points=1,
    visibility="hidden",
    given=wide_batch_plans(),
    relational=True,
    examples=[
        {"n": 1, "batch_size": 1000, "seed": 0},
        {"n": 400, "batch_size": 1, "seed": 1},
        {"n": 399, "batch_size": 100, "seed": 2},
        {"n": 2, "batch_size": 2, "seed": 3},
    ],
    expect=lambda n, batch_size, seed: [len(b) for b in ref.shuffled_batches(n, batch_size, seed)],
)
def batches_wide_range(n, batch_size, seed, expected):
    what = f"shuffled_batches({n}, {batch_size}, {seed})"
    batches = structured_batches(
        (yield student.shuffled_batches(n, batch_size, seed)), what, len(expected)
    )
    compare.equal([len(b) for b in batches], expected, f"the batch sizes of {what}")
    compare.equal(
        np.sort(np.concatenate(batches)),
        np.arange(n),
        f"the sorted indices of all batches of {what} together",
    )


@prop(
    "batch_momentum.shuffled_batches",
    "reshuffles every epoch: never the identity, every position sees many samples, the "
    "batches' contents change between epochs",
    points=1.5,
    visibility="hidden",
    given=shuffle_plans(),
    examples=[{"n": 20, "batch_size": 2, "seed": 0}, {"n": 60, "batch_size": 30, "seed": 5}],
    hint="Shuffle the samples, not just the order of fixed batches: cut a fresh "
    "permutation of range(n) into batches every epoch (every seed).",
)
def batches_reshuffle(n, batch_size, seed):
    shuffled = student.shuffled_batches  # one call maker for the 30 calls
    values = yield [shuffled(n, batch_size, seed + e) for e in range(EPOCHS)]
    count = batch_count(n, batch_size)
    epochs = [
        structured_batches(v, f"shuffled_batches({n}, {batch_size}, {seed + e})", count)
        for e, v in enumerate(values)
    ]
    orders = _permutation_orders(epochs, n, batch_size, seed)
    # a uniform shuffle is the identity with probability 1/n! (n >= 20)
    identity = (seed + np.flatnonzero((orders == np.arange(n)).all(axis=1))).tolist()
    compare.holds(
        not identity,
        f"shuffled_batches({n}, {batch_size}, seed) returns the "
        f"unshuffled order 0, 1, ..., {n - 1} for seed {identity[:1]}",
    )
    # over 30 uniform shuffles each position sees ~15+ distinct samples; < 5 has
    # probability below 1e-9 per position (counted on each column sorted: 1 + its steps)
    distinct = 1 + (np.diff(np.sort(orders, axis=0), axis=0) != 0).sum(axis=0)
    worst = int(np.argmin(distinct))
    compare.holds(
        int(distinct[worst]) >= 5,
        compare.Lazy(
            lambda: (
                f"over seeds {seed}..{seed + EPOCHS - 1}, position {worst} of the epoch "
                f"only ever holds {int(distinct[worst])} different samples "
                f"({sorted(set(orders[:, worst].tolist()))[:8]}); a reshuffle should move "
                "every sample around"
            )
        ),
    )
    # with >= 2 samples per batch and >= 2 batches, 30 shuffles grouping the samples the same
    # way has probability below (1/20)^29; one epoch grouped otherwise than the first decides
    first = _grouping(epochs[0])
    compare.holds(
        any(_grouping(batches) != first for batches in epochs[1:]),
        compare.Lazy(
            lambda: (
                f"over seeds {seed}..{seed + EPOCHS - 1} the batches always contain the "
                f"same groups of samples, e.g. {compare.fmt(epochs[0][:3])}; only their order "
                "changes"
            )
        ),
    )


def _permutation_orders(
    epochs: list[list[np.ndarray]], n: int, batch_size: int, seed: int
) -> np.ndarray:
    """The (EPOCHS, n) orders of the epochs (``epochs[e]`` from seed ``seed + e``), each
    checked to be a permutation of range(n): all in one sort, epoch by epoch (the first
    failure's message) only when one is not."""
    if all(sum(map(len, batches)) == n for batches in epochs):
        orders = np.concatenate(list(chain.from_iterable(epochs))).reshape(len(epochs), n)
        if (np.sort(orders, axis=1) == np.arange(n)).all():
            return orders
    flat = [np.concatenate(batches) for batches in epochs]
    for e, order in enumerate(flat):  # one of them fails
        compare.equal(
            np.sort(order),
            np.arange(n),
            f"the sorted indices of all batches of shuffled_batches({n}, "
            f"{batch_size}, {seed + e}) together",
        )
    return np.array(flat)


def _grouping(batches: list[np.ndarray]) -> frozenset[frozenset[int]]:
    """Which samples an epoch puts together, whatever the order of its batches."""
    return frozenset(frozenset(b.tolist()) for b in batches)


# --- sgd_step --------------------------------------------------------------------------


@prop(
    "batch_momentum.sgd_step",
    "matches the reference for any shape, tiny and huge values",
    points=1.5,
    visibility="hidden",
    given=sgd_cases(),
    examples=[
        {"theta": np.zeros((2, 1, 3)), "grad": np.ones((2, 1, 3)), "lr": 0.5},
        {"theta": np.array([1.0]), "grad": np.array([1e-12]), "lr": 1e-3},
    ],
    expect=lambda theta, grad, lr: ref.sgd_step(theta, grad, lr),
)
def sgd_step_reference(theta, grad, lr, expected):
    got = compare.array(
        (yield student.sgd_step(theta, grad, lr)),
        f"sgd_step(theta, grad, lr={lr})",
        shape=theta.shape,
    )
    # two roundings of |theta| + |lr*grad| per side, entry by entry (public.sgd_step_matches_torch)
    compare.within(
        got,
        expected,
        f"sgd_step(theta, grad, lr={lr})",
        scale=np.abs(theta) + np.abs(lr * grad),
        ulps=16,
    )


# --- momentum_step ---------------------------------------------------------------------


def _step_pair(value: Any, shape: tuple[int, ...], what: str) -> tuple[np.ndarray, np.ndarray]:
    theta, velocity = compare.sequence(value, what, 2)
    return (
        compare.array(theta, f"theta returned by {what}", shape=shape),
        compare.array(velocity, f"velocity returned by {what}", shape=shape),
    )


@prop(
    "batch_momentum.momentum_step",
    "one step from any velocity matches the reference (any shape, tiny and huge values)",
    points=1.5,
    visibility="hidden",
    given=momentum_cases(),
    examples=[
        {
            "theta": np.zeros((2, 2)),
            "grad": np.ones((2, 2)),
            "velocity": np.full((2, 2), -1.0),
            "lr": 0.1,
            "momentum": 0.9,
        },
        {
            "theta": np.array([1.0]),
            "grad": np.array([1e-12]),
            "velocity": np.array([1e-12]),
            "lr": 1e-3,
            "momentum": 0.5,
        },
    ],
    expect=lambda theta, grad, velocity, lr, momentum: ref.momentum_step(
        theta, grad, velocity, lr, momentum
    ),
)
def momentum_step_reference(theta, grad, velocity, lr, momentum, expected):
    what = f"momentum_step(theta, grad, velocity, lr={lr}, momentum={momentum})"
    got_theta, got_velocity = _step_pair(
        (yield student.momentum_step(theta, grad, velocity, lr, momentum)), theta.shape, what
    )
    exp_theta, exp_velocity = expected
    # entry by entry, as public.batch_momentum.momentum_step_from_any_velocity: three
    # roundings of |momentum*velocity| + |lr*grad|, one more of |theta'| for theta'
    v_scale = np.abs(momentum * velocity) + np.abs(lr * grad)
    compare.within(
        got_velocity, exp_velocity, f"the new velocity of {what}", scale=v_scale, ulps=32
    )
    compare.within(
        got_theta,
        exp_theta,
        f"the new theta of {what}",
        scale=v_scale + np.abs(theta) + np.abs(exp_theta),
        ulps=32,
    )


def _ref_momentum_run(theta0, grads, velocity0, lr, momentum):
    theta, velocity, thetas, velocities = theta0, velocity0, [], []
    for g in grads:
        theta, velocity = ref.momentum_step(theta, g, velocity, lr, momentum)
        thetas.append(theta)
        velocities.append(velocity)
    return np.array(thetas), np.array(velocities)


@prop(
    "batch_momentum.momentum_step",
    "5-20 steps threading your own (theta, velocity) match the reference",
    points=1.5,
    visibility="hidden",
    given=momentum_trajectories(),
    examples=[
        {
            "theta0": np.array([0.0, 1.0]),
            "grads": np.full((10, 2), 1e-12),
            "velocity0": np.zeros(2),
            "lr": 0.1,
            "momentum": 0.99,
        }
    ],
    expect=_ref_momentum_run,
)
def momentum_trajectory_reference(theta0, grads, velocity0, lr, momentum, expected):
    calls = threaded(
        lambda k, theta, velocity: student.momentum_step(theta, grads[k], velocity, lr, momentum),
        (theta0, velocity0),
        len(grads),
    )
    pairs = [
        _step_pair(v, theta0.shape, f"momentum_step at step {k}")
        for k, v in enumerate((yield calls))
    ]
    thetas, velocities = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    exp_thetas, exp_velocities = expected
    compare.close(
        velocities,
        exp_velocities,
        f"the velocity after each step (row = step; lr={lr}, momentum={momentum})",
        rtol=1e-9,
        atol=compare.scaled_atol(exp_velocities),
    )
    compare.close(
        thetas,
        exp_thetas,
        f"theta after each step (row = step; lr={lr}, momentum={momentum})",
        rtol=1e-9,
        atol=compare.scaled_atol(exp_thetas),
    )


# --- gradient_descent ------------------------------------------------------------------


def _ref_descent(A, b, c, theta0, lr, steps, momentum):
    return ref.gradient_descent(wavy_gradient(A, b, c), theta0, lr, steps, momentum)


@prop(
    "batch_momentum.gradient_descent",
    "matches the reference: up to 30 steps, dim up to 5, flat directions, momentum 0.99",
    points=1.5,
    visibility="hidden",
    given=descent_problems(),
    examples=[
        {
            "A": np.zeros((1, 1)),
            "b": np.array([1.0]),
            "c": 0.0,
            "theta0": np.array([0.0]),
            "lr": 0.1,
            "steps": 30,
            "momentum": 0.99,
        }
    ],
    expect=_ref_descent,
)
def gradient_descent_reference(A, b, c, theta0, lr, steps, momentum, expected):
    what = f"gradient_descent(grad_fn, theta0, lr={lr}, steps={steps}, momentum={momentum})"
    traj = compare.array(
        (
            yield student.gradient_descent(
                wavy_gradient(A, b, c), theta0, lr, steps, momentum=momentum
            )
        ),
        what,
        shape=(steps + 1, len(theta0)),
    )
    compare.close(
        traj, expected, f"{what} (row = step)", rtol=1e-9, atol=compare.scaled_atol(expected)
    )


@prop(
    "batch_momentum.gradient_descent",
    "each call starts afresh: the same run twice gives the same trajectory",
    points=1.5,
    visibility="hidden",
    given=descent_problems(),
    examples=[
        {
            "A": np.eye(2),
            "b": np.ones(2),
            "c": 0.0,
            "theta0": np.zeros(2),
            "lr": 0.1,
            "steps": 5,
            "momentum": 0.9,
        }
    ],
    expect=_ref_descent,
    hint="Start the velocity at zero inside the function, on every call.",
)
def gradient_descent_restarts(A, b, c, theta0, lr, steps, momentum, expected):
    what = f"gradient_descent(grad_fn, theta0, lr={lr}, steps={steps}, momentum={momentum})"
    first, second = yield [
        student.gradient_descent(wavy_gradient(A, b, c), theta0, lr, steps, momentum=momentum),
        student.gradient_descent(wavy_gradient(A, b, c), theta0, lr, steps, momentum=momentum),
    ]
    first = compare.array(first, what, shape=(steps + 1, len(theta0)))
    second = compare.array(second, f"{what}, called a second time", shape=first.shape)
    compare.close(
        first, expected, f"{what} (row = step)", rtol=1e-9, atol=compare.scaled_atol(expected)
    )
    compare.close(
        second,
        expected,
        f"{what}, called a second time (row = step)",
        rtol=1e-9,
        atol=compare.scaled_atol(expected),
    )
