"""``propgrade check``: a student's local run of the public properties on their own files.

Same engine and same worker as ``grade`` (the student's code runs in a separate process
here too), on the ``student`` profile.  Staff inside the repository may add ``hidden=True``.
"""

from __future__ import annotations

from pathlib import Path

from graders import profiles, registry
from graders.grade.client import Worker
from graders.grade.discover import read_submission
from graders.grade.runner import Judge, Submission
from graders.grade.sandbox import Limits, choose_launcher
from graders.results import SubmissionResult


def load_submission(assignment: str, path: Path) -> Submission:
    """A file (``x.py`` or a notebook) or a folder holding the assignment's module."""
    module = registry.get(assignment).module
    if path.is_dir():
        return read_submission("you", path, module)
    if not path.exists():
        return Submission("you", module, problems=[f"{path} does not exist"])
    if path.suffix == ".ipynb":
        from graders.grade.discover import notebook_source

        source, reason = notebook_source(path.read_bytes(), path.name)
        if source is None:
            return Submission("you", module, problems=[str(reason)])
        return Submission("you", module, {f"{module}.py": source.encode()})
    sub = Submission("you", module, {f"{module}.py": path.read_bytes()})
    if path.name != f"{module}.py":
        sub.notes.append(f"checked {path.name} as {module}.py")
    return sub


def run_check(assignment: str, path: Path | None = None, hidden: bool = False,
              profile: str = "student", sandbox: str = "auto") -> SubmissionResult:
    """Grade ``path`` (default ``./<assignment>.py``) with the public properties."""
    spec = registry.get(assignment)
    path = path or Path(f"{spec.module}.py")
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
