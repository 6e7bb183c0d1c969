"""Classification: softmax, cross-entropy, sigmoid, and MSE vs cross-entropy.

Ground truth for the ``classification`` assignment.  ``logits`` has shape ``(N, K)``
(N samples, K classes) and ``labels`` is an integer array of shape ``(N,)`` with values in
``[0, K)``.  Every function is pure: it returns new arrays and leaves its inputs alone.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


### BEGIN SOLUTION
def _onehot(labels: NDArray[np.integer], num_classes: int) -> NDArray[np.float64]:
    """Rows of the identity: ``onehot[n, k] = 1.0`` if ``labels[n] == k`` else ``0.0``."""
    return np.eye(num_classes, dtype=np.float64)[np.asarray(labels)]


### END SOLUTION


def softmax(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Softmax along the last axis: ``softmax(z)_k = exp(z_k) / sum_j exp(z_j)``.

    Works for any ``ndim >= 1`` (a 1-D vector is one distribution, a matrix is one per row,
    ``K = 1`` gives all ones).  Finite for any finite input: the row maximum is subtracted
    first, ``exp(z - max(z)) / sum(exp(z - max(z)))``, which is the same value because
    softmax is invariant to adding a constant to every logit of a row, while the largest
    exponent is ``exp(0) = 1``, so nothing overflows and the sum is at least 1.  Without the
    shift, logits around 710 overflow ``exp`` and the result is ``inf / inf = nan``.
    Matches ``torch.softmax(z, dim=-1)``.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    # shift each row so its largest logit is 0
    shifted = z - np.max(z, axis=-1, keepdims=True)
    # exponentiate and normalise
    e = np.exp(shifted)
    p: NDArray[np.float64] = e / np.sum(e, axis=-1, keepdims=True)
    return p
    ### END SOLUTION


def log_softmax(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Log of the softmax along the last axis: ``z_k - log(sum_j exp(z_j))``.

    Computed as ``(z - m) - log(sum_j exp(z_j - m))`` with ``m = max(z)`` per row (the
    log-sum-exp trick): finite for any finite input and accurate for very negative
    log-probabilities, where ``np.log(softmax(z))`` would give ``log(0) = -inf`` once a
    probability underflows (e.g. logits ``[1e4, -1e4]``).  Any ``ndim >= 1``, along the
    last axis; ``K = 1`` gives zeros.  Matches ``torch.log_softmax(z, dim=-1)``.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    # shift each row so its largest logit is 0
    shifted = z - np.max(z, axis=-1, keepdims=True)
    # subtract the log of the normaliser (the sum is in [1, K], so the log is safe)
    out: NDArray[np.float64] = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return out
    ### END SOLUTION


def sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Logistic sigmoid, elementwise: ``sigmoid(z) = 1 / (1 + exp(-z))``.

    It is the two-class softmax with the second logit fixed at 0:
    ``sigmoid(z) = softmax([z, 0])[0]``.  Computed in the stable form that never
    exponentiates a positive number, so there are no overflow warnings for large ``|z|``:
    ``1 / (1 + exp(-z))`` for ``z >= 0`` and ``exp(z) / (1 + exp(z))`` for ``z < 0``
    (exactly what the max-shifted softmax of ``[z, 0]`` computes).  Matches
    ``torch.sigmoid``.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    # exp of minus the magnitude is in (0, 1]: it cannot overflow
    e = np.exp(-np.abs(z))
    # z >= 0: 1 / (1 + exp(-z));  z < 0: exp(z) / (1 + exp(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)
    ### END SOLUTION


def cross_entropy(logits: NDArray[np.float64], labels: NDArray[np.integer]) -> float:
    """Mean cross-entropy: ``-(1/N) sum_n log softmax(logits[n])[labels[n]]``.

    Returns a Python ``float``.  The mean (not the sum) over the batch, as
    ``torch.nn.functional.cross_entropy(logits, labels)`` with its default
    ``reduction="mean"``; the lecture writes the loss of one sample.  Uses
    :func:`log_softmax`, so it is finite for any finite logits.
    """
    ### BEGIN SOLUTION
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)
    n = logits.shape[0]
    # log-probability of the correct class for each sample
    picked = log_softmax(logits)[np.arange(n), labels]
    # average negative log-likelihood over the batch
    return float(-np.mean(picked))
    ### END SOLUTION


def cross_entropy_grad(
    logits: NDArray[np.float64], labels: NDArray[np.integer]
) -> NDArray[np.float64]:
    """Gradient of :func:`cross_entropy` w.r.t. the logits: ``(softmax(logits) - onehot) / N``.

    Shape ``(N, K)``.  The ``1 / N`` comes from the batch mean; per sample the gradient is
    the lecture's ``y' - y`` (prediction minus one-hot target).
    """
    ### BEGIN SOLUTION
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    # prediction minus one-hot target, averaged over the batch
    grad: NDArray[np.float64] = (softmax(logits) - _onehot(labels, k)) / n
    return grad
    ### END SOLUTION


def softmax_mse(logits: NDArray[np.float64], labels: NDArray[np.integer]) -> float:
    """Mean squared error of the softmax output: ``(1/N) sum_n sum_k (onehot - softmax)**2``.

    Returns a Python ``float``.  Summed over the K classes and averaged over the N samples
    (note: *not* ``np.mean`` over all ``N*K`` entries, which would divide by ``K`` too).
    The lecture's comparison with cross-entropy: when the predicted probability of the
    correct class is near 0, this loss is flat (its gradient vanishes) while cross-entropy
    is steep.
    """
    ### BEGIN SOLUTION
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    # squared error of the probabilities, summed over classes, averaged over samples
    err = _onehot(labels, k) - softmax(logits)
    return float(np.sum(err**2) / n)
    ### END SOLUTION


def softmax_mse_grad(
    logits: NDArray[np.float64], labels: NDArray[np.integer]
) -> NDArray[np.float64]:
    """Gradient of :func:`softmax_mse` w.r.t. the logits, shape ``(N, K)``.

    With ``p = softmax(logits[n])`` and ``y = onehot(labels[n])``, the gradient w.r.t.
    ``p`` is ``g = 2 (p - y) / N``; the chain rule through the softmax Jacobian
    ``dp_j/dz_k = p_j (delta_jk - p_k)`` gives ``dL/dz_k = p_k (g_k - sum_j g_j p_j)``.
    Unlike :func:`cross_entropy_grad`, this is *not* ``(p - y) / N``: the softmax Jacobian
    does not cancel, which is why MSE learns slowly from confident mistakes.
    """
    ### BEGIN SOLUTION
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    p = softmax(logits)
    # gradient of the loss w.r.t. the probabilities
    g = 2.0 * (p - _onehot(labels, k)) / n
    # back through the softmax Jacobian, one row at a time (vectorised)
    grad: NDArray[np.float64] = p * (g - np.sum(g * p, axis=-1, keepdims=True))
    return grad
    ### END SOLUTION
