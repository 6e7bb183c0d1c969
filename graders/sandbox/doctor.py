"""`propgrade doctor`: what this machine provides to contain student code.

``report()`` tries each ingredient for real (in throw-away child processes) rather than
trusting configuration files: bubblewrap, the namespaces it needs, the resource limits, and
the launcher ``choose_launcher()`` picks here with the protections it then enforces.
``render()`` turns the rows into text for the CLI.  ``private_files()`` checks, as the uid
student code would run as, that it can read none of a list of files and write none of a list
of folders (the Gradescope autograder's reference, hidden graders and results).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from graders.sandbox import bwrap, probes
from graders.sandbox.launcher import Launcher, worker_env
from graders.sandbox.policy import choose_launcher

Row = tuple[str, bool, str]

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
LIMITS = {
    "memory (RLIMIT_AS)": "RLIMIT_AS",
    "CPU seconds (RLIMIT_CPU)": "RLIMIT_CPU",
    "file size (RLIMIT_FSIZE)": "RLIMIT_FSIZE",
    "processes (RLIMIT_NPROC)": "RLIMIT_NPROC",
    "open files (RLIMIT_NOFILE)": "RLIMIT_NOFILE",
}


def _probe_command(*probe: str) -> list[str]:
    return probes.command(sys.executable, *probe)


def _child_ok(*probe: str) -> tuple[bool, str]:
    """Run one probe in a fresh interpreter; (exit status 0, its last line of output)."""
    try:
        done = subprocess.run(
            _probe_command(*probe),
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    text = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, (text[-1] if text else "")


def _unshare(flags: int) -> tuple[bool, str]:
    return _child_ok("unshare", str(flags))


def _namespaces() -> list[Row]:
    root = os.geteuid() == 0
    rows = []
    ok, why = _unshare(CLONE_NEWUSER)
    rows.append(
        (
            "user namespaces",
            ok,
            "unprivileged user namespaces work"
            if ok
            else f"unshare failed: {why}"
            + ("" if root else " (bubblewrap needs them when not run as root)"),
        )
    )
    extra = 0 if root else CLONE_NEWUSER
    for name, flag in (
        ("network namespace", CLONE_NEWNET),
        ("pid namespace", CLONE_NEWPID),
        ("mount namespace", CLONE_NEWNS),
    ):
        ok, why = _unshare(flag | extra)
        rows.append((name, ok, "can be created" if ok else f"unshare failed: {why}"))
    return rows


def _limits() -> list[Row]:
    rows = []
    for label, name in LIMITS.items():
        which = getattr(resource, name)
        ok, why = _child_ok("rlimit", name)
        hard = resource.getrlimit(which)[1]
        shown = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
        detail = f"can be lowered per worker (hard limit here: {shown})" if ok else why
        if name == "RLIMIT_NPROC" and os.geteuid() == 0:
            detail += "; never enforced for uid 0, so root needs bubblewrap's session uid"
        rows.append((label, ok, detail))
    return rows


def report() -> list[Row]:
    """``(check, ok, detail)`` rows describing what this machine provides."""
    rows: list[Row] = []
    path = bwrap.find_bwrap()
    rows.append(
        (
            "bubblewrap installed",
            path is not None,
            path or "not found (Debian/Ubuntu: apt-get install bubblewrap)",
        )
    )
    works, why = bwrap.probe()
    rows.append(("bubblewrap sandbox runs", works, why))
    rows += _namespaces()
    root = os.geteuid() == 0
    launcher = choose_launcher()
    if not root:
        detail = f"no (uid {os.geteuid()})"
    elif works:
        detail = "yes: the sandbox drops each session to its own unprivileged uid"
    elif session_uid(launcher) is not None:
        detail = (
            "yes: without bubblewrap each session still runs as an unprivileged uid of "
            "its own (it can read what every user may read)"
        )
    else:
        detail = (
            "yes, and without bubblewrap student code runs as root (no capabilities, "
            "but able to read and write what root can)"
        )
    rows.append(("running as root", True, detail))
    rows += _limits()
    rows.append(
        (
            "launcher",
            launcher.name == "bwrap",
            f"{launcher.name}"
            + ("" if launcher.name == "bwrap" else " (bubblewrap not usable: weaker isolation)"),
        )
    )
    for line in launcher.protections():
        rows.append(("  protection", True, line))
    for warning in getattr(launcher, "warnings", []):
        rows.append(("  warning", False, warning))
    return rows


def session_uid(launcher: Launcher) -> int | None:
    """The uid student code runs as under ``launcher`` (None: the judge's own)."""
    uid = getattr(launcher, "session_uid", None)
    return uid() if callable(uid) else None


def private_files(
    launcher: Launcher, unreadable: Sequence[Path], unwritable: Sequence[Path] = ()
) -> list[Row]:
    """Rows saying whether student code under ``launcher`` can read ``unreadable`` or write
    into the folders ``unwritable``, tried for real as the session uid.  Under bubblewrap
    none of them is mounted in the sandbox; a plain launcher without a uid of its own runs
    student code as the judge, who can read them all."""
    paths = [p for p in unreadable if p.exists()]
    if launcher.name == "bwrap":
        return [
            (
                "autograder files",
                True,
                "not mounted in the sandbox (bubblewrap): " + ", ".join(p.name for p in paths),
            )
        ]
    uid = session_uid(launcher)
    if uid is None:
        return [
            (
                "autograder files",
                False,
                f"student code runs as uid {os.geteuid()}, the "
                "judge's own: it can read the reference and the hidden graders",
            )
        ]
    args = [f"r:{p}" for p in paths] + [f"w:{d}" for d in unwritable if d.is_dir()]
    try:
        done = subprocess.run(
            _probe_command("access", *args),
            user=uid,
            group=uid,
            extra_groups=[],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            env=worker_env("/"),
            cwd="/",
        )
        seen = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return [("autograder files", False, f"could not try them as uid {uid}: {exc}")]
    rows = []
    for arg in args:
        verb = "read" if arg[0] == "r" else "write into"
        got = seen.get(arg, "not tried")
        rows.append((f"uid {uid} cannot {verb}", got != "allowed", f"{arg[2:]} ({got})"))
    return rows


def render(rows: list[Row]) -> str:
    """Plain text, one row per line: ``[ ok ] check: detail`` or ``[FAIL] ...``."""
    width = max((len(name) for name, _, _ in rows), default=0)
    return "\n".join(
        f"[{' ok ' if ok else 'FAIL'}] {name.ljust(width)}  {detail}" for name, ok, detail in rows
    )
