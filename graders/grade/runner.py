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

import hashlib
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import settings

from graders import compare
from graders.compare import Failure
from graders.grade.client import (
    Call,
    Reply,
    Session,
    SessionBroken,
    Worker,
    WorkerDied,
    WorkerTimeout,
)
from graders.grade.examples import Example, ExampleBank, ShrinkMemo, StopShrinking, shrink
from graders.grade.gate import apply_gate
from graders.grade.protocol import Ref
from graders.props import Property
from graders.results import SubmissionResult, TestResult

MAX_CALLS_PER_MESSAGE = 400
SHRINK_SECONDS = 30.0  #: safety net only: shrinking is bounded by a count (deterministic)

#: ``diagnose(prop, index, case, failure) -> str | None``: names a known misconception, from
#: the first failing example *before* shrinking (``index`` into the property's examples,
#: ``failure.trace`` the student's answers there): the examples a release ships answers for.
Diagnoser = Callable[[Property, int, dict[str, Any], Failure], "str | None"]


@dataclass
class Submission:
    """What the judge grades: the student's files as bytes (never their paths)."""

    student_id: str
    module: str
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)   #: why it cannot be graded at all
    notes: list[str] = field(default_factory=list)      #: informational, shown to the student

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return h.hexdigest()


class _Fatal(Exception):
    """The worker session ended while running a property (crash or timeout)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message, self.kind = message, kind


#: function -> why it is not called again ("timed out" or "crashed"); see Judge._grade
Stopped = dict[str, str]


# --- driving checks ---------------------------------------------------------------------

def _shift(x: Any, offset: int) -> Any:
    if isinstance(x, Ref):
        return Ref(x.call + offset, x.item)
    if isinstance(x, list):
        return [_shift(v, offset) for v in x]
    if isinstance(x, tuple):
        return tuple(_shift(v, offset) for v in x)
    return x


def _as_calls(yielded: Any) -> tuple[list[Call], bool]:
    if isinstance(yielded, Call):
        return [yielded], True
    if isinstance(yielded, list) and all(isinstance(c, Call) for c in yielded):
        return yielded, False
    raise TypeError(f"a check must yield a Call or a list of Calls, not {type(yielded)}")


def _call_text(call: Call) -> str:
    args = [compare.fmt(a, 4, 120) for a in call.args]
    args += [f"{k}={compare.fmt(v, 4, 120)}" for k, v in call.kwargs.items()]
    text = f"{call.fn}({', '.join(args)})"
    return text if len(text) < 400 else f"{call.fn}(...)"


def _error_failure(call: Call, reply: Reply, limits_call: float) -> Failure:
    err = reply.error or {}
    kind, message = err.get("type", "Error"), err.get("message", "")
    if kind == "Timeout":
        return Failure(f"{call.fn} did not return within {limits_call:g} s (an endless loop?)",
                       kind="timeout")
    if kind == "Missing":
        return Failure(f"your module has no function {call.fn}", kind="missing")
    if kind == "Skipped":
        return Failure(f"{call.fn} was not run: {message}", kind="error")
    if kind == "NotImplementedError":
        return Failure(f"{call.fn} is not implemented yet (it raised NotImplementedError)",
                       kind="missing")
    tb = err.get("traceback", "")
    return Failure(f"{call.fn} raised {kind}: {message}", kind="error",
                   details=tb.strip())


def _warning_failure(call: Call, reply: Reply) -> Failure | None:
    """A RuntimeWarning (overflow, invalid value, division by zero) the call emitted."""
    said = next((w for w in reply.warnings if w.startswith("RuntimeWarning")), None)
    if said is None:
        return None
    return Failure(f"{call.fn} emitted {said}; the docstring says {call.fn} gives no such "
                   "warnings", kind="warning")


class Driver:
    """Runs checks for one property against one session.

    ``dead``: functions not to call again (function -> the student's message); an example
    that needs one fails with that message, unsent.  A call that times out ends the run at
    once (no further message is sent); its function is added to ``timed_out``.
    """

    def __init__(self, prop: Property, session: Session, call_seconds: float,
                 dead: Mapping[str, str] | None = None) -> None:
        self.prop, self.session, self.call_seconds = prop, session, call_seconds
        self.dead = dead or {}
        self.timed_out: set[str] = set()

    def run(self, examples: Sequence[Example],
            shared: bool = False) -> tuple[int, Failure] | None:
        """Drive all examples in lock-step; the first (lowest-index) failure, if any.

        ``shared``: these are the batch's shared examples, so each example's first round of
        calls is the same for every student and its encoded message is reused.
        """
        gens: dict[int, Any] = {}
        pending: dict[int, tuple[list[Call], bool]] = {}
        failures: dict[int, Failure] = {}
        self.trace: dict[int, list[Any]] = {}  # what the student answered, per example
        for i, ex in enumerate(examples):
            gen = self.prop.run(ex.case, ex.expected)
            self._advance(i, gen, None, pending, failures)
            gens[i] = gen
        while pending:
            if self.dead:
                self._skip_dead(gens, pending, failures)
                if not pending:
                    break
            order = sorted(pending)
            # one message for as many examples as fit; Refs shifted to their batch offsets
            chunk: list[int] = []
            flat: list[Call] = []
            for i in order:
                calls, _ = pending[i]
                if flat and len(flat) + len(calls) > MAX_CALLS_PER_MESSAGE:
                    break
                off = len(flat)
                flat += [Call(c.fn, _shift(c.args, off),
                              {k: _shift(v, off) for k, v in c.kwargs.items()}) for c in calls]
                chunk.append(i)
            # a hidden property's inputs are never preloaded: every session inherits the
            # zygote's memory, and student code could read them there and print them
            first = (shared and self.prop.visibility == "public"
                     and not any(i in self.trace for i in chunk))
            replies = self._map(flat, (self.prop.key, chunk[0], len(chunk)) if first else None)
            pos = 0
            for i in chunk:
                calls, single = pending.pop(i)
                mine = replies[pos:pos + len(calls)]
                pos += len(calls)
                bad = next(((c, r) for c, r in zip(calls, mine) if r.error is not None), None)
                if bad is not None:
                    failures[i] = _error_failure(bad[0], bad[1], self.call_seconds)
                    if failures[i].kind == "timeout":
                        self.timed_out.add(bad[0].fn)
                    gens[i].close()
                    continue
                mutated = next((c for c, r in zip(calls, mine) if r.mutated), None)
                if mutated is not None:
                    failures[i] = Failure(
                        f"{mutated.fn} modified an input array in place; exercise functions "
                        "must return new arrays and leave their arguments unchanged",
                        kind="mutation", hint="Copy before updating (e.g. x = x.copy()), or "
                        "build the result with out-of-place operations (x - lr*g, not x -= ...).")
                    gens[i].close()
                    continue
                warned = self.prop.forbid_warnings and next(
                    filter(None, (_warning_failure(c, r) for c, r in zip(calls, mine))), None)
                if warned:
                    failures[i] = warned
                    gens[i].close()
                    continue
                values = [r.value for r in mine]
                self.trace.setdefault(i, []).append(values[0] if single else values)
                self._advance(i, gens[i], values[0] if single else values, pending, failures)
            if self.timed_out:
                break  # a timed-out function is never called again: no further message
            if failures and min(failures) < min(pending, default=len(examples)):
                break  # the lowest failing index is settled
        for gen in gens.values():
            gen.close()
        if not failures:
            return None
        first = min(failures)
        failures[first].trace = self.trace.get(first, [])
        return first, failures[first]

    def _skip_dead(self, gens: dict, pending: dict, failures: dict) -> None:
        for i in [i for i, (calls, _) in pending.items()
                  if any(c.fn in self.dead for c in calls)]:
            fn = next(c.fn for c in pending.pop(i)[0] if c.fn in self.dead)
            failures[i] = Failure(self.dead[fn], kind="skipped")
            gens[i].close()

    def _advance(self, i: int, gen: Any, value: Any, pending: dict, failures: dict) -> None:
        try:
            yielded = gen.send(value)
        except StopIteration:
            return
        except Failure as f:
            failures[i] = f
            return
        except Exception as exc:  # noqa: BLE001 - a check that choked on a student value
            failures[i] = Failure(
                "your result could not be checked (it has an unexpected form)",
                kind="internal", details="".join(traceback.format_exception(exc))[-3000:])
            return
        pending[i] = _as_calls(yielded)

    def _map(self, calls: list[Call], key: Any = None) -> list[Reply]:
        try:
            return self.session.map(calls, cache_key=key)
        except WorkerTimeout as exc:
            self.timed_out.update(c.fn for c in calls)  # which one looped is not known
            raise _Fatal(f"{self.prop.function} did not finish within the time limit and was "
                         "stopped (it may loop forever, or ignore the time-limit signal)",
                         "timeout") from exc
        except WorkerDied as exc:
            raise _Fatal(f"{self.prop.function}: {exc}", "crash") from exc
        except SessionBroken as exc:
            raise _Fatal(f"{self.prop.function}: the worker sent back something that is not "
                         f"plain data ({exc})", "crash") from exc


# --- one submission ---------------------------------------------------------------------

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
    def create(cls, profile: settings, worker: Worker | None = None,
               diagnose: Diagnoser | None = None, grader_version: str = "") -> Judge:
        bank = ExampleBank(profile)
        return cls(worker or Worker(), bank, profile, diagnose, grader_version=grader_version,
                   shrink_memo=bank.shrink_memo())

    def close(self) -> None:
        self.worker.close()

    def grade(self, sub: Submission, assignment: str, props: Sequence[Property],
              max_score: float | None = None) -> SubmissionResult:
        """Grade one submission; never raises for anything the submission does."""
        start = time.monotonic()
        try:
            return self._grade(sub, assignment, props, max_score, start)
        except Exception as exc:  # noqa: BLE001 - a grader fault: this student's row, not a stop
            details = "".join(traceback.format_exception(exc))[-4000:]
            self.worker.restart()
            msg = ("the grader failed while grading this submission (staff have the details); "
                   "it was not graded")
            result = SubmissionResult(
                student_id=sub.student_id, assignment=assignment, score=0.0,
                max_score=max_score if max_score is not None else sum(p.points for p in props),
                content_hash=sub.content_hash, grader_version=self.grader_version,
                messages=[msg], status="not graded")
            result.tests = [_failed(p, f"not graded: {msg}") for p in props]
            for t in result.tests:
                t.staff = details
            return _finish(result, start)

    def _grade(self, sub: Submission, assignment: str, props: Sequence[Property],
               max_score: float | None, start: float) -> SubmissionResult:
        result = SubmissionResult(
            student_id=sub.student_id, assignment=assignment, score=0.0,
            max_score=max_score if max_score is not None else sum(p.points for p in props),
            content_hash=sub.content_hash, grader_version=self.grader_version,
            messages=list(sub.notes))
        # why nothing was graded is said once, in the submission's messages; each test
        # only points there (it would repeat the whole reason in every output otherwise)
        if sub.problems:
            result.messages += sub.problems
            result.status = "not graded"
            result.tests = [_failed(p, "not graded: the submission could not be graded "
                                       "(see the message above)") for p in props]
            return _finish(result, start)
        session = self._open(sub, result)
        if session is None:
            result.status = "not graded"
            result.tests = [_failed(p, f"not graded: {sub.module}.py could not be imported "
                                       "(see the message above)") for p in props]
            return _finish(result, start)
        dead: dict[str, str] = {}  # function -> why it is not called again
        deadline = start + self.worker.limits.submission_seconds
        try:
            for prop in props:
                if time.monotonic() > deadline:
                    dead.setdefault("*", "the submission's total time limit was reached")
                why = dead.get(prop.function) or dead.get("*")
                if why is None and prop.function not in session.functions:
                    why = (f"your {sub.module}.py has no function {prop.function} "
                           "(check the spelling, and that it is defined at module level)")
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

    def _run(self, prop: Property, sub: Submission, session: Session,
             dead: Mapping[str, str]) -> tuple[TestResult, Session, Stopped]:
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
            test = TestResult(key=prop.key, exercise=prop.exercise, name=prop.test_name,
                              score=prop.points, max_score=prop.points,
                              visibility=prop.visibility, status="passed")
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
        if (not fatal and not stopped and index >= len(prop.examples)
                and failure.kind not in ("internal", "timeout", "skipped")):
            known = [(ex.case, None) for ex in examples[:index]] + [(case, failure)]
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

    def _shrink(self, prop: Property, session: Session,
                known: list[tuple[dict, Failure | None]], dead: Mapping[str, str],
                stopped: Stopped) -> tuple[dict, Failure] | None:
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
            return shrink(prop, self.profile, fails, self.shrink_seconds, known=known,
                          memo=self.shrink_memo)
        except StopShrinking:  # raised while following the memo, outside hypothesis
            return last[0] if last else None

    def _reopen(self, sub: Submission) -> Session:
        return self.worker.session(sub.files, sub.module)

    def _locate_crash(self, prop: Property, sub: Submission, examples: Sequence[Example],
                      dead: Mapping[str, str], stopped: Stopped) -> int | None:
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
    return TestResult(key=prop.key, exercise=prop.exercise, name=prop.test_name, score=0.0,
                      max_score=prop.points, visibility=prop.visibility, status="failed",
                      output=output)


def _feedback(prop: Property, case: dict[str, Any] | None, failure: Failure,
              misconception: str | None) -> str:
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


def grade_one(sub: Submission, assignment: str, props: Iterable[Property], judge: Judge,
              max_score: float | None = None) -> SubmissionResult:
    return judge.grade(sub, assignment, list(props), max_score)
