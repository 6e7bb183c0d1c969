"""The backprop lab's input strategies (hypothesis), beside its public properties.

Content of the assignment, not of the kit: MLP problems, sigmoid inputs and smooth functions
for the finite-difference checks, built from the kit's ``arrays`` and ``mlp_problems``
(graders.strategies).  Each says what it draws and what it shrinks towards.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import strategies as gen


@st.composite
def square_mlp_problems(draw: Any, min_n: int = 2, max_n: int = 5) -> dict[str, Any]:
    """``{"params", "x", "y"}`` for an MLP whose layers are all square (width 1..4, 1..3
    layers) and a batch of N >= 2 samples: a transposed weight gradient has the right shape
    here, so only its values give it away.  Weights in [-1.5, 1.5], x and y in [-2, 2].
    Shrinks to one 1x1 layer of zeros with N = 2."""
    width = draw(st.integers(1, 4))
    layers = draw(st.integers(1, 3))
    params = [
        (draw(gen.arrays((width, width), -1.5, 1.5)), draw(gen.arrays((width,), -1.5, 1.5)))
        for _ in range(layers)
    ]
    n = draw(st.integers(min_n, max_n))
    return {
        "params": params,
        "x": draw(gen.arrays((n, width), -2.0, 2.0)),
        "y": draw(gen.arrays((n, width), -2.0, 2.0)),
    }


def mlp_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Any small MLP problem (widths 1..4, 1..3 layers, N = 1..5), or a square one."""
    return st.one_of(gen.mlp_problems(), square_mlp_problems())


def sigmoid_inputs() -> st.SearchStrategy[np.ndarray]:
    """1-D or 2-D z: moderate values, or spread up to |z| = 1e4 (where exp(±z) overflows).
    Shrinks towards a single 0."""
    shape = st.one_of(st.tuples(st.integers(1, 6)), st.tuples(st.integers(1, 4), st.integers(1, 4)))
    return st.sampled_from([10.0, 50.0, 800.0, 1e4]).flatmap(lambda hi: gen.arrays(shape, -hi, hi))


@st.composite
def smooth_functions(draw: Any, shape: Any = None) -> dict[str, Any]:
    """A judge-side smooth scalar function of theta and a point theta.

    f(θ) = ½ tᵀAt + b·t + Σ_k alpha_k sin(V_k·t + phi_k), with t = θ flattened; theta has
    shape (n,) with n in 1..6 or (a, b) with a, b in 1..3, entries in [-2, 2].  eps is None
    (the default) or given.  Shrinks towards a 1-entry theta with a zero function.
    """
    if shape is None:
        shape = draw(
            st.one_of(st.tuples(st.integers(1, 6)), st.tuples(st.integers(1, 3), st.integers(1, 3)))
        )
    m = int(np.prod(shape))
    k = draw(st.integers(0, 2))
    a = draw(gen.arrays((m, m), -2.0, 2.0))
    return {
        "theta": draw(gen.arrays(shape, -2.0, 2.0)),
        "A": (a + a.T) / 2,
        "b": draw(gen.arrays((m,), -2.0, 2.0)),
        "V": draw(gen.arrays((k, m), -2.0, 2.0)),
        "alpha": draw(gen.arrays((k,), -2.0, 2.0)),
        "phi": draw(gen.arrays((k,), -3.0, 3.0)),
        "eps": draw(st.sampled_from([None, None, 1e-3, 1e-4, 1e-5])),
    }


@st.composite
def polynomial_cases(draw: Any) -> dict[str, Any]:
    """f(θ) = ½ tᵀAt + b·t, plus Σ cubic_i·t_i³ when ``cubic`` is not None (t = θ flattened),
    at theta of shape (n,) or (a, b), with a large eps in [1e-3, 0.5].  Shrinks to a
    quadratic in one variable with eps = 0.5."""
    case = draw(smooth_functions())
    cubic = draw(gen.arrays((case["b"].size,), -2.0, 2.0)) if draw(st.booleans()) else None
    return {
        "theta": case["theta"],
        "A": case["A"],
        "b": case["b"],
        "cubic": cubic,
        "eps": draw(st.sampled_from([0.5, 0.1, 1e-2, 1e-3])),
    }
