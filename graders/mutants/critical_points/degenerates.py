"""The degenerate entries (right form, no computation) of the ``critical_points`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog, degenerate_family

catalog = Catalog("critical_points")

# each right somewhere: a constant verdict is right for every H of its kind; the identity is
# symmetric; None is right wherever no eigenvalue is below -tol, e_1 for a diagonal H with
# the most negative entry first, (1, ..., 1)/√n and 0.5 at the lecture's saddle w = (0, 0)


@catalog.degenerate("classify_critical_point", "classify_critical_point always returns 'saddle'")
def classify_always_saddle(H, tol=1e-8):
    return "saddle"


@catalog.degenerate(
    "classify_critical_point", "classify_critical_point always returns 'degenerate'"
)
def classify_always_degenerate(H, tol=1e-8):
    return "degenerate"


@catalog.degenerate("classify_critical_point", "classify_critical_point always returns 'local_min'")
def classify_always_local_min(H, tol=1e-8):
    return "local_min"


@catalog.degenerate("classify_critical_point", "classify_critical_point always returns 'local_max'")
def classify_always_local_max(H, tol=1e-8):
    return "local_max"


@catalog.degenerate("two_weight_hessian", "two_weight_hessian returns np.eye(2)")
def two_weight_hessian_identity_matrix(w, x=1.0, y=1.0):
    return np.eye(2)


@catalog.degenerate("numerical_hessian", "numerical_hessian returns the identity matrix")
def numerical_hessian_identity_matrix(f, theta, eps=1e-4):
    return np.eye(np.size(theta))


@catalog.degenerate("escape_direction", "escape_direction always returns None")
def escape_always_none(H, tol=1e-8):
    return None


@catalog.degenerate("escape_direction", "escape_direction returns e_1")
def escape_fixed_first_axis(H, tol=1e-8):
    return np.eye(len(H))[0]


@catalog.degenerate("escape_direction", "escape_direction returns (1, ..., 1)/√n")
def escape_fixed_diagonal(H, tol=1e-8):
    return np.ones(len(H)) / np.sqrt(len(H))


@catalog.degenerate("minimum_ratio", "minimum_ratio always returns 0.5")
def minimum_ratio_half(H, tol=1e-8):
    return 0.5


DEGENERATES = (
    degenerate_family(
        "critical_points",
        {
            # each right somewhere: zeros is the loss on the valley and the gradient at every critical
            # point; identity returns loss0, right when theta == theta0
            "two_weight_loss": ["zeros", "ones", "noise"],
            "two_weight_gradient": ["zeros", "ones", "noise", "identity"],
            "two_weight_hessian": ["zeros", "ones", "noise"],
            "numerical_hessian": ["zeros", "ones", "noise"],
            "taylor_approximation": ["zeros", "ones", "noise", "identity"],
            "escape_direction": ["zeros", "ones", "noise"],
            "minimum_ratio": ["zeros", "ones", "noise"],
        },
    )
    + catalog.degenerates
)
