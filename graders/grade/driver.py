"""Drive one property's checks against one worker session, in lock-step.

All examples of a property run together: their checks are advanced to their next ``yield``,
the calls of as many examples as fit go to the worker in one message (each call's ``base``
says where its example starts, so its ``Ref``s need no rewriting), and each reply is sent
back into its check.  The first (lowest-index) failing example decides the result; later
calls of a message after a failure are answered ``Skipped`` by the worker.  A call that times
out, or a session that dies, ends the property with ``_Fatal`` so the runner can stop calling
that function.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from graders import compare
from graders.compare import Failure
from graders.grade.examples import Example
from graders.props import Property
from graders.sandbox.client import Unshared
from graders.sandbox.protocol import Call
from graders.sandbox.reply import Reply, SessionBroken, WorkerDied, WorkerTimeout

MAX_CALLS_PER_MESSAGE = 400


class CallSession(Protocol):
    """What the driver needs of a session: a worker's (graders.sandbox.client.Session) or, for
    trusted catalog code, an in-process one (graders.sandbox.local.LocalSession)."""

    def map(
        self, calls: Sequence[Call], seconds: float | None = None, cache_key: Any = None
    ) -> list[Reply]: ...


class _Fatal(Exception):
    """The worker session ended while running a property (crash or timeout)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message, self.kind = message, kind


#: function -> why it is not called again ("timed out" or "crashed"); see Judge._grade
Stopped = dict[str, str]


# --- driving checks ---------------------------------------------------------------------


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
        return Failure(
            f"{call.fn} did not return within {limits_call:g} s (an endless loop?)", kind="timeout"
        )
    if kind == "Missing":
        return Failure(f"your module has no function {call.fn}", kind="missing")
    if kind == "Skipped":
        return Failure(f"{call.fn} was not run: {message}", kind="error")
    if kind == "NotImplementedError":
        return Failure(
            f"{call.fn} is not implemented yet (it raised NotImplementedError)", kind="missing"
        )
    tb = err.get("traceback", "")
    return Failure(f"{call.fn} raised {kind}: {message}", kind="error", details=tb.strip())


def _warning_failure(call: Call, reply: Reply) -> Failure | None:
    """A RuntimeWarning (overflow, invalid value, division by zero) the call emitted."""
    said = next((w for w in reply.warnings if w.startswith("RuntimeWarning")), None)
    if said is None:
        return None
    return Failure(
        f"{call.fn} emitted {said}; the docstring says {call.fn} gives no such warnings",
        kind="warning",
    )


class Driver:
    """Runs checks for one property against one session.

    ``dead``: functions not to call again (function -> the student's message); an example
    that needs one fails with that message, unsent.  A call that times out ends the run at
    once (no further message is sent); its function is added to ``timed_out``.
    """

    def __init__(
        self,
        prop: Property,
        session: CallSession,
        call_seconds: float,
        dead: Mapping[str, str] | None = None,
    ) -> None:
        self.prop, self.session, self.call_seconds = prop, session, call_seconds
        self.dead = dead or {}
        self.timed_out: set[str] = set()

    def _round_failure(self, calls: list[Call], replies: list[Reply]) -> Failure | None:
        """What fails one example's round of replies before its values are judged: an error
        (a timeout also bars the function from later messages), an input changed in place,
        or (where the property forbids them) a warning."""
        for r in replies:  # the common case: nothing to say, in one pass
            if r.error is not None or r.mutated:
                break
        else:
            if not self.prop.forbid_warnings:
                return None
        bad = next(((c, r) for c, r in zip(calls, replies) if r.error is not None), None)
        if bad is not None:
            failure = _error_failure(bad[0], bad[1], self.call_seconds)
            if failure.kind == "timeout":
                self.timed_out.add(bad[0].fn)
            return failure
        mutated = next((c for c, r in zip(calls, replies) if r.mutated), None)
        if mutated is not None:
            return Failure(
                f"{mutated.fn} modified an input array in place; exercise functions "
                "must return new arrays and leave their arguments unchanged",
                kind="mutation",
                hint="Copy before updating (e.g. x = x.copy()), or "
                "build the result with out-of-place operations (x - lr*g, not x -= ...).",
            )
        if self.prop.forbid_warnings:
            return next(
                filter(None, (_warning_failure(c, r) for c, r in zip(calls, replies))), None
            )
        return None

    def run(self, examples: Sequence[Example], shared: bool = False) -> tuple[int, Failure] | None:
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
            # one message for as many examples as fit; each call's Refs count from its
            # example's offset in it (``Call.base``, added by the worker)
            chunk: list[int] = []
            flat: list[Call] = []
            for i in order:
                calls, _ = pending[i]
                if flat and len(flat) + len(calls) > MAX_CALLS_PER_MESSAGE:
                    break
                off = len(flat)
                flat += [Call(c.fn, c.args, c.kwargs, c.base + off) if off else c for c in calls]
                chunk.append(i)
            # a first round on the shared examples is one message for every student, encoded
            # once; a hidden property's is never preloaded (Unshared): every session inherits
            # the zygote's memory, and student code could read its inputs there and print them
            key: Any = None
            if shared and not any(i in self.trace for i in chunk):
                key = (self.prop.key, chunk[0], len(chunk))
                key = key if self.prop.visibility == "public" else Unshared(key)
            replies = self._map(flat, key)
            pos = 0
            for i in chunk:
                calls, single = pending.pop(i)
                mine = replies[pos : pos + len(calls)]
                pos += len(calls)
                failure = self._round_failure(calls, mine)
                if failure is not None:
                    failures[i] = failure
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
        lowest = min(failures)
        failures[lowest].trace = self.trace.get(lowest, [])
        return lowest, failures[lowest]

    def _skip_dead(self, gens: dict, pending: dict, failures: dict) -> None:
        for i in [i for i, (calls, _) in pending.items() if any(c.fn in self.dead for c in calls)]:
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
                kind="internal",
                details="".join(traceback.format_exception(exc))[-3000:],
            )
            return
        pending[i] = _as_calls(yielded)

    def _map(self, calls: list[Call], key: Any = None) -> list[Reply]:
        try:
            return self.session.map(calls, cache_key=key)
        except WorkerTimeout as exc:
            self.timed_out.update(c.fn for c in calls)  # which one looped is not known
            raise _Fatal(
                f"{self.prop.function} did not finish within the time limit and was "
                "stopped (it may loop forever, or ignore the time-limit signal)",
                "timeout",
            ) from exc
        except WorkerDied as exc:
            raise _Fatal(f"{self.prop.function}: {exc}", "crash") from exc
        except SessionBroken as exc:
            raise _Fatal(
                f"{self.prop.function}: the worker sent back something that is not "
                f"plain data ({exc})",
                "crash",
            ) from exc


# --- one submission ---------------------------------------------------------------------
