# propgrade demo submission: correct (np.add / np.divide into fresh arrays)
"""Adaptive learning rates: AdaGrad, RMSProp, Adam, learning-rate warm-up and decay.

Ground truth for the ``adaptive_lr`` assignment.  The optimizer steps follow
``torch.optim`` exactly (functional style: the math in a pure function, the state in the
caller).  State arrays (``sum_sq``, ``sq_avg``, ``m``, ``v``) start at zero and have
``theta``'s shape; every step returns *new* arrays and leaves its inputs alone.  The
schedules return the learning rate for one step as a Python ``float``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def adagrad_step(theta, grad, sum_sq, lr, eps=1e-10):
    new_sum = np.add(sum_sq, np.square(grad))
    denom = np.add(np.sqrt(new_sum), eps)
    return np.subtract(theta, np.multiply(lr, np.divide(grad, denom))), new_sum


def rmsprop_step(
    theta: NDArray[np.float64],
    grad: NDArray[np.float64],
    sq_avg: NDArray[np.float64],
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One RMSProp step; returns ``(theta', sq_avg')``.

    ``sq_avg' = alpha * sq_avg + (1 - alpha) * grad**2`` (exponential moving average of
    squared gradients, ``alpha`` the weight of the *old* average) and
    ``theta' = theta - lr * grad / (sqrt(sq_avg') + eps)``, ``eps`` outside the square
    root.  As ``torch.optim.RMSprop`` with ``momentum=0`` and ``centered=False``.

    The average starts at 0 (torch), so the first step divides by
    ``sqrt(1 - alpha) * |g_0|``: with ``alpha = 0.99`` it is 10 times larger than
    ``lr * sign(g_0)``.  The lecture instead starts with ``sigma_0 = |g_0|`` (a first step
    of ``lr * sign(g_0)``); the trajectories differ from the first step on.
    """
    ### BEGIN SOLUTION
    # move the average of squared gradients towards the current one
    sq_avg = alpha * sq_avg + (1.0 - alpha) * grad * grad
    # scale the step by the root of the average
    theta = theta - lr * grad / (np.sqrt(sq_avg) + eps)
    return theta, sq_avg
    ### END SOLUTION


def adam_step(
    theta: NDArray[np.float64],
    grad: NDArray[np.float64],
    m: NDArray[np.float64],
    v: NDArray[np.float64],
    t: int,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """One Adam step; returns ``(theta', m', v')``.

    - ``m' = beta1 * m + (1 - beta1) * grad`` (first moment, the momentum);
    - ``v' = beta2 * v + (1 - beta2) * grad**2`` (second moment, as RMSProp);
    - bias correction ``m_hat = m' / (1 - beta1**t)``, ``v_hat = v' / (1 - beta2**t)``;
    - ``theta' = theta - lr * m_hat / (sqrt(v_hat) + eps)``.

    ``t`` is the 1-based number of this step (1 on the first call, with ``m = v = 0``);
    ``t = 0`` would divide by zero.  The returned ``m'``, ``v'`` are the raw moving
    averages, *not* bias-corrected: the correction enters only the parameter update.
    ``eps`` is added outside the square root of ``v_hat`` (as ``torch.optim.Adam`` and the
    paper), so it matters for tiny gradients: with ``|grad| ~ 1e-12`` the step is about
    ``lr * grad / eps``, not ``lr * sign(grad)``.  As ``torch.optim.Adam`` with
    ``weight_decay=0``, ``amsgrad=False``.
    """
    ### BEGIN SOLUTION
    # update the biased first and second moment estimates
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    # correct their bias towards the zero initial state
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    # step against the normalized momentum
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v
    ### END SOLUTION


def noam_lr(step: int, d_model: int, warmup_steps: int) -> float:
    """Noam schedule (Transformer paper): linear warm-up, then inverse-square-root decay.

    ``lr = d_model**-0.5 * min(step**-0.5, step * warmup_steps**-1.5)``.  The two terms
    are equal at ``step == warmup_steps``, where the schedule peaks at
    ``(d_model * warmup_steps)**-0.5``; before it the rate grows linearly, after it decays
    as ``step**-0.5``.  ``step`` counts from 1: at ``step == 0`` the formula divides by
    zero, and a ``ValueError`` is raised for ``step < 1``.  ``torch.optim.lr_scheduler.
    LambdaLR`` calls its function at step 0 when it is constructed, so a Noam lambda needs
    a guard there (e.g. ``max(step, 1)``).
    """
    ### BEGIN SOLUTION
    if step < 1:
        raise ValueError(f"noam_lr: step must be >= 1 (step**-0.5 is undefined at 0), got {step}")
    if warmup_steps < 1:
        raise ValueError(f"noam_lr: warmup_steps must be >= 1, got {warmup_steps}")
    # the smaller of the decay and the warm-up ramp, scaled by the model width
    return float(d_model**-0.5 * min(step**-0.5, step * warmup_steps**-1.5))
    ### END SOLUTION


def warmup_cosine_lr(
    step: int,
    base_lr: float,
    warmup_steps: int,
    total_steps: int,
    min_lr: float = 0.0,
) -> float:
    """Linear warm-up from 0 to ``base_lr``, then cosine decay to ``min_lr``.

    - ``step < warmup_steps``: ``base_lr * step / warmup_steps`` (0 at step 0);
    - otherwise: ``min_lr + 0.5 * (base_lr - min_lr) * (1 + cos(pi * s / T))`` with
      ``s = step - warmup_steps`` and ``T = total_steps - warmup_steps``: ``base_lr`` at
      ``step == warmup_steps``, ``min_lr`` at ``step == total_steps``.

    Domain: ``0 <= step <= total_steps`` and ``0 <= warmup_steps < total_steps``;
    ``ValueError`` outside it.  With ``warmup_steps == 0`` there is no warm-up and step 0
    already has ``base_lr``.  For ``warmup_steps >= 2``, driven from step 1, it equals
    torch's ``SequentialLR`` of ``LinearLR(start_factor=1/warmup_steps,
    total_iters=warmup_steps-1)`` and ``CosineAnnealingLR(T_max=T, eta_min=min_lr)`` with
    ``milestones=[warmup_steps-1]`` (torch's ``LinearLR`` cannot start at exactly 0).
    """
    ### BEGIN SOLUTION
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(
            f"warmup_cosine_lr: need 0 <= warmup_steps < total_steps, "
            f"got warmup_steps={warmup_steps}, total_steps={total_steps}"
        )
    if not 0 <= step <= total_steps:
        raise ValueError(f"warmup_cosine_lr: step must be in [0, {total_steps}], got {step}")
    # warm-up: a straight line from 0 to base_lr
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    # decay: half a cosine period from base_lr down to min_lr
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(min_lr + 0.5 * (base_lr - min_lr) * (1.0 + np.cos(np.pi * progress)))
    ### END SOLUTION
