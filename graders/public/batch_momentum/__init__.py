"""Public properties for ``batch_momentum``: defining properties and PyTorch as the oracle.

Shipped to students (no reference needed).  Conventions enforced: the batches of one epoch
are integer index arrays that cut a permutation of ``range(n)`` into ``batch_size`` pieces
(the last one shorter, never empty, never dropped); the same seed repeats the order and a new
seed reshuffles (which shuffle is not fixed); SGD steps against the gradient; the velocity is
``momentum*velocity - lr*grad`` and is *added* to theta; ``gradient_descent`` returns
``steps + 1`` rows starting with ``theta0``, its velocity starting at zero.  At a constant
learning rate this is exactly ``torch.optim.SGD(lr, momentum)``, whose buffer ``b`` relates
to the velocity by ``velocity = -lr * b``.  A fixed permutation (or ``range(n)`` in order)
cuts a perfect partition, so the partition checks of ``shuffled_batches`` are gated on the
checks that it shuffles (``relational=True``); single steps are compared within a few
roundings of their operands, entry by entry, runs within the model of ``compare.scaled_atol``.

The package: the properties here; ``cases`` (their strategies), ``oracle`` (torch's SGD and
the rounding-error model), ``structure`` (reading a student's answers, shape first; the
hidden properties use it too) and ``gradients`` (the ``grad_fn`` handed to the student).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from graders import compare
from graders.kit import threaded
from graders.props import prop, student

from .cases import batch_plans, momentum_runs, momentum_states, quadratic_runs, sgd_inputs
from .gradients import quadratic_gradient
from .oracle import torch_momentum, torch_sgd
from .structure import (
    batch_count,
    check_partition,
    check_trajectory,
    momentum_trajectory,
    structured_batches,
)

# --- shuffled_batches ------------------------------------------------------------------

BATCH_HINT = (
    "Shuffle range(n) once with a generator seeded by `seed`, then cut the shuffled "
    "order into consecutive pieces of batch_size; keep the last, shorter piece."
)


# A fixed permutation, or range(n) in order, cuts a permutation of range(n) perfectly: the
# partition earns its points only once the shuffle itself is shown (the seed property below,
# or the hidden reshuffling statistics), like a relation that a constant satisfies.
@prop(
    "batch_momentum.shuffled_batches",
    "the batches cut a permutation of range(n): batch_size each, the last shorter but not empty",
    points=1,
    given=batch_plans(),
    hint=BATCH_HINT,
    relational=True,
    examples=[
        {"n": 10, "batch_size": 3, "seed": 0},
        {"n": 10, "batch_size": 5, "seed": 1},
        {"n": 7, "batch_size": 1, "seed": 2},
        {"n": 5, "batch_size": 8, "seed": 3},
        {"n": 1, "batch_size": 1, "seed": 4},
    ],
)
def batches_partition_a_permutation(n, batch_size, seed):
    what = f"shuffled_batches({n}, {batch_size}, {seed})"
    batches = structured_batches(
        (yield student.shuffled_batches(n, batch_size, seed)), what, batch_count(n, batch_size)
    )
    check_partition(batches, n, batch_size, what)


@prop(
    "batch_momentum.shuffled_batches",
    "a shuffle: each seed's batches cut a permutation of range(n), the same seed repeats "
    "them and a new seed (a new epoch) gives a new order",
    points=1.5,
    given=batch_plans(min_n=10),
    hint=BATCH_HINT,
    examples=[{"n": 10, "batch_size": 2, "seed": 0}, {"n": 12, "batch_size": 4, "seed": 7}],
)
def batches_depend_on_the_seed(n, batch_size, seed):
    first, again, other = yield [
        student.shuffled_batches(n, batch_size, seed),
        student.shuffled_batches(n, batch_size, seed),
        student.shuffled_batches(n, batch_size, seed + 1),
    ]
    count = batch_count(n, batch_size)
    first = structured_batches(first, f"shuffled_batches({n}, {batch_size}, {seed})", count)
    again = structured_batches(
        again, f"shuffled_batches({n}, {batch_size}, {seed}) called again", count
    )
    other = structured_batches(other, f"shuffled_batches({n}, {batch_size}, {seed + 1})", count)
    for batches, s in ((first, seed), (other, seed + 1)):
        check_partition(batches, n, batch_size, f"shuffled_batches({n}, {batch_size}, {s})")
    order, order_again, order_other = (np.concatenate(b) for b in (first, again, other))
    compare.equal(
        order_again,
        order,
        f"the order of shuffled_batches({n}, {batch_size}, "
        f"{seed}) on a second call, compared with the first",
        hint="Seed a generator of your own, e.g. np.random.default_rng(seed), "
        "instead of relying on global random state.",
    )
    compare.holds(
        not np.array_equal(order_other, order),
        compare.Lazy(
            lambda: (
                f"seeds {seed} and {seed + 1} give the same order {compare.fmt(order)}; a "
                "new epoch (a new seed) must reshuffle the samples"
            )
        ),
        hint="Use `seed` to seed the generator that shuffles range(n).",
    )


# --- sgd_step --------------------------------------------------------------------------


@prop(
    "batch_momentum.sgd_step",
    "equals one step of torch.optim.SGD(lr), for any shape",
    points=1.5,
    given=sgd_inputs(),
    examples=[{"theta": np.array([[1.0, -2.0]]), "grad": np.array([[1.0, 1.0]]), "lr": 0.1}],
    expect=lambda theta, grad, lr: torch_sgd(theta, lambda k, th: grad, 1, lr, 0.0)[0][1],
    hint="Move against the gradient: theta - lr * grad, as a new array.",
)
def sgd_step_matches_torch(theta, grad, lr, expected):
    got = compare.array(
        (yield student.sgd_step(theta, grad, lr)),
        f"sgd_step(theta, grad, lr={lr})",
        shape=theta.shape,
    )
    # theta - lr*grad: two roundings, each within u of |theta| + |lr*grad| (entry by entry),
    # on both sides; x4 to spare.  A wrong sign or lr is off by |lr*grad| itself
    compare.within(
        got,
        expected,
        f"sgd_step(theta, grad, lr={lr})",
        scale=np.abs(theta) + np.abs(lr * grad),
        ulps=16,
    )


# --- momentum_step ---------------------------------------------------------------------

MOMENTUM_HINT = (
    "The docstring's convention: velocity' = momentum*velocity - lr*grad is the "
    "new velocity, and theta' = theta + velocity' uses that new velocity."
)


@prop(
    "batch_momentum.momentum_step",
    "a run of steps from velocity 0 follows torch.optim.SGD(lr, momentum)",
    points=2,
    given=momentum_runs(),
    examples=[
        {
            "theta0": np.array([1.0, -1.0]),
            "grads": np.array([[1.0, 2.0]] * 4),
            "lr": 0.1,
            "momentum": 0.9,
        },
        {"theta0": np.array([0.5]), "grads": np.full((6, 1), 1e-12), "lr": 0.01, "momentum": 0.5},
    ],
    expect=lambda theta0, grads, lr, momentum: torch_momentum(theta0, grads, lr, momentum),
    hint=MOMENTUM_HINT,
)
def momentum_run_matches_torch(theta0, grads, lr, momentum, expected):
    calls = threaded(
        lambda k, theta, velocity: student.momentum_step(theta, grads[k], velocity, lr, momentum),
        (theta0, np.zeros_like(theta0)),
        len(grads),
    )
    thetas, velocities = momentum_trajectory((yield calls), len(theta0))
    exp_thetas, exp_velocities = expected
    compare.close(
        velocities,
        exp_velocities,
        f"the velocity after each step (row = step; lr={lr}, momentum={momentum}), "
        "compared with -lr * torch's momentum buffer",
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


@prop(
    "batch_momentum.momentum_step",
    "from any velocity, theta' = theta + velocity' and the step equals torch's SGD",
    points=1,
    given=momentum_states(),
    examples=[
        {
            "theta": np.array([0.0, 1.0]),
            "grad": np.array([1.0, -1.0]),
            "velocity": np.array([2.0, 3.0]),
            "lr": 0.1,
            "momentum": 0.5,
        }
    ],
    expect=lambda theta, grad, velocity, lr, momentum: torch_momentum(
        theta, grad[None, :], lr, momentum, velocity
    ),
    hint=MOMENTUM_HINT,
)
def momentum_step_from_any_velocity(theta, grad, velocity, lr, momentum, expected):
    value = yield student.momentum_step(theta, grad, velocity, lr, momentum)
    (new_theta,), (new_velocity,) = momentum_trajectory([value], len(theta))
    what = f"momentum_step(theta, grad, velocity, lr={lr}, momentum={momentum})"
    # theta' - theta recovers velocity' up to the rounding of the additions that made theta'
    rounding = (
        8
        * np.finfo(np.float64).eps
        * float(np.max(np.abs([theta, new_theta, momentum * velocity, lr * grad])))
    )
    compare.close(
        new_theta - theta,
        new_velocity,
        f"{what}: theta' - theta compared with the returned velocity'",
        rtol=1e-12,
        atol=rounding,
    )
    exp_theta, exp_velocity = expected[0][0], expected[1][0]
    # one step: velocity' rounds within u of |momentum*velocity| + |lr*grad| per operation
    # (3 of them; torch's buffer form -lr*(mu*b + g) the same), theta' adds u of |theta'|
    v_scale = np.abs(momentum * velocity) + np.abs(lr * grad)
    compare.within(new_velocity, exp_velocity, f"{what}: the new velocity", scale=v_scale, ulps=32)
    compare.within(
        new_theta,
        exp_theta,
        f"{what}: the new theta",
        scale=v_scale + np.abs(theta) + np.abs(exp_theta),
        ulps=32,
    )


# --- gradient_descent ------------------------------------------------------------------

GD_HINT = (
    "Return every theta of the run, theta0 first: steps + 1 rows.  Start the velocity "
    "at zero and evaluate grad_fn at the current theta before each update."
)


@prop(
    "batch_momentum.gradient_descent",
    "the trajectory on a quadratic equals torch.optim.SGD(lr, momentum), theta0 first",
    points=2,
    given=quadratic_runs(),
    examples=[
        {
            "A": np.array([[1.0]]),
            "b": np.array([0.0]),
            "theta0": np.array([1.0]),
            "lr": 0.1,
            "steps": 3,
            "momentum": 0.9,
        },
        {
            "A": np.diag([1.0, 10.0]),
            "b": np.array([1.0, -1.0]),
            "theta0": np.array([2.0, 2.0]),
            "lr": 0.05,
            "steps": 12,
            "momentum": 0.5,
        },
    ],
    expect=lambda A, b, theta0, lr, steps, momentum: torch_sgd(
        theta0, lambda k, th: A @ th - b, steps, lr, momentum
    )[0],
    hint=GD_HINT,
)
def gradient_descent_matches_torch(A, b, theta0, lr, steps, momentum, expected):
    value = yield student.gradient_descent(
        quadratic_gradient(A, b), theta0, lr, steps, momentum=momentum
    )
    check_trajectory(
        value,
        A,
        b,
        theta0,
        steps,
        expected,
        f"gradient_descent(grad_fn, theta0, lr={lr}, steps={steps}, momentum={momentum})",
    )


@prop(
    "batch_momentum.gradient_descent",
    "without a momentum argument it is plain gradient descent; steps = 0 gives [theta0]",
    points=1,
    given=quadratic_runs(momenta=st.just(0.0)),
    examples=[
        {
            "A": np.array([[2.0]]),
            "b": np.array([1.0]),
            "theta0": np.array([3.0]),
            "lr": 0.1,
            "steps": 0,
            "momentum": 0.0,
        },
        {
            "A": np.array([[2.0]]),
            "b": np.array([1.0]),
            "theta0": np.array([3.0]),
            "lr": 0.1,
            "steps": 5,
            "momentum": 0.0,
        },
    ],
    expect=lambda A, b, theta0, lr, steps, momentum: torch_sgd(
        theta0, lambda k, th: A @ th - b, steps, lr, 0.0
    )[0],
    hint=GD_HINT,
)
def gradient_descent_default_is_plain(A, b, theta0, lr, steps, momentum, expected):
    value = yield student.gradient_descent(quadratic_gradient(A, b), theta0, lr, steps)
    check_trajectory(
        value,
        A,
        b,
        theta0,
        steps,
        expected,
        f"gradient_descent(grad_fn, theta0, lr={lr}, steps={steps})",
    )
