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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare, oracles
from graders import strategies as gen
from graders.kit import threaded
from graders.props import prop, student

# --- strategies -----------------------------------------------------------------------

seeds = st.integers(0, 2**31 - 1)


@st.composite
def batch_plans(draw: Any, min_n: int = 1, max_n: int = 60) -> dict[str, int]:
    """``{"n", "batch_size", "seed"}`` with batch_size in [1, n + 3] (so sometimes one short
    batch, sometimes an exact split); shrinks to n = batch_size = 1."""
    n = draw(st.integers(min_n, max_n))
    return {"n": n, "batch_size": draw(st.integers(1, n + 3)), "seed": draw(seeds)}


@st.composite
def momentum_runs(draw: Any, min_steps: int = 1, max_steps: int = 12) -> dict[str, Any]:
    """``{"theta0" (dim,), "grads" (T, dim), "lr", "momentum"}``: a start point in [-5, 5] and
    a gradient sequence (sometimes tiny 1e-12 or huge 1e6, see ``gradient_sequences``)."""
    grads = draw(gen.gradient_sequences(min_steps=min_steps, max_steps=max_steps))
    theta0 = draw(gen.arrays((grads.shape[1],), -5.0, 5.0))
    return {"theta0": theta0, "grads": grads, "lr": draw(gen.learning_rates),
            "momentum": draw(gen.momenta)}


@st.composite
def sgd_inputs(draw: Any) -> dict[str, Any]:
    """``{"theta", "grad", "lr"}``: theta and grad of one shape, (n,) or (rows, cols), entries
    in [-10, 10]; shrinks to a 1-element zero vector."""
    shape = draw(st.one_of(st.tuples(st.integers(1, 6)),
                           st.tuples(st.integers(1, 3), st.integers(1, 4))))
    return {"theta": draw(gen.arrays(shape)), "grad": draw(gen.arrays(shape)),
            "lr": draw(gen.learning_rates)}


@st.composite
def momentum_states(draw: Any) -> dict[str, Any]:
    """``{"theta", "grad", "velocity", "lr", "momentum"}`` for one step from a nonzero
    velocity in [-5, 5]; the gradient as in ``momentum_runs``."""
    run = draw(momentum_runs(max_steps=1))
    return {"theta": run["theta0"], "grad": run["grads"][0],
            "velocity": draw(gen.arrays(run["theta0"].shape, -5.0, 5.0)), "lr": run["lr"],
            "momentum": draw(gen.momenta)}


@st.composite
def quadratic_runs(draw: Any, max_dim: int = 3, max_steps: int = 15,
                   momenta: st.SearchStrategy[float] = gen.momenta) -> dict[str, Any]:
    """``{"A", "b", "theta0", "lr", "steps", "momentum"}``: gradient descent on the convex
    quadratic 0.5 θᵀAθ − bᵀθ (gradient Aθ − b, eigenvalues of A in [0.1, 10]); lr <= 0.1 so
    most runs converge.  Shrinks to a 1-D quadratic and zero steps."""
    q = draw(gen.quadratics(max_dim=max_dim))
    return {**q, "theta0": draw(gen.arrays((len(q["b"]),), -5.0, 5.0)),
            "lr": draw(st.sampled_from([1e-3, 1e-2, 0.05, 0.1])),
            "steps": draw(st.integers(0, max_steps)), "momentum": draw(momenta)}


# --- judge-side helpers ----------------------------------------------------------------

def quadratic_gradient(A: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray], Any]:
    """The ``grad_fn`` handed to the student: θ ↦ Aθ − b.  A pure function: the engine may
    reuse one example's first message, callbacks included, for every student."""
    def grad_fn(theta: np.ndarray) -> np.ndarray:
        return A @ np.asarray(theta, dtype=np.float64) - b

    return grad_fn


# The error model behind ``compare.scaled_atol(expected)`` (rel = 1e-10 of the run's largest
# entry) for a run of T <= 30 momentum steps: each step rounds velocity' within ~4u of S (the
# run's largest |theta|, |velocity|, |lr*grad|: one scale per run here) and theta' within u·S;
# an error of the velocity decays by momentum, one of theta is carried on, so after T steps
# |error| <= T·4u·S / (1 - momentum) <= 1.2e4·u·S ~ 1.4e-12·S at momentum 0.99.  In
# gradient_descent the error also feeds back through grad_fn: the iteration carries it with
# its own linear dynamics, whose impulse response is at most ~k·sqrt(momentum)^k <= 73
# (momentum 0.99, lr·λ <= 1.5), so 30 steps of ~8u·S roundings stay below 30·73·8u·S ~
# 2e-12·S (the hidden wavy term may expand locally; measured: correct forms differ by
# <= 40u·S).  rel = 1e-10 is 50x above that; every mutant is off by a relative O(lr·|grad|)
# per step.  Entries that cancel to ~0 carry rounding of the run's scale, not of their own.


def _torch_sgd(theta0: np.ndarray, grads: Callable[[int, np.ndarray], np.ndarray], steps: int,
               lr: float, momentum: float,
               velocity0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """torch.optim.SGD stepped ``steps`` times: the (steps+1, ...) thetas and the velocities
    after each step (velocity = -lr * momentum buffer; plain SGD has no buffer, its velocity
    is its step)."""
    torch = oracles.torch()
    p = oracles.tensor(theta0, grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum)
    if velocity0 is not None and momentum != 0:
        opt.state[p]["momentum_buffer"] = oracles.tensor(-np.asarray(velocity0) / lr)
    thetas, velocities = [np.array(theta0, dtype=np.float64)], []
    for k in range(steps):
        g = np.asarray(grads(k, oracles.numpy(p)), dtype=np.float64)
        p.grad = oracles.tensor(g)
        opt.step()
        thetas.append(oracles.numpy(p))
        velocities.append(-lr * oracles.numpy(opt.state[p]["momentum_buffer"])
                          if momentum != 0 else -lr * g)
    return np.array(thetas), np.array(velocities)


# --- shuffled_batches ------------------------------------------------------------------

BATCH_HINT = ("Shuffle range(n) once with a generator seeded by `seed`, then cut the shuffled "
              "order into consecutive pieces of batch_size; keep the last, shorter piece.")


def batch_count(n: int, batch_size: int) -> int:
    """How many batches n samples make: ceil(n / batch_size)."""
    return -(-n // batch_size)


def structured_batches(value: Any, what: str, count: int) -> list[np.ndarray]:
    """The student's ``count`` batches as 1-D int64 arrays, after the structural checks
    (also used by the hidden properties)."""
    batches = compare.sequence(value, what, count)
    out = []
    for i, batch in enumerate(batches):
        arr = compare.array(batch, f"batch {i} of {what}", dtype="int")
        compare.holds(arr.ndim == 1, f"batch {i} of {what} has shape {arr.shape}; expected a "
                                     "1-D array of sample indices")
        out.append(arr)
    return out


def check_partition(batches: list[np.ndarray], n: int, batch_size: int, what: str) -> None:
    """Batch sizes batch_size, the last shorter but not empty; together each of 0..n-1 once."""
    count = len(batches)
    compare.equal([len(b) for b in batches],
                  [batch_size] * (count - 1) + [n - (count - 1) * batch_size],
                  f"the batch sizes of {what}")
    compare.equal(np.sort(np.concatenate(batches)), np.arange(n),
                  f"the sorted indices of all batches of {what} together "
                  "(each of 0..n-1 exactly once)")


# A fixed permutation, or range(n) in order, cuts a permutation of range(n) perfectly: the
# partition earns its points only once the shuffle itself is shown (the seed property below,
# or the hidden reshuffling statistics), like a relation that a constant satisfies.
@prop("batch_momentum.shuffled_batches",
      "the batches cut a permutation of range(n): batch_size each, the last shorter but not "
      "empty", points=1, given=batch_plans(), hint=BATCH_HINT, relational=True,
      examples=[{"n": 10, "batch_size": 3, "seed": 0}, {"n": 10, "batch_size": 5, "seed": 1},
                {"n": 7, "batch_size": 1, "seed": 2}, {"n": 5, "batch_size": 8, "seed": 3},
                {"n": 1, "batch_size": 1, "seed": 4}])
def batches_partition_a_permutation(n, batch_size, seed):
    what = f"shuffled_batches({n}, {batch_size}, {seed})"
    batches = structured_batches((yield student.shuffled_batches(n, batch_size, seed)), what,
                                 batch_count(n, batch_size))
    check_partition(batches, n, batch_size, what)


@prop("batch_momentum.shuffled_batches",
      "a shuffle: each seed's batches cut a permutation of range(n), the same seed repeats "
      "them and a new seed (a new epoch) gives a new order",
      points=1.5, given=batch_plans(min_n=10), hint=BATCH_HINT,
      examples=[{"n": 10, "batch_size": 2, "seed": 0}, {"n": 12, "batch_size": 4, "seed": 7}])
def batches_depend_on_the_seed(n, batch_size, seed):
    first, again, other = yield [student.shuffled_batches(n, batch_size, seed),
                                 student.shuffled_batches(n, batch_size, seed),
                                 student.shuffled_batches(n, batch_size, seed + 1)]
    count = batch_count(n, batch_size)
    first = structured_batches(first, f"shuffled_batches({n}, {batch_size}, {seed})", count)
    again = structured_batches(again, f"shuffled_batches({n}, {batch_size}, {seed}) called "
                               "again", count)
    other = structured_batches(other, f"shuffled_batches({n}, {batch_size}, {seed + 1})",
                               count)
    for batches, s in ((first, seed), (other, seed + 1)):
        check_partition(batches, n, batch_size, f"shuffled_batches({n}, {batch_size}, {s})")
    order, order_again, order_other = (np.concatenate(b) for b in (first, again, other))
    compare.equal(order_again, order, f"the order of shuffled_batches({n}, {batch_size}, "
                  f"{seed}) on a second call, compared with the first",
                  hint="Seed a generator of your own, e.g. np.random.default_rng(seed), "
                       "instead of relying on global random state.")
    compare.holds(not np.array_equal(order_other, order),
                  f"seeds {seed} and {seed + 1} give the same order {compare.fmt(order)}; a "
                  "new epoch (a new seed) must reshuffle the samples",
                  hint="Use `seed` to seed the generator that shuffles range(n).")


# --- sgd_step --------------------------------------------------------------------------

@prop("batch_momentum.sgd_step", "equals one step of torch.optim.SGD(lr), for any shape",
      points=1.5, given=sgd_inputs(),
      examples=[{"theta": np.array([[1.0, -2.0]]), "grad": np.array([[1.0, 1.0]]), "lr": 0.1}],
      expect=lambda theta, grad, lr: _torch_sgd(theta, lambda k, th: grad, 1, lr, 0.0)[0][1],
      hint="Move against the gradient: theta - lr * grad, as a new array.")
def sgd_step_matches_torch(theta, grad, lr, expected):
    got = compare.array((yield student.sgd_step(theta, grad, lr)),
                        f"sgd_step(theta, grad, lr={lr})", shape=theta.shape)
    # theta - lr*grad: two roundings, each within u of |theta| + |lr*grad| (entry by entry),
    # on both sides; x4 to spare.  A wrong sign or lr is off by |lr*grad| itself
    compare.within(got, expected, f"sgd_step(theta, grad, lr={lr})",
                   scale=np.abs(theta) + np.abs(lr * grad), ulps=16)


# --- momentum_step ---------------------------------------------------------------------

MOMENTUM_HINT = ("The docstring's convention: velocity' = momentum*velocity - lr*grad is the "
                 "new velocity, and theta' = theta + velocity' uses that new velocity.")


def _momentum_trajectory(values: list[Any], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate a threaded run of momentum_step results: (T, dim) thetas and velocities."""
    thetas, velocities = [], []
    for k, value in enumerate(values):
        what = f"momentum_step at step {k}"
        theta, velocity = compare.sequence(value, what, 2)
        thetas.append(compare.array(theta, f"theta returned by {what}", shape=(dim,)))
        velocities.append(compare.array(velocity, f"velocity returned by {what}", shape=(dim,)))
    return np.array(thetas), np.array(velocities)


def _torch_momentum(theta0, grads, lr, momentum, velocity0=None):
    thetas, velocities = _torch_sgd(theta0, lambda k, th: grads[k], len(grads), lr, momentum,
                                    velocity0)
    return thetas[1:], velocities


@prop("batch_momentum.momentum_step",
      "a run of steps from velocity 0 follows torch.optim.SGD(lr, momentum)",
      points=2, given=momentum_runs(),
      examples=[{"theta0": np.array([1.0, -1.0]), "grads": np.array([[1.0, 2.0]] * 4),
                 "lr": 0.1, "momentum": 0.9},
                {"theta0": np.array([0.5]), "grads": np.full((6, 1), 1e-12), "lr": 0.01,
                 "momentum": 0.5}],
      expect=lambda theta0, grads, lr, momentum: _torch_momentum(theta0, grads, lr, momentum),
      hint=MOMENTUM_HINT)
def momentum_run_matches_torch(theta0, grads, lr, momentum, expected):
    calls = threaded(lambda k, theta, velocity: student.momentum_step(
        theta, grads[k], velocity, lr, momentum), (theta0, np.zeros_like(theta0)), len(grads))
    thetas, velocities = _momentum_trajectory((yield calls), len(theta0))
    exp_thetas, exp_velocities = expected
    compare.close(velocities, exp_velocities,
                  f"the velocity after each step (row = step; lr={lr}, momentum={momentum}), "
                  "compared with -lr * torch's momentum buffer",
                  rtol=1e-9, atol=compare.scaled_atol(exp_velocities))
    compare.close(thetas, exp_thetas,
                  f"theta after each step (row = step; lr={lr}, momentum={momentum})",
                  rtol=1e-9, atol=compare.scaled_atol(exp_thetas))


@prop("batch_momentum.momentum_step",
      "from any velocity, theta' = theta + velocity' and the step equals torch's SGD",
      points=1, given=momentum_states(),
      examples=[{"theta": np.array([0.0, 1.0]), "grad": np.array([1.0, -1.0]),
                 "velocity": np.array([2.0, 3.0]), "lr": 0.1, "momentum": 0.5}],
      expect=lambda theta, grad, velocity, lr, momentum: _torch_momentum(
          theta, grad[None, :], lr, momentum, velocity),
      hint=MOMENTUM_HINT)
def momentum_step_from_any_velocity(theta, grad, velocity, lr, momentum, expected):
    value = yield student.momentum_step(theta, grad, velocity, lr, momentum)
    (new_theta,), (new_velocity,) = _momentum_trajectory([value], len(theta))
    what = f"momentum_step(theta, grad, velocity, lr={lr}, momentum={momentum})"
    # theta' - theta recovers velocity' up to the rounding of the additions that made theta'
    rounding = 8 * np.finfo(np.float64).eps * float(np.max(np.abs(
        [theta, new_theta, momentum * velocity, lr * grad])))
    compare.close(new_theta - theta, new_velocity,
                  f"{what}: theta' - theta compared with the returned velocity'",
                  rtol=1e-12, atol=rounding)
    exp_theta, exp_velocity = expected[0][0], expected[1][0]
    # one step: velocity' rounds within u of |momentum*velocity| + |lr*grad| per operation
    # (3 of them; torch's buffer form -lr*(mu*b + g) the same), theta' adds u of |theta'|
    v_scale = np.abs(momentum * velocity) + np.abs(lr * grad)
    compare.within(new_velocity, exp_velocity, f"{what}: the new velocity", scale=v_scale,
                   ulps=32)
    compare.within(new_theta, exp_theta, f"{what}: the new theta",
                   scale=v_scale + np.abs(theta) + np.abs(exp_theta), ulps=32)


# --- gradient_descent ------------------------------------------------------------------

GD_HINT = ("Return every theta of the run, theta0 first: steps + 1 rows.  Start the velocity "
           "at zero and evaluate grad_fn at the current theta before each update.")


def _check_trajectory(value: Any, A: np.ndarray, b: np.ndarray, theta0: np.ndarray,
                      steps: int, expected: np.ndarray, what: str) -> None:
    """Shape, row 0, then the values."""
    traj = compare.array(value, what, shape=(steps + 1, len(theta0)))
    compare.close(traj[0], theta0, f"row 0 of {what} (must be theta0)", rtol=0, atol=0)
    compare.close(traj, expected,
                  f"{what} (row = step) on the quadratic with gradient A @ theta - b, "
                  f"A = {compare.fmt(A)}, b = {compare.fmt(b)}",
                  rtol=1e-9, atol=compare.scaled_atol(expected))


@prop("batch_momentum.gradient_descent",
      "the trajectory on a quadratic equals torch.optim.SGD(lr, momentum), theta0 first",
      points=2, given=quadratic_runs(),
      examples=[{"A": np.array([[1.0]]), "b": np.array([0.0]), "theta0": np.array([1.0]),
                 "lr": 0.1, "steps": 3, "momentum": 0.9},
                {"A": np.diag([1.0, 10.0]), "b": np.array([1.0, -1.0]),
                 "theta0": np.array([2.0, 2.0]), "lr": 0.05, "steps": 12, "momentum": 0.5}],
      expect=lambda A, b, theta0, lr, steps, momentum: _torch_sgd(
          theta0, lambda k, th: A @ th - b, steps, lr, momentum)[0],
      hint=GD_HINT)
def gradient_descent_matches_torch(A, b, theta0, lr, steps, momentum, expected):
    value = yield student.gradient_descent(quadratic_gradient(A, b), theta0, lr, steps,
                                           momentum=momentum)
    _check_trajectory(value, A, b, theta0, steps, expected,
                      f"gradient_descent(grad_fn, theta0, lr={lr}, steps={steps}, "
                      f"momentum={momentum})")


@prop("batch_momentum.gradient_descent",
      "without a momentum argument it is plain gradient descent; steps = 0 gives [theta0]",
      points=1, given=quadratic_runs(momenta=st.just(0.0)),
      examples=[{"A": np.array([[2.0]]), "b": np.array([1.0]), "theta0": np.array([3.0]),
                 "lr": 0.1, "steps": 0, "momentum": 0.0},
                {"A": np.array([[2.0]]), "b": np.array([1.0]), "theta0": np.array([3.0]),
                 "lr": 0.1, "steps": 5, "momentum": 0.0}],
      expect=lambda A, b, theta0, lr, steps, momentum: _torch_sgd(
          theta0, lambda k, th: A @ th - b, steps, lr, 0.0)[0],
      hint=GD_HINT)
def gradient_descent_default_is_plain(A, b, theta0, lr, steps, momentum, expected):
    value = yield student.gradient_descent(quadratic_gradient(A, b), theta0, lr, steps)
    _check_trajectory(value, A, b, theta0, steps, expected,
                      f"gradient_descent(grad_fn, theta0, lr={lr}, steps={steps})")
