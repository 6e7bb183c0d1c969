"""The gradients handed to a student's ``gradient_descent`` by the hidden properties,
described as data like the public ones (``graders.public.batch_momentum.gradients``)."""

from __future__ import annotations

import numpy as np

from graders.sandbox.kinds import DataFunction


def wavy_gradient(A: np.ndarray, b: np.ndarray, c: float) -> DataFunction:
    """θ ↦ Aθ − b + c·sin(θ): the gradient of a quadratic plus a wavy, non-convex term, for
    the student and for the reference run."""
    return DataFunction("wavy_quadratic", A=A, b=b, c=c)
