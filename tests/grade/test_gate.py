"""The gate: a relational property earns points only beside a passing defining property."""

from __future__ import annotations

from hypothesis import strategies as st

from graders.grade.gate import apply_gate
from graders.props import prop, student
from graders.results import SubmissionResult
from graders.results import TestResult as Outcome  # not Test*: pytest would collect it


def _props():
    given = {"x": st.just(1.0)}

    @prop("demo.f", "f matches the formula", points=2, given=given)
    def f_value(x):
        yield student.f(x)

    @prop("demo.f", "f is shift invariant", points=1, given=given, relational=True)
    def f_shift(x):
        yield student.f(x)

    @prop("demo.g", "g's first output matches", points=1, given=given)
    def g_first(x):
        yield student.g(x)

    @prop("demo.g", "g's second output matches", points=1, given=given)
    def g_second(x):
        yield student.g(x)

    @prop(
        "demo.g",
        "g's second output sums to zero",
        points=1,
        given=given,
        relational=True,
        gated_on=("g_second",),
    )
    def g_second_sums(x):
        yield student.g(x)

    return [f_value, f_shift, g_first, g_second, g_second_sums]


def _result(props, passed):
    tests = [
        Outcome(
            key=p.key,
            exercise=p.exercise,
            name=p.test_name,
            score=p.points if p.key.rsplit(".", 1)[1] in passed else 0.0,
            max_score=p.points,
            visibility="public",
            status="passed" if p.key.rsplit(".", 1)[1] in passed else "failed",
        )
        for p in props
    ]
    return SubmissionResult("s", "demo", 0.0, 6.0, tests=tests)


def _scores(result):
    return {t.key.rsplit(".", 1)[1]: t.score for t in result.tests}


def test_relational_pass_without_defining_pass_scores_zero():
    """A shift-invariant constant: the relation held, the formula did not, so no points."""
    props = _props()
    r = apply_gate(_result(props, {"f_shift"}), props)
    assert _scores(r)["f_shift"] == 0
    shift = next(t for t in r.tests if t.key.endswith("f_shift"))
    assert shift.status == "failed" and "f matches the formula" in shift.output


def test_relational_pass_with_defining_pass_keeps_its_points():
    """Beside a passing defining property the relation earns its points."""
    props = _props()
    r = apply_gate(_result(props, {"f_value", "f_shift"}), props)
    assert _scores(r)["f_shift"] == 1 and _scores(r)["f_value"] == 2


def test_named_gate_ignores_other_defining_properties():
    """ "dx sums to zero" with dx = 0: the dgamma check passing does not open dx's gate."""
    props = _props()
    r = apply_gate(_result(props, {"g_first", "g_second_sums"}), props)
    assert _scores(r)["g_second_sums"] == 0
    r = apply_gate(_result(props, {"g_second", "g_second_sums"}), props)
    assert _scores(r)["g_second_sums"] == 1


def test_gate_only_counts_properties_that_ran():
    """With no defining property run (a partial check), a relational pass scores nothing."""
    props = _props()
    ran = [p for p in props if p.key.endswith("f_shift")]
    r = apply_gate(_result(ran, {"f_shift"}), props)
    assert _scores(r)["f_shift"] == 0
