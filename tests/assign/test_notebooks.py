"""The lecture notebooks: in sync with the reference, valid for nbgrader, executable, plotting."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from graders import registry
from graders.assign import notebooks
from graders.assign.notebooks import (
    build_notebook,
    fill_solutions,
    load_manifest,
    notebook_text,
    reference_functions,
)
from graders.grade.ipynb import notebook_source
from graders.notebook import check, namespace_source
from graders.results import SubmissionResult
from graders.results import TestResult as Outcome

TOPICS = list(registry.ASSIGNMENTS)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("topic", TOPICS)
def test_manifest_agrees_with_the_registry_and_the_graders(topic):
    """The manifest's title, exercises and points are the registry's and the properties'."""
    manifest = load_manifest(topic)
    spec = registry.get(topic)
    points: dict[str, float] = defaultdict(float)
    for p in registry.properties(topic):
        points[p.function] += p.points
    assert manifest.title == spec.title
    assert list(manifest.points) == list(spec.functions)
    assert manifest.points == dict(points), (
        "update the manifest's [points], then run python -m graders.assign.notebooks"
    )
    assert manifest.total_points == spec.total_points
    assert {"memory_mb", "call_seconds", "submission_seconds"} <= set(manifest.limits)


@pytest.mark.parametrize("topic", TOPICS)
def test_committed_notebook_equals_a_fresh_build(topic):
    """assignments/<id>/source/<id>.ipynb is what the template and the reference build."""
    committed = load_manifest(topic).notebook.read_text()
    assert committed == notebook_text(build_notebook(topic)), (
        "run python -m graders.assign.notebooks"
    )


@pytest.mark.parametrize("topic", TOPICS)
def test_solution_cells_are_the_reference_functions(topic):
    """Each solution cell holds reference functions verbatim, markers included; all are there."""
    ref = reference_functions(topic)
    nb = build_notebook(topic)
    defined = []
    for cell in nb.cells:
        if not _meta(cell).get("solution"):
            continue
        names = [n.name for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)]
        assert cell.source == "\n\n\n".join(ref[n] for n in names)
        assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION")
        defined += names
    assert set(registry.get(topic).functions) <= set(defined)
    assert sorted(defined) == sorted(set(defined))


@pytest.mark.parametrize("topic", TOPICS)
def test_every_exercise_has_one_graded_check_cell_worth_its_points(topic):
    """One locked nbgrader test cell per exercise, calling propgrade's check, with its points."""
    manifest = load_manifest(topic)
    nb = build_notebook(topic)
    graded = {_meta(c)["grade_id"]: c for c in nb.cells if _meta(c).get("grade")}
    assert list(graded) == list(registry.get(topic).functions)
    for name, cell in graded.items():
        assert _meta(cell)["locked"] and _meta(cell)["points"] == manifest.points[name]
        assert cell.source.startswith(f'check("{topic}", globals(), "{name}")')
    assert nb.cells[-1].source == f'check("{topic}", globals())'


@pytest.mark.parametrize("topic", TOPICS)
def test_nbgrader_accepts_the_metadata(topic):
    """nbgrader's own metadata validator passes every cell (schema 3, unique grade ids)."""
    from nbgrader.nbgraderformat import MetadataValidator

    MetadataValidator().validate_nb(build_notebook(topic))


@pytest.mark.parametrize("topic", TOPICS)
def test_graded_code_of_a_notebook_is_the_solution_cells_without_plots(topic):
    """notebook_source takes the solution cells and imports, never plotting or check code."""
    source, reason = notebook_source(notebook_text(build_notebook(topic)).encode(), "x.ipynb")
    assert reason is None and source is not None
    imports = [ln for ln in source.splitlines() if ln.startswith(("import ", "from "))]
    assert not [ln for ln in imports if "matplotlib" in ln or "graders" in ln]
    assert "check(" not in source and "plt." not in source
    namespace: dict = {}
    exec(compile(source, f"{topic}.py", "exec"), namespace)  # the reference itself
    for function in registry.get(topic).functions:
        assert callable(namespace[function])


def test_fill_solutions_puts_a_module_into_the_solution_cells():
    """fill_solutions types a module's functions into the cells that define them."""
    nb = build_notebook("classification")
    # a softmax the notebook does not hold already (else filling could not be told apart)
    wrong = "def softmax(z):\n    e = np.exp(z)\n    return e / np.sum(e, axis=-1, keepdims=True)"
    assert all(wrong not in c.source for c in nb.cells)
    module = "import numpy as np\n\n\n" + wrong + "\n\n\ndef extra_helper():\n    return 1\n"
    filled = fill_solutions(nb, module)
    cells = [c for c in filled.cells if _meta(c).get("solution")]
    assert cells[0].source == wrong
    assert all(c.source == "" for c in cells[1:-1])
    assert cells[-1].source.endswith("def extra_helper():\n    return 1")


# --- graders.notebook.check -----------------------------------------------------------------

STUDENT_CELLS = """
import numpy as np
from math import e as EULER

SHIFT = 0.0


def _stable(z):
    return z - np.max(z, axis=-1, keepdims=True) + SHIFT


def softmax(z):
    w = np.exp(_stable(np.asarray(z, dtype=float))) * EULER / EULER
    return w / w.sum(axis=-1, keepdims=True)
"""


def _student_namespace(tmp_path: Path) -> dict:
    path = tmp_path / "cells.py"
    path.write_text(STUDENT_CELLS)
    namespace: dict = {"__name__": "__main__"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    import linecache

    linecache.updatecache(str(path))
    return namespace


def test_namespace_source_rebuilds_a_module_from_notebook_globals(tmp_path):
    """Functions, the helpers they call, their imports and constants become one module."""
    source, notes = namespace_source("classification", _student_namespace(tmp_path))
    assert notes == []
    assert "import numpy as np" in source and "SHIFT = 0.0" in source
    assert "from math import e as EULER" not in source or "EULER" in source
    module: dict = {}
    exec(compile(source, "classification.py", "exec"), module)
    import numpy as np

    assert np.allclose(module["softmax"](np.array([[0.0, 0.0]])), 0.5)


def _fake_run(calls: list):
    def run(assignment: str, path: Path) -> SubmissionResult:
        calls.append(path.read_text())
        tests = [
            Outcome(
                key=f"{assignment}.{f}.p",
                exercise=f"{assignment}.{f}",
                name=f"{f}: a property",
                score=1.0 if f == "softmax" else 0.0,
                max_score=1.0,
                visibility="public",
                status="passed" if f == "softmax" else "failed",
                output="" if f == "softmax" else f"your module has no function {f}",
            )
            for f in registry.get(assignment).functions
        ]
        return SubmissionResult("you", assignment, 1.0, float(len(tests)), tests)

    return run


def test_check_shows_one_functions_feedback_and_caches(tmp_path, capsys):
    """check(..., "softmax") shows softmax's lines only; an unchanged namespace is not rerun."""
    calls: list = []
    namespace = _student_namespace(tmp_path)
    check("classification", namespace, "softmax", run=_fake_run(calls))
    out = ANSI.sub("", capsys.readouterr().out)
    assert "softmax: a property" in out and "log_softmax" not in out
    assert "Score: 1 / 1" in out
    check("classification", namespace, run=_fake_run(calls))
    out = ANSI.sub("", capsys.readouterr().out)
    assert len(calls) == 1 and "your module has no function log_softmax" in out
    assert "Score: 1 / 7" in out


def test_check_does_nothing_under_nbgrader_autograde(tmp_path, capsys, monkeypatch):
    """Under nbgrader autograde the check cell neither runs code nor fails."""
    calls: list = []
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    check("classification", _student_namespace(tmp_path), "softmax", run=_fake_run(calls))
    assert calls == [] and "skipped" in capsys.readouterr().out


# --- executing the source notebooks ---------------------------------------------------------


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    """Every source notebook run top to bottom with the reference filled in (in parallel)."""
    work = tmp_path_factory.mktemp("run")

    def run(topic: str) -> nbformat.NotebookNode:
        return notebooks.execute(build_notebook(topic), work, timeout=300)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(TOPICS, pool.map(run, TOPICS)))


@pytest.mark.slow
@pytest.mark.parametrize("topic", TOPICS)
def test_source_notebook_executes_and_writes_its_plots(topic, executed, tmp_path):
    """The notebook runs without an error, draws its plots (PNG) and passes every check."""
    nb = executed[topic]
    written = notebooks.write_figures(topic, nb, tmp_path)
    assert len(written) >= 2
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in written)
    assert "Score: 10 / 10" in _text(nb.cells[-1])
    for cell in nb.cells:
        if _meta(cell).get("grade"):
            text = _text(cell)
            assert "✗" not in text and "Score:" in text, cell.source.splitlines()[0]


def _text(cell) -> str:
    """What a cell showed as text: streams and the plain-text form of rich's displays."""
    parts = [o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs]
    return ANSI.sub("", "".join(parts))
