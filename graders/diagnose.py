"""Misconception diagnosis: does a failing student answer exactly like a known mistake?

When a property fails, the student's answers on the failing input (the values the check
received, in order) are compared with what each named mutant of the same function answers on
the same input, replayed in-process (mutants are our own code).  When every answer agrees
(float64 within 1e-9 relative, NaNs equal), the feedback names that misconception.  Diagnosis
runs only after a failure, so it can never turn a pass into a fail, and its text is the
catalog's misconception sentence — never code.  Staff-only: not shipped to students.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from graders import mutants
from graders.compare import Failure
from graders.grade.local import LocalSession
from graders.props import Property


def same(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Structural, numeric equality of two plain values.

    Scale-aware: the absolute tolerance is ``atol`` times the larger magnitude of the two
    values, so answers of size 1e-24 (tiny gradients) are told apart as well as size-1 ones.
    """
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, rtol, atol) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        if x.shape != y.shape:
            return False
        return bool(np.allclose(x, y, rtol=rtol, atol=atol * _scale(x, y), equal_nan=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        x, y = float(a), float(b)
        return bool(np.isclose(x, y, rtol=rtol, atol=atol * _scale(x, y), equal_nan=True))
    return type(a) is type(b) and a == b


def _scale(x: Any, y: Any) -> float:
    """The larger finite magnitude of two answers (1.0 when there is none)."""
    v = np.abs(np.concatenate([np.ravel(x), np.ravel(y)]).astype(np.float64))
    v = v[np.isfinite(v)]
    m = float(v.max()) if v.size else 0.0
    return m if m > 0 else 1.0


def replay(prop: Property, case: dict[str, Any], session: LocalSession) -> list[Any]:
    """The answers ``session`` gives to the check's calls on ``case`` (until it stops)."""
    expected = prop.expect(**case) if prop.expect else None
    gen = prop.run(case, expected)
    answers: list[Any] = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _drive(gen, session, answers)
    return answers


def _drive(gen: Any, session: LocalSession, answers: list[Any]) -> None:
    value: Any = None
    try:
        while True:
            yielded = gen.send(value)
            calls = [yielded] if not isinstance(yielded, list) else yielded
            replies = session.map(calls)
            if any(r.error is not None for r in replies):
                break
            value = replies[0].value if not isinstance(yielded, list) else [
                r.value for r in replies]
            answers.append(value)
    except (StopIteration, Failure):
        pass
    except Exception:  # noqa: BLE001 - a mutant that trips the check is just no match
        pass
    finally:
        gen.close()


@cache
def _sessions(assignment: str) -> list[tuple[mutants.Mutant, LocalSession]]:
    out = []
    for m in mutants.mutants(assignment):
        if m.misconception:
            module = mutants.load_module(f"mutant_{m.id}", mutants.mutant_source(assignment, m))
            out.append((m, LocalSession(module)))
    return out


def diagnoser_for(assignment: str) -> Callable[[Property, dict[str, Any], Failure], str | None]:
    """A diagnoser for the runner; raises ImportError when there is no catalog."""
    try:
        mutants.catalog(assignment)
    except ModuleNotFoundError as exc:
        raise ImportError(str(exc)) from exc

    def diagnose(prop: Property, case: dict[str, Any], failure: Failure) -> str | None:
        trace = getattr(failure, "trace", [])
        if not trace:
            return None
        for mutant, session in _sessions(assignment):
            if mutant.function != prop.function:
                continue
            answers = replay(prop, case, session)
            if len(answers) >= len(trace) and all(same(a, b) for a, b in zip(trace, answers)):
                return mutant.misconception
        return None

    return diagnose
