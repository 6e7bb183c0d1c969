"""``propgrade generate ID --course COURSE`` in an nbgrader course: the release made where, and
as, ``nbgrader generate_assignment`` makes it (paths from nbgrader's ``CourseDirectory``, so a
course's own ``directory_structure`` is honoured).

* ``COURSE/source/ID/ID.ipynb`` — the source notebook, built afresh from the template and the
  reference (as for ``--out``), and ``COURSE/source/ID/ID.py``, the module stub.  formgrader
  lists an assignment by its source folder.
* ``COURSE/release/ID/`` and the gradebook — ``generate_assignment`` itself, run through
  ``NbGraderAPI`` with the course's configuration and database: the student notebook and the
  stub, and in ``gradebook.db`` the assignment (a due date set with ``nbgrader db assignment
  add`` is kept), its notebook ``ID`` and one grade cell per exercise function, named by the
  function (its ``grade_id``) and worth its points, exactly as that command records them.
* ``COURSE/checker/ID/checker/`` — the student checker (``pip install`` it where students'
  kernels run).  Not in ``release/ID/``: nbgrader's ``submit`` sends the whole assignment
  folder back, and the checker's modules would come back in every submission.
"""

from __future__ import annotations

from pathlib import Path

from graders import registry
from graders.assign.notebooks import build_notebook, notebook_text
from graders.assign.release import write_checker
from graders.assign.stubs import stub_for
from graders.errors import InputError
from graders.nbgrader_env import course_config, nbgrader_env

CHECKERS = "checker"  #: COURSE/checker/<id>/checker: outside every folder nbgrader owns


def generate_in_course(assignment: str, root: Path) -> list[Path]:
    """Release ``assignment`` in the nbgrader course at ``root``; returns the released notebook,
    the released stub and the checker."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    registry.get(assignment)
    config = course_config(root)
    with nbgrader_env():
        coursedir = CourseDirectory(config=config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        source.mkdir(parents=True, exist_ok=True)
        (source / f"{assignment}.ipynb").write_text(notebook_text(build_notebook(assignment)))
        (source / f"{assignment}.py").write_text(stub_for(assignment))
        api = NbGraderAPI(coursedir=coursedir, config=config)
        result = api.generate_assignment(assignment, force=True, create=True)
    if not result.get("success"):
        raise InputError(
            f"nbgrader generate_assignment {assignment} failed in {root}: {nbgrader_error(result)}"
        )
    release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment))
    checker = write_checker(assignment, root / CHECKERS / assignment)
    return [release / f"{assignment}.ipynb", release / f"{assignment}.py", checker]


def nbgrader_error(result: dict) -> str:
    """The line of an ``NbGraderAPI`` result that says what went wrong: nbgrader's first
    ``ERROR`` log line that is not its "see the log" boilerplate, else the traceback's last."""
    boiler = ("There was an error processing", "Please see the error log")
    for line in str(result.get("log") or "").splitlines():
        if "ERROR" in line and not any(b in line for b in boiler):
            return line.split("]", 1)[-1].strip()
    lines = [ln for ln in str(result.get("error") or "").splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "no reason given (rerun nbgrader to see its log)"
