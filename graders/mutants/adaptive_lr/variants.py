"""The correct variants (written differently) of the ``adaptive_lr`` catalog (see ``__init__``)."""

from __future__ import annotations

import math

import numpy as np

from graders.mutants import Catalog

catalog = Catalog("adaptive_lr")


@catalog.variant("adagrad_step", "np.add / np.divide into fresh arrays")
def adagrad_ufuncs(theta, grad, sum_sq, lr, eps=1e-10):
    new_sum = np.add(sum_sq, np.square(grad))
    denom = np.add(np.sqrt(new_sum), eps)
    return np.subtract(theta, np.multiply(lr, np.divide(grad, denom))), new_sum


@catalog.variant(
    "adagrad_step",
    "torch's form: sum.addcmul_(g, g), std = sqrt(sum).add_(eps), addcdiv_(g, std, -clr)",
)
def adagrad_torch_addcmul(theta, grad, sum_sq, lr, eps=1e-10):
    lr_decay, step = 0.0, 1
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum = np.add(sum_sq, 1.0 * np.multiply(grad, grad))
    std = np.add(np.sqrt(state_sum), eps)
    return np.add(theta, -clr * np.divide(grad, std)), state_sum


@catalog.variant("adagrad_step", "element by element with math.sqrt over flattened copies")
def adagrad_loop(theta, grad, sum_sq, lr, eps=1e-10):
    new_theta = np.array(theta, dtype=np.float64)
    new_sum = np.array(sum_sq, dtype=np.float64)
    flat_t, flat_s, flat_g = new_theta.reshape(-1), new_sum.reshape(-1), np.ravel(grad)
    for i in range(flat_g.size):
        flat_s[i] += flat_g[i] ** 2
        flat_t[i] -= lr * flat_g[i] / (math.sqrt(flat_s[i]) + eps)
    return new_theta, new_sum


@catalog.variant(
    "rmsprop_step", "torch's form: sq.mul_(alpha).addcmul_(g, g, 1 - alpha), addcdiv_(g, avg, -lr)"
)
def rmsprop_torch_addcmul(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    square_avg = np.multiply(sq_avg, alpha)
    square_avg = np.add(square_avg, (1 - alpha) * np.multiply(grad, grad))
    avg = np.add(np.sqrt(square_avg), eps)
    return np.add(theta, -lr * np.divide(grad, avg)), square_avg


@catalog.variant(
    "rmsprop_step", "the average as a lerp towards grad**2: sq + (1 - alpha) * (g*g - sq)"
)
def rmsprop_lerp(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    sq_avg = sq_avg + (1 - alpha) * (grad * grad - sq_avg)
    return theta - lr * (grad / (np.sqrt(sq_avg) + eps)), sq_avg


@catalog.variant("rmsprop_step", "element by element with math.sqrt, returned as a list")
def rmsprop_loop(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    theta = np.array(theta, dtype=np.float64)
    sq_avg = np.array(sq_avg, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    for i in np.ndindex(theta.shape):
        sq_avg[i] = alpha * sq_avg[i] + (1.0 - alpha) * g[i] * g[i]
        theta[i] = theta[i] - lr * g[i] / (math.sqrt(sq_avg[i]) + eps)
    return [theta, sq_avg]


@catalog.variant(
    "adam_step", "torch's form: step size lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps"
)
def adam_torch_form(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = m + (grad - m) * (1.0 - beta1)
    v = v * beta2 + (1.0 - beta2) * grad**2
    bias_correction1 = 1.0 - beta1**t
    bias_correction2 = 1.0 - beta2**t
    denom = np.sqrt(v) / math.sqrt(bias_correction2) + eps
    return theta - (lr / bias_correction1) * m / denom, m, v


@catalog.variant(
    "adam_step", "the field's torch form: m + (1 - beta1) * (grad - m), sqrt(v) / sqrt(bc2) + eps"
)
def adam_torch_lerp_field(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = m + (1 - beta1) * (grad - m)
    v = v * beta2 + (1 - beta2) * grad * grad
    bc1 = 1 - beta1**t
    bc2 = 1 - beta2**t
    denom = np.sqrt(v) / math.sqrt(bc2) + eps
    return theta - lr / bc1 * m / denom, m, v


def _lerp(start, end, weight):
    # torch.lerp: start + w*(end - start) for w < 0.5, else end - (end - start)*(1 - w)
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


@catalog.variant(
    "adam_step", "torch's AdamW with weight_decay=0: torch.lerp's two branches, addcmul_, addcdiv_"
)
def adamw_no_decay_torch(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    weight_decay = 0.0
    param = np.multiply(theta, 1 - lr * weight_decay)
    exp_avg = _lerp(m, grad, 1 - beta1)
    exp_avg_sq = np.add(np.multiply(v, beta2), (1 - beta2) * np.multiply(grad, grad))
    step_size = lr / (1 - beta1**t)
    bias_correction2_sqrt = math.sqrt(1 - beta2**t)
    denom = np.add(np.sqrt(exp_avg_sq) / bias_correction2_sqrt, eps)
    return np.add(param, -step_size * np.divide(exp_avg, denom)), exp_avg, exp_avg_sq


@catalog.variant(
    "adam_step", "bias correction folded into the step size, with eps * sqrt(1 - beta2**t)"
)
def adam_folded_step_size(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    root_bc2 = math.sqrt(1.0 - beta2**t)
    step_size = lr * root_bc2 / (1.0 - beta1**t)
    return theta - step_size * m / (np.sqrt(v) + eps * root_bc2), m, v


@catalog.variant("noam_lr", "min as an explicit comparison of 1/sqrt(step) and step/(w*sqrt(w))")
def noam_rsqrt_branch(step, d_model, warmup_steps):
    decay = 1.0 / math.sqrt(step)
    ramp = step / (warmup_steps * math.sqrt(warmup_steps))
    rate = ramp if ramp < decay else decay
    return rate / math.sqrt(d_model)


@catalog.variant("noam_lr", "the peak (d_model*w)**-0.5 times min(step/w, sqrt(w/step))")
def noam_peak_form(step, d_model, warmup_steps):
    peak = (d_model * warmup_steps) ** -0.5
    return peak * min(step / warmup_steps, math.sqrt(warmup_steps / step))


@catalog.variant("noam_lr", "an explicit if on the warm-up instead of min")
def noam_branches(step, d_model, warmup_steps):
    if step < warmup_steps:
        rate = step / warmup_steps**1.5
    else:
        rate = 1.0 / math.sqrt(step)
    return rate / math.sqrt(d_model)


@catalog.variant(
    "warmup_cosine_lr", "0.5*(1 + cos x) written as cos(x/2)**2, with step < warmup_steps"
)
def cosine_squared_form(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return step / warmup_steps * base_lr
    half_angle = 0.5 * math.pi * (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + (base_lr - min_lr) * math.cos(half_angle) ** 2


@catalog.variant("warmup_cosine_lr", "cos x computed as 1 - 2 sin(x/2)**2")
def cosine_one_minus_two_sin_squared(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return base_lr * (step / warmup_steps)
    x = math.pi * (step - warmup_steps) / (total_steps - warmup_steps)
    cos_x = 1.0 - 2.0 * math.sin(x / 2) ** 2
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + cos_x)


@catalog.variant(
    "warmup_cosine_lr",
    "np.interp for the warm-up, np.cos of the progress, returned as a NumPy float",
)
def cosine_numpy_interp(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return np.interp(step, [0, warmup_steps], [0.0, base_lr])
    progress = np.float64(step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + (base_lr - min_lr) * (np.cos(np.pi * progress) + 1) / 2


VARIANTS = catalog.variants
