"""`propgrade doctor`: what this machine provides to contain student code.

``report()`` tries each ingredient for real (in throw-away child processes) rather than
trusting configuration files: bubblewrap, the namespaces it needs, the resource limits, and
the launcher ``choose_launcher()`` picks here with the protections it then enforces.
``render()`` turns the rows into text for the CLI.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

from graders.grade import bwrap
from graders.grade.sandbox import choose_launcher

Row = tuple[str, bool, str]

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, \
    0x40000000
LIMITS = {"memory (RLIMIT_AS)": "RLIMIT_AS", "CPU seconds (RLIMIT_CPU)": "RLIMIT_CPU",
          "file size (RLIMIT_FSIZE)": "RLIMIT_FSIZE", "processes (RLIMIT_NPROC)": "RLIMIT_NPROC",
          "open files (RLIMIT_NOFILE)": "RLIMIT_NOFILE"}


def _child_ok(code: str) -> tuple[bool, str]:
    """Run ``code`` in a fresh interpreter; (exit status 0, its last line of output)."""
    try:
        done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    text = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, (text[-1] if text else "")


def _unshare(flags: int) -> tuple[bool, str]:
    code = ("import ctypes, os, sys\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            f"r = libc.unshare({flags})\n"
            "print('ok' if r == 0 else os.strerror(ctypes.get_errno()))\n"
            "sys.exit(0 if r == 0 else 1)")
    return _child_ok(code)


def _namespaces() -> list[Row]:
    root = os.geteuid() == 0
    rows = []
    ok, why = _unshare(CLONE_NEWUSER)
    rows.append(("user namespaces", ok,
                 "unprivileged user namespaces work" if ok else f"unshare failed: {why}"
                 + ("" if root else " (bubblewrap needs them when not run as root)")))
    extra = 0 if root else CLONE_NEWUSER
    for name, flag in (("network namespace", CLONE_NEWNET), ("pid namespace", CLONE_NEWPID),
                       ("mount namespace", CLONE_NEWNS)):
        ok, why = _unshare(flag | extra)
        rows.append((name, ok, "can be created" if ok else f"unshare failed: {why}"))
    return rows


def _limits() -> list[Row]:
    rows = []
    for label, name in LIMITS.items():
        which = getattr(resource, name)
        code = (f"import resource\nsoft, hard = resource.getrlimit(resource.{name})\n"
                f"value = 1 << 20 if hard == resource.RLIM_INFINITY else hard // 2 or hard\n"
                f"resource.setrlimit(resource.{name}, (value, value))\nprint('ok')")
        ok, why = _child_ok(code)
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
    rows.append(("bubblewrap installed", path is not None,
                 path or "not found (Debian/Ubuntu: apt-get install bubblewrap)"))
    works, why = bwrap.probe()
    rows.append(("bubblewrap sandbox runs", works, why))
    rows += _namespaces()
    root = os.geteuid() == 0
    rows.append(("running as root", True,
                 ("yes: the sandbox drops each session to its own unprivileged uid"
                  if works else "yes, and without bubblewrap student code runs as root "
                  "(no capabilities, but able to read and write what root can)")
                 if root else f"no (uid {os.geteuid()})"))
    rows += _limits()
    launcher = choose_launcher()
    rows.append(("launcher", launcher.name == "bwrap",
                 f"{launcher.name}" + ("" if launcher.name == "bwrap"
                                       else " (bubblewrap not usable: weaker isolation)")))
    for line in launcher.protections():
        rows.append(("  protection", True, line))
    for warning in getattr(launcher, "warnings", []):
        rows.append(("  warning", False, warning))
    return rows


def render(rows: list[Row]) -> str:
    """Plain text, one row per line: ``[ ok ] check: detail`` or ``[FAIL] ...``."""
    width = max((len(name) for name, _, _ in rows), default=0)
    return "\n".join(f"[{' ok ' if ok else 'FAIL'}] {name.ljust(width)}  {detail}"
                     for name, ok, detail in rows)
