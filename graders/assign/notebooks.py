"""Author the nbgrader source notebooks: lecture text and plots from a template, solutions from
the reference.

Each assignment folder holds::

    assignments/<id>/manifest.toml          title, lecture section, functions, limits
    assignments/<id>/source/lecture.md      the lecture text, plot cells and quick tests
    assignments/<id>/source/<id>.ipynb      generated here: nbgrader's source notebook

The template is Markdown.  Prose becomes markdown cells (``+++`` on a line of its own starts a
new one); a fenced block becomes a code cell, its info string saying which kind::

    ```python                      a plain cell (imports, plots): runs in the student's kernel
    ```python solution softmax     nbgrader solution cell: the reference's ``softmax``, copied
                                   with its ### BEGIN/END SOLUTION markers (the block is empty)
    ```python check softmax        nbgrader test cell worth softmax's points (its properties',
                                   public and hidden): propgrade's public checks, then the
                                   block's quick asserts
    ```python check                the closing cell: every public check of the assignment

A private helper of the reference (a module-level solution region, e.g. ``_onehot``) keeps its
signature and docstring in the notebook and only its body becomes the solution region, because
nbgrader replaces a region with ``raise NotImplementedError()`` at the region's indentation, and
at module level that would break the cell.

The solutions are never written by hand, so notebook and reference cannot drift: run
``python -m graders.assign.notebooks`` after editing a template, manifest or reference (a test
proves the committed notebooks equal a fresh build).  ``--figures`` also executes each notebook
with the reference filled in and writes its plots to ``assignments/<id>/figures/``.
"""

from __future__ import annotations

import argparse
import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from graders import course as courses
from graders import markers
from graders.course import Manifest

#: the bundled course's root (developer scripts and tests); the engine asks the course
ROOT = courses.BUNDLED_ROOT
BEGIN, END = markers.BEGIN_TEXT, markers.END_TEXT
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
FENCE = re.compile(r"^```(?P<info>.*)$")


# --- the manifest ------------------------------------------------------------------------


def load_manifest(assignment: str, course: courses.Course | None = None) -> Manifest:
    """``assignments/<assignment>/manifest.toml`` of ``course`` (default: the course that
    owns the id)."""
    owner = course or courses.find(assignment)
    if owner is None:
        raise courses.CourseError(f"no course here has an assignment {assignment!r}")
    return owner.manifest(assignment)


def _reference(assignment: str) -> Path:
    owner = courses.find(assignment)
    if owner is None:
        raise courses.CourseError(f"no course here has an assignment {assignment!r}")
    return owner.path("reference", assignment)


# --- the reference's functions, with their markers ---------------------------------------


def _end(node: ast.stmt, lines: list[str]) -> int:
    """The last line of a definition: indented comments right after its last statement (like
    ``### END SOLUTION``) belong to it."""
    end = node.end_lineno or node.lineno
    while (
        end < len(lines)
        and lines[end].startswith((" ", "\t"))
        and lines[end].lstrip().startswith("#")
    ):
        end += 1
    return end


def reference_functions(assignment: str, reference: Path | None = None) -> dict[str, str]:
    """``{name: source}`` of every top-level function of ``reference/<assignment>.py``.

    Sources keep their ``### BEGIN/END SOLUTION`` lines.  A function that sits inside a
    module-level region (a private helper) gets the region moved inside it, around the body.
    """
    text = (reference or _reference(assignment)).read_text()
    lines = text.splitlines()
    module_regions = [(r.begin, r.end) for r in markers.regions(text) if not r.indent]
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        body = lines[node.lineno - 1 : _end(node, lines)]
        if any(a < node.lineno and (node.end_lineno or node.lineno) < b for a, b in module_regions):
            has_doc = (
                isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
                and isinstance(node.body[0].value.value, str)
            )
            first = node.body[1] if has_doc and len(node.body) > 1 else node.body[0]
            cut = first.lineno - node.lineno
            indent = " " * first.col_offset
            body = body[:cut] + [indent + BEGIN] + body[cut:] + [indent + END]
        out[node.name] = "\n".join(body)
    return out


def solution_regions(assignment: str, reference: Path | None = None) -> list[str]:
    """The text inside each solution region of the reference (what students must not get)."""
    return markers.region_texts((reference or _reference(assignment)).read_text())


# --- the template ------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    kind: str  #: "markdown", "code", "solution", "check"
    text: str
    names: tuple[str, ...] = ()


def parse_template(text: str) -> list[Block]:
    blocks: list[Block] = []
    prose: list[str] = []
    code: list[str] | None = None
    info: list[str] = []

    def flush_prose() -> None:
        body = "\n".join(prose).strip("\n")
        if body.strip():
            blocks.append(Block("markdown", body))
        prose.clear()

    for lineno, line in enumerate(text.splitlines(), 1):
        fence = FENCE.match(line)
        if code is None:
            if fence:
                words = fence.group("info").split()
                if not words or words[0] != "python":
                    raise ValueError(f"line {lineno}: code blocks are ```python [solution|check]")
                flush_prose()
                code, info = [], words[1:]
            elif line.strip() == "+++":
                flush_prose()
            else:
                prose.append(line)
        elif fence and not fence.group("info").strip():
            kind = info[0] if info else "code"
            if kind not in ("solution", "check", "code"):
                raise ValueError(f"line {lineno}: unknown cell kind {kind!r}")
            blocks.append(Block(kind, "\n".join(code).strip("\n"), tuple(info[1:])))
            code = None
        else:
            code.append(line)
    if code is not None:
        raise ValueError("the template ends inside a code block")
    flush_prose()
    return blocks


# --- the notebook ------------------------------------------------------------------------


def _nbgrader(
    grade_id: str,
    *,
    grade: bool = False,
    solution: bool = False,
    locked: bool = False,
    points: float | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def check_call(assignment: str, function: str | None = None) -> str:
    """The line a check cell starts with (``graders.notebook.check``)."""
    args = f'"{assignment}", globals()' + (f', "{function}"' if function else "")
    return f"check({args})"


def build_notebook(assignment: str) -> NotebookNode:
    """The nbgrader source notebook of ``assignment``, built from its template; a check
    cell is worth its function's points, summed from the properties."""
    from graders import registry

    manifest = load_manifest(assignment)
    functions = reference_functions(assignment)
    points = registry.get(assignment).points
    cells = []
    for block in parse_template(manifest.template.read_text()):
        if block.kind == "markdown":
            cells.append(new_markdown_cell(block.text))
        elif block.kind == "code":
            cells.append(new_code_cell(block.text))
        elif block.kind == "solution":
            unknown = [n for n in block.names if n not in functions]
            if not block.names or unknown or block.text:
                raise ValueError(
                    f"{assignment}: a solution block names reference functions "
                    f"and has no body (unknown: {unknown})"
                )
            source = "\n\n\n".join(functions[n] for n in block.names)
            grade_id = block.names[0].lstrip("_") + "_solution"
            cells.append(new_code_cell(source, metadata=_nbgrader(grade_id, solution=True)))
        elif not block.names:
            cells.append(
                new_code_cell(check_call(assignment), metadata=_nbgrader("check_all", locked=True))
            )
        else:
            (name,) = block.names
            if name not in manifest.functions:
                raise ValueError(
                    f"{manifest.template}: check {name}: not a function of the "
                    f"manifest ({', '.join(manifest.functions)})"
                )
            source = check_call(assignment, name) + ("\n" + block.text if block.text else "")
            cells.append(
                new_code_cell(
                    source, metadata=_nbgrader(name, grade=True, locked=True, points=points[name])
                )
            )
    for i, cell in enumerate(cells):
        cell["id"] = f"{assignment}-{i:02d}"
    nb = new_notebook(
        cells=cells, metadata={"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    )
    nbformat.validate(nb)
    return nb


def notebook_text(nb: NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def write_notebooks(ids: list[str]) -> list[Path]:
    written = []
    for assignment in ids:
        path = load_manifest(assignment).notebook
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(notebook_text(build_notebook(assignment)))
        written.append(path)
    return written


# --- filling and running notebooks -------------------------------------------------------


def _defined(source: str) -> list[str]:
    try:
        return [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    except SyntaxError:
        return []


def fill_solutions(nb: NotebookNode, module_source: str) -> NotebookNode:
    """A copy of a (released) notebook whose solution cells hold ``module_source``'s functions.

    Each solution cell gets the definitions of the functions it defines in ``nb``; the
    module's other top-level code (imports aside) goes into the last solution cell.  This is a
    student's notebook with that module's answers typed in (tests and benchmarks use it).
    """
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    tree = ast.parse(module_source)
    lines = module_source.splitlines()
    defs = {
        n.name: "\n".join(lines[n.lineno - 1 : _end(n, lines)])
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
    }
    used: set[str] = set()
    solution_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for cell in solution_cells:
        names = [n for n in _defined(cell.source) if n in defs]
        cell.source = "\n\n\n".join(defs[n] for n in names)
        used.update(names)
    extra = [
        n
        for n in tree.body
        if not isinstance(n, ast.Import | ast.ImportFrom)
        and not (isinstance(n, ast.FunctionDef) and n.name in used)
        and not (isinstance(n, ast.Expr) and n is tree.body[0])
    ]
    if extra and solution_cells:
        tail = "\n\n\n".join("\n".join(lines[n.lineno - 1 : _end(n, lines)]) for n in extra)
        solution_cells[-1].source += "\n\n\n" + tail
    return nb


def execute(nb: NotebookNode, cwd: Path, timeout: int = 600) -> NotebookNode:
    """Run ``nb`` top to bottom in a fresh kernel (nbclient); raises on the first error."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNELSPEC["name"],
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def figures(nb: NotebookNode) -> list[bytes]:
    """The PNG images an executed notebook displayed, in order."""
    import base64

    return [
        base64.b64decode(out["data"]["image/png"])
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]


def write_figures(assignment: str, nb: NotebookNode, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{assignment}-*.png"):
        old.unlink()
    written = []
    for i, png in enumerate(figures(nb), 1):
        path = out / f"{assignment}-{i}.png"
        path.write_bytes(png)
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Build assignments/<id>/source/<id>.ipynb from the template and the reference."
    )
    parser.add_argument("ids", nargs="*", help="default: every assignment of the course")
    parser.add_argument(
        "--course",
        type=Path,
        help="the course (default: the current folder when it is one, else the bundled course)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only compare: exit 1 if a committed notebook is out of date",
    )
    parser.add_argument(
        "--figures",
        action="store_true",
        help="also execute each notebook and write its plots to figures/",
    )
    args = parser.parse_args()
    courses.use(courses.open_course(args.course) if args.course else courses.default())
    stale = []
    for assignment in args.ids or courses.current().ids():
        manifest = load_manifest(assignment)
        text = notebook_text(build_notebook(assignment))
        if args.check:
            if not manifest.notebook.exists() or manifest.notebook.read_text() != text:
                stale.append(assignment)
            continue
        write_notebooks([assignment])
        print(f"wrote {manifest.notebook}")  # noqa: T201 - a developer script
        if args.figures:
            nb = execute(nbformat.reads(text, as_version=4), manifest.folder)
            for path in write_figures(assignment, nb, manifest.folder / "figures"):
                print(f"wrote {path}")  # noqa: T201
    if stale:
        print(f"out of date: {', '.join(stale)}")  # noqa: T201
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
