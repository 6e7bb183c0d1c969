"""The worker: the only process that ever runs student code.

Standalone on purpose (standard library, NumPy and the sibling ``protocol.py``): in the
sandbox it is all of propgrade that exists.  It runs as a *zygote*: it imports NumPy once,
then forks one child per student session, so a submission pays a fork (milliseconds), not a
Python start-up (0.2 s).

Zygote, on its control socket (fd given by ``--control-fd``):

- ``{"op": "spawn", "files": {relpath: bytes}, "module": name, "limits": {...}}`` plus one
  socket passed with SCM_RIGHTS: sweep away whatever ran before (processes, and the previous
  student's files), fork a child that serves the session on that socket; reply
  ``{"pid": pid}``.
- ``{"op": "sweep"}``: SIGKILL every descendant (the zygote is a child subreaper, so daemons
  that double-forked are still its descendants; in a private pid namespace everything but
  pid 1 and the zygote dies); reply ``{"swept": n}``.
- ``{"op": "exit"}``.

Child, on its session socket: closes every other descriptor, gives up privileges (with
``--run-as UID:GID``: that uid, which leaves no capabilities; otherwise every capability),
writes the student's files into a private directory, applies resource limits, imports the
student's module and replies ``{"ready": {...}}`` or ``{"import_error": {...}}``; then answers
``call`` and ``map`` requests (see ``Session.serve``).  A returned value is copied into plain
types (no subclass, no student method) while the call's timer still runs.  Each call's entry
in a reply is ``{"value": ...}`` or ``{"error": {...}}``, plus ``"mutated": true`` when it
changed an input in place and ``"warnings": ["RuntimeWarning: overflow encountered in exp",
...]`` when it emitted warnings (see ``Session.run_one``).
While a call runs, a function argument sent as a Callback is evaluated by the judge: the child
sends ``{"callback": key, "args": [...]}`` and waits for ``{"value": ...}`` / ``{"error": ...}``.

Nothing here is trusted by the judge: every reply is re-validated on the other side.  Once
student code has run, the child is the student's (it can rewrite this very module in memory);
what these precautions buy is a clean session for honest code and clear messages, not trust.
"""

from __future__ import annotations

import _signal
import ctypes
import importlib
import io
import os
import resource
import shutil
import signal
import socket
import struct
import sys
import time
import traceback
import warnings
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402  (preloaded once for every child)
import protocol  # noqa: E402

sys.path.pop(0)

_SIGALRM = int(signal.SIGALRM)
OUTPUT_CAP = 16_000  # with its "dropped" notice, within the 16_384 the runner keeps
DESCRIBE_SECONDS = 1.0
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER = 4, 24, 36
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
CAP_DAC_OVERRIDE, CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP = 1, 5, 6, 7, 8
ZYGOTE_KEEPS = (CAP_DAC_OVERRIDE, CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP)
_NUMPY_SCALARS = frozenset(np.sctypeDict.values())
MAX_WARNINGS, MAX_WARNING_CHARS = 5, 300  #: distinct warnings reported per call
# bound before any student code runs (a module may rebind the names in ``warnings``).
# ``_filters_mutated`` (CPython 3.11-3.13) resets the "already shown" registries; without it
# they are reset once per message (by catch_warnings), which still reports the first call
# of a message to emit each warning: the lowest failing example, all the judge keeps.
_catch_warnings = warnings.catch_warnings
_filters_mutated = getattr(warnings, "_filters_mutated", None)


class CallTimeout(BaseException):
    """Raised inside student code when one call overruns its time limit."""


class CappedText(io.TextIOBase):
    """sys.stdout/sys.stderr for student code: keeps the first OUTPUT_CAP characters."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0
        self.strip = ""  # the session's private directory: never shown (it varies per run)

    def writable(self) -> bool:
        return True

    def write(self, s: Any) -> int:
        s = _exact_str(s if isinstance(s, str) else str(s))
        room = OUTPUT_CAP - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def take(self) -> str:
        text = "".join(self.parts).replace(self.strip, "") if self.strip else "".join(self.parts)
        self.parts = []
        if self.dropped:
            text += f"\n... ({self.dropped} more characters of output dropped)"
            self.dropped = 0
        return text


# --- child: one student session ---------------------------------------------------------

def _type_name(x: Any) -> str:
    """The class name, read by ``type`` itself (a metaclass cannot run code here)."""
    return str.__str__(type.__dict__["__name__"].__get__(type(x)))[:100]


def _exact_str(x: Any) -> str:
    return str.__str__(x) if isinstance(x, str) else "<not a string>"


def _describe(exc: BaseException, workdir: str) -> dict[str, str]:
    """Type, message and the student's own traceback frames; under a timer, because the
    exception's ``__str__`` is student code that may raise, loop or lie about its type."""
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, DESCRIBE_SECONDS)
    try:
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
        # Keep only frames from the student's own files: the student sees their code, not ours.
        lines = [_exact_str(ln) for ln in tb]
        lines = [ln for ln in lines if workdir in ln or not ln.startswith("  File ")]
        message = _exact_str(str(exc))
        return {"type": _type_name(exc), "message": message[:2000],
                "traceback": "".join(lines)[-4000:].replace(workdir + "/", "")}
    except CallTimeout:  # an endless __str__ is an endless loop like any other
        return {"type": "Timeout", "message": "printing the exception never finished",
                "traceback": ""}
    except BaseException:  # noqa: BLE001 - __str__ of a hostile exception may raise anything
        return {"type": _type_name(exc), "message": "<the exception could not be printed>",
                "traceback": ""}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _opaque(x: Any) -> Any:
    """A stand-in for a value whose class has its own metaclass: only the name crosses."""
    name = type.__dict__["__qualname__"].__get__(type(x))
    return type(str.__str__(name)[:100], (), {})()


def _plain(x: Any, depth: int = 0) -> Any:
    """Copy a returned value into exact built-in and NumPy types, calling no student method.

    Subclasses (a float whose ``__eq__`` lies, an ndarray with its own ``view``) are read
    through the base class's C methods; anything else is left for the codec to report as
    unsupported by its type name.  Arrays are copied, plain ones too: a function that returns
    its input or a buffer it reuses must not have this call's answer changed by a later call
    of the same message (the reply is encoded after the last call).
    """
    t = type(x)
    if x is None or t in (bool, int, float, str, bytes):
        return x
    if t is np.ndarray:
        return np.ndarray.copy(x)
    if depth > protocol.MAX_DEPTH:
        raise ValueError("the returned value is nested too deeply")
    if isinstance(x, np.ndarray):
        return np.ndarray.copy(np.ndarray.view(x, np.ndarray))
    if isinstance(x, np.generic) and t in _NUMPY_SCALARS:
        return x
    if isinstance(x, float):
        return float.__float__(x)
    if isinstance(x, int):
        return int.__int__(x)
    if isinstance(x, str):
        return str.__str__(x)
    if isinstance(x, bytes):
        return bytes.__bytes__(x)
    if isinstance(x, tuple):
        return tuple(_plain(v, depth + 1) for v in tuple.__iter__(x))
    if isinstance(x, list):
        return [_plain(v, depth + 1) for v in list.__iter__(x)]
    if isinstance(x, dict):
        items = list(dict.items(x))
        if all(type(k) is str for k, _ in items):
            return {k: _plain(v, depth + 1) for k, v in items}
    if type(t) is not type or isinstance(x, (np.generic, dict)):
        return _opaque(x)
    return x


def _snapshot(a: np.ndarray) -> tuple[Any, ...]:
    """What an input array is, through ndarray's own C methods (NumPy functions may be
    patched): shape and dtype (both assignable in place) and every byte."""
    return a.shape, a.dtype, np.ndarray.tobytes(a)


def _arrays_in(x: Any, out: list[np.ndarray], depth: int = 0) -> list[np.ndarray]:
    if depth > 8:
        return out
    if isinstance(x, np.ndarray):
        out.append(x)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _arrays_in(v, out, depth + 1)
    return out


def _judge_function(key: int, sock: socket.socket) -> Any:
    """A function argument of the student's function: evaluated by the judge, on request."""
    def judge_function(*args: Any) -> Any:
        protocol.send(sock, {"callback": key, "args": [_plain(a) for a in args]})
        reply = protocol.recv(sock)
        if "error" in reply:
            raise ValueError(reply["error"])
        return reply["value"]

    judge_function.__name__ = f"f{key}"
    return judge_function


def _prepare(x: Any, results: list[Any], sock: socket.socket, arrays: list[np.ndarray],
             depth: int = 0) -> Any:
    """One walk over decoded arguments (exact built-in types only): Refs become copies of
    earlier results of the message, Callbacks become judge functions, and every input array
    is collected in ``arrays`` (to tell, after the call, whether it was modified)."""
    t = type(x)
    if t is np.ndarray:
        arrays.append(x)
        return x
    if (t is list or t is tuple) and depth < 8:
        out = [_prepare(v, results, sock, arrays, depth + 1) for v in x]
        return out if t is list else tuple(out)
    if t is protocol.Ref:
        value = results[x.call]
        if isinstance(value, _Failed):
            raise _Failed("it depends on an earlier call that failed")
        # a copy: the earlier call's answer is already in the reply and stays as it was,
        # whatever this call does to its argument
        value = _plain(value if x.item is None else value[x.item])
        _arrays_in(value, arrays)
        return value
    if t is protocol.Callback:
        return _judge_function(x.key, sock)
    return x


class _Failed(Exception):
    pass


class Session:
    def __init__(self, sock: socket.socket, module: Any, workdir: str, limits: dict) -> None:
        self.sock, self.module, self.workdir = sock, module, workdir
        self.call_seconds = float(limits.get("call_seconds", 5.0))
        # our own capture buffers: student code may rebind sys.stdout, not these
        self.out, self.err = CappedText(), CappedText()
        self.out.strip = self.err.strip = workdir + "/"
        sys.stdout, sys.stderr = self.out, self.err
        self.own_uid = False  # True: every other process of our uid is the student's

    def kill_strays(self, cheap: bool = False) -> None:
        """No process outlives a message: kill whatever the student's code started (a fork
        bomb's leftovers, a daemon) before it can slow down the student's next message.

        ``cheap`` (after each call inside a message): only when the call left a child of
        this process (one ``waitpid``).  A double-forked daemon has no parent here any more;
        the full sweep after the message finds it.  The full sweep as the session's own uid
        is ``kill(-1)``, which the kernel answers by walking every process of the machine
        (~0.1 ms): once per message, not once per call.
        """
        if cheap and not _has_children():
            return
        if self.own_uid:
            try:
                os.kill(-1, signal.SIGKILL)  # all of our uid but us; never pid 1 or the zygote
            except OSError:
                pass  # nothing else of our uid exists
            else:
                deadline = time.monotonic() + 1.0
                while _living_of_my_uid() and time.monotonic() < deadline:
                    time.sleep(0.001)
        elif _has_children():
            for pid in _descendants(os.getpid()):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        _reap(block_for=0.5 if _has_children() else 0.0)

    def run_one(self, fn: str, args: list, kwargs: dict, results: list[Any],
                caught: list) -> tuple[Any, dict]:
        """Call one student function; returns (value or _Failed, report).

        ``caught``: the list a ``catch_warnings(record=True)`` around the whole message
        appends to.  A warning is recorded as Python's warnings machinery would show it under
        the student's own settings (numpy's errstate, warnings filters: whatever their module
        set); the "once per location" registries are reset before each call, so every call
        reports its own warnings, not only the message's first.
        """
        inputs: list[np.ndarray] = []
        try:
            args = _prepare(args, results, self.sock, inputs)
            kwargs = {k: _prepare(v, results, self.sock, inputs) for k, v in kwargs.items()}
        except (_Failed, IndexError, KeyError, TypeError) as exc:
            return _Failed(), {"error": {"type": "Skipped", "message": str(exc), "traceback": ""}}
        before = [_snapshot(a) for a in inputs]
        func = getattr(self.module, fn, None)
        if not callable(func):
            return _Failed(), {"error": {"type": "Missing", "message": f"no function {fn}",
                                         "traceback": ""}}
        _signal.signal(_SIGALRM, _on_alarm)  # student code may have replaced it (C call: cheap)
        if _filters_mutated is not None:
            _filters_mutated()  # a C call: forget which warnings were already shown
        seen = len(caught)
        signal.setitimer(signal.ITIMER_REAL, self.call_seconds)
        try:
            value = _plain(func(*args, **kwargs))
            # under the timer still: a warning's text may be the student's own __str__
            said = _warning_texts(caught, seen) if len(caught) > seen else None
        except BaseException as exc:  # noqa: BLE001 - SystemExit/KeyboardInterrupt included
            signal.setitimer(signal.ITIMER_REAL, 0)
            kind = type(exc)  # not exc.__class__: a property there would be student code
            report = {"error": _describe(exc, self.workdir)}
            if kind is CallTimeout:
                report["error"]["type"] = "Timeout"
            return _Failed(), report
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.kill_strays(cheap=True)
        report: dict[str, Any] = {}
        if any(_snapshot(a) != b for a, b in zip(inputs, before)):
            report["mutated"] = True
        if said is not None:
            report["warnings"] = said
            del caught[seen:]
        return value, report

    def reply(self, message: dict) -> None:
        out = CappedText.take(self.out) + CappedText.take(self.err)
        if out:
            message["out"] = out
        try:
            protocol.send(self.sock, message)
        except (protocol.ProtocolError, ValueError, TypeError, RecursionError) as exc:
            protocol.send(self.sock, {"fatal": f"could not send the result: {exc}"[:500]})

    def serve(self) -> None:
        while True:
            try:
                request = protocol.recv(self.sock)
            except EOFError:
                return
            op = request.get("op")
            if op == "preloaded":
                request = _take_preloaded(request.get("id"))
                if request is None:
                    self.reply({"fatal": "unknown preloaded message"})
                    continue
                op = "map"
            if op == "call":
                results: list[Any] = []
                with _catch_warnings(record=True) as caught:
                    value, report = self.run_one(request["fn"], request.get("args", []),
                                                 request.get("kwargs", {}), results, caught)
                self.kill_strays()
                self.reply(_entry(value, report))
            elif op == "map":
                # The first error ends the message: the judge orders calls by example and
                # keeps only the lowest failing example, so later calls could not change
                # the result (and a stub or a timeout would repeat the same error 100 times).
                results = []
                entries = []
                failed = False
                # one warnings context per message, not per call (it copies the filters)
                with _catch_warnings(record=True) as caught:
                    for call in request["calls"]:
                        if failed:
                            value, report = _Failed(), {"error": {
                                "type": "Skipped", "message": "an earlier call of the same "
                                "batch failed", "traceback": ""}}
                        else:
                            value, report = self.run_one(call["fn"], call.get("args", []),
                                                         call.get("kwargs", {}), results,
                                                         caught)
                            failed = "error" in report
                        results.append(value)
                        entries.append(_entry(value, report))
                self.kill_strays()
                self.reply({"results": entries})
            elif op == "bye":
                return


#: Messages every session is sent (a property's first round of calls on the shared examples),
#: decoded once by the zygote; forked sessions inherit them and are sent only their number.
#: They hold the judge's inputs, never expected values.  number -> (frame, decoded or None)
_PRELOADED: dict[int, tuple[bytes, dict | None]] = {}


def _take_preloaded(number: Any) -> dict | None:
    """The preloaded message ``number``: the decoded copy the first time, then (should the
    judge send it again) a fresh decoding, so student code never sees an input it changed."""
    entry = _PRELOADED.get(number) if type(number) is int else None
    if entry is None:
        return None
    frame, decoded = entry
    _PRELOADED[number] = (frame, None)
    return decoded if decoded is not None else protocol.decode(frame)


def _preload(request: dict) -> dict:
    """Zygote side of a preload: decode the judge's frame now, keep it for future forks."""
    number, frame = request.get("id"), request.get("frame")
    if type(number) is not int or type(frame) is not bytes:
        return {"error": "preload needs an id and a frame"}
    try:
        message = protocol.decode(frame)
    except protocol.ProtocolError as exc:
        return {"error": f"preload: {exc}"}
    if not isinstance(message, dict) or message.get("op") != "map":
        return {"error": "preload: not a map message"}
    _PRELOADED[number] = (frame, message)
    return {"preloaded": number}


def _warning_texts(caught: list, start: int) -> list[str]:
    """The distinct warnings recorded from ``start`` on, as ``"Category: message"``; the
    category is read by ``type`` itself (a metaclass cannot run code there)."""
    out: list[str] = []
    for record in caught[start:]:
        text = f"{_type_name(record.message)}: {_exact_str(str(record.message))}"
        text = text[:MAX_WARNING_CHARS]
        if text not in out:
            out.append(text)
            if len(out) == MAX_WARNINGS:
                break
    return out


def _entry(value: Any, report: dict) -> dict:
    if isinstance(value, _Failed):
        return report
    report["value"] = value
    return report


def _on_alarm(signum: int, frame: Any) -> None:
    raise CallTimeout("the call took too long")


def _set_limits(limits: dict) -> None:
    def lim(which: int, value: Any) -> None:
        if value is None:
            return
        try:
            resource.setrlimit(which, (int(value), int(value)))
        except (ValueError, OSError):
            pass

    lim(resource.RLIMIT_CORE, 0)
    lim(resource.RLIMIT_AS, limits.get("memory_bytes"))
    lim(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    lim(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    lim(resource.RLIMIT_NPROC, limits.get("processes"))
    lim(resource.RLIMIT_NOFILE, limits.get("open_files"))


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def keep_capabilities(keep: tuple[int, ...] = ()) -> None:
    """Reduce this process's capabilities to ``keep`` (and clear the ambient set)."""
    libc = _libc()
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    mask = sum(1 << c for c in keep)
    for i in range(2):
        word = (mask >> (32 * i)) & 0xFFFFFFFF
        data[i].effective &= word
        data[i].permitted &= word
        data[i].inheritable &= word
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def capabilities() -> dict[str, int]:
    """This process's capability masks from /proc: CapInh, CapPrm, CapEff, CapBnd, CapAmb."""
    with open("/proc/self/status") as fh:
        return {k: int(v.split()[0], 16) for k, _, v in (ln.partition(":") for ln in fh)
                if k.startswith("Cap")}


def drop_privileges(run_as: tuple[int, int] | None) -> None:
    """Leave a session child nothing to abuse; raise (so the child dies) if that fails.

    Empty the bounding set (when allowed), so that no exec can grant a capability again.
    With ``run_as``: become that uid/gid (the kernel then clears the permitted set, and the
    process limit applies: it never does to uid 0).  Then drop every capability left, so that
    even uid 0 without a sandbox cannot ptrace the judge or read other users' files.
    """
    libc = _libc()
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability, or not allowed (CAP_SETPCAP not held)
    if run_as is not None:
        uid, gid = run_as
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
            raise OSError("could not change to the session uid")
    keep_capabilities(())
    caps = capabilities()
    if any(caps.get(k, 0) for k in ("CapInh", "CapPrm", "CapEff", "CapAmb")):
        raise OSError("capabilities are still held")


def child_main(sock: socket.socket, files: dict[str, bytes], module_name: str,
               limits: dict, workroot: str, run_as: tuple[int, int] | None = None) -> None:
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    keep = sock.fileno()
    os.closerange(3, keep)  # the zygote's control socket, selector, other sessions' pidfds
    os.closerange(keep + 1, 1 << 16)
    drop_privileges(run_as)
    workdir = os.path.join(workroot, f"submission-{os.getpid()}")
    os.makedirs(workdir, mode=0o700)
    for rel, data in files.items():
        path = os.path.normpath(os.path.join(workdir, rel))
        if not path.startswith(workdir + os.sep):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data if isinstance(data, bytes) else str(data).encode())
    os.chdir(workdir)
    sys.path.insert(0, workdir)
    sys.argv = [module_name]
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # SIGINT: KeyboardInterrupt
    _set_limits(limits)
    session = Session(sock, None, workdir, limits)
    session.own_uid = run_as is not None and os.getuid() == run_as[0] != 0
    signal.setitimer(signal.ITIMER_REAL, float(limits.get("import_seconds", 10.0)))
    try:
        module = importlib.import_module(module_name)
        # a module's __dir__/__getattr__ is student code too: list it under the same timer
        names = sorted(_exact_str(n) for n in dir(module) if isinstance(n, str)
                       and not n.startswith("_") and callable(getattr(module, n, None)))
    except BaseException as exc:  # noqa: BLE001
        signal.setitimer(signal.ITIMER_REAL, 0)
        session.kill_strays()
        if isinstance(exc, CallTimeout):
            exc = TimeoutError("importing your module took too long")
        session.reply({"import_error": _describe(exc, workdir)})
        session.serve()
        return
    signal.setitimer(signal.ITIMER_REAL, 0)
    session.kill_strays()
    session.module = module
    session.reply({"ready": {"functions": names}})
    session.serve()


# --- zygote -----------------------------------------------------------------------------

def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _living_of_my_uid() -> list[int]:
    """Other processes of this uid that are not yet dead (zombies do not count)."""
    me, uid, out = os.getpid(), os.getuid(), []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != me:
            try:
                if os.stat(f"/proc/{name}").st_uid != uid:
                    continue
                with open(f"/proc/{name}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if stat[stat.rindex(b")") + 2:stat.rindex(b")") + 3] != b"Z":
                out.append(int(name))
    return out


def _has_children() -> bool:
    """Whether this process has any child (one syscall; reaps one that has exited)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


def _children() -> list[int]:
    """This process's children (zombies included), from /proc."""
    out: list[int] = []
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        pass
    return out


def _reap_orphans(keep: set[int]) -> None:
    """Reap exited orphans that were reparented to the zygote (the subreaper): as zombies they
    would still count against the session uid's process limit.  Session children in ``keep``
    are left for their pidfd to report."""
    for pid in _children():
        if pid not in keep:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
            parents[int(name)] = int(stat[stat.rindex(b")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
    out = []
    for pid in parents:
        p, seen = pid, 0
        while p in parents and seen < 1000:
            p, seen = parents[p], seen + 1
            if p == root:
                out.append(pid)
                break
    return out


def sweep() -> int:
    """SIGKILL every descendant of the zygote until none is left; reap them."""
    me, killed = os.getpid(), 0
    for _ in range(50):
        victims = _descendants(me)
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        _reap(block_for=0.05)
    _reap()
    return killed


def _reap(block_for: float = 0.0) -> None:
    deadline = time.monotonic() + block_for
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= deadline:
                return
            time.sleep(0.002)


_KEEP: set[str] = set()  # entries of a private /tmp that the sandbox made (mount points)


def wipe(workroot: str, everything: bool) -> None:
    """Delete what earlier sessions wrote: their directories, or (in a private /tmp, with
    ``everything``) every entry of ``workroot`` and of /dev/shm.  Student code may have made
    its directories unreadable; the zygote owns them or holds CAP_DAC_OVERRIDE."""
    def unlock(func: Any, path: str, _exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
                shutil.rmtree(path, ignore_errors=True)
            else:
                func(path)
        except OSError:
            pass

    for root in ([workroot, "/dev/shm"] if everything else [workroot]):
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            if not everything and not name.startswith("submission-"):
                continue
            path = os.path.join(root, name)
            if path in _KEEP:  # e.g. the parents of a venv bound in under /tmp
                continue
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, onerror=unlock)
                else:
                    os.unlink(path)
            except OSError:
                pass


def loopback_down() -> bool:
    """Take ``lo`` down (in the sandbox's own network namespace): no network at all."""
    import fcntl

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            raw = fcntl.ioctl(s, siocgifflags, struct.pack("16sh14x", b"lo", 0))
            flags = struct.unpack("16sh14x", raw)[1]
            fcntl.ioctl(s, siocsifflags, struct.pack("16sh14x", b"lo", flags & ~iff_up))
        return True
    except OSError:
        return False


def _read_request(control: socket.socket) -> tuple[dict | None, list[int]]:
    raw, fds, _flags, _addr = socket.recv_fds(control, 1 << 16, 4)
    if not raw:
        return None, fds
    # A spawn message may be larger than one read: the first 8 bytes give its length.
    while len(raw) < 8:
        more = control.recv(8 - len(raw))
        if not more:
            return None, fds
        raw += more
    (n,) = struct.unpack("<Q", raw[:8])
    body = raw[8:]
    while len(body) < n:
        more = control.recv(min(n - len(body), 1 << 20))
        if not more:
            return None, fds
        body += more
    request = protocol.decode(body)
    return (request if isinstance(request, dict) else {}), fds


def _exit_report(pid: int, status: int) -> dict:
    if os.WIFSIGNALED(status):
        return {"exited": pid, "signal": os.WTERMSIG(status)}
    return {"exited": pid, "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1}


def zygote_main(control_fd: int, workroot: str, private_tmp: bool = False,
                run_as: tuple[int, int] | None = None) -> None:
    """Serve spawn/sweep/exit requests; report each session child's exit as it happens.

    ``private_tmp``: ``workroot`` is the sandbox's own /tmp (wiped whole before each
    session).  ``run_as``: the uid/gid of session children (the zygote then holds exactly
    the capabilities that takes, see bwrap.py).
    """
    import selectors

    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_DUMPABLE, 0)  # children (same uid) cannot ptrace or read our memory
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if private_tmp:
        loopback_down()
        # whatever is in the fresh /tmp now was made by the sandbox (mount points): keep it
        _KEEP.update(os.path.join(workroot, name) for name in os.listdir(workroot))
    if run_as is not None:
        keep_capabilities(ZYGOTE_KEEPS)  # CAP_NET_ADMIN was for loopback_down only
    config = (workroot, private_tmp, run_as)
    control = socket.socket(fileno=control_fd)
    protocol.send(control, {"hello": {"pid": os.getpid(), "numpy": np.__version__}})
    sel = selectors.DefaultSelector()
    sel.register(control, selectors.EVENT_READ, None)
    while True:
        _reap_orphans({k.data for k in sel.get_map().values() if k.data is not None})
        for key, _ in sel.select(timeout=1.0):
            if key.data is not None:  # a session child's pidfd: it has exited
                if sel.get_map().get(key.fd) is not key:
                    # stale: a spawn earlier in this batch of events forgot that session,
                    # and its pidfd's number may already belong to the new session's child
                    continue
                pid = key.data
                sel.unregister(key.fileobj)
                os.close(key.fd)
                try:
                    _, status = os.waitpid(pid, 0)
                except ChildProcessError:
                    status = 0
                protocol.send(control, _exit_report(pid, status))
                continue
            try:
                request, fds = _read_request(control)
            except (OSError, protocol.ProtocolError):
                return
            if request is None:
                sweep()
                return
            op = request.get("op")
            if op == "spawn":
                _spawn(control, sel, request, fds, config)
            elif op == "sweep":
                for fd in fds:
                    os.close(fd)
                protocol.send(control, {"swept": sweep()})
            elif op == "preload":
                for fd in fds:
                    os.close(fd)
                protocol.send(control, _preload(request))
            elif op == "exit":
                sweep()
                return
            else:
                protocol.send(control, {"error": f"unknown op {op!r}"})


def _spawn(control: socket.socket, sel: Any, request: dict, fds: list[int],
           config: tuple[str, bool, tuple[int, int] | None]) -> None:
    import selectors

    workroot, private_tmp, run_as = config
    for key in list(sel.get_map().values()):  # forget the previous session's child
        if key.data is not None:
            sel.unregister(key.fileobj)
            os.close(key.fd)
    sweep()
    wipe(workroot, everything=private_tmp)
    if len(fds) != 1:
        for fd in fds:
            os.close(fd)
        protocol.send(control, {"error": "spawn needs one session socket"})
        return
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            control.close()
            child_main(socket.socket(fileno=fds[0]), request["files"], request["module"],
                       request.get("limits", {}), workroot, run_as)
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    os.close(fds[0])
    sel.register(os.pidfd_open(pid), selectors.EVENT_READ, pid)
    protocol.send(control, {"pid": pid})


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--workroot", default="/tmp")
    parser.add_argument("--private-tmp", action="store_true",
                        help="WORKROOT is the sandbox's own /tmp: wipe all of it per session")
    parser.add_argument("--run-as", default=None, metavar="UID:GID",
                        help="run session children as this uid/gid (the zygote is root)")
    ns = parser.parse_args()
    ids = tuple(int(v) for v in ns.run_as.split(":")) if ns.run_as else None
    zygote_main(ns.control_fd, ns.workroot, ns.private_tmp,
                (ids[0], ids[-1]) if ids else None)
