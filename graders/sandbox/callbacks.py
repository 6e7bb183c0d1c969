"""Function arguments across the boundary: judge functions a student's function calls back.

A call's argument that is a judge-side function (``grad_fn`` of ``gradient_descent``) never
crosses: the encoder replaces it with a ``protocol.Callback`` marker
(``protocol.encode(message, functions)``), the worker hands the
student a stand-in that asks the judge, and the judge evaluates the function on
``plain_argument`` copies of what student code passed (numbers and arrays only).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def plain_argument(x: Any) -> Any:
    """Arguments from student code to a judge function: numbers and arrays only."""
    if isinstance(x, np.ndarray):
        return x.astype(np.float64, copy=True)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if isinstance(x, (list, tuple)):
        try:
            return np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError("expected numbers") from exc
    raise ValueError(f"the function expects an array of numbers, got {type(x).__name__}")
