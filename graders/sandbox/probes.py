"""The doctor's probes: a standalone script run in a throw-away interpreter (``python -I``).

Standard library only, nothing of propgrade: it runs as another uid, or after ``unshare``,
where the package may not be importable.  One probe per call, its answer on standard output
and in the exit status (0: ok):

- ``unshare FLAGS``: ``unshare(2)`` with the integer ``FLAGS``; prints ``ok`` or the error;
- ``rlimit NAME``: lowers ``resource.NAME`` (soft and hard) to half its hard limit (1 MiB
  when unlimited); prints ``ok`` or raises;
- ``inside REPO [UID]``: run inside bubblewrap's sandbox: NumPy imports, ``REPO`` (the
  propgrade package on the host) is not visible, and (with ``UID``) the process can drop to
  that uid; prints ``ok``;
- ``access MODE:PATH ...``: for each argument, ``r`` tries to read the file (or list the
  folder) ``PATH``, ``w`` to create a file in the folder ``PATH``; prints a JSON object
  mapping each argument to ``"allowed"`` or the OSError's class name.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
from pathlib import Path


def command(python: str, *probe: str) -> list[str]:
    """The argv that runs ``probe`` with ``python``: ``-c`` with this file's text, because
    the uid trying the private files (or a sandbox without the package) may not read it."""
    return [python, "-I", "-c", Path(__file__).read_text(), *probe]


def _say(text: str) -> None:
    """The probe's answer: standard output is this script's protocol with the doctor."""
    sys.stdout.write(text + "\n")


def unshare(flags: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.unshare(flags)
    _say("ok" if result == 0 else os.strerror(ctypes.get_errno()))
    return 0 if result == 0 else 1


def rlimit(name: str) -> int:
    which = getattr(resource, name)
    _soft, hard = resource.getrlimit(which)
    value = 1 << 20 if hard == resource.RLIM_INFINITY else hard // 2 or hard
    resource.setrlimit(which, (value, value))
    _say("ok")
    return 0


def access(args: list[str]) -> int:
    out: dict[str, str] = {}
    for arg in args:
        mode, path = arg[0], arg[2:]
        try:
            if mode == "w":
                probe = os.path.join(path, ".propgrade-doctor-probe")
                os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                os.unlink(probe)
            elif os.path.isdir(path):
                os.listdir(path)
            else:
                open(path, "rb").close()
            out[arg] = "allowed"
        except OSError as exc:
            out[arg] = type(exc).__name__
    _say(json.dumps(out))
    return 0


def inside(repo: str, uid: int | None) -> int:
    import numpy  # noqa: F401  (the worker needs it inside the sandbox)

    if os.path.exists(repo):
        _say("repository visible")
        return 1
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _say("ok")
    return 0


def main(argv: list[str]) -> int:
    probe, rest = argv[0], argv[1:]
    if probe == "unshare":
        return unshare(int(rest[0]))
    if probe == "rlimit":
        return rlimit(rest[0])
    if probe == "inside":
        return inside(rest[0], int(rest[1]) if len(rest) > 1 else None)
    if probe == "access":
        return access(rest)
    _say(f"unknown probe {probe!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
