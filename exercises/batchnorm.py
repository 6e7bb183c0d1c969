"""Batch normalization: training forward/backward, running statistics, inference.

Ground truth for the ``batchnorm`` assignment, with PyTorch's ``nn.BatchNorm1d``
conventions.  ``x`` has shape ``(N, D)`` with ``N >= 2``; every statistic is per feature
(over axis 0) and ``gamma``, ``beta``, ``running_mean``, ``running_var`` have shape
``(D,)``.  Every function is pure: it returns new arrays and leaves its inputs alone.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def batchnorm_forward(
    x: NDArray[np.float64],
    gamma: NDArray[np.float64],
    beta: NDArray[np.float64],
    eps: float = 1e-5,
) -> NDArray[np.float64]:
    """Training-mode batch norm: ``y = gamma * (x - mean) / sqrt(var + eps) + beta``.

    ``mean`` and ``var`` are the per-feature statistics of this batch (over axis 0), and
    ``var`` is the *biased* variance ``mean((x - mean)**2)`` (divide by ``N``), as
    ``nn.BatchNorm1d`` in ``train()`` mode normalizes.  ``eps`` is added to the variance
    inside the square root.  A constant feature (``var = 0``) gives ``y = beta`` in that
    column.  Returns an ``(N, D)`` array.
    """
    raise NotImplementedError("batchnorm.batchnorm_forward: not implemented yet")


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
    raise NotImplementedError("batchnorm.batchnorm_backward: not implemented yet")


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
    raise NotImplementedError("batchnorm.update_running_stats: not implemented yet")


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
    raise NotImplementedError("batchnorm.batchnorm_inference: not implemented yet")
