"""Which file of a submission is graded as ``<assignment>.py``.

What is graded (the rule): the candidates are the module ``<assignment>.py`` and every
notebook's solution code (``notebook_source``).  Each is given the number of the assignment's
functions it implements: bound at module level by its last ``def`` (or an assignment or
import), and not a bare stub, i.e. a body that is only a docstring plus ``pass``, ``...`` or
``raise NotImplementedError(...)`` (decided on the AST, so no stub or reference file is
needed: it works inside a student release).  The candidate implementing the most functions
is graded; a tie goes to ``<assignment>.py``, then to ``<assignment>.ipynb``, then to the first
notebook by name.  Whenever there is more than one candidate, a note shown to the student says
which file was graded and how many functions each one implements — never silently.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence

from graders.grade.ipynb import notebook_source


def _is_placeholder(stmt: ast.stmt) -> bool:
    """``pass``, ``...`` or ``raise NotImplementedError[(...)]``: what a stub's body holds."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return stmt.value.value is Ellipsis
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _holds_work(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]  # the docstring
    return not all(_is_placeholder(stmt) for stmt in body)


def _bound_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _bound_names(elt)]
    return []


def implemented_functions(
    source: str | bytes, functions: Iterable[str] | None = None
) -> set[str] | None:
    """The ``functions`` (all module-level names when ``None``) that ``source`` implements,
    by the rule in the module docstring; ``None`` when ``source`` does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):  # ValueError: null bytes
        return None
    work: dict[str, bool] = {}  # name -> does its last module-level binding hold work
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            work[node.name] = _holds_work(node)
        elif isinstance(node, ast.Assign):
            work.update((n, True) for t in node.targets for n in _bound_names(t))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            work.update(((a.asname or a.name).split(".")[0], True) for a in node.names)
    wanted = set(work) if functions is None else set(functions)
    return {name for name, holds in work.items() if holds and name in wanted}


def pick(
    module: str,
    functions: Sequence[str] | None,
    module_source: bytes | None,
    notebooks: Sequence[tuple[str, bytes]],
    unreadable: Sequence[str] = (),
) -> tuple[bytes | None, list[str], list[str]]:
    """What to grade as ``<module>.py``: ``(source, notes, problems)`` by the module's rule.

    ``module_source`` is the module file's bytes (``None`` when there is none); ``notebooks``
    are ``(name, raw bytes)`` in name order; ``unreadable`` says why other notebooks were
    not read.  ``source`` is ``None`` only when no candidate could be read (``problems``
    then says why).
    """
    wanted, own_notebook = f"{module}.py", f"{module}.ipynb"
    unreadable = list(unreadable)
    #: (name, source, the functions it implements, or None when it does not parse)
    candidates: list[tuple[str, bytes, set[str] | None]] = []
    if module_source is not None:
        candidates.append((wanted, module_source, implemented_functions(module_source, functions)))
    for name, raw in notebooks:
        code, reason = notebook_source(raw, name)
        if code is None:
            unreadable.append(str(reason))
        else:
            candidates.append((name, code.encode(), implemented_functions(code, functions)))
    if not candidates:
        return None, [], unreadable
    # a tie goes to the module, then to <id>.ipynb; max() keeps the first (by name) of equals
    name, source, done = max(
        candidates, key=lambda c: (len(c[2] or ()), c[0] == wanted, c[0] == own_notebook)
    )
    if len(candidates) == 1 and not unreadable:
        return source, ([] if name == wanted else [f"graded the code of the notebook {name}"]), []
    of = f" of {len(functions)}" if functions is not None else ""

    def count(label: str, impl: set[str] | None) -> str:
        if impl is None:
            return f"{label} does not parse (a SyntaxError)"
        return f"{label} implements {len(impl)}{of}" + (
            "" if impl else " (every function is still a stub)"
        )

    parts = [f"graded {name}: it implements {len(done or ())}{of} functions"]
    parts += [count(other, impl) for other, _, impl in candidates if other != name]
    parts += unreadable
    if any(other != name and len(impl or ()) == len(done or ()) for other, _, impl in candidates):
        parts.append(
            "on a tie "
            + (
                "the module file"
                if name == wanted
                else own_notebook
                if name == own_notebook
                else "the first notebook by name"
            )
            + " is graded"
        )
    return source, ["; ".join(parts + ["only one file is graded"])], []
