"""Degenerate submissions: code of the right form that does not compute the function.

A degenerate entry answers with zeros, ones, the input unchanged, the uniform distribution or
shape-right noise — whatever the reference would have returned, with its structure (arrays of
the same shapes and dtypes, tuples and lists of the same lengths) but none of its numbers.
Such code satisfies relations (shift invariance, symmetry, independence) and structural
checks, so it is exactly what a property that awards points for form alone lets through;
``propgrade validate`` requires every degenerate entry to score **exactly 0** on its
function (and to cost nothing elsewhere).

The kinds are real functions here, linted like the rest; ``source_for`` emits their source
through :mod:`graders.mutants.source` (as every catalog entry's) beside an ``_reference_<f>``
copy of the reference's function, which the degenerate ``f`` calls only to learn the shape of
the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from graders.mutants.source import emit

__all__ = ["KINDS", "TITLES", "source_for"]


def _leaves(value: Any, leaf: Callable[[Any], Any]) -> Any:
    """``value`` with ``leaf`` applied to every number, array and string in it."""
    if isinstance(value, tuple):
        return tuple(_leaves(v, leaf) for v in value)
    if isinstance(value, list):
        return [_leaves(v, leaf) for v in value]
    if value is None:
        return None
    return leaf(value)


def zeros(value: Any, arguments: Sequence[Any]) -> Any:
    """Zeros of the answer's structure (integer zeros where the answer holds integers)."""

    def leaf(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return np.zeros_like(v)
        return type(v)(0) if isinstance(v, (int, float)) else v

    return _leaves(value, leaf)


def ones(value: Any, arguments: Sequence[Any]) -> Any:
    """Ones of the answer's structure: a constant that is not zero."""

    def leaf(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return np.ones_like(v)
        return type(v)(1) if isinstance(v, (int, float)) else v

    return _leaves(value, leaf)


def uniform(value: Any, arguments: Sequence[Any]) -> Any:
    """The uniform distribution along the last axis (1/K everywhere)."""

    def leaf(v: Any) -> Any:
        if isinstance(v, np.ndarray) and v.ndim:
            return np.full(v.shape, 1.0 / v.shape[-1])
        return v

    return _leaves(value, leaf)


def noise(value: Any, arguments: Sequence[Any]) -> Any:
    """Shape-right garbage: standard normal floats (integers in [0, 10)), fixed seed."""
    rng = np.random.default_rng(20261201)

    def leaf(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            if v.dtype.kind in "iub":
                return rng.integers(0, 10, size=v.shape).astype(v.dtype)
            return rng.standard_normal(v.shape)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return v
        return type(v)(rng.standard_normal() if isinstance(v, float) else rng.integers(0, 10))

    return _leaves(value, leaf)


def identity(value: Any, arguments: Sequence[Any]) -> Any:
    """The input returned unchanged: each array of the answer is replaced by the first
    not-yet-used argument of the same shape (the first argument itself for a single array
    answer of its shape); anything without a same-shaped argument is left as computed."""
    pool = [
        np.array(a, dtype=np.float64)
        for a in arguments
        if isinstance(a, (np.ndarray, float, int)) and not isinstance(a, bool)
    ]
    used: set[int] = set()

    def leaf(v: Any) -> Any:
        shape = np.shape(v)
        for i, a in enumerate(pool):
            if i not in used and a.shape == shape:
                used.add(i)
                return a.copy() if shape else float(a)
        return v

    return _leaves(value, leaf)


KINDS: dict[str, Callable[[Any, Sequence[Any]], Any]] = {
    "zeros": zeros,
    "ones": ones,
    "uniform": uniform,
    "noise": noise,
    "identity": identity,
}

TITLES = {
    "zeros": "returns zeros of the right shape",
    "ones": "returns ones of the right shape",
    "uniform": "returns the uniform distribution",
    "noise": "returns shape-right noise",
    "identity": "returns its input unchanged",
}


def source_for(function: str, kind: str, provided: Mapping[str, Any]) -> str:
    """Module-level source of a degenerate ``function`` of ``kind``: a ``function`` that calls
    ``_reference_<f>`` only to learn the answer's structure, then the kind's code (renamed
    ``_degenerate_<kind>``) with its helper (``provided``: the reference's namespace)."""
    wrapper = (
        f"def {function}(*args, **kwargs):\n"
        f"    return _degenerate_{kind}(_reference_{function}(*args, **kwargs), "
        "list(args) + list(kwargs.values()))\n"
    )
    return "\n\n".join([wrapper, emit(KINDS[kind], f"_degenerate_{kind}", provided)])
