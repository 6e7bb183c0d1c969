"""Known-wrong, degenerate and correct-but-different ``classification`` implementations.

Staff only.  Mutants and degenerate entries of ``softmax`` / ``log_softmax`` go through
``isolate``: the reference's callers (``cross_entropy`` calls ``log_softmax``) keep the right one.

``DEGENERATES``: the generic family (the kinds that have the answer's form; a scalar loss has
no "uniform" or "input" form) and the field's cases, each satisfying a relation or necessary
condition: the uniform distribution and the argmax's one-hot (probability vectors, shift
invariant), log(1/K), 0.5 (sigmoid(-z) = 1 - sigmoid(z)), the uniform guess's gradient and loss.
"""

from __future__ import annotations

import math

import numpy as np

from graders.mutants import Catalog, degenerate_family
from reference.classification import _onehot, log_softmax, softmax

catalog = Catalog("classification")


@catalog.mutant(
    "softmax",
    "softmax without subtracting the row maximum",
    isolated=True,
    misconception="your softmax exponentiates the logits as they are: exp overflows "
    "for logits above ~709 and the result is inf / inf = nan; subtract "
    "each row's maximum first (see the docstring: softmax is shift "
    "invariant)",
)
def softmax_no_max_shift(z):
    e = np.exp(np.asarray(z, dtype=np.float64))
    return e / np.sum(e, axis=-1, keepdims=True)


@catalog.mutant(
    "softmax",
    "softmax normalised along axis 0 (over the batch)",
    isolated=True,
    misconception="your softmax normalises each column (axis 0, over the samples) "
    "instead of each row: the docstring's softmax runs along the last "
    "axis, one distribution per sample",
)
def softmax_axis_0(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


@catalog.mutant(
    "log_softmax",
    "log_softmax as np.log(softmax(z))",
    isolated=True,
    misconception="your log_softmax takes the log of the softmax: a probability that "
    "underflows to 0 gives log(0) = -inf (e.g. logits [1e4, -1e4]); use "
    "the log-sum-exp form of the docstring",
)
def log_softmax_log_of_softmax(z):
    return np.log(softmax(z))


@catalog.mutant("sigmoid", "sigmoid as exp(z) / (1 + exp(z)) for every z")
def sigmoid_naive_exp(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(z) / (1.0 + np.exp(z))


@catalog.mutant(
    "cross_entropy",
    "cross-entropy summed over the batch instead of averaged",
    misconception="your cross_entropy sums the per-sample losses; the docstring (and "
    "torch's reduction='mean') averages them over the batch",
)
def cross_entropy_sum(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n = logits.shape[0]
    return float(-np.sum(log_softmax(logits)[np.arange(n), labels]))


@catalog.mutant("cross_entropy_grad", "cross-entropy gradient without the 1/N of the batch mean")
def cross_entropy_grad_no_1_over_n(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    return softmax(logits) - _onehot(labels, k)


@catalog.mutant(
    "softmax_mse",
    "softmax MSE averaged over the classes too (np.mean over N*K entries)",
    misconception="your softmax_mse averages over the classes as well (np.mean of all "
    "N*K squared errors), which divides by K too; the docstring sums "
    "over the classes and averages over the samples only",
)
def softmax_mse_mean_over_classes(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    return float(np.mean((_onehot(labels, k) - softmax(logits)) ** 2))


@catalog.mutant(
    "softmax_mse_grad",
    "softmax MSE gradient that ignores the softmax Jacobian, 2(p - y)/N",
    misconception="your softmax_mse_grad is the gradient with respect to the "
    "probabilities, 2(p - y)/N; the exercise asks for the gradient with "
    "respect to the logits, which goes back through the softmax Jacobian "
    "(see the docstring)",
)
def softmax_mse_grad_no_jacobian(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    return 2.0 * (softmax(logits) - _onehot(labels, k)) / n


@catalog.mutant(
    "softmax",
    "softmax shifted by the maximum of the whole array instead of each row's",
    isolated=True,
    misconception="your softmax subtracts the largest logit of the whole array: a row "
    "whose logits are all far below it underflows to 0 / 0 = nan; "
    "subtract each row's own maximum (axis=-1, keepdims=True)",
)
def softmax_global_max_shift(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)


@catalog.mutant(
    "log_softmax",
    "log_softmax as z - max(z), without the log of the normaliser",
    isolated=True,
    misconception="your log_softmax only shifts by the row maximum: it must also "
    "subtract the log of the normaliser, log(sum(exp(z - m))) (see the "
    "docstring's log-sum-exp form); shifting alone is shift invariant, "
    "but exp of it does not sum to 1",
)
def log_softmax_missing_normaliser(z):
    z = np.asarray(z, dtype=np.float64)
    return z - np.max(z, axis=-1, keepdims=True)


@catalog.variant("softmax", "softmax one distribution at a time, with a Python loop")
def softmax_loop(z):
    z = np.asarray(z, dtype=np.float64)
    rows = z.reshape(-1, z.shape[-1])
    out = np.zeros_like(rows)
    for i, row in enumerate(rows):
        m = max(row)
        total = 0.0
        for j, v in enumerate(row):
            out[i, j] = np.exp(v - m)
            total += out[i, j]
        out[i] /= total
    return out.reshape(z.shape)


@catalog.variant(
    "log_softmax", "log_softmax as z - logsumexp(z), with logsumexp = m + log(sum(exp(z - m)))"
)
def log_softmax_logsumexp(z):
    z = np.asarray(z, dtype=np.float64)
    m = z.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return z - lse


@catalog.variant("cross_entropy", "cross-entropy as a one-hot weighted sum of log-probabilities")
def cross_entropy_onehot_sum(logits, labels):
    n, k = logits.shape
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    return -float((onehot * log_softmax(logits)).sum() / n)


@catalog.variant("sigmoid", "sigmoid as exp(-log(1 + exp(-z))) with np.logaddexp")
def sigmoid_logaddexp(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


@catalog.variant("softmax", "softmax as exp(log_softmax(z))")
def softmax_exp_log_softmax(z):
    return np.exp(log_softmax(z))


@catalog.variant("softmax", "softmax as exp(z - logsumexp(z)) with np.logaddexp.reduce")
def softmax_logaddexp_reduce(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(z - np.logaddexp.reduce(z, axis=-1, keepdims=True))


@catalog.variant("log_softmax", "log_softmax as z - np.logaddexp.reduce(z) along the last axis")
def log_softmax_logaddexp_reduce(z):
    z = np.asarray(z, dtype=np.float64)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


@catalog.variant(
    "log_softmax", "log_softmax with a log-sum-exp written out by hand, one row at a time"
)
def log_softmax_by_hand(z):
    z = np.asarray(z, dtype=np.float64)
    rows = z.reshape(-1, z.shape[-1])
    out = np.empty_like(rows)
    for i, row in enumerate(rows):
        m = max(row)
        lse = m + math.log(sum(math.exp(v - m) for v in row))
        out[i] = [v - lse for v in row]
    return out.reshape(z.shape)


@catalog.variant("sigmoid", "sigmoid as 0.5 * (1 + tanh(z / 2))")
def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=np.float64) / 2.0))


@catalog.variant("sigmoid", "sigmoid as softmax([z, 0])[0], the definition")
def sigmoid_two_class_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    pair = np.stack([z, np.zeros_like(z)], axis=-1)
    return softmax(pair)[..., 0]


@catalog.variant("cross_entropy", "cross-entropy as logsumexp(logits) minus the picked logit")
def cross_entropy_logsumexp_minus_picked(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    m = logits.max(axis=1)
    lse = m + np.log(np.exp(logits - m[:, None]).sum(axis=1))
    picked = logits[np.arange(len(labels)), labels]
    return float(np.mean(lse - picked))


@catalog.variant(
    "cross_entropy", "cross-entropy accumulated sample by sample with np.logaddexp.reduce"
)
def cross_entropy_loop(logits, labels):
    total = 0.0
    for row, label in zip(logits, labels):
        total += np.logaddexp.reduce(row) - row[label]
    return float(total / len(labels))


@catalog.variant(
    "cross_entropy_grad", "cross-entropy gradient in the CS231n form: p[range(N), y] -= 1; p /= N"
)
def cross_entropy_grad_cs231n(logits, labels):
    n = logits.shape[0]
    dscores = softmax(logits).copy()
    dscores[range(n), labels] -= 1
    dscores /= n
    return dscores


@catalog.variant(
    "cross_entropy_grad",
    "cross-entropy gradient one sample at a time, softmax / N minus onehot / N",
)
def cross_entropy_grad_loop(logits, labels):
    n, k = logits.shape
    out = np.zeros((n, k))
    for i in range(n):
        out[i] = softmax(logits[i]) / n
        out[i, labels[i]] -= 1.0 / n
    return out


@catalog.variant("softmax_mse", "softmax MSE expanded: 1 - 2 p_label + sum_k p_k², averaged")
def softmax_mse_expanded(logits, labels):
    p = softmax(logits)
    n = p.shape[0]
    per_sample = 1.0 - 2.0 * p[np.arange(n), labels] + np.einsum("nk,nk->n", p, p)
    return float(per_sample.mean())


@catalog.variant("softmax_mse", "softmax MSE with Python loops over samples and classes")
def softmax_mse_loop(logits, labels):
    p = softmax(logits)
    n, k = p.shape
    total = 0.0
    for i in range(n):
        for j in range(k):
            total += (float(j == labels[i]) - p[i, j]) ** 2
    return total / n


@catalog.variant(
    "softmax_mse_grad",
    "softmax MSE gradient through the explicit Jacobian diag(p) - p pᵀ, np.einsum",
)
def softmax_mse_grad_jacobian_einsum(logits, labels):
    p = softmax(logits)
    n, k = p.shape
    g = 2.0 * (p - np.eye(k)[labels]) / n
    jac = np.einsum("nk,kj->nkj", p, np.eye(k)) - np.einsum("nk,nj->nkj", p, p)
    return np.einsum("nkj,nj->nk", jac, g)


@catalog.variant(
    "softmax_mse_grad", "softmax MSE gradient one sample at a time, Jacobian @ gradient"
)
def softmax_mse_grad_loop_matmul(logits, labels):
    n, k = logits.shape
    out = np.empty((n, k))
    for i in range(n):
        p = softmax(logits[i])
        jac = np.diag(p) - np.outer(p, p)
        out[i] = jac @ (2.0 * (p - np.eye(k)[labels[i]]) / n)
    return out


@catalog.degenerate(
    "softmax", "softmax returning the uniform distribution, as written in the field", isolated=True
)
def softmax_field_uniform(z):
    z = np.asarray(z, dtype=np.float64)
    return np.ones_like(z) / z.shape[-1]


@catalog.degenerate(
    "softmax", "softmax returning the one-hot of each row's argmax (a hard max)", isolated=True
)
def softmax_argmax_onehot(z):
    z = np.asarray(z, dtype=np.float64)
    hits = (z == np.max(z, axis=-1, keepdims=True)).astype(np.float64)
    return hits / np.sum(hits, axis=-1, keepdims=True)


@catalog.degenerate("log_softmax", "log_softmax returning log(1/K) everywhere", isolated=True)
def log_softmax_log_uniform(z):
    z = np.asarray(z, dtype=np.float64)
    return np.full(z.shape, -np.log(z.shape[-1]))


@catalog.degenerate("sigmoid", "sigmoid returning 0.5 everywhere")
def sigmoid_one_half(z):
    return np.full(np.shape(z), 0.5)


@catalog.degenerate("sigmoid", "sigmoid as the step function (0 below 0, 1/2 at 0, 1 above)")
def sigmoid_step(z):
    return np.heaviside(np.asarray(z, dtype=np.float64), 0.5)


@catalog.degenerate("cross_entropy", "cross-entropy returning log K, the loss of the uniform guess")
def cross_entropy_log_k(logits, labels):
    return float(np.log(np.shape(logits)[1]))


@catalog.degenerate(
    "cross_entropy_grad",
    "cross-entropy gradient of the uniform guess, (1/K - onehot) / N (rows sum to 0)",
)
def cross_entropy_grad_uniform_guess(logits, labels):
    n, k = np.shape(logits)
    return (np.full((n, k), 1.0 / k) - np.eye(k)[labels]) / n


@catalog.degenerate(
    "softmax_mse", "softmax MSE returning (K - 1) / K, the loss of the uniform guess"
)
def softmax_mse_uniform_guess(logits, labels):
    k = np.shape(logits)[1]
    return (k - 1.0) / k


MUTANTS = catalog.mutants
VARIANTS = catalog.variants
DEGENERATES = (
    degenerate_family(
        "classification",
        {
            "softmax": ["zeros", "ones", "uniform", "noise", "identity"],
            "log_softmax": ["zeros", "ones", "uniform", "noise", "identity"],
            "sigmoid": ["zeros", "ones", "uniform", "noise", "identity"],
            "cross_entropy": ["zeros", "ones", "noise"],
            "cross_entropy_grad": ["zeros", "ones", "uniform", "noise", "identity"],
            "softmax_mse": ["zeros", "ones", "noise"],
            "softmax_mse_grad": ["zeros", "ones", "uniform", "noise", "identity"],
        },
    )
    + catalog.degenerates
)
