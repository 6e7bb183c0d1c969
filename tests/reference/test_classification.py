"""reference.classification against PyTorch (float64) and the defining identities."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from graders import strategies as gen
from graders.public import classification as grading
from reference.classification import (
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    sigmoid,
    softmax,
    softmax_mse,
    softmax_mse_grad,
)

SETTINGS = settings(max_examples=50, derandomize=True, database=None, deadline=None)
EPS64 = np.finfo(np.float64).eps

# Tolerances.  Probabilities are in [0, 1]; numpy's and torch's exp differ by ~1 ulp, so
# softmax agrees to a relative 1e-13 (a few ulp, plus the sum's rounding).  The one
# exception is underflow: a probability below ~1e-300 may be subnormal in one library and
# rounded differently in the other, hence atol=1e-300 and nothing looser.
P_RTOL, P_ATOL = 1e-13, 1e-300


def _logit_atol(z: np.ndarray) -> float:
    """Absolute tolerance for log-probabilities: ``z - max(z)`` rounds to ulps of ``max|z|``."""
    return 16 * EPS64 * (1.0 + float(np.max(np.abs(z))))


def _finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def logits_and_labels(draw: st.DrawFn, scale: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """An ``(N, K)`` float64 batch of logits in ``[-scale, scale]`` and valid labels."""
    n = draw(st.integers(1, 8))
    k = draw(st.integers(1, 6))
    z = draw(arrays(np.float64, (n, k), elements=_finite(-scale, scale), fill=st.nothing()))
    y = draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return z, y


# logits of ordinary size, and the nasty region: |logit| up to 1e4 (exp overflows at ~710)
LOGITS = st.one_of(logits_and_labels(30.0), logits_and_labels(1e4))
ANY_SHAPE = arrays(
    np.float64,
    st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
    elements=_finite(-1e4, 1e4),
    fill=st.nothing(),
)


@SETTINGS
@given(ANY_SHAPE)
def test_softmax_matches_torch_along_last_axis(z: np.ndarray) -> None:
    """softmax equals torch.softmax(dim=-1) for any ndim >= 1 and logits up to |1e4|."""
    p = softmax(z)
    assert p.shape == z.shape and p.dtype == np.float64
    assert np.all(np.isfinite(p))
    assert_allclose(p, torch.softmax(torch.from_numpy(z), dim=-1).numpy(), rtol=P_RTOL, atol=P_ATOL)
    # each distribution sums to 1 up to the rounding of K <= 4 additions
    assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=8 * EPS64)


@SETTINGS
@given(ANY_SHAPE)
def test_log_softmax_matches_torch_along_last_axis(z: np.ndarray) -> None:
    """log_softmax equals torch.log_softmax(dim=-1), finite even where softmax underflows."""
    lp = log_softmax(z)
    assert lp.shape == z.shape and lp.dtype == np.float64
    assert np.all(np.isfinite(lp)) and np.all(lp <= 0)
    expected = torch.log_softmax(torch.from_numpy(z), dim=-1).numpy()
    assert_allclose(lp, expected, rtol=1e-13, atol=_logit_atol(z))


@SETTINGS
@given(logits_and_labels(30.0), _finite(-100.0, 100.0))
def test_softmax_is_shift_invariant(zy: tuple[np.ndarray, np.ndarray], c: float) -> None:
    """Adding one constant to every logit of a row leaves softmax unchanged."""
    z, _ = zy
    # z + c rounds each logit by up to ulp(130) ~ 3e-14, which moves probabilities by as much
    assert_allclose(softmax(z + c), softmax(z), rtol=0, atol=1e-12)


def test_huge_logits_are_finite_and_exact() -> None:
    """Logits of +-1e4 give finite one-hot probabilities and exact log-probabilities."""
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])
    assert_array_equal(softmax(z), [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]])
    lp = log_softmax(z)
    assert np.all(np.isfinite(lp))
    # -2e4 and -1e4 are exactly representable; log(1 + exp(-1e4)) rounds to 0
    assert_array_equal(lp[0], [0.0, -2e4, -1e4])
    assert_allclose(lp[1], -np.log(3.0), rtol=1e-15)
    assert np.isfinite(cross_entropy(z, np.array([1, 0, 2])))


def test_single_class_gives_certainty() -> None:
    """With K = 1, softmax is 1, log_softmax is 0 and both losses and gradients are 0."""
    z = np.array([[3.0], [-1e4], [0.0]])
    y = np.zeros(3, dtype=np.int64)
    assert_array_equal(softmax(z), np.ones((3, 1)))
    assert_array_equal(log_softmax(z), np.zeros((3, 1)))
    assert cross_entropy(z, y) == 0.0 and softmax_mse(z, y) == 0.0
    assert_array_equal(cross_entropy_grad(z, y), np.zeros((3, 1)))
    assert_array_equal(softmax_mse_grad(z, y), np.zeros((3, 1)))


@SETTINGS
@given(arrays(np.float64, st.integers(1, 20), elements=_finite(-800.0, 800.0), fill=st.nothing()))
def test_sigmoid_matches_torch_and_two_class_softmax(z: np.ndarray) -> None:
    """sigmoid equals torch.sigmoid and is exactly softmax([z, 0])[0]."""
    s = sigmoid(z)
    assert s.shape == z.shape and np.all((s >= 0) & (s <= 1))
    # same stable expressions as the max-shifted softmax: bit-for-bit equal
    assert_array_equal(s, softmax(np.stack([z, np.zeros_like(z)], axis=-1))[..., 0])
    # a few ulp apart from torch; below exp(-708) the value is subnormal (hence atol)
    assert_allclose(s, torch.sigmoid(torch.from_numpy(z)).numpy(), rtol=1e-14, atol=1e-300)


def test_sigmoid_extremes_without_warnings() -> None:
    """sigmoid saturates to exactly 0 and 1 at +-1e4 without overflow warnings."""
    # pyproject turns RuntimeWarnings from reference.* into errors
    assert_array_equal(sigmoid(np.array([-1e4, 0.0, 1e4])), [0.0, 0.5, 1.0])


@SETTINGS
@given(LOGITS)
def test_cross_entropy_matches_torch(zy: tuple[np.ndarray, np.ndarray]) -> None:
    """cross_entropy is a Python float equal to F.cross_entropy with mean reduction."""
    z, y = zy
    loss = cross_entropy(z, y)
    assert type(loss) is float and np.isfinite(loss)
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item()
    # a mean of log-probabilities: the log_softmax tolerance carries over
    assert abs(loss - expected) <= 1e-13 * abs(expected) + _logit_atol(z)


@SETTINGS
@given(LOGITS)
def test_cross_entropy_grad_matches_autograd(zy: tuple[np.ndarray, np.ndarray]) -> None:
    """cross_entropy_grad equals autograd of F.cross_entropy: (softmax - onehot) / N."""
    z, y = zy
    t = torch.from_numpy(z.copy()).requires_grad_(True)
    torch.nn.functional.cross_entropy(t, torch.from_numpy(y)).backward()
    g = cross_entropy_grad(z, y)
    assert g.shape == z.shape
    # entries are differences of probabilities in [0, 1] over N: a few ulp of 1 absolute
    assert_allclose(g, t.grad.numpy(), rtol=1e-13, atol=4 * EPS64)


def _torch_softmax_mse(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    t = torch.from_numpy(z.copy()).requires_grad_(True)
    onehot = torch.nn.functional.one_hot(torch.from_numpy(y), z.shape[1]).to(torch.float64)
    loss = ((onehot - torch.softmax(t, dim=1)) ** 2).sum(1).mean()
    loss.backward()
    return loss.item(), t.grad.numpy()


@SETTINGS
@given(LOGITS)
def test_softmax_mse_and_grad_match_autograd(zy: tuple[np.ndarray, np.ndarray]) -> None:
    """softmax_mse and softmax_mse_grad equal torch autograd of ((onehot - softmax)**2).sum(1).mean()."""
    z, y = zy
    loss, grad = softmax_mse(z, y), softmax_mse_grad(z, y)
    expected_loss, expected_grad = _torch_softmax_mse(z, y)
    assert type(loss) is float
    # the loss is a sum of squares of numbers in [-1, 1], at most 2 per row
    assert abs(loss - expected_loss) <= 1e-13 * abs(expected_loss) + 8 * EPS64
    # the gradient's entries are O(1/N) sums of products of probabilities
    assert_allclose(grad, expected_grad, rtol=1e-12, atol=8 * EPS64)


def test_softmax_mse_is_per_sample_sum_not_elementwise_mean() -> None:
    """softmax_mse divides by N only (not N*K): a sure wrong answer costs 2 per sample."""
    z = np.array([[0.0, 1e4, 0.0], [1e4, 0.0, 0.0]])
    assert softmax_mse(z, np.array([0, 1])) == 2.0


@SETTINGS
@given(LOGITS)
def test_no_function_modifies_its_inputs(zy: tuple[np.ndarray, np.ndarray]) -> None:
    """Every classification function leaves its logits and labels untouched."""
    z, y = zy
    z0, y0 = z.copy(), y.copy()
    softmax(z)
    log_softmax(z)
    sigmoid(z)
    for f in (cross_entropy, cross_entropy_grad, softmax_mse, softmax_mse_grad):
        f(z, y)
    assert_array_equal(z, z0)
    assert_array_equal(y, y0)


# --- the graders' error models (graders/public/classification.py) -----------------------

#: the graders accept ULPS rounding errors of each scale; the reference and torch must agree
#: within an eighth of that, so the budget keeps a safety factor of 8 for other correct forms
SPARE = 8.0


@SETTINGS
@given(gen.logit_arrays())
def test_reference_and_torch_agree_well_inside_the_graders_error_model(z: np.ndarray) -> None:
    """On 1-D to 3-D logits, softmax and log_softmax agree with torch to an eighth of the
    graders' bounds: relative to each probability, and to the log-sum-exp's scale."""
    budget = grading.ULPS / SPARE * EPS64 / 2
    tz = torch.from_numpy(z)
    tp, tlp = torch.softmax(tz, dim=-1).numpy(), torch.log_softmax(tz, dim=-1).numpy()
    assert np.all(np.abs(softmax(z) - tp) <= budget * grading.prob_scale(z, tp))
    assert np.all(np.abs(log_softmax(z) - tlp) <= budget * grading.log_scale(z))
    assert np.all(np.abs(softmax(z).sum(axis=-1) - 1.0) <= budget * grading.log_scale(z)[..., 0])


@SETTINGS
@given(arrays(np.float64, st.integers(1, 20), elements=_finite(-1e4, 1e4), fill=st.nothing()))
def test_tanh_sigmoid_is_within_the_absolute_sigmoid_model(z: np.ndarray) -> None:
    """0.5 * (1 + tanh(z / 2)), a correct form, is within an eighth of the graders' absolute
    bound for sigmoid (a probability to a few u), though not relatively accurate in its tail."""
    tanh_form = 0.5 * (1.0 + np.tanh(z / 2.0))
    assert np.all(np.abs(tanh_form - sigmoid(z)) <= grading.ULPS / SPARE * EPS64 / 2)


def test_tanh_sigmoid_tail_is_why_the_sigmoid_model_is_absolute() -> None:
    """At z = -40 the tanh form rounds to 0 while sigmoid is 4e-18: a relative bound would
    fail this correct form, the absolute one cannot tell it from the reference."""
    z = np.array([-40.0])
    assert 0.5 * (1.0 + np.tanh(z[0] / 2.0)) == 0.0 and 4e-18 < sigmoid(z)[0] < 5e-18
