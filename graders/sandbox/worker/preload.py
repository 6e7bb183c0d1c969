"""The preload store: messages every session is sent, decoded once by the zygote.

A property's first round of calls on the shared examples is the same message for every
student.  The judge sends it to the zygote once (``{"op": "preload", "id": n, "frame": ...}``);
the zygote decodes it and keeps it here, so every session forked afterwards inherits the
decoded copy and is sent only ``{"op": "preloaded", "id": n}``.  The messages hold the
judge's inputs, never expected values.

``import_modules`` is the other thing a zygote holds for its children: modules imported once,
before confinement and before any student code (NumPy always; torch in the zygote the judge
starts for submissions that import it, see ``graders.sandbox.needs``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import Any

from .. import protocol


def _settle_torch(torch: Any) -> None:
    # one intra-op thread, as OMP_NUM_THREADS=1 already asks (launcher.worker_env): torch
    # starts its OpenMP and inter-op pools lazily, at the first parallel op, so after this
    # the zygote has no thread but its own and forking it is safe
    torch.set_num_threads(1)


#: what a module needs, once imported, for the zygote to stay safe to fork
SETTLE = {"torch": _settle_torch}


def import_modules(names: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Import each of ``names`` now: ``({name: version}, {name: why it failed})``.  A module
    that cannot be imported is reported, not fatal: sessions then import it themselves."""
    loaded: dict[str, str] = {}
    missing: dict[str, str] = {}
    for name in names:
        try:
            module = importlib.import_module(name)
            settle = SETTLE.get(name)
            if settle is not None:
                settle(module)
        except Exception as exc:  # noqa: BLE001 - a broken install may raise anything
            missing[name] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        loaded[name] = str(getattr(module, "__version__", ""))
    return loaded, missing


def thread_count() -> int:
    """This process's threads, native ones included (a fork copies only the caller's)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1


class PreloadStore:
    """Number -> (frame, decoded message or None): the zygote fills it, each child empties
    what it uses (its own copy, after the fork)."""

    def __init__(self) -> None:
        self._messages: dict[int, tuple[bytes, dict | None]] = {}

    def add(self, request: dict) -> dict:
        """Zygote side of a preload: decode the judge's frame now, keep it for future forks;
        returns the reply for the judge."""
        number, frame = request.get("id"), request.get("frame")
        if type(number) is not int or type(frame) is not bytes:
            return {"error": "preload needs an id and a frame"}
        try:
            message = protocol.decode(frame)
        except protocol.ProtocolError as exc:
            return {"error": f"preload: {exc}"}
        if not isinstance(message, dict) or message.get("op") != "map":
            return {"error": "preload: not a map message"}
        self._messages[number] = (frame, message)
        return {"preloaded": number}

    def take(self, number: Any) -> dict | None:
        """The preloaded message ``number``: the decoded copy the first time, then (should the
        judge send it again) a fresh decoding, so student code never sees an input it
        changed."""
        entry = self._messages.get(number) if type(number) is int else None
        if entry is None:
            return None
        frame, decoded = entry
        self._messages[number] = (frame, None)
        return decoded if decoded is not None else protocol.decode(frame)
