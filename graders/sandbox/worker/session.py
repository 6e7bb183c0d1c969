"""A session child: one student's module, imported in a fresh fork of the zygote.

``child_main`` is what the zygote's fork runs: it closes every other descriptor, gives up
privileges (``confinement.drop_privileges``), writes the student's files into a private
directory, applies resource limits, imports the student's module and replies
``{"ready": {"functions": [...]}}`` or ``{"import_error": {...}}``.  Then ``SessionServer``
answers the judge's requests on the session socket (the worker's end of
``graders.sandbox.client.Session``):

- ``{"op": "map", "calls": [{"fn", "args", "kwargs", "base"}, ...]}``: run the calls in order
  (a Ref in a call names call ``base + ref.call`` of the message); reply ``{"values": [...],
  "reports": [[i, report], ...]}``: each call's value (``null`` for one that failed), and a
  report for each call ``i`` that has more to say than its value: ``{"error": {"type",
  "message", "traceback"}}``, or ``"mutated": true`` when it changed an input in place and
  ``"warnings": ["RuntimeWarning: overflow encountered in exp", ...]`` when it emitted warnings
  (see ``SessionServer.run_one``).  The first error ends the message: later calls are
  answered ``Skipped``.
- ``{"op": "preloaded", "id": n}``: the same, for a map message the zygote already holds
  decoded (``preload.PreloadStore``).
- ``{"op": "bye"}``: the session ends.

While a call runs, a function argument sent as a Callback is evaluated by the judge: the child
sends ``{"callback": key, "args": [...]}`` and waits for ``{"value": ...}`` / ``{"error": ...}``;
or here, when the map message describes it as data (``"functions"``, see ``functions``).
Any reply may carry ``"out"``: what student code printed since the last reply (capped).
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal's C module: no Python frame
import importlib
import os
import signal
import socket
import sys
import traceback
import warnings
from typing import Any

import numpy as np

from .. import protocol
from . import confinement
from .functions import FunctionArguments
from .output import CappedText
from .preload import PreloadStore
from .values import (
    MAX_ARGUMENT_DEPTH,
    arrays_in,
    exact_str,
    plain,
    snapshot,
    type_name,
    warning_texts,
)

_SIGALRM = int(signal.SIGALRM)
DESCRIBE_SECONDS = 1.0
# bound before any student code runs (a module may rebind the names in ``warnings``).
# ``_filters_mutated`` (CPython 3.11-3.13) resets the "already shown" registries; without it
# they are reset once per message (by catch_warnings), which still reports the first call
# of a message to emit each warning: the lowest failing example, all the judge keeps.
_catch_warnings = warnings.catch_warnings
_filters_mutated = getattr(warnings, "_filters_mutated", None)


class CallTimeout(BaseException):
    """Raised inside student code when one call overruns its time limit."""


def on_alarm(signum: int, frame: Any) -> None:
    raise CallTimeout("the call took too long")


def describe(exc: BaseException, workdir: str) -> dict[str, str]:
    """Type, message and the student's own traceback frames; under a timer, because the
    exception's ``__str__`` is student code that may raise, loop or lie about its type."""
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, DESCRIBE_SECONDS)
    try:
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
        # Keep only frames from the student's own files: the student sees their code, not ours.
        lines = [exact_str(ln) for ln in tb]
        lines = [ln for ln in lines if workdir in ln or not ln.startswith("  File ")]
        message = exact_str(str(exc))
        return {
            "type": type_name(exc),
            "message": message[:2000],
            "traceback": "".join(lines)[-4000:].replace(workdir + "/", ""),
        }
    except CallTimeout:  # an endless __str__ is an endless loop like any other
        return {
            "type": "Timeout",
            "message": "printing the exception never finished",
            "traceback": "",
        }
    except BaseException:  # noqa: BLE001 - __str__ of a hostile exception may raise anything
        return {
            "type": type_name(exc),
            "message": "<the exception could not be printed>",
            "traceback": "",
        }
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class Failed(Exception):
    """A call's result slot when the call failed (a Ref to it skips the later call)."""


def _skipped(message: str) -> dict:
    return {"error": {"type": "Skipped", "message": message, "traceback": ""}}


def _prepare(
    x: Any,
    results: list[Any],
    functions: FunctionArguments,
    arrays: list[np.ndarray],
    base: int = 0,
    depth: int = 0,
) -> Any:
    """One walk over decoded arguments (exact built-in types only): Refs become copies of
    earlier results of the message (call ``base + ref.call``), Callbacks become the
    ``functions``' stand-ins, and every input array is collected in ``arrays`` (to tell,
    after the call, whether it was modified)."""
    t = type(x)
    if t is np.ndarray:
        arrays.append(x)
        return x
    if (t is list or t is tuple) and depth < MAX_ARGUMENT_DEPTH:
        out = [_prepare(v, results, functions, arrays, base, depth + 1) for v in x]
        return out if t is list else tuple(out)
    if t is protocol.Ref:
        value = results[base + x.call]
        if isinstance(value, Failed):
            raise Failed("it depends on an earlier call that failed")
        # a copy: the earlier call's answer is already in the reply and stays as it was,
        # whatever this call does to its argument
        value = value if x.item is None else value[x.item]
        if type(value) is np.ndarray:  # results are plain already: a copy is enough
            value = value.copy()
            arrays.append(value)
        else:
            value = plain(value)
            arrays_in(value, arrays)
        return value
    if t is protocol.Callback:
        return functions(x.key)
    return x


class SessionServer:
    """The child's end of one session: runs the judge's calls of the student's module."""

    def __init__(
        self,
        sock: socket.socket,
        module: Any,
        workdir: str,
        limits: dict,
        preloads: PreloadStore | None = None,
    ) -> None:
        self.sock, self.module, self.workdir = sock, module, workdir
        self.call_seconds = float(limits.get("call_seconds", 5.0))
        self.preloads = preloads or PreloadStore()
        # our own capture buffers: student code may rebind sys.stdout, not these
        self.out, self.err = CappedText(), CappedText()
        self.out.strip = self.err.strip = workdir + "/"
        sys.stdout, sys.stderr = self.out, self.err
        self.own_uid = False  # True: every other process of our uid is the student's
        self.functions = FunctionArguments(sock)  # the running message's function arguments

    def kill_strays(self, cheap: bool = False) -> None:
        """No process outlives a message: kill whatever the student's code started (a fork
        bomb's leftovers, a daemon) before it can slow down the student's next message.

        ``cheap`` (after each call inside a message): only when the call left a child of
        this process (one ``waitpid``).  A double-forked daemon has no parent here any more;
        the full sweep after the message finds it.  The full sweep as the session's own uid
        is ``kill(-1)``, which the kernel answers by walking every process of the machine
        (~0.1 ms): once per message, not once per call.
        """
        if cheap and not confinement.has_children():
            return
        if self.own_uid:
            confinement.kill_my_uid()
        elif confinement.has_children():
            confinement.kill(confinement.descendants(os.getpid()))
        confinement.reap(block_for=0.5 if confinement.has_children() else 0.0)

    def run_one(
        self, fn: str, args: list, kwargs: dict, results: list[Any], caught: list, base: int = 0
    ) -> tuple[Any, dict]:
        """Call one student function; returns (value or Failed, report).

        ``caught``: the list a ``catch_warnings(record=True)`` around the whole message
        appends to.  A warning is recorded as Python's warnings machinery would show it under
        the student's own settings (numpy's errstate, warnings filters: whatever their module
        set); the "once per location" registries are reset before each call, so every call
        reports its own warnings, not only the message's first.  ``base``: see ``_prepare``.
        """
        inputs: list[np.ndarray] = []
        try:
            if type(base) is not int:
                raise TypeError("a call's base is not a number")
            args = _prepare(args, results, self.functions, inputs, base)
            kwargs = {
                k: _prepare(v, results, self.functions, inputs, base) for k, v in kwargs.items()
            }
        except (Failed, IndexError, KeyError, TypeError) as exc:
            return Failed(), _skipped(str(exc))
        before = [snapshot(a) for a in inputs]
        func = getattr(self.module, fn, None)
        if not callable(func):
            return Failed(), {
                "error": {"type": "Missing", "message": f"no function {fn}", "traceback": ""}
            }
        _signal.signal(_SIGALRM, on_alarm)  # student code may have replaced it (C call: cheap)
        if _filters_mutated is not None:
            _filters_mutated()  # a C call: forget which warnings were already shown
        seen = len(caught)
        signal.setitimer(signal.ITIMER_REAL, self.call_seconds)
        try:
            value = plain(func(*args, **kwargs))
            # under the timer still: a warning's text may be the student's own __str__
            said = warning_texts(caught, seen) if len(caught) > seen else None
        except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt included
            signal.setitimer(signal.ITIMER_REAL, 0)
            kind = type(exc)  # not exc.__class__: a property there would be student code
            error = describe(exc, self.workdir)
            if kind is CallTimeout:
                error["type"] = "Timeout"
            return Failed(), {"error": error}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.kill_strays(cheap=True)
        report: dict[str, Any] = {}
        if inputs and [snapshot(a) for a in inputs] != before:
            report["mutated"] = True
        if said is not None:
            report["warnings"] = said
            del caught[seen:]
        return value, report

    def run_map(self, calls: list, functions: Any = None) -> dict[str, list]:
        """The reply to one map message (``functions``: its data functions, see
        ``functions.FunctionArguments``).  The first error ends the message: the judge
        orders calls by example and keeps only the lowest failing example, so later calls
        could not change the result (and a stub or a timeout would repeat the same error
        100 times)."""
        results: list[Any] = []
        values: list[Any] = []
        reports: list[list] = []  # [i, report] of the calls with more than a value
        failed = False
        self.functions = FunctionArguments(self.sock, functions)
        # one warnings context per message, not per call (it copies the filters)
        with _catch_warnings(record=True) as caught:
            for call in calls:
                if failed:
                    value, report = Failed(), _skipped("an earlier call of the same batch failed")
                else:
                    value, report = self.run_one(
                        call["fn"],
                        call.get("args", []),
                        call.get("kwargs", {}),
                        results,
                        caught,
                        call.get("base", 0),
                    )
                    failed = "error" in report
                results.append(value)
                values.append(None if isinstance(value, Failed) else value)
                if report:
                    reports.append([len(values) - 1, report])
        self.kill_strays()
        return {"values": values, "reports": reports}

    def reply(self, message: dict) -> None:
        out = CappedText.take(self.out) + CappedText.take(self.err)
        if out:
            message["out"] = out
        try:
            protocol.send(self.sock, message)
        except (protocol.ProtocolError, ValueError, TypeError, RecursionError) as exc:
            protocol.send(self.sock, {"fatal": f"could not send the result: {exc}"[:500]})

    def serve(self) -> None:
        """Answer requests until the judge says ``bye`` or closes the socket."""
        while True:
            try:
                request = protocol.recv(self.sock)
            except EOFError:
                return
            op = request.get("op")
            if op == "preloaded":
                request = self.preloads.take(request.get("id"))
                if request is None:
                    self.reply({"fatal": "unknown preloaded message"})
                    continue
                op = "map"
            if op == "map":
                self.reply(self.run_map(request["calls"], request.get("functions")))
            elif op == "bye":
                return


def _write_files(workdir: str, files: dict[str, bytes]) -> None:
    """The student's files, each inside ``workdir`` (a path that climbs out is dropped)."""
    os.makedirs(workdir, mode=0o700)
    for rel, data in files.items():
        path = os.path.normpath(os.path.join(workdir, rel))
        if not path.startswith(workdir + os.sep):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data if isinstance(data, bytes) else str(data).encode())


def _isolate(sock: socket.socket) -> None:
    """A session of its own, no terminal, and no descriptor but the session socket."""
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    keep = sock.fileno()
    os.closerange(3, keep)  # the zygote's control socket, selector, other sessions' pidfds
    os.closerange(keep + 1, 1 << 16)


def child_main(
    sock: socket.socket,
    files: dict[str, bytes],
    module_name: str,
    limits: dict,
    workroot: str,
    run_as: tuple[int, int] | None = None,
    preloads: PreloadStore | None = None,
) -> None:
    """The forked child: confine itself, import the student's module, serve the session."""
    _isolate(sock)
    confinement.drop_privileges(run_as)
    workdir = os.path.join(workroot, f"submission-{os.getpid()}")
    _write_files(workdir, files)
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    sys.argv = [module_name]
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # SIGINT: KeyboardInterrupt
    confinement.set_limits(limits)
    session = SessionServer(sock, None, workdir, limits, preloads)
    session.own_uid = run_as is not None and os.getuid() == run_as[0] != 0
    signal.setitimer(signal.ITIMER_REAL, float(limits.get("import_seconds", 10.0)))
    try:
        module = importlib.import_module(module_name)
        # a module's __dir__/__getattr__ is student code too: list it under the same timer
        names = sorted(
            exact_str(n)
            for n in dir(module)
            if isinstance(n, str) and not n.startswith("_") and callable(getattr(module, n, None))
        )
    except BaseException as exc:  # noqa: BLE001
        signal.setitimer(signal.ITIMER_REAL, 0)
        session.kill_strays()
        if isinstance(exc, CallTimeout):
            exc = TimeoutError("importing your module took too long")
        session.reply({"import_error": describe(exc, workdir)})
        session.serve()
        return
    signal.setitimer(signal.ITIMER_REAL, 0)
    session.kill_strays()
    session.module = module
    session.reply({"ready": {"functions": names}})
    session.serve()
