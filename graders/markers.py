"""nbgrader's solution markers in a Python source: the one parser every tool uses.

A solution region is::

    ### BEGIN SOLUTION
    ...
    ### END SOLUTION

each marker alone on its line (leading whitespace allowed: the region's indentation is the
BEGIN line's).  Regions never nest; every BEGIN has its END.  ``graders.assign.stubs`` turns
regions into ``raise NotImplementedError``, ``graders.assign.notebooks`` carries them into
notebook cells and lists their text (what a release must not contain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BEGIN_TEXT, END_TEXT = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")


class MarkerError(ValueError):
    """Unbalanced or misplaced solution markers."""


@dataclass(frozen=True)
class Region:
    """One region: the 1-based line numbers of its BEGIN and END lines, its indentation."""

    begin: int
    end: int
    indent: str

    def inner(self, lines: list[str]) -> list[str]:
        """The region's lines, markers excluded (``lines``: the source's lines)."""
        return lines[self.begin : self.end - 1]


def regions(source: str) -> list[Region]:
    """Every region of ``source`` in order; ``MarkerError`` (with the line) when unbalanced."""
    found: list[Region] = []
    start: tuple[int, str] | None = None
    for lineno, line in enumerate(source.splitlines(), 1):
        begin = BEGIN.match(line)
        if begin:
            if start is not None:
                raise MarkerError(f"line {lineno}: nested BEGIN SOLUTION")
            start = (lineno, begin.group("indent"))
        elif END.match(line):
            if start is None:
                raise MarkerError(f"line {lineno}: END SOLUTION without BEGIN")
            found.append(Region(start[0], lineno, start[1]))
            start = None
    if start is not None:
        raise MarkerError("BEGIN SOLUTION without END SOLUTION")
    return found


def region_texts(source: str) -> list[str]:
    """The text inside each region (what students must not get)."""
    lines = source.splitlines()
    return ["\n".join(r.inner(lines)) for r in regions(source)]
