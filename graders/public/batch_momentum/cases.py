"""The input strategies of ``batch_momentum``'s public properties (hypothesis).

Content of the assignment, built from the kit's generators (graders.strategies): batch plans,
gradient sequences, single steps and convex quadratics.  Shipped with the public graders.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from graders import strategies as gen

seeds = st.integers(0, 2**31 - 1)


@st.composite
def batch_plans(draw: Any, min_n: int = 1, max_n: int = 60) -> dict[str, int]:
    """``{"n", "batch_size", "seed"}`` with batch_size in [1, n + 3] (so sometimes one short
    batch, sometimes an exact split); shrinks to n = batch_size = 1."""
    n = draw(st.integers(min_n, max_n))
    return {"n": n, "batch_size": draw(st.integers(1, n + 3)), "seed": draw(seeds)}


@st.composite
def momentum_runs(draw: Any, min_steps: int = 1, max_steps: int = 12) -> dict[str, Any]:
    """``{"theta0" (dim,), "grads" (T, dim), "lr", "momentum"}``: a start point in [-5, 5] and
    a gradient sequence (sometimes tiny 1e-12 or huge 1e6, see ``gradient_sequences``)."""
    grads = draw(gen.gradient_sequences(min_steps=min_steps, max_steps=max_steps))
    theta0 = draw(gen.arrays((grads.shape[1],), -5.0, 5.0))
    return {
        "theta0": theta0,
        "grads": grads,
        "lr": draw(gen.learning_rates),
        "momentum": draw(gen.momenta),
    }


@st.composite
def sgd_inputs(draw: Any) -> dict[str, Any]:
    """``{"theta", "grad", "lr"}``: theta and grad of one shape, (n,) or (rows, cols), entries
    in [-10, 10]; shrinks to a 1-element zero vector."""
    shape = draw(
        st.one_of(st.tuples(st.integers(1, 6)), st.tuples(st.integers(1, 3), st.integers(1, 4)))
    )
    return {
        "theta": draw(gen.arrays(shape)),
        "grad": draw(gen.arrays(shape)),
        "lr": draw(gen.learning_rates),
    }


@st.composite
def momentum_states(draw: Any) -> dict[str, Any]:
    """``{"theta", "grad", "velocity", "lr", "momentum"}`` for one step from a nonzero
    velocity in [-5, 5]; the gradient as in ``momentum_runs``."""
    run = draw(momentum_runs(max_steps=1))
    return {
        "theta": run["theta0"],
        "grad": run["grads"][0],
        "velocity": draw(gen.arrays(run["theta0"].shape, -5.0, 5.0)),
        "lr": run["lr"],
        "momentum": draw(gen.momenta),
    }


@st.composite
def quadratic_runs(
    draw: Any,
    max_dim: int = 3,
    max_steps: int = 15,
    momenta: st.SearchStrategy[float] = gen.momenta,
) -> dict[str, Any]:
    """``{"A", "b", "theta0", "lr", "steps", "momentum"}``: gradient descent on the convex
    quadratic 0.5 θᵀAθ − bᵀθ (gradient Aθ − b, eigenvalues of A in [0.1, 10]); lr <= 0.1 so
    most runs converge.  Shrinks to a 1-D quadratic and zero steps."""
    q = draw(gen.quadratics(max_dim=max_dim))
    return {
        **q,
        "theta0": draw(gen.arrays((len(q["b"]),), -5.0, 5.0)),
        "lr": draw(st.sampled_from([1e-3, 1e-2, 0.05, 0.1])),
        "steps": draw(st.integers(0, max_steps)),
        "momentum": draw(momenta),
    }
