"""Build the discovery fixtures (tests/fixtures/discovery/<situation>/) from the course itself.

Every file is made by the project's own generators, never typed by hand: stubs are
``exercises/<id>.py`` (``graders.assign.stubs``), the released notebook is what nbgrader's
``generate_assignment`` writes (``graders.assign.release``), a solved notebook is that release
with the reference typed into its solution cells (``graders.assign.notebooks.fill_solutions``),
and a partly solved module is the stub with some of its functions taken whole from the
reference.  ``python -m tests.grade.discovery_fixtures`` rewrites them after the reference,
a stub or the lecture notebook changes; ``test_discover.py`` proves the committed
files equal a fresh build.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from pathlib import Path

import nbformat

from graders import mutants
from graders.assign.notebooks import (
    fill_solutions,
    load_manifest,
    notebook_text,
    reference_functions,
)
from graders.assign.release import nbgrader_release
from graders.assign.stubs import stub_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
TOPIC = "classification"
#: the functions a partly solved module implements (they need no private helper)
PARTIAL = ("softmax", "log_softmax", "sigmoid")
#: an AppleDouble file as macOS' Archive Utility writes it (magic, version, no entries)
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00" + b"Mac OS X        " + b"\x00\x00"


def partly_solved(topic: str, names: tuple[str, ...]) -> str:
    """The stub of ``topic`` with the functions ``names`` replaced by the reference's."""
    stub = stub_for(topic)
    lines = stub.splitlines()
    ref = reference_functions(topic)
    out, cursor = [], 0
    for node in ast.parse(stub).body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            out += lines[cursor : node.lineno - 1] + ref[node.name].splitlines()
            cursor = node.end_lineno or node.lineno
    return "\n".join(out + lines[cursor:]) + "\n"


def files(released: nbformat.NotebookNode) -> dict[str, str | bytes]:
    """Relative path -> content of every fixture file."""
    stub = stub_for(TOPIC)
    reference = mutants.reference_source(TOPIC)
    solved_nb = notebook_text(fill_solutions(released, reference))
    release_nb = notebook_text(released)
    source_nb = load_manifest(TOPIC).notebook.read_text()
    empty_nb = notebook_text(nbformat.v4.new_notebook())
    py, nb = f"{TOPIC}.py", f"{TOPIC}.ipynb"
    return {
        # one student's folder each
        f"solved_notebook_beside_stub/{py}": stub,
        f"solved_notebook_beside_stub/{nb}": solved_nb,
        f"solved_notebook_only/{nb}": solved_nb,
        f"partial_module_solved_notebook/{py}": partly_solved(TOPIC, PARTIAL),
        f"partial_module_solved_notebook/{nb}": solved_nb,
        f"solved_module_beside_release_notebook/{py}": reference,
        f"solved_module_beside_release_notebook/{nb}": release_nb,
        f"solved_module_beside_solved_notebook/{py}": reference,
        f"solved_module_beside_solved_notebook/{nb}": solved_nb,
        # batch roots
        f"macosx_junk/alice/{py}": reference,
        f"macosx_junk/alice/._{py}": APPLEDOUBLE,
        f"macosx_junk/__MACOSX/alice/._{py}": APPLEDOUBLE,
        "macosx_junk/__MACOSX/._alice": APPLEDOUBLE,
        f"macosx_junk/.ipynb_checkpoints/{TOPIC}-checkpoint.ipynb": empty_nb,
        f"macosx_junk/__pycache__/{TOPIC}.cpython-311.pyc": b"\xa7\r\r\n" + bytes(12),
        f"macosx_junk/.Trash-1000/info/{py}.trashinfo": "[Trash Info]\n",
        "nbgrader_course_root/nbgrader_config.py": 'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "dl101"\n',
        f"nbgrader_course_root/source/{TOPIC}/{nb}": source_nb,
        f"nbgrader_course_root/release/{TOPIC}/{nb}": release_nb,
        f"nbgrader_course_root/submitted/alice/{TOPIC}/{nb}": solved_nb,
        f"nbgrader_course_root/submitted/bob/{TOPIC}/{py}": stub,
        f"only_subfolder_is_submitted/submitted/alice/{TOPIC}/{py}": reference,
        f"student_removed_between_runs/before/alice/{py}": reference,
        f"student_removed_between_runs/before/bob/{py}": stub,
        f"student_removed_between_runs/after/alice/{py}": reference,
    }


def situations(contents: dict[str, str | bytes]) -> list[str]:
    return sorted({rel.split("/")[0] for rel in contents})


def released_notebook() -> nbformat.NotebookNode:
    """The student notebook of ``TOPIC`` exactly as ``propgrade generate`` ships it."""
    with tempfile.TemporaryDirectory(prefix="propgrade-fixtures-") as tmp:
        path = nbgrader_release(TOPIC, load_manifest(TOPIC).notebook, Path(tmp))
        return nbformat.read(path, as_version=4)


def write(root: Path = FIXTURES) -> list[Path]:
    contents = files(released_notebook())
    for situation in situations(contents):
        shutil.rmtree(root / situation, ignore_errors=True)
    written = []
    for rel, data in contents.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write():
        print(p.relative_to(FIXTURES))  # noqa: T201 - a developer script
