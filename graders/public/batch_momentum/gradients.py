"""The gradients handed to a student's ``gradient_descent`` (judge side), described as data.

``grad_fn`` is called once per step of every run, thousands of times per student.  Each is
a callable *and* a ``callback_spec`` (plain data: a kind of the worker's fixed library and
its arrays), so the worker evaluates the student's calls itself instead of asking the judge
each time (``graders.sandbox.callbacks``).  The worker's kind runs exactly ``__call__``'s
NumPy operations, in the same order, so the student sees the same values bit for bit either
way (tests/sandbox/test_functions.py); the judge still compares the whole trajectory with
its own run, so nothing the worker computes earns a point by itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class QuadraticGradient:
    """θ ↦ Aθ − b, the gradient of 0.5 θᵀAθ − bᵀθ (the worker's kind ``"quadratic"``).
    A pure function: the engine may reuse one example's first message, callbacks included,
    for every student."""

    def __init__(self, A: np.ndarray, b: np.ndarray) -> None:
        # C-ordered float64 (the examples' own arrays already are): the layout the worker's
        # copies have, so both sides' matrix products take the same path
        self.A = np.ascontiguousarray(A, dtype=np.float64)
        self.b = np.ascontiguousarray(b, dtype=np.float64)
        self.callback_spec: dict[str, Any] = {"kind": "quadratic", "A": self.A, "b": self.b}

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        return self.A @ np.asarray(theta, dtype=np.float64) - self.b


def quadratic_gradient(A: np.ndarray, b: np.ndarray) -> QuadraticGradient:
    """The ``grad_fn`` handed to the student: θ ↦ Aθ − b."""
    return QuadraticGradient(A, b)
