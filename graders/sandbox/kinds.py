"""The kinds of data function: the small fixed NumPy library both sides of the boundary run.

A judge function that is data (:class:`DataFunction`) carries a ``callback_spec``: a kind of
:data:`KINDS` and its entries (float64 arrays, floats, shapes as lists of ints).  The judge
calls it, and the worker evaluates a student's calls of it (``worker/functions.py``), through
the *same* kind function here, so the student sees the same values bit for bit on either road.
Pure NumPy and the standard library: staged into the sandbox beside ``protocol.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeGuard

import numpy as np

_F8 = np.dtype(np.float64)


def quadratic(spec: dict, theta: np.ndarray) -> np.ndarray:
    """θ ↦ Aθ − b: the gradient of 0.5 θᵀAθ − bᵀθ (``public.batch_momentum``'s grad_fn)."""
    return spec["A"] @ np.asarray(theta, dtype=np.float64) - spec["b"]


def wavy_quadratic(spec: dict, theta: np.ndarray) -> np.ndarray:
    """θ ↦ Aθ − b + c·sin(θ): a quadratic's gradient plus a wavy, non-convex term."""
    theta = np.asarray(theta, dtype=np.float64)
    return spec["A"] @ theta - spec["b"] + spec["c"] * np.sin(theta)


def _sines(spec: dict, u: np.ndarray) -> float:
    """½ uᵀAu + b·u + Σ_k alpha_k sin(V_k·u + phi_k), as a Python float."""
    A, b, V, alpha, phi = (spec[k] for k in _SINES)
    return float(0.5 * u @ A @ u + b @ u + alpha @ np.sin(V @ u + phi))


def smooth(spec: dict, t: Any) -> float:
    """f(θ) of ``public.backprop``'s numerical_gradient: ``_sines`` of θ flattened, for θ of
    the spec's shape only."""
    shape = tuple(spec["shape"])
    if np.shape(t) != shape:
        raise ValueError(f"f expects an array of theta's shape {shape}, got shape {np.shape(t)}")
    return _sines(spec, np.ravel(t))


def smooth_vector(spec: dict, t: Any) -> float:
    """f(θ) of ``public.critical_points``' numerical_hessian: ``_sines`` of a 1-D θ of the
    spec's length (``shape``, one entry) only."""
    (n,) = spec["shape"]
    if np.shape(t) != (n,):
        raise ValueError(f"f expects an array of shape ({n},), got shape {np.shape(t)}")
    return _sines(spec, t)


def two_weight(spec: dict, t: Any) -> float:
    """f(w) = (y − w₁·w₂·x)² of the lecture's two-weight network (``hidden.critical_points``'
    numerical_hessian), for a w of shape (2,) only."""
    if np.shape(t) != (2,):
        raise ValueError(f"f expects an array of shape (2,), got shape {np.shape(t)}")
    return float((spec["y"] - t[0] * t[1] * spec["x"]) ** 2)


_SINES = ("A", "b", "V", "alpha", "phi")
#: kind -> (its evaluation, the spec's array entries, its number entries, its shape entries)
KINDS: dict[
    str, tuple[Callable[[dict, Any], Any], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
] = {
    "quadratic": (quadratic, ("A", "b"), (), ()),
    "wavy_quadratic": (wavy_quadratic, ("A", "b"), ("c",), ()),
    "smooth": (smooth, _SINES, (), ("shape",)),
    "smooth_vector": (smooth_vector, _SINES, (), ("shape",)),
    "two_weight": (two_weight, (), ("x", "y"), ()),
}


def _is_shape(x: Any, kind: str) -> bool:
    """A list of non-negative ints (of one entry for ``smooth_vector``)."""
    ok = type(x) is list and all(type(d) is int and d >= 0 for d in x)
    return ok and (kind != "smooth_vector" or len(x) == 1)


def valid_spec(spec: Any) -> TypeGuard[dict]:
    """A spec this library evaluates: a known kind, its arrays float64, its numbers floats,
    its shapes lists of ints."""
    if type(spec) is not dict or type(spec.get("kind")) is not str or spec["kind"] not in KINDS:
        return False
    _, arrays, numbers, shapes = KINDS[spec["kind"]]
    return (
        all(type(spec.get(k)) is np.ndarray and spec[k].dtype == _F8 for k in arrays)
        and all(type(spec.get(k)) is float for k in numbers)
        and all(_is_shape(spec.get(k), spec["kind"]) for k in shapes)
    )


class DataFunction:
    """A judge function that is data: calling it runs its kind on its ``callback_spec``,
    exactly what the worker runs for the student's calls.  The arrays are kept C-ordered
    float64 (the layout of the worker's copies, so both sides' products take one path)."""

    def __init__(self, kind: str, **entries: Any) -> None:
        evaluate, arrays, numbers, shapes = KINDS[kind]
        spec: dict[str, Any] = {"kind": kind}
        spec.update({k: np.ascontiguousarray(entries[k], dtype=np.float64) for k in arrays})
        spec.update({k: float(entries[k]) for k in numbers})
        spec.update({k: [int(d) for d in entries[k]] for k in shapes})
        self.callback_spec = spec
        self._evaluate = evaluate

    def __call__(self, theta: Any) -> Any:
        return self._evaluate(self.callback_spec, theta)
