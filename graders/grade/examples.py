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


SHRINK_TRIES = 100  #: cases a shrink may ask after the first failure (a count, not the clock)


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
        self._shrink_keys: dict[str, str] = {}

    def _disk_key(self, prop: Property) -> str:
        from graders import course, strategies

        graders_dir = Path(inspect.getfile(strategies)).parent
        h = hashlib.sha256()
        for part in (prop.key, str(prop.max_examples or self.profile.max_examples),
                     hypothesis.__version__, np.__version__, sys.version, _torch_version()):
            h.update(part.encode() + b"\0")
        h.update(_source_of(inspect.unwrap(prop.check)))  # the file it is written in
        h.update(_source_of(strategies))
        owner = course.find(prop.assignment)  # None for a property of no course (tests)
        for path in (owner.path("public", prop.assignment) if owner else None,  # hidden
                     graders_dir / "oracles.py",                 # properties draw with these;
                     owner.path("reference", prop.assignment) if owner else None):  # expect
            h.update(path.read_bytes() if path is not None and path.exists() else b"")
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

    def shrink_key(self, prop: Property) -> str:
        """The key of a property's shrink paths: its examples' key and the shrink budget."""
        if prop.key not in self._shrink_keys:
            self._shrink_keys[prop.key] = hashlib.sha256(
                f"{self._disk_key(prop)}\0shrink\0{SHRINK_TRIES}".encode()).hexdigest()[:32]
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


def same_case(a: Any, b: Any) -> bool:
    """Whether two drawn cases are the same value, bit for bit (arrays, floats, containers)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_case(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_case(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    return bool(a == b)


class _Node:
    """A point of a shrink: the case hypothesis asks next, and where each answer leads."""

    __slots__ = ("case", "after", "end")

    def __init__(self) -> None:
        self.case: dict[str, Any] | None = None
        self.after: dict[bool, _Node] = {}  # failed? -> the next point
        self.end = False                     # the run stopped here


class ShrinkMemo:
    """What earlier shrinks of each property asked, so a repeated bug is shrunk cheaply.

    Under ``derandomize=True`` hypothesis is a deterministic function of the answers it gets:
    every failure is the same ``AssertionError`` from the same line, so the only thing it
    learns from a case is *passed* or *failed*, and the case it asks next depends on nothing
    else.  A trie of those answers, per property, therefore replays hypothesis exactly: a
    student whose answers follow a path an earlier student took costs only the student's own
    calls on the path's cases, none of hypothesis' engine.  A new answer leaves the trie,
    and hypothesis runs as usual (answering from what the student already said), adding
    its path to the trie.  Paths cut by the clock (the safety net), or by a call that
    raised instead of answering (a worker that died), are not recorded.

    With a ``directory`` (and ``key_of``, the example bank's key: everything that decides a
    property's cases), paths are also kept on disk as plain data, one file per path, so the
    judges of a parallel batch and later batches share them.  Whatever the memo holds, a
    shrink's result is always a case the student's own function failed on.
    """

    def __init__(self, directory: Path | None = None,
                 key_of: Callable[[Property], str] | None = None,
                 max_files: int = 2000) -> None:
        self.directory, self.key_of, self.max_files = directory, key_of, max_files
        self.roots: dict[str, _Node] = {}
        self._dirs: dict[str, Path | None] = {}
        self._loaded: dict[str, set[str]] = {}
        self.walked = 0   # shrinks served from the trie alone
        self.searched = 0  # shrinks that ran hypothesis

    def _dir(self, prop: Property) -> Path | None:
        if prop.key not in self._dirs:
            self._dirs[prop.key] = (self.directory / self.key_of(prop)
                                    if self.directory is not None and self.key_of else None)
        return self._dirs[prop.key]

    def root(self, prop: Property) -> _Node:
        if prop.key not in self.roots:
            self.roots[prop.key] = _Node()
            self.refresh(prop)
        return self.roots[prop.key]

    def _insert(self, key: str, path: list[tuple[dict[str, Any], bool]]) -> None:
        node = self.roots.setdefault(key, _Node())
        for case, failed in path:
            if node.case is None:
                node.case = case
            node = node.after.setdefault(failed, _Node())
        node.end = True

    def refresh(self, prop: Property) -> bool:
        """Load paths other judges wrote since; True when there were any."""
        from graders.grade import protocol

        folder = self._dir(prop)
        if folder is None or not folder.is_dir():
            return False
        seen = self._loaded.setdefault(prop.key, set())
        new = False
        for file in sorted(folder.glob("*.bin")):
            if file.name in seen:
                continue
            seen.add(file.name)
            try:
                path = [(case, bool(failed))
                        for case, failed in protocol.decode(file.read_bytes())["path"]]
            except (OSError, protocol.ProtocolError, KeyError, TypeError, ValueError):
                continue
            self._insert(prop.key, path)
            new = True
        return new

    def record(self, prop: Property, path: list[tuple[dict[str, Any], bool]]) -> None:
        from graders.grade import protocol

        self._insert(prop.key, path)
        folder = self._dir(prop)
        if folder is None:
            return
        try:
            frame = protocol.encode({"path": [[case, failed] for case, failed in path]})
            back = protocol.decode(frame)["path"]
        except protocol.ProtocolError:
            return
        if not all(same_case(case, b[0]) for (case, _), b in zip(path, back)):
            return  # a case the codec cannot carry exactly stays in this process only
        name = hashlib.sha256(frame).hexdigest()[:32] + ".bin"
        self._loaded.setdefault(prop.key, set()).add(name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if (folder / name).exists() or len(os.listdir(folder)) >= self.max_files:
                return
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            tmp.write_bytes(frame)
            os.replace(tmp, folder / name)
        except OSError:
            pass


def shrink(prop: Property, profile: settings, fails: Callable[[dict[str, Any]], Any],
           seconds: float, max_calls: int = SHRINK_TRIES,
           known: list[tuple[dict[str, Any], Any]] | None = None,
           memo: ShrinkMemo | None = None) -> tuple[dict[str, Any], Any] | None:
    """Replay and shrink; ``fails(case)`` returns a failure object or None.

    Returns the smallest failing case found (and its failure), or None when hypothesis did
    not meet the failure again (e.g. an explicit example or a flaky submission).  Shrinking
    stops after ``max_calls`` tries past the first failure — a count, so the feedback does
    not depend on how busy the machine is; ``seconds`` is only a safety net for very slow
    student code.

    ``known``: the answers the caller already has for the first cases hypothesis replays
    (the shared examples up to the first failure: passes, then that failure), so they are
    not asked of the student again; each is used only if hypothesis asks exactly that case.
    ``memo``: see :class:`ShrinkMemo`; the result is the same with or without it.
    """
    known = known or []
    answers: list[tuple[dict[str, Any], Any]] = []  # the student's, in hypothesis' order
    deadline = time.monotonic() + seconds

    def answer(case: dict[str, Any]) -> Any:
        pos = len(answers)
        if pos < len(known) and same_case(case, known[pos][0]):
            failure = known[pos][1]
        else:
            failure = fails(case)
        answers.append((case, failure))
        return failure

    def result() -> tuple[dict[str, Any], Any] | None:
        failed = [(c, f) for c, f in answers if f is not None]
        return failed[-1] if failed else None

    def walk(node: _Node) -> _Node | None:
        """Follow the trie, replaying the answers given so far, asking the rest."""
        pos = 0
        while node.case is not None and not node.end:
            if pos < len(answers):
                if not same_case(node.case, answers[pos][0]):
                    return None
                failed = answers[pos][1] is not None
            else:
                if time.monotonic() > deadline:
                    return None
                failed = answer(node.case) is not None
            pos += 1
            nxt = node.after.get(failed)
            if nxt is None:
                return None
            node = nxt
        return node

    if memo is not None:  # follow earlier students' paths while the answers agree
        for attempt in range(2):
            node = walk(memo.root(prop))
            if time.monotonic() > deadline:
                return result()
            if node is not None and node.end:
                memo.walked += 1
                return result()
            if attempt or not memo.refresh(prop):  # another judge may know this path
                break
        memo.searched += 1

    walked = list(answers)  # already answered, in the order hypothesis will ask again
    seen: list[tuple[dict[str, Any], Any]] = []
    tries = 0
    found = spoiled = False  # spoiled: cut by the clock, or a call that broke the session

    def on_case(case: dict[str, Any]) -> None:
        nonlocal tries, found, spoiled
        if found:
            tries += 1
            if tries > max_calls:
                raise StopShrinking
            if time.monotonic() > deadline:
                spoiled = True
                raise StopShrinking
        pos = len(seen)
        if pos < len(walked) and same_case(case, walked[pos][0]):
            failure = walked[pos][1]
        elif pos < len(known) and same_case(case, known[pos][0]):
            failure = known[pos][1]
        else:
            try:
                failure = fails(case)
            except BaseException:
                spoiled = True
                raise
        seen.append((case, failure))
        if failure is not None:
            found = True
            raise AssertionError("property failed")

    try:
        run_hypothesis(prop, profile, profiles.SHRINK, on_case)
    except StopShrinking:
        pass
    except Exception:  # noqa: BLE001 - the replayed failure, or hypothesis' Flaky report
        pass
    if memo is not None and not spoiled:
        memo.record(prop, [(c, f is not None) for c, f in seen])
    failed = [(c, f) for c, f in seen if f is not None]
    return failed[-1] if failed else None
