"""Importing a course's module by file location, for any course but the bundled one.

The bundled course's modules are the packages ``reference.<id>``, ``graders.public.<id>``, ...
as always.  Any other course's are imported under a synthetic package,
``propgrade_course_<digest>.graders.public.<id>``, so a course of its own never clashes with
the bundled packages (its ``graders/`` and ``reference/`` folders need no ``__init__.py`` and
must not have one: a regular package there would shadow propgrade's own ``graders`` whenever
the course root is on ``sys.path``).
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

from graders.course.layout import MODULES, CourseError
from graders.errors import located


def _package(name: str, path: Path) -> types.ModuleType:
    """A package module for ``name`` (created once), searching ``path``."""
    if name not in sys.modules:
        module = types.ModuleType(name)
        module.__path__ = [str(path)]
        module.__package__ = name
        sys.modules[name] = module
    return sys.modules[name]


def load(
    root: Path,
    package: str,
    kind: str,
    assignment: str,
    path: Path,
    stamp: tuple[int, int] | None,
) -> types.ModuleType:
    """Import ``path``, the ``kind`` module of ``assignment`` in the course at ``root``, as
    ``<package>.<kind package>.<id>``; again only when its ``stamp`` (mtime, size) changed."""
    dotted = MODULES[kind]
    name = f"{package}.{dotted}.{assignment}"
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__propgrade_stamp__", None) == stamp:
        return loaded
    parts = [package, *dotted.split(".")]
    for i in range(1, len(parts) + 1):
        _package(".".join(parts[:i]), root.joinpath(*parts[1:i]))
    search = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=search)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__propgrade_stamp__ = stamp  # type: ignore[attr-defined]
    sys.modules[name] = module  # before running it: dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except CourseError:
        del sys.modules[name]
        raise
    except Exception as exc:  # noqa: BLE001 - staff's own file: say where, in one line
        del sys.modules[name]
        raise CourseError(located(exc, path, root)) from exc
    return module
