"""Public properties for ``batchnorm``: defining properties and PyTorch as the oracle.

Shipped to students (no reference needed).  Conventions enforced (``nn.BatchNorm1d``):
statistics per feature over axis 0; the training forward normalizes with the biased batch
variance, eps inside the square root; the running variance is updated with the unbiased
batch variance and ``new = (1 - momentum) * old + momentum * batch``; inference uses only
the running statistics.  Constant features (zero variance) and N = 2 batches are drawn on
purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare, oracles
from graders import strategies as gen
from graders.props import Ref, prop, student

# --- strategies -------------------------------------------------------------------------

#: eps values: PyTorch's default, and larger ones where eps visibly changes the output.
epsilons = st.sampled_from([1e-5, 1e-5, 1e-3, 0.1])

#: momentum values (PyTorch's meaning: the weight of the new batch).  Never 0.5, where
#: ``momentum`` and ``1 - momentum`` coincide.
momentum_values = st.sampled_from([0.1, 0.1, 0.01, 0.3, 0.9])


@st.composite
def bn_problems(draw: Any, max_n: int = 8, max_d: int = 5,
                upstream: bool = False) -> dict[str, Any]:
    """``{"x", "gamma", "beta", "eps"}`` (and ``"dy"`` when ``upstream``): a batch from
    ``strategies.batches`` (N >= 2, sometimes a constant feature), gamma and beta in
    [-3, 3], dy in [-10, 10].  Shrinks to a 2x1 batch of zeros with eps = 1e-5."""
    x = draw(gen.batches(max_n=max_n, max_d=max_d))
    n, d = x.shape
    case = {"x": x, "gamma": draw(gen.arrays((d,), -3.0, 3.0)),
            "beta": draw(gen.arrays((d,), -3.0, 3.0)), "eps": draw(epsilons)}
    if upstream:
        case["dy"] = draw(gen.arrays((n, d), -10.0, 10.0))
    return case


@st.composite
def running_stats(draw: Any, d: int) -> dict[str, np.ndarray]:
    """``{"running_mean", "running_var"}`` of length d: means in [-5, 5], variances in
    [0, 10], sometimes exactly 0 (eps is then all that keeps inference finite)."""
    var = draw(gen.arrays((d,), 0.0, 10.0))
    if draw(st.integers(0, 3)) == 0:
        var[draw(st.integers(0, d - 1))] = 0.0
    return {"running_mean": draw(gen.arrays((d,), -5.0, 5.0)), "running_var": var}


@st.composite
def batch_sequences(draw: Any, max_batches: int = 4) -> dict[str, Any]:
    """``{"running_mean", "running_var", "xs", "momentum"}``: initial running statistics
    (see ``running_stats``) and 1..max_batches batches of the same width (each N >= 2,
    sometimes N = 2, sometimes a constant feature).  Shrinks to one 2x1 batch."""
    d = draw(st.integers(1, 4))
    xs = [draw(gen.batches(max_n=6, min_d=d, max_d=d))
          for _ in range(draw(st.integers(1, max_batches)))]
    return {**draw(running_stats(d)), "xs": xs, "momentum": draw(momentum_values)}


@st.composite
def inference_problems(draw: Any) -> dict[str, Any]:
    """``bn_problems`` plus running statistics of the same width (see ``running_stats``)."""
    case = draw(bn_problems())
    return {**case, **draw(running_stats(case["x"].shape[1]))}


# --- PyTorch oracles (judge side, in expect=) ---------------------------------------------

def _torch_train(x, gamma, beta, eps, dy=None):
    """nn.BatchNorm1d in train() mode: the output, or (dx, dgamma, dbeta) by autograd."""
    t = oracles.torch()
    xt, w, b = (oracles.tensor(a, grad=True) for a in (x, gamma, beta))
    y = t.nn.functional.batch_norm(xt, None, None, w, b, training=True, eps=eps)
    if dy is None:
        return oracles.numpy(y)
    y.backward(oracles.tensor(dy))
    return tuple(oracles.numpy(a.grad) for a in (xt, w, b))


def _torch_running(running_mean, running_var, xs, momentum):
    """The running statistics of nn.BatchNorm1d after each batch of ``xs`` in train()."""
    t = oracles.torch()
    bn = t.nn.BatchNorm1d(len(running_mean), momentum=momentum, dtype=t.float64)
    with t.no_grad():
        bn.running_mean.copy_(oracles.tensor(running_mean))
        bn.running_var.copy_(oracles.tensor(running_var))
        steps = []
        for x in xs:
            bn(oracles.tensor(x))
            steps.append((oracles.numpy(bn.running_mean), oracles.numpy(bn.running_var)))
    return steps


def _torch_eval(x, gamma, beta, eps, running_mean, running_var):
    t = oracles.torch()
    y = t.nn.functional.batch_norm(
        oracles.tensor(x), oracles.tensor(running_mean), oracles.tensor(running_var),
        oracles.tensor(gamma), oracles.tensor(beta), training=False, eps=eps)
    return oracles.numpy(y)


CONSTANT = {"x": np.array([[1.5, -2.0], [1.5, 3.0]]), "gamma": np.array([2.0, 0.5]),
            "beta": np.array([0.25, -1.0]), "eps": 1e-5}  # N = 2, feature 0 constant

# Tolerances.  Outputs are O(|gamma| sqrt(N) + |beta|) <= ~12; float64 arithmetic in another
# order differs by ~1e-15 relative.  Centring a *constant* feature may leave rounding noise
# (~1e-15 |x|) that is then divided by sqrt(eps) >= 3e-3: hence atol = 1e-9 on outputs.
RTOL, ATOL = 1e-9, 1e-9


# --- batchnorm_forward --------------------------------------------------------------------

@prop("batchnorm.batchnorm_forward",
      "every output feature has mean beta and (biased) std |gamma|·sqrt(var/(var+eps))",
      points=1.5, given=bn_problems(), examples=[CONSTANT],
      hint="Per feature (axis 0): subtract the batch mean and divide by sqrt(var + eps), with "
           "the biased variance (divide by N, as the docstring says); eps goes inside the "
           "square root.  A constant feature gives y = beta.")
def forward_output_statistics(x, gamma, beta, eps):
    y = compare.array((yield student.batchnorm_forward(x, gamma, beta, eps=eps)),
                      "batchnorm_forward(x, gamma, beta, eps)", shape=x.shape)
    compare.close(y.mean(axis=0), beta, "the mean of each output feature (should be beta)",
                  rtol=RTOL, atol=ATOL)
    # the batch's biased variance per feature; on a constant feature np.var may leave
    # ~1e-31 of rounding, i.e. ~1e-12 in the expected std: atol = 1e-10
    var = x.var(axis=0)
    compare.close(y.std(axis=0), np.abs(gamma) * np.sqrt(var / (var + eps)),
                  "the (biased) std of each output feature, |gamma|·sqrt(var/(var+eps))",
                  rtol=RTOL, atol=1e-10)


@prop("batchnorm.batchnorm_forward", "equals nn.BatchNorm1d in train() mode",
      points=1, given=bn_problems(), examples=[CONSTANT],
      expect=lambda x, gamma, beta, eps: _torch_train(x, gamma, beta, eps),
      hint="Training mode normalizes with this batch's statistics: the mean and the biased "
           "variance of each column (axis 0).")
def forward_matches_torch(x, gamma, beta, eps, expected):
    y = compare.array((yield student.batchnorm_forward(x, gamma, beta, eps=eps)),
                      "batchnorm_forward(x, gamma, beta, eps)", shape=x.shape)
    compare.close(y, expected, "batchnorm_forward(x, gamma, beta, eps)", rtol=RTOL, atol=ATOL)


# --- batchnorm_backward -------------------------------------------------------------------

def _backward(got, n, d):
    """The student's (dx, dgamma, dbeta), structure checked."""
    dx, dgamma, dbeta = compare.sequence(got, "batchnorm_backward(dy, x, gamma, eps)", 3)
    return (compare.array(dx, "dx (item 0 of batchnorm_backward)", shape=(n, d)),
            compare.array(dgamma, "dgamma (item 1 of batchnorm_backward)", shape=(d,)),
            compare.array(dbeta, "dbeta (item 2 of batchnorm_backward)", shape=(d,)))


@prop("batchnorm.batchnorm_backward",
      "(dx, dgamma, dbeta) equal torch.autograd through nn.BatchNorm1d in train() mode",
      points=2, given=bn_problems(upstream=True), examples=[{**CONSTANT, "dy": np.array(
          [[1.0, -2.0], [3.0, 0.5]])}],
      expect=lambda x, gamma, beta, eps, dy: _torch_train(x, gamma, beta, eps, dy),
      hint="dx has three paths: through x_hat directly, through the batch mean and through "
           "the batch variance (see the docstring's formula); dgamma weights dy by x_hat.")
def backward_matches_autograd(x, gamma, beta, eps, dy, expected):
    got = yield student.batchnorm_backward(dy, x, gamma, eps=eps)
    dx, dgamma, dbeta = _backward(got, *x.shape)
    # dx can reach |gamma| |dy| / sqrt(eps) ~ 1e4 on a constant feature: relative tolerance
    compare.close(dx, expected[0], "dx", rtol=RTOL, atol=ATOL * (1 + np.abs(expected[0]).max()))
    compare.close(dgamma, expected[1], "dgamma", rtol=RTOL, atol=ATOL)
    compare.close(dbeta, expected[2], "dbeta", rtol=RTOL, atol=1e-12)


@prop("batchnorm.batchnorm_backward",
      "dx sums to 0 over the batch (y ignores a shift of a feature) and dbeta = sum of dy",
      points=1, given=bn_problems(upstream=True),
      hint="Adding a constant to a feature does not change the forward output, so each "
           "column of dx must sum to 0: keep the term that comes through the batch mean.")
def backward_shift_invariance(x, gamma, beta, eps, dy):
    got = yield student.batchnorm_backward(dy, x, gamma, eps=eps)
    dx, _, dbeta = _backward(got, *x.shape)
    compare.close(dx.sum(axis=0), 0.0, "the sum of each column of dx", rtol=0,
                  atol=1e-10 * (1 + np.abs(dx).max()) * x.shape[0])
    compare.close(dbeta, dy.sum(axis=0), "dbeta compared with the column sums of dy",
                  rtol=1e-12, atol=1e-12)


# --- update_running_stats -----------------------------------------------------------------

@prop("batchnorm.update_running_stats",
      "running statistics after several batches equal nn.BatchNorm1d's buffers",
      points=2, given=batch_sequences(),
      examples=[{"running_mean": np.zeros(2), "running_var": np.ones(2), "momentum": 0.1,
                 "xs": [CONSTANT["x"], np.array([[0.0, 1.0], [2.0, 5.0], [4.0, -3.0]])]}],
      expect=lambda running_mean, running_var, xs, momentum: _torch_running(
          running_mean, running_var, xs, momentum),
      hint="new = (1 - momentum) * old + momentum * batch statistic (momentum weighs the "
           "*new* batch, the lecture's p = 1 - momentum), and the running variance uses the "
           "*unbiased* batch variance (divide by N - 1).")
def running_stats_match_torch(running_mean, running_var, xs, momentum, expected):
    calls = [student.update_running_stats(running_mean, running_var, xs[0], momentum=momentum)]
    calls += [student.update_running_stats(Ref(t - 1, 0), Ref(t - 1, 1), xs[t],
                                           momentum=momentum) for t in range(1, len(xs))]
    results = yield calls
    for t, (got, (mean, var)) in enumerate(zip(results, expected)):
        what = f"after batch {t + 1} of {len(xs)}"
        m, v = compare.sequence(got, f"update_running_stats {what}", 2)
        m = compare.array(m, f"running_mean {what}", shape=mean.shape)
        v = compare.array(v, f"running_var {what}", shape=var.shape)
        compare.close(m, mean, f"running_mean {what}", rtol=RTOL, atol=1e-12)
        compare.close(v, var, f"running_var {what}", rtol=RTOL, atol=1e-12)


# --- batchnorm_inference ------------------------------------------------------------------

@prop("batchnorm.batchnorm_inference", "equals nn.BatchNorm1d in eval() mode",
      points=1.5, given=inference_problems(),
      examples=[{**CONSTANT, "running_mean": np.array([1.5, 0.0]),
                 "running_var": np.array([0.0, 4.0])}],
      expect=lambda x, gamma, beta, eps, running_mean, running_var: _torch_eval(
          x, gamma, beta, eps, running_mean, running_var),
      hint="Inference normalizes with running_mean and running_var (not this batch's "
           "statistics), with eps inside the square root.")
def inference_matches_torch(x, gamma, beta, eps, running_mean, running_var, expected):
    y = compare.array((yield student.batchnorm_inference(
        x, gamma, beta, running_mean, running_var, eps=eps)),
        "batchnorm_inference(x, gamma, beta, running_mean, running_var, eps)", shape=x.shape)
    compare.close(y, expected, "batchnorm_inference(x, gamma, beta, running_mean, "
                  "running_var, eps)", rtol=RTOL, atol=ATOL)


@prop("batchnorm.batchnorm_inference",
      "each sample's output depends on that sample alone (other rows do not matter)",
      points=1, given=inference_problems(),
      hint="In eval() mode the batch's own statistics are not used: only running_mean and "
           "running_var.")
def inference_per_sample(x, gamma, beta, eps, running_mean, running_var):
    bigger = np.vstack([x, 3.0 * x[::-1] + 1.0])
    y, z = yield [student.batchnorm_inference(x, gamma, beta, running_mean, running_var,
                                              eps=eps),
                  student.batchnorm_inference(bigger, gamma, beta, running_mean, running_var,
                                              eps=eps)]
    y = compare.array(y, "batchnorm_inference(x, ...)", shape=x.shape)
    z = compare.array(z, "batchnorm_inference(x with more rows appended, ...)",
                      shape=bigger.shape)
    compare.close(z[: x.shape[0]], y, "the first rows of batchnorm_inference(x with more rows "
                  "appended) compared with batchnorm_inference(x)", rtol=1e-12, atol=1e-12)
