"""reference.batch_momentum against torch.optim.SGD and its own defining properties."""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reference.batch_momentum import gradient_descent, momentum_step, sgd_step, shuffled_batches

REFERENCE = settings(max_examples=50, derandomize=True, database=None, deadline=None)

seeds = st.integers(0, 2**32 - 1)


def finite(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats in [low, high], no subnormals (shrinks towards 0 or the bound nearest it)."""
    return st.floats(low, high, allow_subnormal=False)


def vectors(n: int, bound: float) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of shape (n,) with independent entries in [-bound, bound]."""
    return arrays(np.float64, (n,), elements=finite(-bound, bound), fill=st.nothing())


def read_only(a) -> np.ndarray:
    """A read-only float64 copy: any in-place write by the code under test raises ValueError."""
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


# ---------------------------------------------------------------- shuffled mini-batches


@REFERENCE
@given(st.integers(0, 200), st.integers(1, 50), seeds)
def test_shuffled_batches_partition_a_permutation(n, batch_size, seed):
    """The batches are int64 arrays, batch_size long but the last (non-empty), covering range(n)."""
    batches = shuffled_batches(n, batch_size, seed)
    assert isinstance(batches, list)
    assert len(batches) == math.ceil(n / batch_size)
    for batch in batches:
        assert isinstance(batch, np.ndarray) and batch.dtype == np.int64 and batch.ndim == 1
    assert all(len(batch) == batch_size for batch in batches[:-1])
    if batches:
        assert 1 <= len(batches[-1]) <= batch_size
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))


@REFERENCE
@given(st.integers(1, 200), st.integers(1, 50), seeds)
def test_shuffled_batches_cut_default_rng_permutation_in_order(n, batch_size, seed):
    """The order is np.random.default_rng(seed).permutation(n), and the same seed repeats it."""
    batches = shuffled_batches(n, batch_size, seed)
    order = np.random.default_rng(seed).permutation(n)
    np.testing.assert_array_equal(np.concatenate(batches), order)
    again = shuffled_batches(n, batch_size, seed)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))


@REFERENCE
@given(st.integers(10, 200), st.integers(1, 50), seeds)
def test_a_new_epoch_seed_reshuffles(n, batch_size, seed):
    """Different seeds (epochs) give different orders for n >= 10 (a tie has chance 1/10!)."""
    first = np.concatenate(shuffled_batches(n, batch_size, seed))
    second = np.concatenate(shuffled_batches(n, batch_size, seed + 1))
    assert not np.array_equal(first, second)


def test_shuffled_batches_edge_sizes():
    """n = 0 gives []; batch_size >= n gives one batch; batch_size = 1 gives n singletons."""
    assert shuffled_batches(0, 4, seed=0) == []
    (only,) = shuffled_batches(5, 8, seed=0)
    np.testing.assert_array_equal(np.sort(only), np.arange(5))
    assert [len(b) for b in shuffled_batches(7, 1, seed=0)] == [1] * 7
    assert [len(b) for b in shuffled_batches(10, 4, seed=0)] == [4, 4, 2]


# ---------------------------------------------------------------- SGD and momentum vs torch


@st.composite
def quadratic_problems(draw: st.DrawFn):
    """(A, b, θ0, lr, momentum, steps) for L(θ) = ½ θᵀAθ - bᵀθ, gradient Aθ - b.

    A = Q diag(λ) Qᵀ with λ in [0.1, 2], n = 1..4; lr in [0.01, 0.5] and momentum in
    [0, 0.95], so lr·λ < 2(1 + momentum) and the iteration converges (values stay O(30));
    10..30 steps.  Shrinks towards n = 1, lr = 0.01, momentum 0, 10 steps.
    """
    n = draw(st.integers(1, 4))
    Q, _ = np.linalg.qr(draw(arrays(np.float64, (n, n), elements=finite(-1, 1), fill=st.nothing())))
    eigenvalues = np.array(draw(st.lists(finite(0.1, 2.0), min_size=n, max_size=n)))
    A = Q @ np.diag(eigenvalues) @ Q.T
    return (
        0.5 * (A + A.T),
        draw(vectors(n, 2.0)),
        draw(vectors(n, 3.0)),
        draw(finite(0.01, 0.5)),
        draw(st.one_of(st.just(0.0), finite(0.0, 0.95))),
        draw(st.integers(10, 30)),
    )


def torch_sgd_trajectory(A, b, theta0, lr, momentum, steps):
    """θ_0..θ_steps from torch.optim.SGD, the gradient Aθ - b set from the current θ each step."""
    p = torch.tensor(theta0, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=lr, momentum=momentum)
    trajectory = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.tensor(A @ p.detach().numpy() - b)
        optimizer.step()
        trajectory.append(p.detach().numpy().copy())
    return np.array(trajectory)


# Trajectory tolerance: torch steps θ - lr·b with b = μb + g, the reference θ + (μv - lr·g):
# the same numbers in another order, a few ulp (~1e-14 on values <= ~30) per step, carried
# through <= 30 contracting steps (observed max 3.6e-15 over 500 random problems).  1e-12
# keeps a wide margin; the wrong momentum convention or an off-by-one step is >= 1e-3 off.
TRAJECTORY_TOL = 1e-12


@REFERENCE
@given(quadratic_problems())
def test_gradient_descent_matches_torch_sgd_trajectory(problem):
    """gradient_descent's (steps+1, dim) trajectory equals torch.optim.SGD(lr, momentum)'s."""
    A, b, theta0, lr, momentum, steps = problem
    frozen = read_only(theta0)
    got = gradient_descent(lambda t: A @ t - b, frozen, lr, steps, momentum=momentum)
    expected = torch_sgd_trajectory(A, b, theta0, lr, momentum, steps)
    assert got.shape == (steps + 1, theta0.size) and got.dtype == np.float64
    np.testing.assert_array_equal(got[0], theta0)
    np.testing.assert_array_equal(frozen, theta0)
    np.testing.assert_allclose(got, expected, rtol=TRAJECTORY_TOL, atol=TRAJECTORY_TOL)


@REFERENCE
@given(quadratic_problems())
def test_momentum_steps_match_torch_sgd_trajectory(problem):
    """Iterated momentum_step from velocity 0 follows torch.optim.SGD; velocity = -lr·buffer."""
    A, b, theta0, lr, momentum, steps = problem
    theta, velocity = theta0, np.zeros_like(theta0)
    trajectory = [theta]
    for _ in range(steps):
        theta, velocity = momentum_step(
            read_only(theta), read_only(A @ theta - b), read_only(velocity), lr, momentum
        )
        trajectory.append(theta)
    expected = torch_sgd_trajectory(A, b, theta0, lr, momentum, steps)
    np.testing.assert_allclose(
        np.array(trajectory), expected, rtol=TRAJECTORY_TOL, atol=TRAJECTORY_TOL
    )


@REFERENCE
@given(vectors(4, 3.0), vectors(4, 3.0), vectors(4, 1.0), finite(0.01, 0.5), finite(0.05, 0.95))
def test_momentum_step_continues_a_torch_buffer(theta, grad, velocity, lr, momentum):
    """From any velocity v, momentum_step equals torch SGD with buffer -v/lr: v' = μv - lr·g, θ' = θ + v'."""
    # (momentum > 0: torch keeps no buffer at momentum 0)
    new_theta, new_velocity = momentum_step(
        read_only(theta), read_only(grad), read_only(velocity), lr, momentum
    )
    p = torch.tensor(theta, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=lr, momentum=momentum)
    optimizer.state[p]["momentum_buffer"] = torch.tensor(-velocity / lr)
    p.grad = torch.tensor(grad)
    optimizer.step()
    buffer = optimizer.state[p]["momentum_buffer"].numpy()
    assert new_theta.shape == theta.shape and new_velocity.shape == theta.shape
    # Dividing by lr and multiplying back costs a few ulp of values <= ~200 (buffer) and
    # <= ~5 (θ, v): atol 1e-13 is ~20 ulp at the θ scale.
    np.testing.assert_allclose(new_theta, p.detach().numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(new_velocity, -lr * buffer, rtol=1e-13, atol=1e-13)


@REFERENCE
@given(vectors(4, 3.0), vectors(4, 3.0), finite(0.0, 1.0))
def test_sgd_step_matches_torch_sgd(theta, grad, lr):
    """sgd_step returns a new array θ - lr·grad, one torch.optim.SGD step (momentum 0)."""
    got = sgd_step(read_only(theta), read_only(grad), lr)
    p = torch.tensor(theta, requires_grad=True)
    p.grad = torch.tensor(grad)
    torch.optim.SGD([p], lr=lr).step()
    assert got.shape == theta.shape and got.dtype == np.float64
    assert not np.shares_memory(got, theta)
    # One multiply-add; torch may fuse it (FMA): at most ~1 ulp of values <= 6, so 1e-14.
    np.testing.assert_allclose(got, p.detach().numpy(), rtol=0, atol=1e-14)


# ---------------------------------------------------------------- gradient_descent conventions


@REFERENCE
@given(quadratic_problems())
def test_gradient_descent_without_momentum_is_plain_sgd(problem):
    """momentum=0 (the default) is step for step sgd_step, bit for bit."""
    A, b, theta0, lr, _, steps = problem
    got = gradient_descent(lambda t: A @ t - b, theta0, lr, steps)
    theta, expected = theta0, [theta0]
    for _ in range(steps):
        theta = sgd_step(theta, A @ theta - b, lr)
        expected.append(theta)
    np.testing.assert_array_equal(got, np.array(expected))


@REFERENCE
@given(quadratic_problems())
def test_gradient_descent_calls_grad_fn_once_per_step_on_the_current_theta(problem):
    """grad_fn is called `steps` times, on θ_0..θ_{steps-1}; a list result works like an array."""
    A, b, theta0, lr, momentum, steps = problem
    seen = []

    def grad_fn(t):
        seen.append(np.array(t))
        grad = A @ t - b
        t[...] = np.nan  # scribbling on the argument must not leak into the trajectory
        return list(grad)

    got = gradient_descent(grad_fn, theta0, lr, steps, momentum)
    assert len(seen) == steps
    np.testing.assert_array_equal(np.array(seen), got[:-1])
    expected = gradient_descent(lambda t: A @ t - b, theta0, lr, steps, momentum)
    np.testing.assert_array_equal(got, expected)


def test_gradient_descent_zero_steps_and_velocity_start():
    """steps=0 returns [θ0]; the first step is θ0 - lr·g(θ0) whatever the momentum (v starts at 0)."""
    theta0 = np.array([1.0, -2.0])
    np.testing.assert_array_equal(gradient_descent(lambda t: t, theta0, 0.1, 0), [theta0])
    got = gradient_descent(lambda t: 2 * t, theta0, 0.1, 1, momentum=0.9)
    np.testing.assert_allclose(got[1], theta0 - 0.1 * 2 * theta0, rtol=1e-15)


def test_torch_buffer_equals_the_velocity_only_at_a_constant_lr():
    """torch's buffer b = μb + g, θ -= lr·b gives SPEC's trajectory at a constant lr and a
    different one when lr changes between steps (the new lr scales the whole buffer)."""
    grads = [np.array([1.0, -0.5]), np.array([0.3, 0.2]), np.array([-0.4, 1.0])]

    def both(rates):
        theta, velocity, buf, torch_theta = np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2)
        for g, lr in zip(grads, rates):
            theta, velocity = momentum_step(theta, g, velocity, lr, 0.9)
            buf = 0.9 * buf + g
            torch_theta = torch_theta - lr * buf
        return theta, torch_theta

    same, torch_same = both([0.1, 0.1, 0.1])
    np.testing.assert_allclose(same, torch_same, rtol=1e-14, atol=1e-15)
    changed, torch_changed = both([0.1, 0.01, 0.1])
    assert np.max(np.abs(changed - torch_changed)) > 1e-3
