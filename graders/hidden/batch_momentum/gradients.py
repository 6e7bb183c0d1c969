"""The gradients handed to a student's ``gradient_descent`` by the hidden properties,
described as data like the public ones (``graders.public.batch_momentum.gradients``)."""

from __future__ import annotations

from typing import Any

import numpy as np


class WavyGradient:
    """θ ↦ Aθ − b + c·sin(θ): the gradient of a quadratic plus a wavy, non-convex term (the
    worker's kind ``"wavy_quadratic"``, the same operations in the same order)."""

    def __init__(self, A: np.ndarray, b: np.ndarray, c: float) -> None:
        self.A = np.ascontiguousarray(A, dtype=np.float64)
        self.b = np.ascontiguousarray(b, dtype=np.float64)
        self.c = float(c)
        self.callback_spec: dict[str, Any] = {
            "kind": "wavy_quadratic",
            "A": self.A,
            "b": self.b,
            "c": self.c,
        }

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        return self.A @ theta - self.b + self.c * np.sin(theta)


def wavy_gradient(A: np.ndarray, b: np.ndarray, c: float) -> WavyGradient:
    """θ ↦ Aθ − b + c·sin(θ), for the student and for the reference run."""
    return WavyGradient(A, b, c)
