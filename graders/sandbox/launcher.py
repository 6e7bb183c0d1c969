"""What every launcher shares: the staged worker, its command line, its environment.

A launcher turns "run the worker zygote" into a command line (``Launcher.command``).  The
worker it runs is a staged copy of this package holding only ``protocol.py`` and
``worker/`` (``stage_worker_files``): all of propgrade that student code could ever see.
The launchers themselves are ``graders.sandbox.plain`` and ``graders.sandbox.bwrap``;
``graders.sandbox.policy.choose_launcher`` picks one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

HERE = Path(__file__).resolve().parent
#: the staged copy's package name, and its entry point inside the staged directory
STAGED_PACKAGE = "sandbox"
ENTRY = f"{STAGED_PACKAGE}/worker/__main__.py"
#: session children run as UID_BASE + the judge's pid (as root, under either launcher): one
#: uid per judge process, so the process limit of one judge's sandbox is not shared with
#: another's (``--jobs``).
UID_BASE = 1_800_000_000


def worker_files() -> tuple[str, ...]:
    """What the worker is made of, relative to this package: ``__init__.py`` (a docstring),
    ``protocol.py`` with its ``framing.py`` and ``nesting.py``, the data functions'
    ``kinds.py``, and every module of ``worker/``."""
    return (
        "__init__.py",
        "framing.py",
        "kinds.py",
        "nesting.py",
        "protocol.py",
        *(f"worker/{p.name}" for p in sorted((HERE / "worker").glob("*.py"))),
    )


def stage_worker_files() -> Path:
    """Copy the worker's files into a fresh private directory (all a sandbox exposes), as
    the package ``STAGED_PACKAGE``; the zygote is started from ``ENTRY`` in it."""
    target = Path(tempfile.mkdtemp(prefix="propgrade-worker-"))
    for name in worker_files():
        (target / STAGED_PACKAGE / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HERE / name, target / STAGED_PACKAGE / name)
    for folder in (target, *(p for p in target.rglob("*") if p.is_dir())):
        os.chmod(folder, 0o755)
    return target


def worker_command(
    python: str,
    worker_dir: Path | str,
    control_fd: int,
    workroot: str,
    modules: Sequence[str] = (),
) -> list[str]:
    """The zygote's argv for a staged copy at ``worker_dir`` (a path as the worker sees it);
    ``modules`` (torch) are imported by the zygote before it serves (see ``sandbox.needs``)."""
    return [
        python,
        "-I",
        "-B",
        f"{worker_dir}/{ENTRY}",
        "--control-fd",
        str(control_fd),
        "--workroot",
        workroot,
        *(arg for name in modules for arg in ("--preload-module", name)),
    ]


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

    def command(
        self, worker_dir: Path, control_fd: int, workroot: str, modules: Sequence[str] = ()
    ) -> list[str]:
        """The argv that starts the worker zygote (importing ``modules`` before it serves)."""
        ...

    def protections(self) -> list[str]:
        """Human-readable list of what this launcher enforces."""
        ...
