"""Known-wrong, degenerate and correct-but-different ``classification`` implementations.

Staff only.  Mutants and degenerate entries of ``softmax`` / ``log_softmax`` go through
``isolate``: the reference's callers (``cross_entropy`` calls ``log_softmax``) keep the right one.

``DEGENERATES``: the generic family (the kinds that have the answer's form; a scalar loss has
no "uniform" or "input" form) and the field's cases, each satisfying a relation or necessary
condition: the uniform distribution and the argmax's one-hot (probability vectors, shift
invariant), log(1/K), 0.5 (sigmoid(-z) = 1 - sigmoid(z)), the uniform guess's gradient and loss.
"""

from __future__ import annotations

from graders.mutants import Degenerate, Mutant, Variant, degenerate_family, isolate


def _alone(name: str, wrong: str) -> str:
    return isolate("classification", name, wrong)


MUTANTS = [
    Mutant(
        id="softmax_no_max_shift", function="softmax",
        title="softmax without subtracting the row maximum",
        misconception="your softmax exponentiates the logits as they are: exp overflows for "
                      "logits above ~709 and the result is inf / inf = nan; subtract each "
                      "row's maximum first (see the docstring: softmax is shift invariant)",
        source=_alone("softmax", '''
def softmax(z):
    e = np.exp(np.asarray(z, dtype=np.float64))
    return e / np.sum(e, axis=-1, keepdims=True)
''')),
    Mutant(
        id="softmax_axis_0", function="softmax",
        title="softmax normalised along axis 0 (over the batch)",
        misconception="your softmax normalises each column (axis 0, over the samples) instead "
                      "of each row: the docstring's softmax runs along the last axis, one "
                      "distribution per sample",
        source=_alone("softmax", '''
def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
''')),
    Mutant(
        id="log_softmax_log_of_softmax", function="log_softmax",
        title="log_softmax as np.log(softmax(z))",
        misconception="your log_softmax takes the log of the softmax: a probability that "
                      "underflows to 0 gives log(0) = -inf (e.g. logits [1e4, -1e4]); use the "
                      "log-sum-exp form of the docstring",
        source=_alone("log_softmax", '''
def log_softmax(z):
    return np.log(softmax(z))
''')),
    Mutant(
        id="sigmoid_naive_exp", function="sigmoid",
        title="sigmoid as exp(z) / (1 + exp(z)) for every z",
        source='''
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(z) / (1.0 + np.exp(z))
'''),
    Mutant(
        id="cross_entropy_sum", function="cross_entropy",
        title="cross-entropy summed over the batch instead of averaged",
        misconception="your cross_entropy sums the per-sample losses; the docstring (and "
                      "torch's reduction='mean') averages them over the batch",
        source='''
def cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n = logits.shape[0]
    return float(-np.sum(log_softmax(logits)[np.arange(n), labels]))
'''),
    Mutant(
        id="cross_entropy_grad_no_1_over_n", function="cross_entropy_grad",
        title="cross-entropy gradient without the 1/N of the batch mean",
        source='''
def cross_entropy_grad(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    return softmax(logits) - _onehot(labels, k)
'''),
    Mutant(
        id="softmax_mse_mean_over_classes", function="softmax_mse",
        title="softmax MSE averaged over the classes too (np.mean over N*K entries)",
        misconception="your softmax_mse averages over the classes as well (np.mean of all "
                      "N*K squared errors), which divides by K too; the docstring sums over "
                      "the classes and averages over the samples only",
        source='''
def softmax_mse(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    return float(np.mean((_onehot(labels, k) - softmax(logits)) ** 2))
'''),
    Mutant(
        id="softmax_mse_grad_no_jacobian", function="softmax_mse_grad",
        title="softmax MSE gradient that ignores the softmax Jacobian, 2(p - y)/N",
        misconception="your softmax_mse_grad is the gradient with respect to the "
                      "probabilities, 2(p - y)/N; the exercise asks for the gradient with "
                      "respect to the logits, which goes back through the softmax Jacobian "
                      "(see the docstring)",
        source='''
def softmax_mse_grad(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    return 2.0 * (softmax(logits) - _onehot(labels, k)) / n
'''),
    Mutant(
        id="softmax_global_max_shift", function="softmax",
        title="softmax shifted by the maximum of the whole array instead of each row's",
        misconception="your softmax subtracts the largest logit of the whole array: a row "
                      "whose logits are all far below it underflows to 0 / 0 = nan; subtract "
                      "each row's own maximum (axis=-1, keepdims=True)",
        source=_alone("softmax", '''
def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)
''')),
    Mutant(
        id="log_softmax_missing_normaliser", function="log_softmax",
        title="log_softmax as z - max(z), without the log of the normaliser",
        misconception="your log_softmax only shifts by the row maximum: it must also "
                      "subtract the log of the normaliser, log(sum(exp(z - m))) (see the "
                      "docstring's log-sum-exp form); shifting alone is shift invariant, but "
                      "exp of it does not sum to 1",
        source=_alone("log_softmax", '''
def log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    return z - np.max(z, axis=-1, keepdims=True)
''')),
]

VARIANTS = [
    Variant(
        id="softmax_loop", function="softmax",
        title="softmax one distribution at a time, with a Python loop",
        source='''
def softmax(z):
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
'''),
    Variant(
        id="log_softmax_logsumexp", function="log_softmax",
        title="log_softmax as z - logsumexp(z), with logsumexp = m + log(sum(exp(z - m)))",
        source='''
def log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    m = z.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return z - lse
'''),
    Variant(
        id="cross_entropy_onehot_sum", function="cross_entropy",
        title="cross-entropy as a one-hot weighted sum of log-probabilities",
        source='''
def cross_entropy(logits, labels):
    n, k = logits.shape
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    return -float((onehot * log_softmax(logits)).sum() / n)
'''),
    Variant(
        id="sigmoid_logaddexp", function="sigmoid",
        title="sigmoid as exp(-log(1 + exp(-z))) with np.logaddexp",
        source='''
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))
'''),
    Variant(
        id="softmax_exp_log_softmax", function="softmax",
        title="softmax as exp(log_softmax(z))",
        source='''
def softmax(z):
    return np.exp(log_softmax(z))
'''),
    Variant(
        id="softmax_logaddexp_reduce", function="softmax",
        title="softmax as exp(z - logsumexp(z)) with np.logaddexp.reduce",
        source='''
def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(z - np.logaddexp.reduce(z, axis=-1, keepdims=True))
'''),
    Variant(
        id="log_softmax_logaddexp_reduce", function="log_softmax",
        title="log_softmax as z - np.logaddexp.reduce(z) along the last axis",
        source='''
def log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
'''),
    Variant(
        id="log_softmax_by_hand", function="log_softmax",
        title="log_softmax with a log-sum-exp written out by hand, one row at a time",
        source='''
import math


def log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    rows = z.reshape(-1, z.shape[-1])
    out = np.empty_like(rows)
    for i, row in enumerate(rows):
        m = max(row)
        lse = m + math.log(sum(math.exp(v - m) for v in row))
        out[i] = [v - lse for v in row]
    return out.reshape(z.shape)
'''),
    Variant(
        id="sigmoid_tanh", function="sigmoid",
        title="sigmoid as 0.5 * (1 + tanh(z / 2))",
        source='''
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=np.float64) / 2.0))
'''),
    Variant(
        id="sigmoid_two_class_softmax", function="sigmoid",
        title="sigmoid as softmax([z, 0])[0], the definition",
        source='''
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    pair = np.stack([z, np.zeros_like(z)], axis=-1)
    return softmax(pair)[..., 0]
'''),
    Variant(
        id="cross_entropy_logsumexp_minus_picked", function="cross_entropy",
        title="cross-entropy as logsumexp(logits) minus the picked logit",
        source='''
def cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype=np.float64)
    m = logits.max(axis=1)
    lse = m + np.log(np.exp(logits - m[:, None]).sum(axis=1))
    picked = logits[np.arange(len(labels)), labels]
    return float(np.mean(lse - picked))
'''),
    Variant(
        id="cross_entropy_loop", function="cross_entropy",
        title="cross-entropy accumulated sample by sample with np.logaddexp.reduce",
        source='''
def cross_entropy(logits, labels):
    total = 0.0
    for row, label in zip(logits, labels):
        total += np.logaddexp.reduce(row) - row[label]
    return float(total / len(labels))
'''),
    Variant(
        id="cross_entropy_grad_cs231n", function="cross_entropy_grad",
        title="cross-entropy gradient in the CS231n form: p[range(N), y] -= 1; p /= N",
        source='''
def cross_entropy_grad(logits, labels):
    n = logits.shape[0]
    dscores = softmax(logits).copy()
    dscores[range(n), labels] -= 1
    dscores /= n
    return dscores
'''),
    Variant(
        id="cross_entropy_grad_loop", function="cross_entropy_grad",
        title="cross-entropy gradient one sample at a time, softmax / N minus onehot / N",
        source='''
def cross_entropy_grad(logits, labels):
    n, k = logits.shape
    out = np.zeros((n, k))
    for i in range(n):
        out[i] = softmax(logits[i]) / n
        out[i, labels[i]] -= 1.0 / n
    return out
'''),
    Variant(
        id="softmax_mse_expanded", function="softmax_mse",
        title="softmax MSE expanded: 1 - 2 p_label + sum_k p_k², averaged",
        source='''
def softmax_mse(logits, labels):
    p = softmax(logits)
    n = p.shape[0]
    per_sample = 1.0 - 2.0 * p[np.arange(n), labels] + np.einsum("nk,nk->n", p, p)
    return float(per_sample.mean())
'''),
    Variant(
        id="softmax_mse_loop", function="softmax_mse",
        title="softmax MSE with Python loops over samples and classes",
        source='''
def softmax_mse(logits, labels):
    p = softmax(logits)
    n, k = p.shape
    total = 0.0
    for i in range(n):
        for j in range(k):
            total += (float(j == labels[i]) - p[i, j]) ** 2
    return total / n
'''),
    Variant(
        id="softmax_mse_grad_jacobian_einsum", function="softmax_mse_grad",
        title="softmax MSE gradient through the explicit Jacobian diag(p) - p pᵀ, np.einsum",
        source='''
def softmax_mse_grad(logits, labels):
    p = softmax(logits)
    n, k = p.shape
    g = 2.0 * (p - np.eye(k)[labels]) / n
    jac = np.einsum("nk,kj->nkj", p, np.eye(k)) - np.einsum("nk,nj->nkj", p, p)
    return np.einsum("nkj,nj->nk", jac, g)
'''),
    Variant(
        id="softmax_mse_grad_loop_matmul", function="softmax_mse_grad",
        title="softmax MSE gradient one sample at a time, Jacobian @ gradient",
        source='''
def softmax_mse_grad(logits, labels):
    n, k = logits.shape
    out = np.empty((n, k))
    for i in range(n):
        p = softmax(logits[i])
        jac = np.diag(p) - np.outer(p, p)
        out[i] = jac @ (2.0 * (p - np.eye(k)[labels[i]]) / n)
    return out
'''),
]

DEGENERATES = degenerate_family("classification", {
    "softmax": ["zeros", "ones", "uniform", "noise", "identity"],
    "log_softmax": ["zeros", "ones", "uniform", "noise", "identity"],
    "sigmoid": ["zeros", "ones", "uniform", "noise", "identity"],
    "cross_entropy": ["zeros", "ones", "noise"],
    "cross_entropy_grad": ["zeros", "ones", "uniform", "noise", "identity"],
    "softmax_mse": ["zeros", "ones", "noise"],
    "softmax_mse_grad": ["zeros", "ones", "uniform", "noise", "identity"],
}) + [
    Degenerate(
        id="softmax_field_uniform", function="softmax",
        title="softmax returning the uniform distribution, as written in the field",
        source=_alone("softmax", '''
def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    return np.ones_like(z) / z.shape[-1]
''')),
    Degenerate(
        id="softmax_argmax_onehot", function="softmax",
        title="softmax returning the one-hot of each row's argmax (a hard max)",
        source=_alone("softmax", '''
def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    hits = (z == np.max(z, axis=-1, keepdims=True)).astype(np.float64)
    return hits / np.sum(hits, axis=-1, keepdims=True)
''')),
    Degenerate(
        id="log_softmax_log_uniform", function="log_softmax",
        title="log_softmax returning log(1/K) everywhere",
        source=_alone("log_softmax", '''
def log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    return np.full(z.shape, -np.log(z.shape[-1]))
''')),
    Degenerate(
        id="sigmoid_one_half", function="sigmoid",
        title="sigmoid returning 0.5 everywhere",
        source='''
def sigmoid(z):
    return np.full(np.shape(z), 0.5)
'''),
    Degenerate(
        id="sigmoid_step", function="sigmoid",
        title="sigmoid as the step function (0 below 0, 1/2 at 0, 1 above)",
        source='''
def sigmoid(z):
    return np.heaviside(np.asarray(z, dtype=np.float64), 0.5)
'''),
    Degenerate(
        id="cross_entropy_log_k", function="cross_entropy",
        title="cross-entropy returning log K, the loss of the uniform guess",
        source='''
def cross_entropy(logits, labels):
    return float(np.log(np.shape(logits)[1]))
'''),
    Degenerate(
        id="cross_entropy_grad_uniform_guess", function="cross_entropy_grad",
        title="cross-entropy gradient of the uniform guess, (1/K - onehot) / N (rows sum to 0)",
        source='''
def cross_entropy_grad(logits, labels):
    n, k = np.shape(logits)
    return (np.full((n, k), 1.0 / k) - np.eye(k)[labels]) / n
'''),
    Degenerate(
        id="softmax_mse_uniform_guess", function="softmax_mse",
        title="softmax MSE returning (K - 1) / K, the loss of the uniform guess",
        source='''
def softmax_mse(logits, labels):
    k = np.shape(logits)[1]
    return (k - 1.0) / k
'''),
]
