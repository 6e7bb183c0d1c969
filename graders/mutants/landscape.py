"""The catalog of ``landscape`` (staff only): the implementations that prove its graders.

``propgrade validate landscape`` requires every mutant (one plausible bug) to lose points on its
function, every degenerate entry (right form, no computation) to score exactly 0 there, and
every variant (correct, written differently) to get full marks.  Each entry holds only the
function it changes; a named ``misconception`` is what a student with that bug is told.

The reference's functions call each other (the Hessian differentiates ``gradient``, the
finder uses both, the experiment everything), so a wrong helper is spliced in through
``isolate``: its callers keep a private correct copy, and exactly one function changes.
"""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog, degenerate_family
from reference.landscape import eigen_counts, find_critical_point, gradient, hessian, loss, unpack

catalog = Catalog("landscape")


@catalog.mutant(
    "eigen_counts",
    "eigenvalues counted strictly (λ > 0, λ < 0): rounding noise counts",
    isolated=True,
    misconception="your counts treat every eigenvalue as positive or negative: "
    "rounding leaves zero eigenvalues at ±1e-16·max|λ|, so |λ| <= "
    "rtol·max|λ| must count as zero",
)
def eigen_counts_strict(H, rtol=1e-6):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    pos, neg = int(np.sum(lam > 0)), int(np.sum(lam < 0))
    return pos, neg, lam.size - pos - neg


def _outputs(theta, sizes, x):
    a = np.asarray(x, dtype=np.float64)
    params = unpack(theta, sizes)
    for l, (W, b) in enumerate(params):
        z = a @ W.T + b
        a = z if l == len(params) - 1 else 1.0 / (1.0 + np.exp(-z))
    return a.ravel()


@catalog.mutant(
    "hessian",
    "per-layer Gauss–Newton blocks JᵀJ instead of the Hessian (PSD: no saddle)",
    isolated=True,
    misconception="your Hessian is a Gauss–Newton matrix JᵀJ of the outputs: it drops "
    "the residual term Σ (a_L - y)·d²a_L and the cross-layer blocks, is "
    "positive semi-definite by construction and can never show a saddle",
)
def hessian_gauss_newton_block(theta, sizes, x, y, eps=1e-5):
    theta = np.asarray(theta, dtype=np.float64)
    J = np.empty((np.asarray(y).size, theta.size))
    for j in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[j] += eps
        down[j] -= eps
        J[:, j] = (_outputs(up, sizes, x) - _outputs(down, sizes, x)) / (2 * eps)
    H = np.zeros((theta.size, theta.size))
    start = 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        block = slice(start, start + n_out * (n_in + 1))
        H[block, block] = J[:, block].T @ J[:, block]
        start += n_out * (n_in + 1)
    return H


@catalog.mutant(
    "hessian",
    "one-sided differences (g(θ + eps·e_j) - g(θ)) / eps",
    isolated=True,
    misconception="your Hessian uses a one-sided difference of the gradient, whose "
    "error is eps/2 times the third derivative (1e4 times the central "
    "one's)",
)
def hessian_one_sided(theta, sizes, x, y, eps=1e-5):
    theta = np.asarray(theta, dtype=np.float64)
    H = np.empty((theta.size, theta.size))
    for j in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[j] += eps
        down[j] -= eps
        H[:, j] = (gradient(up, sizes, x, y) - gradient(theta, sizes, x, y)) / eps
    return (H + H.T) / 2.0


@catalog.mutant(
    "hessian",
    "finite-difference Hessian returned without (H + H.T) / 2",
    isolated=True,
    misconception="your Hessian is not symmetrised: finite differences leave H_ij and "
    "H_ji a rounding apart, and eigvalsh silently uses one triangle",
)
def hessian_unsymmetrised(theta, sizes, x, y, eps=1e-5):
    theta = np.asarray(theta, dtype=np.float64)
    H = np.empty((theta.size, theta.size))
    for j in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[j] += eps
        down[j] -= eps
        H[:, j] = (gradient(up, sizes, x, y) - gradient(down, sizes, x, y)) / (2.0 * eps)
    return H


@catalog.mutant(
    "find_critical_point",
    "saddle-free Newton with a line search on the loss: stops at minima only",
    isolated=True,
    misconception="your finder only accepts steps that lower the loss, so it is pushed "
    "away from saddles; solve gradient(θ) = 0 instead (damped Newton or "
    "Levenberg–Marquardt on ||g||)",
)
def finder_descends_loss(theta0, sizes, x, y, tol=1e-8, max_steps=200):
    theta = np.array(theta0, dtype=np.float64)
    for _ in range(max_steps):
        g = gradient(theta, sizes, x, y)
        if np.linalg.norm(g) <= tol:
            break
        lam, Q = np.linalg.eigh(hessian(theta, sizes, x, y))
        step = -Q @ ((Q.T @ g) / (np.abs(lam) + 1e-8))
        c, t = loss(theta, sizes, x, y), 1.0
        while t > 1e-10 and loss(theta + t * step, sizes, x, y) >= c:
            t /= 2
        if t <= 1e-10:
            break
        theta = theta + t * step
    return theta


@catalog.mutant(
    "minimum_ratio_experiment",
    "ratio = positive / (positive + negative), zeros left out",
    misconception="your ratio divides by the nonzero eigenvalues only; the minimum "
    "ratio is positive / P, over all eigenvalues",
)
def experiment_ratio_nonzero_only(sizes, x, y, runs, seed, train_steps=500, lr=0.1, tol=1e-8):
    P = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    thetas, losses, norms, counts = [], [], [], []
    for run in range(runs):
        theta = np.random.default_rng([seed, run]).standard_normal(P)
        for _ in range(train_steps):
            theta = theta - lr * gradient(theta, sizes, x, y)
        theta = find_critical_point(theta, sizes, x, y, tol=tol)
        thetas.append(theta)
        losses.append(loss(theta, sizes, x, y))
        norms.append(float(np.linalg.norm(gradient(theta, sizes, x, y))))
        counts.append(eigen_counts(hessian(theta, sizes, x, y)))
    c = np.array(counts, dtype=np.int64).reshape(runs, 3)
    return {
        "theta": np.array(thetas).reshape(runs, P),
        "loss": np.array(losses),
        "grad_norm": np.array(norms),
        "counts": c,
        "ratio": c[:, 0] / np.maximum(c[:, 0] + c[:, 1], 1),
    }


@catalog.mutant(
    "minimum_ratio_experiment",
    "every run starts from default_rng(seed): all runs identical",
    misconception="every run of your experiment starts from the same theta0: seed each "
    "run with np.random.default_rng([seed, run])",
)
def experiment_fixed_seed(sizes, x, y, runs, seed, train_steps=500, lr=0.1, tol=1e-8):
    P = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    thetas, losses, norms, counts = [], [], [], []
    for run in range(runs):  # noqa: B007 - the bug: every run ignores its index
        theta = np.random.default_rng(seed).standard_normal(P)
        for _ in range(train_steps):
            theta = theta - lr * gradient(theta, sizes, x, y)
        theta = find_critical_point(theta, sizes, x, y, tol=tol)
        thetas.append(theta)
        losses.append(loss(theta, sizes, x, y))
        norms.append(float(np.linalg.norm(gradient(theta, sizes, x, y))))
        counts.append(eigen_counts(hessian(theta, sizes, x, y)))
    c = np.array(counts, dtype=np.int64).reshape(runs, 3)
    return {
        "theta": np.array(thetas).reshape(runs, P),
        "loss": np.array(losses),
        "grad_norm": np.array(norms),
        "counts": c,
        "ratio": c[:, 0] / P,
    }


@catalog.mutant("unpack", "W reshaped column-major (order='F')", isolated=True)
def unpack_column_major(theta, sizes):
    theta = np.asarray(theta, dtype=np.float64)
    params, start = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = theta[start : start + n_out * n_in].reshape(n_out, n_in, order="F").copy()
        start += n_out * n_in
        params.append((W, theta[start : start + n_out].copy()))
        start += n_out
    return params


@catalog.mutant("loss", "the loss averaged over the batch instead of summed", isolated=True)
def loss_mean(theta, sizes, x, y):
    a = np.asarray(x, dtype=np.float64)
    params = unpack(theta, sizes)
    for l, (W, b) in enumerate(params):
        z = a @ W.T + b
        a = z if l == len(params) - 1 else 0.5 * (1.0 + np.tanh(0.5 * z))
    return float(0.5 * np.mean(np.sum((a - np.asarray(y)) ** 2, axis=1)))


@catalog.variant("pack", "pack with np.hstack of a comprehension")
def pack_hstack(params):
    return np.hstack([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in params])


@catalog.variant("unpack", "unpack by np.split at cumulative offsets")
def unpack_split_offsets(theta, sizes):
    shapes = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        shapes += [(n_out, n_in), (n_out,)]
    sizes_flat = [int(np.prod(s)) for s in shapes]
    pieces = np.split(np.array(theta, dtype=np.float64), np.cumsum(sizes_flat)[:-1])
    arrays = [p.reshape(s) for p, s in zip(pieces, shapes)]
    return [(arrays[i], arrays[i + 1]) for i in range(0, len(arrays), 2)]


@catalog.variant("loss", "loss one sample at a time, σ through tanh")
def loss_tanh_loop(theta, sizes, x, y):
    params = unpack(theta, sizes)
    total = 0.0
    for xn, yn in zip(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)):
        a = xn
        for l, (W, b) in enumerate(params):
            z = W @ a + b
            a = z if l == len(params) - 1 else 0.5 * (1.0 + np.tanh(0.5 * z))
        total += 0.5 * float((a - yn) @ (a - yn))
    return total


@catalog.variant("gradient", "gradient accumulated per sample with outer products, σ′ from z")
def gradient_per_sample(theta, sizes, x, y):
    params = unpack(theta, sizes)
    grads = [[np.zeros_like(W), np.zeros_like(b)] for W, b in params]
    for xn, yn in zip(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)):
        acts, zs = [xn], []
        for l, (W, b) in enumerate(params):
            zs.append(W @ acts[-1] + b)
            acts.append(zs[-1] if l == len(params) - 1 else 0.5 * (1 + np.tanh(zs[-1] / 2)))
        delta = acts[-1] - yn
        for l in range(len(params) - 1, -1, -1):
            grads[l][0] += np.outer(delta, acts[l])
            grads[l][1] += delta
            if l > 0:
                s = acts[l]
                delta = (params[l][0].T @ delta) * s * (1 - s)
    return np.concatenate([np.concatenate([dW.ravel(), db]) for dW, db in grads])


@catalog.variant("hessian", "Hessian rows from np.eye perturbations, symmetrised as 0.5·(H + Hᵀ)")
def hessian_basis_rows(theta, sizes, x, y, eps=1e-5):
    theta = np.asarray(theta, dtype=np.float64)
    rows = [
        (gradient(theta + e, sizes, x, y) - gradient(theta - e, sizes, x, y)) / (2 * eps)
        for e in np.eye(theta.size) * eps
    ]
    H = np.array(rows).reshape(theta.size, theta.size)
    return 0.5 * (H + H.T)


@catalog.variant("eigen_counts", "counts from np.linalg.eigh, zeros by a mask first")
def eigen_counts_eigh_isclose(H, rtol=1e-6):
    lam = np.linalg.eigh(np.asarray(H, dtype=np.float64))[0]
    top = np.abs(lam).max() if lam.size else 0.0
    zero = np.abs(lam) <= rtol * top
    return (
        int(np.count_nonzero(~zero & (lam > 0))),
        int(np.count_nonzero(~zero & (lam < 0))),
        int(np.count_nonzero(zero)),
    )


@catalog.variant(
    "find_critical_point", "damped Newton on g: least-squares Newton step, backtracking on ||g||"
)
def finder_newton_backtracking(theta0, sizes, x, y, tol=1e-8, max_steps=200):
    theta = np.array(theta0, dtype=np.float64)
    g = gradient(theta, sizes, x, y)
    best = (np.linalg.norm(g), theta)
    steps = 0
    while steps < max_steps and best[0] > tol:
        H = hessian(theta, sizes, x, y)
        step = np.linalg.lstsq(H + 1e-12 * np.eye(theta.size), -g, rcond=None)[0]
        t = 1.0
        while steps < max_steps:
            steps += 1
            trial = theta + t * step
            g_trial = gradient(trial, sizes, x, y)
            if np.linalg.norm(g_trial) < np.linalg.norm(g):
                theta, g = trial, g_trial
                break
            t /= 2
        if np.linalg.norm(g) < best[0]:
            best = (np.linalg.norm(g), theta)
        if t < 1e-12:
            break
    return best[1]


@catalog.variant(
    "minimum_ratio_experiment", "experiment filling preallocated arrays, counts as a list of lists"
)
def experiment_preallocated(sizes, x, y, runs, seed, train_steps=500, lr=0.1, tol=1e-8):
    P = int(sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:])))
    out = {
        "theta": np.zeros((runs, P)),
        "loss": np.zeros(runs),
        "grad_norm": np.zeros(runs),
        "counts": [],
        "ratio": np.zeros(runs),
    }
    for run in range(runs):
        rng = np.random.default_rng([seed, run])
        theta = rng.standard_normal(P)
        for _ in range(train_steps):
            theta -= lr * gradient(theta, sizes, x, y)
        theta = find_critical_point(theta, sizes, x, y, tol=tol)
        pos, neg, zero = eigen_counts(hessian(theta, sizes, x, y))
        out["theta"][run] = theta
        out["loss"][run] = loss(theta, sizes, x, y)
        out["grad_norm"][run] = np.linalg.norm(gradient(theta, sizes, x, y))
        out["counts"].append([pos, neg, zero])
        out["ratio"][run] = pos / P
    out["counts"] = np.array(out["counts"]).reshape(runs, 3)
    return out


# degenerate_family keeps a dict as computed: the experiment's are written out
@catalog.degenerate(
    "minimum_ratio_experiment", "minimum_ratio_experiment returns zeros of the right shapes"
)
def minimum_ratio_experiment_zeros(sizes, x, y, runs, seed, train_steps=500, lr=0.1, tol=1e-8):
    P = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    return {
        "theta": np.zeros((runs, P)),
        "loss": np.zeros(runs),
        "grad_norm": np.zeros(runs),
        "counts": np.zeros((runs, 3), dtype=np.int64),
        "ratio": np.zeros(runs),
    }


@catalog.degenerate(
    "minimum_ratio_experiment",
    "minimum_ratio_experiment returns the seeded starts and noise for the rest",
)
def minimum_ratio_experiment_untrained_noise(
    sizes, x, y, runs, seed, train_steps=500, lr=0.1, tol=1e-8
):
    P = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    theta = np.array([np.random.default_rng([seed, r]).standard_normal(P) for r in range(runs)])
    rng = np.random.default_rng(0)
    return {
        "theta": theta,
        "loss": rng.random(runs),
        "grad_norm": rng.random(runs),
        "counts": np.tile([P, 0, 0], (runs, 1)),
        "ratio": np.ones(runs),
    }


MUTANTS = catalog.mutants
VARIANTS = catalog.variants
DEGENERATES = (
    degenerate_family(
        "landscape",
        {
            "pack": ["zeros", "ones", "noise"],
            "unpack": ["zeros", "ones", "noise"],
            "loss": ["zeros", "ones", "noise"],
            "gradient": ["zeros", "ones", "noise", "identity"],
            "hessian": ["zeros", "ones", "noise"],
            "eigen_counts": ["zeros", "ones"],
            "find_critical_point": ["zeros", "noise", "identity"],
        },
    )
    + catalog.degenerates
)
