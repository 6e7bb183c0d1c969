"""The source text of real catalog functions, ready to splice into a submission.

A catalog entry is a real function (linted and type-checked like the rest); what the worker
runs is its source, taken with :mod:`inspect` and emitted under the name of the student's
function it stands in for.  The function may use

* builtins and the names the assignment's reference binds to the same object (``np``, the
  reference's own functions and private helpers, imported into the catalog from it): the
  submission has them already;
* other modules (``math``): emitted as an ``import``;
* plain data of the catalog's module (``_VELOCITY = {}``): emitted as an assignment;
* functions of the catalog's own module that are not entries (helpers): emitted with it, the
  helpers they use too.

Anything else is a mistake in the catalog, raised as :class:`CatalogError` while the
catalog is imported, never at grading time.  Emitted pieces come in that order: imports,
data, helpers, then the definition itself.
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import textwrap
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["CatalogError", "definition", "emit"]

#: the attribute that marks a function as a catalog entry (it is never emitted as a helper)
ENTRY = "__catalog_entry__"


class CatalogError(NameError):
    """A catalog entry that cannot be emitted (it uses a name the submission would lack)."""


def definition(fn: Callable[..., Any], name: str | None = None) -> str:
    """``fn``'s ``def`` without its decorators, dedented, renamed ``name``."""
    text = textwrap.dedent(inspect.getsource(fn))
    node = ast.parse(text).body[0]
    if not isinstance(node, ast.FunctionDef):
        raise CatalogError(f"{_where(fn)}: not a plain function definition")
    lines = text.splitlines(keepends=True)[node.lineno - 1 : node.end_lineno]
    if name is not None and name != fn.__name__:
        old = f"def {fn.__name__}("
        if old not in lines[0]:
            raise CatalogError(f"{_where(fn)}: cannot find {old!r} to rename")
        lines[0] = lines[0].replace(old, f"def {name}(", 1)
    return "".join(lines).rstrip("\n") + "\n"


def _globals(code: types.CodeType) -> Iterator[tuple[str, int | None]]:
    """``(name, line)`` of every global ``code`` and the code nested in it loads or stores."""
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL"):
            yield ins.argval, ins.positions.lineno if ins.positions else None
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _globals(const)


def _where(fn: Callable[..., Any], line: int | None = None) -> str:
    code = fn.__code__
    return f"{code.co_filename}:{line or code.co_firstlineno}: {fn.__name__}"


def _is_data(value: object) -> bool:
    """Plain data that ``repr`` writes back exactly (``{}``, ``(1, 2)``, ``"x"``)."""
    try:
        return bool(ast.literal_eval(repr(value)) == value)
    except (ValueError, SyntaxError):
        return False


def emit(fn: Callable[..., Any], name: str, provided: Mapping[str, Any]) -> str:
    """Module-level source defining ``name`` as ``fn``, with what it needs that the
    submission lacks (``provided``: the reference's namespace, what the submission has)."""
    imports: dict[str, str] = {}
    data: dict[str, str] = {}
    helpers: dict[str, str] = {}

    def visit(f: Callable[..., Any]) -> None:
        if f.__code__.co_freevars:
            raise CatalogError(
                f"{_where(f)}: uses {', '.join(f.__code__.co_freevars)} of an "
                "enclosing function (an entry is a module-level function)"
            )
        scope = f.__globals__
        for used, line in _globals(f.__code__):
            if used == f.__name__ and f is fn:
                raise CatalogError(
                    f"{_where(f, line)}: an entry cannot call itself by its "
                    f"catalog name (it is emitted as {name!r})"
                )
            if used in helpers or used in imports or used in data or used == f.__name__:
                continue
            if used not in scope:
                if hasattr(builtins, used):
                    continue
                raise CatalogError(
                    f"{_where(f, line)}: uses {used!r}, which the catalog "
                    "neither defines nor imports"
                )
            value = scope[used]
            if used in provided and provided[used] is value:
                continue
            if isinstance(value, types.ModuleType):
                as_ = "" if value.__name__ == used else f" as {used}"
                imports[used] = f"import {value.__name__}{as_}\n"
            elif (
                isinstance(value, types.FunctionType)
                and value.__module__ == f.__module__
                and not hasattr(value, ENTRY)
            ):
                helpers[used] = ""  # placeholder: a recursive helper meets itself
                visit(value)
                helpers[used] = definition(value)
            elif _is_data(value):
                data[used] = f"{used} = {value!r}\n"
            else:
                raise CatalogError(
                    f"{_where(f, line)}: uses {used!r}, which the submission "
                    "would not have (not the reference's, not a module, not "
                    "a helper of the catalog, not plain data)"
                )

    visit(fn)
    parts = [
        "".join(imports.values()),
        "".join(data.values()),
        *helpers.values(),
        definition(fn, name),
    ]
    return "\n\n".join(p for p in parts if p)
