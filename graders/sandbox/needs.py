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
