"""The sandbox limits an assignment is graded under: one answer for check, grade and the zip.

The manifest's ``[limits]`` (``memory_mb``, ``call_seconds``, ``submission_seconds``) decide,
each overridden by a command-line flag when one is given; the sandbox's defaults fill what
neither sets.  Engine layer: it joins the course (kit) and the sandbox's ``Limits``
(transport), which may not import each other.
"""

from __future__ import annotations

from graders import registry
from graders.sandbox.limits import Limits


def limits_for(
    assignment_id: str,
    *,
    memory_mb: int | None = None,
    call_seconds: float | None = None,
    submission_seconds: float | None = None,
) -> Limits:
    """The sandbox limits of ``assignment_id``: the manifest's ``[limits]``, each overridden
    by the argument when it is given (a command-line flag); the sandbox's defaults for what
    neither sets.  ``check``, ``grade`` and the Gradescope autograder all ask here."""
    spec = registry.get(assignment_id)
    base = Limits()
    mb = memory_mb if memory_mb is not None else spec.limits.get("memory_mb")
    call = call_seconds if call_seconds is not None else spec.limits.get("call_seconds")
    whole = (
        submission_seconds
        if submission_seconds is not None
        else spec.limits.get("submission_seconds")
    )
    return Limits(
        memory_bytes=int(mb * 1024**2) if mb is not None else base.memory_bytes,
        call_seconds=float(call) if call is not None else base.call_seconds,
        submission_seconds=float(whole) if whole is not None else base.submission_seconds,
    )
