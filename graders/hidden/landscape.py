"""Hidden properties of ``landscape``: the reference on wider inputs (never shipped to students).

Deeper networks, larger weights, several eps for the Hessian, rtol given for the counts,
finder starts next to the reference's critical points (where tol is within any Newton-type
method's reach) and anywhere else (no worse than the start), and the experiment
replayed: the judge trains from each run's seeded start itself and requires the student's
critical point to be no worse than where training ended (and within tol where the reference's
finder gets there).  ``reference("landscape")`` is this course's reference module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare
from graders.course import reference
from graders.props import prop, student
from graders.public.landscape import (
    cases,
    check_experiment,
    hessian_atol,
    n_params,
    torch_hessian,
    with_eigenvalues,
)

ref = reference("landscape")


def _norm(theta, sizes, x, y) -> float:
    return float(np.linalg.norm(ref.gradient(theta, sizes, x, y)))


@prop(
    "landscape.pack",
    "round trip: unpack(pack(params)) returns params, for deeper networks",
    points=0.5,
    visibility="hidden",
    given=cases.network_problems(max_layers=4, max_width=5),
    expect=lambda theta, sizes, x, y: ref.unpack(theta, sizes),
)
def pack_round_trip(theta, sizes, x, y, expected):
    got = compare.array((yield student.pack(expected)), "pack(params)", shape=theta.shape)
    compare.close(got, theta, "pack(params)", rtol=0, atol=0)


@prop(
    "landscape.unpack",
    "matches the reference for deeper and wider networks",
    points=0.5,
    visibility="hidden",
    given=cases.network_problems(max_layers=4, max_width=5),
    expect=lambda theta, sizes, x, y: ref.unpack(theta, sizes),
)
def unpack_reference(theta, sizes, x, y, expected):
    got = compare.sequence(
        (yield student.unpack(theta, sizes)), "unpack(theta, sizes)", length=len(expected)
    )
    for l, (item, (W, b)) in enumerate(zip(got, expected)):
        dW, db = compare.sequence(item, f"unpack(theta, sizes)[{l}]", length=2)
        compare.close(
            compare.array(dW, f"W_{l + 1}", shape=W.shape), W, f"W_{l + 1}", rtol=0, atol=0
        )
        compare.close(
            compare.array(db, f"b_{l + 1}", shape=b.shape), b, f"b_{l + 1}", rtol=0, atol=0
        )


@prop(
    "landscape.loss",
    "matches the reference on deeper networks with saturating weights",
    points=1,
    visibility="hidden",
    given=cases.network_problems(max_layers=4, max_width=4, weight=20.0),
    expect=lambda theta, sizes, x, y: ref.loss(theta, sizes, x, y),
)
def loss_reference(theta, sizes, x, y, expected):
    got = compare.scalar((yield student.loss(theta, sizes, x, y)), "loss(theta, sizes, x, y)")
    # sigmoid forms differ by ulps; summed squares of outputs up to ~100: relative 1e-10
    compare.close(got, expected, "loss(theta, sizes, x, y)", rtol=1e-10, atol=1e-12)


@prop(
    "landscape.gradient",
    "matches the reference on deeper networks with saturating weights",
    points=1.5,
    visibility="hidden",
    given=cases.network_problems(max_layers=4, max_width=4, weight=20.0),
    expect=lambda theta, sizes, x, y: ref.gradient(theta, sizes, x, y),
)
def gradient_reference(theta, sizes, x, y, expected):
    got = compare.array(
        (yield student.gradient(theta, sizes, x, y)),
        "gradient(theta, sizes, x, y)",
        shape=theta.shape,
    )
    # summation order and σ′ from z vs from a: ulps of the largest entry (1e-12 ≈ 4500 ulps)
    compare.close(
        got,
        expected,
        "gradient(theta, sizes, x, y)",
        rtol=1e-9,
        atol=1e-12 * (1.0 + float(np.max(np.abs(expected), initial=0.0))),
    )


@prop(
    "landscape.hessian",
    "within the central-difference error of torch.func.hessian for "
    "eps = 1e-4 and 1e-6, exactly symmetric",
    points=1.5,
    visibility="hidden",
    max_examples=15,
    given=st.tuples(
        cases.network_problems(max_layers=3, max_width=3), st.sampled_from([1e-4, 1e-6])
    ).map(lambda c: {**c[0], "eps": c[1]}),
    expect=lambda theta, sizes, x, y, eps: torch_hessian(theta, sizes, x, y),
)
def hessian_eps(theta, sizes, x, y, eps, expected):
    p = theta.size
    what = f"hessian(theta, sizes, x, y, eps={eps:g})"
    got = compare.array((yield student.hessian(theta, sizes, x, y, eps=eps)), what, shape=(p, p))
    compare.holds(bool(np.array_equal(got, got.T)), f"{what} is not exactly symmetric")
    compare.close(
        got,
        expected,
        f"{what} vs torch.func.hessian",
        rtol=0,
        atol=hessian_atol(expected, theta, eps),
    )


@prop(
    "landscape.eigen_counts",
    "counts spectra of up to 10 eigenvalues with rtol given",
    points=1,
    visibility="hidden",
    given=cases.tolerance_spectra(max_n=10),
)
def eigen_counts_wide(H, eigenvalues, rtol):
    call = student.eigen_counts(H) if rtol is None else student.eigen_counts(H, rtol=rtol)
    got = compare.sequence((yield call), "eigen_counts(H)", length=3)
    counts = ref.eigen_counts(H, 1e-6 if rtol is None else rtol)
    compare.equal(
        tuple(int(v) if isinstance(v, (int, np.integer)) else v for v in got),
        counts,
        compare.Lazy(with_eigenvalues, f"eigen_counts(H, rtol={rtol})", eigenvalues),
    )


def _finder_case(theta, sizes, x, y) -> dict[str, Any]:
    """theta's gradient norm, and ``near``: a start 1e-2 from a critical point the reference
    finds from theta, when that point is non-degenerate (every |λ| of its Hessian at least
    1e-4·max|λ|).  Newton's method converges within a few steps from there, so every
    Newton-type finder reaches tol; ``near`` is None otherwise.  Not next to a valley of
    critical points (flat eigenvalues): a least-squares Newton step there can stride along
    the rounding noise of the flat directions and spend its budget backtracking.  From theta
    itself tol is not required either: a correct finder may stall on a plateau or head for
    another critical point than the reference's (damped Newton and Levenberg–Marquardt part
    ways on 2% of these starts)."""
    out: dict[str, Any] = {"start": _norm(theta, sizes, x, y), "near": None}
    found = ref.find_critical_point(theta, sizes, x, y, tol=1e-13, max_steps=200)
    if _norm(found, sizes, x, y) > 1e-10:
        return out
    size = np.abs(np.linalg.eigvalsh(ref.hessian(found, sizes, x, y)))
    top = float(np.max(size, initial=0.0))
    if top == 0.0 or float(np.min(size)) < 1e-4 * top:
        return out
    away = np.asarray(theta, dtype=np.float64) - found
    length = float(np.linalg.norm(away))
    near = found + 1e-2 * (away / length if length > 0 else np.ones_like(away) / away.size**0.5)
    # tol must be a requirement there, not already met
    if _norm(near, sizes, x, y) >= 1e-6:
        out.update(near=near, near_start=_norm(near, sizes, x, y))
    return out


@prop(
    "landscape.find_critical_point",
    "reaches tol from next to a non-degenerate critical "
    "point, and from any start is never worse than the start (40 steps)",
    points=2,
    visibility="hidden",
    max_examples=10,
    given=cases.network_problems(max_layers=2, max_width=2, max_n=6),
    examples=[
        {
            "theta": np.array([0.01, 0.3, -0.02, 0.62]),
            "sizes": [1, 1, 1],
            "x": np.array([[-1.0], [0.0], [1.0], [2.0]]),
            "y": np.array([[1.0], [-1.0], [0.5], [2.0]]),
        },
        # a non-degenerate minimum: the start next to it is always required
        {
            "theta": np.array([0.5, -1.0, 0.3]),
            "sizes": [2, 1],
            "x": np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.5], [0.5, -1.0]]),
            "y": np.array([[1.0], [-0.5], [0.25], [2.0]]),
        },
    ],
    expect=_finder_case,
)
def finder_reference(theta, sizes, x, y, expected):
    what = "find_critical_point(theta0, sizes, x, y, max_steps=40)"
    starts = [theta] + ([] if expected["near"] is None else [expected["near"]])
    results = yield [
        student.find_critical_point(t, sizes, x, y, tol=1e-8, max_steps=40) for t in starts
    ]
    got = [compare.array(r, what, shape=theta.shape) for r in results]
    norm = _norm(got[0], sizes, x, y)
    compare.holds(
        norm <= expected["start"] * (1 + 1e-9) + 1e-13,
        f"{what}: ||gradient|| = {compare.fmt(norm)} at the returned point, worse "
        f"than {compare.fmt(expected['start'])} at theta0: return the best point seen",
    )
    if expected["near"] is not None:
        norm = _norm(got[1], sizes, x, y)
        compare.holds(
            norm <= 1.01e-8 + 1e-13,
            f"{what} from 1e-2 next to a critical point: ||gradient|| = "
            f"{compare.fmt(norm)} at the returned point (at the start "
            f"{compare.fmt(expected['near_start'])}); Newton's method gets to 1e-8 "
            "from there in a few steps",
            hint="Solve gradient(θ) = 0 with damped Newton steps: saddles count.",
        )


EXPERIMENT_HIDDEN = {
    "sizes": [1, 3, 1],
    "x": np.linspace(-1.0, 1.0, 6)[:, None],
    "y": np.cos(3.0 * np.linspace(-1.0, 1.0, 6))[:, None],
    "runs": 3,
    "seed": 5,
    "train_steps": 30,
}


def _replay(sizes, x, y, runs, seed, train_steps) -> dict[str, Any]:
    """Where training ends in each run (the judge's own gradient descent from the seeded
    start), its gradient norm, and whether the reference's finder reaches tol from there."""
    p = n_params(sizes)
    starts, reached = [], []
    for run in range(runs):
        theta = np.random.default_rng([seed, run]).standard_normal(p)
        for _ in range(train_steps):
            theta = theta - 0.1 * ref.gradient(theta, sizes, x, y)
        starts.append(_norm(theta, sizes, x, y))
        # required where the reference needs a quarter of the default 200 steps
        found = ref.find_critical_point(theta, sizes, x, y, max_steps=50)
        reached.append(_norm(found, sizes, x, y) <= 1e-8)
    return {"start": starts, "reached": reached}


@prop(
    "landscape.minimum_ratio_experiment",
    "rows consistent with their theta, each run's "
    "critical point no worse than where training from default_rng([seed, run]) ends",
    points=2,
    visibility="hidden",
    max_examples=1,
    examples=[EXPERIMENT_HIDDEN],
    given=st.just(EXPERIMENT_HIDDEN),
    expect=_replay,
)
def experiment_replayed(sizes, x, y, runs, seed, train_steps, expected):
    out = yield student.minimum_ratio_experiment(sizes, x, y, runs, seed, train_steps=train_steps)
    res = check_experiment(out, sizes, x, y, runs)
    for r in range(runs):
        norm = float(res["grad_norm"][r])
        # training replayed in another summation order drifts by ~1e-12: a 1e-6 margin
        compare.holds(
            norm <= expected["start"][r] * (1 + 1e-6) + 1e-12,
            f"run {r}: ||gradient|| = {compare.fmt(norm)} after the finder, worse "
            f"than {compare.fmt(expected['start'][r])} where {train_steps} steps of "
            f"gradient descent from default_rng([{seed}, {r}]) end",
            hint="theta0 = np.random.default_rng([seed, run]).standard_normal(P), "
            "then train_steps of θ ← θ - lr·g, then find_critical_point.",
        )
        if expected["reached"][r]:
            compare.holds(
                norm <= 1.01e-8 + 1e-13,
                f"run {r}: ||gradient|| = "
                f"{compare.fmt(norm)}; the reference's finder reaches tol = 1e-8 "
                "in 50 steps",
            )
