"""The loss landscape: critical points of a real network, its Hessian, the minimum ratio.

Lecture summary. Training stops where the gradient is (almost) zero, but a zero gradient
does not mean a minimum: the Hessian H there decides.  Its eigenvalues are counted as
positive, negative and zero, and the *minimum ratio* is (positive eigenvalues) / (all
eigenvalues): 1 at a strict local minimum, below 1 at a saddle.  The lecture's experiment
trains a network many times, finds the critical point near where each training run ended,
and plots the training loss against the minimum ratio.

Conventions (SPEC.md, "landscape"): the network, the loss and ``params`` are those of
``backprop``: ``params`` is a list of ``(W, b)`` with ``W`` of shape ``(out, in)``;
``z_l = a_{l-1} @ W_l.T + b_l``; sigmoid hidden layers, linear output; the loss is summed
over the batch, ``C = 0.5 * sum((a_L - y)**2)``.  ``sizes = [in, h_1, ..., out]``.  A
parameter vector ``theta`` of shape ``(P,)`` packs ``W_1, b_1, ..., W_L, b_L`` in that
order, each ``W`` row-major (``W.ravel()``).  All arrays are float64; no function modifies
its inputs.

Counting eigenvalues needs a tolerance: a finite-difference Hessian at a critical point
has rounding noise of about 1e-10 relative to its largest eigenvalue, and a strict count
(``λ > 0``) counts that noise as curvature, half of it positive.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
Params = list[tuple[Array, Array]]


def pack(params: Params) -> Array:
    """``theta`` of shape ``(P,)``: ``W_1, b_1, ..., W_L, b_L`` concatenated, each ``W``
    row-major.  ``P = sum(out_l * (in_l + 1))``.  A new float64 array."""
    raise NotImplementedError("landscape.pack: not implemented yet")


def unpack(theta: ArrayLike, sizes: list[int]) -> Params:
    """The ``params`` packed in ``theta``: ``[(W_l, b_l)]`` with ``W_l`` of shape
    ``(sizes[l+1], sizes[l])`` and ``b_l`` of shape ``(sizes[l+1],)``, inverse of ``pack``.
    The arrays are new (copies): changing them does not change ``theta``."""
    raise NotImplementedError("landscape.unpack: not implemented yet")


def loss(theta: ArrayLike, sizes: list[int], x: ArrayLike, y: ArrayLike) -> float:
    """C = 0.5 * sum((a_L - y)**2) of the network ``unpack(theta, sizes)`` on the batch
    ``x`` of shape ``(N, in)`` with targets ``y`` of shape ``(N, out)``."""
    raise NotImplementedError("landscape.loss: not implemented yet")


def gradient(theta: ArrayLike, sizes: list[int], x: ArrayLike, y: ArrayLike) -> Array:
    """dC/dθ of shape ``(P,)`` by backpropagation, packed as ``theta`` is.

    δ_L = a_L - y;  dC/dW_l = δ_lᵀ a_{l-1};  dC/db_l = Σ_rows δ_l;
    δ_{l-1} = (δ_l @ W_l) * a_{l-1} (1 - a_{l-1}).
    """
    raise NotImplementedError("landscape.gradient: not implemented yet")


def hessian(
    theta: ArrayLike, sizes: list[int], x: ArrayLike, y: ArrayLike, eps: float = 1e-5
) -> Array:
    """The Hessian d²C/dθ² of shape ``(P, P)`` by central differences of ``gradient``.

    Column j is ``(gradient(θ + eps·e_j) - gradient(θ - eps·e_j)) / (2 eps)``; the result
    is symmetrised, ``(H + H.T) / 2`` (exactly symmetric).  Error model: truncation
    eps²/6 · |d³g| plus rounding about eps_machine·|g's terms| / eps, i.e. near 1e-10 of
    the Hessian's scale at the default eps (a one-sided difference errs by eps/2 · |d³C|,
    1e-5 of it).
    """
    raise NotImplementedError("landscape.hessian: not implemented yet")


def eigen_counts(H: ArrayLike, rtol: float = 1e-6) -> tuple[int, int, int]:
    """``(positive, negative, zero)``: how many eigenvalues of the symmetric ``H`` are
    above ``rtol * max|λ|``, below ``-rtol * max|λ|``, and within it (``|λ| <= rtol *
    max|λ|`` counts as zero; every eigenvalue is zero when ``H`` is zero).  The three sum to
    ``H``'s size.  Plain Python ints."""
    raise NotImplementedError("landscape.eigen_counts: not implemented yet")


def find_critical_point(
    theta0: ArrayLike,
    sizes: list[int],
    x: ArrayLike,
    y: ArrayLike,
    tol: float = 1e-8,
    max_steps: int = 200,
) -> Array:
    """A point where ``||gradient|| <= tol``, found from ``theta0``; saddles count too.

    Method: Levenberg–Marquardt on the equation g(θ) = 0, i.e. minimising ½||g||², whose
    Jacobian is the symmetric Hessian H: each step solves (HᵀH + μI) δ = -Hᵀg.  Every
    critical point of the loss (minimum, saddle or maximum) is a global minimum of ||g||²,
    so the method converges to saddles as readily as to minima, unlike descent on the loss,
    which is repelled by a saddle's negative curvature.  μ → 0 gives Newton's method on g
    (quadratic convergence near a non-degenerate critical point); a large μ gives a short
    step down ||g||², and keeps the step finite where H is singular.  A step is accepted
    when it lowers ||g|| (then μ /= 3), else μ *= 4.  Each of the ``max_steps`` trials
    counts; H is recomputed only after an accepted one.  Returns the point of smallest
    ``||g||`` seen (``theta0`` itself when no step helped), a new array.
    """
    raise NotImplementedError("landscape.find_critical_point: not implemented yet")


def minimum_ratio_experiment(
    sizes: list[int],
    x: ArrayLike,
    y: ArrayLike,
    runs: int,
    seed: int,
    train_steps: int = 500,
    lr: float = 0.1,
    tol: float = 1e-8,
) -> dict[str, Array]:
    """The lecture's experiment, one row per run.

    For ``run`` in ``range(runs)``: ``theta0 = np.random.default_rng([seed, run])
    .standard_normal(P)``; ``train_steps`` of plain gradient descent θ ← θ - lr·g(θ); then
    ``find_critical_point(θ, sizes, x, y, tol=tol)``; then ``eigen_counts(hessian(θ*))``.
    Returns ``theta (runs, P)``, ``loss (runs,)``, ``grad_norm (runs,)`` (both at θ*),
    ``counts (runs, 3)`` (int) and ``ratio (runs,)`` = positive count / P.
    """
    raise NotImplementedError("landscape.minimum_ratio_experiment: not implemented yet")
