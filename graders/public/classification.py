"""Public properties for ``classification``: defining properties and PyTorch as the oracle.

Shipped to students (no reference needed).  Conventions enforced: softmax/log_softmax along
the last axis of 1-D to 3-D input, finite for any finite logits (|z| up to 1e4);
cross-entropy is the batch mean; gradients are with respect to the logits.

Points only for correctness: a relation between calls (shift invariance, rows summing to 0)
and a necessary condition (rows are probability vectors) are satisfied by constants, the
uniform distribution or zeros, so they are ``relational`` and earn their points only when
the function's defining comparison passes too (graders/grade/gate.py).

Error models (``compare.within``; u = 2**-53).  Two float64 computations of the same
quantity differ by rounding only; per distribution of K entries with M = max |z| over it:

- probabilities (``prob_scale``): the shifted logit ``z_k - m`` is rounded once (u·2M), a
  logit ``z + c`` built by the caller once more (u·|z + c|); exp turns an absolute error e
  of its argument into a relative error e of p_k, and the normaliser adds a relative K·u.
  So each side is within ~u·p_k·(4M + K + 2): relative to p_k, so a probability of 1e-300
  is still checked to ~12 digits.  Below 1e-290 probabilities approach the subnormals,
  whose rounding is absolute (2**-1074): ``TINY`` covers it.
- log-probabilities and sums of a row (``log_scale``): each of the K steps of a log-sum-exp
  (max shift, written out, or ``np.logaddexp.reduce``) rounds a value of size <= M + log K,
  so the result is within ~u·(K + 2)(M + 1); the same bounds ``sum_k p_k - 1`` when p is
  computed as ``exp(log_softmax(z))``.
- probabilities of one logit (sigmoid): a value in (0, 1) known to an *absolute* few u —
  ``0.5 * (1 + tanh(z / 2))`` is a correct form whose tail (z < -37) rounds to exactly 0.

``ULPS = 64`` is the budget ``2·c·n`` with a safety factor: the largest error measured against
the reference and PyTorch over every correct variant of the catalog was 1.5 u·scale, and the
reference agrees with PyTorch within ULPS / 8 (tests/reference/test_classification.py).
Every wrong answer of the catalog is off by a relative O(1), ~1e13 times more.
"""

from __future__ import annotations

import numpy as np

from graders import compare, oracles
from graders import strategies as gen
from graders.props import prop, student

SHIFT_HINT = (
    "Subtract each row's maximum before exponentiating: softmax(z) = "
    "softmax(z - max(z)), and exp of a large logit overflows to inf."
)

ULPS = 64.0
TINY = 1e-290


def _row_max(z: np.ndarray) -> np.ndarray:
    """max |z| over each distribution (the last axis), kept as an axis of length 1."""
    return np.max(np.abs(np.asarray(z, dtype=np.float64)), axis=-1, keepdims=True)


def prob_scale(z: np.ndarray, p: np.ndarray, c: float = 0.0) -> np.ndarray:
    """Scale of the rounding of softmax(z + c) entry by entry (module docstring)."""
    return np.abs(p) * (4.0 * (_row_max(z) + abs(c)) + z.shape[-1] + 2.0) + TINY


def log_scale(z: np.ndarray, c: float = 0.0) -> np.ndarray:
    """Scale of the rounding of a log-sum-exp along the last axis of z + c (kept axis)."""
    return (z.shape[-1] + 2.0) * (_row_max(z) + abs(c) + 1.0)


def _torch_softmax(z: np.ndarray) -> np.ndarray:
    return oracles.numpy(oracles.torch().softmax(oracles.tensor(z), dim=-1))


# --- softmax ------------------------------------------------------------------------------


@prop(
    "classification.softmax",
    "each row is a probability vector (entries in [0, 1], sum 1)",
    points=0.5,
    relational=True,
    given={"z": gen.logit_arrays()},
    hint=SHIFT_HINT,
    examples=[{"z": np.array([[1000.0, 0.0, -1000.0]])}],
)
def softmax_rows_are_distributions(z):
    p = compare.array((yield student.softmax(z)), "softmax(z)", shape=z.shape)
    compare.holds(bool(np.all(p >= 0) and np.all(p <= 1)), "softmax(z) has entries outside [0, 1]")
    # the sum's rounding, and exp(log_softmax) forms: log_scale (module docstring)
    compare.within(
        p.sum(axis=-1),
        1.0,
        "the sum of each row of softmax(z)",
        scale=log_scale(z)[..., 0],
        ulps=ULPS,
        hint="Normalise along the last axis (axis=-1, keepdims=True), one distribution per row.",
    )


@prop(
    "classification.softmax",
    "equals torch.softmax along the last axis, for 1-D to 3-D input and |z| up to 1e4",
    points=1.5,
    given={"z": gen.logit_arrays()},
    hint=SHIFT_HINT,
    examples=[
        {"z": np.array([1000.0, 0.0, -1000.0])},
        {"z": np.array([[[1.0, 2.0], [3.0, 3.0]], [[-1e4, 1e4], [0.0, -2.0]]])},
    ],
    expect=lambda z: _torch_softmax(z),
)
def softmax_matches_torch(z, expected):
    p = compare.array((yield student.softmax(z)), "softmax(z)", shape=z.shape)
    # relative to each probability (prob_scale): the uniform distribution, a one-hot of the
    # argmax or a shift over the whole array instead of each row are off by O(1)
    compare.within(p, expected, "softmax(z)", scale=prob_scale(z, expected), ulps=ULPS)


@prop(
    "classification.softmax",
    "adding a constant to a row does not change the result",
    points=0.5,
    relational=True,
    given={"z": gen.logit_arrays(max_k=5), "c": gen.floats(-1e3, 1e3)},
    hint=SHIFT_HINT,
)
def softmax_shift_invariant(z, c):
    p, q = yield [student.softmax(z), student.softmax(z + c)]
    p = compare.array(p, "softmax(z)", shape=z.shape)
    q = compare.array(q, "softmax(z + c)", shape=z.shape)
    # both sides round: z + c costs u·|z + c| more in the exponent (prob_scale with c)
    compare.within(
        q, p, "softmax(z + c) compared with softmax(z)", scale=2.0 * prob_scale(z, p, c), ulps=ULPS
    )


# --- log_softmax --------------------------------------------------------------------------


@prop(
    "classification.log_softmax",
    "equals torch.log_softmax, also for logits of ±1e4",
    points=1,
    given={"z": gen.logit_arrays()},
    examples=[{"z": np.array([[1e4, -1e4]])}, {"z": np.array([3.0, -1e4, 1e4])}],
    expect=lambda z: oracles.numpy(oracles.torch().log_softmax(oracles.tensor(z), dim=-1)),
    hint="Use the log-sum-exp trick: (z - m) - log(sum(exp(z - m))) with m the row maximum; "
    "np.log(softmax(z)) gives -inf once a probability underflows.",
)
def log_softmax_matches_torch(z, expected):
    got = compare.array((yield student.log_softmax(z)), "log_softmax(z)", shape=z.shape)
    # log-sum-exp rounding (log_scale); a missing normaliser is off by log K or more
    compare.within(got, expected, "log_softmax(z)", scale=log_scale(z), ulps=ULPS)


@prop(
    "classification.log_softmax",
    "adding a constant to a row does not change the result",
    points=0.5,
    relational=True,
    given={"z": gen.logit_arrays(max_k=5), "c": gen.floats(-1e3, 1e3)},
    hint="log_softmax(z) = z - logsumexp(z) along the last axis: a constant added to a "
    "row cancels.",
)
def log_softmax_shift_invariant(z, c):
    a, b = yield [student.log_softmax(z), student.log_softmax(z + c)]
    a = compare.array(a, "log_softmax(z)", shape=z.shape)
    b = compare.array(b, "log_softmax(z + c)", shape=z.shape)
    compare.within(
        b,
        a,
        "log_softmax(z + c) compared with log_softmax(z)",
        scale=2.0 * log_scale(z, c),
        ulps=ULPS,
    )


# --- sigmoid ------------------------------------------------------------------------------


@prop(
    "classification.sigmoid",
    "equals softmax([z, 0])[0]: in (0, 1), sigmoid(-z) = 1 - sigmoid(z)",
    points=1,
    given={"z": gen.logit_arrays(scale=50.0)},
    examples=[{"z": np.array([-1e4, -800.0, 0.0, 800.0, 1e4])}],
    expect=lambda z: oracles.numpy(oracles.torch().sigmoid(oracles.tensor(z))),
    hint="For z < 0 use exp(z) / (1 + exp(z)) so that exp never overflows.",
)
def sigmoid_is_two_class_softmax(z, expected):
    s, r = yield [student.sigmoid(z), student.sigmoid(-z)]
    s = compare.array(s, "sigmoid(z)", shape=z.shape)
    r = compare.array(r, "sigmoid(-z)", shape=z.shape)
    # a probability known to an absolute few u (module docstring): scale 1
    compare.within(s, expected, "sigmoid(z)", scale=1.0, ulps=ULPS)
    compare.within(s + r, 1.0, "sigmoid(z) + sigmoid(-z)", scale=2.0, ulps=ULPS)


# --- cross-entropy ------------------------------------------------------------------------


def ce_scale(logits: np.ndarray) -> float:
    """Rounding scale of a batch-mean cross-entropy: N per-sample log-sum-exps (log_scale)
    and the N-term mean of values of that size."""
    return float(np.max(log_scale(logits))) * (1.0 + logits.shape[0])


@prop(
    "classification.cross_entropy",
    "equals torch.nn.functional.cross_entropy (batch mean)",
    points=1.5,
    given=gen.logits_and_labels(),
    examples=[{"logits": np.array([[1e4, -1e4], [0.0, 0.0]]), "labels": np.array([1, 0])}],
    expect=lambda logits, labels: float(
        oracles.torch().nn.functional.cross_entropy(
            oracles.tensor(logits), oracles.torch().tensor(labels, dtype=oracles.torch().long)
        )
    ),
    hint="Average over the batch of -log_softmax(logits)[n, labels[n]]; compute the log "
    "softmax stably rather than log(softmax).",
)
def cross_entropy_matches_torch(logits, labels, expected):
    got = compare.scalar(
        (yield student.cross_entropy(logits, labels)), "cross_entropy(logits, labels)"
    )
    # ce_scale; the sum instead of the mean, or log K (the uniform guess), are off by O(1)
    compare.within(
        got, expected, "cross_entropy(logits, labels)", scale=ce_scale(logits), ulps=ULPS
    )


def _torch_ce_grad(logits, labels):
    t = oracles.torch()
    z = oracles.tensor(logits, grad=True)
    t.nn.functional.cross_entropy(z, t.tensor(labels, dtype=t.long)).backward()
    return oracles.numpy(z.grad)


def ce_grad_scale(logits: np.ndarray, labels: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Rounding scale of (softmax - onehot) / N, from an accurate gradient ``grad``: each
    probability's (prob_scale), the subtraction of 1 in the label's column, divided by N."""
    n, k = logits.shape
    onehot = np.eye(k)[labels]
    p = np.clip(grad * n + onehot, 0.0, 1.0)
    return (prob_scale(logits, p) + onehot) / n


@prop(
    "classification.cross_entropy_grad",
    "equals the gradient torch.autograd computes",
    points=1,
    given=gen.logits_and_labels(scale=20.0),
    expect=lambda logits, labels: _torch_ce_grad(logits, labels),
    hint="The gradient of the batch mean is (softmax(logits) - onehot(labels)) / N.",
)
def cross_entropy_grad_matches_autograd(logits, labels, expected):
    got = compare.array(
        (yield student.cross_entropy_grad(logits, labels)),
        "cross_entropy_grad(logits, labels)",
        shape=logits.shape,
    )
    compare.within(
        got,
        expected,
        "cross_entropy_grad(logits, labels)",
        scale=ce_grad_scale(logits, labels, expected),
        ulps=ULPS,
    )


@prop(
    "classification.cross_entropy_grad",
    "each row sums to 0 (softmax and the one-hot label both sum to 1)",
    points=0.5,
    relational=True,
    given=gen.logits_and_labels(),
    hint="Each row of the gradient is (p - onehot) / N, and both p and the one-hot row sum to 1.",
)
def cross_entropy_grad_rows_sum_to_zero(logits, labels):
    got = compare.array(
        (yield student.cross_entropy_grad(logits, labels)),
        "cross_entropy_grad(logits, labels)",
        shape=logits.shape,
    )
    # the row sum of p is 1 within log_scale; the one-hot subtraction adds u
    compare.within(
        got.sum(axis=1),
        0.0,
        "the sum of each row of cross_entropy_grad",
        scale=(log_scale(logits)[:, 0] + 1.0) / logits.shape[0],
        ulps=ULPS,
    )


# --- MSE of the softmax -------------------------------------------------------------------


def _torch_softmax_mse(logits, labels, grad=False):
    """(loss, d loss / d logits) by autograd: the mean over the batch of sum_k (y - p)²."""
    t = oracles.torch()
    z = oracles.tensor(logits, grad=True)
    onehot = t.nn.functional.one_hot(t.tensor(labels, dtype=t.long), logits.shape[1])
    loss = ((onehot.double() - t.softmax(z, dim=-1)) ** 2).sum(dim=1).mean()
    loss.backward()
    return oracles.numpy(z.grad) if grad else float(loss.detach())


def mse_scale(logits: np.ndarray) -> float:
    """Rounding scale of mean_n sum_k (y - p)²: each |Δp_k| <= u·p_k·(4M + K + 2) moves a
    squared error by twice that (|y - p| <= 1), at most 2u(4M + K + 2) per sample; the
    squares and sums (or 1 - 2 p_y + sum p², expanded) add (K + N + 4) u."""
    n, k = logits.shape
    return 2.0 * (4.0 * float(np.max(np.abs(logits), initial=0.0)) + k + 2.0) + k + n + 4.0


def mse_grad_scale(logits: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Rounding scale of p_k (g_k - sum_j g_j p_j), g = 2 (p - y) / N: every term carries the
    factor p_k and |g| <= 2/N, so each entry is within ~u·p_k·(4M + K + 2)·8/N."""
    n, k = logits.shape
    return p * (4.0 * _row_max(logits) + k + 2.0) * 8.0 / n + TINY


@prop(
    "classification.softmax_mse",
    "equals mean over the batch of sum_k (onehot - softmax)²",
    points=1,
    given=gen.logits_and_labels(),
    expect=lambda logits, labels: _torch_softmax_mse(logits, labels),
    hint="Sum the squared errors over the classes of each sample, then average over the batch.",
)
def softmax_mse_matches_torch(logits, labels, expected):
    got = compare.scalar((yield student.softmax_mse(logits, labels)), "softmax_mse(logits, labels)")
    compare.within(got, expected, "softmax_mse(logits, labels)", scale=mse_scale(logits), ulps=ULPS)


@prop(
    "classification.softmax_mse_grad",
    "equals the gradient torch.autograd computes",
    points=0.75,
    given=gen.logits_and_labels(scale=20.0),
    hint="Chain rule through the softmax Jacobian: with g = 2(p - y)/N per row, the "
    "gradient is p * (g - sum(g * p)).",
    expect=lambda logits, labels: (
        _torch_softmax_mse(logits, labels, grad=True),
        _torch_softmax(logits),
    ),
)
def softmax_mse_grad_matches_autograd(logits, labels, expected):
    want, p = expected
    got = compare.array(
        (yield student.softmax_mse_grad(logits, labels)),
        "softmax_mse_grad(logits, labels)",
        shape=logits.shape,
    )
    compare.within(
        got, want, "softmax_mse_grad(logits, labels)", scale=mse_grad_scale(logits, p), ulps=ULPS
    )


@prop(
    "classification.softmax_mse_grad",
    "each row sums to 0 (a constant added to a row of logits does not change the loss)",
    points=0.25,
    relational=True,
    given=gen.logits_and_labels(),
    hint="The softmax Jacobian's rows sum to 0: sum_k p_k (g_k - sum_j g_j p_j) = 0.",
)
def softmax_mse_grad_rows_sum_to_zero(logits, labels):
    got = compare.array(
        (yield student.softmax_mse_grad(logits, labels)),
        "softmax_mse_grad(logits, labels)",
        shape=logits.shape,
    )
    # K entries each within mse_grad_scale with p <= 1, and their sum's rounding
    compare.within(
        got.sum(axis=1),
        0.0,
        "the sum of each row of softmax_mse_grad",
        scale=mse_grad_scale(logits, np.ones(logits.shape))[:, 0] * logits.shape[1],
        ulps=ULPS,
    )
