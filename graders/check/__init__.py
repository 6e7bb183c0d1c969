"""``propgrade check``: a student's local run of the public properties on their own files.

Same engine and same worker as ``grade`` (the student's code runs in a separate process
here too), on the ``student`` profile.  Staff inside the repository may add ``hidden=True``.
A failure is diagnosed ("Likely mistake: ...") from the release's shipped data, or inside the
repository from the mutant catalog (see ``_diagnosis``).
"""

from __future__ import annotations

from pathlib import Path

from graders import profiles, registry
from graders.check import misconceptions
from graders.grade.client import Worker
from graders.grade.discover import read_submission
from graders.grade.examples import ExampleBank
from graders.grade.runner import Diagnoser, Judge, Submission
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
    bank, diagnoser = _diagnosis(assignment, profile)
    judge = Judge(Worker(choose_launcher(sandbox), Limits()), bank, bank.profile, diagnoser,
                  shrink_memo=bank.shrink_memo())
    try:
        return judge.grade(sub, assignment, props)
    finally:
        judge.close()


def _diagnosis(assignment: str, profile: str) -> tuple[ExampleBank, Diagnoser | None]:
    """The examples and the diagnoser: a release's shipped data, else the staff catalog.

    A release ships its frozen examples and the catalog's answers on them as data
    (:mod:`graders.check.misconceptions`); they apply on the profile they were recorded on.
    Inside the repository the catalog itself is replayed (:mod:`graders.diagnose`).
    """
    settings = profiles.get(profile)
    frozen = misconceptions.load(assignment)
    if frozen is not None and frozen.profile == profile:
        return misconceptions.FrozenBank(frozen, settings), misconceptions.diagnoser(frozen)
    try:
        from graders.diagnose import diagnoser_for

        return ExampleBank(settings), diagnoser_for(assignment)
    except ImportError:  # a release without data, or without this assignment's data
        return ExampleBank(settings), None
