"""The one visibility policy for everything a student may see of a graded submission.

Before the course staff release the hidden checks (``propgrade grade --release-hidden``), a
hidden check is shown by its title and its points only: no pass/fail, no score, no output
(so no inputs, no got/expected, no hint) and no misconception.  What would let a student work
a hidden result out is withheld with it: the scores shown are those of the public checks (the
hidden points are named apart), and what the student's code printed is not shown, since it
may echo a hidden check's inputs.  After release everything is shown.  The store always keeps
everything; only the rendering follows this policy.  ``feedback.html``, the checker's terminal
output (``graders.report``) and ``results.json`` all ask this module.

``results.json`` is read by Gradescope, which has its own release: the due date.  Every hidden
test is ``"visibility": "after_due_date"``, so Gradescope shows it only after the due date, and
while any test is hidden it shows no total score either ("If test cases are hidden, students
will not be able to see their total score", Gradescope's autograder specification).  SPEC
requires every test's ``score`` and ``status``, and the total is the grade Gradescope records,
so a withheld test keeps both: they reach the student at the due date, with the total.  Its
output and misconception wait for the staff's release.  The top-level ``visibility`` is only
the default of tests that set none (each of ours sets one), so it stays ``visible`` and a
submission-level message (an import error) reaches the student at once; ``stdout_visibility``
stays ``hidden``: the autograder's standard output is for staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from graders.results import SubmissionResult, TestResult

WITHHELD = (
    "A hidden check: its result and feedback are shown once the course staff "
    "release the hidden checks."
)
PRINTED_WITHHELD = (
    "What your code printed is shown once the course staff release the hidden "
    "checks (it may show their inputs)."
)


@dataclass(frozen=True)
class Check:
    """What a student may see of one check; ``score``/``status`` are None when withheld."""

    name: str
    max_score: float
    hidden: bool
    withheld: bool
    score: float | None
    status: str | None
    output: str
    misconception: str | None


@dataclass(frozen=True)
class Exercise:
    """One exercise's points over the checks whose results are shown, and those withheld."""

    exercise: str
    score: float
    max_score: float
    withheld_points: float


@dataclass(frozen=True)
class StudentView:
    """A submission as a student may see it under the policy."""

    student_id: str
    assignment: str
    messages: list[str]
    checks: list[Check]
    exercises: list[Exercise]
    score: float  #: over the checks whose results are shown
    max_score: float  #: likewise; ``withheld_points`` make up the rest of the total
    withheld_points: float
    printed: str  #: empty when withheld (see ``printed_withheld``)
    printed_withheld: bool

    @property
    def any_withheld(self) -> bool:
        return any(c.withheld for c in self.checks)


def withholds(test: TestResult, release_hidden: bool = False) -> bool:
    """Whether the result and feedback of ``test`` are withheld from the student."""
    return test.visibility == "hidden" and not release_hidden


def shows_printed(result: SubmissionResult, release_hidden: bool = False) -> bool:
    """Whether the student may see what their code printed (it may echo hidden inputs)."""
    return not any(withholds(t, release_hidden) for t in result.tests)


def check_view(test: TestResult, release_hidden: bool = False) -> Check:
    if withholds(test, release_hidden):
        return Check(test.name, test.max_score, True, True, None, None, "", None)
    return Check(
        test.name,
        test.max_score,
        test.visibility == "hidden",
        False,
        test.score,
        test.status,
        test.output,
        test.misconception,
    )


def student_view(result: SubmissionResult, release_hidden: bool = False) -> StudentView:
    """``result`` as its student may see it; ``release_hidden``: staff released them."""
    checks = [check_view(t, release_hidden) for t in result.tests]
    per: dict[str, list[float]] = {}
    for t, c in zip(result.tests, checks):
        row = per.setdefault(t.exercise, [0.0, 0.0, 0.0])
        if c.withheld:
            row[2] += t.max_score
        else:
            row[0] += t.score
            row[1] += t.max_score
    shown = [t for t, c in zip(result.tests, checks) if not c.withheld]
    withheld = sum(t.max_score for t, c in zip(result.tests, checks) if c.withheld)
    printed_ok = shows_printed(result, release_hidden)
    if any(c.withheld for c in checks):
        score, top = sum(t.score for t in shown), sum(t.max_score for t in shown)
    else:  # nothing withheld: the submission's own total (it also covers "not graded")
        score, top = result.score, result.max_score
    return StudentView(
        student_id=result.student_id,
        assignment=result.assignment,
        messages=list(result.messages),
        checks=checks,
        exercises=[Exercise(e, s, m, w) for e, (s, m, w) in sorted(per.items())],
        score=score,
        max_score=top,
        withheld_points=withheld,
        printed=result.printed if printed_ok else "",
        printed_withheld=bool(result.printed) and not printed_ok,
    )
