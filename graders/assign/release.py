"""``propgrade generate``: the student release of an assignment, made by nbgrader itself.

``DIR/`` receives:

* ``<id>.ipynb`` — the lecture notebook as ``nbgrader generate_assignment`` writes it (run
  headless through ``NbGraderAPI`` in a scratch course directory): solution regions replaced by
  ``raise NotImplementedError()``, outputs cleared, test cells locked and checksummed;
* ``<id>.py`` — the module stub (``graders.assign.stubs``), for students who prefer an editor;
* ``checker/`` — what ``propgrade check`` needs, as a pip-installable project: the ``graders``
  package without the hidden graders, the mutant catalog and the staff-only modules, with no
  reference code at all.  ``pip install ./checker`` gives the ``propgrade`` command and the
  notebook's ``check`` cells;
* ``checker/graders/check/data/<id>.bin`` — what lets that checker name a known mistake
  ("Likely mistake: ...") with no implementation shipped, right or wrong: the public
  properties' examples on the ``student`` profile, frozen, and each named catalog mutant's
  answers on the examples where it fails, with the catalog's misconception sentences
  (:func:`graders.diagnose.freeze`; plain data in the wire codec, never pickle or code).
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
from pathlib import Path

from graders import registry
from graders.assign.notebooks import ROOT, load_manifest
from graders.assign.stubs import stub_for
from graders.check import misconceptions

GRADERS_DIR = ROOT / "graders"
#: never shipped to students: answers, hidden graders and what is built from them
STAFF_ONLY = ("hidden", "mutants", "diagnose.py", "validate.py", "demo.py")
SKIP = ("__pycache__", "*.pyc", ".*")
CHECKER_README = """\
propgrade's public checks for this course's assignments.

    pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu   # CPU build first
    pip install ./checker
    propgrade check {id} {id}.py            # or: propgrade check {id} {id}.ipynb

In the notebook, each check cell runs the same checks on the functions you defined.
"""


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
            raise RuntimeError(f"nbgrader generate_assignment failed for {assignment}:\n"
                               f"{result.get('error') or result.get('log', '')}")
        target = out / f"{assignment}.ipynb"
        shutil.copyfile(course / "release" / assignment / f"{assignment}.ipynb", target)
    return target


def copy_checker(out: Path) -> Path:
    """``out/checker``: the public part of ``graders`` and a minimal ``pyproject.toml``."""
    target = out / "checker"
    if target.exists():
        shutil.rmtree(target)
    ignore = shutil.ignore_patterns(*SKIP)

    def skip(folder: str, names: list[str]) -> set[str]:
        dropped = set(ignore(folder, names))
        if Path(folder).resolve() == GRADERS_DIR.resolve():
            dropped |= {n for n in names if n in STAFF_ONLY}
        return dropped

    shutil.copytree(GRADERS_DIR, target / "graders", ignore=skip)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = [d for d in project["dependencies"] if not d.lower().startswith("nbgrader")]
    (target / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "propgrade-checker"\n'
        f'version = "{project["version"]}"\n'
        'description = "propgrade\'s public checks (no reference, no hidden graders)."\n'
        f'requires-python = "{project.get("requires-python", ">=3.11")}"\n'
        "dependencies = [\n" + "".join(f'    "{d}",\n' for d in deps) + "]\n\n"
        '[project.scripts]\npropgrade = "graders.cli:main"\n\n'
        '[tool.setuptools.packages.find]\ninclude = ["graders*"]\n\n'
        '[tool.setuptools.package-data]\n'
        '"graders" = ["**/*.html", "**/*.j2", "**/*.sh", "**/*.txt", "**/*.bin"]\n')
    return target


def generate(assignment: str, out: Path) -> list[Path]:
    """Write the student release of ``assignment`` into ``out``; returns the paths written."""
    registry.get(assignment)
    manifest = load_manifest(assignment)
    out.mkdir(parents=True, exist_ok=True)
    notebook = nbgrader_release(assignment, manifest.notebook, out)
    stub = out / f"{assignment}.py"
    stub.write_text(stub_for(assignment))
    checker = copy_checker(out)
    (checker / "README.txt").write_text(CHECKER_README.format(id=assignment))
    write_misconceptions(assignment, checker)
    return [notebook, stub, checker]


def write_misconceptions(assignment: str, checker: Path) -> Path:
    """The checker's misconception data (``graders/check/data/<id>.bin``)."""
    from graders.diagnose import freeze  # staff-only: the catalog never leaves this process

    target = misconceptions.data_path(assignment, checker / "graders" / "check" / "data")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(freeze(assignment).to_bytes())
    return target
