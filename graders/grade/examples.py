"""The example bank: each property's examples, drawn once and reused for every student.

The cases are drawn by ``draw.run_hypothesis`` (the same draws a failing student's shrink
replays, see ``shrink``), their expected values computed by the property's oracle, and both
frozen to disk as plain data under a key of everything that decides them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import numpy as np
from hypothesis import settings

from graders import profiles
from graders.grade.draw import run_hypothesis
from graders.grade.shrink import SHRINK_TRIES, ShrinkMemo
from graders.props import Property
from graders.sandbox import protocol


@dataclass
class Example:
    """One shared example: the drawn case and (with an oracle) its expected value."""

    case: dict[str, Any]
    expected: Any = None


def default_cache_dir() -> Path:
    root = os.environ.get("PROPGRADE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "propgrade"
    )
    return Path(root) / "examples"


def _source_of(obj: Any) -> bytes:
    try:
        return Path(inspect.getfile(obj)).read_bytes()
    except (TypeError, OSError):
        return b""


def _torch_version() -> str:
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return "no torch"


def _survives_the_wire(value: Any) -> bool:
    """Whether ``value`` survives the wire codec unchanged in kind (no Unsupported inside)."""

    def walk(x: Any) -> bool:
        if isinstance(x, protocol.Unsupported):
            return False
        if isinstance(x, (list, tuple)):
            return all(walk(v) for v in x)
        if isinstance(x, dict):
            return all(walk(v) for v in x.values())
        return True

    try:
        return walk(protocol.decode(protocol.encode(value)))
    except protocol.ProtocolError:
        return False


class ExampleBank:
    """Property key -> its examples (with expected values), drawn once and reused.

    Examples (and expected values) are frozen to disk as plain data (the wire codec, never
    pickle) under a key made of everything that decides them: the property's module source,
    every module of the assignment's public and hidden graders (a package's cases and judge
    helpers included), the strategies and oracles modules, how cases are drawn (``draw``), the
    reference, the profile's count, and the hypothesis / NumPy / torch / Python versions.  A
    batch therefore draws each example once per machine, and every student sees the same ones.
    """

    def __init__(
        self, profile: settings, cache_dir: Path | None = None, use_disk: bool = True
    ) -> None:
        self.profile = profile
        self.cache_dir = cache_dir or default_cache_dir()
        self.use_disk = use_disk
        self._cache: dict[str, list[Example]] = {}
        self._shrink_keys: dict[str, str] = {}

    def _disk_key(self, prop: Property) -> str:
        from graders import course, strategies

        graders_dir = Path(inspect.getfile(strategies)).parent
        h = hashlib.sha256()
        for part in (
            prop.key,
            str(prop.max_examples or self.profile.max_examples),
            hypothesis.__version__,
            np.__version__,
            sys.version,
            _torch_version(),
        ):
            h.update(part.encode() + b"\0")
        h.update(_source_of(inspect.unwrap(prop.check)))  # the file it is written in
        h.update(_source_of(strategies))
        owner = course.find(prop.assignment)  # None for a property of no course (tests)
        # every module the cases and expected values can come from: hidden properties draw
        # with the public strategies, a grader package's cases and judge helpers live beside
        # its __init__, properties expect with the oracles and the reference
        paths = [graders_dir / "oracles.py", graders_dir / "grade" / "draw.py"]
        if owner is not None:
            for kind in ("public", "hidden", "reference"):
                paths += owner.files(kind, prop.assignment)
        for path in paths:
            h.update(path.read_bytes() if path.exists() else b"")
        return h.hexdigest()[:32]

    def _load(self, prop: Property) -> list[Example]:
        """Examples and their expected values: from disk, or drawn and computed now.

        Expected values are frozen too when they are plain data (they usually are: arrays,
        floats, tuples), so a batch need not import torch just to recompute oracle values.
        """
        path = self.cache_dir / f"{self._disk_key(prop)}.bin" if self.use_disk else None
        if path is not None and path.exists():
            try:
                data = protocol.decode(path.read_bytes())
                frozen_cases, expected = data["cases"], data["expected"]
                if expected is None and prop.expect is not None:
                    expected = [prop.expect(**c) for c in frozen_cases]
                return [
                    Example(c, e)
                    for c, e in zip(frozen_cases, expected or [None] * len(frozen_cases))
                ]
            except (OSError, protocol.ProtocolError, KeyError, TypeError):
                pass
        cases: list[dict[str, Any]] = []
        run_hypothesis(prop, self.profile, profiles.GENERATE, cases.append)
        expected = [prop.expect(**c) for c in cases] if prop.expect else None
        if path is not None:
            frozen = expected if expected is not None and _survives_the_wire(expected) else None
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(protocol.encode({"cases": cases, "expected": frozen}))
                os.replace(tmp, path)
            except (OSError, protocol.ProtocolError):
                pass
        return [Example(c, e) for c, e in zip(cases, expected or [None] * len(cases))]

    def shrink_key(self, prop: Property) -> str:
        """The key of a property's shrink paths: its examples' key and the shrink budget."""
        if prop.key not in self._shrink_keys:
            self._shrink_keys[prop.key] = hashlib.sha256(
                f"{self._disk_key(prop)}\0shrink\0{SHRINK_TRIES}".encode()
            ).hexdigest()[:32]
        return self._shrink_keys[prop.key]

    def shrink_memo(self) -> ShrinkMemo:
        """A memo of shrink paths kept next to the examples on disk (or in memory only)."""
        if not self.use_disk:
            return ShrinkMemo()
        return ShrinkMemo(self.cache_dir.parent / "shrinks", self.shrink_key)

    def get(self, prop: Property) -> list[Example]:
        if prop.key not in self._cache:
            self._cache[prop.key] = self._load(prop)
        return self._cache[prop.key]

    def warm(self, props: list[Property]) -> None:
        """Draw (or load) every property's examples now, e.g. before forking judges."""
        for p in props:
            self.get(p)
