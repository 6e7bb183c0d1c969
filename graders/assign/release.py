"""``propgrade generate``: the student release of an assignment, made by nbgrader itself.

``DIR/`` receives:

* ``<id>.ipynb`` — the lecture notebook as ``nbgrader generate_assignment`` writes it (run
  headless through ``NbGraderAPI`` in a scratch course directory): solution regions replaced by
  ``raise NotImplementedError()``, outputs cleared, test cells locked and checksummed;
* ``<id>.py`` — the module stub (``graders.assign.stubs``), for students who prefer an editor;
* ``checker/`` — what ``propgrade check`` needs, as a pip-installable project: the ``graders``
  package without the hidden graders, the mutant catalog and the staff-only modules, with no
  reference code at all, and ``graders/released/``, a course holding only what students may
  see of the released assignments (their manifests and public graders; the bundled ones too).
  ``pip install ./checker`` gives the ``propgrade`` command and the notebook's ``check`` cells;
* ``checker/graders/check/data/<id>.bin`` — what lets that checker name a known mistake
  ("Likely mistake: ...") with no implementation shipped, right or wrong: the public
  properties' examples on the ``student`` profile, frozen, and each named catalog mutant's
  answers on the examples where it fails, with the catalog's misconception sentences
  (:func:`graders.diagnose.freeze`; plain data in the wire codec, never pickle or code).
"""

from __future__ import annotations

import shutil
import string
import tempfile
from pathlib import Path

from graders import course as courses
from graders import registry
from graders.assign.notebooks import build_notebook, notebook_text
from graders.assign.project import project
from graders.assign.stubs import stub_for
from graders.check import misconceptions

GRADERS_DIR = courses.BUNDLED_ROOT / "graders"  #: the engine package (not content)
TEMPLATES = Path(__file__).resolve().parent / "templates" / "checker"
#: never shipped to students: answers, hidden graders and what is built from them
STAFF_ONLY = ("hidden", "mutants", "diagnose.py", "validate.py", "demo.py")
SKIP = ("__pycache__", "*.pyc", ".*")


def nbgrader_release(assignment: str, notebook: Path, out: Path) -> Path:
    """Run nbgrader's ``generate_assignment`` on ``notebook``; write the student version to
    ``out/<assignment>.ipynb``."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from graders.nbgrader_env import nbgrader_env

    with tempfile.TemporaryDirectory(prefix="propgrade-nbgrader-") as tmp:
        course = Path(tmp)
        source = course / "source" / assignment
        source.mkdir(parents=True)
        shutil.copyfile(notebook, source / f"{assignment}.ipynb")
        config = Config()
        config.CourseDirectory.root = str(course)
        # `nbgrader generate_assignment --no-db`: a scratch course needs no gradebook (staff's
        # gradebook gets the assignment from their own generate_assignment or from `grade`)
        config.SaveCells.enabled = False
        config.GenerateAssignment.no_database = True
        with nbgrader_env():
            api = NbGraderAPI(config=config)
            result = api.generate_assignment(assignment)
        if not result.get("success"):
            raise RuntimeError(
                f"nbgrader generate_assignment failed for {assignment}:\n"
                f"{result.get('error') or result.get('log', '')}"
            )
        target = out / f"{assignment}.ipynb"
        shutil.copyfile(course / "release" / assignment / f"{assignment}.ipynb", target)
    return target


def copy_checker(out: Path, assignments: list[str] | None = None) -> Path:
    """``out/checker``: the public part of ``graders``, the released course (the bundled
    assignments and ``assignments``, whichever course they come from) and a minimal
    ``pyproject.toml``."""
    target = out / "checker"
    if target.exists():
        shutil.rmtree(target)
    ignore = shutil.ignore_patterns(*SKIP)

    def skip(folder: str, names: list[str]) -> set[str]:
        dropped = set(ignore(folder, names))
        if Path(folder).resolve() == GRADERS_DIR.resolve():
            # released/ is written afresh below, from the courses themselves
            dropped |= {n for n in names if n in STAFF_ONLY or n == "released"}
        return dropped

    shutil.copytree(GRADERS_DIR, target / "graders", ignore=skip)
    release_course(
        target / "graders" / "released",
        list(dict.fromkeys(courses.bundled().ids() + (assignments or []))),
    )
    meta = project()
    deps = [d for d in meta.dependencies if not d.lower().startswith("nbgrader")]
    fill = {
        "version": meta.version,
        "requires_python": meta.requires_python,
        "dependencies": "".join(f'    "{d}",\n' for d in deps),
    }
    text = string.Template((TEMPLATES / "pyproject.toml.in").read_text()).substitute(fill)
    (target / "pyproject.toml").write_text(text)
    return target


def release_course(target: Path, assignments: list[str]) -> Path:
    """A course at ``target`` with what students may see of ``assignments``: each manifest
    and public grader, from the course that owns it (no reference, nothing hidden)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copyfile(TEMPLATES / "released.toml", target / courses.MARKER)
    for assignment in assignments:
        owner = registry.get(assignment).course
        for kind in ("manifest", "public"):  # a package's every module
            for file in owner.files(kind, assignment):
                path = target / file.relative_to(owner.root)
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, path)
    return target


def generate(assignment: str, out: Path) -> list[Path]:
    """Write the student release of ``assignment`` into ``out``; returns the paths written.

    The nbgrader source notebook is built afresh from the template and the reference (for
    the bundled course a test holds it equal to the committed one), so a course's own
    assignment needs no build step before its release."""
    registry.get(assignment)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="propgrade-source-") as tmp:
        source = Path(tmp) / f"{assignment}.ipynb"
        source.write_text(notebook_text(build_notebook(assignment)))
        notebook = nbgrader_release(assignment, source, out)
    stub = out / f"{assignment}.py"
    stub.write_text(stub_for(assignment))
    return [notebook, stub, write_checker(assignment, out)]


def write_checker(assignment: str, out: Path) -> Path:
    """``out/checker``, the student checker of ``assignment``, with its README and its
    misconception data."""
    checker = copy_checker(out, [assignment])
    readme = string.Template((TEMPLATES / "README.txt").read_text())
    (checker / "README.txt").write_text(readme.substitute(id=assignment, torch=project().torch))
    write_misconceptions(assignment, checker)
    return checker


def write_misconceptions(assignment: str, checker: Path) -> Path:
    """The checker's misconception data (``graders/check/data/<id>.bin``)."""
    from graders.diagnose import freeze  # staff-only: the catalog never leaves this process

    target = misconceptions.data_path(assignment, checker / "graders" / "check" / "data")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(freeze(assignment).to_bytes())
    return target
