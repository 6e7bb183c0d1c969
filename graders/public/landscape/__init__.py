"""Public properties of ``landscape``: PyTorch as the oracle, and defining properties.

Shipped to students (no reference needed).  Conventions enforced: theta packs ``W_1, b_1,
..., W_L, b_L``, each W row-major; the network and loss of ``backprop``; the Hessian by
central differences of the gradient, symmetrised exactly; eigenvalues with |λ| <= rtol·max|λ|
count as zero; the finder converges to any critical point, saddles included; the experiment's
rows are what its thetas give, and its starts come from ``default_rng([seed, run])``.

The strategies the properties draw are in ``cases``; the judge-side network (torch's answers,
the packing, the tolerances and the checks of counts and experiment rows) in ``judge``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare
from graders.props import prop, student

from . import cases
from .judge import (
    check_experiment,
    hessian_atol,
    judge_params,
    n_params,
    torch_hessian,
    torch_loss_and_gradient,
)

# --- pack / unpack ----------------------------------------------------------------------

TWO_LAYERS = {
    "theta": np.arange(13.0),
    "sizes": [2, 3, 1],
    "x": np.array([[1.0, -1.0], [0.5, 2.0]]),
    "y": np.array([[1.0], [0.0]]),
}


@prop(
    "landscape.pack",
    "concatenates W_1 (row-major), b_1, ..., W_L, b_L",
    points=0.5,
    given=cases.network_problems(),
    examples=[TWO_LAYERS],
    hint="theta = [W_1.ravel(), b_1, W_2.ravel(), b_2, ...] with W of shape (out, in).",
)
def pack_layout(theta, sizes, x, y):
    params = judge_params(theta, sizes)
    got = compare.array((yield student.pack(params)), "pack(params)", shape=theta.shape)
    compare.close(got, theta, "pack(params)", rtol=0, atol=0)


@prop(
    "landscape.unpack",
    "returns [(W_l, b_l)] of shapes (out, in) and (out,) in pack's layout",
    points=0.5,
    given=cases.network_problems(),
    examples=[TWO_LAYERS],
    hint="W_l takes the next out·in entries, reshaped row-major to (out, in); b_l the next out.",
)
def unpack_layout(theta, sizes, x, y):
    got = compare.sequence(
        (yield student.unpack(theta, sizes)), "unpack(theta, sizes)", length=len(sizes) - 1
    )
    for l, (item, (W, b)) in enumerate(zip(got, judge_params(theta, sizes))):
        dW, db = compare.sequence(item, f"unpack(theta, sizes)[{l}]", length=2)
        compare.close(
            compare.array(dW, f"W_{l + 1}", shape=W.shape), W, f"W_{l + 1}", rtol=0, atol=0
        )
        compare.close(
            compare.array(db, f"b_{l + 1}", shape=b.shape), b, f"b_{l + 1}", rtol=0, atol=0
        )


# --- loss and gradient ------------------------------------------------------------------


@prop(
    "landscape.loss",
    "equals torch's C = 0.5·sum((a_L - y)²)",
    points=1,
    given=cases.network_problems(),
    examples=[TWO_LAYERS],
    expect=torch_loss_and_gradient,
    hint="Sigmoid on hidden layers, linear output, the loss summed over samples and "
    "outputs (no 1/N).",
)
def loss_matches_torch(theta, sizes, x, y, expected):
    got = compare.scalar((yield student.loss(theta, sizes, x, y)), "loss(theta, sizes, x, y)")
    # a few ulps per term of a sum of at most 15 squares
    compare.close(got, expected["loss"], "loss(theta, sizes, x, y)", rtol=1e-10, atol=1e-13)


@prop(
    "landscape.gradient",
    "equals torch.autograd's dC/dθ, packed as theta",
    points=1.5,
    given=cases.network_problems(),
    examples=[TWO_LAYERS],
    expect=torch_loss_and_gradient,
    hint="Backpropagate as in backprop, then pack the (dW, db) pairs in theta's order.",
)
def gradient_matches_autograd(theta, sizes, x, y, expected):
    got = compare.array(
        (yield student.gradient(theta, sizes, x, y)),
        "gradient(theta, sizes, x, y)",
        shape=theta.shape,
    )
    g = expected["grad"]
    # summation order: a few ulps of the largest entry; 1e-12 of it leaves ~4500 ulps
    compare.close(
        got,
        g,
        "gradient(theta, sizes, x, y)",
        rtol=1e-9,
        atol=1e-12 * (1.0 + float(np.max(np.abs(g), initial=0.0))),
    )


# --- hessian ----------------------------------------------------------------------------


@prop(
    "landscape.hessian",
    "is exactly symmetric and within the central-difference error of torch.func.hessian",
    points=1.5,
    max_examples=25,
    given=cases.network_problems(),
    examples=[
        TWO_LAYERS,
        {
            "theta": np.array([0.5, -1.0, 2.0, 0.3]),
            "sizes": [1, 1, 1],
            "x": np.array([[-1.0], [2.0]]),
            "y": np.array([[0.5], [1.0]]),
        },
    ],
    expect=torch_hessian,
    hint="Column j is (g(θ + eps·e_j) - g(θ - eps·e_j)) / (2·eps) of the full gradient "
    "(not a Gauss–Newton block, not a one-sided difference); return (H + H.T) / 2.",
)
def hessian_matches_torch(theta, sizes, x, y, expected):
    p = theta.size
    got = compare.array(
        (yield student.hessian(theta, sizes, x, y)), "hessian(theta, sizes, x, y)", shape=(p, p)
    )
    compare.holds(
        bool(np.array_equal(got, got.T)),
        compare.Lazy(
            lambda: (
                "hessian(theta, sizes, x, y) is not exactly symmetric: largest |H - Hᵀ| = "
                f"{compare.fmt(float(np.max(np.abs(got - got.T))))}"
            )
        ),
        hint="Finite differences are not symmetric by themselves: return (H + H.T) / 2.",
    )
    compare.close(
        got,
        expected,
        "hessian(theta, sizes, x, y) vs torch.func.hessian",
        rtol=0,
        atol=hessian_atol(expected, theta, 1e-5),
    )


# --- eigen_counts -----------------------------------------------------------------------


@prop(
    "landscape.eigen_counts",
    "counts positive, negative and zero eigenvalues of known spectra, |λ| <= rtol·max|λ| as zero",
    points=1.5,
    given=cases.tolerance_spectra(),
    examples=[
        {"H": np.zeros((3, 3)), "eigenvalues": np.zeros(3), "rtol": None},
        {
            "H": np.diag([2.0, 1e-9, -1e-9, 0.0, -3.0]),
            "eigenvalues": np.array([2.0, 1e-9, -1e-9, 0.0, -3.0]),
            "rtol": None,
        },
    ],
    hint="Zero means |λ| <= rtol·max|λ| (and every λ when H = 0); a strict λ > 0 counts "
    "rounding noise as curvature.",
)
def eigen_counts_known_spectra(H, eigenvalues, rtol):
    call = student.eigen_counts(H) if rtol is None else student.eigen_counts(H, rtol=rtol)
    what = "eigen_counts(H" + ("" if rtol is None else f", rtol={rtol:g}") + ")"
    got = compare.sequence((yield call), what, length=3)
    r = 1e-6 if rtol is None else rtol
    m = float(np.max(np.abs(eigenvalues), initial=0.0))
    expected = (int(np.sum(eigenvalues > r * m)), int(np.sum(eigenvalues < -r * m)))
    expected = expected + (eigenvalues.size - sum(expected),)
    compare.equal(
        tuple(int(v) if isinstance(v, (int, np.integer)) else v for v in got),
        expected,
        compare.Lazy(with_eigenvalues, what, eigenvalues),
    )


def with_eigenvalues(what: str, eigenvalues: np.ndarray) -> str:
    """A count's description naming the eigenvalues that decide it: made only when the
    check fails (compare.Lazy), as rendering them costs more than the check."""
    return what + f" with eigenvalues {compare.fmt(eigenvalues)}"


# --- find_critical_point ----------------------------------------------------------------

#: the one-neuron network [1, 1, 1] has a saddle at w_1 = w_2 = 0, b_2 = mean(y), any b_1
SADDLE_PROBLEM = {
    "sizes": [1, 1, 1],
    "x": np.array([[-1.0], [0.0], [1.0], [2.0]]),
    "y": np.array([[1.0], [-1.0], [0.5], [2.0]]),
}
SADDLE = np.array([0.0, 0.3, 0.0, 0.625])


def _regression(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {
        "theta": rng.standard_normal(8),
        "sizes": [3, 2],
        "x": rng.standard_normal((6, 3)),
        "y": rng.standard_normal((6, 2)),
        "tol": 1e-8,
        "max_steps": 20,
    }


def _near_saddle(distance: float) -> dict[str, Any]:
    start = SADDLE + distance * np.array([0.6, -0.8, 0.7, 0.4])
    return {"theta": start, **SADDLE_PROBLEM, "tol": 1e-8, "max_steps": 50}


@prop(
    "landscape.find_critical_point",
    "reaches ||gradient|| <= tol next to a saddle and on "
    "well-conditioned quadratic losses (checked with torch's gradient)",
    points=1.5,
    # tol is required only where it is within reach of any Newton-type finder in 20
    # steps: nearly collinear x makes cond(H) 1e6 and more, and there even the reference
    # stops near 1e-7 (the hidden property judges such starts against the reference)
    given=cases.quadratic_problems().map(lambda c: {**c, "tol": 1e-8, "max_steps": 20}),
    examples=[_near_saddle(1e-3), _near_saddle(1e-2), _regression(0)],
    hint="Solve gradient(θ) = 0 (damped Newton or Levenberg–Marquardt): descent on the loss "
    "moves away from a saddle and never reaches tol there.",
)
def finder_reaches_tol(theta, sizes, x, y, tol, max_steps):
    # one layer: C is quadratic in θ with cond(H) <= 25, a Newton step solves g = 0
    # (Levenberg–Marquardt within a few steps); next to the saddle Newton converges
    # quadratically
    got = compare.array(
        (yield student.find_critical_point(theta, sizes, x, y, tol=tol, max_steps=max_steps)),
        "find_critical_point(theta0, sizes, x, y)",
        shape=theta.shape,
    )
    g = torch_loss_and_gradient(got, sizes, x, y)["grad"]
    norm = float(np.linalg.norm(g))
    # the judge's gradient and the student's differ by rounding, ~1e-13 here
    compare.holds(
        norm <= tol * 1.01 + 1e-13,
        compare.Lazy(_not_reached, tol, max_steps, norm, theta, sizes, x, y),
        hint="Solve gradient(θ) = 0, e.g. (HᵀH + μI)δ = -Hᵀg with μ shrinking after a "
        "good step: it converges to saddles as well as to minima.",
    )


def _not_reached(tol, max_steps, norm, theta, sizes, x, y) -> str:
    """The finder's failure with the gradient norm at theta0, which only this message needs:
    torch computes it only when the check fails (compare.Lazy)."""
    start = float(np.linalg.norm(torch_loss_and_gradient(theta, sizes, x, y)["grad"]))
    return (
        f"find_critical_point(theta0, sizes, x, y, tol={tol:g}, "
        f"max_steps={max_steps}): ||gradient|| at the returned point is "
        f"{compare.fmt(norm)} > tol (at theta0 it is {compare.fmt(start)})"
    )


# --- the experiment ---------------------------------------------------------------------

EXPERIMENT = {
    "sizes": [1, 2, 1],
    "x": np.linspace(-1.0, 1.0, 5)[:, None],
    "y": np.sin(2.0 * np.linspace(-1.0, 1.0, 5))[:, None],
    "runs": 2,
    "seed": 3,
    "train_steps": 20,
}
EXPERIMENT_WIDE = {
    "sizes": [2, 2, 1],
    "x": np.array([[0.0, 1.0], [1.0, -1.0], [-1.0, 0.5], [0.5, 0.5]]),
    "y": np.array([[1.0], [0.0], [-0.5], [0.25]]),
    "runs": 2,
    "seed": 11,
    "train_steps": 10,
}
EXPERIMENTS = st.sampled_from([EXPERIMENT, EXPERIMENT_WIDE])


@prop(
    "landscape.minimum_ratio_experiment",
    "returns rows whose loss, gradient norm, counts and ratio are those of their theta",
    points=1.5,
    examples=[EXPERIMENT],
    given=EXPERIMENTS,
    max_examples=1,
    hint="Each row's loss, grad_norm and counts are those at its own theta (after the "
    "finder); the ratio divides by all P eigenvalues.",
)
def experiment_rows_consistent(sizes, x, y, runs, seed, train_steps):
    out = yield student.minimum_ratio_experiment(sizes, x, y, runs, seed, train_steps=train_steps)
    check_experiment(out, sizes, x, y, runs)


@prop(
    "landscape.minimum_ratio_experiment",
    "is deterministic in seed, differs across runs and seeds",
    points=0.5,
    relational=True,
    examples=[EXPERIMENT],
    given=EXPERIMENTS,
    max_examples=1,
    hint="Run r starts from np.random.default_rng([seed, r]).standard_normal(P): a new "
    "generator per run, from both the seed and the run.",
)
def experiment_seeded(sizes, x, y, runs, seed, train_steps):
    a, b, c = yield [
        student.minimum_ratio_experiment(sizes, x, y, runs, seed, train_steps=train_steps),
        student.minimum_ratio_experiment(sizes, x, y, runs, seed, train_steps=train_steps),
        student.minimum_ratio_experiment(sizes, x, y, runs, seed + 1, train_steps=train_steps),
    ]
    shape = (runs, n_params(sizes))
    ta, tb, tc = (
        compare.array(
            r.get("theta") if isinstance(r, dict) else r,
            "minimum_ratio_experiment(...)['theta']",
            shape=shape,
        )
        for r in (a, b, c)
    )
    compare.close(
        tb,
        ta,
        "minimum_ratio_experiment(...)['theta'] of a second call with the same seed",
        rtol=0,
        atol=0,
    )
    compare.holds(
        not np.array_equal(ta[0], ta[1]),
        "minimum_ratio_experiment(...): runs 0 and "
        "1 ended at the same theta: each run needs its own start",
    )
    compare.holds(
        not np.array_equal(ta, tc),
        f"minimum_ratio_experiment(...): seed {seed} and "
        f"seed {seed + 1} gave the same thetas: the starts must depend on the seed",
    )
