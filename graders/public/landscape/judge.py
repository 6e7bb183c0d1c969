"""The landscape lab's judge-side network: theta's packing as the judge reads it, torch's
loss, gradient and Hessian in float64, the tolerances of a finite-difference Hessian, and the
checks of eigenvalue counts and of the experiment's rows.

Never student code: ``expect=`` and the checks call these in the judge's process.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders import compare, oracles

F64_EPS = float(np.finfo(np.float64).eps)  # 2.2e-16


# --- the network (torch, float64) -------------------------------------------------------


def n_params(sizes: list[int]) -> int:
    return sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))


def layer_shapes(sizes: list[int]) -> list[tuple[int, ...]]:
    """The shapes theta packs, in its order: (out, in) and then (out,), layer after layer."""
    return [shape for out, inp in zip(sizes[1:], sizes[:-1]) for shape in ((out, inp), (out,))]


def _lengths(sizes: list[int]) -> list[int]:
    return [int(np.prod(shape)) for shape in layer_shapes(sizes)]


def judge_params(theta: np.ndarray, sizes: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The packing convention as the judge reads it: theta cut at the cumulative sizes of
    ``layer_shapes``, each piece reshaped row-major, the pieces paired as (W_l, b_l)."""
    cuts = np.cumsum(_lengths(sizes))[:-1]
    pieces = [
        piece.reshape(shape)
        for piece, shape in zip(np.split(np.asarray(theta), cuts), layer_shapes(sizes))
    ]
    return list(zip(pieces[0::2], pieces[1::2]))


def _torch_loss(sizes: list[int], x: np.ndarray, y: np.ndarray):
    t = oracles.torch()
    tx, ty = oracles.tensor(x), oracles.tensor(y)
    shapes, lengths = layer_shapes(sizes), _lengths(sizes)
    depth = len(shapes) // 2

    def c(theta: Any) -> Any:
        pieces = [piece.reshape(shape) for piece, shape in zip(theta.split(lengths), shapes)]
        out = tx
        for l in range(depth):
            out = out @ pieces[2 * l].T + pieces[2 * l + 1]
            if l < depth - 1:  # sigmoid hidden layers, linear output
                out = t.sigmoid(out)
        return 0.5 * ((out - ty) ** 2).sum()

    return c


def torch_loss_and_gradient(theta, sizes, x, y) -> dict[str, Any]:
    """C and dC/dθ by torch.autograd in float64."""
    tt = oracles.tensor(theta, grad=True)
    c = _torch_loss(sizes, x, y)(tt)
    c.backward()
    return {"loss": float(c.item()), "grad": oracles.numpy(tt.grad)}


def torch_hessian(theta, sizes, x, y) -> np.ndarray:
    """The exact Hessian, torch.func.hessian in float64."""
    t = oracles.torch()
    return oracles.numpy(t.func.hessian(_torch_loss(sizes, x, y))(oracles.tensor(theta)))


def hessian_atol(exact: np.ndarray, theta: np.ndarray, eps: float) -> float:
    """Central differences of the gradient err by eps²/6·|d³g| (truncation) plus about
    eps_machine·|g's terms| / eps (rounding); for these small sigmoid networks both scale as
    (1 + max|H|)(1 + max|θ|)², and factors 100 and 10 bound what was measured with a margin.
    A one-sided difference errs by eps/2·|d³g|, ~1e4 times more at eps = 1e-5."""
    scale = (1.0 + float(np.max(np.abs(exact), initial=0.0))) * (
        1.0 + float(np.max(np.abs(theta), initial=0.0))
    ) ** 2
    return (100.0 * F64_EPS / eps + 10.0 * eps**2) * scale


# --- the checks of counts and of the experiment's rows ----------------------------------


def count_bounds(H: np.ndarray, rtol: float) -> dict[str, int]:
    """What a correct ``eigen_counts`` of a matrix within rounding of H may answer.

    Eigenvalues beyond 10·rtol·max|λ| are certainly nonzero, within rtol·max|λ| / 10
    certainly zero; one in between (within reach of the rounding of a finite-difference
    Hessian) may go either way."""
    lam = np.linalg.eigvalsh(H)
    m = float(np.max(np.abs(lam), initial=0.0))
    return {
        "pos_min": int(np.sum(lam > 10 * rtol * m)),
        "pos_max": int(np.sum(lam > rtol * m / 10)),
        "neg_min": int(np.sum(lam < -10 * rtol * m)),
        "neg_max": int(np.sum(lam < -rtol * m / 10)),
        "n": int(lam.size),
    }


def check_counts(got: Any, bounds: dict[str, int], what: str) -> tuple[int, int, int]:
    """The student's (positive, negative, zero) within ``count_bounds``, summing to n."""
    c = compare.array(got, what, shape=(3,), finite=True)
    compare.holds(
        bool(np.all(c == np.round(c))),
        compare.Lazy(lambda: f"{what} = {compare.fmt(c)}: counts are whole numbers"),
    )
    p, q, z = (int(v) for v in c)
    compare.holds(
        p + q + z == bounds["n"],
        f"{what} = ({p}, {q}, {z}) sums to {p + q + z}, not to the {bounds['n']} eigenvalues",
    )
    for count, sign, word in ((p, "pos", "positive"), (q, "neg", "negative")):
        lo, hi = bounds[f"{sign}_min"], bounds[f"{sign}_max"]
        compare.holds(
            lo <= count <= hi,
            f"{what}: {count} {word} eigenvalues, expected "
            + (f"{lo}" if lo == hi else f"{lo} to {hi}"),
            hint="An eigenvalue with |λ| <= rtol·max|λ| is zero: rounding noise of "
            "either sign must not count as curvature.",
        )
    return p, q, z


def check_experiment(out: Any, sizes, x, y, runs) -> dict[str, np.ndarray]:
    """The experiment's dict as arrays of the SPEC's shapes, each row consistent with its
    theta: loss, grad_norm and counts recomputed by the judge, ratio = positive / P."""
    p = n_params(sizes)
    compare.holds(
        isinstance(out, dict),
        f"minimum_ratio_experiment(...) returned {type(out).__name__}, not a dict",
    )
    keys = {
        "theta": (runs, p),
        "loss": (runs,),
        "grad_norm": (runs,),
        "counts": (runs, 3),
        "ratio": (runs,),
    }
    missing = sorted(set(keys) - set(out))
    compare.holds(not missing, f"minimum_ratio_experiment(...)'s dict lacks {missing}")
    res = {
        k: compare.array(out[k], f"minimum_ratio_experiment(...)[{k!r}]", shape=s)
        for k, s in keys.items()
    }
    for r in range(runs):
        theta = res["theta"][r]
        exact = torch_loss_and_gradient(theta, sizes, x, y)
        compare.close(
            res["loss"][r],
            exact["loss"],
            f"minimum_ratio_experiment(...)['loss'][{r}] vs the loss at result['theta'][{r}]",
            rtol=1e-10,
            atol=1e-13,
        )
        g = float(np.linalg.norm(exact["grad"]))
        # a norm near tol = 1e-8 is a sum of cancelling terms: absolute 1e-12 of the scale
        compare.close(
            res["grad_norm"][r],
            g,
            f"minimum_ratio_experiment(...)['grad_norm'][{r}] vs ||gradient|| at "
            f"result['theta'][{r}]",
            rtol=1e-6,
            atol=1e-12,
        )
        bounds = count_bounds(torch_hessian(theta, sizes, x, y), 1e-6)
        pos, _, _ = check_counts(
            res["counts"][r], bounds, f"minimum_ratio_experiment(...)['counts'][{r}]"
        )
        compare.close(
            res["ratio"][r],
            pos / p,
            f"minimum_ratio_experiment(...)['ratio'][{r}] vs positive count / P = {pos}/{p}",
            rtol=1e-12,
            atol=0,
            hint="The ratio is over all P eigenvalues, zeros included.",
        )
    return res
