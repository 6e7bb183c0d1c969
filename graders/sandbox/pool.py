"""The judge's zygote processes: starting one, ending one, and the torch-preloaded sibling.

``graders.sandbox.client.Worker`` owns one zygote (NumPy preloaded) and, through
:class:`Siblings`, at most one more per set of preloaded modules (torch, see
``graders.sandbox.needs``), started only when a submission first needs it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from graders.sandbox import protocol
from graders.sandbox.launcher import Launcher, worker_env

HELLO_SECONDS = 60.0  #: a zygote that imports torch takes ~5 s in the sandbox


def launch(
    launcher: Launcher, worker_dir: Path, home: str, modules: Sequence[str] = ()
) -> tuple[subprocess.Popen, socket.socket, dict]:
    """Start a zygote (importing ``modules`` first): its process, the judge's end of its
    control socket and its hello.  RuntimeError, the process killed, when it says no hello."""
    ours, theirs = socket.socketpair()
    fd = theirs.fileno()
    proc = subprocess.Popen(
        launcher.command(worker_dir, fd, home, modules),
        pass_fds=(fd,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=worker_env(home),
        start_new_session=True,
        cwd=home,
    )
    theirs.close()
    ours.settimeout(HELLO_SECONDS)
    try:
        hello = protocol.recv(ours)
    except (OSError, EOFError, protocol.ProtocolError) as exc:
        kill(proc, ours)
        raise RuntimeError(f"the worker ({launcher.name}) did not start: {exc}") from exc
    if not isinstance(hello, dict) or not isinstance(hello.get("hello"), dict):
        kill(proc, ours)
        raise RuntimeError("the worker did not start properly")
    return proc, ours, hello["hello"]


def kill(proc: subprocess.Popen | None, control: socket.socket | None) -> None:
    """Close the control socket and SIGKILL the zygote's process group (its sandbox)."""
    if control is not None:
        control.close()
    if proc is not None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def ask_to_exit(proc: subprocess.Popen | None, control: socket.socket | None) -> None:
    """Tell a running zygote to sweep and end, and give it a few seconds to."""
    if control is not None and proc is not None and proc.poll() is None:
        try:
            protocol.send(control, {"op": "exit"})
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass


class Zygote(Protocol):
    """What :class:`Siblings` needs of a worker."""

    hello: dict

    def start(self) -> None: ...

    def close(self) -> None: ...


class Siblings:
    """Zygotes that preloaded more than NumPy, one per tuple of modules, each started the
    first time a submission needs it (``make(modules)`` builds it, not started).

    One that cannot serve (a module fails to import, or leaves threads running: a fork
    copies only the calling thread, so a child could inherit a lock held by one that is
    gone) is closed and never tried again; ``warnings`` gets one line, logged once, and
    those submissions are opened on the ordinary zygote, where their import fails or
    succeeds as it would have anyway.
    """

    def __init__(self, make: Callable[[tuple[str, ...]], Zygote]) -> None:
        self.make = make
        self.running: dict[tuple[str, ...], Zygote] = {}
        self.refused: set[tuple[str, ...]] = set()
        self.warnings: list[str] = []

    def get(self, modules: tuple[str, ...]) -> Zygote | None:
        """The zygote holding ``modules``, started now if need be; None: use the ordinary."""
        if not modules or modules in self.refused:
            return None
        if modules not in self.running:
            sibling = self.make(modules)
            try:
                sibling.start()
                why = "; ".join(str(v) for v in (sibling.hello.get("missing") or {}).values())
                if not why and sibling.hello.get("threads") != 1:
                    why = f"{sibling.hello.get('threads')} threads running after the import"
            except RuntimeError as exc:
                why = str(exc)
            if why:
                sibling.close()
                self.refused.add(modules)
                self.warnings.append(
                    f"{', '.join(modules)} could not be preloaded ({why[:200]}): submissions "
                    "that import it are graded on the ordinary worker and import it themselves"
                )
                logging.getLogger(__name__).warning(self.warnings[-1])
                return None
            self.running[modules] = sibling
        return self.running[modules]

    def close(self) -> None:
        """End every running sibling (the next submission that needs one starts it again)."""
        for sibling in self.running.values():
            sibling.close()
        self.running.clear()
