"""reference.batchnorm against torch.nn.BatchNorm1d (float64) in train and eval mode."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from graders.hidden.batchnorm import wide_problems
from graders.public import batchnorm as grading
from reference.batchnorm import (
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
    update_running_stats,
)

SETTINGS = settings(max_examples=30, derandomize=True, database=None, deadline=None)
EPS64 = np.finfo(np.float64).eps


def _finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def inputs(draw: st.DrawFn, d: int) -> np.ndarray:
    """A batch ``x`` of shape (N, d), N in [2, 8], entries in [-100, 100].

    ``fill=st.nothing()`` so that hypothesis does not make most columns constant by
    accident; a constant column is then inserted on purpose in about a third of the cases.
    """
    n = draw(st.integers(2, 8))
    x = draw(arrays(np.float64, (n, d), elements=_finite(-100.0, 100.0), fill=st.nothing()))
    if draw(st.integers(0, 2)) == 0:
        x[:, draw(st.integers(0, d - 1))] = draw(_finite(-100.0, 100.0))
    return x


@st.composite
def batches(draw: st.DrawFn, d: int | None = None) -> dict[str, np.ndarray | float]:
    """A batch ``x`` (see ``inputs``) with gamma, beta in [-3, 3], dy in [-10, 10], eps."""
    d = draw(st.integers(1, 5)) if d is None else d
    x = draw(inputs(d))
    n = x.shape[0]
    vec = arrays(np.float64, (d,), elements=_finite(-3.0, 3.0), fill=st.nothing())
    dy = draw(arrays(np.float64, (n, d), elements=_finite(-10.0, 10.0), fill=st.nothing()))
    eps = draw(st.sampled_from([1e-5, 1e-3, 0.1]))
    return {"x": x, "gamma": draw(vec), "beta": draw(vec), "dy": dy, "eps": eps}


def _module(gamma: np.ndarray, beta: np.ndarray, eps: float, momentum: float = 0.1):
    bn = torch.nn.BatchNorm1d(gamma.shape[0], eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    return bn


def _out_tol(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Per-feature absolute tolerance for y = gamma * x_hat + beta.

    Centring rounds ``x - mean`` to ulps of ``max|x|``; dividing by ``sqrt(var + eps)``
    amplifies that by ``max|x| / sqrt(var + eps)`` (up to ~3e4 for |x| <= 100, var -> 0,
    eps = 1e-5).  64 ulps of headroom covers the two libraries' different summation orders.
    """
    std = np.sqrt(x.var(axis=0) + eps)
    return 64 * EPS64 * (np.abs(gamma) * (1.0 + np.abs(x).max(axis=0)) / std + np.abs(beta) + 1.0)


@SETTINGS
@given(batches())
def test_forward_matches_batchnorm1d_train(b: dict) -> None:
    """batchnorm_forward equals BatchNorm1d(train) output with the biased batch variance."""
    x, gamma, beta, eps = b["x"], b["gamma"], b["beta"], b["eps"]
    y = batchnorm_forward(x, gamma, beta, eps=eps)
    assert y.shape == x.shape and np.all(np.isfinite(y))
    expected = _module(gamma, beta, eps).train()(torch.from_numpy(x)).detach().numpy()
    assert np.all(np.abs(y - expected) <= _out_tol(x, gamma, beta, eps))


@SETTINGS
@given(batches())
def test_backward_matches_autograd_through_batchnorm1d(b: dict) -> None:
    """batchnorm_backward equals autograd through BatchNorm1d(train): x.grad, weight.grad, bias.grad."""
    x, gamma, beta, dy, eps = b["x"], b["gamma"], b["beta"], b["dy"], b["eps"]
    dx, dgamma, dbeta = batchnorm_backward(dy, x, gamma, eps=eps)
    assert dx.shape == x.shape and dgamma.shape == gamma.shape and dbeta.shape == gamma.shape
    bn = _module(gamma, beta, eps).train()
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    bn(xt).backward(torch.from_numpy(dy))
    std = np.sqrt(x.var(axis=0) + eps)
    # dbeta is a plain sum of N <= 8 numbers of size <= 10
    assert_allclose(dbeta, bn.bias.grad.numpy(), rtol=0, atol=64 * EPS64 * 10 * 8)
    # dgamma sums dy * x_hat: x_hat carries the forward error (|x| / std ulps), times N |dy|
    xhat_err = 64 * EPS64 * (1.0 + np.abs(x).max(axis=0)) / std
    assert_allclose(dgamma, bn.weight.grad.numpy(), rtol=0, atol=np.max(xhat_err * 8 * 10 + 1e-12))
    # dx = gamma / std * (...): the same x_hat error, scaled once more by |gamma| |dy| / std
    dx_tol = np.abs(gamma) * 10 * (xhat_err + 64 * EPS64) / std
    assert np.all(np.abs(dx - xt.grad.numpy()) <= dx_tol)


@SETTINGS
@given(
    st.integers(1, 5).flatmap(lambda d: st.tuples(batches(d), st.lists(inputs(d), max_size=4))),
    _finite(0.01, 1.0),
)
def test_running_stats_and_inference_match_batchnorm1d(case: tuple, momentum: float) -> None:
    """Running mean/var (unbiased variance) after several batches, then eval output, match BatchNorm1d."""
    b, more = case
    gamma, beta, eps = b["gamma"], b["beta"], b["eps"]
    d = gamma.shape[0]
    bn = _module(gamma, beta, eps, momentum).train()
    mean, var = np.zeros(d), np.ones(d)  # BatchNorm1d's initial running statistics
    with torch.no_grad():
        for x in [b["x"], *more]:
            bn(torch.from_numpy(x))
            mean, var = update_running_stats(mean, var, x, momentum=momentum)
            # moving averages of values <= 100 (means) and <= 1e4 (variances), few steps
            assert_allclose(mean, bn.running_mean.numpy(), rtol=1e-13, atol=1e-12)
            assert_allclose(var, bn.running_var.numpy(), rtol=1e-12, atol=1e-10)
        x = b["x"]
        y = batchnorm_inference(x, gamma, beta, mean, var, eps=eps)
        expected = bn.eval()(torch.from_numpy(x)).numpy()
    # fixed statistics: the only amplification is |x - running_mean| / sqrt(running_var + eps)
    scale = np.abs(gamma) * (1.0 + np.abs(x).max(axis=0) + np.abs(mean)) / np.sqrt(var + eps)
    assert np.all(np.abs(y - expected) <= 64 * EPS64 * (scale + np.abs(beta) + 1.0))


def test_running_var_is_unbiased() -> None:
    """update_running_stats uses the unbiased variance; momentum weights the new batch."""
    x = np.array([[0.0], [2.0]])  # mean 1, unbiased variance 2 (biased would be 1)
    mean, var = update_running_stats(np.array([10.0]), np.array([10.0]), x, momentum=0.25)
    assert_allclose(mean, [0.75 * 10 + 0.25 * 1], rtol=1e-15)
    assert_allclose(var, [0.75 * 10 + 0.25 * 2], rtol=1e-15)


@SETTINGS
@given(batches(), _finite(-100.0, 100.0))
def test_constant_feature_gives_beta_and_finite_grad(b: dict, c: float) -> None:
    """A zero-variance feature outputs exactly beta and has finite gradients."""
    x, gamma, beta, dy, eps = b["x"].copy(), b["gamma"], b["beta"], b["dy"], b["eps"]
    x[:, 0] = c
    y = batchnorm_forward(x, gamma, beta, eps=eps)
    assert_array_equal(y[:, 0], np.full(x.shape[0], beta[0]))
    dx, dgamma, dbeta = batchnorm_backward(dy, x, gamma, eps=eps)
    assert np.all(np.isfinite(dx)) and np.isfinite(dgamma).all() and np.isfinite(dbeta).all()
    assert dgamma[0] == 0.0  # x_hat is exactly 0 in that column
    # the constant column's dx is gamma / sqrt(eps) * (dy - mean(dy))
    expected = gamma[0] / np.sqrt(eps) * (dy[:, 0] - dy[:, 0].mean())
    assert_allclose(dx[:, 0], expected, rtol=1e-13, atol=1e-13 * abs(gamma[0]) / np.sqrt(eps))


def test_two_samples_normalize_to_plus_minus_one() -> None:
    """With N = 2 (the smallest batch), x_hat is +-1 up to the eps in the denominator."""
    x = np.array([[1.0, -5.0], [3.0, 5.0]])
    y = batchnorm_forward(x, np.ones(2), np.zeros(2), eps=0.0)
    assert_allclose(y, [[-1.0, -1.0], [1.0, 1.0]], rtol=0, atol=2 * EPS64)


@SETTINGS
@given(batches())
def test_no_function_modifies_its_inputs(b: dict) -> None:
    """Every batchnorm function leaves all of its array arguments untouched."""
    x, gamma, beta, dy = b["x"], b["gamma"], b["beta"], b["dy"]
    mean, var = np.full(x.shape[1], 0.5), np.full(x.shape[1], 2.0)
    saved = [a.copy() for a in (x, gamma, beta, dy, mean, var)]
    batchnorm_forward(x, gamma, beta)
    batchnorm_backward(dy, x, gamma)
    update_running_stats(mean, var, x)
    batchnorm_inference(x, gamma, beta, mean, var)
    for a, a0 in zip((x, gamma, beta, dy, mean, var), saved):
        assert_array_equal(a, a0)


# --- the graders' error models (graders/public/batchnorm/rounding.py) -------------------

#: the graders accept ULPS rounding errors of each scale; the reference and torch must agree
#: within an eighth of that, so the budget keeps a safety factor of 8 for other correct forms
BUDGET = grading.ULPS / 8 * EPS64 / 2


def _within(got: np.ndarray, want: np.ndarray, scale: np.ndarray) -> bool:
    return bool(np.all(np.abs(got - want) <= BUDGET * np.broadcast_to(scale, np.shape(got))))


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(wide_problems(upstream=True))
def test_forward_and_backward_agree_with_torch_well_inside_the_error_model(b: dict) -> None:
    """At scales 1e-3..1e3, offsets up to 1e3 and constant features, the training forward
    and (dx, dgamma, dbeta) agree with autograd to an eighth of the graders' bounds."""
    x, gamma, beta, dy = b["x"], b["gamma"], b["beta"], b["dy"]
    eps = 1e-5 if isinstance(b["eps"], str) else b["eps"]
    xt, w, bias = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    y = torch.nn.functional.batch_norm(xt, None, None, w, bias, training=True, eps=eps)
    y.backward(torch.from_numpy(dy))
    assert _within(
        batchnorm_forward(x, gamma, beta, eps),
        y.detach().numpy(),
        grading.forward_scale(x, gamma, beta, eps),
    )
    mine = batchnorm_backward(dy, x, gamma, eps)
    for got, t, scale in zip(mine, (xt, w, bias), grading.backward_scales(dy, x, gamma, eps)):
        assert _within(got, t.grad.numpy(), scale)


@SETTINGS
@given(batches(), st.sampled_from([0.1, 0.01, 0.9, 1.0]))
def test_running_stats_and_inference_agree_with_torch_well_inside_the_error_model(
    b: dict, momentum: float
) -> None:
    """Three steps of running statistics from PyTorch's (0, 1) start, then inference with
    them, agree with BatchNorm1d to an eighth of the graders' bounds."""
    x, gamma, beta, eps = b["x"], b["gamma"], b["beta"], b["eps"]
    xs = [x, 2.0 * x[::-1] - 1.0, x + 1e3]
    bn = _module(gamma, beta, eps, momentum).train()
    state = (np.zeros(x.shape[1]), np.ones(x.shape[1]))
    scales = grading.running_scales(*state, xs)
    for batch, (sm, sv) in zip(xs, scales):
        with torch.no_grad():
            bn(torch.from_numpy(batch))
        state = update_running_stats(*state, batch, momentum=momentum)
        assert _within(state[0], bn.running_mean.numpy(), sm)
        assert _within(state[1], bn.running_var.numpy(), sv)
    with torch.no_grad():
        want = bn.eval()(torch.from_numpy(x)).numpy()
    assert _within(
        batchnorm_inference(x, gamma, beta, *state, eps=eps),
        want,
        grading.inference_scale(x, gamma, beta, *state, eps),
    )
