"""The gradients handed to a student's ``gradient_descent`` (judge side), described as data.

``grad_fn`` is called once per step of every run, thousands of times per student.  Each is
a ``graders.sandbox.kinds.DataFunction``: the worker evaluates the student's calls itself
with the very kind function the judge calls (no round trip per call); the judge still
compares the whole trajectory with its own run, so nothing the worker computes earns a point
by itself.
"""

from __future__ import annotations

import numpy as np

from graders.sandbox.kinds import DataFunction


def quadratic_gradient(A: np.ndarray, b: np.ndarray) -> DataFunction:
    """The ``grad_fn`` handed to the student: θ ↦ Aθ − b, the gradient of 0.5 θᵀAθ − bᵀθ.
    A pure function: the engine may reuse one example's first message, callbacks included,
    for every student."""
    return DataFunction("quadratic", A=A, b=b)
