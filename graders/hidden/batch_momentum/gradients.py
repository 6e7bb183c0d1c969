"""The gradients handed to a student's ``gradient_descent`` by the hidden properties."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def wavy_gradient(A: np.ndarray, b: np.ndarray, c: float) -> Callable[[np.ndarray], np.ndarray]:
    """θ ↦ Aθ − b + c·sin(θ): the gradient of a quadratic plus a wavy, non-convex term."""

    def grad_fn(theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        return A @ theta - b + c * np.sin(theta)

    return grad_fn
