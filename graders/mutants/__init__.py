"""The catalog of known-wrong and correct-but-different implementations, per topic.

``graders/mutants/<topic>.py`` defines ``MUTANTS`` (plausible single bugs a student makes),
``VARIANTS`` (correct implementations written differently) and ``DEGENERATES`` (code of the
right form that computes nothing: constants, zeros, the input unchanged, the uniform
distribution, shape-right noise; see ``degenerate.py``).  Each entry holds only the
function(s) it changes, as source; ``splice`` puts them into the reference module's source in
place of the reference's definitions, giving a whole submission.  The catalog proves the
graders (``propgrade validate``: every mutant loses points on its function, every degenerate
entry scores exactly 0 on its function, every variant gets full marks) and feeds misconception diagnosis.  Staff-only: never shipped to students.
"""

from __future__ import annotations

import ast
import re
import textwrap
import types
from dataclasses import dataclass

from graders import course as courses


@dataclass(frozen=True)
class Mutant:
    """A wrong implementation of ``function`` (one plausible bug)."""

    id: str
    function: str
    title: str                      #: "Adam without bias correction"
    source: str                     #: replacement definition(s), module-level code
    misconception: str | None = None  #: student-facing explanation when diagnosed


@dataclass(frozen=True)
class Variant:
    """A correct implementation of ``function`` that differs from the reference's."""

    id: str
    function: str
    title: str
    source: str


@dataclass(frozen=True)
class Degenerate:
    """Code of the right form for ``function`` that does not compute it; must score 0 there."""

    id: str
    function: str
    title: str
    source: str


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
            while (end < len(lines) and lines[end].strip().startswith("#")
                   and len(lines[end]) - len(lines[end].lstrip()) > node.col_offset):
                end += 1
            cuts.append((start, end, node.name))
    missing = set(new_defs) - {c[2] for c in cuts}
    out = list(lines)
    for start, end, name in sorted(cuts, reverse=True):
        node = new_defs[name]
        first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        out[start:end] = rep_lines[first:node.end_lineno]
    extra = [n for n in new.body if not (isinstance(n, ast.FunctionDef) and n.name not in missing)]
    tail = "".join("".join(rep_lines[n.lineno - 1:n.end_lineno]) for n in extra
                   if not isinstance(n, ast.FunctionDef) or n.name in missing)
    return "".join(out) + ("\n\n" + tail if tail else "")


class MissingCatalog(courses.CourseError, ModuleNotFoundError):
    """The course has no catalog for the topic: one line for staff (exit 3), and an
    ImportError for callers that carry on without diagnosis."""

    __str__ = Exception.__str__


def catalog(topic: str) -> types.ModuleType:
    """``graders/mutants/<topic>.py`` of the course that owns ``topic`` (imported once)."""
    module = _owner(topic).module("mutants", topic)
    if module is None:
        raise MissingCatalog(f"{_owner(topic).path('mutants', topic)}: missing (the catalog "
                             "that proves the graders)")
    return module


def mutants(topic: str) -> list[Mutant]:
    return list(catalog(topic).MUTANTS)


def variants(topic: str) -> list[Variant]:
    return list(catalog(topic).VARIANTS)


def degenerates(topic: str) -> list[Degenerate]:
    return list(getattr(catalog(topic), "DEGENERATES", []))


def _calls(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
               for n in ast.walk(node))


def isolate(topic: str, name: str, wrong: str) -> str:
    """``wrong`` (a new definition of ``name``) kept to that one function.

    The reference's own functions may call ``name`` (``cross_entropy`` calls
    ``log_softmax``); spliced in as it is, a wrong ``name`` would break them too, and the
    catalog could not say which function a failure belongs to.  So the result also holds a
    private copy of the reference's ``name`` as ``_reference_<name>`` and the reference's
    callers rewired to it (their code otherwise unchanged).
    """
    base = reference_source(topic)
    lines = [line if "### BEGIN SOLUTION" not in line else "\n"
             for line in base.splitlines(keepends=True)]
    private = f"_reference_{name}"
    call = re.compile(rf"(?<![\w.]){name}\(")
    parts = [textwrap.dedent(wrong).strip("\n") + "\n"]
    for node in ast.parse(base).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        text = "".join(lines[node.lineno - 1:node.end_lineno])
        if node.name == name:
            parts.append(text.replace(f"def {name}(", f"def {private}(", 1))
        elif _calls(node, name):
            head, body = text.split("\n", 1)  # keep the caller's own `def` line
            parts.append(head + "\n" + call.sub(f"{private}(", body))
    return "\n\n".join(parts)


def degenerate_family(topic: str, kinds: dict[str, list[str]]) -> list[Degenerate]:
    """The generic degenerate entries of ``topic``: ``{function: [kind, ...]}`` with kinds
    from ``degenerate.KINDS`` (zeros, ones, uniform, noise, identity)."""
    from graders.mutants.degenerate import family

    return [Degenerate(id=i, function=f, title=title, source=isolate(topic, f, src))
            for f, ks in kinds.items() for i, title, src in family(f, ks)]


def mutant_source(topic: str, entry: Mutant | Variant | Degenerate) -> str:
    """The whole submission for a catalog entry."""
    return splice(reference_source(topic), entry.source)


def load_module(name: str, source: str) -> types.ModuleType:
    """Execute trusted catalog/reference source as a fresh module (judge side only)."""
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - our own code
    return module
