"""The worker's pieces on their own: the preload store, the /proc walk, the staged copy."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from graders.sandbox import launcher, protocol
from graders.sandbox.worker import confinement
from graders.sandbox.worker.preload import PreloadStore

MAP = {"op": "map", "calls": [{"fn": "f", "args": [np.zeros(3)]}]}


def test_a_preloaded_message_is_handed_out_fresh_each_time():
    """The first take is the zygote's decoded copy; a second one is decoded anew, so an
    input student code changed in place is never seen again."""
    store = PreloadStore()
    assert store.add({"id": 0, "frame": protocol.encode(MAP)}) == {"preloaded": 0}
    first = store.take(0)
    first["calls"][0]["args"][0][:] = 7.0  # what a student's in-place update does
    again = store.take(0)
    assert again is not first
    np.testing.assert_array_equal(again["calls"][0]["args"][0], np.zeros(3))
    assert store.take(1) is None and store.take("0") is None


@pytest.mark.parametrize(
    "request_, why",
    [
        ({"id": "0", "frame": b""}, "needs an id and a frame"),
        ({"id": 0, "frame": b"junk"}, "preload: malformed"),
        ({"id": 0, "frame": protocol.encode({"op": "bye"})}, "not a map message"),
    ],
)
def test_a_bad_preload_is_refused_with_a_reason(request_, why):
    """Only a well-formed map message is kept; anything else is an error reply."""
    store = PreloadStore()
    assert why in store.add(request_)["error"]
    assert store.take(0) is None


def test_the_proc_walk_sees_a_child_and_its_death():
    """processes() knows a child's parent; a dead, unreaped child counts as a zombie: it is
    still a descendant but no longer among the living of our uid."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert confinement.processes()[child.pid][0] == os.getpid()
        assert child.pid in confinement.descendants(os.getpid())
        assert child.pid in confinement.living_of_my_uid()
        assert child.pid in confinement.children()
        child.kill()
        deadline = time.monotonic() + 5
        while not confinement.processes().get(child.pid, (0, False))[1]:
            assert time.monotonic() < deadline, "the killed child never became a zombie"
            time.sleep(0.01)
        assert child.pid not in confinement.living_of_my_uid()
        assert child.pid in confinement.descendants(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert child.pid not in confinement.processes()


def test_the_staged_worker_is_the_wire_and_the_worker_package_only():
    """What a sandbox is given: the wire (protocol.py, framing.py, nesting.py, kinds.py) and
    worker/ as one package, nothing else."""
    staged = launcher.stage_worker_files()
    try:
        found = sorted(str(p.relative_to(staged)) for p in staged.rglob("*") if p.is_file())
        worker = sorted(p.name for p in (launcher.HERE / "worker").glob("*.py"))
        assert found == sorted(
            [
                f"{launcher.STAGED_PACKAGE}/__init__.py",
                f"{launcher.STAGED_PACKAGE}/framing.py",
                f"{launcher.STAGED_PACKAGE}/kinds.py",
                f"{launcher.STAGED_PACKAGE}/nesting.py",
                f"{launcher.STAGED_PACKAGE}/protocol.py",
                *(f"{launcher.STAGED_PACKAGE}/worker/{n}" for n in worker),
            ]
        )
        assert (staged / launcher.ENTRY).is_file()
    finally:
        shutil.rmtree(staged)


def test_the_worker_imports_nothing_but_itself_the_wire_and_numpy():
    """Every module of the worker package (and the package file staged with it) imports the
    standard library, NumPy and, relatively, its siblings, protocol and kinds: never graders."""
    here = launcher.HERE
    bad = []
    wire = [here / "__init__.py", here / "framing.py", here / "kinds.py", here / "protocol.py"]
    for path in [*wire, *(here / "worker").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                # from the staged package: only the wire it is given (protocol, kinds)
                got = {node.module} if node.module else {a.name for a in node.names}
                if node.level == 2 and got - {"protocol", "kinds"}:
                    bad.append(f"{path.name}: from ..{node.module or ''} import ...")
                continue
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top != "numpy" and top not in sys.stdlib_module_names:
                    bad.append(f"{path.relative_to(here)}: import {name}")
    assert not bad, bad
