"""Value hygiene in the worker: what student code hands back is read without running it.

Every function here reads a value through the base classes' own C methods (``type``'s
``__name__`` descriptor, ``str.__str__``, ``ndarray.copy``...), never through a method the
value's class may override: a returned object is the student's, and so is its class.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import protocol

_NUMPY_SCALARS = frozenset(np.sctypeDict.values())
MAX_WARNINGS, MAX_WARNING_CHARS = 5, 300  #: distinct warnings reported per call
MAX_ARGUMENT_DEPTH = 8  #: how deep input arrays are looked for (the exercises' params nest 3)


def type_name(x: Any) -> str:
    """The class name, read by ``type`` itself (a metaclass cannot run code here)."""
    return str.__str__(type.__dict__["__name__"].__get__(type(x)))[:100]


def exact_str(x: Any) -> str:
    """``x`` as an exact ``str`` (a str subclass loses its methods); anything else a marker."""
    return str.__str__(x) if isinstance(x, str) else "<not a string>"


def opaque(x: Any) -> Any:
    """A stand-in for a value whose class has its own metaclass: only the name crosses."""
    name = type.__dict__["__qualname__"].__get__(type(x))
    return type(str.__str__(name)[:100], (), {})()


def plain(x: Any, depth: int = 0) -> Any:
    """Copy a returned value into exact built-in and NumPy types, calling no student method.

    Subclasses (a float whose ``__eq__`` lies, an ndarray with its own ``view``) are read
    through the base class's C methods; anything else is left for the codec to report as
    unsupported by its type name.  Arrays are copied, plain ones too: a function that returns
    its input or a buffer it reuses must not have this call's answer changed by a later call
    of the same message (the reply is encoded after the last call).
    """
    t = type(x)
    if x is None or t in (bool, int, float, str, bytes):
        return x
    if t is np.ndarray:
        return np.ndarray.copy(x)
    if depth > protocol.MAX_DEPTH:
        raise ValueError("the returned value is nested too deeply")
    if isinstance(x, np.ndarray):
        return np.ndarray.copy(np.ndarray.view(x, np.ndarray))
    if isinstance(x, np.generic) and t in _NUMPY_SCALARS:
        return x
    if isinstance(x, float):
        return float.__float__(x)
    if isinstance(x, int):
        return int.__int__(x)
    if isinstance(x, str):
        return str.__str__(x)
    if isinstance(x, bytes):
        return bytes.__bytes__(x)
    if isinstance(x, tuple):
        return tuple(plain(v, depth + 1) for v in tuple.__iter__(x))
    if isinstance(x, list):
        return [plain(v, depth + 1) for v in list.__iter__(x)]
    if isinstance(x, dict):
        items = list(dict.items(x))
        if all(type(k) is str for k, _ in items):
            return {k: plain(v, depth + 1) for k, v in items}
    if type(t) is not type or isinstance(x, (np.generic, dict)):
        return opaque(x)
    return x


def snapshot(a: np.ndarray) -> tuple[Any, ...]:
    """What an input array is, through ndarray's own C methods (NumPy functions may be
    patched): shape and dtype (both assignable in place) and every byte."""
    return a.shape, a.dtype, np.ndarray.tobytes(a)


def arrays_in(x: Any, out: list[np.ndarray], depth: int = 0) -> list[np.ndarray]:
    """Append every array inside ``x`` (lists and tuples, ``MAX_ARGUMENT_DEPTH`` deep)."""
    if depth > MAX_ARGUMENT_DEPTH:
        return out
    if isinstance(x, np.ndarray):
        out.append(x)
    elif isinstance(x, (list, tuple)):
        for v in x:
            arrays_in(v, out, depth + 1)
    return out


def warning_texts(caught: list, start: int) -> list[str]:
    """The distinct warnings recorded from ``start`` on, as ``"Category: message"``; the
    category is read by ``type`` itself (a metaclass cannot run code there)."""
    out: list[str] = []
    for record in caught[start:]:
        text = f"{type_name(record.message)}: {exact_str(str(record.message))}"
        text = text[:MAX_WARNING_CHARS]
        if text not in out:
            out.append(text)
            if len(out) == MAX_WARNINGS:
                break
    return out
