"""A course is a directory; an assignment is the files of one id in its mirrored layout.

Its pieces:

* ``layout``: the folder that marks a course, where each file of an assignment lives
  (:data:`LAYOUT`), and nbgrader's names beside ours;
* ``manifest``: ``assignments/<id>/manifest.toml``, read and checked;
* ``loader``: a course's module imported by file location;
* here: :class:`Course`, one course directory (its paths, files, modules and their stamps),
  and which course a command uses.

The *bundled* course is this installation's own content (the repository in a checkout,
``site-packages`` in a wheel install), imported as the packages ``reference.<id>``,
``graders.public.<id>``, ... as always; any other course's modules under a synthetic package
of their own (``loader``).

A grader gets its assignment's reference with :func:`reference` (``ref = reference("dropout")``),
which asks the course that owns the id; the bundled graders' ``from reference import X`` is the
same module for the bundled course.

Which course a command uses is :func:`current` (``--course DIR``, else the course the current
folder is in, else the bundled course; set with :func:`use`).  An id the current course does
not have is looked up in the bundled course.  The engine asks this module for every content
path and module; it never builds one itself.
"""

from __future__ import annotations

import hashlib
import importlib
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.course.layout import LAYOUT, MARKER, MODULES, CourseError, is_course
from graders.course.loader import load
from graders.course.manifest import Manifest, read_manifest

__all__ = [
    "BUNDLED_ROOT",
    "LAYOUT",
    "MARKER",
    "MODULES",
    "RELEASED",
    "Course",
    "CourseError",
    "Manifest",
    "bundled",
    "current",
    "default",
    "find",
    "functions",
    "ids",
    "is_course",
    "open_course",
    "reference",
    "released",
    "use",
    "using",
]

#: the one place the installation's root is computed: the parent of the ``graders`` package
BUNDLED_ROOT = Path(__file__).resolve().parents[2]
#: where ``propgrade generate`` puts the released assignments inside the student checker
RELEASED = Path(__file__).resolve().parents[1] / "released"


@dataclass(frozen=True)
class Course:
    """One course directory (see the module docstring)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def bundled(self) -> bool:
        """This installation's own content, imported as the regular packages."""
        return self.root == BUNDLED_ROOT

    @property
    def package(self) -> str:
        """The synthetic package this course's modules are imported under."""
        if self.bundled:
            return ""
        return "propgrade_course_" + hashlib.sha256(str(self.root).encode()).hexdigest()[:12]

    def path(self, kind: str, assignment: str) -> Path:
        """Where ``kind`` (a key of :data:`LAYOUT`) of ``assignment`` lives in this course (a
        module kind may be a package: ``graders/mutants/<id>/__init__.py``)."""
        path = self.root / LAYOUT[kind].format(id=assignment)
        package = path.with_suffix("") / "__init__.py"
        return package if kind in MODULES and not path.is_file() and package.is_file() else path

    def files(self, kind: str, assignment: str) -> list[Path]:
        """Every file of ``kind``: its one path, or a package's modules, ``__init__`` first."""
        path = self.path(kind, assignment)
        rest = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else []
        return [path] + [p for p in rest if p != path]

    def owns(self, assignment: str) -> bool:
        return assignment.isidentifier() and self.path("manifest", assignment).is_file()

    def ids(self) -> list[str]:
        """This course's own assignment ids, sorted."""
        folder = self.root / "assignments"
        return (
            []
            if not folder.is_dir()
            else sorted(
                p.parent.name
                for p in folder.glob("*/manifest.toml")
                if p.parent.name.isidentifier()
            )
        )

    def manifest(self, assignment: str) -> Manifest:
        return read_manifest(self.path("manifest", assignment), assignment)

    def content_files(self, assignment: str) -> list[tuple[str, Path]]:
        """``(kind, path)`` of every file that decides a grade, present or not (a package's
        further modules as ``kind/<file>``)."""
        return [
            (k if i == 0 else f"{k}/{p.name}", p)
            for k in ("manifest", "reference", "public", "hidden", "mutants")
            for i, p in enumerate(self.files(k, assignment))
        ]

    def module(self, kind: str, assignment: str) -> types.ModuleType | None:
        """The ``kind`` module (reference, public, hidden, mutants) of ``assignment``;
        ``None`` when this course has no such file (a student release has no hidden graders)."""
        if self.bundled:
            name = f"{MODULES[kind]}.{assignment}"
            try:
                return importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name is not None and name.startswith(exc.name):
                    return None  # the module, or its package, is not part of this install
                raise
        path = self.path(kind, assignment)
        if not path.is_file():
            return None
        return load(self.root, self.package, kind, assignment, path, self.stamp(kind, assignment))

    def stamp(self, kind: str, assignment: str) -> tuple[int, int] | None:
        """(mtime, size) of a content file, ``None`` when missing: what caches key on, so a
        long-lived process sees an edited course file."""
        try:
            stats = [p.stat() for p in self.files(kind, assignment)]
        except OSError:
            return None
        return max(s.st_mtime_ns for s in stats), sum(s.st_size for s in stats)


# --- which course ---------------------------------------------------------------------------

_CURRENT: list[Course] = []


def bundled() -> Course:
    return Course(BUNDLED_ROOT)


def released() -> Course | None:
    """The course a student checker ships (``graders/released``), if this is one."""
    return Course(RELEASED) if is_course(RELEASED) else None


def default(cwd: Path | None = None) -> Course:
    """The course the current folder is in (it, or its nearest parent that is a course, as
    git finds a repository: a notebook runs in ``assignments/<id>/``), else the
    installation's own course."""
    here = (cwd or Path.cwd()).resolve()
    found = next((p for p in (here, *here.parents) if is_course(p)), None)
    return Course(found) if found is not None else released() or bundled()


def open_course(folder: Path) -> Course:
    """The course at ``folder``; :class:`CourseError` when it is not one."""
    root = folder.expanduser().resolve()
    if not root.is_dir():
        raise CourseError(f"--course {folder}: no such folder")
    if not is_course(root):
        raise CourseError(
            f"--course {folder}: not a propgrade course (no {MARKER} and no "
            "assignments/<id>/manifest.toml); make one with propgrade init DIR"
        )
    return Course(root)


def use(course: Course | None) -> None:
    """Make ``course`` the current one (``None``: back to the installation's own)."""
    _CURRENT[:] = [course] if course is not None else []


@contextmanager
def using(course: Course | None) -> Iterator[Course]:
    """``course`` is the current one inside the block; the previous one after it."""
    before = list(_CURRENT)
    use(course)
    try:
        yield current()
    finally:
        _CURRENT[:] = before


def current() -> Course:
    """The course commands use: the one given to :func:`use`, else :func:`default`."""
    return _CURRENT[0] if _CURRENT else default()


def _search() -> Iterator[Course]:
    """The courses an id is looked up in, in order: the current one, then the bundled."""
    first = current()
    yield first
    for other in (released(), bundled()):
        if other is not None and other != first:
            yield other


def find(assignment: str) -> Course | None:
    """The course that owns ``assignment``: the current course, else the bundled one."""
    return next((c for c in _search() if c.owns(assignment)), None)


def ids() -> list[str]:
    """Every assignment id a command accepts: the current course's, then the bundled ones."""
    out: dict[str, None] = {}
    for course in _search():
        out.update(dict.fromkeys(course.ids()))
    return list(out)


def functions(assignment: str) -> tuple[str, ...] | None:
    """The exercise functions of ``assignment``; ``None`` for an id no course has."""
    course = find(assignment)
    return course.manifest(assignment).functions if course is not None else None


def reference(assignment: str) -> Any:
    """The reference module of ``assignment``, from the course that owns it (judge side)::

    from graders.course import reference
    ref = reference("dropout")
    """
    course = find(assignment)
    module = course.module("reference", assignment) if course is not None else None
    if module is None:
        raise CourseError(
            f"no reference for assignment {assignment!r} here (reference/"
            f"{assignment}.py): hidden graders need the course's reference"
        )
    return module
