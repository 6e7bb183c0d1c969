"""Find the students of a batch and read their files (as bytes) for the judge.

Layout (SPEC.md): one sub-folder per student, named by the student id, holding
``<assignment>.py``, a notebook of the assignment, or both; nbgrader's
``submitted/<student>/<assignment>/`` is accepted too (the ``<assignment>`` folder is used when
present).  Reading is defensive: symlinks are never followed, large files are skipped, at most
``MAX_FILES`` Python files are taken, and every anomaly becomes a message the student can act on
("expected classification.py, found Classification.py") rather than an exception.

Who is a student is graders/grade/folders.py's rule, what is graded when a submission holds
more than one candidate (the module, notebooks) graders/grade/pick.py's, and a notebook's code
graders/grade/ipynb.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from graders import registry
from graders.errors import InputError
from graders.grade.folders import batch_root, is_dir, student_dirs, walk
from graders.grade.pick import pick
from graders.grade.submission import Submission

MAX_FILE_BYTES = 1_000_000
MAX_NOTEBOOK_BYTES = 20 * MAX_FILE_BYTES
MAX_TOTAL_BYTES = 5_000_000
MAX_FILES = 50


def _functions_of(module: str) -> tuple[str, ...] | None:
    try:
        return registry.get(module).functions
    except KeyError:  # not a registered assignment: count every module-level name
        return None


def read_notebooks(
    found: Iterable[tuple[str, Path, int]],
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


def read_submission(
    student_id: str, folder: Path, module: str, functions: Sequence[str] | None = None
) -> Submission:
    """Collect one student's files; problems and notes are student-readable sentences.

    ``functions`` are the assignment's (looked up in the registry when not given).
    """
    sub = Submission(student_id=student_id, module=module)
    functions = functions if functions is not None else _functions_of(module)
    nested = folder / module
    if is_dir(nested):
        folder = nested  # nbgrader: submitted/<student>/<assignment>/
    files = walk(folder, sub.notes)
    total = 0
    wanted = f"{module}.py"
    py = [f for f in files if f[0].endswith(".py")]
    notebooks = [f for f in files if f[0].endswith(".ipynb")]
    too_big: dict[str, int] = {}
    for rel, path, size in py:
        if size > MAX_FILE_BYTES:
            too_big[rel] = size
            sub.notes.append(
                f"{rel} is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // 1_000_000}"
                " MB limit for a source file, and was ignored"
            )
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
    source, notes, problems = pick(module, functions, sub.files.get(wanted), readable, unreadable)
    sub.notes += notes
    sub.problems += problems
    if source is not None:
        sub.files[wanted] = source
    if wanted in sub.files:
        try:
            sub.files[wanted].decode("utf-8")
        except UnicodeDecodeError:
            sub.problems.append(
                f"{wanted} is not UTF-8 text (is it really the Python file? "
                "save it as plain text / UTF-8)"
            )
    elif wanted in too_big:
        sub.problems.append(
            f"{wanted} is {too_big[wanted] / 1e6:.1f} MB, over the "
            f"{MAX_FILE_BYTES // 1_000_000} MB limit for a source file "
            "(is it the right file?)"
        )
    elif not sub.problems:
        names = sorted(rel for rel, _, _ in files)[:10]
        alike = [n for n in names if n.lower().replace(" ", "").startswith(module.lower())]
        if alike:
            sub.problems.append(
                f"expected a file named {wanted}; found {', '.join(alike)} — rename it to {wanted}"
            )
        elif names:
            sub.problems.append(
                f"no {wanted} (or notebook) in the submission; found {', '.join(names)}"
            )
        else:
            sub.problems.append(f"the submission folder is empty: expected {wanted}")
    return sub


def discover(
    root: Path,
    module: str,
    warnings: list[str] | None = None,
    *,
    exclude: Iterable[Path] = (),
    functions: Sequence[str] | None = None,
) -> list[Submission]:
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
