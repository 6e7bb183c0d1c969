# propgrade demo submission: broken (lists instead of arrays)
"""Batch normalization: training forward/backward, running statistics, inference.

Ground truth for the ``batchnorm`` assignment, with PyTorch's ``nn.BatchNorm1d``
conventions.  ``x`` has shape ``(N, D)`` with ``N >= 2``; every statistic is per feature
(over axis 0) and ``gamma``, ``beta``, ``running_mean``, ``running_var`` have shape
``(D,)``.  Every function is pure: it returns new arrays and leaves its inputs alone.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


### BEGIN SOLUTION
def _normalize(
    x: NDArray[np.float64], eps: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-feature ``(x_hat, 1 / sqrt(var + eps))`` with the biased batch variance.

    Centring first subtracts the first sample (``x - mean = (x - x[0]) - mean(x - x[0])``
    exactly in real arithmetic): a constant feature then centres to exact zeros, so its
    ``x_hat`` is exactly 0 instead of rounding noise divided by ``sqrt(eps)``.
    """
    shifted = x - x[0]
    centred = shifted - shifted.mean(axis=0)
    # biased variance: divide by N, as the training-mode forward pass does
    inv_std = 1.0 / np.sqrt(np.mean(centred**2, axis=0) + eps)
    return centred * inv_std, inv_std


### END SOLUTION


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    return [[0.0] * x.shape[1]] * x.shape[0]


def batchnorm_backward(
    dy: NDArray[np.float64],
    x: NDArray[np.float64],
    gamma: NDArray[np.float64],
    eps: float = 1e-5,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Gradients of :func:`batchnorm_forward` given the upstream gradient ``dy = dL/dy``.

    Returns ``(dx, dgamma, dbeta)`` with shapes ``(N, D)``, ``(D,)``, ``(D,)``:

    - ``dbeta = sum_n dy``, ``dgamma = sum_n dy * x_hat``;
    - ``dx = gamma / sqrt(var + eps) * (dy - mean_n(dy) - x_hat * mean_n(dy * x_hat))``.

    The batch statistics are recomputed from ``x`` (biased variance, as in the forward
    pass).  ``dx`` includes the paths through the batch mean and variance: every sample's
    output depends on every other sample's input in the same feature.  The same values as
    autograd through ``nn.BatchNorm1d`` in ``train()`` mode (``x.grad``, ``weight.grad``,
    ``bias.grad``).  Finite for a constant feature (its ``x_hat`` is 0).
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    # recompute the normalized input of the forward pass
    x_hat, inv_std = _normalize(x, eps)
    # gradients of the affine scale-and-shift
    dbeta = np.sum(dy, axis=0)
    dgamma = np.sum(dy * x_hat, axis=0)
    # back through the normalization, including the batch mean and variance
    dx_hat = dy * gamma
    dx = inv_std * (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0))
    return dx, dgamma, dbeta
    ### END SOLUTION


def update_running_stats(
    running_mean: NDArray[np.float64],
    running_var: NDArray[np.float64],
    x: NDArray[np.float64],
    momentum: float = 0.1,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One update of the running statistics: ``new = (1 - momentum) * old + momentum * stat``.

    ``stat`` is the batch mean for ``running_mean`` and the *unbiased* batch variance
    (divide by ``N - 1``) for ``running_var`` -- unlike the forward pass, which normalizes
    with the biased one; this is ``nn.BatchNorm1d``'s convention.  ``momentum`` is the
    weight of the *new* batch (PyTorch's meaning); the lecture's moving average
    ``old <- p * old + (1 - p) * stat`` is the same update with ``p = 1 - momentum``.
    Returns new ``(running_mean, running_var)`` arrays of shape ``(D,)``.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    # this batch's statistics: mean and unbiased variance per feature
    batch_mean = np.mean(x, axis=0)
    batch_var = np.var(x, axis=0, ddof=1)
    # exponential moving average towards them
    new_mean = (1.0 - momentum) * running_mean + momentum * batch_mean
    new_var = (1.0 - momentum) * running_var + momentum * batch_var
    return new_mean, new_var
    ### END SOLUTION


def batchnorm_inference(
    x: NDArray[np.float64],
    gamma: NDArray[np.float64],
    beta: NDArray[np.float64],
    running_mean: NDArray[np.float64],
    running_var: NDArray[np.float64],
    eps: float = 1e-5,
) -> NDArray[np.float64]:
    """Inference-mode batch norm with the stored statistics:

    ``y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta``.

    The batch's own statistics are not used, so each sample's output depends on that
    sample alone (``nn.BatchNorm1d`` in ``eval()`` mode).  Returns an ``(N, D)`` array.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    # normalize with the running statistics, then scale and shift
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    ### END SOLUTION
