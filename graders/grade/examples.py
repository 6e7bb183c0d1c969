"""Examples drawn by hypothesis once, reused for every student; and shrinking on failure.

Both phases run through the *same* driver function, so under ``derandomize=True`` hypothesis
draws the same sequence in both: the examples a batch collects once are exactly those a
failing student's shrink run replays before it starts shrinking.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import numpy as np
from hypothesis import example, given, settings

from graders import profiles
from graders.props import Property


@dataclass
class Example:
    case: dict[str, Any]
    expected: Any = None


class _Sink:
    """Where the driver sends each case; set around each hypothesis run."""

    target: Callable[[dict[str, Any]], None] | None = None


def _driver(case: dict[str, Any]) -> None:
    assert _Sink.target is not None
    _Sink.target(case)


class StopShrinking(BaseException):
    """Raised from inside hypothesis to end a shrink that ran out of time."""


def run_hypothesis(prop: Property, profile: settings, phases: tuple,
                   on_case: Callable[[dict[str, Any]], None]) -> None:
    test = given(prop.strategy)(_driver)
    for case in reversed(prop.examples):
        test = example(dict(case))(test)
    count = prop.max_examples or profile.max_examples
    test = settings(profile, max_examples=count, phases=phases)(test)
    _Sink.target = on_case
    try:
        test()
    finally:
        _Sink.target = None


def default_cache_dir() -> Path:
    root = os.environ.get("PROPGRADE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "propgrade")
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


def _plain(value: Any) -> bool:
    """Whether ``value`` survives the wire codec unchanged in kind (no Unsupported inside)."""
    from graders.grade import protocol

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
    the strategies and oracles modules, the topic's reference, the profile's count, and the
    hypothesis / NumPy / torch / Python versions.  A batch therefore
    draws each example once per machine, and every student sees exactly the same ones.
    """

    def __init__(self, profile: settings, cache_dir: Path | None = None,
                 use_disk: bool = True) -> None:
        self.profile = profile
        self.cache_dir = cache_dir or default_cache_dir()
        self.use_disk = use_disk
        self._cache: dict[str, list[Example]] = {}

    def _disk_key(self, prop: Property) -> str:
        from graders import strategies

        graders_dir = Path(inspect.getfile(strategies)).parent
        h = hashlib.sha256()
        for part in (prop.key, str(prop.max_examples or self.profile.max_examples),
                     hypothesis.__version__, np.__version__, sys.version, _torch_version()):
            h.update(part.encode() + b"\0")
        h.update(_source_of(prop.check))
        h.update(_source_of(strategies))
        for path in (graders_dir / "public" / f"{prop.assignment}.py",  # hidden properties
                     graders_dir / "oracles.py",                          # draw with these;
                     graders_dir.parent / "reference" / f"{prop.assignment}.py"):  # expect
            h.update(path.read_bytes() if path.exists() else b"")
        return h.hexdigest()[:32]

    def _load(self, prop: Property) -> list[Example]:
        """Examples and their expected values: from disk, or drawn and computed now.

        Expected values are frozen too when they are plain data (they usually are: arrays,
        floats, tuples), so a batch need not import torch just to recompute oracle values.
        """
        from graders.grade import protocol

        path = self.cache_dir / f"{self._disk_key(prop)}.bin" if self.use_disk else None
        if path is not None and path.exists():
            try:
                data = protocol.decode(path.read_bytes())
                cases, expected = data["cases"], data["expected"]
                if expected is None and prop.expect is not None:
                    expected = [prop.expect(**c) for c in cases]
                return [Example(c, e) for c, e in zip(cases, expected or [None] * len(cases))]
            except (OSError, protocol.ProtocolError, KeyError, TypeError):
                pass
        cases: list[dict[str, Any]] = []
        run_hypothesis(prop, self.profile, profiles.GENERATE, cases.append)
        expected = [prop.expect(**c) for c in cases] if prop.expect else None
        if path is not None:
            frozen = expected if expected is not None and _plain(expected) else None
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(protocol.encode({"cases": cases, "expected": frozen}))
                os.replace(tmp, path)
            except (OSError, protocol.ProtocolError):
                pass
        return [Example(c, e) for c, e in zip(cases, expected or [None] * len(cases))]

    def get(self, prop: Property) -> list[Example]:
        if prop.key not in self._cache:
            self._cache[prop.key] = self._load(prop)
        return self._cache[prop.key]

    def warm(self, props: list[Property]) -> None:
        """Draw (or load) every property's examples now, e.g. before forking judges."""
        for p in props:
            self.get(p)


def shrink(prop: Property, profile: settings, fails: Callable[[dict[str, Any]], Any],
           seconds: float, max_calls: int = 100) -> tuple[dict[str, Any], Any] | None:
    """Replay and shrink; ``fails(case)`` returns a failure object or None.

    Returns the smallest failing case found (and its failure), or None when hypothesis did
    not meet the failure again (e.g. an explicit example or a flaky submission).  Shrinking
    stops after ``max_calls`` tries past the first failure — a count, so the feedback does
    not depend on how busy the machine is; ``seconds`` is only a safety net for very slow
    student code.
    """
    found: list[tuple[dict[str, Any], Any]] = []
    deadline = time.monotonic() + seconds
    tries = 0

    def on_case(case: dict[str, Any]) -> None:
        nonlocal tries
        if found:
            tries += 1
            if tries > max_calls or time.monotonic() > deadline:
                raise StopShrinking
        failure = fails(case)
        if failure is not None:
            found.append((case, failure))
            raise AssertionError("property failed")

    try:
        run_hypothesis(prop, profile, profiles.SHRINK, on_case)
    except StopShrinking:
        pass
    except Exception:  # noqa: BLE001 - the replayed failure, or hypothesis' Flaky report
        pass
    return found[-1] if found else None
