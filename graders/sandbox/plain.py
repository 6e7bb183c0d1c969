"""How a worker process is started: resource limits and the launcher that contains it.

A launcher turns "run the worker zygote" into a command line.  ``PlainLauncher`` is the
fallback everywhere (a scrubbed environment, its own session/process group, rlimits set by the
worker before any student code runs).  ``graders.grade.bwrap`` adds Debian's bubblewrap
(namespaces, a read-only system, no network) where it can run; ``choose_launcher`` picks the
strongest one available and says which protections are active.

Plain launcher policy as root (Gradescope runs its autograder as root, often where bubblewrap
cannot create namespaces): session children run as an unprivileged uid of their own, the one
bubblewrap's sessions use (``bwrap.UID_BASE`` + the judge's pid), so student code reads only
what every user may read, writes only its own directory and world-writable places, and the
process limit applies.  That needs an interpreter every user can read (a system Python, or a
venv of one); with one under a private home (pyenv in /root) sessions stay root and the
launcher says so in its warnings.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import sysconfig
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from graders.errors import EnvironmentProblem

WORKER_FILES = ("worker.py", "protocol.py")
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Limits:
    """Limits on student code.  Defaults suit the course's exercises with a wide margin."""

    memory_bytes: int = 2 * 1024**3        #: RLIMIT_AS of the session's process
    cpu_seconds: int = 60                  #: RLIMIT_CPU of one session (one student)
    file_bytes: int = 16 * 1024**2         #: RLIMIT_FSIZE: largest file student code may write
    processes: int = 64                    #: RLIMIT_NPROC (not enforced for root outside a sandbox)
    open_files: int = 256                  #: RLIMIT_NOFILE
    call_seconds: float = 5.0              #: one call of a student function (worker's timer)
    import_seconds: float = 30.0           #: importing the student's module (torch: ~5 s)
    message_seconds: float = 30.0          #: judge's backstop for one request, timers ignored
    submission_seconds: float = 180.0      #: wall clock for a whole submission

    def for_worker(self) -> dict[str, float | int]:
        """The limits the worker applies itself (all plain numbers)."""
        keys = ("memory_bytes", "cpu_seconds", "file_bytes", "processes", "open_files",
                "call_seconds", "import_seconds")
        return {k: v for k, v in asdict(self).items() if k in keys}


def worker_env(home: str) -> dict[str, str]:
    """The whole environment of a worker: nothing of the grader's (no secrets, no paths)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


class Launcher(Protocol):
    name: str

    def command(self, worker_dir: Path, control_fd: int, workroot: str) -> list[str]:
        """The argv that starts the worker zygote."""
        ...

    def protections(self) -> list[str]:
        """Human-readable list of what this launcher enforces."""
        ...


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
    paths = {python, sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
             sysconfig.get_paths()["platlib"]}
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
            unreadable = [p for p in interpreter_paths(self.python)
                          if not readable_by_everyone(p)]
            self.warnings.append(
                "student code runs as root: an unprivileged uid could not read this Python "
                f"({', '.join(unreadable)[:200]}); use a system Python or bubblewrap")

    def session_uid(self) -> int | None:
        """The uid session children run as: as root, bubblewrap's per-judge uid, when this
        interpreter is readable by every user; otherwise None (the judge's own uid)."""
        if not self.as_root or not all(readable_by_everyone(p)
                                       for p in interpreter_paths(self.python)):
            return None
        from graders.grade.bwrap import UID_BASE  # bwrap imports this module

        return UID_BASE + os.getpid()

    def command(self, worker_dir: Path, control_fd: int, workroot: str) -> list[str]:
        """The argv of the zygote.  With a session uid, ``workroot`` becomes that uid's (the
        session writes its files there) and the zygote hands each session to it."""
        cmd = [self.python, "-I", "-B", str(worker_dir / "worker.py"),
               "--control-fd", str(control_fd), "--workroot", workroot]
        uid = self.session_uid()
        if uid is not None:
            os.chown(workroot, uid, uid)
            os.chmod(workroot, 0o700)
            cmd += ["--run-as", f"{uid}:{uid}"]
        return cmd

    def protections(self) -> list[str]:
        dropped = self.session_uid() is not None
        rows = ["separate worker process (plain data only crosses)",
                "resource limits: memory, CPU time, file size, open files"
                + (" (processes: NOT enforced, the kernel exempts root)"
                   if self.as_root and not dropped else ", processes"),
                "per-call and per-submission time limits (SIGKILL of the process group)",
                "scrubbed environment",
                "student code holds no capabilities and cannot gain any (no_new_privs)",
                "each student's files wiped before the next student; leftover processes "
                "killed by the worker (a child subreaper)"]
        if dropped:
            rows.append("student code runs as an unprivileged uid of its own: it reads only "
                        "what every user may read (keep graders, reference and results "
                        "private: mode 0700 or 0600)")
        rows.append("NO filesystem, network or pid isolation (bubblewrap not in use): student "
                    "code can read and write what "
                    + ("every user can" if dropped else "the judge's user can")
                    + (" (root)" if self.as_root and not dropped else ""))
        return rows


def stage_worker_files() -> Path:
    """Copy the worker's two files into a fresh private directory (all a sandbox exposes)."""
    target = Path(tempfile.mkdtemp(prefix="propgrade-worker-"))
    for name in WORKER_FILES:
        shutil.copyfile(HERE / name, target / name)
    os.chmod(target, 0o755)
    return target


def choose_launcher(kind: str = "auto") -> Launcher:
    """``auto``: bubblewrap when it works here, else plain (with a warning)."""
    if kind == "plain":
        return PlainLauncher()
    try:
        from graders.grade import bwrap
    except ImportError:
        bwrap = None  # type: ignore[assignment]
    if bwrap is not None:
        launcher = bwrap.BwrapLauncher.if_available()
        if launcher is not None:
            return launcher
        if kind == "bwrap":
            raise EnvironmentProblem("bubblewrap was requested but cannot run on this machine "
                                     "(see 'propgrade doctor')")
    plain = PlainLauncher()
    plain.warnings.append("bubblewrap is not available: student code runs without a "
                          "namespace sandbox (rlimits and a process group only)")
    return plain
