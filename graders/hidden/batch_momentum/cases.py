"""The input strategies of ``batch_momentum``'s hidden properties (hypothesis): wider and
nastier than the public ones."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import strategies as gen

EPOCHS = 30  #: seeds per example in the shuffling statistics


@st.composite
def wide_batch_plans(draw: Any) -> dict[str, int]:
    """n up to 400 with batch_size 1, n, > n, or anything in between."""
    n = draw(st.integers(1, 400))
    size = draw(st.one_of(st.just(1), st.just(n), st.integers(n + 1, n + 50), st.integers(1, n)))
    return {"n": n, "batch_size": size, "seed": draw(st.integers(0, 2**31 - 1))}


@st.composite
def shuffle_plans(draw: Any) -> dict[str, int]:
    """n in [20, 60] and 2 <= batch_size <= n/2: several batches, each of >= 2 samples."""
    n = draw(st.integers(20, 60))
    return {
        "n": n,
        "batch_size": draw(st.integers(2, n // 2)),
        "seed": draw(st.integers(0, 2**31 - 1 - EPOCHS)),
    }


@st.composite
def sgd_cases(draw: Any) -> dict[str, Any]:
    """theta/grad of any shape up to 3-D, values moderate, tiny or huge; lr incl. 0 and 1."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    scale = draw(st.sampled_from([1.0, 1e-12, 1e6]))
    return {
        "theta": draw(gen.arrays(shape)) * draw(st.sampled_from([1.0, 1e-12, 1e6])),
        "grad": draw(gen.arrays(shape)) * scale,
        "lr": draw(st.sampled_from([0.0, 1e-3, 0.1, 1.0, 3.0])),
    }


@st.composite
def momentum_cases(draw: Any) -> dict[str, Any]:
    """One step: theta, grad, velocity of one shape (up to 2-D) at independent scales."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2).map(tuple))
    scales = st.sampled_from([1.0, 1.0, 1e-12, 1e6])
    return {
        "theta": draw(gen.arrays(shape)) * draw(scales),
        "grad": draw(gen.arrays(shape)) * draw(scales),
        "velocity": draw(gen.arrays(shape)) * draw(scales),
        "lr": draw(st.sampled_from([0.0, 1e-3, 0.1, 0.5, 1.0])),
        "momentum": draw(st.sampled_from([0.0, 0.5, 0.9, 0.99, 1.0])),
    }


@st.composite
def momentum_trajectories(draw: Any) -> dict[str, Any]:
    """5-20 steps from a start velocity (zero or not), gradients as ``gradient_sequences``."""
    grads = draw(gen.gradient_sequences(min_steps=5, max_steps=20))
    shape = grads.shape[1:]
    velocity0 = draw(st.one_of(st.just(np.zeros(shape)), gen.arrays(shape, -1.0, 1.0)))
    return {
        "theta0": draw(gen.arrays(shape, -5.0, 5.0)),
        "grads": grads,
        "velocity0": velocity0 * draw(st.sampled_from([1.0, 1e-12, 1e6])),
        "lr": draw(gen.learning_rates),
        "momentum": draw(st.sampled_from([0.0, 0.5, 0.9, 0.99])),
    }


@st.composite
def descent_problems(draw: Any) -> dict[str, Any]:
    """A quadratic (dim 1-5, eigenvalues 0.1-10, sometimes an exactly flat direction) plus
    an optional wavy term c·sin(θ); up to 30 steps, momentum up to 0.99."""
    q = draw(gen.quadratics(max_dim=5))
    a = q["A"]
    if draw(st.integers(0, 3)) == 0:  # a flat direction: one eigenvalue exactly 0
        lam, vec = np.linalg.eigh(a)
        lam[0] = 0.0
        a = vec @ np.diag(lam) @ vec.T
        a = (a + a.T) / 2
    dim = len(q["b"])
    return {
        "A": a,
        "b": q["b"],
        "c": draw(st.sampled_from([0.0, 0.0, 0.5, 2.0])),
        "theta0": draw(gen.arrays((dim,), -5.0, 5.0)),
        "lr": draw(st.sampled_from([1e-3, 1e-2, 0.05, 0.1, 0.15])),
        "steps": draw(st.integers(0, 30)),
        "momentum": draw(st.sampled_from([0.0, 0.5, 0.9, 0.99])),
    }
