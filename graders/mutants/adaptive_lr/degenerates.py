"""The degenerate entries (right form, no computation) of the ``adaptive_lr`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog, degenerate_family

catalog = Catalog("adaptive_lr")


@catalog.degenerate("adagrad_step", "the right sum_sq, theta returned unchanged")
def adagrad_theta_unchanged(theta, grad, sum_sq, lr, eps=1e-10):
    return np.array(theta, dtype=np.float64), sum_sq + grad * grad


@catalog.degenerate("rmsprop_step", "the step of this update, sq_avg returned as given")
def rmsprop_state_unchanged(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    new_avg = alpha * sq_avg + (1.0 - alpha) * grad * grad
    return theta - lr * grad / (np.sqrt(new_avg) + eps), np.array(sq_avg, dtype=np.float64)


@catalog.degenerate("adam_step", "the right m and v, theta returned unchanged")
def adam_theta_unchanged(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    return np.array(theta, dtype=np.float64), m, v


@catalog.degenerate("adam_step", "the step of this update, m and v returned as given")
def adam_state_unchanged(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    new_m = beta1 * m + (1.0 - beta1) * grad
    new_v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat, v_hat = new_m / (1.0 - beta1**t), new_v / (1.0 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), np.array(m), np.array(v)


@catalog.degenerate(
    "noam_lr", "a constant learning rate: the peak (d_model*warmup_steps)**-0.5 at every step"
)
def noam_constant_peak(step, d_model, warmup_steps):
    return float((d_model * warmup_steps) ** -0.5)


@catalog.degenerate("warmup_cosine_lr", "a constant learning rate: base_lr at every step")
def cosine_constant_base_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    return float(base_lr)


DEGENERATES = (
    degenerate_family(
        "adaptive_lr",
        {
            "adagrad_step": ["zeros", "ones", "identity", "noise"],
            "rmsprop_step": ["zeros", "ones", "identity", "noise"],
            "adam_step": ["zeros", "ones", "identity", "noise"],
            "noam_lr": ["zeros", "ones", "identity", "noise"],
            "warmup_cosine_lr": ["zeros", "ones", "identity", "noise"],
        },
    )
    + catalog.degenerates
)
