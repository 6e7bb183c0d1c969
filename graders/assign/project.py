"""propgrade's own metadata (version, Python, pinned dependencies), checkout or wheel alike.

In a checkout it is ``pyproject.toml``'s; in a wheel install there is no ``pyproject.toml``
and it is the installed distribution's metadata (the same pins, written by the build).  The
student checker and the Gradescope autograder pin exactly these.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from functools import cache

from graders.course import BUNDLED_ROOT

DIST = "propgrade"


@dataclass(frozen=True)
class Project:
    version: str
    requires_python: str
    dependencies: tuple[str, ...]  #: the runtime pins, extras left out

    @property
    def torch(self) -> str:
        """The torch pin (installed first, from the CPU index)."""
        return next((d for d in self.dependencies if re.match(r"torch\b", d)), "torch")


@cache
def project() -> Project:
    pyproject = BUNDLED_ROOT / "pyproject.toml"
    if pyproject.is_file():
        data = tomllib.loads(pyproject.read_text())["project"]
        return Project(
            data["version"], data.get("requires-python", ">=3.11"), tuple(data["dependencies"])
        )
    meta = importlib.metadata.metadata(DIST)
    deps = [d for d in importlib.metadata.requires(DIST) or [] if "extra ==" not in d]
    return Project(
        meta["Version"],
        (meta["Requires-Python"] if "Requires-Python" in meta else None) or ">=3.11",
        tuple(d.split(";")[0].strip() for d in deps),
    )
