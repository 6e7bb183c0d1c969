"""Which costly modules a submission imports, read from its syntax tree (never by running it).

A session child imports the student's module; a module that imports torch pays torch's import
(2.5 s here, about 5 s inside the sandbox) in every child.  The judge reads the submission's
Python files with :func:`ast.parse` (parsing runs nothing) and, when one of them imports a
module of :data:`PRELOADABLE`, opens the session on a zygote that imported it once before
forking (``graders.sandbox.client.Worker``).

What counts as importing ``torch``: ``import torch``, ``import torch.nn as nn``,
``from torch import nn``, ``from torch.optim import SGD``, anywhere in the file (inside a
function too).  What does not: ``importlib.import_module("torch")``, ``__import__``, or a file
that does not parse: such a session runs on the ordinary zygote and imports torch itself,
exactly as it would without this module (slower, never wrong).

What the torch zygote keeps.  It is the same zygote program under the same launcher (the same
bubblewrap sandbox or plain confinement, the same capabilities, the same session uid), with
``--preload-module torch``: torch is imported before any student code and before the zygote
confines itself, exactly as NumPy is.  Each student still gets a fresh process forked from
it, which confines itself, drops privileges and applies the same limits as any other session
before importing the student's module.  The zygote never runs student code, so every child
starts from the same pristine torch: whatever one student changes (``set_default_dtype``, a
module attribute, ``manual_seed``, ``set_num_threads``) lives in that child's copy-on-write
pages and dies with it; the next student sees none of it.  Between sessions the zygote sweeps
processes and files as the ordinary one does.  A judge has one session open at a time, so the
children of its two zygotes never run at the same time.

What it costs.  A second zygote per judge (per ``--jobs`` slot, per Dask worker): its start,
about 5 s in the sandbox (paid once, only by a batch that has a torch submission), and its
memory, about 220 MB resident against 30 MB for the ordinary one (shared copy-on-write with
its children).  Threads: with ``OMP_NUM_THREADS=1`` (``launcher.worker_env``) importing
torch 2.x starts no thread; its OpenMP and inter-op pools start at the first parallel op, in
a child.  The zygote sets
``torch.set_num_threads(1)`` anyway, reports its thread count in its hello, and the judge
refuses a zygote running more than one thread (a fork copies only the calling thread: a
child could inherit a lock held by a thread that is gone) and falls back, as it does when
torch is not installed: one warning line, and the ordinary zygote serves those submissions.
The memory limit (RLIMIT_AS) counts torch's mappings in every session, as it did when the
student imported torch.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

#: modules worth a zygote of their own: costly to import, and imported by some students
PRELOADABLE = ("torch",)
#: a Python file larger than this is not parsed (its session imports what it needs itself)
MAX_PARSED_BYTES = 2 * 1024 * 1024


def imported_roots(source: bytes) -> set[str]:
    """The top-level package of every absolute import in ``source`` (``torch.nn`` -> ``torch``);
    empty when ``source`` does not parse."""
    if len(source) > MAX_PARSED_BYTES:
        return set()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.partition(".")[0])
    return roots


def preloads_for(files: Mapping[str, bytes]) -> tuple[str, ...]:
    """The modules of :data:`PRELOADABLE` that any Python file of the submission imports, in
    :data:`PRELOADABLE`'s order (``()``: the ordinary zygote serves it)."""
    roots: set[str] = set()
    for name, data in files.items():
        if name.endswith(".py") and isinstance(data, bytes):
            roots |= imported_roots(data)
    return tuple(m for m in PRELOADABLE if m in roots)
