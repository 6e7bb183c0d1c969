"""The limits student code runs under: the worker enforces some, the judge the rest."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """Limits on student code.  Defaults suit the course's exercises with a wide margin."""

    memory_bytes: int = 2 * 1024**3  #: RLIMIT_AS of the session's process
    cpu_seconds: int = 60  #: RLIMIT_CPU of one session (one student)
    file_bytes: int = 16 * 1024**2  #: RLIMIT_FSIZE: largest file student code may write
    processes: int = 64  #: RLIMIT_NPROC (not enforced for root outside a sandbox)
    open_files: int = 256  #: RLIMIT_NOFILE
    call_seconds: float = 5.0  #: one call of a student function (worker's timer)
    import_seconds: float = 30.0  #: importing the student's module (torch: ~5 s)
    message_seconds: float = 30.0  #: judge's backstop for one request, timers ignored
    submission_seconds: float = 180.0  #: wall clock for a whole submission

    def for_worker(self) -> dict[str, float | int]:
        """The limits the worker applies itself (all plain numbers)."""
        keys = (
            "memory_bytes",
            "cpu_seconds",
            "file_bytes",
            "processes",
            "open_files",
            "call_seconds",
            "import_seconds",
        )
        return {k: v for k, v in asdict(self).items() if k in keys}
