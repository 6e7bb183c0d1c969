"""Function arguments in the worker: the stand-ins a student's function receives for them.

A judge-side function argument (``grad_fn`` of ``gradient_descent``) crosses as a
``protocol.Callback`` marker.  Its stand-in (:class:`FunctionArguments` makes one per marker)
either asks the judge, one round trip per call (``{"callback": key, "args": [...]}``, answered
``{"value": ...}`` or ``{"error": ...}``), or, when the map message describes the function as
data (``"functions"``: per callback key, ``None`` or a spec such as ``{"kind": "quadratic",
"A": A, "b": b}``; a shape is a list of ints), evaluates it here with the small fixed library of ``graders.sandbox.kinds``.

A data stand-in answers exactly as the judge would: the student's arguments take the way
they take to the judge (``plain``, the wire codec, :func:`plain_argument`), the kind runs the
judge-side function's NumPy operations in the same order, a failure becomes the same
``ValueError``, and each answer is a fresh array.  The evaluation's warnings and
floating-point errors stay out of the student's call, as they stay in the judge's process
on the other road.  A call the kinds do not describe (not one positional argument) is asked
of the judge, whose own function answers it.  Nothing here is trusted: the judge checks
every trajectory against its own run, so a student who changes these functions only fails.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import protocol
from ..kinds import KINDS, valid_spec
from .values import plain

_F8 = np.dtype(np.float64)
_errstate = np.errstate  # bound before any student code runs (a module may rebind numpy's)
MESSAGE_CHARS = 500  #: the judge keeps this much of a failing function's message


def plain_argument(x: Any) -> Any:
    """Arguments from student code to a judge function: numbers and arrays only (what the
    judge applies to each decoded argument, and a data stand-in to each wire copy)."""
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


def wire_copy(x: Any) -> Any:
    """What the judge decodes of ``x`` when a stand-in sends it (``plain``, then the codec;
    raises as sending would)."""
    if type(x) is np.ndarray and x.dtype == _F8:  # the usual case: the codec's bits, directly
        return np.ndarray.copy(x)  # C order, as the codec writes and reads it
    return protocol.decode(protocol.encode(plain(x)))


def _stand_in(key: int, function: Callable[..., Any]) -> Callable[..., Any]:
    """Name a stand-in as it always was named: the TypeErrors of a call with keywords read
    the same whichever stand-in the student holds."""
    function.__name__ = f"f{key}"
    function.__qualname__ = "_judge_function.<locals>.judge_function"
    return function


def judge_function(key: int, sock: socket.socket) -> Callable[..., Any]:
    """A function argument of the student's function: evaluated by the judge, on request."""

    def ask(*args: Any) -> Any:
        protocol.send(sock, {"callback": key, "args": [plain(a) for a in args]})
        reply = protocol.recv(sock)
        if "error" in reply:
            raise ValueError(reply["error"])
        return reply["value"]

    return _stand_in(key, ask)


def data_function(key: int, spec: dict, sock: socket.socket) -> Callable[..., Any]:
    """A function argument described by ``spec`` (``valid_spec``): evaluated here, as the
    judge evaluates it (``graders.sandbox.client.Session``'s answer to a callback)."""
    evaluate = KINDS[spec["kind"]][0]
    ask_judge = judge_function(key, sock)

    def local(*args: Any) -> Any:
        if len(args) != 1:  # the judge function's own arity error, in its own words
            return ask_judge(*args)
        theta = wire_copy(args[0])
        try:
            # under numpy's default error state, whatever the student set: the judge's
            # warnings and floating-point errors are not the student's call's
            with _errstate(all="ignore"):
                value = evaluate(spec, plain_argument(theta))
        except Exception as exc:  # noqa: BLE001 - the judge answers any failure so
            raise ValueError(f"{exc}"[:MESSAGE_CHARS]) from None
        # a fresh array or float, as decoded from the judge's answer (the kinds make new ones)
        if type(value) is float or (type(value) is np.ndarray and value.dtype == _F8):
            return value
        return wire_copy(value)

    return _stand_in(key, local)


class FunctionArguments:
    """The stand-ins of one map message's function arguments: ``self(key)`` for the
    Callback ``key``, a data stand-in where the message's ``functions`` describe it."""

    def __init__(self, sock: socket.socket, specs: Any = None) -> None:
        self.sock = sock
        self.specs = specs if type(specs) is list else []

    def __call__(self, key: int) -> Callable[..., Any]:
        spec = self.specs[key] if type(key) is int and 0 <= key < len(self.specs) else None
        if valid_spec(spec):
            return data_function(key, spec, self.sock)
        return judge_function(key, self.sock)
