"""Find the students of a batch and read their files (as bytes) for the judge.

Layout (SPEC.md): one sub-folder per student, named by the student id, holding
``<assignment>.py``, a notebook of the assignment, or both; nbgrader's
``submitted/<student>/<assignment>/`` is accepted too (the ``<assignment>`` folder is used when
present).  Reading is defensive: symlinks are never followed, large files are skipped, at most
``MAX_FILES`` Python files are taken, and every anomaly becomes a message the student can act on
("expected classification.py, found Classification.py") rather than an exception.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from graders.errors import InputError
from graders.grade.runner import Submission

MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 5_000_000
MAX_FILES = 50
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"}


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return path.lstat()
    except OSError:
        return None


def student_dirs(root: Path) -> list[Path]:
    """Sub-folders of ``root`` (not links, not hidden), sorted by name."""
    out = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        st = _lstat(entry)
        if st is None or not stat.S_ISDIR(st.st_mode) or entry.name.startswith("."):
            continue
        out.append(entry)
    return out


def _walk(base: Path, notes: list[str]) -> list[tuple[str, Path, int]]:
    """(relative path, path, size) of regular files under ``base``; links are reported."""
    found: list[tuple[str, Path, int]] = []
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")
                             and not (here / d).is_symlink())
        for name in sorted(filenames):
            path = here / name
            st = _lstat(path)
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


def read_submission(student_id: str, folder: Path, module: str) -> Submission:
    """Collect one student's files; problems and notes are student-readable sentences."""
    sub = Submission(student_id=student_id, module=module)
    nested = folder / module
    st = _lstat(nested)
    if st is not None and stat.S_ISDIR(st.st_mode):
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
    if wanted not in sub.files:
        for rel, path, size in notebooks:
            if size > 20 * MAX_FILE_BYTES:
                sub.notes.append(f"{rel} is too large to be a notebook of this assignment")
                continue
            source, reason = notebook_source(path.read_bytes(), rel)
            if source is None:
                sub.problems.append(str(reason))
                continue
            sub.files[wanted] = source.encode()
            sub.notes.append(f"graded the code of the notebook {rel}")
            break
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


def discover(root: Path, module: str) -> list[Submission]:
    """Every student of the batch under ``root``, in name order."""
    if not root.is_dir():
        raise InputError(f"{root} is not a folder of submissions")
    return [read_submission(d.name, d, module) for d in student_dirs(root)]


def safe_name(student_id: str) -> str:
    """A file-system-safe folder name for a student id (the id itself stays in the data)."""
    keep = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in student_id)
    keep = keep.strip(".") or "student"
    if keep != student_id:
        keep = f"{keep[:60]}-{hashlib.sha256(student_id.encode()).hexdigest()[:8]}"
    return keep

