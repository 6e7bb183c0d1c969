"""Known-wrong and correct-but-different ``classification`` implementations (staff only).

A mutant of ``softmax`` or ``log_softmax`` would break their callers in the reference
(``cross_entropy`` calls ``log_softmax``), so such mutants go through ``isolate``, which keeps
them to their one function.
"""

from __future__ import annotations

from graders.mutants import Mutant, Variant, isolate


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
]
