"""Grade one submission: run every property against one worker session, judge-side.

Per property: take the batch's shared examples, drive all their checks in lock-step (one
message to the worker per ``yield`` level), find the first failing example, shrink it with
hypothesis against the live worker, and write feedback in the order the student needs it:
what was checked, the (shrunk) input, got vs expected, a hint.

Student errors never stop anything: a missing function, an import error, an exception, a
crash or a timeout each become failed tests with a readable message.  A function that timed
out (the worker's per-call timer, or the judge's per-message backstop) or crashed the worker
is not called again for the rest of the submission, and a property in which a call timed out
is neither shrunk nor replayed: an endless loop in k functions costs k time limits.
"""

from __future__ import annotations

import multiprocessing.util as mp_util
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import settings

from graders import compare
from graders.compare import Failure
from graders.grade.driver import Driver, Stopped, _Fatal
from graders.grade.examples import Example, ExampleBank
from graders.grade.gate import apply_gate
from graders.grade.shrink import ShrinkMemo, StopShrinking, shrink
from graders.grade.submission import Submission
from graders.props import Property
from graders.results import SubmissionResult, TestResult
from graders.sandbox.client import Session, Worker
from graders.sandbox.reply import SessionBroken, WorkerDied, WorkerTimeout

SHRINK_SECONDS = 30.0  #: safety net only: shrinking is bounded by a count (deterministic)

#: ``diagnose(prop, index, case, failure) -> str | None``: names a known misconception, from
#: the first failing example *before* shrinking (``index`` into the property's examples,
#: ``failure.trace`` the student's answers there): the examples a release ships answers for.
Diagnoser = Callable[[Property, int, dict[str, Any], Failure], "str | None"]
#: chosen by the caller (the staff CLI: graders.diagnose.optional_diagnoser): the engine never
#: imports the staff-only catalog, and a release simply passes None
DiagnoserFor = Callable[[str], "Diagnoser | None"]


@dataclass
class Judge:
    """Everything that outlives one student: the worker, the examples, the settings."""

    worker: Worker
    bank: ExampleBank
    profile: settings
    diagnose: Diagnoser | None = None
    shrink_seconds: float = SHRINK_SECONDS
    grader_version: str = ""
    shrink_memo: ShrinkMemo | None = field(default_factory=ShrinkMemo)  #: None: always search

    @classmethod
    def create(
        cls,
        profile: settings,
        worker: Worker | None = None,
        diagnose: Diagnoser | None = None,
        grader_version: str = "",
    ) -> Judge:
        bank = ExampleBank(profile)
        return cls(
            worker or Worker(),
            bank,
            profile,
            diagnose,
            grader_version=grader_version,
            shrink_memo=bank.shrink_memo(),
        )

    def close(self) -> None:
        self.worker.close()

    def close_when_process_ends(self) -> Judge:
        """Close this judge when its (pool) process ends; returns it.  A multiprocessing
        pool process ends through multiprocessing's own exit function, never ``atexit``:
        without this, its zygote's staged copy and home stay in the temporary folder."""
        mp_util.Finalize(None, self.close, exitpriority=10)
        return self

    def grade(
        self,
        sub: Submission,
        assignment: str,
        props: Sequence[Property],
        max_score: float | None = None,
    ) -> SubmissionResult:
        """Grade one submission; never raises for anything the submission does."""
        start = time.monotonic()
        try:
            return self._grade(sub, assignment, props, max_score, start)
        except Exception as exc:  # noqa: BLE001 - a grader fault: this student's row, not a stop
            details = "".join(traceback.format_exception(exc))[-4000:]
            self.worker.restart()
            msg = (
                "the grader failed while grading this submission (staff have the details); "
                "it was not graded"
            )
            result = SubmissionResult(
                student_id=sub.student_id,
                assignment=assignment,
                score=0.0,
                max_score=max_score if max_score is not None else sum(p.points for p in props),
                content_hash=sub.content_hash,
                grader_version=self.grader_version,
                messages=[msg],
                status="not graded",
            )
            result.tests = [_failed(p, f"not graded: {msg}") for p in props]
            for t in result.tests:
                t.staff = details
            return _finish(result, start)

    def _grade(
        self,
        sub: Submission,
        assignment: str,
        props: Sequence[Property],
        max_score: float | None,
        start: float,
    ) -> SubmissionResult:
        result = SubmissionResult(
            student_id=sub.student_id,
            assignment=assignment,
            score=0.0,
            max_score=max_score if max_score is not None else sum(p.points for p in props),
            content_hash=sub.content_hash,
            grader_version=self.grader_version,
            messages=list(sub.notes),
        )
        # why nothing was graded is said once, in the submission's messages; each test
        # only points there (it would repeat the whole reason in every output otherwise)
        if sub.problems:
            result.messages += sub.problems
            result.status = "not graded"
            result.tests = [
                _failed(p, "not graded: the submission could not be graded (see the message above)")
                for p in props
            ]
            return _finish(result, start)
        session = self._open(sub, result)
        if session is None:
            result.status = "not graded"
            result.tests = [
                _failed(
                    p, f"not graded: {sub.module}.py could not be imported (see the message above)"
                )
                for p in props
            ]
            return _finish(result, start)
        dead: dict[str, str] = {}  # function -> why it is not called again
        deadline = start + self.worker.limits.submission_seconds
        try:
            for prop in props:
                if time.monotonic() > deadline:
                    dead.setdefault("*", "the submission's total time limit was reached")
                why = dead.get(prop.function) or dead.get("*")
                if why is None and prop.function not in session.functions:
                    why = (
                        f"your {sub.module}.py has no function {prop.function} "
                        "(check the spelling, and that it is defined at module level)"
                    )
                if why is not None:
                    result.tests.append(_failed(prop, why))
                    continue
                test, session, stopped = self._run(prop, sub, session, dead)
                result.tests.append(test)
                for fn, how in stopped.items():
                    dead.setdefault(fn, f"not run: {fn} already {how} on an earlier check")
        finally:
            if session is not None:
                result.printed = "".join(session.output)[:16_384]
                session.close()
        return _finish(apply_gate(result, props), start)

    def _open(self, sub: Submission, result: SubmissionResult) -> Session | None:
        try:
            session = self.worker.session(sub.files, sub.module)
        except (WorkerDied, WorkerTimeout, SessionBroken) as exc:
            result.messages.append(f"importing {sub.module}.py did not finish: {exc}")
            return None
        if session.import_error is not None:
            err = session.import_error
            kind = err.get("type", "Error")
            detail = err.get("traceback", "") or err.get("message", "")
            if kind == "SystemExit":
                why = f"{sub.module}.py called sys.exit() / exit() while being imported"
            elif kind == "ModuleNotFoundError" and sub.module in str(err.get("message")):
                why = f"no file {sub.module}.py was found in the submission"
            else:
                why = f"importing {sub.module}.py failed with {kind}: {err.get('message', '')}"
            result.messages.append(why + ("\n" + str(detail).strip() if detail else ""))
            session.close()
            return None
        return session

    def _run(
        self, prop: Property, sub: Submission, session: Session, dead: Mapping[str, str]
    ) -> tuple[TestResult, Session, Stopped]:
        """One property; also the functions that timed out or crashed while it ran."""
        t0 = time.monotonic()
        examples = self.bank.get(prop)
        driver = Driver(prop, session, self.worker.limits.call_seconds, dead)
        fatal = ""
        stopped: Stopped = {}
        try:
            found = driver.run(examples, shared=True)
        except _Fatal as exc:
            fatal = exc.kind
            found = None
            failure = Failure(exc.message, kind=exc.kind)
            stopped.update(dict.fromkeys(driver.timed_out, "timed out"))
            index = None
            if exc.kind == "crash":
                index = self._locate_crash(prop, sub, examples, dead, stopped)
                stopped.setdefault(prop.function, "crashed")
            session = self._reopen(sub)  # (each spawn ends the previous session)
            if index is not None:
                found = (index, failure)
            else:
                test = _failed(prop, _feedback(prop, None, failure, None))
                test.seconds = time.monotonic() - t0
                return test, session, stopped
        stopped.update(dict.fromkeys(driver.timed_out, "timed out"))
        if found is None:
            test = TestResult(
                key=prop.key,
                exercise=prop.exercise,
                name=prop.test_name,
                score=prop.points,
                max_score=prop.points,
                visibility=prop.visibility,
                status="passed",
            )
            test.seconds = time.monotonic() - t0
            return test, session, stopped
        index, failure = found
        case = examples[index].case
        misconception = None
        if self.diagnose is not None and not fatal:
            try:
                misconception = self.diagnose(prop, index, case, failure)
            except Exception:  # noqa: BLE001 - diagnosis must never change a grade
                misconception = None
        if (
            not fatal
            and not stopped
            and index >= len(prop.examples)
            and failure.kind not in ("internal", "timeout", "skipped")
        ):
            known: list[tuple[dict, Failure | None]] = [(ex.case, None) for ex in examples[:index]]
            known.append((case, failure))
            shrunk = self._shrink(prop, session, known, dead, stopped)
            if shrunk is not None:
                case, failure = shrunk
            if not session.alive:  # the shrink met a crash or the backstop
                session = self._reopen(sub)
        test = _failed(prop, _feedback(prop, case, failure, misconception))
        test.misconception = misconception
        test.staff = failure.details if failure.kind == "internal" else ""
        test.seconds = time.monotonic() - t0
        return test, session, stopped

    def _shrink(
        self,
        prop: Property,
        session: Session,
        known: list[tuple[dict, Failure | None]],
        dead: Mapping[str, str],
        stopped: Stopped,
    ) -> tuple[dict, Failure] | None:
        """The smallest failing case hypothesis finds; a timeout or a crash on the way ends
        the shrink at once (the function is then in ``stopped``), keeping the smallest
        failure met so far."""
        last: list[tuple[dict, Failure]] = []

        def fails(case: dict[str, Any]) -> Failure | None:
            expected = prop.expect(**case) if prop.expect else None
            driver = Driver(prop, session, self.worker.limits.call_seconds, dead)
            try:
                found = driver.run([Example(case, expected)])
            except _Fatal as exc:
                if exc.kind == "crash":
                    stopped.setdefault(prop.function, "crashed")
                found = None
            stopped.update(dict.fromkeys(driver.timed_out, "timed out"))
            if stopped:
                raise StopShrinking  # a BaseException: hypothesis lets it through
            if found is None:
                return None
            last[:] = [(case, found[1])]
            return found[1]

        try:
            return shrink(
                prop, self.profile, fails, self.shrink_seconds, known=known, memo=self.shrink_memo
            )
        except StopShrinking:  # raised while following the memo, outside hypothesis
            return last[0] if last else None

    def _reopen(self, sub: Submission) -> Session:
        return self.worker.session(sub.files, sub.module)

    def _locate_crash(
        self,
        prop: Property,
        sub: Submission,
        examples: Sequence[Example],
        dead: Mapping[str, str],
        stopped: Stopped,
    ) -> int | None:
        """Replay examples one at a time on a fresh session to find the one that crashes;
        a timeout on the way ends the replay (its function goes into ``stopped``)."""
        try:
            session = self._reopen(sub)
        except (WorkerDied, WorkerTimeout, SessionBroken):
            return None
        try:
            for i, ex in enumerate(examples[:50]):
                driver = Driver(prop, session, self.worker.limits.call_seconds, dead)
                try:
                    driver.run([ex])
                except _Fatal as exc:
                    if exc.kind == "crash":
                        return i
                stopped.update(dict.fromkeys(driver.timed_out, "timed out"))
                if driver.timed_out:
                    return None
        finally:
            session.close()
        return None


def _failed(prop: Property, output: str) -> TestResult:
    return TestResult(
        key=prop.key,
        exercise=prop.exercise,
        name=prop.test_name,
        score=0.0,
        max_score=prop.points,
        visibility=prop.visibility,
        status="failed",
        output=output,
    )


def _feedback(
    prop: Property, case: dict[str, Any] | None, failure: Failure, misconception: str | None
) -> str:
    lines = [f"Checked: {prop.title}."]
    if case is not None:
        shown = ", ".join(f"{k} = {compare.fmt_input(v)}" for k, v in case.items())
        lines.append(f"Failing input: {shown}")
    lines.append(failure.message)
    if failure.kind == "error" and failure.details:
        lines.append("Your traceback:\n" + failure.details)
    if misconception:
        lines.append(f"Likely mistake: {misconception}")
    hint = failure.hint or prop.hint
    if hint and failure.kind not in ("missing", "timeout", "crash", "internal", "skipped"):
        lines.append(f"Hint: {hint}")
    return "\n".join(lines)


def _finish(result: SubmissionResult, start: float) -> SubmissionResult:
    result.score = round(sum(t.score for t in result.tests), 6)
    result.seconds = time.monotonic() - start
    return result


def grade_one(
    sub: Submission,
    assignment: str,
    props: Iterable[Property],
    judge: Judge,
    max_score: float | None = None,
) -> SubmissionResult:
    return judge.grade(sub, assignment, list(props), max_score)
