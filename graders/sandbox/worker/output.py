"""What student code prints in a session: captured, capped, and never shown with the session's
private directory in it (``session.SessionServer`` sends it with each reply as ``"out"``)."""

from __future__ import annotations

import io
from typing import Any

from .values import exact_str

OUTPUT_CAP = 16_000  # with its "dropped" notice, within the 16_384 the runner keeps


class CappedText(io.TextIOBase):
    """sys.stdout/sys.stderr for student code: keeps the first OUTPUT_CAP characters."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0
        self.strip = ""  # the session's private directory: never shown (it varies per run)

    def writable(self) -> bool:
        return True

    def write(self, s: Any) -> int:
        s = exact_str(s if isinstance(s, str) else str(s))
        room = OUTPUT_CAP - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def take(self) -> str:
        text = "".join(self.parts).replace(self.strip, "") if self.strip else "".join(self.parts)
        self.parts = []
        if self.dropped:
            text += f"\n... ({self.dropped} more characters of output dropped)"
            self.dropped = 0
        return text
