"""``propgrade check``: a student's local run of the public properties on their own files.

Same engine and same worker as ``grade`` (the student's code runs in a separate process
here too), on the ``student`` profile.  Staff inside the repository may add ``hidden=True``.
"""

from __future__ import annotations

from pathlib import Path

from graders import profiles, registry
from graders.grade.client import Worker
from graders.grade.discover import notebook_source, pick, read_notebooks, read_submission
from graders.grade.runner import Judge, Submission
from graders.grade.sandbox import Limits, choose_launcher
from graders.results import SubmissionResult


def load_submission(assignment: str, path: Path | None = None) -> Submission:
    """A file (``x.py`` or a notebook), a folder holding the assignment's work, or, when
    ``path`` is ``None``, the current folder's ``<id>.py`` and notebooks.

    A folder and the current folder follow discovery's rule (``graders.grade.discover``): the
    candidate implementing the most functions is checked, and a note says which.  A file
    named explicitly is checked as it is.
    """
    spec = registry.get(assignment)
    module = spec.module
    if path is None:
        return _current_folder(module, spec.functions, Path.cwd())
    if path.is_dir():
        return read_submission("you", path, module, spec.functions)
    if not path.exists():
        return Submission("you", module, problems=[f"{path} does not exist" + _instead(
            assignment, path.parent)])
    if path.suffix == ".ipynb":
        source, reason = notebook_source(path.read_bytes(), path.name)
        if source is None:
            return Submission("you", module, problems=[str(reason)])
        return Submission("you", module, {f"{module}.py": source.encode()})
    sub = Submission("you", module, {f"{module}.py": path.read_bytes()})
    if path.name != f"{module}.py":
        sub.notes.append(f"checked {path.name} as {module}.py")
    return sub


def _notebooks(folder: Path) -> list[Path]:
    """The regular notebook files right in ``folder`` (not in sub-folders), by name."""
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink())


def _instead(assignment: str, folder: Path) -> str:
    """A hint naming the notebooks that could be checked instead of a missing file."""
    # <id>.ipynb first, as discovery's rule prefers it
    found = sorted(_notebooks(folder), key=lambda p: p.name != f"{assignment}.ipynb")
    if not found:
        return ""
    names = ", ".join(p.name for p in found[:3])
    return f"; found {names} here: check it with propgrade check {assignment} {found[0]}"


def _current_folder(module: str, functions: tuple[str, ...], folder: Path) -> Submission:
    """``propgrade check ID`` with no path: ``<id>.py`` or a notebook right in ``folder``."""
    sub = Submission("you", module)
    own = folder / f"{module}.py"
    module_source = own.read_bytes() if own.is_file() else None
    readable, unreadable = read_notebooks((p.name, p, p.stat().st_size)
                                          for p in _notebooks(folder))
    source, sub.notes, sub.problems = pick(module, functions, module_source, readable,
                                           unreadable)
    if source is not None:
        sub.files[f"{module}.py"] = source
    elif not sub.problems:
        sub.problems.append(f"no {module}.py or notebook (.ipynb) in {folder}: run the check "
                            "in the folder that holds your work, or name the file: "
                            f"propgrade check {module} PATH")
    return sub


def run_check(assignment: str, path: Path | None = None, hidden: bool = False,
              profile: str = "student", sandbox: str = "auto") -> SubmissionResult:
    """Grade ``path`` (default: the current folder's ``<assignment>.py`` or notebook, see
    ``load_submission``) with the public properties."""
    props = registry.properties(assignment, hidden=hidden and registry.hidden_available())
    if not hidden:
        props = [p for p in props if p.visibility == "public"]
    sub = load_submission(assignment, path)
    diagnoser = None
    try:
        from graders.diagnose import diagnoser_for

        diagnoser = diagnoser_for(assignment)
    except ImportError:  # a student release ships no mutant catalog
        diagnoser = None
    judge = Judge.create(profiles.get(profile), Worker(choose_launcher(sandbox), Limits()),
                         diagnose=diagnoser)
    try:
        return judge.grade(sub, assignment, props)
    finally:
        judge.close()
