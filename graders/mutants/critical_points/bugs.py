"""The mutants (one plausible bug each) of the ``critical_points`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog

catalog = Catalog("critical_points")


@catalog.mutant("two_weight_loss", "loss with a ½ in front (the backprop convention)")
def two_weight_loss_half(w, x=1.0, y=1.0):
    w = np.asarray(w, dtype=np.float64)
    return float(0.5 * (y - w[0] * w[1] * x) ** 2)


@catalog.mutant(
    "two_weight_gradient",
    "gradient with the sign of the residual's derivative dropped",
    misconception="your gradient has the wrong sign: the residual y - w1·w2·x "
    "decreases when w1 grows (for x·w2 > 0), so the chain rule brings a "
    "factor -x·w2 (see the docstring's ∇L)",
)
def two_weight_gradient_sign(w, x=1.0, y=1.0):
    w = np.asarray(w, dtype=np.float64)
    r = y - w[0] * w[1] * x
    return np.array([2.0 * r * x * w[1], 2.0 * r * x * w[0]])


@catalog.mutant(
    "two_weight_hessian",
    "off-diagonal 2x²w1w2 - 2xy: product rule missed (right at w = (0, 0) only)",
    misconception="your off-diagonal Hessian entry misses a term of the product rule: "
    "d/dw2 of (-2·r·x·w2) has a part from r and a part from w2, giving "
    "4x²w1w2 - 2xy; it only agrees with yours at the origin",
)
def two_weight_hessian_no_product_rule(w, x=1.0, y=1.0):
    w = np.asarray(w, dtype=np.float64)
    off = 2.0 * x * x * w[0] * w[1] - 2.0 * x * y
    return np.array([[2.0 * x * x * w[1] ** 2, off], [off, 2.0 * x * x * w[0] ** 2]])


@catalog.mutant(
    "numerical_hessian",
    "forward (one-sided) second differences",
    misconception="your numerical Hessian uses one-sided (forward) differences, off by "
    "eps times the third derivative; the docstring's central differences "
    "step both ways around theta",
)
def numerical_hessian_one_sided(f, theta, eps=1e-4):
    theta = np.array(theta, dtype=np.float64)
    n = theta.size

    def at(*moves):
        p = theta.copy()
        for i in moves:
            p[i] += eps
        return float(f(p))

    f0 = at()
    H = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            H[i, j] = (at(i, j) - at(i) - at(j) + f0) / eps**2
    return H


@catalog.mutant(
    "taylor_approximation",
    "second-order term without the ½",
    misconception="your Taylor approximation drops the ½ of the second-order term: L ≈ "
    "L(θ0) + (θ-θ0)·g + ½ (θ-θ0)ᵀH(θ-θ0)",
)
def taylor_missing_half(loss0, g, H, theta, theta0):
    d = np.asarray(theta, dtype=np.float64) - np.asarray(theta0, dtype=np.float64)
    return float(loss0 + d @ np.asarray(g) + d @ np.asarray(H) @ d)


@catalog.mutant(
    "classify_critical_point",
    "zero eigenvalues counted as positive (λ >= -tol)",
    misconception="your test counts a zero eigenvalue as positive, so the lecture's "
    "valley (eigenvalues {0, ·}) comes out a local minimum; a zero "
    "eigenvalue makes the test inconclusive: 'degenerate'",
)
def classify_zero_as_positive(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    if np.all(lam >= -tol):
        return "local_min"
    if np.all(lam <= tol):
        return "local_max"
    return "saddle"


@catalog.mutant(
    "classify_critical_point",
    "signs of the Hessian's diagonal instead of its eigenvalues",
    misconception="your test reads the signs of the diagonal entries of H; the test "
    "needs the eigenvalues (the lecture's saddle has a zero diagonal)",
)
def classify_hessian_diagonal(H, tol=1e-8):
    lam = np.diag(np.asarray(H, dtype=np.float64))
    positive, negative = np.any(lam > tol), np.any(lam < -tol)
    if positive and negative:
        return "saddle"
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "local_min" if positive else "local_max"


@catalog.mutant(
    "classify_critical_point",
    "any zero eigenvalue -> 'degenerate', even with a sign change",
    misconception="your test answers 'degenerate' as soon as an eigenvalue is zero; "
    "with strictly positive and strictly negative eigenvalues the point "
    "is a saddle whatever the zeros do",
)
def classify_zero_before_saddle(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    if np.all(lam > 0):
        return "local_min"
    if np.all(lam < 0):
        return "local_max"
    return "saddle"


@catalog.mutant("classify_critical_point", "tolerance fixed at 1e-8, the tol argument ignored")
def classify_ignores_tol(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    positive, negative = np.any(lam > 1e-8), np.any(lam < -1e-8)
    if positive and negative:
        return "saddle"
    if np.any(np.abs(lam) <= 1e-8):
        return "degenerate"
    return "local_min" if positive else "local_max"


@catalog.mutant(
    "escape_direction",
    "eigenvector of the largest eigenvalue",
    misconception="your escape direction is the eigenvector of the largest eigenvalue, "
    "along which the loss rises; escaping needs the most negative one "
    "(eigh sorts ascending: the first column)",
)
def escape_largest_eigenvector(H, tol=1e-8):
    lam, vecs = np.linalg.eigh(np.asarray(H, dtype=np.float64))
    if lam[0] >= -tol:
        return None
    return vecs[:, -1]


@catalog.mutant("escape_direction", "a row of the eigenvector matrix instead of a column")
def escape_eigenvector_row(H, tol=1e-8):
    lam, vecs = np.linalg.eigh(np.asarray(H, dtype=np.float64))
    if lam[0] >= -tol:
        return None
    return vecs[0]


@catalog.mutant("escape_direction", "always returns the lowest eigenvector, even at a minimum")
def escape_never_none(H, tol=1e-8):
    lam, vecs = np.linalg.eigh(np.asarray(H, dtype=np.float64))
    return vecs[:, 0]


@catalog.mutant(
    "minimum_ratio",
    "counts eigenvalues >= -tol (zeros as positive)",
    misconception="your minimum ratio counts zero eigenvalues as positive; only λ > "
    "tol counts, so the lecture's valley has ratio 0.5, not 1",
)
def minimum_ratio_counts_zeros(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    return float(np.mean(lam >= -tol))


@catalog.mutant("minimum_ratio", "counts λ > 0 (rounding noise of a zero eigenvalue counts)")
def minimum_ratio_ignores_tol(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    return float(np.mean(lam > 0))


MUTANTS = catalog.mutants
