"""The bubblewrap launcher: the worker zygote inside Debian's ``bwrap`` sandbox.

What the sandbox shows the worker, read-only: ``/usr`` (and the host's ``/lib``, ``/bin``...
symlinks), the dynamic loader's few files from ``/etc``, the Python installation and its
site-packages (NumPy, torch), and the staged worker directory (``protocol.py`` and the
``worker`` package, see ``graders.sandbox.launcher``) at ``/worker``.  Writable: a private,
size-capped ``/tmp``.  Nothing else: not the repository (``reference/``, ``graders/``), not
the submissions, not OUT, not any home directory.  The student's files never exist on disk outside the sandbox: they arrive as bytes
over the session socket.

Namespaces: network (no interface up, loopback included, when we may take ``lo`` down), pid
(the zygote is pid 2; when bwrap's pid 1 dies every process in the sandbox dies), ipc, uts,
cgroup, and a user namespace when not run as root.  ``--die-with-parent`` ties the sandbox to
the judge; ``--new-session`` detaches it from any terminal.

As root, bwrap keeps every capability unless told otherwise (bubblewrap issue #561), and the
kernel never applies RLIMIT_NPROC to uid 0.  So as root: ``--cap-drop ALL``, then only what
the zygote needs to hand each session to an unprivileged uid of its own (SETUID, SETGID,
SETPCAP to empty the child's bounding set), to sweep that uid's leftovers (KILL,
DAC_OVERRIDE) and to take ``lo`` down once (NET_ADMIN, given up at once).  The session child
drops to that uid, which leaves it no capabilities at all and makes the process limit real.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graders.sandbox import probes
from graders.sandbox.launcher import UID_BASE, worker_command, worker_env

SANDBOX_WORKER_DIR = "/worker"
SANDBOX_TMP = "/tmp"
#: the capabilities the zygote starts with when bwrap runs as root (it keeps all but the last)
ZYGOTE_CAPS = (
    "CAP_DAC_OVERRIDE",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_NET_ADMIN",
)
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/alternatives",
)
ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: covered inside the sandbox where an install puts them (assignments/: the source notebooks
#: hold the solutions)
PROPGRADE_PACKAGES = ("graders", "reference", "exercises", "assignments")
#: what of a Python prefix (a venv, an installation) the interpreter needs
PREFIX_ENTRIES = ("bin", "lib", "lib64", "pyvenv.cfg")


def find_bwrap() -> str | None:
    """The bwrap executable, if one is installed."""
    return shutil.which("bwrap") or next(
        (p for p in ("/usr/bin/bwrap", "/usr/local/bin/bwrap") if os.access(p, os.X_OK)), None
    )


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _parents(paths: list[str]) -> list[str]:
    """Every proper ancestor directory of ``paths`` except ``/``, parents first."""
    out: set[str] = set()
    for p in paths:
        parent = os.path.dirname(p.rstrip("/"))
        while parent not in ("/", ""):
            out.add(parent)
            parent = os.path.dirname(parent)
    return sorted(out, key=lambda p: (p.count("/"), p))


def python_mounts(
    python: str = sys.executable,
) -> tuple[list[str], list[tuple[str, str]], list[str], list[str]]:
    """(paths to bind read-only, symlinks to recreate, directories to hide, files to hide).

    From each of the interpreter's prefixes (a venv and the installation it points to) only
    ``bin``, ``lib`` (stdlib, site-packages) and ``pyvenv.cfg`` are bound, at their own paths,
    so a venv works unchanged and nothing else kept beside it (a repository holding the venv)
    shows.  Anything of propgrade visible through them is hidden again: the packages of a
    regular install (``site-packages/graders`` ...), and the finder and ``.pth`` files of an
    editable install (which name the repository).
    """
    exe_prefix = os.path.dirname(os.path.dirname(os.path.realpath(python)))
    prefixes = {
        os.path.realpath(p)
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, exe_prefix)
    }
    # the venv is reached through its own (unresolved) path, where pyvenv.cfg is looked up
    prefixes |= {os.path.abspath(sys.prefix)}
    binds: list[str] = []
    links: list[tuple[str, str]] = []
    for prefix in sorted(p for p in prefixes if not _under(p, "/usr") and p != "/"):
        for entry in PREFIX_ENTRIES:
            path = os.path.join(prefix, entry)
            if os.path.islink(path):
                links.append((os.readlink(path), path))
            elif os.path.exists(path):
                binds.append(path)
    binds = [p for p in binds if not any(q != p and _under(p, q) for q in binds)]
    links = [(t, p) for t, p in links if not any(_under(p, q) for q in binds)]
    hide_dirs: list[str] = []
    for name in PROPGRADE_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        for loc in (spec.submodule_search_locations or []) if spec else []:
            loc = os.path.realpath(loc)
            if any(_under(loc, b) for b in binds + ["/usr"]):
                hide_dirs.append(loc)
    hide_files: list[str] = []
    for b in binds:
        for site in Path(b).glob("python3*/site-packages") if b.endswith("/lib") else []:
            for f in site.iterdir():
                if f.name.startswith("__editable__") or (
                    f.suffix == ".pth" and "propgrade" in f.name.lower()
                ):
                    hide_files.append(str(f))
    return binds, links, sorted(set(hide_dirs)), sorted(hide_files)


@dataclass
class BwrapLauncher:
    """Start the worker zygote inside bubblewrap (see the module docstring)."""

    bwrap: str
    python: str = sys.executable
    name: str = "bwrap"
    tmp_bytes: int = 512 * 1024**2  #: size of the sandbox's private /tmp
    as_root: bool = field(default_factory=lambda: os.geteuid() == 0)
    warnings: list[str] = field(default_factory=list)

    def session_uid(self) -> int | None:
        """The uid session children run as (root only; otherwise the caller's own uid)."""
        return UID_BASE + os.getpid() if self.as_root else None

    def sandbox_args(self, worker_dir: Path | None) -> list[str]:
        """bwrap's options: namespaces, the read-only filesystem, environment, capabilities."""
        args = [
            self.bwrap,
            "--unshare-net",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "sandbox",
            "--die-with-parent",
            "--new-session",
        ]
        if not self.as_root:
            args += ["--unshare-user", "--disable-userns"]
        args += self._filesystem_args()
        if worker_dir is not None:
            args += ["--ro-bind", str(worker_dir), SANDBOX_WORKER_DIR]
        args += [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--remount-ro",
            "/dev",
            "--remount-ro",
            "/",
            "--chdir",
            SANDBOX_TMP,
            "--clearenv",
        ]
        for key, value in worker_env(SANDBOX_TMP).items():
            args += ["--setenv", key, value]
        if self.as_root:
            args += ["--cap-drop", "ALL"]
            for cap in ZYGOTE_CAPS:
                args += ["--cap-add", cap]
        return args

    def _filesystem_args(self) -> list[str]:
        """The private /tmp, the read-only system and Python, and what of propgrade is hidden
        again (see ``python_mounts``)."""
        binds, links, hide_dirs, hide_files = python_mounts(self.python)
        etc = [p for p in ETC_FILES if os.path.exists(p)]
        # the private /tmp first: mounted later, it would hide a venv that lives under /tmp
        args = ["--perms", "1777", "--size", str(self.tmp_bytes), "--tmpfs", SANDBOX_TMP]
        # bwrap makes missing parents 0700: the session's uid could not pass through them
        for parent in _parents([*binds, *etc]):
            if parent != SANDBOX_TMP:
                args += ["--perms", "0755", "--dir", parent]
        args += ["--ro-bind", "/usr", "/usr"]
        for link in ROOT_LINKS:
            if os.path.islink(link):
                args += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                args += ["--ro-bind", link, link]
        for path in [*etc, *binds]:
            args += ["--ro-bind", path, path]
        for target, path in links:
            args += ["--symlink", target, path]
        for path in hide_dirs:
            args += ["--tmpfs", path]
        for path in hide_files:
            args += ["--ro-bind", "/dev/null", path]
        return args

    def command(
        self, worker_dir: Path, control_fd: int, workroot: str, modules: Sequence[str] = ()
    ) -> list[str]:
        """The argv of the zygote; ``workroot`` (a host directory) is replaced by /tmp."""
        cmd = [
            *self.sandbox_args(worker_dir),
            "--",
            *worker_command(self.python, SANDBOX_WORKER_DIR, control_fd, SANDBOX_TMP, modules),
            "--private-tmp",
        ]
        uid = self.session_uid()
        if uid is not None:
            cmd += ["--run-as", f"{uid}:{uid}"]
        return cmd

    def protections(self) -> list[str]:
        rows = [
            "separate worker process (plain data only crosses)",
            "bubblewrap: private pid namespace (every process dies with the sandbox)",
            "bubblewrap: private network namespace"
            + (
                ", no interface up (loopback included)"
                if self.as_root
                else ", loopback only (private to the sandbox)"
            ),
            "bubblewrap: read-only system; only Python, site-packages and the worker "
            "visible (no repository, reference, graders, submissions or OUT)",
            "bubblewrap: private size-capped /tmp, wiped before every student",
            "scrubbed environment",
            "resource limits: memory, CPU time, file size, open files, processes",
            "per-call and per-submission time limits",
        ]
        if self.as_root:
            rows.append(
                "student code runs as an unprivileged uid with no capabilities "
                "(so the process limit is enforced)"
            )
        else:
            rows.append("user namespace; no capabilities; no nested user namespaces")
        return rows

    @classmethod
    def if_available(cls) -> BwrapLauncher | None:
        """A launcher when bubblewrap works on this machine (tried once per process)."""
        ok, _reason = probe()
        path = find_bwrap()
        return cls(path) if ok and path else None


@functools.lru_cache(maxsize=1)
def probe() -> tuple[bool, str]:
    """Run the real sandbox once (import NumPy, drop to the session uid): (works, why not)."""
    path = find_bwrap()
    if path is None:
        return False, "bwrap is not installed (Debian: apt-get install bubblewrap)"
    launcher = BwrapLauncher(path)
    uid = launcher.session_uid()
    probe = ["inside", str(Path(__file__).resolve().parents[1])]
    probe += [str(uid)] if uid is not None else []
    with tempfile.TemporaryDirectory(prefix="propgrade-probe-") as tmp:
        cmd = [*launcher.sandbox_args(Path(tmp)), "--", *probes.command(launcher.python, *probe)]
        try:
            done = subprocess.run(
                cmd,
                capture_output=True,
                timeout=60,
                text=True,
                env=worker_env(tmp),
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"bwrap could not run: {exc}"
    if done.returncode != 0 or done.stdout.strip() != "ok":
        err = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return False, f"bwrap could not start the sandbox: {err[:300]}"
    return True, f"{path} works"
