"""The plain launcher: the worker zygote without namespaces, the fallback everywhere.

A scrubbed environment, its own session/process group, rlimits set by the worker before any
student code runs.  ``graders.sandbox.bwrap`` adds Debian's bubblewrap (namespaces, a
read-only system, no network) where it can run; ``graders.sandbox.policy.choose_launcher``
picks the strongest one available and says which protections are active.

Policy as root (Gradescope runs its autograder as root, often where bubblewrap cannot create
namespaces): session children run as an unprivileged uid of their own, the one bubblewrap's
sessions use (``launcher.UID_BASE`` + the judge's pid), so student code reads only what every
user may read, writes only its own directory and world-writable places, and the process limit
applies.  That needs an interpreter every user can read (a system Python, or a venv of one);
with one under a private home (pyenv in /root) sessions stay root and the launcher says so in
its warnings.
"""

from __future__ import annotations

import os
import stat
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graders.sandbox.launcher import UID_BASE, worker_command


def readable_by_everyone(path: str) -> bool:
    """Whether any user may read ``path`` (and pass through every folder above it), judged
    from the mode bits: as root, ``os.access`` would answer for root."""
    path = os.path.realpath(path)
    try:
        mode = os.stat(path).st_mode
        parents = [os.path.dirname(path)]
        while parents[-1] not in ("/", ""):
            parents.append(os.path.dirname(parents[-1]))
        if not all(os.stat(p).st_mode & stat.S_IXOTH for p in parents):
            return False
    except OSError:
        return False
    need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
    return mode & need == need


def interpreter_paths(python: str = sys.executable) -> list[str]:
    """What a session child reads to import modules: the interpreter, stdlib, site-packages."""
    paths = {
        python,
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
    }
    return sorted(p for p in paths if os.path.exists(p))


@dataclass
class PlainLauncher:
    """No namespaces: a scrubbed environment, rlimits and a process group of its own; as root,
    sessions run as an unprivileged uid (see the module docstring)."""

    python: str = sys.executable
    name: str = "plain"
    warnings: list[str] = field(default_factory=list)
    as_root: bool = field(default_factory=lambda: os.geteuid() == 0)

    def __post_init__(self) -> None:
        if self.as_root and self.session_uid() is None:
            unreadable = [p for p in interpreter_paths(self.python) if not readable_by_everyone(p)]
            self.warnings.append(
                "student code runs as root: an unprivileged uid could not read this Python "
                f"({', '.join(unreadable)[:200]}); use a system Python or bubblewrap"
            )

    def session_uid(self) -> int | None:
        """The uid session children run as: as root, bubblewrap's per-judge uid, when this
        interpreter is readable by every user; otherwise None (the judge's own uid)."""
        if not self.as_root or not all(
            readable_by_everyone(p) for p in interpreter_paths(self.python)
        ):
            return None
        return UID_BASE + os.getpid()

    def command(
        self, worker_dir: Path, control_fd: int, workroot: str, modules: Sequence[str] = ()
    ) -> list[str]:
        """The argv of the zygote.  With a session uid, ``workroot`` becomes that uid's (the
        session writes its files there) and the zygote hands each session to it."""
        cmd = worker_command(self.python, worker_dir, control_fd, workroot, modules)
        uid = self.session_uid()
        if uid is not None:
            os.chown(workroot, uid, uid)
            os.chmod(workroot, 0o700)
            cmd += ["--run-as", f"{uid}:{uid}"]
        return cmd

    def protections(self) -> list[str]:
        dropped = self.session_uid() is not None
        rows = [
            "separate worker process (plain data only crosses)",
            "resource limits: memory, CPU time, file size, open files"
            + (
                " (processes: NOT enforced, the kernel exempts root)"
                if self.as_root and not dropped
                else ", processes"
            ),
            "per-call and per-submission time limits (SIGKILL of the process group)",
            "scrubbed environment",
            "student code holds no capabilities and cannot gain any (no_new_privs)",
            "each student's files wiped before the next student; leftover processes "
            "killed by the worker (a child subreaper)",
        ]
        if dropped:
            rows.append(
                "student code runs as an unprivileged uid of its own: it reads only "
                "what every user may read (keep graders, reference and results "
                "private: mode 0700 or 0600)"
            )
        rows.append(
            "NO filesystem, network or pid isolation (bubblewrap not in use): student "
            "code can read and write what "
            + ("every user can" if dropped else "the judge's user can")
            + (" (root)" if self.as_root and not dropped else "")
        )
        return rows
