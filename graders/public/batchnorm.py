"""Public properties for ``batchnorm``: defining properties and PyTorch as the oracle.

Shipped to students (no reference needed).  Conventions enforced (``nn.BatchNorm1d``):
statistics per feature over axis 0; the training forward normalizes with the biased batch
variance, eps inside the square root; the running variance is updated with the unbiased
batch variance and ``new = (1 - momentum) * old + momentum * batch``; inference uses only
the running statistics.  Constant features (zero variance) and N = 2 batches are drawn on
purpose.  Relations ("dx sums to 0", "one sample's output ignores the others") are
``relational``: zeros or beta satisfy them, so they score only with the defining check.

Error models (``compare.within``, u = 2**-53), per feature, with N rows, X = max |x|,
s = 1 / sqrt(var + eps) and |x_hat| <= sqrt(N):

- normalising: the batch mean rounds by ~N·u·X and the variance by a relative ~N·u, so
  x_hat is within ~u·h with h = N·(X·s + sqrt(N)) — the condition of x_hat under a
  relative perturbation u of the inputs, amplified by s (up to 1/sqrt(eps) ~ 316 on a
  constant feature, where a two-pass mean leaves ~N·u·X of noise; ``forward_scale``);
- backward (``backward_scales``): dx = gamma·s·(dy - mean(dy) - x_hat·mean(dy·x_hat)) adds
  terms of size |gamma|·s·D·(2 + N), D = max |dy|, each rounded N times, and x_hat's error
  enters twice, each time times |gamma|·s·D·sqrt(N); dgamma sums N products dy·x_hat;
  dbeta sums N values of dy;
- running statistics (``running_scales``): each step adds the rounding of the old value and
  of a batch mean (N·X) or unbiased variance (relative N·u); over a trajectory the errors
  add up, so step t's scale is the sum of the scales of steps 1..t;
- inference (``inference_scale``): gamma·s_run·(x - running_mean) + beta rounds relative to
  |gamma|·s_run·(|x| + |running_mean|) + |beta|.

``ULPS = 64``: the errors measured on PyTorch, the reference and every correct variant of
the catalog stay below 2 u·scale; every wrong answer of the catalog is off by a relative
1e-2 or more of the output.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare, oracles
from graders import strategies as gen
from graders.kit import threaded
from graders.props import prop, student

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
    [0, 10], sometimes exactly 0 (eps is then all that keeps inference finite).

    Every such state is reachable by ``nn.BatchNorm1d``: the running mean is any convex
    combination of batch means and the running variance of unbiased batch variances, so one
    step with momentum 1 on a batch of mean mu and unbiased variance v (e.g. N = 2 samples
    mu ± sqrt(v / 2)) gives (mu, v), and v = 0 comes from a constant batch."""
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

ULPS = 64.0
#: a floor for every scale: gamma may be as small as 1e-300, where y is near the subnormals,
#: whose rounding is absolute (2**-1074)
TINY = 1e-300


def _features(x: np.ndarray, eps: float) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """(N, X = max |x|, the biased variance, s = 1 / sqrt(var + eps)), per feature; centred
    on the first sample first, so that a constant feature has a variance of exactly 0."""
    x = np.asarray(x, dtype=np.float64)
    centred = (x - x[0]) - (x - x[0]).mean(axis=0)
    var = (centred**2).mean(axis=0)
    return x.shape[0], np.max(np.abs(x), axis=0), var, 1.0 / np.sqrt(var + eps)


def _h(n: int, big_x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The rounding scale of x_hat per feature (module docstring)."""
    return n * (big_x * s + np.sqrt(n))


def forward_scale(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                  eps: float) -> np.ndarray:
    """Rounding scale of gamma·x_hat + beta, per feature (broadcasts over the rows)."""
    n, big_x, _, s = _features(x, eps)
    return np.abs(gamma) * _h(n, big_x, s) + np.abs(beta) + TINY


def backward_scales(dy: np.ndarray, x: np.ndarray, gamma: np.ndarray,
                    eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rounding scales of (dx, dgamma, dbeta), per feature."""
    n, big_x, _, s = _features(x, eps)
    d = np.max(np.abs(np.asarray(dy, dtype=np.float64)), axis=0)
    h = _h(n, big_x, s)
    return (np.abs(gamma) * s * d * (n * (3.0 + n) + 2.0 * np.sqrt(n) * h) + TINY,
            n * d * (h + n * np.sqrt(n)) + TINY, n * d + TINY)


def running_scales(running_mean: np.ndarray, running_var: np.ndarray,
                   xs: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rounding scales of (running_mean, running_var) after each batch of ``xs``: the sum
    of the steps' scales so far (module docstring); the old values are taken from an
    accurate trajectory (momentum <= 1 only shrinks them, so old + new bounds each step)."""
    out, sm, sv = [], np.zeros_like(running_mean), np.zeros_like(running_var)
    mean, var = np.abs(running_mean), np.abs(running_var)
    for x in xs:
        n, big_x = x.shape[0], np.max(np.abs(x), axis=0)
        batch_var = x.var(axis=0, ddof=1)
        sm = sm + mean + n * big_x
        sv = sv + var + n * batch_var + n**3 * compare.U * big_x**2
        mean, var = np.maximum(mean, np.abs(x.mean(axis=0))), np.maximum(var, batch_var)
        out.append((sm, sv))
    return out


def inference_scale(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                    running_mean: np.ndarray, running_var: np.ndarray,
                    eps: float) -> np.ndarray:
    """Rounding scale of gamma·(x - running_mean)/sqrt(running_var + eps) + beta."""
    s = 1.0 / np.sqrt(np.asarray(running_var, dtype=np.float64) + eps)
    return 4.0 * (np.abs(gamma) * s * (np.abs(x) + np.abs(running_mean)) + np.abs(beta)) + TINY


def _std(y: np.ndarray) -> np.ndarray:
    """The biased std of each column, scaled by its largest deviation first: np.std squares
    the deviations, which underflow for |gamma| below ~1e-154."""
    centred = y - y.mean(axis=0)
    big = np.max(np.abs(centred), axis=0)
    unit = np.divide(centred, big, out=np.zeros_like(centred), where=big > 0)
    return big * np.sqrt(np.mean(unit**2, axis=0))


def step_what(name: str, t: int, xs: list[np.ndarray], before: Any, momentum: Any) -> str:
    """What is compared after batch t, with the values that decide it: the state the step
    started from (the submission's own, after batch t - 1), that batch and momentum."""
    return (f"{name} after batch {t + 1} of {len(xs)} (from {name} = "
            f"{compare.fmt(np.asarray(before, dtype=np.float64))}, batch x = "
            f"{compare.fmt(xs[t])}, momentum = {momentum})")


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
    # each y within forward_scale; the judge's own mean and std of N values add N·|y|
    n, _, var, _ = _features(x, eps)
    scale = forward_scale(x, gamma, beta, eps) + n * (np.abs(beta) + np.abs(gamma) * np.sqrt(n))
    compare.within(y.mean(axis=0), beta, "the mean of each output feature (should be beta)",
                   scale=scale, ulps=ULPS)
    compare.within(_std(y), np.abs(gamma) * np.sqrt(var / (var + eps)),
                   "the (biased) std of each output feature, |gamma|·sqrt(var/(var+eps))",
                   scale=scale, ulps=ULPS)


@prop("batchnorm.batchnorm_forward", "equals nn.BatchNorm1d in train() mode",
      points=1, given=bn_problems(), examples=[CONSTANT],
      expect=lambda x, gamma, beta, eps: _torch_train(x, gamma, beta, eps),
      hint="Training mode normalizes with this batch's statistics: the mean and the biased "
           "variance of each column (axis 0).")
def forward_matches_torch(x, gamma, beta, eps, expected):
    y = compare.array((yield student.batchnorm_forward(x, gamma, beta, eps=eps)),
                      "batchnorm_forward(x, gamma, beta, eps)", shape=x.shape)
    # forward_scale: a batch variance of N - 1 instead of N moves y by >= 3 % of gamma·x_hat
    compare.within(y, expected, "batchnorm_forward(x, gamma, beta, eps)",
                   scale=forward_scale(x, gamma, beta, eps), ulps=ULPS)


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
    # backward_scales: dx reaches |gamma|·|dy|/sqrt(eps) ~ 1e4 on a constant feature, so
    # its scale carries s; a missing mean or variance path is off by O(|gamma|·s·|dy|)
    for name, value, want, scale in zip(("dx", "dgamma", "dbeta"), (dx, dgamma, dbeta),
                                        expected, backward_scales(dy, x, gamma, eps)):
        compare.within(value, want, name, scale=scale, ulps=ULPS)


@prop("batchnorm.batchnorm_backward",
      "dx sums to 0 over the batch (y ignores a shift of a feature) and dbeta = sum of dy",
      points=1, given=bn_problems(upstream=True),
      relational=True, gated_on=("backward_matches_autograd",),
      hint="Adding a constant to a feature does not change the forward output, so each "
           "column of dx must sum to 0: keep the term that comes through the batch mean.")
def backward_shift_invariance(x, gamma, beta, eps, dy):
    got = yield student.batchnorm_backward(dy, x, gamma, eps=eps)
    dx, _, dbeta = _backward(got, *x.shape)
    # N entries of dx, each within its scale, and the sum's rounding; dx = 0 satisfies this
    # too, so it scores only with the dx check (gated_on)
    dx_scale, _, dbeta_scale = backward_scales(dy, x, gamma, eps)
    compare.within(dx.sum(axis=0), 0.0, "the sum of each column of dx",
                   scale=2.0 * x.shape[0] * dx_scale, ulps=ULPS)
    compare.within(dbeta, dy.sum(axis=0), "dbeta compared with the column sums of dy",
                   scale=dbeta_scale, ulps=ULPS)


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
    calls = threaded(lambda t, mean, var: student.update_running_stats(
        mean, var, xs[t], momentum=momentum), (running_mean, running_var), len(xs))
    results = yield calls
    check_trajectory(results, expected, running_mean, running_var, xs, momentum)


def check_trajectory(results: list[Any], expected: list[Any], running_mean: np.ndarray,
                     running_var: np.ndarray, xs: list[np.ndarray], momentum: Any) -> None:
    """Each step of a running-statistics trajectory against the expected one (within
    running_scales); a failure names the state the step started from and its batch."""
    before = (running_mean, running_var)
    scales = running_scales(running_mean, running_var, xs)
    for t, (got, (mean, var), (sm, sv)) in enumerate(zip(results, expected, scales)):
        what = f"after batch {t + 1} of {len(xs)}"
        m, v = compare.sequence(got, f"update_running_stats {what}", 2)
        m = compare.array(m, f"running_mean {what}", shape=mean.shape)
        v = compare.array(v, f"running_var {what}", shape=var.shape)
        compare.within(m, mean, step_what("running_mean", t, xs, before[0], momentum),
                       scale=sm, ulps=ULPS)
        compare.within(v, var, step_what("running_var", t, xs, before[1], momentum),
                       scale=sv, ulps=ULPS)
        before = (m, v)


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
    compare.within(y, expected, "batchnorm_inference(x, gamma, beta, running_mean, "
                   "running_var, eps)", ulps=ULPS,
                   scale=inference_scale(x, gamma, beta, running_mean, running_var, eps))


@prop("batchnorm.batchnorm_inference",
      "each sample's output depends on that sample alone (other rows do not matter)",
      points=1, relational=True, given=inference_problems(),
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
    # the same rows computed twice: each within inference_scale (beta alone satisfies this,
    # so it scores only with the defining check)
    compare.within(z[: x.shape[0]], y, "the first rows of batchnorm_inference(x with more "
                   "rows appended) compared with batchnorm_inference(x)", ulps=ULPS,
                   scale=2.0 * inference_scale(x, gamma, beta, running_mean, running_var, eps))
