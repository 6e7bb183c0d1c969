"""The student stubs stay in sync with the reference and carry no answers."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from graders import registry
from graders.assign.stubs import MarkerError, clear_solutions, stub_for

ROOT = Path(__file__).resolve().parents[2]
TOPICS = list(registry.ASSIGNMENTS)


@pytest.mark.parametrize("topic", TOPICS)
def test_committed_stub_equals_a_fresh_generation(topic):
    """exercises/<topic>.py is exactly what the generator makes from reference/<topic>.py."""
    assert (ROOT / "exercises" / f"{topic}.py").read_text() == stub_for(topic)


@pytest.mark.parametrize("topic", TOPICS)
def test_every_spec_function_has_same_signature_and_docstring(topic):
    """Reference and stub define every SPEC function with equal signatures and docstrings."""
    ref = importlib.import_module(f"reference.{topic}")
    stub = importlib.import_module(f"exercises.{topic}")
    for name in registry.get(topic).functions:
        r, s = getattr(ref, name), getattr(stub, name)
        assert inspect.signature(r) == inspect.signature(s), name
        assert inspect.getdoc(r) and inspect.getdoc(r) == inspect.getdoc(s), name


@pytest.mark.parametrize("topic", TOPICS)
def test_reference_defines_exactly_the_spec_functions(topic):
    """The public functions of reference/<topic>.py are the registry's (SPEC's) list."""
    ref = importlib.import_module(f"reference.{topic}")
    public = {
        n
        for n, v in vars(ref).items()
        if inspect.isfunction(v) and not n.startswith("_") and v.__module__ == ref.__name__
    }
    assert public == set(registry.get(topic).functions)


@pytest.mark.parametrize("topic", TOPICS)
def test_stub_raises_not_implemented_naming_the_exercise(topic):
    """Calling a stub raises NotImplementedError whose message is the exercise id."""
    stub = importlib.import_module(f"exercises.{topic}")
    for name in registry.get(topic).functions:
        fn = getattr(stub, name)
        args = [None] * sum(
            p.default is inspect.Parameter.empty for p in inspect.signature(fn).parameters.values()
        )
        with pytest.raises(NotImplementedError, match=f"^{topic}.{name}: "):
            fn(*args)


def test_exercises_import_nothing_of_the_answers():
    """No stub imports reference/ or graders/, and none keeps a solution marker."""
    for path in (ROOT / "exercises").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] in ("reference", "graders") for n in names), path
        assert "SOLUTION" not in path.read_text(), path


def test_reference_does_not_import_torch():
    """The ground truth is pure NumPy."""
    for path in (ROOT / "reference").glob("*.py"):
        assert "torch" not in {n.split(".")[0] for n in _imports(path)}, path


def _imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append(node.module or "")
    return out


def test_markers_must_balance():
    """An unbalanced solution region is an error, not a silently leaked answer."""
    with pytest.raises(MarkerError):
        clear_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "t")
    with pytest.raises(MarkerError):
        clear_solutions("def f():\n    return 1\n    ### END SOLUTION\n", "t")


def test_module_level_region_disappears_and_function_region_raises():
    """A private helper region vanishes; a body region becomes raise NotImplementedError."""
    src = (
        "import numpy as np\n\n### BEGIN SOLUTION\ndef _h():\n    return 1\n"
        '### END SOLUTION\n\n\ndef f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n'
        "    return _h()\n    ### END SOLUTION\n"
    )
    out = clear_solutions(src, "topic")
    assert "_h" not in out
    assert 'raise NotImplementedError("topic.f: not implemented yet")' in out
    assert '"""Doc."""' in out
