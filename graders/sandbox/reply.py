"""What a session's request ends in: a call's ``Reply``, or why the session ended.

Shared by the judge's two session kinds (``client.Session`` on a worker, ``local.LocalSession``
in-process for trusted code), so the engine reads one type whichever ran the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_WARNINGS, MAX_WARNING_CHARS = 5, 300  #: per call: the worker's caps, enforced again here


class WorkerDied(Exception):
    """The session's process ended while the judge waited (crash, os._exit, kill)."""


class WorkerTimeout(Exception):
    """A request overran the judge's backstop; the session was killed."""


class SessionBroken(Exception):
    """A malformed reply: the session cannot be trusted to continue."""


@dataclass
class Reply:
    """What one call produced: a value, or an error reported by the worker.

    ``warnings``: the warnings the call emitted (those Python's warnings machinery would show
    under the student's own settings), distinct, each as ``"Category: message"``.
    """

    value: Any = None
    error: dict | None = None
    mutated: bool = False
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()


SIGNAL_NAMES = {
    4: "an illegal instruction",
    6: "an abort",
    7: "a bus error",
    8: "a floating-point exception",
    9: "being killed (SIGKILL, e.g. a resource limit)",
    11: "a segmentation fault (often runaway recursion)",
    24: "exceeding its CPU-time limit",
    25: "writing a file over the size limit",
}


def describe_exit(report: dict) -> str:
    """A student-readable reason for a worker child's death."""
    if "signal" in report:
        sig = report["signal"]
        return f"your code crashed the worker process with {SIGNAL_NAMES.get(sig, f'signal {sig}')}"
    return f"your code ended the worker process (exit status {report.get('code')})"


def reply_from_entry(entry: Any) -> Reply:
    """One entry of a worker's ``results``, re-validated: only the expected keys and types,
    strings and lists capped (the worker's caps are not trusted)."""
    if not isinstance(entry, dict):
        return Reply(error={"type": "ProtocolError", "message": "malformed reply"})
    if "error" in entry:
        err = entry["error"] if isinstance(entry["error"], dict) else {}
        return Reply(
            error={k: str(err.get(k, ""))[:4000] for k in ("type", "message", "traceback")}
        )
    seconds = entry.get("seconds", 0.0)
    said = entry.get("warnings")
    return Reply(
        value=entry.get("value"),
        mutated=bool(entry.get("mutated", False)),
        seconds=float(seconds) if isinstance(seconds, (int, float)) else 0.0,
        warnings=tuple(w[:MAX_WARNING_CHARS] for w in said[:MAX_WARNINGS] if isinstance(w, str))
        if isinstance(said, list)
        else (),
    )


def replies_from(reply: dict, n: int) -> list[Reply] | None:
    """The ``Reply`` of each of ``n`` calls from a worker's map reply (``{"values": [...],
    "reports": [[i, report], ...]}``, see ``graders.sandbox.worker.session``); None when it
    is malformed.  A call without a report is its value alone (the common case: one
    ``Reply`` each, no entry to re-validate); a report is re-validated as an entry."""
    values, reports = reply.get("values"), reply.get("reports")
    if type(values) is not list or len(values) != n or type(reports) is not list:
        return None
    replies = [Reply(v) for v in values]
    for item in reports:
        if type(item) is not list or len(item) != 2 or type(item[0]) is not int:
            return None
        i, entry = item
        if not 0 <= i < n:
            return None
        if isinstance(entry, dict) and "error" not in entry:
            entry = {**entry, "value": values[i]}
        replies[i] = reply_from_entry(entry)
    return replies
