"""Imports follow the layers: every module imports only from its own layer or one it stands on.

Each module under ``graders/``, ``reference/`` and ``exercises/`` is parsed (``ast``, nothing
is imported) and mapped to its layer by the table below (first matching entry wins; a folder
entry covers every module under it).  Every ``import`` is checked, at module level and inside
functions alike (a lazy import is still a dependency), ``TYPE_CHECKING`` blocks included.

==========  ====================================================================  ==============
layer       modules                                                               may import
==========  ====================================================================  ==============
base        errors, nbgrader_env                                                  --
wire        sandbox/protocol, sandbox/framing, sandbox/nesting, sandbox/kinds     base
transport   sandbox/  (the trust boundary: worker, client, launchers, doctor)     wire
kit         props, compare, strategies, oracles, profiles, results, registry,     wire
            course
reference   reference/  (plain NumPy: no propgrade import at all)                 --
stubs       exercises/  (the student stubs: not even the reference)               --
content     public/, hidden/, mutants/  (the graders and the catalog)             kit, reference
engine      grade/{driver,runner,examples,draw,shrink,gate,submission,discover,   content,
            folders,pick,ipynb,store},
            diagnose, check/misconceptions                                        transport
pipeline    grade/batch, export/, assign/, check/ (its __init__), validate        engine
cli         cli, report, notebook, demo                                           pipeline
==========  ====================================================================  ==============

"May import" is transitive downwards (the engine may import the kit through ``content``'s
column, and everything on ``wire`` and ``base``), with two deliberate gaps: the transport and
the kit stand side by side on the wire and never import each other (grader code must load
without sockets or processes, and the worker must never load grader code), and content
imports the kit and the reference only, never the engine or the transport directly.

A second rule follows the student release (``graders.assign.release.STAFF_ONLY``): a module
that is shipped to students never imports a staff-only one (``hidden/``, ``mutants/``,
``diagnose``, ``validate``, ``demo``) -- in a release the import would fail.

Exceptions are the ``ALLOWED`` entries below, each with the reason; a ``TODO(layers)`` entry
is a violation in a file someone else is changing, to be moved as its comment says.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("graders", "reference", "exercises")

#: (module or package prefix, layer); the first match wins, so specific entries come first
TABLE: tuple[tuple[str, str], ...] = (
    ("graders.errors", "base"),
    ("graders.nbgrader_env", "base"),
    ("graders.sandbox.protocol", "wire"),
    ("graders.sandbox.framing", "wire"),
    ("graders.sandbox.nesting", "wire"),  # the codec's depth checks
    ("graders.sandbox.kinds", "wire"),  # data functions' library: judge and worker run it
    ("graders.sandbox", "transport"),  # the trust boundary, worker/ included
    ("graders.props", "kit"),
    ("graders.compare", "kit"),
    ("graders.kit", "kit"),  # the grader modules' shared helpers
    ("graders.strategies", "kit"),
    ("graders.oracles", "kit"),
    ("graders.profiles", "kit"),
    ("graders.results", "kit"),
    ("graders.registry", "kit"),
    ("graders.course", "kit"),  # the course's table of assignments, beside registry
    ("graders.markers", "kit"),  # the reference's solution markers: one parser
    ("reference", "reference"),
    ("exercises", "stubs"),
    ("graders.public", "content"),
    ("graders.hidden", "content"),
    ("graders.mutants", "content"),
    ("graders.grade.driver", "engine"),
    ("graders.grade.runner", "engine"),
    ("graders.grade.examples", "engine"),
    ("graders.grade.draw", "engine"),
    ("graders.grade.shrink", "engine"),
    ("graders.grade.gate", "engine"),
    ("graders.grade.submission", "engine"),
    ("graders.grade.discover", "engine"),
    ("graders.grade.folders", "engine"),  # discover's: who is a student, link-safe walking
    ("graders.grade.pick", "engine"),  # discover's: which file of a submission is graded
    ("graders.grade.ipynb", "engine"),  # discover's: a notebook's solution code
    ("graders.grade.store", "engine"),
    ("graders.grade.limits", "engine"),  # joins the course's limits and the sandbox's
    ("graders.diagnose", "engine"),
    ("graders.check.misconceptions", "engine"),
    ("graders.grade.batch", "pipeline"),
    ("graders.grade.dask_backend", "pipeline"),  # grade_batch's judges, on a Dask cluster
    ("graders.export", "pipeline"),
    ("graders.assign", "pipeline"),
    ("graders.check", "pipeline"),
    ("graders.validate", "pipeline"),
    ("graders.cli", "cli"),  # main, parser, commands
    ("graders.options", "cli"),  # each command's arguments, for graders.cli
    ("graders.report", "cli"),
    ("graders.notebook", "cli"),  # the notebook's check cells: a front end like the CLI
    ("graders.demo", "cli"),  # `propgrade demo`: grade_batch plus a printed table
    ("graders.grade", "package"),  # the packages' own (empty) __init__ files
    ("graders", "package"),
)

#: what each layer stands on directly; "may import" is the closure of this, plus itself
STANDS_ON: dict[str, tuple[str, ...]] = {
    "base": (),
    "package": (),
    "wire": ("base",),
    "transport": ("wire",),
    "kit": ("wire",),
    "reference": (),
    "stubs": (),
    "content": ("kit", "reference"),
    "engine": ("content", "transport"),
    "pipeline": ("engine",),
    "cli": ("pipeline",),
}

#: modules a student release does not contain (must equal release.STAFF_ONLY's meaning)
STAFF_ONLY = (
    "graders.hidden",
    "graders.mutants",
    "graders.diagnose",
    "graders.validate",
    "graders.demo",
)

#: (importing module, imported module) -> why it is allowed
ALLOWED: dict[tuple[str, str], str] = {
    # staff commands in the CLI: imported only when run; the student checker answers them
    # with one line saying they are for staff
    ("graders.cli.commands", "graders.validate"): "staff command, lazy",
    ("graders.cli.commands", "graders.demo"): "staff command, lazy",
    # staff_diagnoser: imported only where registry.hidden_available() (never in a release)
    ("graders.cli.commands", "graders.diagnose"): "staff only, lazy",
    ("graders.options", "graders.demo"): "staff command's defaults, lazy",
    # staff side of `propgrade generate`: freezing the catalog's answers into the release
    ("graders.assign.release", "graders.diagnose"): "staff command, lazy",
    # TODO(layers): graders/assign/autograder.py -- grade_submission is the Gradescope run's
    # front end (it prints the doctor's rows): it moves to the entry-point file of the
    # autograder (cli layer), leaving autograder.py the builder of the zip
    ("graders.assign.autograder", "graders.report"): "TODO(layers)",
    # a Dask worker grades for staff: its judge replays the catalog installed there
    ("graders.grade.dask_backend", "graders.diagnose"): "staff side, lazy",
    # the Gradescope zip ships the catalog (root-only, beside the hidden graders)
    ("graders.assign.autograder", "graders.diagnose"): "staff side, lazy",
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    lazy: bool  #: inside a function

    def __str__(self) -> str:
        where = "function-level" if self.lazy else "module-level"
        return f"{self.importer}:{self.line} imports {self.imported} ({where})"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str | None:
    for prefix, layer in TABLE:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


@cache
def may_import(layer: str) -> frozenset[str]:
    out = {layer}
    for below in STANDS_ON[layer]:
        out |= may_import(below)
    return frozenset(out)


TEMPLATES = ROOT / "graders" / "assign" / "templates"


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if TEMPLATES in path.parents:
                continue  # scaffolding `propgrade new` writes into a course: course content
            found[module_name(path)] = path
    return found


def imports_of(module: str, path: Path) -> list[Import]:
    """Every import of a propgrade module in ``path``, resolved to an absolute name."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    out: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    stem = ".".join(base + ([child.module] if child.module else []))
                else:
                    stem = child.module or ""
                # `from graders import registry` imports the module graders.registry
                names = [
                    f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules_set() else stem
                    for a in child.names
                ]
            for name in names:
                if name.split(".")[0] in PACKAGES:
                    out.append(Import(module, name, child.lineno, lazy))
            visit(child, inner)

    visit(ast.parse(path.read_text(), str(path)), False)
    return out


@cache
def modules_set() -> frozenset[str]:
    return frozenset(modules())


@cache
def all_imports() -> tuple[Import, ...]:
    return tuple(imp for module, path in modules().items() for imp in imports_of(module, path))


def test_every_module_has_a_layer():
    """A new module is placed in the table on purpose, not by accident of its folder."""
    missing = [m for m in modules() if layer_of(m) is None]
    assert not missing, (
        f"no layer for {missing}: add them to TABLE in tests/test_layers.py and to tests/README.md"
    )


def test_imports_go_down_the_layers_only():
    """No module imports from a layer above it or beside it (transport vs kit, content)."""
    bad = []
    for imp in all_imports():
        mine, theirs = layer_of(imp.importer), layer_of(imp.imported)
        if mine is None or theirs is None or theirs == "package" or mine == "package":
            continue
        if theirs not in may_import(mine) and (imp.importer, imp.imported) not in ALLOWED:
            bad.append(f"{imp}: {mine} may not import {theirs}")
    assert not bad, "\n".join(bad)


def test_shipped_modules_never_import_staff_only_ones():
    """What a student release ships imports nothing the release leaves out."""

    def staff(module: str) -> bool:
        return any(module == s or module.startswith(s + ".") for s in STAFF_ONLY)

    bad = [
        str(imp)
        for imp in all_imports()
        if imp.importer.startswith("graders.")
        and not staff(imp.importer)
        and staff(imp.imported)
        and (imp.importer, imp.imported) not in ALLOWED
    ]
    assert not bad, "\n".join(bad)


def test_staff_only_is_what_the_release_leaves_out():
    """This test's STAFF_ONLY names exactly what ``propgrade generate`` does not ship."""
    tree = ast.parse((ROOT / "graders" / "assign" / "release.py").read_text())
    left_out = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", "") == "STAFF_ONLY" for t in node.targets)
    )
    names = {f"graders.{n.removesuffix('.py')}" for n in left_out}
    assert names == set(STAFF_ONLY)


def test_every_allowance_is_still_needed():
    """An allow-list entry whose import is gone is removed, so the list stays a true list."""
    seen = {(imp.importer, imp.imported) for imp in all_imports()}
    stale = [pair for pair in ALLOWED if pair not in seen]
    assert not stale, f"no longer imported, remove from ALLOWED: {stale}"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from graders.sandbox.client import Worker", ["graders.sandbox.client"]),
        ("from graders import registry, report", ["graders.registry", "graders.report"]),
        ("def f():\n    from graders.diagnose import freeze", ["graders.diagnose"]),
        ("from .examples import Example", ["graders.grade.examples"]),
        ("import numpy as np", []),
    ],
)
def test_imports_are_found_and_resolved(tmp_path, source, expected):
    """The checker sees module-level, function-level and relative imports, and only ours."""
    fake = tmp_path / "driver.py"  # parsed as graders.grade.driver: `.` is graders.grade
    fake.write_text(source)
    found = imports_of("graders.grade.driver", fake)
    assert [i.imported for i in found] == expected


def test_an_upward_import_is_reported():
    """The rule fails on a kit module importing the transport (the check can fail)."""
    mine, theirs = layer_of("graders.props"), layer_of("graders.sandbox.client")
    assert theirs not in may_import(mine)
    assert layer_of("graders.sandbox.protocol") in may_import(mine)
    assert "engine" not in may_import("content") and "transport" not in may_import("content")
