"""The landscape lab's input strategies (hypothesis), beside its public properties.

Content of the assignment, not of the kit: built from the kit's ``floats``, ``arrays`` and
``orthogonal_matrices`` (graders.strategies).  Shipped with the public graders; the hidden
ones import them from here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders.strategies import arrays, floats, orthogonal_matrices


@st.composite
def network_problems(
    draw: Any, max_layers: int = 2, max_width: int = 3, max_n: int = 5, weight: float = 2.0
) -> dict[str, Any]:
    """``{"theta", "sizes", "x", "y"}`` for ``landscape``: 1..max_layers layers of width
    1..max_width, a packed theta with entries in [-weight, weight], N = 1..max_n samples,
    x in [-2, 2], y in [-2, 2].  Shrinks to sizes [1, 1], theta zero, N = 1."""
    sizes = [draw(st.integers(1, max_width)) for _ in range(draw(st.integers(1, max_layers)) + 1)]
    p = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    n = draw(st.integers(1, max_n))
    return {
        "theta": draw(arrays((p,), -weight, weight)),
        "sizes": sizes,
        "x": draw(arrays((n, sizes[0]), -2.0, 2.0)),
        "y": draw(arrays((n, sizes[-1]), -2.0, 2.0)),
    }


@st.composite
def quadratic_problems(draw: Any, max_in: int = 3, max_out: int = 3) -> dict[str, Any]:
    """``{"theta", "sizes", "x", "y"}`` of a one-layer network, whose loss is quadratic in
    theta, with a well-conditioned Hessian, so that any Newton-type finder reaches a tiny
    gradient in a few steps.  The Hessian is n_out copies of AᵀA with A = [x, 1]; x = B·s + c
    with B orthonormal columns orthogonal to the ones (a rotated basis), scales s_j in
    [0.7, 1.4]·√N and offsets |c_j| <= 0.5, so cond(A) <= 2·2.3 and cond(H) <= 25 (nearly
    collinear x, which ``network_problems`` draws, can make cond(H) 1e6 and more: there tol
    is out of reach in a few damped steps).  N = in+1..in+3 samples, theta and y in [-2, 2].
    Shrinks to sizes [1, 1], N = 2."""
    n_in, n_out = draw(st.integers(1, max_in)), draw(st.integers(1, max_out))
    n = draw(st.integers(n_in + 1, n_in + 3))
    # QR of [1, e_1, ..., e_{N-1}] (full rank): columns 1.. are orthonormal and sum to zero
    complement = np.linalg.qr(np.hstack([np.ones((n, 1)), np.eye(n)[:, : n - 1]]))[0][:, 1:]
    basis = complement @ draw(orthogonal_matrices(n - 1))[:, :n_in]
    scales = np.sqrt(n) * np.array([draw(floats(0.7, 1.4)) for _ in range(n_in)])
    x = basis * scales + draw(arrays((n_in,), -0.5, 0.5))
    return {
        "theta": draw(arrays((n_out * (n_in + 1),), -2.0, 2.0)),
        "sizes": [n_in, n_out],
        "x": x,
        "y": draw(arrays((n, n_out), -2.0, 2.0)),
    }


@st.composite
def tolerance_spectra(draw: Any, max_n: int = 6) -> dict[str, Any]:
    """``{"H", "eigenvalues", "rtol"}``: H = Q diag(λ) Qᵀ (symmetrised exactly) whose
    eigenvalues are each, relative to the largest |λ| = m in [0.5, 50], exactly zero, inside
    the tolerance (|λ| <= rtol·m / 100), or beyond it (|λ| >= 100·rtol·m), of either sign;
    rtol is None (the default 1e-6) or one of 1e-8, 1e-4, 1e-2.  Far from the boundary, so
    a correct count is unambiguous after rounding.  Shrinks to a 1x1 H = [m]."""
    rtol = draw(st.sampled_from([None, 1e-8, 1e-4, 1e-2]))
    r = 1e-6 if rtol is None else rtol
    n = draw(st.integers(1, max_n))
    m = draw(floats(0.5, 50.0))
    kinds = draw(
        st.lists(st.sampled_from(["beyond", "zero", "inside"]), min_size=n - 1, max_size=n - 1)
    )
    lam = [m * draw(st.sampled_from([1.0, -1.0]))]
    for kind in kinds:
        sign = draw(st.sampled_from([1.0, -1.0]))
        if kind == "zero":
            lam.append(0.0)
        elif kind == "inside":
            lam.append(sign * m * r * draw(floats(1e-3, 1e-2)))
        else:
            lam.append(sign * m * min(1.0, r * draw(floats(100.0, 1e6))))
    lam_arr = np.asarray(lam)
    q = draw(orthogonal_matrices(n))
    h = q @ np.diag(lam_arr) @ q.T
    return {"H": (h + h.T) / 2, "eigenvalues": lam_arr, "rtol": rtol}
