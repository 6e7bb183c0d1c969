"""The judge's end of the worker: start the zygote, open student sessions, make calls.

Everything that comes back is decoded by ``protocol`` into plain data; nothing here ever
executes or unpickles what a worker sends.  Each request has a wall-clock backstop; when it
passes, the session's whole process tree is SIGKILLed by the zygote, and if the zygote itself
does not answer, its process group is killed and a fresh zygote is started.  A submission
that imports torch is opened on a second zygote that imported it once (``Worker.session``;
what that keeps and costs: ``graders.sandbox.needs``).
"""

from __future__ import annotations

import select
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from graders.sandbox import pool, protocol
from graders.sandbox.callbacks import encode_map, is_data, plain_argument
from graders.sandbox.launcher import Launcher, stage_worker_files
from graders.sandbox.limits import Limits
from graders.sandbox.needs import preloads_for
from graders.sandbox.plain import PlainLauncher
from graders.sandbox.protocol import Call
from graders.sandbox.reply import (
    Reply,
    SessionBroken,
    WorkerDied,
    WorkerTimeout,
    describe_exit,
    replies_from,
)

MAX_CALLBACKS = 200_000
MAX_REPLY_BYTES = 64 * 1024 * 1024
MAX_PRELOADS = 1024  #: messages a zygote holds decoded for every session (see Worker.preload)
MAX_PRELOAD_BYTES = 64 * 1024 * 1024


class Unshared(tuple):
    """A cache key: encoded once, never preloaded (no hidden input in the zygote's memory)."""


class Session:
    """One student's module, imported in a fresh child of the zygote."""

    def __init__(self, worker: Worker, sock: socket.socket, module: str, pid: int) -> None:
        self.worker, self.sock, self.module, self.pid = worker, sock, module, pid
        self.ready: dict | None = None
        self.import_error: dict | None = None
        self.preloads: dict[Any, int] = {}  # what this session's child inherited
        self.output: list[str] = []
        self.alive = True

    # -- plumbing ------------------------------------------------------------------------
    def _recv(self, deadline: float, callbacks: Sequence[Callable] = ()) -> dict:
        served = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerTimeout("no answer within the time limit")
            exit_report = self.worker.wait_readable(self.sock, self.pid, remaining)
            if exit_report is not None:
                raise WorkerDied(describe_exit(exit_report))
            if not _has_data(self.sock):
                continue
            self.sock.settimeout(max(remaining, 0.001))
            try:
                message = protocol.recv(self.sock, MAX_REPLY_BYTES)
            except TimeoutError as exc:
                raise WorkerTimeout from exc
            except (EOFError, ConnectionError, OSError) as exc:
                report = self.worker.wait_exit(self.pid, 2.0)
                raise WorkerDied(describe_exit(report) if report else str(exc)) from exc
            except protocol.ProtocolError as exc:
                raise SessionBroken(str(exc)) from exc
            if not isinstance(message, dict):
                raise SessionBroken("reply is not a message")
            out = message.pop("out", None)
            if isinstance(out, str) and sum(map(len, self.output)) < 65_536:
                self.output.append(out)
            if "callback" not in message:
                return message
            served += 1
            if served > MAX_CALLBACKS:
                raise SessionBroken("too many calls of a function argument")
            self._answer_callback(message, callbacks)

    def _answer_callback(self, message: dict, callbacks: Sequence[Callable]) -> None:
        key, args = message.get("callback"), message.get("args")
        try:
            if not isinstance(key, int) or not 0 <= key < len(callbacks):
                raise ValueError("unknown function")
            if not isinstance(args, list):
                raise ValueError("bad arguments")
            value = callbacks[key](*[plain_argument(a) for a in args])
            reply: dict[str, Any] = {"value": value}
        except Exception as exc:  # noqa: BLE001 - becomes the student's ValueError
            reply = {"error": f"{exc}"[:500]}
        protocol.send(self.sock, reply)

    def _request(
        self, message: dict | bytes, callbacks: Sequence[Callable], seconds: float
    ) -> dict:
        if not self.alive:
            raise WorkerDied("session already ended")
        try:
            protocol.send_frame(
                self.sock, message if isinstance(message, bytes) else protocol.encode(message)
            )
            return self._recv(time.monotonic() + seconds, callbacks)
        except (WorkerTimeout, WorkerDied, SessionBroken, OSError) as exc:
            self.kill()
            if isinstance(exc, OSError) and not isinstance(exc, (WorkerTimeout,)):
                raise WorkerDied(str(exc)) from exc
            raise

    # -- API -----------------------------------------------------------------------------
    def wait_ready(self) -> None:
        reply = self._request_ready()
        if "ready" in reply:
            self.ready = reply["ready"] if isinstance(reply["ready"], dict) else {}
        elif "import_error" in reply and isinstance(reply["import_error"], dict):
            self.import_error = reply["import_error"]
        else:
            raise SessionBroken("unexpected first message")

    def _request_ready(self) -> dict:
        try:
            return self._recv(time.monotonic() + self.worker.limits.import_seconds + 5)
        except (WorkerTimeout, WorkerDied, SessionBroken):
            self.kill()
            raise

    @property
    def functions(self) -> set[str]:
        names = (self.ready or {}).get("functions", [])
        return {n for n in names if isinstance(n, str)}

    def map(
        self, calls: Sequence[Call], seconds: float | None = None, cache_key: Any = None
    ) -> list[Reply]:
        """Run calls in order in one message; Refs point into this same list.

        The first call that fails (raises, times out, is missing) ends the message: every
        later call is answered ``Skipped`` without running.  Callers order calls so that
        nothing after a failure matters (the driver: by example, lowest index first).

        ``cache_key`` names a message that is the same for every student (a property's first
        round on the shared examples): encoded once per worker, preloaded unless ``Unshared``.
        """
        cached = self.worker.frames.get(cache_key) if cache_key is not None else None
        if cached is None:
            cached = encode_map(calls)  # and the judge functions, numbered as encoded
            # a judge function may hold per-run state; one that is data does not
            if cache_key is not None and all(map(is_data, cached[1])):
                self.worker.frames[cache_key] = cached
        frame, callbacks = cached
        budget = seconds if seconds is not None else self.worker.limits.message_seconds
        inherited = self.preloads.get(cache_key) if cache_key is not None else None
        if inherited is not None:  # the child already holds this message, decoded
            reply = self._request({"op": "preloaded", "id": inherited}, callbacks, budget)
        else:
            reply = self._request(frame, callbacks, budget)
        replies = replies_from(reply, len(calls))
        if replies is None:
            self.kill()
            raise SessionBroken(str(reply.get("fatal", "malformed reply"))[:300])
        if cache_key in self.worker.frames and inherited is None:
            self.worker.preload(cache_key, frame)  # for the sessions forked from now on
        return replies

    def call(self, fn: str, *args: Any, **kwargs: Any) -> Reply:
        return self.map([Call(fn, args, kwargs)])[0]

    def kill(self) -> None:
        """End this session's process tree (used after a timeout or a broken reply)."""
        if self.alive:
            self.alive = False
            try:
                self.sock.close()
            finally:
                self.worker.sweep()

    def close(self) -> None:
        if self.alive:
            try:
                protocol.send(self.sock, {"op": "bye"})
            except OSError:
                pass
            self.kill()


def _has_data(sock: socket.socket) -> bool:
    ready, _, _ = select.select([sock], [], [], 0)
    return bool(ready)


class Worker:
    """A zygote process (inside the launcher's sandbox) that forks one child per session."""

    def __init__(
        self,
        launcher: Launcher | None = None,
        limits: Limits | None = None,
        modules: tuple[str, ...] = (),
    ) -> None:
        self.launcher = launcher or PlainLauncher()
        self.limits = limits or Limits()
        self.modules = modules  #: what the zygote imports before serving (see sandbox.needs)
        self.hello: dict = {}  #: the running zygote's hello: its pid, the modules it holds
        self.sessions = 0  #: sessions opened on this zygote
        #: the zygote that preloaded torch, for the submissions that import it
        self.siblings = pool.Siblings(lambda mods: Worker(self.launcher, self.limits, mods))
        self.proc: subprocess.Popen | None = None
        self.control: socket.socket | None = None
        self._dir: Path | None = None
        self._home: str | None = None
        self.starts = 0
        self.exits: dict[int, dict] = {}
        self.frames: dict[Any, tuple[bytes, list[Callable]]] = {}  # see Session.map
        self.preloaded: dict[Any, int] = {}  # frames the running zygote holds decoded
        self._preloaded_bytes = 0

    def _note_event(self, message: Any) -> bool:
        """Record an asynchronous 'child exited' report; True when ``message`` was one."""
        if isinstance(message, dict) and "exited" in message:
            pid = message["exited"]
            if isinstance(pid, int):
                self.exits[pid] = message
            return True
        return False

    def wait_exit(self, pid: int, seconds: float) -> dict | None:
        """The zygote's exit report for session ``pid``, waiting up to ``seconds``."""
        deadline = time.monotonic() + seconds
        while pid not in self.exits and self.control is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.control], [], [], remaining)[0]:
                break
            self.control.settimeout(5)
            try:
                self._note_event(protocol.recv(self.control))
            except (OSError, EOFError, protocol.ProtocolError):
                break
        return self.exits.get(pid)

    def wait_readable(self, sock: socket.socket, pid: int, seconds: float) -> dict | None:
        """Wait until ``sock`` has data; return the exit report if session ``pid`` died first."""
        if pid in self.exits:
            return self.exits[pid] if not _has_data(sock) else None
        control = self.control
        if control is None:
            return {"exited": pid, "code": -1}
        ready, _, _ = select.select([sock, control], [], [], seconds)
        if sock in ready:
            return None
        if control in ready:
            control.settimeout(5)
            try:
                message = protocol.recv(control)
            except (OSError, EOFError, protocol.ProtocolError):
                return {"exited": pid, "code": -1}
            self._note_event(message)
            if pid in self.exits and not _has_data(sock):
                return self.exits[pid]
        return None

    def start(self) -> None:
        self._dir = self._dir or stage_worker_files()
        self._home = self._home or tempfile.mkdtemp(prefix="propgrade-home-")
        self.starts += 1
        self.preloaded, self._preloaded_bytes = {}, 0  # a new zygote holds nothing yet
        try:
            self.proc, self.control, self.hello = pool.launch(
                self.launcher, self._dir, self._home, self.modules
            )
        except RuntimeError:
            self.close()
            raise

    def _control(self, message: dict, fds: Sequence[int] = (), seconds: float = 10.0) -> dict:
        if self.proc is None or self.proc.poll() is not None or self.control is None:
            self.restart()
        assert self.control is not None
        self.control.settimeout(seconds)
        try:
            protocol.send_with_fds(self.control, message, list(fds))
            reply = protocol.recv(self.control)
            while self._note_event(reply):
                reply = protocol.recv(self.control)
        except (OSError, EOFError, protocol.ProtocolError) as exc:
            self.restart()
            raise WorkerDied(f"worker zygote failed: {exc}") from exc
        return reply if isinstance(reply, dict) else {}

    def session(self, files: dict[str, bytes], module: str) -> Session:
        """Fork a fresh child holding the student's files and import ``module`` there; on
        the sibling zygote that preloaded torch when the files import it."""
        sibling = self.siblings.get(preloads_for(files)) if not self.modules else None
        if isinstance(sibling, Worker):
            return sibling.session(files, module)
        if self.proc is None:
            self.start()
        ours, theirs = socket.socketpair()
        try:
            reply = self._control(
                {
                    "op": "spawn",
                    "files": files,
                    "module": module,
                    "limits": self.limits.for_worker(),
                },
                [theirs.fileno()],
            )
        finally:
            theirs.close()
        if "pid" not in reply:
            ours.close()
            raise WorkerDied(str(reply.get("error", "could not start a session")))
        pid = reply["pid"] if isinstance(reply["pid"], int) else -1
        self.exits.pop(pid, None)
        session = Session(self, ours, module, pid)
        self.sessions += 1
        session.preloads = dict(self.preloaded)  # the zygote held these when it forked
        session.wait_ready()
        return session

    def preload(self, key: Any, frame: bytes) -> None:
        """Have the zygote decode a message every student is sent (a property's first
        round on the shared examples) once, so that each session forked afterwards inherits
        it and is sent only its number.  Best effort: any trouble just means full frames."""
        if (
            type(key) is Unshared
            or key in self.preloaded
            or len(self.preloaded) >= MAX_PRELOADS
            or self._preloaded_bytes + len(frame) > MAX_PRELOAD_BYTES
        ):
            return
        number = len(self.preloaded)
        try:
            reply = self._control({"op": "preload", "id": number, "frame": frame})
        except WorkerDied:
            return
        if reply.get("preloaded") == number:
            self.preloaded[key] = number
            self._preloaded_bytes += len(frame)

    def sweep(self) -> None:
        """Kill everything that student code left behind in the sandbox."""
        try:
            self._control({"op": "sweep"}, seconds=10.0)
        except WorkerDied:
            pass

    def restart(self) -> None:
        """A fresh zygote; a sibling is closed, to start afresh when next needed."""
        self.siblings.close()
        self._kill_process()
        self.start()

    def _kill_process(self) -> None:
        pool.kill(self.proc, self.control)
        self.proc = self.control = None

    def close(self) -> None:
        self.siblings.close()
        pool.ask_to_exit(self.proc, self.control)
        self._kill_process()
        for path in (self._dir, self._home):
            if path:
                shutil.rmtree(path, ignore_errors=True)
        self._dir = self._home = None

    def __enter__(self) -> Worker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
