"""The zygote: imports NumPy once, then forks one session child per student.

A fork costs milliseconds, a Python start-up 0.2 s.  ``--preload-module torch`` imports torch
too, before confinement and before any student code (see ``graders.sandbox.needs`` for which
sessions the judge opens on such a zygote); the hello message says what was imported:
``{"hello": {"pid", "numpy", "modules": {name: version}, "missing": {name: why},
"threads": n}}``.  Requests on the control socket (fd given
by ``--control-fd``), each answered with one reply:

- ``{"op": "spawn", "files": {relpath: bytes}, "module": name, "limits": {...}}`` plus one
  socket passed with SCM_RIGHTS: sweep away whatever ran before (processes, and the previous
  student's files), fork a child that serves the session on that socket
  (``session.child_main``); reply ``{"pid": pid}``.
- ``{"op": "preload", "id": n, "frame": bytes}``: decode a map message every session will be
  sent and keep it for the sessions forked from now on (``preload.PreloadStore``); reply
  ``{"preloaded": n}``.
- ``{"op": "sweep"}``: SIGKILL every descendant (the zygote is a child subreaper, so daemons
  that double-forked are still its descendants; in a private pid namespace everything but
  pid 1 and the zygote dies); reply ``{"swept": n}``.
- ``{"op": "exit"}``: sweep and end.

Between replies the zygote reports each session child's end as it happens, with
``{"exited": pid, "signal": n}`` or ``{"exited": pid, "code": n}``.
"""

from __future__ import annotations

import argparse
import os
import selectors
import shutil
import signal
import socket
from collections.abc import Sequence
from typing import Any

import numpy as np  # preloaded once for every child

from .. import protocol
from . import confinement
from .preload import PreloadStore, import_modules, thread_count
from .session import child_main

MAX_FDS = 4  #: descriptors accepted with one request (spawn sends one)
SELECT_SECONDS = 1.0  #: how often orphans are reaped when nothing happens


def exit_report(pid: int, status: int) -> dict:
    """The judge's message for a session child's end (``waitpid`` status)."""
    if os.WIFSIGNALED(status):
        return {"exited": pid, "signal": os.WTERMSIG(status)}
    return {"exited": pid, "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1}


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


class Zygote:
    """Serves the control socket; ``workroot`` is where session children write their files.

    ``private_tmp``: ``workroot`` is the sandbox's own /tmp (wiped whole before each
    session).  ``run_as``: the uid/gid of session children (the zygote then holds exactly
    the capabilities that takes, see ``graders.sandbox.bwrap``).
    """

    def __init__(
        self,
        control: socket.socket,
        workroot: str,
        private_tmp: bool = False,
        run_as: tuple[int, int] | None = None,
        modules: Sequence[str] = (),
    ) -> None:
        loaded, self.missing = import_modules(modules)
        self.modules = {"numpy": np.__version__, **loaded}
        self.control, self.workroot = control, workroot
        self.private_tmp, self.run_as = private_tmp, run_as
        self.preloads = PreloadStore()
        self.keep: set[str] = set()  # entries of a private /tmp that the sandbox made
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ, None)

    def confine(self) -> None:
        """Before the first request: subreaper, not dumpable, no network, few capabilities."""
        confinement.prctl(confinement.PR_SET_CHILD_SUBREAPER, 1)
        # children (same uid) cannot ptrace or read our memory
        confinement.prctl(confinement.PR_SET_DUMPABLE, 0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if self.private_tmp:
            confinement.loopback_down()
            # whatever is in the fresh /tmp now was made by the sandbox (mount points): keep
            self.keep.update(os.path.join(self.workroot, n) for n in os.listdir(self.workroot))
        if self.run_as is not None:
            # CAP_NET_ADMIN was for loopback_down only
            confinement.keep_capabilities(confinement.ZYGOTE_KEEPS)

    def serve(self) -> None:
        """Say hello, then serve requests and report exits until told to stop."""
        hello = {"pid": os.getpid(), "numpy": np.__version__, "modules": self.modules}
        # threads: 1 unless an import left a pool running (a fork would copy none of it)
        hello |= {"missing": self.missing, "threads": thread_count()}
        protocol.send(self.control, {"hello": hello})
        while True:
            self._reap_orphans()
            for key, _ in self.selector.select(timeout=SELECT_SECONDS):
                if key.data is not None:  # a session child's pidfd: it has exited
                    self._report_exit(key)
                elif not self._handle_request():
                    return

    def _sessions(self) -> list[selectors.SelectorKey]:
        return [k for k in self.selector.get_map().values() if k.data is not None]

    def _reap_orphans(self) -> None:
        """Reap exited orphans that were reparented to the zygote (the subreaper): as zombies
        they would still count against the session uid's process limit.  Session children
        are left for their pidfd to report."""
        sessions = {k.data for k in self._sessions()}
        for pid in confinement.children():
            if pid not in sessions:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass

    def _report_exit(self, key: selectors.SelectorKey) -> None:
        if self.selector.get_map().get(key.fd) is not key:
            # stale: a spawn earlier in this batch of events forgot that session, and its
            # pidfd's number may already belong to the new session's child
            return
        pid = key.data
        self.selector.unregister(key.fileobj)
        os.close(key.fd)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = 0
        protocol.send(self.control, exit_report(pid, status))

    def _handle_request(self) -> bool:
        """Read and answer one request; False when the zygote is to end."""
        try:
            request, fds = protocol.recv_with_fds(self.control, MAX_FDS)
        except EOFError:
            confinement.kill_descendants()
            return False
        except (OSError, protocol.ProtocolError):
            return False
        request = request if isinstance(request, dict) else {}
        op = request.get("op")
        if op == "spawn":
            self.spawn(request, fds)
            return True
        _close_all(fds)
        if op == "sweep":
            protocol.send(self.control, {"swept": confinement.kill_descendants()})
        elif op == "preload":
            protocol.send(self.control, self.preloads.add(request))
        elif op == "exit":
            confinement.kill_descendants()
            return False
        else:
            protocol.send(self.control, {"error": f"unknown op {op!r}"})
        return True

    def spawn(self, request: dict, fds: list[int]) -> None:
        """A fresh session child on the one socket in ``fds``, after a clean slate."""
        for key in self._sessions():  # forget the previous session's child
            self.selector.unregister(key.fileobj)
            os.close(key.fd)
        confinement.kill_descendants()
        self.wipe()
        if len(fds) != 1:
            _close_all(fds)
            protocol.send(self.control, {"error": "spawn needs one session socket"})
            return
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                self.control.close()
                child_main(
                    socket.socket(fileno=fds[0]),
                    request["files"],
                    request["module"],
                    request.get("limits", {}),
                    self.workroot,
                    self.run_as,
                    self.preloads,
                )
            except BaseException:  # noqa: BLE001
                code = 70
            finally:
                os._exit(code)
        os.close(fds[0])
        self.selector.register(os.pidfd_open(pid), selectors.EVENT_READ, pid)
        protocol.send(self.control, {"pid": pid})

    def wipe(self) -> None:
        """Delete what earlier sessions wrote: their directories, or (in a private /tmp) every
        entry of ``workroot`` and of /dev/shm.  Student code may have made its directories
        unreadable; the zygote owns them or holds CAP_DAC_OVERRIDE."""
        roots = [self.workroot, "/dev/shm"] if self.private_tmp else [self.workroot]
        for root in roots:
            try:
                names = os.listdir(root)
            except OSError:
                continue
            for name in names:
                if not self.private_tmp and not name.startswith("submission-"):
                    continue
                path = os.path.join(root, name)
                if path not in self.keep:  # e.g. the parents of a venv bound in under /tmp
                    _remove(path)


def _remove(path: str) -> None:
    def unlock(func: Any, failed: str, _exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(failed), 0o700)
            if os.path.isdir(failed) and not os.path.islink(failed):
                os.chmod(failed, 0o700)
                shutil.rmtree(failed, ignore_errors=True)
            else:
                func(failed)
        except OSError:
            pass

    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, onerror=unlock)
        else:
            os.unlink(path)
    except OSError:
        pass


def zygote_main(
    control_fd: int,
    workroot: str,
    private_tmp: bool = False,
    run_as: tuple[int, int] | None = None,
    modules: Sequence[str] = (),
) -> None:
    """Import ``modules``, then serve spawn/preload/sweep/exit requests on ``control_fd``
    until told to exit."""
    zygote = Zygote(socket.socket(fileno=control_fd), workroot, private_tmp, run_as, modules)
    zygote.confine()
    zygote.serve()


def main(argv: list[str] | None = None) -> None:
    """The command line the launchers build (see ``graders.sandbox.launcher``)."""
    parser = argparse.ArgumentParser(
        prog="worker", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--workroot", default="/tmp")
    parser.add_argument(
        "--private-tmp",
        action="store_true",
        help="WORKROOT is the sandbox's own /tmp: wipe all of it per session",
    )
    parser.add_argument(
        "--run-as",
        default=None,
        metavar="UID:GID",
        help="run session children as this uid/gid (the zygote is root)",
    )
    parser.add_argument(
        "--preload-module",
        action="append",
        default=[],
        metavar="NAME",
        help="import NAME before serving, for every child to inherit (torch)",
    )
    ns = parser.parse_args(argv)
    ids = tuple(int(v) for v in ns.run_as.split(":")) if ns.run_as else None
    run_as = (ids[0], ids[-1]) if ids else None
    zygote_main(ns.control_fd, ns.workroot, ns.private_tmp, run_as, ns.preload_module)
