"""Student stubs from the reference: nbgrader's solution markers, applied to modules.

In ``reference/<topic>.py`` each solution is a region::

    ### BEGIN SOLUTION
    ...
    ### END SOLUTION

Inside a function the region becomes ``raise NotImplementedError("<exercise id>: ...")`` at
the region's indentation; a region at module level (a private helper) disappears.  Everything
else — signatures, docstrings, imports — is kept verbatim, so stubs and reference cannot
drift: ``exercises/`` is generated (``python -m graders.assign.stubs``) and a test proves the
committed stubs equal a fresh generation.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from graders import course as courses
from graders import markers
from graders.markers import MarkerError

DEF = re.compile(r"^(?P<indent>[ \t]*)def (?P<name>\w+)\s*\(")
HEADER = (
    '"""{title}\n\nStudent stub generated from the course\'s reference: implement each '
    "function where it says\n``raise NotImplementedError``.  Check your work with "
    "``propgrade check {topic} {topic}.py``.\n\n"
)


def clear_solutions(source: str, topic: str) -> str:
    """Replace every solution region of ``source`` as described in the module docstring."""
    out: list[str] = []
    current_def: str | None = None
    starts = {r.begin: r for r in markers.regions(source)}
    skip_to = 0  # the END line of the region being dropped
    for lineno, line in enumerate(source.splitlines(keepends=True), 1):
        if lineno <= skip_to:
            continue
        region = starts.get(lineno)
        if region is not None:
            skip_to = region.end
            if region.indent:
                if current_def is None:
                    raise MarkerError(f"line {lineno}: indented region outside a function")
                out.append(
                    f'{region.indent}raise NotImplementedError("{topic}.{current_def}: '
                    'not implemented yet")\n'
                )
            continue
        m = DEF.match(line)
        if m and not m.group("indent"):
            current_def = m.group("name")  # a top-level function starts
        elif line[:1] not in ("", " ", "\t", "#", "\n", ")"):
            current_def = None  # other top-level code ends it
        out.append(line)
    text = "".join(out)
    return re.sub(r"\n{3,}(?=\S)", "\n\n\n", text)


def _owner(topic: str) -> courses.Course:
    found = courses.find(topic)
    if found is None:
        raise courses.CourseError(f"no course here has an assignment {topic!r}")
    return found


def stub_for(topic: str, reference: Path | None = None) -> str:
    """The stub of ``topic``: its reference (default: the owning course's) with every
    solution region cleared."""
    path = reference or _owner(topic).path("reference", topic)
    return clear_solutions(path.read_text(), topic)


def write_stubs(topics: list[str]) -> list[Path]:
    """Write ``exercises/<topic>.py`` of each topic, in the course that owns it."""
    written = []
    for topic in topics:
        path = _owner(topic).path("exercise", topic)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(stub_for(topic))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="Regenerate exercises/ from reference/.")
    parser.add_argument("topics", nargs="*", help="default: every assignment of the course")
    parser.add_argument(
        "--course",
        type=Path,
        help="the course (default: the current folder when it is one, else the bundled course)",
    )
    args = parser.parse_args()
    courses.use(courses.open_course(args.course) if args.course else courses.default())
    for path in write_stubs(args.topics or courses.current().ids()):
        print(f"wrote {path}")  # noqa: T201 - a developer script


if __name__ == "__main__":
    main()
