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
from graders.grade.discover import read_notebooks, read_submission
from graders.grade.examples import ExampleBank
from graders.grade.ipynb import notebook_source
from graders.grade.limits import limits_for
from graders.grade.pick import pick
from graders.grade.runner import Diagnoser, DiagnoserFor, Judge, Submission
from graders.results import SubmissionResult
from graders.sandbox.client import Worker
from graders.sandbox.policy import choose_launcher


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
        return Submission(
            "you", module, problems=[f"{path} does not exist" + _instead(assignment, path.parent)]
        )
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
    readable, unreadable = read_notebooks((p.name, p, p.stat().st_size) for p in _notebooks(folder))
    source, sub.notes, sub.problems = pick(module, functions, module_source, readable, unreadable)
    if source is not None:
        sub.files[f"{module}.py"] = source
    elif not sub.problems:
        sub.problems.append(
            f"no {module}.py or notebook (.ipynb) in {folder}: run the check "
            "in the folder that holds your work, or name the file: "
            f"propgrade check {module} PATH"
        )
    return sub


def run_check(
    assignment: str,
    path: Path | None = None,
    hidden: bool = False,
    profile: str = "student",
    sandbox: str = "auto",
    memory_mb: int | None = None,
    call_seconds: float | None = None,
    submission_seconds: float | None = None,
    diagnoser_for: DiagnoserFor | None = None,
) -> SubmissionResult:
    """Grade ``path`` (default: the current folder's ``<assignment>.py`` or notebook, see
    ``load_submission``) with the public properties, under the manifest's limits (an
    argument that is not ``None`` overrides its limit, as ``grade``'s flags do).
    ``diagnoser_for``: the staff catalog's diagnoser where there is no shipped data."""
    props = registry.properties(assignment, hidden=hidden and registry.hidden_available())
    if not hidden:
        props = [p for p in props if p.visibility == "public"]
    sub = load_submission(assignment, path)
    bank, diagnoser = _diagnosis(assignment, profile, diagnoser_for)
    limits = limits_for(
        assignment,
        memory_mb=memory_mb,
        call_seconds=call_seconds,
        submission_seconds=submission_seconds,
    )
    judge = Judge(
        Worker(choose_launcher(sandbox), limits),
        bank,
        bank.profile,
        diagnoser,
        shrink_memo=bank.shrink_memo(),
    )
    try:
        return judge.grade(sub, assignment, props)
    finally:
        judge.close()


def _diagnosis(
    assignment: str, profile: str, diagnoser_for: DiagnoserFor | None
) -> tuple[ExampleBank, Diagnoser | None]:
    """The examples and the diagnoser: a release's shipped data, else the staff catalog.

    A release ships its frozen examples and the catalog's answers on them as data
    (:mod:`graders.check.misconceptions`); they apply on the profile they were recorded on.
    Inside the repository the staff CLI hands in the catalog's replaying diagnoser
    (:mod:`graders.diagnose`); a release without data has none.
    """
    settings = profiles.get(profile)
    frozen = misconceptions.load(assignment)
    if frozen is not None and frozen.profile == profile:
        return misconceptions.FrozenBank(frozen, settings), misconceptions.diagnoser(frozen)
    return ExampleBank(settings), diagnoser_for(assignment) if diagnoser_for else None
