"""A course is a directory; an assignment is the files of one id in its mirrored layout.

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

The *bundled* course is this installation's own content (the repository in a checkout,
``site-packages`` in a wheel install), imported as the packages ``reference.<id>``,
``graders.public.<id>``, ... as always.  Any other course's modules are imported by file
location under a synthetic package, ``propgrade_course_<digest>.graders.public.<id>``, so a
course of its own never clashes with the bundled packages (its ``graders/`` and
``reference/`` folders need no ``__init__.py`` and must not have one: a regular package there
would shadow propgrade's own ``graders`` whenever the course root is on ``sys.path``).

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
import importlib.util
import keyword
import sys
import tomllib
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graders.errors import InputError, located

#: the one place the installation's root is computed: the parent of the ``graders`` package
BUNDLED_ROOT = Path(__file__).resolve().parent.parent
MARKER = "propgrade.toml"
#: where ``propgrade generate`` puts the released assignments inside the student checker
RELEASED = Path(__file__).resolve().parent / "released"

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
MODULES: dict[str, str] = {"reference": "reference", "public": "graders.public",
                           "hidden": "graders.hidden", "mutants": "graders.mutants"}
#: nbgrader's names in a course root (never created or read as ours)
NBGRADER_NAMES = ("source", "release", "submitted", "autograded", "feedback", "gradebook.db",
                  "nbgrader_config.py")
LIMIT_KEYS = ("memory_mb", "call_seconds", "submission_seconds")
MANIFEST_KEYS = {"id", "title", "lecture", "functions", "limits", "demo"}


class CourseError(InputError):
    """A course's content cannot be used as it is (a manifest, a grader): exit 3, one line
    naming the file."""


@dataclass(frozen=True)
class Manifest:
    """``assignments/<id>/manifest.toml``: what staff set per assignment, and only that.

    Points are not here: they come from the ``@prop`` decorators (:attr:`points`); visibility
    from the file a property lives in.
    """

    id: str
    title: str
    lecture: str                          #: the lecture section the notebook teaches
    functions: tuple[str, ...]            #: the exercise functions, in the order taught
    limits: dict[str, float]              #: what the manifest sets of LIMIT_KEYS
    folder: Path
    demo: dict[str, str] = field(default_factory=dict)  #: how ``propgrade demo`` breaks it

    @property
    def notebook(self) -> Path:
        return self.folder.parent.parent / LAYOUT["notebook"].format(id=self.id)

    @property
    def template(self) -> Path:
        return self.folder.parent.parent / LAYOUT["lecture"].format(id=self.id)

    @property
    def points(self) -> dict[str, float]:
        """Function -> its points, public and hidden, summed from the properties."""
        from graders import registry  # the properties are the graders': loaded on demand

        return registry.get(self.id).points

    @property
    def total_points(self) -> float:
        return float(sum(self.points.values()))


def parse_manifest(path: Path, assignment: str) -> Manifest:
    """The manifest at ``path``; :class:`CourseError` says in one line what is wrong."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise CourseError(f"{path}: cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: not valid TOML ({exc})") from None

    def bad(what: str) -> CourseError:
        return CourseError(f"{path}: {what}")

    if data.get("id") != assignment:
        raise bad(f"id is {data.get('id')!r}, not {assignment!r} (the folder's name)")
    if "points" in data:
        raise bad("[points] is gone: points come from the @prop decorators of the graders "
                  "(propgrade validate prints them); delete the table")
    unknown = sorted(set(data) - MANIFEST_KEYS)
    if unknown:
        raise bad(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(MANIFEST_KEYS))})")
    for key in ("title", "lecture"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise bad(f"{key} must be a non-empty string")
    functions = data.get("functions")
    if (not isinstance(functions, list) or not functions
            or not all(isinstance(f, str) and f.isidentifier() and not keyword.iskeyword(f)
                       for f in functions)):
        raise bad("functions must be a non-empty list of the exercise functions' names")
    if len(set(functions)) != len(functions):
        raise bad("functions names a function twice")
    limits = data.get("limits", {})
    if not isinstance(limits, dict) or set(limits) - set(LIMIT_KEYS):
        raise bad(f"[limits] may set {', '.join(LIMIT_KEYS)} only")
    for key, value in limits.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise bad(f"limits.{key} must be a number above 0, not {value!r}")
    demo = data.get("demo", {})
    if not isinstance(demo, dict) or not all(isinstance(v, str) for v in demo.values()):
        raise bad("[demo] holds strings only")
    return Manifest(id=assignment, title=data["title"], lecture=data["lecture"],
                    functions=tuple(functions), limits=dict(limits), folder=path.parent,
                    demo=dict(demo))


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
        return [] if not folder.is_dir() else sorted(p.parent.name for p in folder.glob("*/manifest.toml")
                      if p.parent.name.isidentifier())

    def manifest(self, assignment: str) -> Manifest:
        path = self.path("manifest", assignment)
        try:
            stat = path.stat()
        except OSError:
            raise CourseError(f"{path}: no such manifest") from None
        return _manifest(path, assignment, (stat.st_mtime_ns, stat.st_size))

    def content_files(self, assignment: str) -> list[tuple[str, Path]]:
        """``(kind, path)`` of every file that decides a grade, present or not (a package's
        further modules as ``kind/<file>``)."""
        return [(k if i == 0 else f"{k}/{p.name}", p)
                for k in ("manifest", "reference", "public", "hidden", "mutants")
                for i, p in enumerate(self.files(k, assignment))]

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
        return _load(self, kind, assignment, path)

    def stamp(self, kind: str, assignment: str) -> tuple[int, int] | None:
        """(mtime, size) of a content file, ``None`` when missing: what caches key on, so a
        long-lived process sees an edited course file."""
        try:
            stats = [p.stat() for p in self.files(kind, assignment)]
        except OSError:
            return None
        return max(s.st_mtime_ns for s in stats), sum(s.st_size for s in stats)


def is_course(folder: Path) -> bool:
    return (folder / MARKER).is_file() or any((folder / "assignments").glob("*/manifest.toml"))


@cache
def _manifest(path: Path, assignment: str, stamp: tuple[int, int]) -> Manifest:
    """Parsed once per version of the file (``stamp``: its mtime and size)."""
    return parse_manifest(path, assignment)


def _package(name: str, path: Path) -> types.ModuleType:
    """A package module for ``name`` (created once), searching ``path``."""
    if name not in sys.modules:
        module = types.ModuleType(name)
        module.__path__ = [str(path)]
        module.__package__ = name
        sys.modules[name] = module
    return sys.modules[name]


def _load(course: Course, kind: str, assignment: str, path: Path) -> types.ModuleType:
    """Import ``path`` by file location as ``<course package>.<kind package>.<id>``."""
    dotted = MODULES[kind]
    name = f"{course.package}.{dotted}.{assignment}"
    stamp = course.stamp(kind, assignment)
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__propgrade_stamp__", None) == stamp:
        return loaded
    parts = [course.package, *dotted.split(".")]
    for i in range(1, len(parts) + 1):
        _package(".".join(parts[:i]), course.root.joinpath(*parts[1:i]))
    package = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=package)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__propgrade_stamp__ = stamp  # type: ignore[attr-defined]
    sys.modules[name] = module  # before running it: dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except CourseError:
        del sys.modules[name]
        raise
    except Exception as exc:  # noqa: BLE001 - staff's own file: say where, in one line
        del sys.modules[name]
        raise CourseError(located(exc, path, course.root)) from exc
    return module


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
        raise CourseError(f"--course {folder}: not a propgrade course (no {MARKER} and no "
                          "assignments/<id>/manifest.toml); make one with propgrade init DIR")
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
        raise CourseError(f"no reference for assignment {assignment!r} here (reference/"
                          f"{assignment}.py): hidden graders need the course's reference")
    return module
