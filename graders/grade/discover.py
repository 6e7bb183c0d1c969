"""Find the students of a batch and read their files (as bytes) for the judge.

Layout (SPEC.md): one sub-folder per student, named by the student id, holding
``<assignment>.py``, a notebook of the assignment, or both; nbgrader's
``submitted/<student>/<assignment>/`` is accepted too (the ``<assignment>`` folder is used when
present).  Reading is defensive: symlinks are never followed, large files are skipped, at most
``MAX_FILES`` Python files are taken, and every anomaly becomes a message the student can act on
("expected classification.py, found Classification.py") rather than an exception.

Who is a student: every sub-folder of the batch except junk (``__MACOSX``, ``__pycache__``,
any dot-folder such as ``.ipynb_checkpoints``) and the output folder.  An nbgrader course root
(``submitted/`` beside ``nbgrader_config.py``, ``gradebook.db``, ``source/`` or ``release/``),
or a folder whose only sub-folder is ``submitted/``, is read through its ``submitted/``, with
one warning line.

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
import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from graders import registry
from graders.errors import InputError
from graders.grade.submission import Submission

MAX_FILE_BYTES = 1_000_000
MAX_NOTEBOOK_BYTES = 20 * MAX_FILE_BYTES
MAX_TOTAL_BYTES = 5_000_000
MAX_FILES = 50
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"}
#: beside ``submitted/``, any of these makes a folder an nbgrader course root
NBGRADER_MARKERS = ("nbgrader_config.py", "gradebook.db", "source", "release")
#: the files a batch writes into OUT/<student>/ (``results.json`` marks the folder as ours)
STUDENT_OUTPUTS = ("results.json", "feedback.html")


def lstat(path: Path) -> os.stat_result | None:
    """``path``'s own status (a link is not followed), or None where it cannot be read."""
    try:
        return path.lstat()
    except OSError:
        return None


def is_dir(path: Path) -> bool:
    """A real folder: a link to one is not."""
    st = lstat(path)
    return st is not None and stat.S_ISDIR(st.st_mode)


def _is_junk(name: str) -> bool:
    """Folders that archivers, Jupyter and Python leave behind: never a student."""
    return name.startswith(".") or name in SKIP_DIRS


def student_dirs(root: Path, exclude: Iterable[Path] = ()) -> list[Path]:
    """Sub-folders of ``root`` (not links, not junk, not ``exclude``), sorted by name."""
    skip = {p.resolve() for p in exclude}
    return [entry for entry in sorted(root.iterdir(), key=lambda p: p.name)
            if is_dir(entry) and not _is_junk(entry.name) and entry.resolve() not in skip]


def batch_root(root: Path) -> tuple[Path, str | None]:
    """The folder whose sub-folders are the students, and the warning when it is not ``root``.

    A student named ``submitted`` would be nbgrader's folder graded as one student (with
    somebody's notebook); so a course root, or a folder holding nothing but ``submitted/``, is
    read through ``submitted/``.
    """
    submitted = root / "submitted"
    if not is_dir(submitted):
        return root, None
    markers = [m for m in NBGRADER_MARKERS if lstat(root / m) is not None]
    if markers:
        why = f"an nbgrader course root ({', '.join(markers)} beside submitted/)"
    elif [d.name for d in student_dirs(root)] == ["submitted"]:
        why = "a folder holding only submitted/ (nbgrader's layout)"
    else:
        return root, None
    return submitted, f"{root} is {why}: grading the students in {submitted}"


def _walk(base: Path, notes: list[str]) -> list[tuple[str, Path, int]]:
    """(relative path, path, size) of regular files under ``base``; links are reported."""
    found: list[tuple[str, Path, int]] = []
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _is_junk(d)
                             and not (here / d).is_symlink())
        for name in sorted(filenames):
            if name.startswith("._"):
                continue  # macOS' AppleDouble resource files, never the student's code
            path = here / name
            st = lstat(path)
            rel = path.relative_to(base).as_posix()
            if st is None:
                continue
            if stat.S_ISLNK(st.st_mode):
                notes.append(f"{rel} is a symbolic link and was ignored (links are never followed)")
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((rel, path, st.st_size))
    return found


def notebook_source(raw: bytes, name: str) -> tuple[str | None, str | None]:
    """The solution code of a notebook, or (None, reason) when it cannot be read.

    With nbgrader metadata: the ``solution`` cells, preceded by the import lines of the other
    code cells (never nbgrader's test cells), except imports of display-only libraries
    (matplotlib, IPython, ...): plot cells never run in the worker, so their imports need not
    either.  Without it: every code cell.  IPython magics and shell escapes (``%``, ``!``) and
    cells that call propgrade's checks are dropped.
    """
    display_only = ("matplotlib", "mpl_toolkits", "IPython", "ipywidgets", "seaborn")
    try:
        import nbformat

        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any corruption gives the same advice
        return None, (f"{name} could not be read as a Jupyter notebook "
                      f"({type(exc).__name__}); re-download or re-save it from Jupyter")
    cells = [c for c in nb.cells if c.get("cell_type") == "code"]

    def meta(c: dict) -> dict:
        return c.get("metadata", {}).get("nbgrader", {}) or {}

    def clean(src: str) -> str:
        return "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))

    def is_check(src: str) -> bool:
        return "propgrade" in src or "graders." in src

    def is_display(line: str) -> bool:
        words = line.replace(",", " ").split()
        return len(words) > 1 and words[1].split(".")[0] in display_only

    def assemble(parts: list[str]) -> str:
        # each cell may start with `from __future__ import ...`; in one module they lead
        text = "\n\n".join(parts)
        future = [ln for ln in text.splitlines() if ln.startswith("from __future__ import")]
        rest = [ln for ln in text.splitlines() if not ln.startswith("from __future__ import")]
        return "\n".join(dict.fromkeys(future)) + "\n" + "\n".join(rest) + "\n"

    solution = [c for c in cells if meta(c).get("solution")]
    if solution:
        imports = [ln for c in cells if not meta(c).get("solution") and not meta(c).get("grade")
                   for ln in clean(c.source).splitlines()
                   if ln.startswith(("import ", "from ")) and not is_check(ln)
                   and not is_display(ln)]
        return assemble(["\n".join(imports)] + [clean(c.source) for c in solution]), None
    body = [clean(c.source) for c in cells if not meta(c).get("grade") and not is_check(c.source)]
    return assemble(body), None


# --- what is graded ---------------------------------------------------------------------

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
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring
    return not all(_is_placeholder(stmt) for stmt in body)


def _bound_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _bound_names(elt)]
    return []


def implemented_functions(source: str | bytes,
                          functions: Iterable[str] | None = None) -> set[str] | None:
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


def _functions_of(module: str) -> tuple[str, ...] | None:
    try:
        return registry.get(module).functions
    except KeyError:  # not a registered assignment: count every module-level name
        return None


def pick(module: str, functions: Sequence[str] | None, module_source: bytes | None,
         notebooks: Sequence[tuple[str, bytes]], unreadable: Sequence[str] = (),
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
        candidates.append((wanted, module_source, implemented_functions(module_source,
                                                                        functions)))
    for name, raw in notebooks:
        code, reason = notebook_source(raw, name)
        if code is None:
            unreadable.append(str(reason))
        else:
            candidates.append((name, code.encode(), implemented_functions(code, functions)))
    if not candidates:
        return None, [], unreadable
    # a tie goes to the module, then to <id>.ipynb; max() keeps the first (by name) of equals
    name, source, done = max(candidates, key=lambda c: (len(c[2] or ()), c[0] == wanted,
                                                        c[0] == own_notebook))
    if len(candidates) == 1 and not unreadable:
        return source, ([] if name == wanted else [f"graded the code of the notebook {name}"]), []
    of = f" of {len(functions)}" if functions is not None else ""

    def count(label: str, impl: set[str] | None) -> str:
        if impl is None:
            return f"{label} does not parse (a SyntaxError)"
        return f"{label} implements {len(impl)}{of}" + ("" if impl else
                                                        " (every function is still a stub)")

    parts = [f"graded {name}: it implements {len(done or ())}{of} functions"]
    parts += [count(other, impl) for other, _, impl in candidates if other != name]
    parts += unreadable
    if any(other != name and len(impl or ()) == len(done or ()) for other, _, impl in candidates):
        parts.append("on a tie " + ("the module file" if name == wanted else own_notebook
                                    if name == own_notebook else "the first notebook by name")
                     + " is graded")
    return source, ["; ".join(parts + ["only one file is graded"])], []


def read_notebooks(found: Iterable[tuple[str, Path, int]]
                    ) -> tuple[list[tuple[str, bytes]], list[str]]:
    """``(name, bytes)`` of each notebook that can be read, and why the others cannot."""
    readable, unreadable = [], []
    for rel, path, size in found:
        if size > MAX_NOTEBOOK_BYTES:
            unreadable.append(f"{rel} is too large to be a notebook of this assignment")
            continue
        try:
            readable.append((rel, path.read_bytes()))
        except OSError as exc:
            unreadable.append(f"{rel} could not be read ({exc.strerror})")
    return readable, unreadable


def read_submission(student_id: str, folder: Path, module: str,
                    functions: Sequence[str] | None = None) -> Submission:
    """Collect one student's files; problems and notes are student-readable sentences.

    ``functions`` are the assignment's (looked up in the registry when not given).
    """
    sub = Submission(student_id=student_id, module=module)
    functions = functions if functions is not None else _functions_of(module)
    nested = folder / module
    if is_dir(nested):
        folder = nested  # nbgrader: submitted/<student>/<assignment>/
    files = _walk(folder, sub.notes)
    total = 0
    wanted = f"{module}.py"
    py = [f for f in files if f[0].endswith(".py")]
    notebooks = [f for f in files if f[0].endswith(".ipynb")]
    too_big: dict[str, int] = {}
    for rel, path, size in py:
        if size > MAX_FILE_BYTES:
            too_big[rel] = size
            sub.notes.append(f"{rel} is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // 1_000_000}"
                             " MB limit for a source file, and was ignored")
            continue
        if len(sub.files) >= MAX_FILES or total + size > MAX_TOTAL_BYTES:
            sub.notes.append(f"{rel} was ignored: the submission has too many or too large files")
            continue
        try:
            sub.files[rel] = path.read_bytes()
        except OSError as exc:
            sub.notes.append(f"{rel} could not be read ({exc.strerror})")
            continue
        total += size
    readable, unreadable = read_notebooks(notebooks)
    source, notes, problems = pick(module, functions, sub.files.get(wanted), readable,
                                   unreadable)
    sub.notes += notes
    sub.problems += problems
    if source is not None:
        sub.files[wanted] = source
    if wanted in sub.files:
        try:
            sub.files[wanted].decode("utf-8")
        except UnicodeDecodeError:
            sub.problems.append(f"{wanted} is not UTF-8 text (is it really the Python file? "
                                "save it as plain text / UTF-8)")
    elif wanted in too_big:
        sub.problems.append(f"{wanted} is {too_big[wanted] / 1e6:.1f} MB, over the "
                            f"{MAX_FILE_BYTES // 1_000_000} MB limit for a source file "
                            "(is it the right file?)")
    elif not sub.problems:
        names = sorted(rel for rel, _, _ in files)[:10]
        alike = [n for n in names if n.lower().replace(" ", "").startswith(module.lower())]
        if alike:
            sub.problems.append(f"expected a file named {wanted}; found {', '.join(alike)} — "
                                f"rename it to {wanted}")
        elif names:
            sub.problems.append(f"no {wanted} (or notebook) in the submission; found "
                                f"{', '.join(names)}")
        else:
            sub.problems.append(f"the submission folder is empty: expected {wanted}")
    return sub


def discover(root: Path, module: str, warnings: list[str] | None = None, *,
             exclude: Iterable[Path] = (),
             functions: Sequence[str] | None = None) -> list[Submission]:
    """Every student of the batch under ``root``, in name order.

    A line for the person running the batch (e.g. "this is an nbgrader course root") is
    appended to ``warnings``; ``exclude`` are folders that are never students (the output).
    """
    if not root.is_dir():
        raise InputError(f"{root} is not a folder of submissions")
    root, warning = batch_root(root)
    if warning and warnings is not None:
        warnings.append(warning)
    functions = functions if functions is not None else _functions_of(module)
    return [read_submission(d.name, d, module, functions) for d in student_dirs(root, exclude)]


def remove_stale_output(out: Path, students: Iterable[str]) -> list[str]:
    """Delete what a batch wrote into ``out/<folder>/`` for every folder not of ``students``
    (student ids); returns the folders' names.  Only folders holding ``results.json`` are
    propgrade's, and only its own files are deleted: a folder keeps anything else put there.
    """
    keep = {safe_name(s) for s in students}
    removed = []
    for folder in student_dirs(out):
        if folder.name in keep or not (folder / "results.json").is_file():
            continue
        for entry in folder.iterdir():
            # write_atomic's temporary files (.results.json.XXXX) left by a killed run too
            if entry.name in STUDENT_OUTPUTS or entry.name.startswith(
                    tuple(f".{n}." for n in STUDENT_OUTPUTS)):
                entry.unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:
            pass  # it holds someone else's files: those stay
        removed.append(folder.name)
    return removed


def safe_name(student_id: str) -> str:
    """A file-system-safe folder name for a student id (the id itself stays in the data)."""
    keep = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in student_id)
    keep = keep.strip(".") or "student"
    if keep != student_id:
        keep = f"{keep[:60]}-{hashlib.sha256(student_id.encode()).hexdigest()[:8]}"
    return keep

