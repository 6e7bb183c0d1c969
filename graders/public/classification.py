"""Public properties for ``classification``: defining properties and PyTorch as the oracle.

Shipped to students (no reference needed).  Conventions enforced: softmax/log_softmax along
the last axis, finite for any finite logits (|z| up to 1e4); cross-entropy is the batch mean;
gradients are with respect to the logits.
"""

from __future__ import annotations

import numpy as np

from graders import compare, oracles
from graders import strategies as gen
from graders.props import prop, student

SHIFT_HINT = ("Subtract each row's maximum before exponentiating: softmax(z) = "
              "softmax(z - max(z)), and exp of a large logit overflows to inf.")


@prop("classification.softmax", "each row is a probability vector (entries in [0, 1], sum 1)",
      points=1.5, given={"z": gen.logits()}, hint=SHIFT_HINT,
      examples=[{"z": np.array([[1000.0, 0.0, -1000.0]])}])
def softmax_rows_are_distributions(z):
    p = compare.array((yield student.softmax(z)), "softmax(z)", shape=z.shape)
    compare.holds(bool(np.all(p >= 0) and np.all(p <= 1)),
                  "softmax(z) has entries outside [0, 1]")
    compare.close(p.sum(axis=-1), 1.0, "the sum of each row of softmax(z)", rtol=0, atol=1e-9,
                  hint="Normalise along the last axis (axis=-1, keepdims=True), one "
                       "distribution per row.")


@prop("classification.softmax", "adding a constant to a row does not change the result",
      points=1, given={"z": gen.logits(max_k=5), "c": gen.floats(-1e3, 1e3)}, hint=SHIFT_HINT)
def softmax_shift_invariant(z, c):
    p, q = yield [student.softmax(z), student.softmax(z + c)]
    p = compare.array(p, "softmax(z)", shape=z.shape)
    q = compare.array(q, "softmax(z + c)", shape=z.shape)
    compare.close(q, p, "softmax(z + c) compared with softmax(z)", rtol=1e-6, atol=1e-9)


@prop("classification.log_softmax", "equals torch.log_softmax, also for logits of ±1e4",
      points=1.5, given={"z": gen.logits()},
      examples=[{"z": np.array([[1e4, -1e4]])}],
      expect=lambda z: oracles.numpy(oracles.torch().log_softmax(oracles.tensor(z), dim=-1)),
      hint="Use the log-sum-exp trick: (z - m) - log(sum(exp(z - m))) with m the row maximum; "
           "np.log(softmax(z)) gives -inf once a probability underflows.")
def log_softmax_matches_torch(z, expected):
    got = compare.array((yield student.log_softmax(z)), "log_softmax(z)", shape=z.shape)
    compare.close(got, expected, "log_softmax(z)", rtol=1e-9, atol=1e-9)


@prop("classification.sigmoid", "equals softmax([z, 0])[0]: in (0, 1), sigmoid(-z) = 1 - sigmoid(z)",
      points=1, given={"z": gen.arrays(gen.st.tuples(gen.st.integers(1, 6)), -50, 50)},
      examples=[{"z": np.array([-1e4, -800.0, 0.0, 800.0, 1e4])}],
      expect=lambda z: oracles.numpy(oracles.torch().sigmoid(oracles.tensor(z))),
      hint="For z < 0 use exp(z) / (1 + exp(z)) so that exp never overflows.")
def sigmoid_is_two_class_softmax(z, expected):
    s, r = yield [student.sigmoid(z), student.sigmoid(-z)]
    s = compare.array(s, "sigmoid(z)", shape=z.shape)
    r = compare.array(r, "sigmoid(-z)", shape=z.shape)
    compare.close(s, expected, "sigmoid(z)", rtol=1e-12, atol=1e-15)
    compare.close(s + r, 1.0, "sigmoid(z) + sigmoid(-z)", rtol=0, atol=1e-12)


@prop("classification.cross_entropy", "equals torch.nn.functional.cross_entropy (batch mean)",
      points=1.5, given=gen.logits_and_labels(),
      examples=[{"logits": np.array([[1e4, -1e4], [0.0, 0.0]]), "labels": np.array([1, 0])}],
      expect=lambda logits, labels: float(oracles.torch().nn.functional.cross_entropy(
          oracles.tensor(logits), oracles.torch().tensor(labels, dtype=oracles.torch().long))),
      hint="Average over the batch of -log_softmax(logits)[n, labels[n]]; compute the log "
           "softmax stably rather than log(softmax).")
def cross_entropy_matches_torch(logits, labels, expected):
    got = compare.scalar((yield student.cross_entropy(logits, labels)),
                         "cross_entropy(logits, labels)")
    compare.close(got, expected, "cross_entropy(logits, labels)", rtol=1e-9, atol=1e-9)


@prop("classification.cross_entropy_grad", "equals the gradient torch.autograd computes",
      points=1.5, given=gen.logits_and_labels(scale=20.0),
      expect=lambda logits, labels: _torch_ce_grad(logits, labels),
      hint="The gradient of the batch mean is (softmax(logits) - onehot(labels)) / N.")
def cross_entropy_grad_matches_autograd(logits, labels, expected):
    got = compare.array((yield student.cross_entropy_grad(logits, labels)),
                        "cross_entropy_grad(logits, labels)", shape=logits.shape)
    compare.close(got, expected, "cross_entropy_grad(logits, labels)",
                  rtol=1e-9, atol=1e-12)


def _torch_ce_grad(logits, labels):
    t = oracles.torch()
    z = oracles.tensor(logits, grad=True)
    t.nn.functional.cross_entropy(z, t.tensor(labels, dtype=t.long)).backward()
    return oracles.numpy(z.grad)


def _torch_softmax_mse(logits, labels, grad=False):
    """(loss, d loss / d logits) by autograd: the mean over the batch of sum_k (y - p)²."""
    t = oracles.torch()
    z = oracles.tensor(logits, grad=True)
    onehot = t.nn.functional.one_hot(t.tensor(labels, dtype=t.long), logits.shape[1])
    loss = ((onehot.double() - t.softmax(z, dim=-1)) ** 2).sum(dim=1).mean()
    loss.backward()
    return oracles.numpy(z.grad) if grad else float(loss.detach())


@prop("classification.softmax_mse", "equals mean over the batch of sum_k (onehot - softmax)²",
      points=1, given=gen.logits_and_labels(),
      expect=lambda logits, labels: _torch_softmax_mse(logits, labels),
      hint="Sum the squared errors over the classes of each sample, then average over the batch.")
def softmax_mse_matches_torch(logits, labels, expected):
    got = compare.scalar((yield student.softmax_mse(logits, labels)),
                         "softmax_mse(logits, labels)")
    compare.close(got, expected, "softmax_mse(logits, labels)", rtol=1e-9, atol=1e-12)


@prop("classification.softmax_mse_grad", "equals the gradient torch.autograd computes",
      points=1, given=gen.logits_and_labels(scale=20.0),
      hint="Chain rule through the softmax Jacobian: with g = 2(p - y)/N per row, the "
           "gradient is p * (g - sum(g * p)).",
      expect=lambda logits, labels: _torch_softmax_mse(logits, labels, grad=True))
def softmax_mse_grad_matches_autograd(logits, labels, expected):
    got = compare.array((yield student.softmax_mse_grad(logits, labels)),
                        "softmax_mse_grad(logits, labels)", shape=logits.shape)
    compare.close(got, expected, "softmax_mse_grad(logits, labels)",
                  rtol=1e-8, atol=1e-12)
