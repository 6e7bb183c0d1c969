"""The grader kit's shared helpers: defaults left out, calls rendered, runs threaded."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

from graders import compare
from graders.course import CourseError
from graders.kit import DEFAULT, arguments, keywords, matches_reference, render, threaded
from graders.props import Ref, student


def test_keywords_leave_out_the_arguments_left_at_their_default():
    """DEFAULT and None mean "not passed": only the other keywords reach the call."""
    assert keywords(eps=DEFAULT, tol=None, momentum=0.5) == {"momentum": 0.5}
    assert student.minimum_ratio(np.eye(2), **keywords(tol=None)).kwargs == {}


def test_render_names_positional_arguments_and_formats_the_given_keywords():
    """`name(H)` without keywords, `name(H, tol=0.5)` with one; `fmt` chooses the format."""
    assert render("escape_direction", "H", tol=None) == "escape_direction(H)"
    assert render("escape_direction", "H", tol=0.5) == "escape_direction(H, tol=0.5)"
    assert render("f", "w", x=0.30000000000000004) == "f(w, x=0.3)"
    assert arguments("", lr=0.30000000000000004, min_lr=DEFAULT) == "lr=0.30000000000000004"


def test_render_takes_the_function_and_keywords_from_a_call_itself():
    """A student Call renders as its own function with the keywords it carries."""
    call = student.escape_direction(np.eye(2), tol=1e-6)
    assert render(call, "H") == "escape_direction(H, tol=1e-06)"


def test_threaded_feeds_each_step_the_previous_step_s_results():
    """Step 0 gets the initial state; step k gets Ref(k-1, i) for each state item."""
    grads = [np.ones(2), 2 * np.ones(2), 3 * np.ones(2)]
    calls = threaded(
        lambda k, theta, v: student.momentum_step(theta, grads[k], v, 0.1, 0.9),
        (np.zeros(2), np.zeros(2)),
        len(grads),
    )
    assert [c.fn for c in calls] == ["momentum_step"] * 3
    assert isinstance(calls[0].args[0], np.ndarray)
    refs = [calls[2].args[0], calls[2].args[2]]
    assert all(isinstance(r, Ref) for r in refs)
    assert [(r.call, r.item) for r in refs] == [(1, 0), (1, 1)]
    assert calls[2].args[1] is grads[2]


def test_scaled_atol_is_relative_to_the_largest_entry_of_the_run():
    """1e-10 of the run's largest |entry| by default; 0 for an empty run."""
    assert compare.scaled_atol(np.array([[1.0, -3.0], [2.0, 0.0]])) == 3e-10
    assert compare.scaled_atol(np.zeros(0)) == 0.0


def _row_property():
    @matches_reference(
        "classification.softmax",
        "matches",
        points=1,
        given={"z": st.just(np.zeros((1, 2)))},
        expect=lambda z: z,
        what="softmax(z)",
        shape=lambda z: z.shape,
        scale=lambda z, expected: 1.0,
        ulps=4,
    )
    def softmax_row(z):
        return student.softmax(z)

    return softmax_row


def test_matches_reference_makes_a_hidden_property_named_for_its_row():
    """The row's name is the check's; the property yields the row's call, accepts the
    expected answer and fails a wrong one naming the call."""
    row = _row_property()
    assert row.key == "classification.softmax.softmax_row" and row.visibility == "hidden"
    z = np.zeros((1, 2))
    run = row.run({"z": z}, expected=z)
    assert next(run).fn == "softmax"
    with pytest.raises(StopIteration):
        run.send(np.zeros((1, 2)))
    run = row.run({"z": z}, expected=z)
    next(run)
    with pytest.raises(compare.Failure, match=r"softmax\(z\)"):
        run.send(np.ones((1, 2)))


def test_a_typo_in_a_reference_row_fails_when_it_is_declared():
    """`student.sofmax` in a row is the grader author's error at import, not the student's."""
    with pytest.raises(CourseError, match="student.sofmax"):

        @matches_reference(
            "classification.softmax",
            "t",
            points=1,
            given={"z": st.just(np.zeros(1))},
            expect=lambda z: z,
            what="softmax(z)",
            scale=lambda z, expected: 1.0,
            ulps=4,
        )
        def softmax_typo(z):
            return student.sofmax(z)
