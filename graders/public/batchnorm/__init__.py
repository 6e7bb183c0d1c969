"""Public properties for ``batchnorm``: defining properties and PyTorch as the oracle.

Shipped to students (no reference needed).  Conventions enforced (``nn.BatchNorm1d``):
statistics per feature over axis 0; the training forward normalizes with the biased batch
variance, eps inside the square root; the running variance is updated with the unbiased
batch variance and ``new = (1 - momentum) * old + momentum * batch``; inference uses only
the running statistics.  Constant features (zero variance) and N = 2 batches are drawn on
purpose.  Relations ("dx sums to 0", "one sample's output ignores the others") are
``relational``: zeros or beta satisfy them, so they score only with the defining check.

The rounding-error models behind every ``compare.within`` (``ULPS`` and the scales) live in
``rounding``, the strategies the properties draw in ``cases``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders import compare, oracles
from graders.kit import threaded
from graders.props import prop, student

from .cases import batch_sequences, bn_problems, inference_problems
from .cases import running_stats as running_stats  # the hidden graders draw it
from .rounding import (
    ULPS,
    backward_scales,
    feature_stats,
    forward_scale,
    inference_scale,
    running_scales,
)

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
        oracles.tensor(x),
        oracles.tensor(running_mean),
        oracles.tensor(running_var),
        oracles.tensor(gamma),
        oracles.tensor(beta),
        training=False,
        eps=eps,
    )
    return oracles.numpy(y)


CONSTANT = {
    "x": np.array([[1.5, -2.0], [1.5, 3.0]]),
    "gamma": np.array([2.0, 0.5]),
    "beta": np.array([0.25, -1.0]),
    "eps": 1e-5,
}  # N = 2, feature 0 constant


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
    return (
        f"{name} after batch {t + 1} of {len(xs)} (from {name} = "
        f"{compare.fmt(np.asarray(before, dtype=np.float64))}, batch x = "
        f"{compare.fmt(xs[t])}, momentum = {momentum})"
    )


# --- batchnorm_forward --------------------------------------------------------------------


@prop(
    "batchnorm.batchnorm_forward",
    "every output feature has mean beta and (biased) std |gamma|·sqrt(var/(var+eps))",
    points=1.5,
    given=bn_problems(),
    examples=[CONSTANT],
    hint="Per feature (axis 0): subtract the batch mean and divide by sqrt(var + eps), with "
    "the biased variance (divide by N, as the docstring says); eps goes inside the "
    "square root.  A constant feature gives y = beta.",
)
def forward_output_statistics(x, gamma, beta, eps):
    y = compare.array(
        (yield student.batchnorm_forward(x, gamma, beta, eps=eps)),
        "batchnorm_forward(x, gamma, beta, eps)",
        shape=x.shape,
    )
    # each y within forward_scale; the judge's own mean and std of N values add N·|y|
    n, _, var, _ = feature_stats(x, eps)
    scale = forward_scale(x, gamma, beta, eps) + n * (np.abs(beta) + np.abs(gamma) * np.sqrt(n))
    compare.within(
        y.mean(axis=0),
        beta,
        "the mean of each output feature (should be beta)",
        scale=scale,
        ulps=ULPS,
    )
    compare.within(
        _std(y),
        np.abs(gamma) * np.sqrt(var / (var + eps)),
        "the (biased) std of each output feature, |gamma|·sqrt(var/(var+eps))",
        scale=scale,
        ulps=ULPS,
    )


@prop(
    "batchnorm.batchnorm_forward",
    "equals nn.BatchNorm1d in train() mode",
    points=1,
    given=bn_problems(),
    examples=[CONSTANT],
    expect=lambda x, gamma, beta, eps: {
        "y": _torch_train(x, gamma, beta, eps),
        "scale": forward_scale(x, gamma, beta, eps),
    },
    hint="Training mode normalizes with this batch's statistics: the mean and the biased "
    "variance of each column (axis 0).",
)
def forward_matches_torch(x, gamma, beta, eps, expected):
    y = compare.array(
        (yield student.batchnorm_forward(x, gamma, beta, eps=eps)),
        "batchnorm_forward(x, gamma, beta, eps)",
        shape=x.shape,
    )
    # forward_scale: a batch variance of N - 1 instead of N moves y by >= 3 % of gamma·x_hat
    # (computed with the oracle, once per example: it depends on the input alone)
    compare.within(
        y,
        expected["y"],
        "batchnorm_forward(x, gamma, beta, eps)",
        scale=expected["scale"],
        ulps=ULPS,
    )


# --- batchnorm_backward -------------------------------------------------------------------


def _backward(got, n, d):
    """The student's (dx, dgamma, dbeta), structure checked."""
    dx, dgamma, dbeta = compare.sequence(got, "batchnorm_backward(dy, x, gamma, eps)", 3)
    return (
        compare.array(dx, "dx (item 0 of batchnorm_backward)", shape=(n, d)),
        compare.array(dgamma, "dgamma (item 1 of batchnorm_backward)", shape=(d,)),
        compare.array(dbeta, "dbeta (item 2 of batchnorm_backward)", shape=(d,)),
    )


@prop(
    "batchnorm.batchnorm_backward",
    "(dx, dgamma, dbeta) equal torch.autograd through nn.BatchNorm1d in train() mode",
    points=2,
    given=bn_problems(upstream=True),
    examples=[{**CONSTANT, "dy": np.array([[1.0, -2.0], [3.0, 0.5]])}],
    expect=lambda x, gamma, beta, eps, dy: {
        "grads": _torch_train(x, gamma, beta, eps, dy),
        "scales": backward_scales(dy, x, gamma, eps),
    },
    hint="dx has three paths: through x_hat directly, through the batch mean and through "
    "the batch variance (see the docstring's formula); dgamma weights dy by x_hat.",
)
def backward_matches_autograd(x, gamma, beta, eps, dy, expected):
    got = yield student.batchnorm_backward(dy, x, gamma, eps=eps)
    dx, dgamma, dbeta = _backward(got, *x.shape)
    # backward_scales: dx reaches |gamma|·|dy|/sqrt(eps) ~ 1e4 on a constant feature, so
    # its scale carries s; a missing mean or variance path is off by O(|gamma|·s·|dy|)
    for name, value, want, scale in zip(
        ("dx", "dgamma", "dbeta"), (dx, dgamma, dbeta), expected["grads"], expected["scales"]
    ):
        compare.within(value, want, name, scale=scale, ulps=ULPS)


@prop(
    "batchnorm.batchnorm_backward",
    "dx sums to 0 over the batch (y ignores a shift of a feature) and dbeta = sum of dy",
    points=1,
    given=bn_problems(upstream=True),
    relational=True,
    gated_on=("backward_matches_autograd",),
    hint="Adding a constant to a feature does not change the forward output, so each "
    "column of dx must sum to 0: keep the term that comes through the batch mean.",
)
def backward_shift_invariance(x, gamma, beta, eps, dy):
    got = yield student.batchnorm_backward(dy, x, gamma, eps=eps)
    dx, _, dbeta = _backward(got, *x.shape)
    # N entries of dx, each within its scale, and the sum's rounding; dx = 0 satisfies this
    # too, so it scores only with the dx check (gated_on)
    dx_scale, _, dbeta_scale = backward_scales(dy, x, gamma, eps)
    compare.within(
        dx.sum(axis=0),
        0.0,
        "the sum of each column of dx",
        scale=2.0 * x.shape[0] * dx_scale,
        ulps=ULPS,
    )
    compare.within(
        dbeta,
        dy.sum(axis=0),
        "dbeta compared with the column sums of dy",
        scale=dbeta_scale,
        ulps=ULPS,
    )


# --- update_running_stats -----------------------------------------------------------------


@prop(
    "batchnorm.update_running_stats",
    "running statistics after several batches equal nn.BatchNorm1d's buffers",
    points=2,
    given=batch_sequences(),
    examples=[
        {
            "running_mean": np.zeros(2),
            "running_var": np.ones(2),
            "momentum": 0.1,
            "xs": [CONSTANT["x"], np.array([[0.0, 1.0], [2.0, 5.0], [4.0, -3.0]])],
        }
    ],
    expect=lambda running_mean, running_var, xs, momentum: trajectory(
        _torch_running(running_mean, running_var, xs, momentum), running_mean, running_var, xs
    ),
    hint="new = (1 - momentum) * old + momentum * batch statistic (momentum weighs the "
    "*new* batch, the lecture's p = 1 - momentum), and the running variance uses the "
    "*unbiased* batch variance (divide by N - 1).",
)
def running_stats_match_torch(running_mean, running_var, xs, momentum, expected):
    calls = threaded(
        lambda t, mean, var: student.update_running_stats(mean, var, xs[t], momentum=momentum),
        (running_mean, running_var),
        len(xs),
    )
    results = yield calls
    check_trajectory(results, expected, running_mean, running_var, xs, momentum)


def trajectory(
    steps: list[Any], running_mean: np.ndarray, running_var: np.ndarray, xs: list[np.ndarray]
) -> dict[str, Any]:
    """An expected trajectory (``steps``: (mean, var) after each batch) with its
    ``running_scales``: they depend on the input alone, so the oracle computes them once
    per example instead of every submission's check."""
    return {"steps": steps, "scales": running_scales(running_mean, running_var, xs)}


def check_trajectory(
    results: list[Any],
    expected: dict[str, Any],
    running_mean: np.ndarray,
    running_var: np.ndarray,
    xs: list[np.ndarray],
    momentum: Any,
) -> None:
    """Each step of a running-statistics trajectory against the expected one (``trajectory``:
    within its scales); a failure names the state the step started from and its batch."""
    before = (running_mean, running_var)
    steps, scales = expected["steps"], expected["scales"]
    for t, (got, (mean, var), (sm, sv)) in enumerate(zip(results, steps, scales)):
        what = f"after batch {t + 1} of {len(xs)}"
        m, v = compare.sequence(got, f"update_running_stats {what}", 2)
        m = compare.array(m, f"running_mean {what}", shape=mean.shape)
        v = compare.array(v, f"running_var {what}", shape=var.shape)
        # the description renders arrays: made only if the step fails (compare.Lazy)
        compare.within(
            m,
            mean,
            compare.Lazy(step_what, "running_mean", t, xs, before[0], momentum),
            scale=sm,
            ulps=ULPS,
        )
        compare.within(
            v,
            var,
            compare.Lazy(step_what, "running_var", t, xs, before[1], momentum),
            scale=sv,
            ulps=ULPS,
        )
        before = (m, v)


# --- batchnorm_inference ------------------------------------------------------------------


@prop(
    "batchnorm.batchnorm_inference",
    "equals nn.BatchNorm1d in eval() mode",
    points=1.5,
    given=inference_problems(),
    examples=[
        {**CONSTANT, "running_mean": np.array([1.5, 0.0]), "running_var": np.array([0.0, 4.0])}
    ],
    expect=lambda x, gamma, beta, eps, running_mean, running_var: _torch_eval(
        x, gamma, beta, eps, running_mean, running_var
    ),
    hint="Inference normalizes with running_mean and running_var (not this batch's "
    "statistics), with eps inside the square root.",
)
def inference_matches_torch(x, gamma, beta, eps, running_mean, running_var, expected):
    y = compare.array(
        (yield student.batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=eps)),
        "batchnorm_inference(x, gamma, beta, running_mean, running_var, eps)",
        shape=x.shape,
    )
    compare.within(
        y,
        expected,
        "batchnorm_inference(x, gamma, beta, running_mean, running_var, eps)",
        ulps=ULPS,
        scale=inference_scale(x, gamma, beta, running_mean, running_var, eps),
    )


@prop(
    "batchnorm.batchnorm_inference",
    "each sample's output depends on that sample alone (other rows do not matter)",
    points=1,
    relational=True,
    given=inference_problems(),
    hint="In eval() mode the batch's own statistics are not used: only running_mean and "
    "running_var.",
)
def inference_per_sample(x, gamma, beta, eps, running_mean, running_var):
    bigger = np.vstack([x, 3.0 * x[::-1] + 1.0])
    y, z = yield [
        student.batchnorm_inference(x, gamma, beta, running_mean, running_var, eps=eps),
        student.batchnorm_inference(bigger, gamma, beta, running_mean, running_var, eps=eps),
    ]
    y = compare.array(y, "batchnorm_inference(x, ...)", shape=x.shape)
    z = compare.array(z, "batchnorm_inference(x with more rows appended, ...)", shape=bigger.shape)
    # the same rows computed twice: each within inference_scale (beta alone satisfies this,
