"""A course's layout: the folder that marks a course, and where each file of an assignment lives.

::

    <course>/
      propgrade.toml                       marks the folder as a course (``propgrade init``)
      reference/<id>.py                    ground truth, ### BEGIN/END SOLUTION regions
      exercises/<id>.py                    the student stub, generated from the reference
      graders/public/<id>.py               public properties (shipped in the student checker)
      graders/hidden/<id>.py               hidden properties
      graders/mutants/<id>.py              the catalog: MUTANTS, DEGENERATES, VARIANTS
      assignments/<id>/manifest.toml       identity, the ordered function list, limits
      assignments/<id>/source/lecture.md   the lecture notebook's template
      assignments/<id>/source/<id>.ipynb   nbgrader's source notebook, built from the two
      assignments/<id>/figures/            the notebook's plots

nbgrader's own names (``source/``, ``release/``, ``submitted/``, ``autograded/``,
``feedback/``, ``gradebook.db``, ``nbgrader_config.py``) may live in the same root: none of
them is ours.  A folder is a course when it holds ``propgrade.toml`` or at least one
``assignments/<id>/manifest.toml``.
"""

from __future__ import annotations

from pathlib import Path

from graders.errors import InputError

MARKER = "propgrade.toml"

#: content kind -> its path in a course, ``{id}`` the assignment id
LAYOUT: dict[str, str] = {
    "reference": "reference/{id}.py",
    "exercise": "exercises/{id}.py",
    "public": "graders/public/{id}.py",
    "hidden": "graders/hidden/{id}.py",
    "mutants": "graders/mutants/{id}.py",
    "folder": "assignments/{id}",
    "manifest": "assignments/{id}/manifest.toml",
    "lecture": "assignments/{id}/source/lecture.md",
    "notebook": "assignments/{id}/source/{id}.ipynb",
    "figures": "assignments/{id}/figures",
}
#: the kinds that are Python modules, and their package in the bundled course
MODULES: dict[str, str] = {
    "reference": "reference",
    "public": "graders.public",
    "hidden": "graders.hidden",
    "mutants": "graders.mutants",
}
#: nbgrader's names in a course root (never created or read as ours)
NBGRADER_NAMES = (
    "source",
    "release",
    "submitted",
    "autograded",
    "feedback",
    "gradebook.db",
    "nbgrader_config.py",
)


class CourseError(InputError):
    """A course's content cannot be used as it is (a manifest, a grader): exit 3, one line
    naming the file."""


def is_course(folder: Path) -> bool:
    return (folder / MARKER).is_file() or any((folder / "assignments").glob("*/manifest.toml"))
