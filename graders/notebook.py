"""``check`` for notebooks: the feedback of ``propgrade check``, in a notebook cell.

A check cell is ``check("classification", globals())`` (every public check) or
``check("classification", globals(), "softmax")`` (the checks of one function).  ``check``
reads the source of the assignment's functions from the notebook's namespace (and of the
notebook functions and imports they use), writes it as ``<assignment>.py`` to a temporary
folder and runs :func:`graders.check.run_check` on it: the student's code runs in propgrade's
separate worker process, never in this kernel, and only the public properties run (a student
release ships no others).  The feedback is the terminal's, line for line.

Under ``nbgrader autograde`` (``NBGRADER_EXECUTION=autograde``) it does nothing: staff grade
with ``propgrade grade``, which reads the solution cells of the submitted notebook.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import tempfile
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from graders import registry, report
from graders.results import SubmissionResult

_CACHE: dict[tuple[str, str], SubmissionResult] = {}
_CACHE_SIZE = 32
_LITERALS = (int, float, complex, str, bytes, bool, type(None))


def _global_names(code: types.CodeType) -> Iterator[str]:
    """Names a function's code (and the code nested in it) may look up as globals."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _global_names(const)


def _literal(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return all(_literal(v) for v in value)
    return isinstance(value, _LITERALS)


def namespace_source(assignment: str, namespace: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The module a student's notebook namespace amounts to, and notes for the student.

    The assignment's functions found in ``namespace``, the notebook functions they call (by
    global name, transitively), ``import`` lines for the modules and library objects they use,
    and plain constants.  Anything else is left out with a note.
    """
    spec = registry.get(assignment)
    notes: list[str] = []
    imports: dict[str, None] = {}
    constants: dict[str, str] = {}
    sources: dict[str, str] = {}

    def visit(name: str, fn: types.FunctionType) -> None:
        if name in sources:
            return
        try:
            sources[name] = inspect.getsource(fn)
        except (OSError, TypeError):
            sources[name] = ""
            notes.append(
                f"could not read the source of {name} (define it in a code cell and "
                "run the cell, or check the saved notebook with `propgrade check`)"
            )
            return
        for ref in dict.fromkeys(_global_names(fn.__code__)):
            if ref not in fn.__globals__:
                continue  # an attribute name or a builtin
            value = fn.__globals__[ref]
            if isinstance(value, types.ModuleType):
                mod = value.__name__
                imports[f"import {mod}" if ref == mod else f"import {mod} as {ref}"] = None
            elif inspect.isfunction(value) and value.__module__ == fn.__module__:
                visit(ref, value)
            elif _literal(value):
                constants[ref] = f"{ref} = {value!r}"
            elif (module := getattr(value, "__module__", None)) and _importable(module, ref, value):
                imports[f"from {module} import {value.__name__} as {ref}"] = None
            else:
                notes.append(
                    f"{name} uses the notebook variable {ref}, which cannot be sent to "
                    "the checker; make it a constant or compute it in the function"
                )

    for function in spec.functions:
        value = namespace.get(function)
        if inspect.isfunction(value):
            visit(function, value)
    body = "\n\n\n".join(s.rstrip() for s in sources.values() if s)
    parts = [
        "from __future__ import annotations",
        "\n".join(imports),
        "\n".join(constants.values()),
        body,
    ]
    return "\n\n".join(p for p in parts if p) + "\n", notes


def _importable(module: str, name: str, value: Any) -> bool:
    """``from module import value.__name__`` gives back ``value`` (functions, classes, ...)."""
    attr = getattr(value, "__name__", None)
    if not isinstance(attr, str) or module == "__main__":
        return False
    try:
        return getattr(importlib.import_module(module), attr, None) is value
    except Exception:  # noqa: BLE001 - any import failure means "not importable"
        return False


def _only(result: SubmissionResult, function: str) -> SubmissionResult:
    tests = [t for t in result.tests if t.function == function]
    return replace(
        result,
        tests=tests,
        score=sum(t.score for t in tests),
        max_score=sum(t.max_score for t in tests),
    )


def check(
    assignment: str,
    namespace: Mapping[str, Any],
    function: str | None = None,
    *,
    run: Callable[[str, Path], SubmissionResult] | None = None,
) -> None:
    """Run the public checks of ``assignment`` (or of one ``function``) and show the feedback.

    ``namespace`` is the notebook's ``globals()``.  Results are cached per source text, so
    re-running a check cell without changing any function is instant.  ``run`` replaces
    :func:`graders.check.run_check` (tests).
    """
    spec = registry.get(assignment)
    if function is not None and function not in spec.functions:
        raise KeyError(
            f"{assignment} has no exercise {function!r} (exercises: {', '.join(spec.functions)})"
        )
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        report.console.print(
            "propgrade checks are skipped under nbgrader autograde "
            "(staff grade with `propgrade grade`)"
        )
        return
    source, notes = namespace_source(assignment, namespace)
    key = (assignment, hashlib.sha256(source.encode()).hexdigest())
    result = _CACHE.get(key)
    if result is None:
        if run is None:
            from graders.check import run_check
            from graders.cli.commands import staff_diagnoser

            def run(assignment: str, path: Path) -> SubmissionResult:
                return run_check(assignment, path, diagnoser_for=staff_diagnoser())

        with tempfile.TemporaryDirectory(prefix="propgrade-notebook-") as tmp:
            path = Path(tmp) / f"{spec.module}.py"
            path.write_text(source)
            result = run(assignment, path)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = result
    shown = result if function is None else _only(result, function)
    for note in notes:
        report.console.print(f"[yellow]![/] {report.escape(note)}")
    report.show_result(shown)
