"""Shrinking a failure: replay the shared draws, then let hypothesis minimise the case.

``Shrink`` runs one student's shrink of one property, in phases: answer from what is known
(the batch's answers on the shared examples), follow an earlier student's path through the
``ShrinkMemo``, else search with hypothesis against the student's own function, and record
the path taken.  Whatever the shortcuts, the result is a case the student's function failed.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import settings

from graders import profiles
from graders.grade.draw import run_hypothesis, same_case
from graders.props import Property
from graders.sandbox import protocol

SHRINK_TRIES = 100  #: cases a shrink may ask after the first failure (a count, not the clock)

Case = dict[str, Any]
Answer = tuple[Case, Any]  #: a case and the student's failure on it (None: it passed)


class StopShrinking(BaseException):
    """Raised from inside hypothesis to end a shrink that ran out of time."""


class _Node:
    """A point of a shrink: the case hypothesis asks next, and where each answer leads."""

    __slots__ = ("case", "after", "end")

    def __init__(self) -> None:
        self.case: Case | None = None
        self.after: dict[bool, _Node] = {}  # failed? -> the next point
        self.end = False  # the run stopped here


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

    def __init__(
        self,
        directory: Path | None = None,
        key_of: Callable[[Property], str] | None = None,
        max_files: int = 2000,
    ) -> None:
        self.directory, self.key_of, self.max_files = directory, key_of, max_files
        self.roots: dict[str, _Node] = {}
        self._dirs: dict[str, Path | None] = {}
        self._loaded: dict[str, set[str]] = {}
        self.walked = 0  # shrinks served from the trie alone
        self.searched = 0  # shrinks that ran hypothesis

    def _dir(self, prop: Property) -> Path | None:
        if prop.key not in self._dirs:
            self._dirs[prop.key] = (
                self.directory / self.key_of(prop)
                if self.directory is not None and self.key_of
                else None
            )
        return self._dirs[prop.key]

    def root(self, prop: Property) -> _Node:
        if prop.key not in self.roots:
            self.roots[prop.key] = _Node()
            self.refresh(prop)
        return self.roots[prop.key]

    def _insert(self, key: str, path: list[tuple[Case, bool]]) -> None:
        node = self.roots.setdefault(key, _Node())
        for case, failed in path:
            if node.case is None:
                node.case = case
            node = node.after.setdefault(failed, _Node())
        node.end = True

    def refresh(self, prop: Property) -> bool:
        """Load paths other judges wrote since; True when there were any."""
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
                path = [
                    (case, bool(failed))
                    for case, failed in protocol.decode(file.read_bytes())["path"]
                ]
            except (OSError, protocol.ProtocolError, KeyError, TypeError, ValueError):
                continue
            self._insert(prop.key, path)
            new = True
        return new

    def record(self, prop: Property, path: list[tuple[Case, bool]]) -> None:
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


def _last_failure(answers: list[Answer]) -> Answer | None:
    failed = [(c, f) for c, f in answers if f is not None]
    return failed[-1] if failed else None


class Shrink:
    """One shrink of ``prop`` for one student; ``fails(case)`` returns a failure or None.

    ``known``: the answers the caller already has for the first cases hypothesis replays
    (the shared examples up to the first failure: passes, then that failure), so they are
    not asked of the student again; each is used only if hypothesis asks exactly that case.
    ``memo``: see :class:`ShrinkMemo`; the result is the same with or without it.
    """

    def __init__(
        self,
        prop: Property,
        profile: settings,
        fails: Callable[[Case], Any],
        seconds: float,
        max_calls: int = SHRINK_TRIES,
        known: list[Answer] | None = None,
        memo: ShrinkMemo | None = None,
    ) -> None:
        self.prop, self.profile, self.fails = prop, profile, fails
        self.max_calls, self.known, self.memo = max_calls, known or [], memo
        self.deadline = time.monotonic() + seconds
        self.answers: list[Answer] = []  # the student's along the memo, in hypothesis' order
        self.seen: list[Answer] = []  # what the hypothesis search asked, in order
        self.tries = 0  # cases asked after the first failure
        self.found = False  # the search met a failure
        self.spoiled = False  # cut by the clock, or a call that broke the session

    def run(self) -> Answer | None:
        """The smallest failing case found and its failure; None when hypothesis did not
        meet the failure again (e.g. an explicit example or a flaky submission)."""
        if self.memo is not None and self.follow_memo():
            return _last_failure(self.answers)
        return self.search()

    # -- phase 1: answers the caller already has -------------------------------------
    def _known(self, pos: int, case: Case) -> tuple[bool, Any]:
        """(whether the answer at ``pos`` is known for ``case``, that answer)."""
        if pos < len(self.known) and same_case(case, self.known[pos][0]):
            return True, self.known[pos][1]
        return False, None

    def ask(self, case: Case) -> Any:
        """The student's answer for the next case along the memo (known ones reused)."""
        hit, failure = self._known(len(self.answers), case)
        if not hit:
            failure = self.fails(case)
        self.answers.append((case, failure))
        return failure

    # -- phase 2: an earlier student's path --------------------------------------------
    def follow_memo(self) -> bool:
        """Follow earlier paths while the answers agree; True when one led to its end (or
        the clock ran out), so that the answers given are the result."""
        assert self.memo is not None
        for attempt in range(2):
            node = self._walk(self.memo.root(self.prop))
            if time.monotonic() > self.deadline:
                return True
            if node is not None and node.end:
                self.memo.walked += 1
                return True
            if attempt or not self.memo.refresh(self.prop):  # another judge may know it
                break
        self.memo.searched += 1
        return False

    def _walk(self, node: _Node) -> _Node | None:
        """Follow the trie, replaying the answers given so far, asking the rest."""
        pos = 0
        while node.case is not None and not node.end:
            if pos < len(self.answers):
                if not same_case(node.case, self.answers[pos][0]):
                    return None
                failed = self.answers[pos][1] is not None
            else:
                if time.monotonic() > self.deadline:
                    return None
                failed = self.ask(node.case) is not None
            pos += 1
            nxt = node.after.get(failed)
            if nxt is None:
                return None
            node = nxt
        return node

    # -- phase 3: hypothesis' own search -----------------------------------------------
    def search(self) -> Answer | None:
        """Run hypothesis against the student's answers, then record the path it took."""
        try:
            run_hypothesis(self.prop, self.profile, profiles.SHRINK, self.on_case)
        except StopShrinking:
            pass
        except Exception:  # noqa: BLE001 - the replayed failure, or hypothesis' Flaky report
            pass
        if self.memo is not None and not self.spoiled:
            self.memo.record(self.prop, [(c, f is not None) for c, f in self.seen])
        return _last_failure(self.seen)

    def on_case(self, case: Case) -> None:
        """Hypothesis' driver: answer ``case``, raising AssertionError when it fails."""
        if self.found:
            self._count_a_try()
        failure = self._answer(case)
        self.seen.append((case, failure))
        if failure is not None:
            self.found = True
            raise AssertionError("property failed")

    def _count_a_try(self) -> None:
        self.tries += 1
        if self.tries > self.max_calls:
            raise StopShrinking
        if time.monotonic() > self.deadline:
            self.spoiled = True
            raise StopShrinking

    def _answer(self, case: Case) -> Any:
        """From the memo walk, from the caller's known answers, or asked of the student."""
        pos = len(self.seen)
        walked = self.answers  # already answered, in the order hypothesis asks again
        if pos < len(walked) and same_case(case, walked[pos][0]):
            return walked[pos][1]
        hit, failure = self._known(pos, case)
        if hit:
            return failure
        try:
            return self.fails(case)
        except BaseException:
            self.spoiled = True
            raise


def shrink(
    prop: Property,
    profile: settings,
    fails: Callable[[Case], Any],
    seconds: float,
    max_calls: int = SHRINK_TRIES,
    known: list[Answer] | None = None,
    memo: ShrinkMemo | None = None,
) -> Answer | None:
    """Replay and shrink (see :class:`Shrink`); ``fails(case)`` returns a failure or None.

    Returns the smallest failing case found (and its failure), or None when hypothesis did
    not meet the failure again (e.g. an explicit example or a flaky submission).  Shrinking
    stops after ``max_calls`` tries past the first failure — a count, so the feedback does
    not depend on how busy the machine is; ``seconds`` is only a safety net for very slow
    student code.
    """
    return Shrink(prop, profile, fails, seconds, max_calls, known, memo).run()
