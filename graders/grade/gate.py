"""Points only for correct behaviour: relational properties are gated on defining ones.

A *relational* property relates calls to each other — ``softmax(z + c) == softmax(z)``,
``sigmoid(-z) == 1 - sigmoid(z)``, "each sample's output depends only on that sample" — and a
constant, the uniform distribution or the input returned unchanged satisfies it.  The same
holds for a merely *necessary* condition ("each row is a probability vector": the uniform
distribution is one), which is marked relational for the same reason.  So it earns
its points only when the function also demonstrably computes the right thing: at least one of
its *gate* properties passed in the same grading.  The gate is the property's ``gated_on``
check names when given (``batchnorm_backward``'s "dx sums to zero" is gated on the dx check,
not on the dgamma one), else every defining (non-relational) property of the same function.
Only the properties that were run count: the student checker (public properties only) and a
TA's grade (public and hidden) each gate on what they ran, so every function needs a public
defining property (a test holds the graders to that).

A gated test keeps ``status="failed"`` with score 0 and says why, so a student sees that the
relation held but what it is worth depends on the defining check they have yet to pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from graders.props import Property
from graders.results import SubmissionResult


def gate_names(prop: Property, props: Sequence[Property]) -> tuple[str, ...]:
    """The property keys that open ``prop``'s gate (empty for a defining property)."""
    if not prop.relational:
        return ()
    if prop.gated_on:
        return tuple(f"{prop.exercise}.{name}" for name in prop.gated_on)
    return tuple(p.key for p in props if p.exercise == prop.exercise and not p.relational)


def apply_gate(result: SubmissionResult, props: Sequence[Property]) -> SubmissionResult:
    """Zero every passed relational test whose gate stayed shut; returns ``result``."""
    passed = {t.key for t in result.tests if t.status == "passed"}
    by_key = {p.key: p for p in props}
    for test in result.tests:
        prop = by_key.get(test.key)
        if prop is None or not prop.relational or test.status != "passed":
            continue
        ran = [k for k in gate_names(prop, props) if any(t.key == k for t in result.tests)]
        if any(k in passed for k in ran):
            continue
        test.status, test.score = "failed", 0.0
        test.output = (
            f"This check passed, but on its own it does not show that {prop.function} is "
            f"correct (a constant, or the input returned unchanged, passes it too). It "
            f"earns its points once a check of what {prop.function} must return passes"
            + (": " + ", ".join(_titles(ran, by_key)) if ran else "")
            + "."
        )
    return result


def _titles(keys: Sequence[str], by_key: dict[str, Property]) -> list[str]:
    return [f"“{by_key[k].title}”" for k in keys if k in by_key]
