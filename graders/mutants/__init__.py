"""The catalog of known-wrong and correct-but-different implementations, per topic.

``graders/mutants/<topic>.py`` (or a package ``graders/mutants/<topic>/`` when one module
would pass 400 lines) defines ``MUTANTS`` (plausible single bugs a student makes),
``VARIANTS`` (correct implementations written differently) and ``DEGENERATES`` (code of the
right form that computes nothing: constants, zeros, the input unchanged, the uniform
distribution, shape-right noise; see ``degenerate.py``).  The catalog proves the graders
(``propgrade validate``: every mutant loses points on its function, every degenerate entry
scores exactly 0 on its function, every variant gets full marks) and feeds misconception
diagnosis.  Staff-only: never shipped to students.

Every entry is a real function, linted and type-checked like the rest, registered by a
decorator of the topic's :class:`Catalog`::

    catalog = Catalog("classification")

    @catalog.mutant("softmax", "softmax without subtracting the row maximum", isolated=True,
                    misconception="your softmax exponentiates the logits as they are: ...")
    def softmax_no_max_shift(z):
        e = np.exp(np.asarray(z, dtype=np.float64))
        return e / np.sum(e, axis=-1, keepdims=True)

    MUTANTS = catalog.mutants

The function's own name is the entry's id (so ids are unique in a module, and a module holds
many wrong ``softmax`` functions); its source is emitted under the student function's name
(``def softmax(z):``) by :mod:`graders.mutants.source`, which also says what else an entry may
use: the reference's names (import them from it, as ``from reference.classification import
softmax``; a course of one's own binds them from ``graders.course.reference(id)``), other
modules, plain data and the catalog's own helper functions.  A name the submission would lack
fails when the catalog is imported.  ``isolated=True`` keeps a wrong function to itself (see
:func:`isolate`); ``companions={"gradient_descent": f}`` replaces further functions too.
``splice`` puts the emitted source into the reference module's source in place of the
reference's definitions, giving a whole submission.
"""

from __future__ import annotations

import ast
import re
import textwrap
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graders import course as courses
from graders import markers
from graders.mutants.source import ENTRY, CatalogError, emit

__all__ = [
    "Catalog",
    "CatalogError",
    "Degenerate",
    "Mutant",
    "Variant",
    "degenerate_family",
    "isolate",
    "mutant_source",
    "splice",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Mutant:
    """A wrong implementation of ``function`` (one plausible bug)."""

    id: str
    function: str
    title: str  #: "Adam without bias correction"
    source: str  #: replacement definition(s), module-level code
    code: Callable[..., Any] = field(compare=False, repr=False)  #: the catalog's function
    misconception: str | None = None  #: student-facing explanation when diagnosed


@dataclass(frozen=True)
class Variant:
    """A correct implementation of ``function`` that differs from the reference's."""

    id: str
    function: str
    title: str
    source: str
    code: Callable[..., Any] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Degenerate:
    """Code of the right form for ``function`` that does not compute it; must score 0 there."""

    id: str
    function: str
    title: str
    source: str
    code: Callable[..., Any] = field(compare=False, repr=False)


class Catalog:
    """The entries of one topic, in the order they are defined (``code``: the function)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.mutants: list[Mutant] = []
        self.variants: list[Variant] = []
        self.degenerates: list[Degenerate] = []
        self._provided: Mapping[str, Any] | None = None

    def provided(self) -> Mapping[str, Any]:
        """The reference's namespace: the names a submission has without being told."""
        if self._provided is None:
            module = _owner(self.topic).module("reference", self.topic)
            self._provided = vars(module) if module is not None else {}
        return self._provided

    def source(
        self,
        fn: Callable[..., Any],
        function: str,
        *,
        isolated: bool = False,
        companions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> str:
        """The replacement source of an entry ``fn`` standing in for ``function``."""
        text = emit(fn, function, self.provided())
        for name, other in (companions or {}).items():
            text += "\n\n" + emit(other, name, self.provided())
        return isolate(self.topic, function, text) if isolated else text

    def _entry(
        self,
        fn: Callable[..., Any],
        function: str,
        isolated: bool,
        companions: Mapping[str, Callable[..., Any]] | None,
    ) -> str:
        allowed = courses.functions(self.topic)
        for name in [function, *(companions or {})]:
            if allowed is not None and name not in allowed:
                raise CatalogError(
                    f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}: "
                    f"{fn.__name__}: {self.topic} has no function {name!r} "
                    f"(its manifest lists {', '.join(allowed)})"
                )
        setattr(fn, ENTRY, True)
        return self.source(fn, function, isolated=isolated, companions=companions)

    def mutant(
        self,
        function: str,
        title: str,
        *,
        misconception: str | None = None,
        isolated: bool = False,
        companions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> Callable[[F], F]:
        """Register the decorated function as a wrong ``function`` (one plausible bug)."""

        def register(fn: F) -> F:
            self.mutants.append(
                Mutant(
                    id=fn.__name__,
                    function=function,
                    title=title,
                    source=self._entry(fn, function, isolated, companions),
                    misconception=misconception,
                    code=fn,
                )
            )
            return fn

        return register

    def variant(self, function: str, title: str, *, isolated: bool = False) -> Callable[[F], F]:
        """Register the decorated function as a correct ``function`` written differently."""

        def register(fn: F) -> F:
            self.variants.append(
                Variant(
                    id=fn.__name__,
                    function=function,
                    title=title,
                    source=self._entry(fn, function, isolated, None),
                    code=fn,
                )
            )
            return fn

        return register

    def degenerate(self, function: str, title: str, *, isolated: bool = False) -> Callable[[F], F]:
        """Register the decorated function as a degenerate ``function`` (must score 0)."""

        def register(fn: F) -> F:
            self.degenerates.append(
                Degenerate(
                    id=fn.__name__,
                    function=function,
                    title=title,
                    source=self._entry(fn, function, isolated, None),
                    code=fn,
                )
            )
            return fn

        return register


def _owner(topic: str) -> courses.Course:
    found = courses.find(topic)
    if found is None:
        raise courses.CourseError(f"no course here has an assignment {topic!r}")
    return found


def reference_source(topic: str) -> str:
    """The text of ``topic``'s reference, from the course that owns it."""
    return _owner(topic).path("reference", topic).read_text()


def splice(base: str, replacement: str) -> str:
    """``base`` with each top-level function defined in ``replacement`` swapped for the new
    definition; other top-level code of ``replacement`` (helpers, imports) is appended."""
    replacement = textwrap.dedent(replacement).strip("\n") + "\n"
    new = ast.parse(replacement)
    new_defs = {n.name: n for n in new.body if isinstance(n, ast.FunctionDef)}
    lines = base.splitlines(keepends=True)
    tree = ast.parse(base)
    rep_lines = replacement.splitlines(keepends=True)
    cuts = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in new_defs:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            end = node.end_lineno or node.lineno
            # comments at the end of the body (e.g. "### END SOLUTION") belong to it too
            while (
                end < len(lines)
                and lines[end].strip().startswith("#")
                and len(lines[end]) - len(lines[end].lstrip()) > node.col_offset
            ):
                end += 1
            cuts.append((start, end, node.name))
    missing = set(new_defs) - {c[2] for c in cuts}
    out = list(lines)
    for start, end, name in sorted(cuts, reverse=True):
        node = new_defs[name]
        first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        out[start:end] = rep_lines[first : node.end_lineno]
    extra = [n for n in new.body if not (isinstance(n, ast.FunctionDef) and n.name not in missing)]
    tail = "".join(
        "".join(rep_lines[n.lineno - 1 : n.end_lineno])
        for n in extra
        if not isinstance(n, ast.FunctionDef) or n.name in missing
    )
    return "".join(out) + ("\n\n" + tail if tail else "")


class MissingCatalog(courses.CourseError, ModuleNotFoundError):
    """The course has no catalog for the topic: one line for staff (exit 3), and an
    ImportError for callers that carry on without diagnosis."""

    __str__ = Exception.__str__


def catalog(topic: str) -> types.ModuleType:
    """``graders/mutants/<topic>.py`` of the course that owns ``topic`` (imported once)."""
    module = _owner(topic).module("mutants", topic)
    if module is None:
        raise MissingCatalog(
            f"{_owner(topic).path('mutants', topic)}: missing (the catalog that proves the graders)"
        )
    return module


def mutants(topic: str) -> list[Mutant]:
    return list(catalog(topic).MUTANTS)


def variants(topic: str) -> list[Variant]:
    return list(catalog(topic).VARIANTS)


def degenerates(topic: str) -> list[Degenerate]:
    return list(getattr(catalog(topic), "DEGENERATES", []))


def _calls(node: ast.AST, name: str) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
        for n in ast.walk(node)
    )


def isolate(topic: str, name: str, wrong: str) -> str:
    """``wrong`` (a new definition of ``name``) kept to that one function.

    The reference's own functions may call ``name`` (``cross_entropy`` calls
    ``log_softmax``); spliced in as it is, a wrong ``name`` would break them too, and the
    catalog could not say which function a failure belongs to.  So the result also holds a
    private copy of the reference's ``name`` as ``_reference_<name>`` and the reference's
    callers rewired to it (their code otherwise unchanged).
    """
    base = reference_source(topic)
    lines = [
        line if not markers.BEGIN.match(line) else "\n" for line in base.splitlines(keepends=True)
    ]
    private = f"_reference_{name}"
    call = re.compile(rf"(?<![\w.]){name}\(")
    parts = [textwrap.dedent(wrong).strip("\n") + "\n"]
    for node in ast.parse(base).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        text = "".join(lines[node.lineno - 1 : node.end_lineno])
        if node.name == name:
            parts.append(text.replace(f"def {name}(", f"def {private}(", 1))
        elif _calls(node, name):
            head, body = text.split("\n", 1)  # keep the caller's own `def` line
            parts.append(head + "\n" + call.sub(f"{private}(", body))
    return "\n\n".join(parts)


def degenerate_family(topic: str, kinds: dict[str, list[str]]) -> list[Degenerate]:
    """The generic degenerate entries of ``topic``: ``{function: [kind, ...]}`` with kinds
    from ``degenerate.KINDS`` (zeros, ones, uniform, noise, identity)."""
    from graders.mutants import degenerate

    provided = Catalog(topic).provided()
    return [
        Degenerate(
            id=f"{f}_{kind}",
            function=f,
            title=f"{f} {degenerate.TITLES[kind]}",
            source=isolate(topic, f, degenerate.source_for(f, kind, provided)),
            code=degenerate.KINDS[kind],
        )
        for f, ks in kinds.items()
        for kind in ks
    ]


def mutant_source(topic: str, entry: Mutant | Variant | Degenerate) -> str:
    """The whole submission for a catalog entry."""
    return splice(reference_source(topic), entry.source)


def load_module(name: str, source: str) -> types.ModuleType:
    """Execute trusted catalog/reference source as a fresh module (judge side only)."""
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - our own code
    return module
