"""``assignments/<id>/manifest.toml``: what staff set per assignment, read and checked."""

from __future__ import annotations

import keyword
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from graders.course.layout import LAYOUT, CourseError

LIMIT_KEYS = ("memory_mb", "call_seconds", "submission_seconds")
MANIFEST_KEYS = {"id", "title", "lecture", "functions", "limits", "demo"}


@dataclass(frozen=True)
class Manifest:
    """``assignments/<id>/manifest.toml``: what staff set per assignment, and only that.

    Points are not here: they come from the ``@prop`` decorators (:attr:`points`); visibility
    from the file a property lives in.
    """

    id: str
    title: str
    lecture: str  #: the lecture section the notebook teaches
    functions: tuple[str, ...]  #: the exercise functions, in the order taught
    limits: dict[str, float]  #: what the manifest sets of LIMIT_KEYS
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
        raise bad(
            "[points] is gone: points come from the @prop decorators of the graders "
            "(propgrade validate prints them); delete the table"
        )
    unknown = sorted(set(data) - MANIFEST_KEYS)
    if unknown:
        raise bad(
            f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(MANIFEST_KEYS))})"
        )
    for key in ("title", "lecture"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise bad(f"{key} must be a non-empty string")
    functions = data.get("functions")
    if (
        not isinstance(functions, list)
        or not functions
        or not all(
            isinstance(f, str) and f.isidentifier() and not keyword.iskeyword(f) for f in functions
        )
    ):
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
    return Manifest(
        id=assignment,
        title=data["title"],
        lecture=data["lecture"],
        functions=tuple(functions),
        limits=dict(limits),
        folder=path.parent,
        demo=dict(demo),
    )


def read_manifest(path: Path, assignment: str) -> Manifest:
    """The manifest at ``path``, parsed once per version of the file (its mtime and size)."""
    try:
        stat = path.stat()
    except OSError:
        raise CourseError(f"{path}: no such manifest") from None
    return _parsed(path, assignment, (stat.st_mtime_ns, stat.st_size))


@cache
def _parsed(path: Path, assignment: str, stamp: tuple[int, int]) -> Manifest:
    return parse_manifest(path, assignment)
