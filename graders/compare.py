"""Judge-side checks of student values: structure first, then values.

Every helper raises ``Failure`` with a message written for the student, in the order
missing → type → shape → finite → values.  Values from the worker are already plain data
(``protocol`` never builds anything else); these helpers additionally turn them into plain
``float64`` arrays / Python floats before any arithmetic, so nothing a student returns takes
part in a comparison except its numbers.

Tolerance convention (``close``): an entry passes when
``|got - expected| <= atol + rtol * |expected|`` (NumPy's ``isclose``); the message reports
the largest absolute error, where it is, and both values there.

Error models (``within``): a comparison of two float64 computations of the same formula, in
different orders or forms (a loop vs a vectorised sum, PyTorch's lerp form vs the textbook
update), may differ by the rounding of both: for a computation that is forward stable with
respect to a *scale* ``S`` (the magnitude of the intermediate quantities it adds or
multiplies, e.g. ``sum |terms|`` for a sum, ``max |z|`` for a shifted exponential), each side
is within ``c·n·u·S`` of the exact value, where ``u = 2**-53`` is the unit roundoff and ``n``
the number of dependent operations.  ``within`` takes ``S`` (an array, broadcast entrywise,
or a number) and a budget ``ulps`` standing for ``2·c·n`` with a safety factor, and accepts
``|got - expected| <= ulps · u · S``.  A grader states its model in the property's comment:
what ``S`` is, why ``ulps`` suffices, and which wrong answer it still rejects (a wrong
answer is off by a relative O(1), not by a few thousand ulps).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from graders.sandbox.protocol import Unsupported

Array = NDArray[np.float64]


class Lazy:
    """A description written only when a message needs it: ``Lazy(make, *args)`` reads as
    ``make(*args)`` wherever it is formatted (``str``, an f-string), which happens only when a
    check fails.  Rendering the values that decide a check (``fmt`` of arrays) costs more
    than the check itself, and a passing check never shows them.  ``args`` are read when the
    text is made: pass values nothing changes in between (a check fails where it is made)."""

    __slots__ = ("make", "args")

    def __init__(self, make: Callable[..., str], *args: Any) -> None:
        self.make, self.args = make, args

    def __str__(self) -> str:
        return str(self.make(*self.args))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


#: a check's description: text, or text made only if the check fails
What = str | Lazy


class Failure(AssertionError):
    """A property does not hold; ``message`` is for the student, ``hint`` points at a convention."""

    def __init__(
        self, message: str, *, hint: str = "", kind: str = "value", details: str = ""
    ) -> None:
        super().__init__(message)
        self.message, self.hint, self.kind, self.details = message, hint, kind, details
        self.trace: list[Any] = []  #: the student's answers up to the failure (diagnosis)


def fmt(x: Any, precision: int = 6, limit: int = 600) -> str:
    """A compact, truncated rendering of a value for feedback."""
    if isinstance(x, np.ndarray):
        with np.printoptions(precision=precision, threshold=40, edgeitems=3, linewidth=90):
            text = np.array2string(x, separator=", ")
        text = f"array({text})" if x.ndim else text
    elif isinstance(x, float):
        text = f"{x:.{precision}g}"
    elif isinstance(x, Unsupported):
        text = f"<a {x.type_name} object>"
    elif isinstance(x, tuple):
        text = (
            "("
            + ", ".join(fmt(v, precision, limit) for v in x)
            + ("," if len(x) == 1 else "")
            + ")"
        )
    elif isinstance(x, list):
        text = "[" + ", ".join(fmt(v, precision, limit) for v in x) + "]"
    else:
        text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fmt_input(x: Any) -> str:
    """A failing input as the student needs it to reproduce the failure: every float to full
    (shortest round-trip) precision and no entry elided up to 400 entries per array.  Larger
    inputs are summarised (shape and range), never silently cut mid-array."""
    if isinstance(x, np.ndarray) and x.size > 400:
        finite = x[np.isfinite(x)] if x.dtype.kind == "f" else x
        span = (
            f"values in [{fmt(float(finite.min()), 17)}, {fmt(float(finite.max()), 17)}]"
            if finite.size
            else "no finite values"
        )
        return f"<an array of shape {x.shape}, {span}>"
    if isinstance(x, np.ndarray):
        with np.printoptions(
            threshold=10_000, linewidth=100, formatter={"float_kind": lambda v: repr(float(v))}
        ):
            text = np.array2string(x, separator=", ")
        return f"array({text})" if x.ndim else text
    if isinstance(x, float):
        return repr(x)
    if isinstance(x, (tuple, list)):
        inner = ", ".join(fmt_input(v) for v in x)
        if isinstance(x, tuple):
            return "(" + inner + ("," if len(x) == 1 else "") + ")"
        return "[" + inner + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {fmt_input(v)}" for k, v in x.items()) + "}"
    return fmt(x, 17, 10_000)


def _type_name(x: Any) -> str:
    if isinstance(x, Unsupported):
        return f"a {x.type_name} object"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if x is None:
        return "None"
    return f"a {type(x).__name__}"


def array(
    x: Any,
    what: What,
    *,
    shape: Sequence[int] | None = None,
    finite: bool = True,
    dtype: str = "float",
) -> np.ndarray:
    """``x`` as a plain float64 (or int64 with dtype="int") array, after structural checks."""
    if type(x) is np.ndarray and x.dtype == np.float64 and dtype != "int":
        return _plain_floats(x, what, shape, finite)  # what the wire decodes: fewer steps
    return _any_array(x, what, shape, finite, dtype)


def _any_array(
    x: Any, what: What, shape: Sequence[int] | None, finite: bool, dtype: str
) -> np.ndarray:
    """``array`` for any value: every check, in the module's order."""
    if x is None:
        raise Failure(
            f"{what} returned None; expected a NumPy array"
            + (f" of shape {tuple(shape)}" if shape is not None else "")
            + ". Did you forget a `return`?",
            kind="type",
        )
    if isinstance(x, (list, tuple)) and not isinstance(x, np.ndarray):
        raise Failure(
            f"{what} returned {_type_name(x)}; expected a NumPy array "
            "(wrap it with np.asarray / np.array)",
            kind="type",
        )
    if isinstance(x, (bool, int, float)):
        x = np.asarray(x, dtype=np.float64)
    if not isinstance(x, np.ndarray):
        raise Failure(f"{what} returned {_type_name(x)}; expected a NumPy array", kind="type")
    if dtype == "int":
        if x.dtype.kind not in "iu":
            if x.dtype.kind == "f" and np.all(np.isfinite(x)) and np.all(x == np.round(x)):
                x = x.astype(np.int64)
            else:
                raise Failure(
                    f"{what} returned an array of dtype {x.dtype}; expected integer indices",
                    kind="type",
                )
        plain: np.ndarray = np.array(x, dtype=np.int64, copy=True)
    else:
        plain = np.array(x, dtype=np.float64, copy=True)
    if shape is not None and tuple(plain.shape) != tuple(shape):
        raise Failure(
            f"{what} has shape {tuple(plain.shape)}; expected shape {tuple(shape)}", kind="shape"
        )
    if finite and dtype != "int" and not np.all(np.isfinite(plain)):
        _not_finite(plain, what)
    return plain


def _plain_floats(
    x: np.ndarray, what: What, shape: Sequence[int] | None, finite: bool
) -> np.ndarray:
    """``array`` for an exact float64 ndarray: the same copy, checks and messages, without
    the type dispatch (tests/graders/test_compare.py holds both paths to one answer)."""
    plain = x.copy(order="K")  # what np.array(x, dtype=np.float64, copy=True) makes of it
    if shape is not None and plain.shape != (shape if type(shape) is tuple else tuple(shape)):
        raise Failure(
            f"{what} has shape {tuple(plain.shape)}; expected shape {tuple(shape)}", kind="shape"
        )
    if finite:
        # an inf or a NaN makes the sum non-finite, so a finite sum (a finite number minus
        # itself is 0) settles it; only a sum that overflowed needs the elementwise test
        total = sum(plain.reshape(-1).tolist()) if plain.size <= 64 else plain.sum()
        if not total - total == 0.0 and not np.isfinite(plain).all():
            _not_finite(plain, what)
    return plain


def _not_finite(plain: np.ndarray, what: What) -> None:
    """Fail the finite check: the first non-finite entry, and how many there are."""
    bad = np.argwhere(~np.isfinite(plain))
    where = tuple(int(i) for i in bad[0]) if plain.ndim else ()
    raise Failure(
        f"{what} contains {plain[where] if plain.ndim else plain} at index "
        f"{where} ({len(bad)} non-finite entr{'y' if len(bad) == 1 else 'ies'}); "
        "expected finite numbers",
        kind="finite",
    )


def scalar(x: Any, what: What, *, finite: bool = True) -> float:
    """``x`` as a Python float: accepts a number or a 0-d / one-element array."""
    if isinstance(x, bool) or x is None or isinstance(x, Unsupported):
        raise Failure(f"{what} returned {_type_name(x)}; expected a number (a float)", kind="type")
    if isinstance(x, np.ndarray):
        if x.size != 1:
            raise Failure(
                f"{what} returned {_type_name(x)}; expected a single number", kind="shape"
            )
        x = x.reshape(()).item()
    if not isinstance(x, (int, float)):
        raise Failure(f"{what} returned {_type_name(x)}; expected a number (a float)", kind="type")
    value = float(x)
    if finite and not np.isfinite(value):
        raise Failure(f"{what} is {value}; expected a finite number", kind="finite")
    return value


def sequence(x: Any, what: What, length: int | None = None) -> list[Any]:
    """``x`` as a list (a returned tuple or list), with an optional length check."""
    if not isinstance(x, (tuple, list)):
        raise Failure(
            f"{what} returned {_type_name(x)}; expected a tuple"
            + (f" of {length} items" if length is not None else ""),
            kind="type",
        )
    if length is not None and len(x) != length:
        raise Failure(f"{what} returned {len(x)} items; expected {length}", kind="shape")
    return list(x)


def close(
    got: Any, expected: Any, what: What, *, rtol: float = 1e-7, atol: float = 1e-10, hint: str = ""
) -> None:
    """Values agree entrywise within ``atol + rtol*|expected|``."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if e.shape != g.shape:
        e = np.broadcast_to(e, g.shape)
    with np.errstate(all="ignore"):
        err = np.abs(g - e)
        ok = (err <= atol + rtol * np.abs(e)) | (g == e)
    if np.all(ok):
        return
    err = np.where(np.isnan(err), np.inf, err)
    bad = np.where(ok, -1.0, err)
    idx = np.unravel_index(int(np.argmax(bad)), g.shape) if g.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if g.ndim else ""
    n_bad = int(np.sum(~ok))
    got_s, exp_s = fmt(float(g[idx])), fmt(float(e[idx]))
    if got_s == exp_s:  # differ beyond 6 digits: show them all
        got_s, exp_s = repr(float(g[idx])), repr(float(e[idx]))
    msg = (
        f"{what}: got {got_s}, expected {exp_s}{where} "
        f"(error {fmt(float(err[idx]), 3)}; tolerance {atol:g} + {rtol:g}·|expected|)"
    )
    if g.ndim and g.size > 1:
        msg += f"; {n_bad} of {g.size} entries differ"
    raise Failure(msg, hint=hint)


U = float(np.finfo(np.float64).eps) / 2  #: unit roundoff of float64, 2**-53


def within(
    got: Any, expected: Any, what: What, *, scale: Any, ulps: float = 256.0, hint: str = ""
) -> None:
    """Values agree entrywise within ``ulps · u · scale`` (the error model in the module
    docstring); ``scale`` is the magnitude the computation's rounding is relative to."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    s = np.abs(np.asarray(scale, dtype=np.float64))
    # the common case: no broadcast needed (a 0-d operand broadcasts anywhere), every entry
    # within its bound; anything else takes the full path, which also writes the message
    if (e.shape == g.shape or not e.ndim) and (s.shape == g.shape or not s.ndim):
        bound = ulps * U * s
        with np.errstate(all="ignore"):
            if (np.abs(g - e) <= bound).all():
                return
    _within(g, e, s, what, ulps, hint)


def _within(g: Array, e: Array, s: Array, what: What, ulps: float, hint: str) -> None:
    """``within``'s full path (``s``: the scale's magnitude): broadcast, judge, explain."""
    e = np.broadcast_to(e, g.shape)
    bound = ulps * U * np.broadcast_to(s, g.shape)
    with np.errstate(all="ignore"):
        err = np.abs(g - e)
        ok = (err <= bound) | (g == e)
    if np.all(ok):
        return
    err = np.where(np.isnan(err), np.inf, err)
    idx = np.unravel_index(int(np.argmax(np.where(ok, -1.0, err))), g.shape) if g.ndim else ()
    where = f" at index {tuple(int(i) for i in idx)}" if g.ndim else ""
    msg = (
        f"{what}: got {float(g[idx])!r}, expected {float(e[idx])!r}{where} "
        f"(error {fmt(float(err[idx]), 3)}; tolerance {fmt(float(bound[idx]), 3)} = "
        f"{ulps:g} rounding errors of the scale {fmt(float(bound[idx]) / (ulps * U), 3)})"
    )
    if g.ndim and g.size > 1:
        msg += f"; {int(np.sum(~ok))} of {g.size} entries differ"
    raise Failure(msg, hint=hint)


def scaled_atol(expected: Any, rel: float = 1e-10) -> float:
    """An absolute tolerance ``rel`` times the largest ``|entry|`` of a whole run: entries that
    cancel to ~0 carry rounding of the run's scale, not of their own (a run's error model
    says which ``rel``)."""
    return rel * float(np.max(np.abs(np.asarray(expected, dtype=np.float64)), initial=0.0))


def magnitude(*values: Any) -> float:
    """The largest finite ``|v|`` over all values (1.0 when there is none): a global scale."""
    flat = [np.abs(np.ravel(np.asarray(v, dtype=np.float64))) for v in values]
    v = np.concatenate(flat) if flat else np.zeros(0)
    v = v[np.isfinite(v)]
    m = float(v.max()) if v.size else 0.0
    return m if m > 0 else 1.0


def equal(got: Any, expected: Any, what: What, *, hint: str = "") -> None:
    """Exact equality of plain values (strings, integers, integer arrays)."""
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        g, e = np.asarray(got), np.asarray(expected)
        if g.shape != e.shape or not np.array_equal(g, e):
            raise Failure(f"{what}: got {fmt(g)}, expected {fmt(e)}", hint=hint)
        return
    if type(got) is not type(expected) or got != expected:
        raise Failure(f"{what}: got {fmt(got)}, expected {fmt(expected)}", hint=hint)


def holds(condition: bool, message: What, *, hint: str = "") -> None:
    """A defining property that is not a numeric comparison."""
    if not condition:
        raise Failure(str(message), hint=hint)


def rel_error(a: Any, b: Any) -> float:
    """CS231n's gradient-check error ``max |a-b| / max(1e-8, |a|+|b|)``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))
