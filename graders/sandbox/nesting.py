"""How deep a message nests: the bound ``protocol.decode`` enforces, read cheaply.

Staged with the worker beside ``protocol`` (standard library and NumPy only): both sides
of the trust boundary refuse a value nested past ``MAX_DEPTH``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_DEPTH = 32
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def json_depth(header: bytes) -> int:
    """How deep a JSON text's arrays and objects nest, brackets inside strings not counted
    (exact for valid JSON; the parser refuses the rest).  In JSON a backslash occurs only
    inside a string, where it starts an escape, so deleting each ``\\\\`` pair and then each
    ``\\"`` leaves only the quotes that delimit strings."""
    if header.count(b"[") + header.count(b"{") <= MAX_DEPTH:
        return MAX_DEPTH  # too few brackets to nest deeper (small messages)
    text = header.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in header else header
    outside = b"".join(text.split(b'"')[::2]).translate(None, _NOT_BRACKETS)
    steps = np.frombuffer(outside, dtype=np.uint8)
    return int(np.cumsum(np.where((steps == 0x5B) | (steps == 0x7B), 1, -1)).max(initial=0))


def too_deep(x: Any, depth: int) -> bool:
    """A container below ``MAX_DEPTH`` in a decoded value (each list, tuple or dict one
    level, as ``protocol`` counts them)."""
    t = type(x)
    if t is list or t is tuple or t is dict:
        return depth > MAX_DEPTH or any(
            too_deep(v, depth + 1) for v in (x.values() if t is dict else x)
        )
    return False
