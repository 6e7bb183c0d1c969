"""The correct variants (written differently) of the ``critical_points`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog

catalog = Catalog("critical_points")


@catalog.variant(
    "classify_critical_point", "counts positive / negative / zero eigenvalues with a Python loop"
)
def classify_counting_loops(H, tol=1e-8):
    pos = neg = zero = 0
    for lam in np.linalg.eigvalsh(np.asarray(H, dtype=np.float64)):
        if lam > tol:
            pos += 1
        elif lam < -tol:
            neg += 1
        else:
            zero += 1
    if pos and neg:
        return "saddle"
    if zero:
        return "degenerate"
    return "local_min" if pos else "local_max"


@catalog.variant(
    "escape_direction", "the negated, normalised sum of all eigenvectors of the smallest eigenvalue"
)
def escape_negated_eigenspace_mix(H, tol=1e-8):
    H = np.asarray(H, dtype=np.float64)
    lam, vecs = np.linalg.eigh(H)
    if lam[0] >= -tol:
        return None
    same = np.abs(lam - lam[0]) <= 1e-12 * max(1.0, abs(lam[0]))
    u = -vecs[:, same].sum(axis=1)
    return u / np.linalg.norm(u)


@catalog.variant(
    "numerical_hessian", "central differences of a central-difference gradient, then symmetrised"
)
def numerical_hessian_gradient_of_gradient(f, theta, eps=1e-4):
    theta = np.array(theta, dtype=np.float64)
    n = theta.size

    def grad(p):
        g = np.empty(n)
        for j in range(n):
            up, down = p.copy(), p.copy()
            up[j] += eps
            down[j] -= eps
            g[j] = (float(f(up)) - float(f(down))) / (2 * eps)
        return g

    H = np.empty((n, n))
    for i in range(n):
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        H[i] = (grad(up) - grad(down)) / (2 * eps)
    return 0.5 * (H + H.T)


@catalog.variant("taylor_approximation", "the quadratic form written with np.einsum")
def taylor_einsum(loss0, g, H, theta, theta0):
    d = np.subtract(theta, theta0, dtype=np.float64)
    return float(loss0) + float(np.dot(g, d)) + 0.5 * float(np.einsum("i,ij,j->", d, H, d))


@catalog.variant(
    "two_weight_hessian", "Hessian from the residual's gradient: 2 J Jᵀ - 2 r ∂²(x w1 w2)"
)
def two_weight_via_residual(w, x=1.0, y=1.0):
    w1, w2 = np.asarray(w, dtype=np.float64)
    r = y - x * w1 * w2
    J = np.array([-x * w2, -x * w1])
    return 2.0 * np.outer(J, J) + 2.0 * r * np.array([[0.0, -x], [-x, 0.0]])


@catalog.variant("minimum_ratio", "np.mean of a boolean mask of eigvalsh")
def minimum_ratio_mean(H, tol=1e-8):
    return float(np.mean(np.linalg.eigvalsh(np.asarray(H, dtype=np.float64)) > tol))


@catalog.variant(
    "two_weight_loss", "the square expanded, y² - 2xy·w1w2 + (x·w1w2)² (cancels on the valley)"
)
def two_weight_loss_expanded(w, x=1.0, y=1.0):
    p = float(np.prod(w)) * x
    return y * y - 2.0 * y * p + p * p


@catalog.variant("two_weight_loss", "np.square of the prediction error w1·w2·x - y")
def two_weight_loss_square_of_error(w, x=1.0, y=1.0):
    return float(np.square(np.prod(np.asarray(w, dtype=np.float64)) * x - y))


@catalog.variant(
    "two_weight_gradient",
    "2(p - y)·∇p with p = x·w1·w2 and ∇p = x·(w2, w1) from the reversed weights",
)
def two_weight_gradient_chain_rule(w, x=1.0, y=1.0):
    w = np.asarray(w, dtype=np.float64)
    p = x * w[0] * w[1]
    return 2.0 * (p - y) * x * w[::-1]


@catalog.variant(
    "two_weight_hessian", "off-diagonal factored as 2x(2x·w1w2 - y), built with np.array of rows"
)
def two_weight_hessian_factored(w, x=1.0, y=1.0):
    w1, w2 = np.asarray(w, dtype=np.float64)
    c = 2.0 * x * (2.0 * x * w1 * w2 - y)
    return np.array([[2.0 * (x * w2) ** 2, c], [c, 2.0 * (x * w1) ** 2]])


@catalog.variant(
    "numerical_hessian",
    "the 4-point formula for every entry (diagonal steps 2·eps), vectorised steps from np.eye",
)
def numerical_hessian_four_point_everywhere(f, theta, eps=1e-4):
    theta = np.array(theta, dtype=np.float64)
    E = np.eye(theta.size) * eps
    H = np.array(
        [
            [f(theta + a + b) - f(theta + a - b) - f(theta - a + b) + f(theta - a - b) for b in E]
            for a in E
        ]
    ) / (4 * eps * eps)
    return (H + H.T) / 2


@catalog.variant(
    "numerical_hessian", "mixed entries from f(+i+j), f(±i), f(±j), f(θ), f(-i-j) (7-point formula)"
)
def numerical_hessian_seven_point_mixed(f, theta, eps=1e-4):
    t = np.array(theta, dtype=np.float64)
    E = np.eye(t.size) * eps
    f0, up, down = f(t), [f(t + e) for e in E], [f(t - e) for e in E]
    H = np.diag([(u - 2 * f0 + d) / eps**2 for u, d in zip(up, down)])
    for i in range(t.size):
        for j in range(i + 1, t.size):
            H[i, j] = H[j, i] = (
                f(t + E[i] + E[j]) - up[i] - up[j] + 2 * f0 - down[i] - down[j] + f(t - E[i] - E[j])
            ) / (2 * eps**2)
    return H


@catalog.variant("taylor_approximation", "loss0 + d·(g + ½Hd) summed in a Python loop")
def taylor_factored_loop(loss0, g, H, theta, theta0):
    d = [float(a) - float(b) for a, b in zip(theta, theta0)]
    total = float(loss0)
    for i, di in enumerate(d):
        total += di * (float(g[i]) + 0.5 * sum(float(H[i][j]) * dj for j, dj in enumerate(d)))
    return total


@catalog.variant(
    "classify_critical_point", "np.linalg.eig of ½(H + Hᵀ) (real parts), counting with np.sum"
)
def classify_eig_symmetrised_np_sum(H, tol=1e-8):
    H = np.asarray(H, dtype=np.float64)
    lam = np.linalg.eig((H + H.T) / 2)[0].real
    pos, neg = int(np.sum(lam > tol)), int(np.sum(lam < -tol))
    if pos and neg:
        return "saddle"
    if pos + neg < lam.size:
        return "degenerate"
    return "local_min" if pos else "local_max"


@catalog.variant(
    "escape_direction", "np.linalg.eig of ½(H + Hᵀ), argmin of the real eigenvalues, normalised"
)
def escape_eig_symmetrised(H, tol=1e-8):
    H = np.asarray(H, dtype=np.float64)
    lam, vecs = np.linalg.eig((H + H.T) / 2)
    k = int(np.argmin(lam.real))
    if lam.real[k] >= -tol:
        return None
    return vecs[:, k].real / np.linalg.norm(vecs[:, k].real)


@catalog.variant(
    "escape_direction", "eigh's first column with its sign fixed (largest entry positive)"
)
def escape_eigh_sign_fixed(H, tol=1e-8):
    lam, vecs = np.linalg.eigh(np.asarray(H, dtype=np.float64))
    if lam[0] >= -tol:
        return None
    u = vecs[:, 0]
    return u if u[np.argmax(np.abs(u))] > 0 else -u


@catalog.variant("minimum_ratio", "np.linalg.eig of the symmetrised H, positives counted in a loop")
def minimum_ratio_eig_loop(H, tol=1e-8):
    H = np.asarray(H, dtype=np.float64)
    positive = 0
    lam = np.linalg.eig(0.5 * (H + H.T))[0]
    for v in lam.real:
        if v > tol:
            positive += 1
    return positive / len(lam)


VARIANTS = catalog.variants
