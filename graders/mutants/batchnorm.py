"""Known-wrong, degenerate and correct-but-different ``batchnorm`` implementations (staff only).

Each mutant rewrites one exercise function with one plausible bug.  The reference's private
``_normalize`` is shared by ``batchnorm_forward`` and ``batchnorm_backward``, so no mutant
touches it: a wrong normalization is written inline in the one function it breaks.

``DEGENERATES``: the generic family (zeros, ones, noise, the input unchanged — for the
backward pass dy passed through as dx, for the running statistics the old ones kept) and the
field's cases: inference returning beta broadcast to x's shape (each sample's output then
ignores the others), a backward pass with dx = 0 beside the correct dgamma and dbeta (dx then
sums to 0), a forward pass returning beta (every feature's mean is then beta).
"""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog, degenerate_family
from reference.batchnorm import _normalize

catalog = Catalog("batchnorm")


@catalog.mutant(
    "batchnorm_forward",
    "training forward with the unbiased variance",
    misconception="your forward pass normalizes with the unbiased variance (divide by "
    "N - 1), so the output's std is sqrt((N-1)/N) too small; training "
    "mode uses the biased batch variance (divide by N) — see the "
    "docstring, and note that only the running variance is unbiased",
)
def forward_unbiased_variance(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


@catalog.mutant(
    "batchnorm_forward",
    "eps added outside the square root in the forward pass",
    misconception="your forward pass divides by sqrt(var) + eps instead of sqrt(var + "
    "eps): eps belongs inside the square root (see the docstring's "
    "formula)",
)
def forward_eps_outside_sqrt(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    return gamma * (x - mean) / (np.sqrt(var) + eps) + beta


@catalog.mutant("batchnorm_forward", "statistics over axis 1 (per sample, like layer norm)")
def forward_stats_over_features(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


@catalog.mutant("batchnorm_backward", "backward without the gradient through the batch mean")
def backward_no_mean_path(dy, x, gamma, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    x_hat, inv_std = _normalize(x, eps)
    dbeta = np.sum(dy, axis=0)
    dgamma = np.sum(dy * x_hat, axis=0)
    dx_hat = dy * gamma
    dx = inv_std * (dx_hat - x_hat * np.mean(dx_hat * x_hat, axis=0))
    return dx, dgamma, dbeta


@catalog.mutant(
    "batchnorm_backward",
    "backward without the gradient through the batch variance",
    misconception="your dx treats the batch variance as a constant: it misses the "
    "x_hat * mean(dy * gamma * x_hat) term of the docstring's formula "
    "(every sample changes the variance that normalizes the others)",
)
def backward_no_variance_path(dy, x, gamma, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    x_hat, inv_std = _normalize(x, eps)
    dbeta = np.sum(dy, axis=0)
    dgamma = np.sum(dy * x_hat, axis=0)
    dx_hat = dy * gamma
    dx = inv_std * (dx_hat - np.mean(dx_hat, axis=0))
    return dx, dgamma, dbeta


@catalog.mutant("batchnorm_backward", "dgamma summing dy instead of dy * x_hat")
def backward_dgamma_sums_dy(dy, x, gamma, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    x_hat, inv_std = _normalize(x, eps)
    dbeta = np.sum(dy, axis=0)
    dgamma = np.sum(dy, axis=0)
    dx_hat = dy * gamma
    dx = inv_std * (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0))
    return dx, dgamma, dbeta


@catalog.mutant(
    "batchnorm_backward", "backward recomputing the statistics with the unbiased variance"
)
def backward_unbiased_variance(dy, x, gamma, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    inv_std = 1.0 / np.sqrt(x.var(axis=0, ddof=1) + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    dbeta = np.sum(dy, axis=0)
    dgamma = np.sum(dy * x_hat, axis=0)
    dx_hat = dy * gamma
    dx = inv_std * (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0))
    return dx, dgamma, dbeta


@catalog.mutant(
    "update_running_stats",
    "running variance updated with the biased batch variance",
    misconception="your running variance averages the biased batch variance (divide by "
    "N); nn.BatchNorm1d stores the unbiased one (divide by N - 1) — see "
    "the docstring of update_running_stats",
)
def running_var_biased(running_mean, running_var, x, momentum=0.1):
    x = np.asarray(x, dtype=np.float64)
    new_mean = (1.0 - momentum) * running_mean + momentum * x.mean(axis=0)
    new_var = (1.0 - momentum) * running_var + momentum * x.var(axis=0)
    return new_mean, new_var


@catalog.mutant(
    "update_running_stats",
    "momentum and 1 - momentum swapped (the lecture's p used as momentum)",
    misconception="your update weighs the old statistic by momentum and the new batch "
    "by 1 - momentum: that is the lecture's p, but here momentum is "
    "PyTorch's weight of the *new* batch (p = 1 - momentum) — see the "
    "docstring",
)
def running_momentum_swapped(running_mean, running_var, x, momentum=0.1):
    x = np.asarray(x, dtype=np.float64)
    new_mean = momentum * running_mean + (1.0 - momentum) * x.mean(axis=0)
    new_var = momentum * running_var + (1.0 - momentum) * x.var(axis=0, ddof=1)
    return new_mean, new_var


@catalog.mutant(
    "batchnorm_inference",
    "inference normalizing with the batch's own statistics",
    misconception="your inference uses the statistics of the batch it is given, so one "
    "sample's output depends on the other samples; eval() mode uses "
    "running_mean and running_var only — see the docstring",
)
def inference_batch_statistics(x, gamma, beta, running_mean, running_var, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta


@catalog.mutant("batchnorm_inference", "inference without eps")
def inference_no_eps(x, gamma, beta, running_mean, running_var, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    return gamma * (x - running_mean) / np.sqrt(running_var) + beta


@catalog.variant("batchnorm_forward", "forward with np.mean / np.var and an explicit division")
def forward_naive_centring(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=0)
    sigma2 = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(sigma2 + eps)
    return gamma * x_hat + beta


@catalog.variant(
    "batchnorm_backward",
    "backward through the computational graph, one node at a time (CS231n style)",
)
def backward_staged_graph(dy, x, gamma, eps=1e-5):
    n = x.shape[0]
    mu = x.sum(axis=0) / n
    xc = x - mu
    var = (xc**2).sum(axis=0) / n
    std = np.sqrt(var + eps)
    istd = 1.0 / std
    x_hat = xc * istd
    dbeta = dy.sum(axis=0)
    dgamma = (dy * x_hat).sum(axis=0)
    dx_hat = dy * gamma
    distd = (dx_hat * xc).sum(axis=0)
    dxc = dx_hat * istd
    dstd = -distd / std**2
    dvar = 0.5 * dstd / std
    dxc = dxc + 2.0 * xc * dvar / n
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / n
    return (dx, dgamma, dbeta)


@catalog.variant(
    "update_running_stats",
    "the lecture's moving average with p = 1 - momentum, unbiased by N / (N - 1)",
)
def running_lecture_p(running_mean, running_var, x, momentum=0.1):
    p = 1.0 - momentum
    n = len(x)
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0) * n / (n - 1)
    return [p * running_mean + (1 - p) * mean, p * running_var + (1 - p) * var]


@catalog.variant("batchnorm_inference", "inference as one fused scale and shift per feature")
def inference_fused_affine(x, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    shift = beta - running_mean * scale
    out = np.empty_like(x, dtype=np.float64)
    for i in range(x.shape[0]):
        out[i] = x[i] * scale + shift
    return out


@catalog.variant(
    "batchnorm_forward", "forward one feature at a time, mean and variance as sums divided by N"
)
def forward_cs231n_loops(x, gamma, beta, eps=1e-5):
    n, d = x.shape
    out = np.empty((n, d))
    for j in range(d):
        col = x[:, j]
        mu = col.sum() / n
        var = ((col - mu) ** 2).sum() / n
        out[:, j] = gamma[j] * (col - mu) / np.sqrt(var + eps) + beta[j]
    return out


@catalog.variant(
    "batchnorm_forward", "forward as one fused scale gamma / sqrt(var + eps) and shift per feature"
)
def forward_fused_scale(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    scale = gamma / np.sqrt(x.var(axis=0) + eps)
    return (x - mu) * scale + beta


@catalog.variant(
    "batchnorm_backward",
    "backward in CS231n's compact form, gamma*inv_std/N * (N*dy - sum dy - x_hat*sum(dy*x_hat))",
)
def backward_cs231n_compact(dy, x, gamma, eps=1e-5):
    n = x.shape[0]
    mu = x.mean(axis=0)
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mu) * inv_std
    dbeta = dy.sum(axis=0)
    dgamma = (dy * x_hat).sum(axis=0)
    dx = gamma * inv_std / n * (n * dy - dy.sum(0) - x_hat * (dy * x_hat).sum(0))
    return dx, dgamma, dbeta


@catalog.variant(
    "batchnorm_backward", "backward through each feature's N x N Jacobian of y with respect to x"
)
def backward_jacobian_per_feature(dy, x, gamma, eps=1e-5):
    n, d = x.shape
    dx, dgamma, dbeta = np.empty((n, d)), np.empty(d), np.empty(d)
    for j in range(d):
        mu = np.mean(x[:, j])
        inv_std = 1.0 / np.sqrt(np.mean((x[:, j] - mu) ** 2) + eps)
        x_hat = (x[:, j] - mu) * inv_std
        jac = gamma[j] * inv_std * (np.eye(n) - 1.0 / n - np.outer(x_hat, x_hat) / n)
        dx[:, j] = jac.T @ dy[:, j]
        dgamma[j] = dy[:, j] @ x_hat
        dbeta[j] = np.sum(dy[:, j])
    return dx, dgamma, dbeta


@catalog.variant(
    "update_running_stats",
    "running statistics with the unbiased variance written out, sum / (N - 1)",
)
def running_explicit_unbiased(running_mean, running_var, x, momentum=0.1):
    n = x.shape[0]
    mean = x.sum(axis=0) / n
    var = ((x - mean) ** 2).sum(axis=0) / (n - 1)
    return (
        (1 - momentum) * running_mean + momentum * mean,
        (1 - momentum) * running_var + momentum * var,
    )


@catalog.variant(
    "update_running_stats",
    "running statistics in the lerp form old + momentum * (new - old), np.var(ddof=1)",
)
def running_torch_lerp(running_mean, running_var, x, momentum=0.1):
    mean = np.mean(x, axis=0)
    var = np.var(x, axis=0, ddof=1)
    return (
        np.add(running_mean, momentum * (mean - running_mean)),
        np.add(running_var, momentum * (var - running_var)),
    )


@catalog.variant(
    "batchnorm_inference",
    "inference in CS231n's form: x_hat from the running statistics, then gamma * x_hat + beta",
)
def inference_cs231n(x, gamma, beta, running_mean, running_var, eps=1e-5):
    x_hat = (x - running_mean) / np.sqrt(running_var + eps)
    return gamma * x_hat + beta


@catalog.variant(
    "batchnorm_inference",
    "inference scaling each feature with np.einsum by gamma * (running_var + eps) ** -0.5",
)
def inference_einsum_rsqrt(x, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma * (running_var + eps) ** -0.5
    return np.einsum("nd,d->nd", x - running_mean, scale) + beta


@catalog.degenerate(
    "batchnorm_inference", "inference returning beta broadcast to x's shape, as seen in the field"
)
def inference_returns_beta(x, gamma, beta, running_mean, running_var, eps=1e-5):
    return np.broadcast_to(beta, np.shape(x)).copy()


@catalog.degenerate(
    "batchnorm_backward",
    "backward returning dx = 0 beside the correct dgamma and dbeta, as seen in the field",
)
def backward_dx_zero(dy, x, gamma, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    x_hat, _ = _normalize(x, eps)
    return np.zeros_like(x), np.sum(dy * x_hat, axis=0), np.sum(dy, axis=0)


@catalog.degenerate(
    "batchnorm_forward",
    "forward returning beta broadcast to x's shape (every feature's mean is beta)",
)
def forward_returns_beta(x, gamma, beta, eps=1e-5):
    return np.zeros(np.shape(x)) + beta


@catalog.variant(
    "batchnorm_forward", "torch.nn.functional.batch_norm in training mode, on float64 tensors"
)
def forward_torch_functional(x, gamma, beta, eps=1e-5):
    # a student who reaches for the library: torch is imported by the submission itself
    import torch
    from torch.nn import functional

    def tensor(a):
        return torch.as_tensor(np.asarray(a, dtype=np.float64))

    out = functional.batch_norm(
        tensor(x), None, None, tensor(gamma), tensor(beta), training=True, eps=eps
    )
    return out.numpy()


MUTANTS = catalog.mutants
VARIANTS = catalog.variants
DEGENERATES = (
    degenerate_family(
        "batchnorm",
        {
            "batchnorm_forward": ["zeros", "ones", "noise", "identity"],
            "batchnorm_backward": ["zeros", "ones", "noise", "identity"],
            "update_running_stats": ["zeros", "ones", "noise", "identity"],
            "batchnorm_inference": ["zeros", "ones", "noise", "identity"],
        },
    )
    + catalog.degenerates
)
