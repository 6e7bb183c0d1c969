# propgrade demo submission: correct (counts positive / negative / zero eigenvalues with a Python loop)
"""Critical points: local minima vs saddle points, Taylor expansion, Hessian eigenvalues.

Lecture summary. Training stalls where the gradient vanishes, at a critical point θ0.  Near
it the second-order Taylor expansion

    L(θ) ≈ L(θ0) + (θ - θ0)ᵀ g + ½ (θ - θ0)ᵀ H (θ - θ0),     g = ∇L(θ0) = 0,

says the Hessian H decides what kind of point it is: all eigenvalues positive, a local
minimum; all negative, a local maximum; both signs, a saddle point.  A saddle is no dead
end: moving along an eigenvector u of a negative eigenvalue λ changes the loss by ½λ|u|²
< 0, so that eigenvector is an escape direction.  The "minimum ratio" (fraction of positive
eigenvalues) measures how close a critical point is to a true minimum; in practice it is
rarely 1 for large networks.

The lecture's running example is a one-neuron network with two weights and no
nonlinearity, L(w) = (y - w1·w2·x)², at x = y = 1.  At w = (0, 0) the gradient vanishes and
H = [[0, -2], [-2, 0]] with eigenvalues {-2, 2}: a saddle, escaped along ±(1, 1)/√2.

Why zero eigenvalues make the Hessian test inconclusive: every minimum of (1 - w1·w2)² lies
on the valley w1·w2 = 1, and along the valley the loss is constant, so H has eigenvalue 0
in that direction and eigenvalues {0, 2(w1² + w2²)}.  These points *are* minima, yet a
second-order test cannot tell a flat valley from a flat-then-falling one: higher-order
terms decide.  Hence a tolerance, "|λ| <= tol counts as zero", and the verdict
"degenerate" (a computed zero eigenvalue is often not exactly 0: -2.8e-17 at w = (3, 1/3)).

All arrays are float64 and no function modifies its inputs.  The ``H`` given to the
eigenvalue functions is symmetrised, ½(H + Hᵀ), before ``numpy.linalg.eigh``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def two_weight_loss(w: ArrayLike, x: float = 1.0, y: float = 1.0) -> float:
    """Loss of the lecture's one-neuron network, L(w) = (y - w[0]·w[1]·x)².

    ``w`` has shape ``(2,)``; returns a Python ``float``.  ``w`` is not modified.
    """
    ### BEGIN SOLUTION
    w = np.asarray(w, dtype=np.float64)
    return float((y - w[0] * w[1] * x) ** 2)
    ### END SOLUTION


def two_weight_gradient(w: ArrayLike, x: float = 1.0, y: float = 1.0) -> Array:
    """Analytic gradient of ``two_weight_loss``, a float64 array of shape ``(2,)``.

    With the residual r = y - w1·w2·x:   ∇L = (-2 r x w2,  -2 r x w1).
    Zero on the whole valley w1·w2·x = y and at w = (0, 0).  ``w`` is not modified.
    """
    ### BEGIN SOLUTION
    w = np.asarray(w, dtype=np.float64)
    r = y - w[0] * w[1] * x
    return np.array([-2.0 * r * x * w[1], -2.0 * r * x * w[0]])
    ### END SOLUTION


def two_weight_hessian(w: ArrayLike, x: float = 1.0, y: float = 1.0) -> Array:
    """Analytic Hessian of ``two_weight_loss``, a symmetric float64 array of shape ``(2, 2)``.

        H = [[2 x² w2²,            4 x² w1 w2 - 2 x y],
             [4 x² w1 w2 - 2 x y,  2 x² w1²          ]]

    At w = (0, 0), x = y = 1 this is [[0, -2], [-2, 0]] (a saddle); on the valley
    w1·w2·x = y it has eigenvalues {0, 2x²(w1² + w2²)} (degenerate minima).
    ``w`` is not modified.
    """
    ### BEGIN SOLUTION
    w = np.asarray(w, dtype=np.float64)
    off = 4.0 * x * x * w[0] * w[1] - 2.0 * x * y
    return np.array([[2.0 * x * x * w[1] ** 2, off], [off, 2.0 * x * x * w[0] ** 2]])
    ### END SOLUTION


def numerical_hessian(f: Callable[[Array], float], theta: ArrayLike, eps: float = 1e-4) -> Array:
    """Central finite-difference Hessian of the scalar ``f`` at the 1-D ``theta``.

    With f(±i ±j) meaning f at θ ± eps·e_i ± eps·e_j (fresh float64 copies of θ):
        H_ii = (f(+i) - 2 f(θ) + f(-i)) / eps²
        H_ij = (f(+i +j) - f(+i -j) - f(-i +j) + f(-i -j)) / (4 eps²),   i ≠ j.

    Returns a float64 ``(n, n)`` array that is exactly symmetric (H_ij is computed once and
    mirrored).  Error: O(eps²) truncation plus about eps_machine·|f| / eps² rounding
    (≈ 2e-8·|f| at the default eps), far above a default eigenvalue tol of 1e-8: classify
    a finite-difference Hessian with a tolerance above that error.  ``theta`` is not
    modified; ``f`` is called 1 + 2n² times.
    """
    ### BEGIN SOLUTION
    center = np.array(theta, dtype=np.float64)
    n = center.size

    def f_at(*steps: tuple[int, float]) -> float:
        # f at theta moved by eps along the given coordinates and signs
        point = center.copy()
        for i, sign in steps:
            point[i] += sign * eps
        return float(f(point))

    f0 = f_at()
    H = np.empty((n, n))
    for i in range(n):
        # second difference along coordinate i
        H[i, i] = (f_at((i, 1)) - 2.0 * f0 + f_at((i, -1))) / eps**2
        for j in range(i + 1, n):
            # mixed difference in the (i, j) plane, mirrored to keep H symmetric
            H[i, j] = H[j, i] = (
                f_at((i, 1), (j, 1))
                - f_at((i, 1), (j, -1))
                - f_at((i, -1), (j, 1))
                + f_at((i, -1), (j, -1))
            ) / (4.0 * eps**2)
    return H
    ### END SOLUTION


def taylor_approximation(
    loss0: float, g: ArrayLike, H: ArrayLike, theta: ArrayLike, theta0: ArrayLike
) -> float:
    """Second-order Taylor expansion of the loss around ``theta0``, evaluated at ``theta``.

        L(θ) ≈ loss0 + (θ - θ0)·g + ½ (θ - θ0)ᵀ H (θ - θ0)

    ``g``, ``theta``, ``theta0`` have shape ``(n,)`` and ``H`` shape ``(n, n)``.  Returns a
    Python ``float``; exact (up to rounding) when the loss is quadratic.  No input is
    modified.
    """
    ### BEGIN SOLUTION
    d = np.asarray(theta, dtype=np.float64) - np.asarray(theta0, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    return float(loss0 + d @ g + 0.5 * d @ H @ d)
    ### END SOLUTION


### BEGIN SOLUTION
def _eigh(H: ArrayLike) -> tuple[Array, Array]:
    """Eigenvalues (ascending) and eigenvectors of the symmetrised ½(H + Hᵀ)."""
    H = np.asarray(H, dtype=np.float64)
    return np.linalg.eigh(0.5 * (H + H.T))


### END SOLUTION


def classify_critical_point(H, tol=1e-8):
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


def escape_direction(H: ArrayLike, tol: float = 1e-8) -> Array | None:
    """Unit eigenvector of the most negative eigenvalue of the symmetric ``H``, or ``None``.

    Returns a float64 ``u`` of shape ``(n,)`` with ``|u| = 1`` and ``uᵀHu = λ_min`` (so the
    Taylor expansion drops by ½λ_min·s² along s·u); ``None`` when no eigenvalue is below
    ``-tol``.  The sign of ``u`` is arbitrary (``-u`` is equally correct), and inside a
    repeated λ_min any unit vector of its eigenspace is; graders check those two
    properties, not components.  ``H`` is symmetrised first and is not modified.
    """
    ### BEGIN SOLUTION
    eigenvalues, eigenvectors = _eigh(H)
    if eigenvalues.size == 0 or eigenvalues[0] >= -tol:
        return None
    u = eigenvectors[:, 0]
    return u / np.linalg.norm(u)
    ### END SOLUTION


def minimum_ratio(H: ArrayLike, tol: float = 1e-8) -> float:
    """Fraction of strictly positive eigenvalues, (number of λ > tol) / n, as a ``float``.

    1.0 at a strict local minimum, 0.5 at the lecture's saddle w = (0, 0) and also on its
    valley of minima (eigenvalues {0, ·}: zeros, ``|λ| <= tol``, do not count).  ``H`` is
    symmetrised first and is not modified.
    """
    ### BEGIN SOLUTION
    eigenvalues, _ = _eigh(H)
    return float(np.count_nonzero(eigenvalues > tol) / eigenvalues.size)
    ### END SOLUTION
