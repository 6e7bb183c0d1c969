"""Misconceptions in the student's own check, from data: no implementation is shipped.

At release time (``propgrade generate``, staff side: :func:`graders.diagnose.freeze`) every
public property's examples are drawn on the ``student`` profile, each named catalog mutant of
the property's function is run through the check on every example (in-process, judge side),
and, where the mutant fails, its *answers* are recorded: the values the check received from
it, in order — exactly the ``trace`` the runner's ``Driver`` keeps for a student.  The release
ships that as plain data in ``graders/check/data/<assignment>.bin`` (a zlib-compressed frame
of the wire codec, :mod:`graders.sandbox.protocol`: arrays as their float64 / int64 bytes,
lossless; never pickle), with the frozen examples themselves and the catalog's misconception
sentences.  No code crosses: no mutant, no reference, no expected value (the checker computes
those with the public oracles, as it always does).

In the checker, :class:`FrozenBank` serves the frozen examples (so the student provably sees
the examples the answers were recorded on, whatever their hypothesis version), and
:func:`diagnoser` compares the student's trace on the first failing example, *before*
shrinking, with each mistake's answers on that example.  A mistake is named only when

* the failure came from the answers (a wrong value, type, shape or non-finite number; not an
  exception, a timeout, a missing function, a mutated input),
* the example is bit for bit the frozen one at that index,
* the student gave as many answers as the mistake did, each :func:`same` as its counterpart.

The check is a deterministic function of the case and the answers, so identical answers mean
the identical failure: the name is never a guess about a different failure.  Mistakes are
tried in catalog order; diagnosis runs only after a failure, so it never changes a grade.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import settings

from graders.compare import Failure
from graders.grade.draw import same_case
from graders.grade.examples import Example, ExampleBank
from graders.grade.runner import Diagnoser
from graders.props import Property
from graders.sandbox import protocol

FORMAT = "propgrade-misconceptions/1"
#: where a release keeps the data (absent in the repository: staff replay the catalog)
DATA_DIR = Path(__file__).resolve().parent / "data"
#: failures that do not come from the student's answers: nothing to compare
NOT_ANSWERS = frozenset({"missing", "error", "timeout", "crash", "mutation", "internal"})


def same(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Structural, numeric equality of two plain values.

    Scale-aware: the absolute tolerance is ``atol`` times the larger magnitude of the two
    values, so answers of size 1e-24 (tiny gradients) are told apart as well as size-1 ones.
    The relative tolerance absorbs a student's different NumPy / BLAS build (last bits).
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
        fa, fb = float(a), float(b)
        return bool(np.isclose(fa, fb, rtol=rtol, atol=atol * _scale(fa, fb), equal_nan=True))
    return type(a) is type(b) and a == b


def _scale(x: Any, y: Any) -> float:
    """The larger finite magnitude of two answers (1.0 when there is none)."""
    v = np.abs(np.concatenate([np.ravel(x), np.ravel(y)]).astype(np.float64))
    v = v[np.isfinite(v)]
    m = float(v.max()) if v.size else 0.0
    return m if m > 0 else 1.0


def matches(trace: list[Any], answers: list[Any]) -> bool:
    """Whether a student's trace is a recorded mistake's answers (same length, each same)."""
    return (
        bool(trace)
        and len(trace) == len(answers)
        and all(same(a, b) for a, b in zip(trace, answers))
    )


@dataclass
class Mistake:
    """One named mutant's answers on the examples of one property where it fails."""

    id: str
    answers: dict[int, list[Any]] = field(default_factory=dict)  #: example index -> trace


@dataclass
class Frozen:
    """An assignment's shipped data: per public property, its examples and known mistakes.

    ``cases[key]`` are the property's examples in the order the runner drives them;
    ``mistakes[key]`` the named mutants of its function, in catalog order;
    ``sentences[id]`` each mutant's misconception sentence (the only text shipped).
    """

    assignment: str
    profile: str
    cases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mistakes: dict[str, list[Mistake]] = field(default_factory=dict)
    sentences: dict[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """One wire-codec frame, zlib-compressed: plain data only (arrays as their float64 /
        int64 bytes, so lossless); compression makes it ~6x smaller (answers repeat)."""
        return zlib.compress(
            protocol.encode(
                {
                    "format": FORMAT,
                    "assignment": self.assignment,
                    "profile": self.profile,
                    "sentences": dict(self.sentences),
                    "properties": {
                        key: {
                            "cases": cases,
                            "mistakes": [
                                {
                                    "id": m.id,
                                    "answers": [[i, t] for i, t in sorted(m.answers.items())],
                                }
                                for m in self.mistakes.get(key, [])
                            ],
                        }
                        for key, cases in self.cases.items()
                    },
                }
            ),
            9,
        )

    @classmethod
    def from_bytes(cls, frame: bytes) -> Frozen:
        """The inverse of :meth:`to_bytes`; ValueError for anything else."""
        try:
            data = protocol.decode(zlib.decompress(frame))
            if data["format"] != FORMAT:
                raise ValueError(f"unknown format {data['format']!r}")
            out = cls(
                str(data["assignment"]),
                str(data["profile"]),
                sentences={str(k): str(v) for k, v in data["sentences"].items()},
            )
            for key, entry in data["properties"].items():
                out.cases[key] = list(entry["cases"])
                out.mistakes[key] = [
                    Mistake(str(m["id"]), {int(i): list(t) for i, t in m["answers"]})
                    for m in entry["mistakes"]
                ]
        except (zlib.error, protocol.ProtocolError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not propgrade misconception data: {exc}") from exc
        return out


def data_path(assignment: str, folder: Path = DATA_DIR) -> Path:
    return folder / f"{assignment}.bin"


def load(assignment: str, folder: Path = DATA_DIR) -> Frozen | None:
    """The shipped data of ``assignment``, or None (none shipped, or unreadable)."""
    try:
        frozen = Frozen.from_bytes(data_path(assignment, folder).read_bytes())
    except (OSError, ValueError):
        return None
    return frozen if frozen.assignment == assignment else None


class FrozenBank(ExampleBank):
    """An example bank that serves the frozen examples of the properties it has data for.

    Expected values are computed here from the frozen cases (the public oracles), exactly
    as the ordinary bank does for a case it drew; other properties are drawn as usual.
    """

    def __init__(self, frozen: Frozen, profile: settings, **kwargs: Any) -> None:
        super().__init__(profile, **kwargs)
        self.frozen = frozen

    def get(self, prop: Property) -> list[Example]:
        cases = self.frozen.cases.get(prop.key)
        if cases is None:
            return super().get(prop)
        if prop.key not in self._cache:
            self._cache[prop.key] = [
                Example(c, prop.expect(**c) if prop.expect else None) for c in cases
            ]
        return self._cache[prop.key]


def diagnoser(frozen: Frozen) -> Diagnoser:
    """The runner's diagnoser over shipped data (see the module docstring for the rule)."""

    def diagnose(prop: Property, index: int, case: dict[str, Any], failure: Failure) -> str | None:
        cases = frozen.cases.get(prop.key)
        if failure.kind in NOT_ANSWERS or cases is None or not 0 <= index < len(cases):
            return None
        if not same_case(dict(case), cases[index]):
            return None  # not the example the answers were recorded on
        trace = getattr(failure, "trace", [])
        for mistake in frozen.mistakes.get(prop.key, []):
            answers = mistake.answers.get(index)
            if answers is not None and matches(trace, answers):
                return frozen.sentences.get(mistake.id)
        return None

    return diagnose
