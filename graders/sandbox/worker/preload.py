"""The preload store: messages every session is sent, decoded once by the zygote.

A property's first round of calls on the shared examples is the same message for every
student.  The judge sends it to the zygote once (``{"op": "preload", "id": n, "frame": ...}``);
the zygote decodes it and keeps it here, so every session forked afterwards inherits the
decoded copy and is sent only ``{"op": "preloaded", "id": n}``.  The messages hold the
judge's inputs, never expected values.
"""

from __future__ import annotations

from typing import Any

from .. import protocol


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
