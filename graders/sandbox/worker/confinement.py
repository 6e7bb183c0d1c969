"""Confinement in the worker: privileges, capabilities, resource limits, and processes.

What a session child gives up before it runs student code (``drop_privileges``,
``set_limits``), what the zygote keeps to do its job (``keep_capabilities``), and how both
find and kill what student code started: one walk over ``/proc`` (``processes``) answers
"which processes of my uid are alive" and "which descend from me"; the kernel's own list of
a process's children (``children``) answers the cheap question asked on every loop.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import socket
import struct
import time
from typing import Any

PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER = 4, 24, 36
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
CAP_DAC_OVERRIDE, CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP = 1, 5, 6, 7, 8
ZYGOTE_KEEPS = (CAP_DAC_OVERRIDE, CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP)
MAX_ANCESTRY = 1000  #: parent links followed per process (a cycle cannot hang the walk)


# --- privileges and capabilities --------------------------------------------------------


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int) -> None:
    """A best-effort ``prctl`` (a missing libc or option is not an error here)."""
    try:
        _libc().prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def keep_capabilities(keep: tuple[int, ...] = ()) -> None:
    """Reduce this process's capabilities to ``keep`` (and clear the ambient set)."""
    libc = _libc()
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    mask = sum(1 << c for c in keep)
    for i in range(2):
        word = (mask >> (32 * i)) & 0xFFFFFFFF
        data[i].effective &= word
        data[i].permitted &= word
        data[i].inheritable &= word
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def capabilities() -> dict[str, int]:
    """This process's capability masks from /proc: CapInh, CapPrm, CapEff, CapBnd, CapAmb."""
    with open("/proc/self/status") as fh:
        return {
            k: int(v.split()[0], 16)
            for k, _, v in (ln.partition(":") for ln in fh)
            if k.startswith("Cap")
        }


def drop_privileges(run_as: tuple[int, int] | None) -> None:
    """Leave a session child nothing to abuse; raise (so the child dies) if that fails.

    Empty the bounding set (when allowed), so that no exec can grant a capability again.
    With ``run_as``: become that uid/gid (the kernel then clears the permitted set, and the
    process limit applies: it never does to uid 0).  Then drop every capability left, so that
    even uid 0 without a sandbox cannot ptrace the judge or read other users' files.
    """
    libc = _libc()
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability, or not allowed (CAP_SETPCAP not held)
    if run_as is not None:
        uid, gid = run_as
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
            raise OSError("could not change to the session uid")
    keep_capabilities(())
    caps = capabilities()
    if any(caps.get(k, 0) for k in ("CapInh", "CapPrm", "CapEff", "CapAmb")):
        raise OSError("capabilities are still held")


def set_limits(limits: dict) -> None:
    """The session's rlimits (``Limits.for_worker``'s keys; a missing one stays as it is)."""

    def lim(which: int, value: Any) -> None:
        if value is None:
            return
        try:
            resource.setrlimit(which, (int(value), int(value)))
        except (ValueError, OSError):
            pass

    lim(resource.RLIMIT_CORE, 0)
    lim(resource.RLIMIT_AS, limits.get("memory_bytes"))
    lim(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    lim(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    lim(resource.RLIMIT_NPROC, limits.get("processes"))
    lim(resource.RLIMIT_NOFILE, limits.get("open_files"))


def loopback_down() -> bool:
    """Take ``lo`` down (in the sandbox's own network namespace): no network at all."""
    import fcntl

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            raw = fcntl.ioctl(s, siocgifflags, struct.pack("16sh14x", b"lo", 0))
            flags = struct.unpack("16sh14x", raw)[1]
            fcntl.ioctl(s, siocsifflags, struct.pack("16sh14x", b"lo", flags & ~iff_up))
        return True
    except OSError:
        return False


# --- processes --------------------------------------------------------------------------


def processes(owner: int | None = None) -> dict[int, tuple[int, bool]]:
    """The one walk over /proc: pid -> (parent pid, is a zombie) of every process visible
    (with ``owner``: of that uid only).  A process that ends during the walk is left out."""
    out: dict[int, tuple[int, bool]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if owner is not None and os.stat(f"/proc/{name}").st_uid != owner:
                continue
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses
            fields = stat[stat.rindex(b")") + 2 :].split()
            out[int(name)] = (int(fields[1]), fields[0] == b"Z")
        except (OSError, ValueError, IndexError):
            continue
    return out


def living_of_my_uid() -> list[int]:
    """Other processes of this uid that are not yet dead (zombies do not count)."""
    me = os.getpid()
    return [
        pid for pid, (_, zombie) in processes(owner=os.getuid()).items() if pid != me and not zombie
    ]


def descendants(root: int) -> list[int]:
    """Every process below ``root`` in the process tree (zombies included)."""
    parents = {pid: ppid for pid, (ppid, _) in processes().items()}
    out = []
    for pid in parents:
        p, seen = pid, 0
        while p in parents and seen < MAX_ANCESTRY:
            p, seen = parents[p], seen + 1
            if p == root:
                out.append(pid)
                break
    return out


def children() -> list[int]:
    """This process's children (zombies included), from the kernel's own list: read on
    every turn of the zygote's loop, where a walk over /proc would cost a millisecond."""
    out: list[int] = []
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        pass
    return out


def has_children() -> bool:
    """Whether this process has any child (one syscall; reaps one that has exited)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


def reap(block_for: float = 0.0) -> None:
    """Collect exited children; wait up to ``block_for`` seconds for the living ones."""
    deadline = time.monotonic() + block_for
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= deadline:
                return
            time.sleep(0.002)


def kill(pids: list[int]) -> int:
    """SIGKILL each of ``pids``; how many signals were delivered."""
    killed = 0
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except OSError:
            pass
    return killed


def kill_descendants() -> int:
    """SIGKILL every descendant of this process until none is left; reap them."""
    me, killed = os.getpid(), 0
    for _ in range(50):
        victims = descendants(me)
        if not victims:
            break
        killed += kill(victims)
        reap(block_for=0.05)
    reap()
    return killed


def kill_my_uid() -> None:
    """SIGKILL every other process of this uid (``kill(-1)``: one walk of the machine by the
    kernel) and wait, up to a second, until none is alive."""
    try:
        os.kill(-1, signal.SIGKILL)  # all of our uid but us; never pid 1 or the zygote
    except OSError:
        return  # nothing else of our uid exists
    deadline = time.monotonic() + 1.0
    while living_of_my_uid() and time.monotonic() < deadline:
        time.sleep(0.001)
