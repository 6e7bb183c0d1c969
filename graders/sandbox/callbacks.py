"""Function arguments across the boundary: judge functions a student's function calls back.

A call's argument that is a judge-side function (``grad_fn`` of ``gradient_descent``) never
crosses: the encoder replaces it with a ``protocol.Callback`` marker
(``protocol.encode(message, functions)``), the worker hands the student a stand-in, and
either the stand-in asks the judge, which evaluates the function on ``plain_argument`` copies
of what student code passed (numbers and arrays only), one round trip per call; or the
function is **data** and the worker evaluates it itself.

A data function is any callable with a ``callback_spec``: a dict naming a kind of the
fixed library both sides run (``graders.sandbox.kinds.KINDS``) and holding its arrays,
e.g. ``{"kind": "quadratic", "A": A, "b": b}``.  ``kinds.DataFunction`` is one: its call runs
the very kind function the worker runs, so the student sees the same values either way.  The
map message carries the specs (``"functions"``, one per Callback key, ``None`` for a function
that is not data).
Nothing the worker computes is trusted: the judge checks every result against its own run.
A message whose functions are all data is the same for every student, so it may be cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graders.sandbox import protocol
from graders.sandbox.kinds import valid_spec
from graders.sandbox.protocol import Call
from graders.sandbox.worker.functions import plain_argument

__all__ = ["encode_map", "is_data", "plain_argument", "spec_of"]


def spec_of(function: Callable) -> dict | None:
    """The data description of a judge function, or None when it is not (only) data."""
    spec = getattr(function, "callback_spec", None)
    return spec if valid_spec(spec) else None


def is_data(function: Callable) -> bool:
    return spec_of(function) is not None


def encode_map(calls: Sequence[Call]) -> tuple[bytes, list[Callable]]:
    """The frame of a map message of ``calls`` and its judge functions (numbered as the
    encoder meets them); the specs of those that are data ride in the same message."""
    callbacks: list[Callable] = []
    wire = [{"fn": c.fn, "args": list(c.args), "kwargs": c.kwargs, "base": c.base} for c in calls]
    message: dict[str, Any] = {"op": "map", "calls": wire}
    frame = protocol.encode(message, callbacks)
    specs = [spec_of(f) for f in callbacks]
    if any(s is not None for s in specs):  # again, with the specs (the same numbering)
        message["functions"] = specs
        frame = protocol.encode(message, callbacks[:0])
    return frame, callbacks
