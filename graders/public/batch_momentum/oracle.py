"""PyTorch as the oracle of ``batch_momentum``: ``torch.optim.SGD`` stepped on given gradients,
and the rounding-error model the runs are compared within (judge side)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from graders import oracles

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


def torch_sgd(
    theta0: np.ndarray,
    grads: Callable[[int, np.ndarray], np.ndarray],
    steps: int,
    lr: float,
    momentum: float,
    velocity0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
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
        velocities.append(
            -lr * oracles.numpy(opt.state[p]["momentum_buffer"]) if momentum != 0 else -lr * g
        )
    return np.array(thetas), np.array(velocities)


def torch_momentum(
    theta0: np.ndarray,
    grads: np.ndarray,
    lr: float,
    momentum: float,
    velocity0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """torch's run on the (T, dim) ``grads``: the T thetas after each step, and the velocities."""
    thetas, velocities = torch_sgd(
        theta0, lambda k, th: grads[k], len(grads), lr, momentum, velocity0
    )
    return thetas[1:], velocities
