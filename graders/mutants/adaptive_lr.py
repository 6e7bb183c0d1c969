"""Known-wrong and correct-but-different ``adaptive_lr`` implementations (staff only).

Each mutant rewrites one exercise function with one plausible bug; no reference function
calls another, so each breaks exactly its own.  The subtle ones are the point: eps inside
the square root only shows with tiny gradients, the bias-correction index only in the first
steps, returning the corrected moments only once the state is threaded to the next step.

Adam with the bias correction folded into the step size, ``lr·sqrt(1-beta2**t)/(1-beta1**t)``
(the paper's "more efficient" order), is SPEC's update only if eps is folded too: dividing
``m / (sqrt(v) + eps)`` by ``sqrt(1-beta2**t)`` gives ``sqrt(v_hat) + eps/sqrt(1-beta2**t)``, an
eps up to 1/sqrt(1-beta2) = 31.6 times larger.  That changes a step by ~eps/sqrt(v_hat)
relative (3e-7 at moderate gradients, O(1) at tiny ones), far beyond rounding: a mutant.
With ``eps·sqrt(1-beta2**t)`` in the denominator it is the same update: a variant.
"""

from __future__ import annotations

from graders.mutants import Degenerate, Mutant, Variant, degenerate_family

MUTANTS = [
    # --- adagrad_step -------------------------------------------------------------------
    Mutant(
        id="adagrad_no_accumulation", function="adagrad_step",
        title="sum_sq' = grad**2 (only the current gradient, not the running sum)",
        misconception="your AdaGrad forgets the past: sum_sq' must be the running sum "
                      "sum_sq + grad**2 over all steps so far (see the docstring), not just "
                      "the current grad**2",
        source='''
def adagrad_step(theta, grad, sum_sq, lr, eps=1e-10):
    sum_sq = grad * grad
    return theta - lr * grad / (np.sqrt(sum_sq) + eps), sum_sq
'''),
    Mutant(
        id="adagrad_eps_inside_sqrt", function="adagrad_step",
        title="eps inside the square root",
        misconception="you add eps inside the square root, sqrt(sum_sq' + eps); the "
                      "docstring adds it outside, sqrt(sum_sq') + eps — the difference is "
                      "huge for tiny gradients",
        source='''
def adagrad_step(theta, grad, sum_sq, lr, eps=1e-10):
    sum_sq = sum_sq + grad * grad
    return theta - lr * grad / np.sqrt(sum_sq + eps), sum_sq
'''),
    Mutant(
        id="adagrad_old_sum", function="adagrad_step",
        title="the update divides by the sum before adding the current grad**2",
        source='''
def adagrad_step(theta, grad, sum_sq, lr, eps=1e-10):
    theta = theta - lr * grad / (np.sqrt(sum_sq) + eps)
    return theta, sum_sq + grad * grad
'''),
    # --- rmsprop_step -------------------------------------------------------------------
    Mutant(
        id="rmsprop_eps_inside_sqrt", function="rmsprop_step",
        title="eps inside the square root",
        misconception="you add eps inside the square root, sqrt(sq_avg' + eps); the "
                      "docstring (like torch) adds it outside, sqrt(sq_avg') + eps",
        source='''
def rmsprop_step(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    sq_avg = alpha * sq_avg + (1.0 - alpha) * grad * grad
    return theta - lr * grad / np.sqrt(sq_avg + eps), sq_avg
'''),
    Mutant(
        id="rmsprop_alpha_swapped", function="rmsprop_step",
        title="(1 - alpha) weights the old average, alpha the new grad**2",
        misconception="your moving average swaps the weights: alpha multiplies the old "
                      "average and (1 - alpha) the new grad**2 (see the docstring)",
        source='''
def rmsprop_step(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    sq_avg = (1.0 - alpha) * sq_avg + alpha * grad * grad
    return theta - lr * grad / (np.sqrt(sq_avg) + eps), sq_avg
'''),
    Mutant(
        id="rmsprop_lecture_start", function="rmsprop_step",
        title="first average set to grad**2 (the lecture's sigma_0 = |g_0|)",
        misconception="you start the average at the first grad**2, as the lecture's "
                      "sigma_0 = |g_0|; torch's RMSprop (and the docstring) starts it at 0 "
                      "and applies the usual update on the first step too",
        source='''
def rmsprop_step(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    if not np.any(sq_avg):
        sq_avg = grad * grad
    else:
        sq_avg = alpha * sq_avg + (1.0 - alpha) * grad * grad
    return theta - lr * grad / (np.sqrt(sq_avg) + eps), sq_avg
'''),
    # --- adam_step ----------------------------------------------------------------------
    Mutant(
        id="adam_no_bias_correction", function="adam_step",
        title="Adam without bias correction",
        misconception="your Adam update matches Adam without bias correction: early steps "
                      "are too small — see the m_hat / v_hat lines of the docstring",
        source='''
def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    return theta - lr * m / (np.sqrt(v) + eps), m, v
'''),
    Mutant(
        id="adam_bias_correction_off_by_one", function="adam_step",
        title="bias correction with t + 1 (0-based step counting)",
        misconception="your bias correction uses the wrong step number (t + 1): t is "
                      "already 1-based, so the first call corrects with 1 - beta**1",
        source='''
def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1 ** (t + 1))
    v_hat = v / (1.0 - beta2 ** (t + 1))
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
'''),
    Mutant(
        id="adam_eps_inside_sqrt", function="adam_step",
        title="eps inside the square root of v_hat",
        misconception="you add eps inside the square root, sqrt(v_hat + eps); the docstring "
                      "adds it outside, sqrt(v_hat) + eps, which matters for tiny gradients",
        source='''
def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), m, v
'''),
    Mutant(
        id="adam_swapped_betas", function="adam_step",
        title="beta1 and beta2 swapped between the moments",
        misconception="your moments use each other's decay: beta1 belongs to the first "
                      "moment m and beta2 to the second moment v (see the docstring)",
        source='''
def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta2 * m + (1.0 - beta2) * grad
    v = beta1 * v + (1.0 - beta1) * grad * grad
    m_hat = m / (1.0 - beta2**t)
    v_hat = v / (1.0 - beta1**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
'''),
    Mutant(
        id="adam_returns_corrected_moments", function="adam_step",
        title="returns the bias-corrected m_hat, v_hat as the state",
        misconception="you return the bias-corrected m_hat and v_hat as the new state; "
                      "the docstring returns the raw moving averages m', v' — the correction "
                      "enters only the update",
        source='''
def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat
'''),
    Mutant(
        id="adam_folded_step_size_eps_unscaled", function="adam_step",
        title="bias correction folded into the step size, eps left as it is (the paper's form)",
        misconception="you fold the bias correction into the step size, "
                      "lr*sqrt(1-beta2**t)/(1-beta1**t), and keep sqrt(v) + eps: that is "
                      "sqrt(v_hat) + eps/sqrt(1-beta2**t), a larger eps than the docstring's "
                      "sqrt(v_hat) + eps; scale eps by sqrt(1-beta2**t) too, or correct m "
                      "and v first",
        source='''
import math


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    step_size = lr * math.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)
    return theta - step_size * m / (np.sqrt(v) + eps), m, v
'''),
    # --- noam_lr ------------------------------------------------------------------------
    Mutant(
        id="noam_max_for_min", function="noam_lr",
        title="max instead of min of the two terms",
        misconception="you take the larger of the two terms; Noam's schedule is the smaller "
                      "one (min), so it rises during the warm-up and then decays",
        source='''
def noam_lr(step, d_model, warmup_steps):
    return float(d_model**-0.5 * max(step**-0.5, step * warmup_steps**-1.5))
'''),
    Mutant(
        id="noam_sqrt_d_model", function="noam_lr",
        title="scaled by d_model**0.5 instead of d_model**-0.5",
        source='''
def noam_lr(step, d_model, warmup_steps):
    return float(d_model**0.5 * min(step**-0.5, step * warmup_steps**-1.5))
'''),
    Mutant(
        id="noam_warmup_off_by_one", function="noam_lr",
        title="warm-up term counted from step + 1",
        source='''
def noam_lr(step, d_model, warmup_steps):
    return float(d_model**-0.5 * min(step**-0.5, (step + 1) * warmup_steps**-1.5))
'''),
    # --- warmup_cosine_lr ---------------------------------------------------------------
    Mutant(
        id="cosine_missing_half", function="warmup_cosine_lr",
        title="the cosine term without its 0.5",
        misconception="your decay misses the factor 0.5: after the warm-up it starts at "
                      "2*base_lr - min_lr instead of base_lr (see the docstring's formula)",
        source='''
import math


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(min_lr + (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)))
'''),
    Mutant(
        id="cosine_period_total_steps", function="warmup_cosine_lr",
        title="cosine progress over total_steps instead of total_steps - warmup_steps",
        misconception="your cosine runs over total_steps instead of the "
                      "total_steps - warmup_steps steps left after the warm-up, so it never "
                      "reaches min_lr at the last step",
        source='''
import math


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    progress = (step - warmup_steps) / total_steps
    return float(min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)))
'''),
    Mutant(
        id="cosine_warmup_off_by_one", function="warmup_cosine_lr",
        title="warm-up ramp base_lr * (step + 1) / warmup_steps",
        misconception="your warm-up is one step ahead: it must be 0 at step 0 and reach "
                      "base_lr exactly at step == warmup_steps",
        source='''
import math


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return float(base_lr * (step + 1) / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress)))
'''),
    Mutant(
        id="cosine_ignores_min_lr", function="warmup_cosine_lr",
        title="decays towards 0 plus an offset: min_lr + 0.5*base_lr*(1 + cos)",
        source='''
import math


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(min_lr + 0.5 * base_lr * (1.0 + math.cos(math.pi * progress)))
'''),
]

VARIANTS = [
    Variant(
        id="adagrad_ufuncs", function="adagrad_step",
        title="np.add / np.divide into fresh arrays",
        source='''
def adagrad_step(theta, grad, sum_sq, lr, eps=1e-10):
    new_sum = np.add(sum_sq, np.square(grad))
    denom = np.add(np.sqrt(new_sum), eps)
    return np.subtract(theta, np.multiply(lr, np.divide(grad, denom))), new_sum
'''),
    Variant(
        id="adagrad_torch_addcmul", function="adagrad_step",
        title="torch's form: sum.addcmul_(g, g), std = sqrt(sum).add_(eps), addcdiv_(g, std, -clr)",
        source='''
def adagrad_step(theta, grad, sum_sq, lr, eps=1e-10):
    lr_decay, step = 0.0, 1
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum = np.add(sum_sq, 1.0 * np.multiply(grad, grad))
    std = np.add(np.sqrt(state_sum), eps)
    return np.add(theta, -clr * np.divide(grad, std)), state_sum
'''),
    Variant(
        id="adagrad_loop", function="adagrad_step",
        title="element by element with math.sqrt over flattened copies",
        source='''
import math


def adagrad_step(theta, grad, sum_sq, lr, eps=1e-10):
    new_theta = np.array(theta, dtype=np.float64)
    new_sum = np.array(sum_sq, dtype=np.float64)
    flat_t, flat_s, flat_g = new_theta.reshape(-1), new_sum.reshape(-1), np.ravel(grad)
    for i in range(flat_g.size):
        flat_s[i] += flat_g[i] ** 2
        flat_t[i] -= lr * flat_g[i] / (math.sqrt(flat_s[i]) + eps)
    return new_theta, new_sum
'''),
    Variant(
        id="rmsprop_torch_addcmul", function="rmsprop_step",
        title="torch's form: sq.mul_(alpha).addcmul_(g, g, 1 - alpha), addcdiv_(g, avg, -lr)",
        source='''
def rmsprop_step(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    square_avg = np.multiply(sq_avg, alpha)
    square_avg = np.add(square_avg, (1 - alpha) * np.multiply(grad, grad))
    avg = np.add(np.sqrt(square_avg), eps)
    return np.add(theta, -lr * np.divide(grad, avg)), square_avg
'''),
    Variant(
        id="rmsprop_lerp", function="rmsprop_step",
        title="the average as a lerp towards grad**2: sq + (1 - alpha) * (g*g - sq)",
        source='''
def rmsprop_step(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    sq_avg = sq_avg + (1 - alpha) * (grad * grad - sq_avg)
    return theta - lr * (grad / (np.sqrt(sq_avg) + eps)), sq_avg
'''),
    Variant(
        id="rmsprop_loop", function="rmsprop_step",
        title="element by element with math.sqrt, returned as a list",
        source='''
import math


def rmsprop_step(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    theta = np.array(theta, dtype=np.float64)
    sq_avg = np.array(sq_avg, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    for i in np.ndindex(theta.shape):
        sq_avg[i] = alpha * sq_avg[i] + (1.0 - alpha) * g[i] * g[i]
        theta[i] = theta[i] - lr * g[i] / (math.sqrt(sq_avg[i]) + eps)
    return [theta, sq_avg]
'''),
    Variant(
        id="adam_torch_form", function="adam_step",
        title="torch's form: step size lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps",
        source='''
import math


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = m + (grad - m) * (1.0 - beta1)
    v = v * beta2 + (1.0 - beta2) * grad**2
    bias_correction1 = 1.0 - beta1**t
    bias_correction2 = 1.0 - beta2**t
    denom = np.sqrt(v) / math.sqrt(bias_correction2) + eps
    return theta - (lr / bias_correction1) * m / denom, m, v
'''),
    Variant(
        id="adam_torch_lerp_field", function="adam_step",
        title="the field's torch form: m + (1 - beta1) * (grad - m), sqrt(v) / sqrt(bc2) + eps",
        source='''
import math


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = m + (1 - beta1) * (grad - m)
    v = v * beta2 + (1 - beta2) * grad * grad
    bc1 = 1 - beta1 ** t
    bc2 = 1 - beta2 ** t
    denom = np.sqrt(v) / math.sqrt(bc2) + eps
    return theta - lr / bc1 * m / denom, m, v
'''),
    Variant(
        id="adamw_no_decay_torch", function="adam_step",
        title="torch's AdamW with weight_decay=0: torch.lerp's two branches, addcmul_, addcdiv_",
        source='''
import math


def _lerp(start, end, weight):
    # torch.lerp: start + w*(end - start) for w < 0.5, else end - (end - start)*(1 - w)
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    weight_decay = 0.0
    param = np.multiply(theta, 1 - lr * weight_decay)
    exp_avg = _lerp(m, grad, 1 - beta1)
    exp_avg_sq = np.add(np.multiply(v, beta2), (1 - beta2) * np.multiply(grad, grad))
    step_size = lr / (1 - beta1 ** t)
    bias_correction2_sqrt = math.sqrt(1 - beta2 ** t)
    denom = np.add(np.sqrt(exp_avg_sq) / bias_correction2_sqrt, eps)
    return np.add(param, -step_size * np.divide(exp_avg, denom)), exp_avg, exp_avg_sq
'''),
    Variant(
        id="adam_folded_step_size", function="adam_step",
        title="bias correction folded into the step size, with eps * sqrt(1 - beta2**t)",
        source='''
import math


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    root_bc2 = math.sqrt(1.0 - beta2**t)
    step_size = lr * root_bc2 / (1.0 - beta1**t)
    return theta - step_size * m / (np.sqrt(v) + eps * root_bc2), m, v
'''),
    Variant(
        id="noam_rsqrt_branch", function="noam_lr",
        title="min as an explicit comparison of 1/sqrt(step) and step/(w*sqrt(w))",
        source='''
import math


def noam_lr(step, d_model, warmup_steps):
    decay = 1.0 / math.sqrt(step)
    ramp = step / (warmup_steps * math.sqrt(warmup_steps))
    rate = ramp if ramp < decay else decay
    return rate / math.sqrt(d_model)
'''),
    Variant(
        id="noam_peak_form", function="noam_lr",
        title="the peak (d_model*w)**-0.5 times min(step/w, sqrt(w/step))",
        source='''
import math


def noam_lr(step, d_model, warmup_steps):
    peak = (d_model * warmup_steps) ** -0.5
    return peak * min(step / warmup_steps, math.sqrt(warmup_steps / step))
'''),
    Variant(
        id="noam_branches", function="noam_lr",
        title="an explicit if on the warm-up instead of min",
        source='''
import math


def noam_lr(step, d_model, warmup_steps):
    if step < warmup_steps:
        rate = step / warmup_steps**1.5
    else:
        rate = 1.0 / math.sqrt(step)
    return rate / math.sqrt(d_model)
'''),
    Variant(
        id="cosine_squared_form", function="warmup_cosine_lr",
        title="0.5*(1 + cos x) written as cos(x/2)**2, with step < warmup_steps",
        source='''
import math


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return step / warmup_steps * base_lr
    half_angle = 0.5 * math.pi * (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + (base_lr - min_lr) * math.cos(half_angle) ** 2
'''),
    Variant(
        id="cosine_one_minus_two_sin_squared", function="warmup_cosine_lr",
        title="cos x computed as 1 - 2 sin(x/2)**2",
        source='''
import math


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return base_lr * (step / warmup_steps)
    x = math.pi * (step - warmup_steps) / (total_steps - warmup_steps)
    cos_x = 1.0 - 2.0 * math.sin(x / 2) ** 2
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + cos_x)
'''),
    Variant(
        id="cosine_numpy_interp", function="warmup_cosine_lr",
        title="np.interp for the warm-up, np.cos of the progress, returned as a NumPy float",
        source='''
def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    if step < warmup_steps:
        return np.interp(step, [0, warmup_steps], [0.0, base_lr])
    progress = np.float64(step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + (base_lr - min_lr) * (np.cos(np.pi * progress) + 1) / 2
'''),
]

# the values a real run of each step can be asked for: theta unchanged with the right state,
# or the state returned as given (a run threading it never accumulates anything)
DEGENERATES = degenerate_family("adaptive_lr", {
    "adagrad_step": ["zeros", "ones", "identity", "noise"],
    "rmsprop_step": ["zeros", "ones", "identity", "noise"],
    "adam_step": ["zeros", "ones", "identity", "noise"],
    "noam_lr": ["zeros", "ones", "identity", "noise"],
    "warmup_cosine_lr": ["zeros", "ones", "identity", "noise"],
}) + [
    Degenerate(
        id="adagrad_theta_unchanged", function="adagrad_step",
        title="the right sum_sq, theta returned unchanged",
        source='''
def adagrad_step(theta, grad, sum_sq, lr, eps=1e-10):
    return np.array(theta, dtype=np.float64), sum_sq + grad * grad
'''),
    Degenerate(
        id="rmsprop_state_unchanged", function="rmsprop_step",
        title="the step of this update, sq_avg returned as given",
        source='''
def rmsprop_step(theta, grad, sq_avg, lr, alpha=0.99, eps=1e-8):
    new_avg = alpha * sq_avg + (1.0 - alpha) * grad * grad
    return theta - lr * grad / (np.sqrt(new_avg) + eps), np.array(sq_avg, dtype=np.float64)
'''),
    Degenerate(
        id="adam_theta_unchanged", function="adam_step",
        title="the right m and v, theta returned unchanged",
        source='''
def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    return np.array(theta, dtype=np.float64), m, v
'''),
    Degenerate(
        id="adam_state_unchanged", function="adam_step",
        title="the step of this update, m and v returned as given",
        source='''
def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    new_m = beta1 * m + (1.0 - beta1) * grad
    new_v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat, v_hat = new_m / (1.0 - beta1**t), new_v / (1.0 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), np.array(m), np.array(v)
'''),
    Degenerate(
        id="noam_constant_peak", function="noam_lr",
        title="a constant learning rate: the peak (d_model*warmup_steps)**-0.5 at every step",
        source='''
def noam_lr(step, d_model, warmup_steps):
    return float((d_model * warmup_steps) ** -0.5)
'''),
    Degenerate(
        id="cosine_constant_base_lr", function="warmup_cosine_lr",
        title="a constant learning rate: base_lr at every step",
        source='''
def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    return float(base_lr)
'''),
]
