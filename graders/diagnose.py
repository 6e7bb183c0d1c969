"""Misconception diagnosis, staff side: the catalog replayed, and the data a release ships.

One rule for both (stated in :mod:`graders.check.misconceptions`): a failing student is named
a misconception when, on the first failing example before shrinking, their answers (the
values the check received, in order: the runner's ``trace``) are the answers a named catalog
mutant gives there, and that mutant fails there too.  Mutants are our own code, so they run
in-process, judge side, through the runner's own ``Driver`` (the same code that records a
student's trace), on a :class:`~graders.sandbox.local.LocalSession`.

* :func:`diagnoser_for` replays the catalog at the failing example (``grade``, ``validate``,
  and ``check`` inside the repository).
* :func:`freeze` records every named mutant's answers on the ``student`` profile's examples
  of every public property, for ``propgrade generate`` to ship as data: the student's own
  ``propgrade check`` then names the mistake with no implementation, right or wrong, shipped.

Staff-only: this module and the catalog are not shipped to students.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import numpy as np

from graders import mutants, profiles, registry
from graders.check.misconceptions import NOT_ANSWERS, Frozen, Mistake, matches, same
from graders.compare import Failure
from graders.grade.draw import same_case
from graders.grade.driver import Driver
from graders.grade.examples import Example, ExampleBank
from graders.grade.runner import Diagnoser
from graders.props import Property
from graders.sandbox import protocol
from graders.sandbox.local import LocalSession

__all__ = ["same", "answers_of", "diagnoser_for", "freeze"]


def answers_of(prop: Property, example: Example, session: LocalSession) -> list[Any] | None:
    """A mutant's answers on one example where it fails from its answers; None otherwise
    (it passes, raises, or fails for a reason that is not an answer)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a mutant's overflow is not the judge's concern
        try:
            found = Driver(prop, session, call_seconds=0.0).run([example])
        except Exception:  # noqa: BLE001 - a mutant that trips the check is just no answer
            return None
    if found is None or found[1].kind in NOT_ANSWERS or not found[1].trace:
        return None
    return list(found[1].trace)


@cache
def _sessions(assignment: str) -> list[tuple[mutants.Mutant, LocalSession]]:
    """Each named mutant of ``assignment`` (catalog order), loaded in-process."""
    out: list[tuple[mutants.Mutant, LocalSession]] = []
    for m in mutants.mutants(assignment):
        if m.misconception:
            module = mutants.load_module(f"mutant_{m.id}", mutants.mutant_source(assignment, m))
            out.append((m, LocalSession(module)))
    return out


def optional_diagnoser(assignment: str) -> Diagnoser | None:
    """:func:`diagnoser_for`, or ``None`` for an assignment whose course has no catalog (only
    that: a catalog that fails to import is an error, never hidden as "no diagnosis")."""
    try:
        mutants.catalog(assignment)
    except mutants.MissingCatalog:
        return None
    return diagnoser_for(assignment)


def diagnoser_for(assignment: str) -> Diagnoser:
    """A diagnoser for the runner that replays the catalog; ImportError without a catalog."""
    try:
        mutants.catalog(assignment)
    except ModuleNotFoundError as exc:
        raise ImportError(str(exc)) from exc

    def diagnose(prop: Property, index: int, case: dict[str, Any], failure: Failure) -> str | None:
        trace = getattr(failure, "trace", [])
        if failure.kind in NOT_ANSWERS or not trace:
            return None
        example = Example(case, prop.expect(**case) if prop.expect else None)
        for mutant, session in _sessions(assignment):
            if mutant.function != prop.function:
                continue
            answers = answers_of(prop, example, session)
            if answers is not None and matches(trace, answers):
                return mutant.misconception
        return None

    return diagnose


def _freezable(value: Any) -> bool:
    """Whether the wire codec carries ``value`` back bit for bit (a case holding a function,
    or an int32 array, is not frozen: the checker then draws that property itself)."""
    try:
        back = protocol.decode(protocol.encode(value))
    except protocol.ProtocolError:
        return False
    return same_case(value, back)


def freeze(assignment: str, profile: str = "student", bank: ExampleBank | None = None) -> Frozen:
    """The misconception data of ``assignment``'s release (see the module docstring).

    Every public property's examples are frozen (so the checker sees exactly the examples
    the answers belong to); for each named mutant of the property's function, its answers
    are kept on the examples where it fails.  Plain data only: cases, answers, sentences.
    """
    bank = bank or ExampleBank(profiles.get(profile))
    frozen = Frozen(assignment, profile)
    for prop in registry.properties(assignment, hidden=False):
        if prop.visibility != "public":
            continue
        examples = bank.get(prop)
        cases = [dict(ex.case) for ex in examples]
        if not _freezable(cases):
            continue
        frozen.cases[prop.key] = cases
        frozen.mistakes[prop.key] = []
        for mutant, session in _sessions(assignment):
            if mutant.function != prop.function:
                continue
            answers = {}
            for i, ex in enumerate(examples):
                trace = answers_of(prop, ex, session)
                if trace is not None and _freezable(trace):
                    answers[i] = trace
            if answers:
                frozen.mistakes[prop.key].append(Mistake(mutant.id, answers))
                frozen.sentences[mutant.id] = str(mutant.misconception)
    return frozen
