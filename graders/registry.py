"""The one registry: a loader of the course's manifests, with the points its graders declare.

An exercise id is ``<assignment>.<function>`` (``classification.softmax``).  The same id is
named in the stub's NotImplementedError, in each property of the graders, in results.json
(test names begin with the function), in the CSV column and in the HTML feedback.

Each fact has one home: an assignment's identity, its ordered functions and its limits are its
manifest's (``assignments/<id>/manifest.toml``, read through :mod:`graders.course`); its
points are the sum of its ``@prop`` decorators', public ones in ``graders/public/<id>.py`` and
hidden ones in ``graders/hidden/<id>.py``.  Nothing here names an assignment.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from graders import course as courses
from graders.errors import UsageError

if TYPE_CHECKING:
    from graders.props import Property


@dataclass(frozen=True)
class Assignment:
    """One assignment: its manifest, in the course that owns it."""

    id: str
    title: str
    lecture: str
    functions: tuple[str, ...]
    limits: Mapping[str, float]  #: what the manifest sets (memory_mb, call_seconds, ...)
    course: courses.Course

    @property
    def module(self) -> str:
        """The student's module file is ``<id>.py``."""
        return self.id

    def exercise(self, function: str) -> str:
        return f"{self.id}.{function}"

    @property
    def exercises(self) -> tuple[str, ...]:
        return tuple(self.exercise(f) for f in self.functions)

    # --- derived from the properties (never written down twice) -----------------------

    @property
    def points(self) -> dict[str, float]:
        """Function -> points of its properties, public and hidden (those available here),
        in the manifest's order."""
        out = {f: 0.0 for f in self.functions}
        for p in properties(self.id):
            out[p.function] = out.get(p.function, 0.0) + p.points
        return out

    @property
    def public_points(self) -> float:
        return float(sum(p.points for p in properties(self.id) if p.visibility == "public"))

    @property
    def hidden_points(self) -> float:
        return float(sum(p.points for p in properties(self.id) if p.visibility == "hidden"))

    @property
    def total_points(self) -> float:
        """The grade's maximum: every property's points (the public ones only where the
        hidden graders are not available, as in a student release)."""
        return float(sum(p.points for p in properties(self.id)))


class UnknownAssignment(UsageError, KeyError):
    """An assignment id the registry does not know: a usage error (exit 2).

    Also a ``KeyError``, so callers that looked an id up like a mapping key (the HTML export
    falls back to the bare id) keep working; ``str()`` is the message, not KeyError's repr.
    """

    __str__ = Exception.__str__


def get(assignment_id: str) -> Assignment:
    """The assignment ``assignment_id``; :class:`UnknownAssignment` names the known ids."""
    course = courses.find(assignment_id)
    if course is None:
        known = ", ".join(courses.ids()) or "none yet: propgrade new ID makes one"
        raise UnknownAssignment(f"unknown assignment {assignment_id!r} (known: {known})")
    m = course.manifest(assignment_id)
    return Assignment(m.id, m.title, m.lecture, m.functions, dict(m.limits), course)


class _Assignments(Mapping[str, Assignment]):
    """``ASSIGNMENTS``: every id the current course offers (its own, then the bundled ones),
    read from the manifests each time, so ``--course`` and new manifests are seen."""

    def __getitem__(self, key: str) -> Assignment:
        return get(key)

    def __iter__(self) -> Iterator[str]:
        return iter(courses.ids())

    def __len__(self) -> int:
        return len(courses.ids())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and courses.find(key) is not None


ASSIGNMENTS: Mapping[str, Assignment] = _Assignments()


def properties(assignment_id: str, *, hidden: bool = True) -> list[Property]:
    """The assignment's properties: public ones, then hidden ones when available.

    The student release ships the public graders only; there the hidden module is absent and
    only public properties are returned (``hidden=True`` is then simply not satisfiable).
    Visibility is the file's: a property of ``graders/public/`` is public, one of
    ``graders/hidden/`` hidden, whatever its decorator says.
    """
    course = get(assignment_id).course
    found = list(
        _properties(course, assignment_id, "public", course.stamp("public", assignment_id))
    )
    if hidden:
        found += _properties(course, assignment_id, "hidden", course.stamp("hidden", assignment_id))
    return found


@cache
def _properties(
    course: courses.Course, assignment_id: str, kind: str, stamp: tuple[int, int] | None
) -> tuple[Property, ...]:
    """The properties of one grader module (``stamp``: its file's, so an edit is seen)."""
    from graders.props import check_module, collect

    module = course.module(kind, assignment_id)
    if module is None:
        if kind == "public":
            raise courses.CourseError(
                f"{course.path('public', assignment_id)}: missing (every "
                "assignment has public properties)"
            )
        return ()
    check_module(module, assignment_id)
    found = collect(vars(module))
    wrong = [p.key for p in found if p.visibility != kind]
    if wrong:
        raise courses.CourseError(
            f"{module.__file__}: {', '.join(wrong)} declared "
            f"visibility={'hidden' if kind == 'public' else 'public'!r} "
            f"in graders/{kind}/ (the file decides: move it, or fix it)"
        )
    return tuple(found)


def hidden_available() -> bool:
    """False in a student release (no hidden graders, no reference)."""
    return importlib.util.find_spec("graders.hidden") is not None
