"""Hypothesis strategies for the course's inputs: nouns, each saying what it shrinks towards.

Values stay where float64 answers are well defined, and the nasty regions are added on
purpose (huge logits, constant batch-norm features, tiny gradients, exactly-zero
eigenvalues).  ``arrays()`` here never uses hypothesis' default fill (which repeats one value
in most cells): constant columns appear only where a strategy adds them deliberately.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

F64 = np.float64


def floats(lo: float = -10.0, hi: float = 10.0) -> st.SearchStrategy[float]:
    """Finite floats in [lo, hi]; shrink towards 0."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(shape: Any, lo: float = -10.0, hi: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` (a tuple or a strategy of tuples) with every cell drawn
    independently from [lo, hi]; shrink towards all zeros."""
    return hnp.arrays(F64, shape, elements=floats(lo, hi), fill=st.nothing())


def vectors(
    min_dim: int = 1, max_dim: int = 6, lo: float = -10.0, hi: float = 10.0
) -> st.SearchStrategy[np.ndarray]:
    """1-D float64 arrays of length min_dim..max_dim; shrink to the shortest zero vector."""
    return arrays(st.integers(min_dim, max_dim).map(lambda n: (n,)), lo, hi)


def matrices(
    min_rows: int = 1,
    max_rows: int = 6,
    min_cols: int = 1,
    max_cols: int = 6,
    lo: float = -10.0,
    hi: float = 10.0,
) -> st.SearchStrategy[np.ndarray]:
    """2-D float64 arrays (rows x cols in the given ranges); shrink to a 1x1 zero matrix."""
    shape = st.tuples(st.integers(min_rows, max_rows), st.integers(min_cols, max_cols))
    return arrays(shape, lo, hi)


# --- classification -------------------------------------------------------------------


@st.composite
def logits(
    draw: Any,
    min_n: int = 1,
    max_n: int = 6,
    min_k: int = 1,
    max_k: int = 6,
    scale: float | None = None,
) -> np.ndarray:
    """An (N, K) logit matrix.  Mostly moderate values; sometimes huge ones (|z| up to 1e4,
    where exp overflows without the max shift) or a large common offset per row.  Shrinks
    towards a 1x1 zero matrix."""
    n = draw(st.integers(min_n, max_n))
    k = draw(st.integers(min_k, max_k))
    hi = scale if scale is not None else draw(st.sampled_from([10.0, 10.0, 10.0, 1e3, 1e4]))
    z: np.ndarray = draw(arrays((n, k), -hi, hi))
    if scale is None and draw(st.booleans()):
        z = z + draw(floats(-1e3, 1e3))  # a common offset: softmax must not care
    return z


@st.composite
def logits_and_labels(
    draw: Any, min_k: int = 1, max_k: int = 6, scale: float | None = None
) -> dict[str, np.ndarray]:
    """``{"logits": (N, K), "labels": (N,) int64 in [0, K)}``."""
    z = draw(logits(min_k=min_k, max_k=max_k, scale=scale))
    n, k = z.shape
    labels = np.asarray(
        draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)), dtype=np.int64
    )
    return {"logits": z, "labels": labels}


# --- batch norm -------------------------------------------------------------------------


@st.composite
def batches(
    draw: Any,
    min_n: int = 2,
    max_n: int = 8,
    min_d: int = 1,
    max_d: int = 5,
    constant_columns: bool = True,
) -> np.ndarray:
    """An (N, D) batch, N >= 2, with spread-out features; optionally some constant columns
    (zero batch variance: eps is all that keeps batch norm finite).  Shrinks to 2x1."""
    n = draw(st.integers(min_n, max_n))
    d = draw(st.integers(min_d, max_d))
    x: np.ndarray = draw(arrays((n, d), -10.0, 10.0))
    if constant_columns and d > 0 and draw(st.integers(0, 4)) == 0:
        col = draw(st.integers(0, d - 1))
        x[:, col] = draw(floats(-5.0, 5.0))
    return x


# --- critical points ---------------------------------------------------------------------


@st.composite
def orthogonal_matrices(draw: Any, n: int) -> np.ndarray:
    """A random n x n orthogonal matrix (QR of a Gaussian-like matrix)."""
    a = draw(arrays((n, n), -1.0, 1.0)) + np.eye(n) * 1e-3
    q, r = np.linalg.qr(a)
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    return q


@st.composite
def eigenvalues(draw: Any, min_n: int = 1, max_n: int = 5) -> np.ndarray:
    """Eigenvalues well away from the zero tolerance, or exactly zero: each entry is 0 or has
    |λ| in [0.1, 10].  Shrinks towards [0.1]-like small spectra."""
    n = draw(st.integers(min_n, max_n))
    mags = draw(st.lists(st.one_of(st.just(0.0), floats(0.1, 10.0)), min_size=n, max_size=n))
    signs = draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))
    spectrum: np.ndarray = np.asarray(mags) * np.asarray(signs)
    return spectrum


@st.composite
def symmetric_matrices(draw: Any, min_n: int = 1, max_n: int = 5) -> dict[str, np.ndarray]:
    """``{"H": Q diag(λ) Qᵀ, "eigenvalues": λ}`` with known eigenvalues (see
    ``eigenvalues``), symmetrised exactly."""
    lam = draw(eigenvalues(min_n, max_n))
    q = draw(orthogonal_matrices(len(lam)))
    h = q @ np.diag(lam) @ q.T
    return {"H": (h + h.T) / 2, "eigenvalues": lam}


# --- backprop ---------------------------------------------------------------------------


@st.composite
def mlp_params(
    draw: Any, min_layers: int = 1, max_layers: int = 3, max_width: int = 4, n_in: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """A list of (W, b) pairs, W of shape (out, in), consecutive layers compatible; weights
    in [-2, 2].  Shrinks to one 1x1 layer of zeros."""
    layers = draw(st.integers(min_layers, max_layers))
    sizes = [n_in if n_in is not None else draw(st.integers(1, max_width))]
    sizes += [draw(st.integers(1, max_width)) for _ in range(layers)]
    return [
        (
            draw(arrays((sizes[i + 1], sizes[i]), -2.0, 2.0)),
            draw(arrays((sizes[i + 1],), -2.0, 2.0)),
        )
        for i in range(layers)
    ]


@st.composite
def mlp_problems(draw: Any, max_n: int = 5) -> dict[str, Any]:
    """``{"params", "x", "y"}``: a small MLP with a batch x (N, in) and targets y (N, out)."""
    params = draw(mlp_params())
    n = draw(st.integers(1, max_n))
    x = draw(arrays((n, params[0][0].shape[1]), -3.0, 3.0))
    y = draw(arrays((n, params[-1][0].shape[0]), -3.0, 3.0))
    return {"params": params, "x": x, "y": y}


# --- optimizers -------------------------------------------------------------------------


@st.composite
def gradient_sequences(
    draw: Any, min_steps: int = 1, max_steps: int = 12, max_dim: int = 4
) -> np.ndarray:
    """(T, dim) gradients for a trajectory.  Sometimes tiny (1e-12: Adam's eps dominates) or
    huge (1e6) scales, sometimes exact zeros.  Shrinks to one zero gradient."""
    t = draw(st.integers(min_steps, max_steps))
    d = draw(st.integers(1, max_dim))
    g: np.ndarray = draw(arrays((t, d), -1.0, 1.0))
    scaled: np.ndarray = g * draw(st.sampled_from([1.0, 1.0, 1.0, 1e-12, 1e6]))
    return scaled


@st.composite
def quadratics(draw: Any, min_dim: int = 1, max_dim: int = 3) -> dict[str, np.ndarray]:
    """``{"A", "b"}`` of a convex quadratic 0.5 θᵀAθ − bᵀθ, A = Q diag(λ) Qᵀ with λ in
    [0.1, 10] (elongated when the λ's differ).  Gradient: Aθ − b."""
    n = draw(st.integers(min_dim, max_dim))
    lam = np.asarray(draw(st.lists(floats(0.1, 10.0), min_size=n, max_size=n)))
    q = draw(orthogonal_matrices(n))
    a = q @ np.diag(lam) @ q.T
    return {"A": (a + a.T) / 2, "b": draw(arrays((n,), -5.0, 5.0))}


learning_rates = st.sampled_from([1e-3, 1e-2, 0.05, 0.1, 0.5])
momenta = st.sampled_from([0.0, 0.5, 0.9, 0.99])


# --- classification: logits of any rank (issue 11) ------------------------------------


@st.composite
def logit_arrays(
    draw: Any, max_ndim: int = 3, max_k: int = 6, scale: float | None = None
) -> np.ndarray:
    """Logits with 1 to ``max_ndim`` axes; the distributions run along the last axis
    (K = 1..max_k), the leading axes hold at most 6 of them, so an input has at most 36
    numbers and feedback shows it whole.  Values as in ``logits``: mostly moderate,
    sometimes huge (|z| up to 1e4) or ``scale``; sometimes an offset of up to ±1e3 that
    differs from one distribution to the next (a shift by the maximum over the whole array
    instead of each row's then underflows whole rows).  Shrinks towards a 1-element zero
    vector."""
    ndim = draw(st.integers(1, max_ndim))
    lead = {
        1: (),
        2: (draw(st.integers(1, 6)),),
        3: (draw(st.integers(1, 3)), draw(st.integers(1, 2))),
    }[min(ndim, 3)]
    k = draw(st.integers(1, max_k))
    hi = scale if scale is not None else draw(st.sampled_from([10.0, 10.0, 10.0, 1e3, 1e4]))
    z: np.ndarray = draw(arrays(lead + (k,), -hi, hi))
    if scale is None and draw(st.booleans()):
        z = z + draw(arrays(lead + (1,), -1e3, 1e3))  # softmax must not care, row by row
    return z


# --- adaptive_lr: optimizer states a real run reaches -----------------------------------


def _maybe(values: Any) -> st.SearchStrategy[Any]:
    """None (meaning "leave the default") or one of ``values``."""
    return st.sampled_from([None, *values])


_RATES = st.sampled_from([1e-3, 1e-2, 0.1, 0.5])
#: the hyperparameters of the public AdaGrad, RMSProp and Adam runs (None: the default)
OPTIMIZER_OPTIONS = (
    {"lr": _RATES, "eps": _maybe([1e-10, 1e-6])},
    {"lr": _RATES, "alpha": _maybe([0.9, 0.5, 0.999]), "eps": _maybe([1e-8, 1e-6])},
    {
        "lr": _maybe([1e-3, 1e-2, 0.1]),
        "beta1": _maybe([0.9, 0.5, 0.0, 0.99]),
        "beta2": _maybe([0.999, 0.9, 0.5]),
        "eps": _maybe([1e-8, 1e-6]),
    },
)
RESUME_STEPS = (2, 3, 10, 100, 5000)  #: the step numbers t0 at which a run is resumed
GRADIENT_SCALES = (1.0, 1.0, 1e-12, 1e6)  #: per-coordinate scales (tiny: eps matters)


@st.composite
def adam_resumed_runs(draw: Any, options: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """``{"theta0", "grads", "state0": [m0, v0], "opts", "t0"}``: Adam resumed at step ``t0``
    with the moments a real run has after ``t0 - 1`` steps.

    theta0 of shape (n,) or (r, c); 5-20 gradients, each coordinate at its own scale
    (1, 1e-12 or 1e6).  The moments are those of a past run of ``t0 - 1`` gradients, each
    coordinate with its own past scale (1, 1e-12, 1e6, or 0: never seen a gradient) and a
    drift (so momentum builds up), from a drawn seed: ``m0 = (1-beta1)·Σ beta1^(t0-2-j) g_j``
    and ``v0 = (1-beta2)·Σ beta2^(t0-2-j) g_j²`` exactly (the closed form of the recursion).
    So ``v0 >= 0`` and ``|m0| <= C(beta1, beta2, t0)·sqrt(v0)`` (Cauchy–Schwarz) as in every
    real run: no ``m`` next to ``v = 0``, whose rounding the update would amplify by
    ``lr / eps``.  A past scale above the present one is the reachable version of "m large,
    gradient tiny".  Shrinks to one past step at scale 1, a 1-D theta and default options.
    """
    shape = draw(
        st.one_of(st.tuples(st.integers(1, 4)), st.tuples(st.integers(1, 3), st.integers(1, 3)))
    )
    size = int(np.prod(shape))

    def per_coordinate(values: Any) -> np.ndarray:
        return np.asarray(
            draw(st.lists(st.sampled_from(values), min_size=size, max_size=size))
        ).reshape(shape)

    scale = per_coordinate(GRADIENT_SCALES)
    grads = draw(arrays((draw(st.integers(5, 20)), *shape), -1.0, 1.0)) * scale
    opts = {k: v for k, v in ((name, draw(s)) for name, s in options.items()) if v is not None}
    t0 = draw(st.sampled_from(RESUME_STEPS))
    past = per_coordinate((1.0, 1e-12, 1e6, 0.0))
    drift = draw(arrays(shape, -1.0, 1.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    history = past * (drift + rng.uniform(-1.0, 1.0, (t0 - 1, *shape))) / 2
    beta1, beta2 = opts.get("beta1", 0.9), opts.get("beta2", 0.999)
    age = np.arange(t0 - 2, -1, -1, dtype=np.float64)  # steps since each past gradient
    m0 = np.tensordot((1.0 - beta1) * beta1**age, history, axes=1)
    v0 = np.tensordot((1.0 - beta2) * beta2**age, history * history, axes=1)
    return {
        "theta0": draw(arrays(shape, -5.0, 5.0)),
        "grads": grads,
        "state0": [m0, v0],
        "opts": opts,
        "t0": t0,
    }


@st.composite
def optimizer_runs(
    draw: Any, options: dict[str, st.SearchStrategy[Any]], min_steps: int = 5, max_steps: int = 12
) -> dict[str, Any]:
    """``{"theta0" (dim,), "grads" (T, dim), "opts"}``: a start point in [-5, 5], 5-12
    gradients (sometimes all tiny, 1e-12, or huge, 1e6; see ``gradient_sequences``) and the
    optional hyperparameters drawn from ``options`` (None entries are left at the default).
    Shrinks to 5 zero gradients of dimension 1 with every default."""
    grads = draw(gradient_sequences(min_steps=min_steps, max_steps=max_steps))
    opts = {name: draw(s) for name, s in options.items()}
    return {
        "theta0": draw(arrays((grads.shape[1],), -5.0, 5.0)),
        "grads": grads,
        "opts": {k: v for k, v in opts.items() if v is not None},
    }


@st.composite
def noam_cases(draw: Any) -> dict[str, int]:
    """d_model, warmup_steps in [1, 4000] and a step before, at or after the warm-up."""
    warmup = draw(st.integers(1, 4000))
    step = draw(
        st.one_of(st.integers(1, warmup), st.just(warmup), st.integers(warmup, 100 * warmup))
    )
    return {
        "step": step,
        "d_model": draw(st.sampled_from([1, 16, 64, 512, 1024])),
        "warmup_steps": warmup,
    }


@st.composite
def cosine_schedules(
    draw: Any, with_step: bool = False, max_warmup: int = 50, max_decay: int = 60
) -> dict[str, Any]:
    """base_lr, warmup_steps in [1, 50], total_steps (1-60 decay steps) and min_lr (None =
    the default 0, or a fraction of base_lr other than 1/2, where dropping the 0.5 and
    ignoring min_lr give the same numbers); with ``with_step`` also a ``step`` in the warm-up.
    Shrinks to warmup_steps = 1, total_steps = 2."""
    warmup = draw(st.integers(1, max_warmup))
    base = draw(st.sampled_from([1e-4, 3e-3, 0.1, 1.0, 5.0]))
    case = {
        "base_lr": base,
        "warmup_steps": warmup,
        "total_steps": warmup + draw(st.integers(1, max_decay)),
        "min_lr": draw(st.sampled_from([None, None, 0.0, 0.1 * base, 0.3 * base])),
    }
    if with_step:
        case["step"] = draw(st.integers(0, warmup))
    return case
