"""reference.backprop against PyTorch autograd and its own defining properties."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from reference.backprop import (
    backward_pass,
    forward_pass,
    numerical_gradient,
    sigmoid,
    sigmoid_derivative,
)

REFERENCE = settings(max_examples=50, derandomize=True, database=None, deadline=None)
F64_EPS = np.finfo(np.float64).eps  # 2.2e-16


def finite(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats in [low, high], no subnormals (shrinks towards 0)."""
    return st.floats(low, high, allow_subnormal=False)


def matrices(shape: tuple[int, ...], bound: float) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` with independent entries in [-bound, bound]."""
    return arrays(np.float64, shape, elements=finite(-bound, bound), fill=st.nothing())


@st.composite
def mlp_cases(
    draw: st.DrawFn,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, np.ndarray]:
    """(params, x, y): an MLP of depth 1..3, widths 1..5, a batch of N = 1..6 samples.

    Weights in [-2, 2], inputs in [-3, 3], targets in [-5, 5]; shrinks towards one layer,
    width 1, N = 1 and zeros.
    """
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 5)) for _ in range(depth + 1)]
    n = draw(st.integers(1, 6))
    params = [
        (draw(matrices((widths[l + 1], widths[l]), 2.0)), draw(matrices((widths[l + 1],), 2.0)))
        for l in range(depth)
    ]
    return params, draw(matrices((n, widths[0]), 3.0)), draw(matrices((n, widths[-1]), 5.0))


def torch_mlp(params, x, y):
    """Activations [a_0..a_L] and [(dC/dW, dC/db)] computed by torch autograd."""
    tensors = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in params
    ]
    a = torch.tensor(x)
    activations = [a]
    for l, (W, b) in enumerate(tensors):
        z = a @ W.T + b
        a = z if l == len(tensors) - 1 else torch.sigmoid(z)
        activations.append(a)
    loss = 0.5 * ((a - torch.tensor(y)) ** 2).sum()
    loss.backward()
    return (
        [t.detach().numpy() for t in activations],
        [(W.grad.numpy(), b.grad.numpy()) for W, b in tensors],
    )


def read_only(a: np.ndarray) -> np.ndarray:
    """A read-only copy: any in-place write by the code under test raises ValueError."""
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


# ---------------------------------------------------------------- sigmoid

extreme_z = st.sampled_from([1e4, -1e4, 1e5, -1e5, 1e300, -1e300, 709.8, -709.8, 745.0, -745.0])
any_z = arrays(
    np.float64,
    array_shapes(min_dims=0, max_dims=3, max_side=5),
    elements=st.one_of(finite(-40.0, 40.0), finite(-1e4, 1e4), extreme_z),
)


@REFERENCE
@given(any_z)
def test_sigmoid_matches_torch_without_overflow(z):
    """sigmoid equals torch.sigmoid for |z| up to 1e300 and emits no overflow/invalid warning."""
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        # Underflow stays at NumPy's default ("ignore"): for z < -745 the exact value is
        # below the smallest float64 and 0.0 is the correct answer.
        warnings.simplefilter("error")
        got = sigmoid(z)
    expected = torch.sigmoid(torch.tensor(z)).numpy()
    assert got.shape == z.shape and got.dtype == np.float64
    # Both sides are a few ulp from exact; rtol 1e-14 is ~45 ulp.  atol 1e-300 only admits
    # subnormal results (z < -708), whose relative precision is reduced.
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-300)


def test_sigmoid_extremes_are_exact():
    """sigmoid(±1e4) and sigmoid(±inf) are exactly 1 and 0; sigmoid(0) is exactly 0.5."""
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        got = sigmoid(np.array([1e4, -1e4, np.inf, -np.inf, 0.0]))
    assert got.tolist() == [1.0, 0.0, 1.0, 0.0, 0.5]


@REFERENCE
@given(any_z)
def test_sigmoid_derivative_matches_torch_autograd(z):
    """sigmoid_derivative equals torch autograd's derivative of torch.sigmoid, no overflow."""
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        got = sigmoid_derivative(z)
    zt = torch.tensor(z, requires_grad=True)
    (expected,) = torch.autograd.grad(torch.sigmoid(zt).sum(), zt)
    assert got.shape == z.shape and got.dtype == np.float64
    # torch forms y(1 - y); for y near 1, 1 - y carries an absolute rounding error of up to
    # ulp(1) = 2.2e-16, which the reference's e/(1+e)² avoids: atol 2 ulp(1), rtol ~45 ulp.
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-14, atol=2 * F64_EPS)


@REFERENCE
@given(any_z)
def test_sigmoid_is_symmetric_to_two_roundings(z):
    """sigmoid(-z) equals 1 - sigmoid(z) within 2 ulps of 1 (the graders' symmetry check
    allows 16): each branch rounds e = exp(-|z|), 1 + e and one division."""
    gap = np.abs(sigmoid(-z) - (1.0 - sigmoid(z)))
    assert np.all(gap <= 2 * F64_EPS), float(np.max(gap, initial=0.0))


@pytest.mark.parametrize("z", [-700.0, -40.0, 40.0, 700.0])
def test_sigmoid_derivative_keeps_relative_accuracy_in_the_tails(z):
    """sigmoid_derivative(z) ≈ exp(-|z|) to full relative precision where 1 - σ(z) rounds to 0."""
    # exact value e/(1+e)² with e = exp(-|z|) <= 4.3e-18, so it equals e to relative 1e-17.
    np.testing.assert_allclose(sigmoid_derivative(np.array([z])), [np.exp(-abs(z))], rtol=1e-14)


# ---------------------------------------------------------------- forward and backward pass


@REFERENCE
@given(mlp_cases())
def test_forward_pass_matches_torch(case):
    """forward_pass returns [a_0..a_L] with sigmoid hidden layers and a linear output, as torch."""
    params, x, y = case
    got = forward_pass(params, x)
    expected, _ = torch_mlp(params, x, y)
    assert len(got) == len(params) + 1
    np.testing.assert_array_equal(got[0], x)
    for a, e in zip(got, expected):
        assert a.shape == e.shape and a.dtype == np.float64
        # Same float64 formula; only matmul summation order differs (a few ulp per layer on
        # values below ~25).  1e-12 keeps a 1000x margin; a convention error is O(0.1).
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


@REFERENCE
@given(mlp_cases())
def test_backward_pass_matches_torch_autograd(case):
    """backward_pass gives dC/dW_l, dC/db_l of the summed loss, as torch autograd, in params' shapes."""
    params, x, y = case
    got = backward_pass(params, x, y)
    _, expected = torch_mlp(params, x, y)
    assert isinstance(got, list) and len(got) == len(params)
    for (dW, db), (W, b), (eW, eb) in zip(got, params, expected):
        assert dW.shape == W.shape and db.shape == b.shape
        assert dW.dtype == np.float64 and db.dtype == np.float64
        # Gradients are sums of up to N*width = 30 products of O(10) terms (|grad| <= ~1e3,
        # ulp ~1e-13); different summation orders stay far inside 1e-11.
        np.testing.assert_allclose(dW, eW, rtol=1e-11, atol=1e-11)
        np.testing.assert_allclose(db, eb, rtol=1e-11, atol=1e-11)


@REFERENCE
@given(mlp_cases())
def test_backward_pass_agrees_with_numerical_gradient(case):
    """backward_pass agrees with central differences of C (the check graders run)."""
    params, x, y = case

    def loss(l, W, b):
        """C with layer l's parameters replaced by (W, b)."""
        trial = [(W, b) if k == l else p for k, p in enumerate(params)]
        return 0.5 * np.sum((forward_pass(trial, x)[-1] - y) ** 2)

    c = loss(0, *params[0])
    for l, ((dW, db), (W, b)) in enumerate(zip(backward_pass(params, x, y), params)):
        nW = numerical_gradient(functools.partial(loss, l, b=b), W)
        nb = numerical_gradient(functools.partial(loss, l, W), b)
        # Central differences at eps=1e-6: rounding ~ n_terms * eps_mach * |C| / eps
        # (n_terms <= 30 summed squares) dominates the O(eps²) truncation.
        atol = 30 * F64_EPS * max(1.0, c) / 1e-6
        np.testing.assert_allclose(dW, nW, rtol=1e-6, atol=atol)
        np.testing.assert_allclose(db, nb, rtol=1e-6, atol=atol)


# ---------------------------------------------------------------- numerical gradient


def smooth(theta, c):
    """f(θ) = Σ sin(c⊙θ) + ½ (Σ tanh θ)², in NumPy or torch; |f| <= n + n²/2."""
    lib = torch if isinstance(theta, torch.Tensor) else np
    return lib.sum(lib.sin(c * theta)) + 0.5 * lib.sum(lib.tanh(theta)) ** 2


@st.composite
def smooth_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """(θ, c) of one shape, (n,) with n = 1..6 or (a, b) with a, b = 1..3; entries in [-2, 2]."""
    shape = draw(
        st.one_of(st.tuples(st.integers(1, 6)), st.tuples(st.integers(1, 3), st.integers(1, 3)))
    )
    return draw(matrices(shape, 2.0)), draw(matrices(shape, 2.0))


@REFERENCE
@given(smooth_cases())
def test_numerical_gradient_matches_torch_autograd(case):
    """numerical_gradient is the central-difference gradient, with θ's shape, for 1-D and 2-D θ."""
    theta, c = case
    frozen = read_only(theta)
    got = numerical_gradient(lambda t: float(smooth(t, c)), frozen)
    tt = torch.tensor(theta, requires_grad=True)
    (expected,) = torch.autograd.grad(smooth(tt, torch.tensor(c)), tt)
    assert got.shape == theta.shape and got.dtype == np.float64
    np.testing.assert_array_equal(frozen, theta)
    # Error model at eps = 1e-6 with n <= 9 terms and |f| <= 50: rounding n*eps_mach*|f|/eps
    # <= 1e-7, truncation eps²/6*|f'''| ~ 1e-12 (observed max 3.5e-9).  A wrong scale or
    # sign is O(1).
    np.testing.assert_allclose(got, expected.numpy(), rtol=0, atol=1e-7)


def test_numerical_gradient_is_central_difference():
    """numerical_gradient is the central difference (f(θ+eps) - f(θ-eps)) / (2 eps), not one-sided."""
    # For f = θ³ the central difference is 3θ² + eps² exactly; a forward difference would
    # add 3θ·eps.  At θ = 1, eps = 1e-3: central 3.000001, forward 3.003001.
    got = numerical_gradient(lambda t: float(np.sum(t**3)), np.array([1.0]), eps=1e-3)
    np.testing.assert_allclose(got, [3.0 + 1e-6], rtol=1e-9)  # rounding ~ eps_mach/eps = 2e-13


# ---------------------------------------------------------------- inputs are not modified


@REFERENCE
@given(mlp_cases())
def test_no_function_modifies_its_inputs(case):
    """No backprop function writes to its array arguments: read-only ones raise on a write,
    and writable ones (which a function could also make writable again) come back unchanged."""
    params, x, y = case

    def run_all(params, x, y):
        forward_pass(params, x)
        backward_pass(params, x, y)
        sigmoid(x)
        sigmoid_derivative(x)
        numerical_gradient(lambda t: float(np.sum(t**2)), x)

    run_all([(read_only(W), read_only(b)) for W, b in params], read_only(x), read_only(y))
    given_params = [(W.copy(), b.copy()) for W, b in params]
    given_x, given_y = x.copy(), y.copy()
    run_all(given_params, given_x, given_y)
    for (W, b), (gW, gb) in zip(params, given_params):
        np.testing.assert_array_equal(gW, W)
        np.testing.assert_array_equal(gb, b)
    np.testing.assert_array_equal(given_x, x)
    np.testing.assert_array_equal(given_y, y)
