"""The mutants (one plausible bug each) of the ``adaptive_lr`` catalog (see ``__init__``)."""

from __future__ import annotations

import math

import numpy as np

from graders.mutants import Catalog

catalog = Catalog("adaptive_lr")


# --- adagrad_step -------------------------------------------------------------------
@catalog.mutant(
    "adagrad_step",
    "sum_sq' = grad**2 (only the current gradient, not the running sum)",
    misconception="your AdaGrad forgets the past: sum_sq' must be the running sum "
    "sum_sq + grad**2 over all steps so far (see the docstring), not "
    "just the current grad**2",
)
def adagrad_no_accumulation(theta, grad, sum_sq, lr, eps=1e-10):
    sum_sq = grad * grad
    return theta - lr * grad / (np.sqrt(sum_sq) + eps), sum_sq


@catalog.mutant(
    "adagrad_step",
    "eps inside the square root",
    misconception="you add eps inside the square root, sqrt(sum_sq' + eps); the "
    "docstring adds it outside, sqrt(sum_sq') + eps — the difference is "
    "huge for tiny gradients",
)
def adagrad_eps_inside_sqrt(theta, grad, sum_sq, lr, eps=1e-10):
    sum_sq = sum_sq + grad * grad
    return theta - lr * grad / np.sqrt(sum_sq + eps), sum_sq


@catalog.mutant("adagrad_step", "the update divides by the sum before adding the current grad**2")
def adagrad_old_sum(theta, grad, sum_sq, lr, eps=1e-10):
    theta = theta - lr * grad / (np.sqrt(sum_sq) + eps)
    return theta, sum_sq + grad * grad


# --- rmsprop_step -------------------------------------------------------------------
@catalog.mutant(
    "rmsprop_step",
    "eps inside the square root",
    misconception="you add eps inside the square root, sqrt(sq_avg' + eps); the "
    "docstring (like torch) adds it outside, sqrt(sq_avg') + eps",
)
def rmsprop_eps_inside_sqrt(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    sq_avg = alpha * sq_avg + (1.0 - alpha) * grad * grad
    return theta - lr * grad / np.sqrt(sq_avg + eps), sq_avg


@catalog.mutant(
    "rmsprop_step",
    "(1 - alpha) weights the old average, alpha the new grad**2",
    misconception="your moving average swaps the weights: alpha multiplies the old "
    "average and (1 - alpha) the new grad**2 (see the docstring)",
)
def rmsprop_alpha_swapped(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    sq_avg = (1.0 - alpha) * sq_avg + alpha * grad * grad
    return theta - lr * grad / (np.sqrt(sq_avg) + eps), sq_avg


@catalog.mutant(
    "rmsprop_step",
    "first average set to grad**2 (the lecture's sigma_0 = |g_0|)",
    misconception="you start the average at the first grad**2, as the lecture's "
    "sigma_0 = |g_0|; torch's RMSprop (and the docstring) starts it at 0 "
    "and applies the usual update on the first step too",
)
def rmsprop_lecture_start(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    if not np.any(sq_avg):
        sq_avg = grad * grad
    else:
        sq_avg = alpha * sq_avg + (1.0 - alpha) * grad * grad
    return theta - lr * grad / (np.sqrt(sq_avg) + eps), sq_avg


# --- adam_step ----------------------------------------------------------------------
@catalog.mutant(
    "adam_step",
    "Adam without bias correction",
    misconception="your Adam update matches Adam without bias correction: early steps "
    "are too small — see the m_hat / v_hat lines of the docstring",
)
def adam_no_bias_correction(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    return theta - lr * m / (np.sqrt(v) + eps), m, v


@catalog.mutant(
    "adam_step",
    "bias correction with t + 1 (0-based step counting)",
    misconception="your bias correction uses the wrong step number (t + 1): t is "
    "already 1-based, so the first call corrects with 1 - beta**1",
)
def adam_bias_correction_off_by_one(
    theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1 ** (t + 1))
    v_hat = v / (1.0 - beta2 ** (t + 1))
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@catalog.mutant(
    "adam_step",
    "eps inside the square root of v_hat",
    misconception="you add eps inside the square root, sqrt(v_hat + eps); the "
    "docstring adds it outside, sqrt(v_hat) + eps, which matters for "
    "tiny gradients",
)
def adam_eps_inside_sqrt(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), m, v


@catalog.mutant(
    "adam_step",
    "beta1 and beta2 swapped between the moments",
    misconception="your moments use each other's decay: beta1 belongs to the first "
    "moment m and beta2 to the second moment v (see the docstring)",
)
def adam_swapped_betas(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta2 * m + (1.0 - beta2) * grad
    v = beta1 * v + (1.0 - beta1) * grad * grad
    m_hat = m / (1.0 - beta2**t)
    v_hat = v / (1.0 - beta1**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@catalog.mutant(
    "adam_step",
    "returns the bias-corrected m_hat, v_hat as the state",
    misconception="you return the bias-corrected m_hat and v_hat as the new state; the "
    "docstring returns the raw moving averages m', v' — the correction "
    "enters only the update",
)
def adam_returns_corrected_moments(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


@catalog.mutant(
    "adam_step",
    "bias correction folded into the step size, eps left as it is (the paper's form)",
    misconception="you fold the bias correction into the step size, "
    "lr*sqrt(1-beta2**t)/(1-beta1**t), and keep sqrt(v) + eps: that is "
    "sqrt(v_hat) + eps/sqrt(1-beta2**t), a larger eps than the "
    "docstring's sqrt(v_hat) + eps; scale eps by sqrt(1-beta2**t) too, "
    "or correct m and v first",
)
def adam_folded_step_size_eps_unscaled(
    theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    step_size = lr * math.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)
    return theta - step_size * m / (np.sqrt(v) + eps), m, v


# --- noam_lr ------------------------------------------------------------------------
@catalog.mutant(
    "noam_lr",
    "max instead of min of the two terms",
    misconception="you take the larger of the two terms; Noam's schedule is the "
    "smaller one (min), so it rises during the warm-up and then decays",
)
def noam_max_for_min(step, d_model, warmup_steps):
    return float(d_model**-0.5 * max(step**-0.5, step * warmup_steps**-1.5))


@catalog.mutant("noam_lr", "scaled by d_model**0.5 instead of d_model**-0.5")
def noam_sqrt_d_model(step, d_model, warmup_steps):
    return float(d_model**0.5 * min(step**-0.5, step * warmup_steps**-1.5))


@catalog.mutant("noam_lr", "warm-up term counted from step + 1")
def noam_warmup_off_by_one(step, d_model, warmup_steps):
    return float(d_model**-0.5 * min(step**-0.5, (step + 1) * warmup_steps**-1.5))


# --- warmup_cosine_lr ---------------------------------------------------------------
@catalog.mutant(
    "warmup_cosine_lr",
    "the cosine term without its 0.5",
    misconception="your decay misses the factor 0.5: after the warm-up it starts at "
    "2*base_lr - min_lr instead of base_lr (see the docstring's formula)",
)
def cosine_missing_half(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(min_lr + (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)))


@catalog.mutant(
    "warmup_cosine_lr",
    "cosine progress over total_steps instead of total_steps - warmup_steps",
    misconception="your cosine runs over total_steps instead of the total_steps - "
    "warmup_steps steps left after the warm-up, so it never reaches "
    "min_lr at the last step",
)
def cosine_period_total_steps(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    progress = (step - warmup_steps) / total_steps
    return float(min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)))


@catalog.mutant(
    "warmup_cosine_lr",
    "warm-up ramp base_lr * (step + 1) / warmup_steps",
    misconception="your warm-up is one step ahead: it must be 0 at step 0 and reach "
    "base_lr exactly at step == warmup_steps",
)
def cosine_warmup_off_by_one(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return float(base_lr * (step + 1) / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)))


@catalog.mutant(
    "warmup_cosine_lr", "decays towards 0 plus an offset: min_lr + 0.5*base_lr*(1 + cos)"
)
def cosine_ignores_min_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(min_lr + 0.5 * base_lr * (1.0 + math.cos(math.pi * progress)))


MUTANTS = catalog.mutants
