"""An in-process stand-in for a worker session, for *trusted* code only.

Runs the reference, catalog mutants and variants directly in the judge (misconception
diagnosis, fast tests).  Same ``map`` contract as ``client.Session``: Refs resolve to earlier
results of the batch, values go through the wire codec (so they come back exactly as plain
data, the way a worker's would), errors become ``Reply.error``.  Never used for student code.
"""

from __future__ import annotations

import traceback
import types
from collections.abc import Sequence
from typing import Any

import numpy as np

from graders.sandbox import protocol
from graders.sandbox.protocol import Call
from graders.sandbox.reply import Reply


def resolve(x: Any, results: list[Any], base: int = 0) -> Any:
    """``x`` with each Ref replaced by the earlier result it names (call ``base + ref.call``;
    lists and tuples walked); a Ref to a failed call raises."""
    if isinstance(x, protocol.Ref):
        value = results[base + x.call]
        if isinstance(value, _Failed):
            raise _Failed
        return value if x.item is None else value[x.item]
    if isinstance(x, list):
        return [resolve(v, results, base) for v in x]
    if isinstance(x, tuple):
        return tuple(resolve(v, results, base) for v in x)
    return x


class _Failed(Exception):
    pass


def _copy(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, list):
        return [_copy(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_copy(v) for v in x)
    return x


class LocalSession:
    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.output: list[str] = []
        self.functions = {n for n in dir(module) if callable(getattr(module, n))}

    def map(
        self, calls: Sequence[Call], seconds: float | None = None, cache_key: Any = None
    ) -> list[Reply]:
        """``client.Session.map``'s contract (``cache_key``: nothing to cache in process)."""
        results: list[Any] = []
        replies: list[Reply] = []
        for call in calls:
            if replies and replies[-1].error is not None:  # the first failure ends the message
                results.append(_Failed())
                replies.append(
                    Reply(
                        error={"type": "Skipped", "message": "earlier call failed", "traceback": ""}
                    )
                )
                continue
            try:
                args = _copy(resolve(list(call.args), results, call.base))
                kwargs = {k: _copy(resolve(v, results, call.base)) for k, v in call.kwargs.items()}
                value = getattr(self.module, call.fn)(*args, **kwargs)
                plain = protocol.decode(protocol.encode(value)[0:])
            except _Failed:
                results.append(_Failed())
                replies.append(
                    Reply(
                        error={"type": "Skipped", "message": "earlier call failed", "traceback": ""}
                    )
                )
                continue
            except Exception as exc:  # noqa: BLE001
                results.append(_Failed())
                replies.append(
                    Reply(
                        error={
                            "type": type(exc).__name__,
                            "message": str(exc),
                            "traceback": traceback.format_exc(limit=3),
                        }
                    )
                )
                continue
            results.append(value)
            replies.append(Reply(value=plain))
        return replies

    def close(self) -> None:
        pass
