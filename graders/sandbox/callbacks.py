"""Function arguments across the boundary: judge functions a student's function calls back.

A call's argument that is a judge-side function (``grad_fn`` of ``gradient_descent``) never
crosses: ``bind`` replaces it with a ``protocol.Callback`` marker, the worker hands the
student a stand-in that asks the judge, and the judge evaluates the function on
``plain_argument`` copies of what student code passed (numbers and arrays only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graders.sandbox import protocol


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


def bind(x: Any, callbacks: list[Callable]) -> Any:
    """``x`` with each judge function in it replaced by a Callback marker (its index in
    ``callbacks``, where it is appended); lists and tuples are walked."""
    if callable(x) and not isinstance(x, (protocol.Ref, np.ndarray)):
        callbacks.append(x)
        return protocol.Callback(len(callbacks) - 1)
    if isinstance(x, list):
        return [bind(v, callbacks) for v in x]
    if isinstance(x, tuple):
        return tuple(bind(v, callbacks) for v in x)
    return x
