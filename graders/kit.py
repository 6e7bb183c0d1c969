"""The grader kit's shared helpers: what every assignment's property modules need, written once.

Alongside :mod:`graders.props` (``@prop``, ``student``) and :mod:`graders.compare` (the
structure-then-values checks and tolerances) these are the pieces grader modules used to
re-type each for itself:

* an argument **left at its default**: a case holds :data:`DEFAULT` (or ``None``) for an
  argument the call must leave out, so the default itself is exercised; :func:`keywords` keeps
  only the arguments actually given;
* **call rendering** for messages: :func:`render` writes ``escape_direction(H, tol=0.5)`` from
  the call's name, its positional arguments by name and the keywords it was given;
* **trajectories** of optimizers and running statistics: :func:`threaded` builds a whole run
  of student calls, each fed the state the previous call returned (``Ref``), sent to the
  worker in one round trip;
* the rows of a hidden **"matches the reference"** table: :func:`matches_reference` makes the
  property from the student call alone (structure first, then values within a rounding model).

Nothing here runs student code: it builds calls (plain data) and text.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

from graders import compare
from graders.props import Property, check_calls, prop
from graders.sandbox.protocol import Call, Ref

__all__ = ["DEFAULT", "arguments", "keywords", "matches_reference", "omitted", "render", "threaded"]

#: a case's value for an argument the call leaves out (the function's own default applies)
DEFAULT = "default (argument omitted)"


def omitted(value: Any) -> bool:
    """Whether a case leaves this argument at its default (``DEFAULT`` or ``None``)."""
    return value is None or (isinstance(value, str) and value == DEFAULT)


def keywords(**given: Any) -> dict[str, Any]:
    """The keyword arguments of a call: ``given`` without those left at their default."""
    return {k: v for k, v in given.items() if not omitted(v)}


def arguments(fmt: str = "g", **given: Any) -> str:
    """``k=v, ...`` for the keywords given (not left at their default), values in ``fmt``."""
    return ", ".join(f"{k}={v:{fmt}}" for k, v in keywords(**given).items())


def render(name: str | Call, *positional: str, fmt: str = "g", **given: Any) -> str:
    """``name(a, b, k=v)``: a call as messages show it — its positional arguments by name,
    then the keywords it was given (``fmt`` for their values; defaults left out).  Given a
    student ``Call`` itself, its function and keywords come from it: ``render(call, "H")``."""
    if isinstance(name, Call):
        fn, given = name.fn, {**name.kwargs, **given}
    else:
        fn = name
    return f"{fn}({', '.join([*positional, *filter(None, [arguments(fmt, **given)])])})"


def threaded(make: Callable[..., Call], state0: Sequence[Any], steps: int) -> list[Call]:
    """A run of ``steps`` calls ``make(k, *state)``: step 0 gets ``state0``, step k the items
    of step k-1's result (``Ref(k - 1, i)``), so the whole run threads the student's own
    outputs and costs one round trip."""
    items = range(len(state0))
    calls = [make(0, *state0)]
    calls += [make(k, *[Ref(k - 1, i) for i in items]) for k in range(1, steps)]
    return calls


def matches_reference(
    exercise: str,
    title: str,
    *,
    points: float,
    given: Any,
    expect: Callable[..., Any],
    what: str,
    scale: Callable[..., Any],
    ulps: float,
    shape: Callable[..., Sequence[int]] | None = None,
    label: str | None = None,
    examples: Sequence[Mapping[str, Any]] = (),
    **options: Any,
) -> Callable[[Callable[..., Call]], Property]:
    """A hidden "matches the reference" property, from a function that returns the student's
    call for a case (its name is the check's)::

        @matches_reference("classification.softmax", "matches the reference", points=1.5,
                           given={"z": gen.logit_arrays()}, expect=lambda z: ref.softmax(z),
                           what="softmax(z)", shape=lambda z: z.shape, ulps=ULPS,
                           scale=lambda z, expected: prob_scale(z, expected))
        def softmax_reference(z):
            return student.softmax(z)

    The answer must be an array of ``shape(**case)`` (a finite scalar when ``shape`` is
    ``None``; ``label`` names it there, default ``what``), then agree with ``expected``
    within ``ulps`` roundings of ``scale(**case, expected=expected)`` (``compare.within``).
    ``options`` go to ``@prop`` (``visibility`` is ``"hidden"``)."""

    def wrap(row: Callable[..., Call]) -> Property:
        def check(**case: Any) -> Generator[Any, Any, None]:
            expected = case.pop("expected")
            value = yield row(**case)
            got = (
                compare.scalar(value, label or what)
                if shape is None
                else compare.array(value, label or what, shape=shape(**case))
            )
            compare.within(got, expected, what, scale=scale(**case, expected=expected), ulps=ulps)

        check.__name__ = check.__qualname__ = row.__name__
        check.__module__, check.__doc__ = row.__module__, row.__doc__
        check.__wrapped__ = row  # type: ignore[attr-defined]  # the file it is written in
        check_calls(row, exercise.split(".", 1)[0])
        return prop(
            exercise,
            title,
            points=points,
            visibility="hidden",
            given=given,
            examples=tuple(examples),
            expect=expect,
            **options,
        )(check)

    return wrap
