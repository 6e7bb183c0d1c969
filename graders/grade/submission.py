"""What the judge grades: one student's files as bytes, with what discovery noticed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class Submission:
    """What the judge grades: the student's files as bytes (never their paths)."""

    student_id: str
    module: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  #: why it cannot be graded at all
    notes: list[str] = field(default_factory=list)  #: informational, shown to the student

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()
