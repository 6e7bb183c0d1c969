"""``graders.strategies``: each strategy generates what its docstring says (shapes, ranges,
dtypes, the nasty regions it promises) and shrinks where it says."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from graders import strategies as gen
from graders.public.landscape import cases

#: few examples, the same ones every run (a contract test, not a search)
FEW = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
#: where a strategy shrinks to: any first example, shrunk as far as it goes
SHRINK = settings(
    max_examples=1, phases=[Phase.generate, Phase.shrink], database=None, derandomize=True
)
#: whether a strategy reaches a region: a search without shrinking (the first hit will do)
SEARCH = settings(max_examples=200, phases=[Phase.generate], database=None, derandomize=True)


def _minimal(strategy):
    """The example the strategy shrinks to (the simplest one it can generate)."""
    return find(strategy, lambda _: True, settings=SHRINK)


def _exists(strategy, condition):
    """The strategy generates a value satisfying ``condition`` (NoSuchExample otherwise)."""
    return find(strategy, condition, settings=SEARCH)


def _float64_in(a, lo, hi) -> bool:
    return (
        type(a) is np.ndarray
        and a.dtype == np.float64
        and bool(np.all(np.isfinite(a)))
        and bool(np.all((a >= lo) & (a <= hi)))
    )


# --- the generic nouns -------------------------------------------------------------------


@FEW
@given(gen.floats(-3.0, 2.0))
def test_floats_are_finite_normal_and_in_range(x):
    """floats(lo, hi): finite, not subnormal, in [lo, hi]."""
    assert -3.0 <= x <= 2.0 and (x == 0 or abs(x) >= np.finfo(np.float64).tiny)


@FEW
@given(gen.arrays((3, 2), -1.0, 4.0), gen.arrays(st.just((5,))))
def test_arrays_have_the_shape_dtype_and_range(a, b):
    """arrays(shape, lo, hi): float64 of that shape (tuple or strategy), cells in range."""
    assert a.shape == (3, 2) and _float64_in(a, -1.0, 4.0)
    assert b.shape == (5,) and _float64_in(b, -10.0, 10.0)


@FEW
@given(gen.vectors(2, 4, -1.0, 1.0), gen.matrices(1, 2, 3, 5, 0.0, 1.0))
def test_vectors_and_matrices_respect_their_size_ranges(v, m):
    """vectors: 1-D, length min_dim..max_dim; matrices: rows and columns in their ranges."""
    assert v.ndim == 1 and 2 <= v.size <= 4 and _float64_in(v, -1.0, 1.0)
    assert m.ndim == 2 and 1 <= m.shape[0] <= 2 and 3 <= m.shape[1] <= 5
    assert _float64_in(m, 0.0, 1.0)


def test_arrays_cells_are_drawn_independently():
    """No default fill: one value filling most cells is rare (hypothesis' default fill does
    it in about half of all arrays: 55 of these 100 with it, 6 without)."""
    mostly_one_value = []

    @settings(max_examples=100, phases=[Phase.generate], database=None, derandomize=True)
    @given(gen.arrays((8,)))
    def draw(a):
        mostly_one_value.append(max(Counter(a.tolist()).values()) >= 6)

    draw()
    assert len(mostly_one_value) == 100 and sum(mostly_one_value) < 20


def test_generic_nouns_shrink_where_they_say():
    """floats to 0, arrays to zeros, vectors to the shortest zero vector, matrices to 1x1."""
    assert _minimal(gen.floats()) == 0.0
    assert np.array_equal(_minimal(gen.arrays((2, 3))), np.zeros((2, 3)))
    assert np.array_equal(_minimal(gen.vectors(min_dim=2)), np.zeros(2))
    assert np.array_equal(_minimal(gen.matrices()), np.zeros((1, 1)))


# --- classification ----------------------------------------------------------------------


@FEW
@given(gen.logits(min_n=2, max_n=3, min_k=2, max_k=4), gen.logits(scale=5.0))
def test_logits_shapes_and_bounds(z, small):
    """(N, K) in the given ranges; |z| at most 1e4 plus a 1e3 offset, or ``scale`` when set
    (no offset then)."""
    assert z.ndim == 2 and 2 <= z.shape[0] <= 3 and 2 <= z.shape[1] <= 4
    assert _float64_in(z, -1.1e4, 1.1e4)
    assert 1 <= small.shape[0] <= 6 and _float64_in(small, -5.0, 5.0)


def test_logits_reach_the_overflow_region_and_shrink_to_1x1_zero():
    """Huge logits (exp overflows past ~709) are generated; the simplest is [[0.]]."""
    _exists(gen.logits(), lambda z: np.max(np.abs(z)) > 1e3)
    _exists(gen.logits(), lambda z: z.shape[1] > 1 and np.min(z) > 100)  # a common offset
    assert np.array_equal(_minimal(gen.logits()), np.zeros((1, 1)))


@FEW
@given(gen.logits_and_labels(min_k=2, max_k=3))
def test_labels_are_int64_class_indices_one_per_row(case):
    """labels: int64 of shape (N,), each in [0, K)."""
    z, labels = case["logits"], case["labels"]
    n, k = z.shape
    assert 2 <= k <= 3 and labels.dtype == np.int64 and labels.shape == (n,)
    assert np.all((labels >= 0) & (labels < k))


# --- batch norm --------------------------------------------------------------------------


@FEW
@given(gen.batches(min_n=3, max_n=4, min_d=2, max_d=3))
def test_batches_shapes_and_range(x):
    """(N, D) with N, D in range (N >= 2 always), values in [-10, 10]."""
    assert 3 <= x.shape[0] <= 4 and 2 <= x.shape[1] <= 3 and _float64_in(x, -10.0, 10.0)


def test_batches_add_constant_columns_on_purpose_and_shrink_to_2x1():
    """A constant non-zero column among varying ones is generated; the simplest is 2x1."""

    def constant_beside_varying(x):
        spread = np.ptp(x, axis=0)
        return x.shape[1] >= 2 and np.any((spread == 0) & (x[0] != 0)) and np.any(spread > 0)

    _exists(gen.batches(), constant_beside_varying)
    assert _minimal(gen.batches()).shape == (2, 1)


# --- critical points ---------------------------------------------------------------------


@FEW
@given(gen.orthogonal_matrices(3))
def test_orthogonal_matrices_are_orthogonal(q):
    """Q Qᵀ = I to rounding."""
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-12)


@FEW
@given(gen.eigenvalues(2, 4))
def test_eigenvalues_are_zero_or_well_away_from_it(lam):
    """Each eigenvalue is exactly 0 or has |λ| in [0.1, 10]; 2..4 of them."""
    assert 2 <= lam.size <= 4
    assert all(v == 0.0 or 0.1 <= abs(v) <= 10.0 for v in lam)


@FEW
@given(gen.symmetric_matrices(1, 4))
def test_symmetric_matrices_have_the_stated_eigenvalues(case):
    """H is exactly symmetric and its eigenvalues are the ones returned beside it."""
    h, lam = case["H"], case["eigenvalues"]
    assert h.shape == (lam.size, lam.size) and np.array_equal(h, h.T)
    np.testing.assert_allclose(np.linalg.eigvalsh(h), np.sort(lam), atol=1e-9)


def test_spectra_include_saddles_and_exact_zeros():
    """Mixed signs (saddles) and an exact zero next to non-zero eigenvalues both occur."""
    _exists(gen.eigenvalues(), lambda lam: lam.min() < 0 < lam.max())
    _exists(gen.eigenvalues(), lambda lam: 0.0 in lam and np.any(lam != 0))


# --- backprop ----------------------------------------------------------------------------


@FEW
@given(gen.mlp_params(min_layers=2, max_layers=3, max_width=3, n_in=2))
def test_mlp_params_are_compatible_layers(params):
    """(W, b) pairs, W (out, in), b (out,), layer l+1's in = layer l's out, |w| <= 2."""
    assert 2 <= len(params) <= 3 and params[0][0].shape[1] == 2
    for (w, _), (w_next, _) in zip(params, params[1:]):
        assert w_next.shape[1] == w.shape[0]
    for w, b in params:
        assert b.shape == (w.shape[0],) and w.shape[0] <= 3
        assert _float64_in(w, -2.0, 2.0) and _float64_in(b, -2.0, 2.0)


def test_mlp_params_shrink_to_one_1x1_zero_layer():
    """The simplest network: one layer, W = [[0.]], b = [0.]."""
    ((w, b),) = _minimal(gen.mlp_params())
    assert np.array_equal(w, np.zeros((1, 1))) and np.array_equal(b, np.zeros(1))


@FEW
@given(gen.mlp_problems(max_n=3))
def test_mlp_problems_fit_their_network(case):
    """x is (N, in) and y (N, out) of the network, N in 1..max_n, values in [-3, 3]."""
    params, x, y = case["params"], case["x"], case["y"]
    assert 1 <= x.shape[0] <= 3 and x.shape == (x.shape[0], params[0][0].shape[1])
    assert y.shape == (x.shape[0], params[-1][0].shape[0])
    assert _float64_in(x, -3.0, 3.0) and _float64_in(y, -3.0, 3.0)


# --- optimizers --------------------------------------------------------------------------


@FEW
@given(gen.gradient_sequences(min_steps=2, max_steps=5, max_dim=3))
def test_gradient_sequences_shapes_and_bounds(g):
    """(T, dim) with T and dim in range, entries at most 1e6 in size."""
    assert 2 <= g.shape[0] <= 5 and 1 <= g.shape[1] <= 3 and _float64_in(g, -1e6, 1e6)


def test_gradient_sequences_reach_tiny_and_huge_scales():
    """Tiny gradients (Adam's eps dominates) and huge ones are generated; simplest: 1 zero."""
    _exists(gen.gradient_sequences(), lambda g: 0 < np.max(np.abs(g)) <= 1e-11)
    _exists(gen.gradient_sequences(), lambda g: np.max(np.abs(g)) >= 1e5)
    assert np.array_equal(_minimal(gen.gradient_sequences()), np.zeros((1, 1)))


@FEW
@given(gen.quadratics(2, 3))
def test_quadratics_are_convex_with_the_stated_curvature(case):
    """A is symmetric with eigenvalues in [0.1, 10] (to rounding); b is (n,) in [-5, 5]."""
    a, b = case["A"], case["b"]
    assert a.shape == (b.size, b.size) and 2 <= b.size <= 3 and np.array_equal(a, a.T)
    lam = np.linalg.eigvalsh(a)
    assert lam.min() >= 0.1 - 1e-9 and lam.max() <= 10.0 + 1e-9
    assert _float64_in(b, -5.0, 5.0)


def test_learning_rates_and_momenta_are_valid_hyperparameters():
    """Rates are in (0, 0.5]; momenta in [0, 1), plain descent (0) included."""
    with pytest.raises(NoSuchExample):
        _exists(gen.learning_rates, lambda lr: not 0 < lr <= 0.5)
    with pytest.raises(NoSuchExample):
        _exists(gen.momenta, lambda m: not 0 <= m < 1)
    assert _minimal(gen.momenta) == 0.0


# --- landscape ---------------------------------------------------------------------------


@FEW
@given(cases.quadratic_problems())
def test_quadratic_problems_are_one_layer_with_a_well_conditioned_hessian(case):
    """One layer (C quadratic in theta), shapes that fit, theta and y in [-2, 2], and the
    Hessian's blocks AᵀA (A = [x, 1]) of condition number at most 25, as the docstring bounds."""
    (n_in, n_out), x, y = case["sizes"], case["x"], case["y"]
    assert 1 <= n_in <= 3 and 1 <= n_out <= 3 and n_in + 1 <= x.shape[0] <= n_in + 3
    assert x.shape == (x.shape[0], n_in) and y.shape == (x.shape[0], n_out)
    assert case["theta"].shape == (n_out * (n_in + 1),)
    assert _float64_in(case["theta"], -2.0, 2.0) and _float64_in(y, -2.0, 2.0)
    a = np.hstack([x, np.ones((x.shape[0], 1))])
    assert np.linalg.cond(a.T @ a) <= 25.0


def test_quadratic_problems_shrink_to_one_input_one_output_two_samples():
    """The simplest quadratic problem: sizes [1, 1] on two samples."""
    case = _minimal(cases.quadratic_problems())
    assert case["sizes"] == [1, 1] and case["x"].shape == (2, 1)
