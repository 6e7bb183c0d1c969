"""``propgrade init DIR`` and ``propgrade new ID``: a course, and an assignment that is green.

``init`` writes ``DIR/propgrade.toml`` (it marks the folder as a course) and the empty layout
folders; ``DIR`` may already be an nbgrader course root.  ``new ID`` writes, from the templates
in ``graders/assign/templates/assignment/`` (real files, linted with the rest)::

    reference/ID.py                      one function (relu) with its solution region
    exercises/ID.py                      the stub, generated from the reference
    graders/public/ID.py                 a public property (5 points)
    graders/hidden/ID.py                 a hidden property on the reference (5 points)
    graders/mutants/ID.py                one bug, one degenerate entry, one correct variant
    assignments/ID/manifest.toml         id, title, the function list, the limits
    assignments/ID/source/lecture.md     the lecture notebook's template
    assignments/ID/source/ID.ipynb       nbgrader's source notebook, built from the two

and ``propgrade validate ID`` passes on it as written: staff start from green and change one
thing at a time.  In the templates ``__id__`` stands for the id and ``__title__`` for the title.
"""

from __future__ import annotations

import string
from pathlib import Path

from graders import course as courses
from graders.errors import InputError, UsageError

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: template file -> the kind of content it becomes (graders.course.LAYOUT)
FILES = {
    "reference.py": "reference",
    "public.py": "public",
    "hidden.py": "hidden",
    "mutants.py": "mutants",
    "manifest.toml": "manifest",
    "lecture.md": "lecture",
}
FOLDERS = [
    str(Path(courses.LAYOUT[kind]).parent)
    for kind in ("reference", "exercise", "public", "hidden", "mutants", "folder")
]


def init_course(folder: Path, name: str | None = None) -> courses.Course:
    """Make ``folder`` a course (created when missing); refuses a folder that is one."""
    if (folder / courses.MARKER).exists():
        raise InputError(f"{folder} is a course already ({courses.MARKER} exists)")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder")
    for sub in FOLDERS:
        (folder / sub).mkdir(parents=True, exist_ok=True)
    text = (TEMPLATES / "course" / courses.MARKER).read_text()
    safe = (name or folder.resolve().name).replace("\\", "").replace('"', "")
    (folder / courses.MARKER).write_text(string.Template(text).substitute(name=safe))
    return courses.Course(folder)


def new_assignment(assignment: str, course: courses.Course, title: str | None = None) -> list[Path]:
    """Scaffold ``assignment`` in ``course``; returns the files written.  Refuses an id that
    is not a Python identifier, or one the course has (no file is overwritten)."""
    if not assignment.isidentifier() or not assignment.islower():
        raise UsageError(
            f"assignment id {assignment!r}: use a lower-case Python identifier "
            "(it is the student's module name), e.g. dropout"
        )
    targets = {tpl: course.path(kind, assignment) for tpl, kind in FILES.items()}
    targets["stub"] = course.path("exercise", assignment)
    existing = [p for p in targets.values() if p.exists()]
    if existing:
        raise InputError(
            f"{assignment}: {existing[0]} exists already; propgrade new writes "
            "a new assignment only"
        )
    heading = title or assignment.replace("_", " ").capitalize()
    if '"' in heading or "\\" in heading or "\n" in heading:
        raise UsageError("--title: no quotes, backslashes or line breaks")
    written = []
    for tpl in FILES:
        text = (TEMPLATES / "assignment" / tpl).read_text()
        path = targets[tpl]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("__id__", assignment).replace("__title__", heading))
        written.append(path)
    courses.use(course)  # the stub and the notebook are built from the course's own files
    from graders.assign.notebooks import write_notebooks
    from graders.assign.stubs import write_stubs

    written += write_stubs([assignment])
    written += write_notebooks([assignment])
    course.path("figures", assignment).mkdir(parents=True, exist_ok=True)
    return written
