"""Gradescope's image and containers, rebuilt with bubblewrap for tests/assign/test_gradescope_run.py.

Gradescope builds a Docker image from its Ubuntu base: the zip unpacked at
``/autograder/source``, ``setup.sh`` run there once as root.  For each submission a fresh
container of that image gets the student's files in ``/autograder/submission``, runs
``/autograder/run_autograder`` as root with ``/autograder`` as working directory, and reads
``/autograder/results/results.json``.

Here a container is a bubblewrap sandbox started as root: new mount, pid, ipc and uts
namespaces whose root is an empty tmpfs holding the operating system read-only (``/usr``,
``/etc``, ``/opt``, where this machine keeps pip's local wheels and indexes), a fresh ``/tmp``
and ``/root``, and a test directory bound at ``/autograder``.  So the zip's scripts run at the
real absolute paths, as root, and nothing outside the test directory is written (no
``/autograder`` is created on the host).  Root keeps its capabilities inside, as Docker's root
does, so propgrade's own bubblewrap nests and the plain launcher can drop to its uid.
"Bubblewrap absent" binds a non-executable file over ``/usr/bin/bwrap`` (``find_bwrap`` looks
on PATH and in /usr/bin): the image without the package.

The image is a directory: ``source/`` (after setup.sh) and ``venv/`` (what setup.sh made).
``apt-get`` is a stand-in that only prints what it was asked to install: the test must not
install packages on this machine, and Python 3.11 and bubblewrap are already here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

#: the Python that setup.sh finds (Gradescope's is apt's, under /usr, readable by every user)
SYSTEM_PYTHON = "/usr/bin/python3"
GRADESCOPE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHIMS = "/test-shims"  #: inside the container, first on PATH during setup.sh only
#: pip's settings on this machine (its local wheels and indexes): Gradescope's pip reaches
#: PyPI and download.pytorch.org instead
PIP_KEYS = (
    "PIP_FIND_LINKS",
    "PIP_CERT",
    "PIP_DEFAULT_TIMEOUT",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_CONSTRAINT",
)
#: this machine cannot reach PyTorch's index (the CPU torch is a local wheel): fail at once
#: instead of pip's five retries on every lookup
PIP_HERE = {"PIP_RETRIES": "0"}
APT_GET = """#!/bin/sh
# stand-in for apt-get in the test's image: says what setup.sh asked for, installs nothing
echo "apt-get $*"
"""


@dataclass(frozen=True)
class Image:
    """A built image: the directory holding ``source/`` and ``venv/``, and setup's output."""

    path: Path
    setup: subprocess.CompletedProcess


@dataclass(frozen=True)
class Run:
    """One submission graded in a fresh container."""

    results: dict
    raw: str
    proc: subprocess.CompletedProcess
    root: Path


def container(
    root: Path,
    command: list[str],
    *,
    bwrap: bool,
    binds: list[tuple[str, str]] = (),
    path: str = GRADESCOPE_PATH,
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """Run ``command`` as root in a fresh container whose /autograder is ``root``.

    ``binds``: (host path, container path) pairs bound read-only (the image's venv, the
    shims); ``bwrap``: whether bubblewrap is installed in the container."""
    args = [
        "bwrap",
        "--die-with-parent",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "gradescope",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for link in ("/bin", "/sbin", "/lib", "/lib64"):
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    args += [
        "--ro-bind",
        "/etc",
        "/etc",
        "--ro-bind",
        "/opt",
        "/opt",
        "--ro-bind",
        "/sys",
        "/sys",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--tmpfs",
        "/root",
        "--bind",
        str(root),
        "/autograder",
    ]
    for host, inside in binds:
        args += ["--ro-bind", host, inside]
    if not bwrap:
        args += ["--ro-bind", "/dev/null", "/usr/bin/bwrap"]
    args += [
        "--chdir",
        "/autograder",
        "--cap-add",
        "ALL",
        "--clearenv",
        "--setenv",
        "PATH",
        path,
        "--setenv",
        "HOME",
        "/root",
        "--setenv",
        "LANG",
        "C.UTF-8",
    ]
    pip = {**{k: os.environ[k] for k in PIP_KEYS if k in os.environ}, **PIP_HERE}
    for key, value in pip.items():
        args += ["--setenv", key, value]
    return subprocess.run(
        [*args, "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _unpack(zip_path: Path, source: Path) -> None:
    """Gradescope's unpacking: its own modes (files 0644, folders 0755), not the zip's."""
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(source)
    for path in [source, *source.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def build_image(zip_path: Path, path: Path) -> Image:
    """Unpack the zip at ``path/source`` and run setup.sh there once, as Gradescope does."""
    path.mkdir(parents=True)
    path.chmod(0o755)
    _unpack(zip_path, path / "source")
    shims = path.parent / f"{path.name}-shims"
    shims.mkdir()
    (shims / "apt-get").write_text(APT_GET)
    (shims / "apt-get").chmod(0o755)
    setup = container(
        path,
        ["bash", "/autograder/source/setup.sh"],
        bwrap=True,
        binds=[(str(shims), SHIMS)],
        path=f"{SHIMS}:{GRADESCOPE_PATH}",
        timeout=1500,
    )
    return Image(path, setup)


def venv_python(image: Image, code: str) -> subprocess.CompletedProcess:
    """``code`` run by the image's venv Python in a container, outside the source folder."""
    return container(
        image.path, ["/autograder/venv/bin/python", "-I", "-c", code], bwrap=True, timeout=120
    )


def run_submission(
    image: Image, root: Path, files: dict[str, bytes], *, bwrap: bool, metadata: dict | None = None
) -> Run:
    """A fresh container of ``image`` grading ``files``: /autograder holds the image's source
    and venv, run_autograder, the submission and (if given) submission_metadata.json."""
    root.mkdir(parents=True)
    root.chmod(0o755)
    shutil.copytree(image.path / "source", root / "source", symlinks=True)
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    (root / "venv").mkdir()
    (root / "submission").mkdir()
    (root / "results").mkdir()
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    proc = container(
        root,
        ["/autograder/run_autograder"],
        bwrap=bwrap,
        binds=[(str(image.path / "venv"), "/autograder/venv")],
    )
    raw = (root / "results" / "results.json").read_text()
    return Run(json.loads(raw), raw, proc, root)
