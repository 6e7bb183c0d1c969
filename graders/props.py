"""How a property is written: a hypothesis strategy of inputs and a generator-function check.

A check receives one generated case (keyword arguments) and *yields* the student calls it
needs; the runner sends them to the worker and sends the plain-data results back in::

    @prop("classification.softmax", "rows are probability vectors", points=1,
          given={"z": strategies.logits()}, hint="Subtract the row maximum before exp.")
    def softmax_rows(z):
        p = yield student.softmax(z)                 # one call -> one value
        p = compare.array(p, "softmax(z)", shape=z.shape)
        compare.close(p.sum(axis=-1), 1.0, "sum of each row of softmax(z)")

Yielding a list of calls gets a list of values back in one round trip; ``Ref(i, j)`` inside
such a list means "item j of the result of call i", so a whole optimizer trajectory threads
its state through the student's own outputs in a single message.  Because checks only yield,
the runner drives all examples of a property in lock-step and batches their calls: a property
costs one message per ``yield`` level, not one per example.

A check fails by raising ``compare.Failure`` (via the ``compare`` helpers).  ``expect``, when
given, is computed once per example on the judge's side (e.g. the reference output) and
passed to the check as ``expected``; examples and expectations are cached for a whole batch.
"""

from __future__ import annotations

import dis
import inspect
import types
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hypothesis import strategies as st

from graders.sandbox.protocol import Call, Ref

__all__ = ["Property", "prop", "student", "Ref", "Call"]

Visibility = Literal["public", "hidden"]
Check = Callable[..., Generator[Any, Any, None]]


@dataclass(frozen=True)
class Property:
    """One graded statement about one exercise function."""

    exercise: str  #: "classification.softmax": the join key everywhere
    title: str  #: what is checked, in a student's words
    points: float
    visibility: Visibility
    check: Check
    strategy: st.SearchStrategy[dict[str, Any]]
    examples: tuple[Mapping[str, Any], ...] = ()  #: explicit cases, always run first
    expect: Callable[..., Any] | None = None
    hint: str = ""
    max_examples: int | None = None  #: override of the profile's count
    key: str = ""  #: "classification.softmax.<check name>"
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: a relation between calls (invariance, symmetry, independence) or a merely necessary
    #: condition: a constant satisfies it, so it earns its points only when a defining
    #: property of the same function passes
    relational: bool = False
    #: the defining checks (names in this function's grader modules) that open the gate;
    #: default: every defining property of the same function
    gated_on: tuple[str, ...] = ()
    #: SPEC forbids warnings here (e.g. "no overflow warnings"): a call that emits a
    #: RuntimeWarning in the worker fails the example
    forbid_warnings: bool = False

    @property
    def assignment(self) -> str:
        return self.exercise.split(".", 1)[0]

    @property
    def function(self) -> str:
        return self.exercise.split(".", 1)[1]

    @property
    def test_name(self) -> str:
        """The Gradescope test name: begins with the function's name."""
        return f"{self.function}: {self.title}"

    def run(self, case: Mapping[str, Any], expected: Any = None) -> Generator[Any, Any, None]:
        kwargs = dict(case)
        if self.expect is not None:
            kwargs["expected"] = expected
        return self.check(**kwargs)


def prop(
    exercise: str,
    title: str,
    *,
    points: float = 1.0,
    visibility: Visibility = "public",
    given: Mapping[str, st.SearchStrategy[Any]] | st.SearchStrategy[dict[str, Any]],
    examples: Sequence[Mapping[str, Any]] = (),
    expect: Callable[..., Any] | None = None,
    hint: str = "",
    max_examples: int | None = None,
    relational: bool = False,
    gated_on: Sequence[str] = (),
    forbid_warnings: bool = False,
) -> Callable[[Check], Property]:
    """Declare a property; the decorated generator function becomes its check.

    ``relational=True`` marks a property that relates calls to each other (shift invariance,
    symmetry, independence of samples) rather than defining the answer: it scores only when
    at least one defining (non-relational) property of the same function passes in the same
    grading, because a constant or the input returned unchanged satisfies it; ``gated_on``
    names those defining checks instead (graders/grade/gate.py).
    ``forbid_warnings=True``: a RuntimeWarning (overflow, invalid value) raised by the
    student's call in the worker fails the example, where SPEC says the function gives none.
    """
    strategy = given if isinstance(given, st.SearchStrategy) else st.fixed_dictionaries(dict(given))

    def wrap(check: Check) -> Property:
        if not inspect.isgeneratorfunction(check):
            raise TypeError(
                f"{check.__name__}: a property check must be a generator "
                "function (it yields the student calls it needs)"
            )
        _check_calls(check.__code__, check.__globals__, exercise.split(".", 1)[0])
        return Property(
            exercise=exercise,
            title=title,
            points=float(points),
            visibility=visibility,
            check=check,
            strategy=strategy,
            examples=tuple(examples),
            expect=expect,
            hint=hint,
            max_examples=max_examples,
            key=f"{exercise}.{check.__name__}",
            relational=relational,
            gated_on=tuple(gated_on),
            forbid_warnings=forbid_warnings,
        )

    return wrap


class _Student:
    """``student.softmax(z)`` builds the call ``Call("softmax", (z,), {})``; nothing runs."""

    def __getattr__(self, name: str) -> Callable[..., Call]:
        if name.startswith("__"):
            raise AttributeError(name)

        def make(*args: Any, **kwargs: Any) -> Call:
            return Call(name, args, kwargs)

        make.__name__ = name
        self.__dict__[name] = make  # later ``student.<name>`` lookups: no __getattr__ call
        return make


student = _Student()


def _student_calls(code: types.CodeType, aliases: set[str]) -> Iterator[tuple[str, int]]:
    """``(name, line)`` of every ``student.<name>`` in ``code`` and the code nested in it,
    read from the bytecode (``aliases``: the global names bound to :data:`student`)."""
    line = code.co_firstlineno
    previous: dis.Instruction | None = None
    for ins in dis.get_instructions(code):
        line = ins.positions.lineno if ins.positions and ins.positions.lineno else line
        if (
            previous is not None
            and previous.opname in ("LOAD_GLOBAL", "LOAD_NAME")
            and previous.argval in aliases
            and ins.opname in ("LOAD_ATTR", "LOAD_METHOD")
        ):
            yield str(ins.argval), line
        previous = ins
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _student_calls(const, aliases)


def _check_calls(code: types.CodeType, namespace: Mapping[str, Any], assignment: str) -> None:
    """A grader's ``student.<name>`` must name a function of its assignment: a typo
    (``student.sofmax``) fails here, in the grader author's hands, when the module is
    imported, instead of reaching the worker and being blamed on the student.  Ids no course
    has (a test's ``demo.f``) are not checked."""
    from graders import course
    from graders.course import CourseError

    aliases = {k for k, v in namespace.items() if v is student}
    if not aliases:
        return
    allowed = course.functions(assignment)
    if allowed is None:
        return
    for name, line in _student_calls(code, aliases):
        if name not in allowed and not name.startswith("__"):
            raise CourseError(
                f"{code.co_filename}:{line}: student.{name}: {assignment} has no "
                f"function {name!r} (its manifest lists {', '.join(allowed)})"
            )


def check_calls(fn: Callable[..., Any], assignment: str) -> None:
    """Every ``student.<name>`` in the function ``fn`` names a function of ``assignment``."""
    _check_calls(fn.__code__, fn.__globals__, assignment)


def check_module(module: types.ModuleType, assignment: str) -> None:
    """Every ``student.<name>`` anywhere in ``module`` names a function of ``assignment`` (see
    ``_check_calls``): its checks and helpers, and what they do not reach — module-level
    code, lambdas in decorator arguments (``expect=``), class bodies — read from the whole
    module's bytecode, compiled from its file; raises ``CourseError`` otherwise.  A module
    without a readable source falls back to its own functions."""
    path = getattr(module, "__file__", None)
    try:
        code = compile(Path(path).read_bytes(), path, "exec") if path else None
    except (OSError, SyntaxError, ValueError):
        code = None
    if code is not None:
        _check_calls(code, vars(module), assignment)
        return
    for value in list(vars(module).values()):
        fn = value.check if isinstance(value, Property) else value
        if inspect.isfunction(fn) and fn.__module__ == module.__name__:
            _check_calls(fn.__code__, vars(module), assignment)


def collect(namespace: Mapping[str, Any]) -> list[Property]:
    """The properties a grader module defines, in definition order."""
    return [v for v in namespace.values() if isinstance(v, Property)]
