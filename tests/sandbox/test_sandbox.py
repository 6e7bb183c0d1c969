"""The sandbox around the worker: what student code can see, reach and keep, under bubblewrap
and (where the protection exists there too) under the plain launcher; `propgrade doctor`."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graders.errors import EnvironmentProblem
from graders.sandbox import bwrap, doctor, launcher, policy, protocol
from graders.sandbox.bwrap import BwrapLauncher
from graders.sandbox.client import Worker
from graders.sandbox.limits import Limits
from graders.sandbox.plain import PlainLauncher

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0
BWRAP = BwrapLauncher.if_available()
needs_bwrap = pytest.mark.skipif(
    BWRAP is None, reason=f"bubblewrap cannot run here ({bwrap.probe()[1]}); see `propgrade doctor`"
)
LIMITS = Limits(call_seconds=5.0, message_seconds=20.0)

PROBE = b'''
import ctypes, fcntl, os, resource, signal, socket, struct, sys, time

def exists(path):
    return os.path.exists(path)

def listdir(path):
    return sorted(os.listdir(path))

def importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False

def env():
    return dict(os.environ)

def ids():
    status = open("/proc/self/status").read().splitlines()
    caps = {k: v.strip() for k, _, v in (ln.partition(":") for ln in status)
            if k.startswith("Cap") or k == "NoNewPrivs"}
    return [list(os.getresuid()), caps]

def pids():
    """Living processes (a killed one may stay a zombie until its parent reaps it)."""
    out = []
    for p in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{p}/stat").read() if p.isdigit() else ""
        except OSError:
            continue
        if stat and stat[stat.rindex(")") + 2] != "Z":
            out.append(int(p))
    return sorted(out)

def write(path):
    try:
        with open(path, "w") as fh:
            fh.write("x")
        return "written"
    except OSError as exc:
        return type(exc).__name__

def limits():
    names = ["RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_NOFILE"]
    return {n: list(resource.getrlimit(getattr(resource, n))) for n in names}

def connect(host, port):
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return "connected"
    except OSError as exc:
        return type(exc).__name__

def loopback_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        raw = fcntl.ioctl(s, 0x8913, struct.pack("16sh14x", b"lo", 0))
    return bool(struct.unpack("16sh14x", raw)[1] & 1)

def self_connect():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    return connect("127.0.0.1", server.getsockname()[1])

def fork_bomb():
    made = 0
    for _ in range(1000):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        made += 1
    return made

def daemon():
    r, w = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.write(w, str(os.getpid()).encode())
            time.sleep(600)
        os._exit(0)
    os.close(w)
    return int(os.read(r, 32))

def hold():
    daemon()
    time.sleep(30)
'''


def _worker(launcher) -> Iterator[Worker]:
    w = Worker(launcher, LIMITS)
    w.start()
    yield w
    w.close()


@pytest.fixture(scope="module")
def boxed() -> Iterator[Worker]:
    """A worker inside bubblewrap."""
    if BWRAP is None:
        pytest.skip("bubblewrap cannot run here")
    yield from _worker(BWRAP)


@pytest.fixture(scope="module")
def plain() -> Iterator[Worker]:
    """A worker started by the plain launcher."""
    yield from _worker(PlainLauncher())


def call(worker: Worker, fn: str, *args):
    """One call in a fresh session; the value (an error fails the test)."""
    s = worker.session({"probe.py": PROBE}, "probe")
    try:
        reply = s.call(fn, *args)
        assert reply.error is None, reply.error
        return reply.value
    finally:
        s.close()


def _host_pids_of_uid(uid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    out.append(int(name))
            except OSError:
                pass
    return out


# --- the launcher itself -------------------------------------------------------------------


@pytest.mark.sandbox
@needs_bwrap
def test_availability_is_probed_once():
    """if_available() runs bwrap once per process and then answers from the cache."""
    assert bwrap.probe.cache_info().currsize == 1
    t0 = time.perf_counter()
    assert BwrapLauncher.if_available() is not None
    assert time.perf_counter() - t0 < 0.05
    assert policy.choose_launcher().name == "bwrap"


@pytest.mark.sandbox
@needs_bwrap
def test_command_binds_nothing_of_the_repository():
    """No bind source holds reference/, graders/ or tests/, and nothing is bound writable."""
    cmd = BWRAP.command(Path("/staged/worker"), 7, "/host/home")
    binds = [(cmd[i + 1], cmd[i + 2]) for i, a in enumerate(cmd) if a in ("--ro-bind", "--bind")]
    sources = [src for src, _ in binds if src != "/dev/null"]
    for secret in ("reference", "graders", "tests", "exercises"):
        assert not any(bwrap._under(str(ROOT / secret), src) for src in sources), secret
    assert "--bind" not in cmd and "--dev-bind" not in cmd  # nothing writable from the host
    assert {"--unshare-net", "--unshare-pid", "--die-with-parent", "--clearenv"} <= set(cmd)
    assert ("/staged/worker", "/worker") in binds
    assert "/host/home" not in cmd
    if AS_ROOT:
        assert cmd[cmd.index("--cap-drop") + 1] == "ALL"
        assert cmd[cmd.index("--run-as") + 1] == f"{BWRAP.session_uid()}:{BWRAP.session_uid()}"


def test_choose_launcher_falls_back_to_plain_and_says_so(monkeypatch):
    """Without a working bwrap, auto picks plain with a warning and 'bwrap' is an error."""
    monkeypatch.setattr(BwrapLauncher, "if_available", classmethod(lambda cls: None))
    launcher = policy.choose_launcher()
    assert launcher.name == "plain" and launcher.warnings
    assert any("NO filesystem" in p for p in launcher.protections())
    with pytest.raises(EnvironmentProblem, match="doctor"):
        policy.choose_launcher("bwrap")


def test_doctor_reports_what_this_machine_provides():
    """doctor lists bwrap, namespaces, root, rlimits and the chosen launcher's protections."""
    rows = doctor.report()
    names = [name for name, _, _ in rows]
    for needed in (
        "bubblewrap installed",
        "bubblewrap sandbox runs",
        "user namespaces",
        "network namespace",
        "pid namespace",
        "running as root",
        "memory (RLIMIT_AS)",
        "processes (RLIMIT_NPROC)",
        "launcher",
    ):
        assert needed in names
    assert all(isinstance(ok, bool) and isinstance(detail, str) for _, ok, detail in rows)
    launcher = dict((n, d) for n, _, d in rows)["launcher"]
    assert launcher.startswith("bwrap" if BWRAP else "plain")
    text = doctor.render(rows)
    assert len(text.splitlines()) == len(rows) and "[ ok ]" in text


def test_doctor_says_when_bwrap_cannot_run(monkeypatch):
    """With bwrap unusable, doctor flags it and shows the plain launcher's warning."""
    monkeypatch.setattr(bwrap, "probe", lambda: (False, "bwrap could not start: test"))
    monkeypatch.setattr(BwrapLauncher, "if_available", classmethod(lambda cls: None))
    rows = {name: (ok, detail) for name, ok, detail in doctor.report()}
    assert rows["bubblewrap sandbox runs"] == (False, "bwrap could not start: test")
    assert rows["launcher"][0] is False
    assert "FAIL" in doctor.render(list(doctor.report()))


# --- what student code sees ----------------------------------------------------------------


@pytest.mark.sandbox
def test_only_system_python_and_worker_are_visible(boxed):
    """Only system, Python, /worker and /tmp are visible: no repository, home or judge dirs.

    Python's own top-level directory (wherever the venv happens to live, e.g. /root, /work or
    a CI checkout's /check) is the one root entry that depends on the machine.
    """
    binds, links, _, _ = bwrap.python_mounts()
    python_tops = {Path(p).parts[1] for p in binds + [p for _, p in links]}
    assert (
        set(call(boxed, "listdir", "/"))
        <= {
            "bin",
            "sbin",
            "lib",
            "lib32",
            "lib64",
            "libx32",
            "usr",
            "etc",
            "proc",
            "dev",
            "tmp",
            "worker",
        }
        | python_tops
    )
    for path in (
        ROOT / "reference",
        ROOT / "graders",
        ROOT / "tests",
        ROOT / "pyproject.toml",
        boxed._home,
        Path.home() / ".bashrc",
        "/etc/passwd",
        "/etc/shadow",
    ):
        assert call(boxed, "exists", str(path)) is False, path
    assert call(boxed, "listdir", "/worker") == ["sandbox"]  # the staged worker package
    assert call(boxed, "importable", "numpy") is True
    for name in ("reference", "graders", "exercises", "tests"):
        assert call(boxed, "importable", name) is False, name


@pytest.mark.sandbox
def test_system_is_read_only_and_tmp_private(boxed):
    """Writes outside /tmp fail; /tmp is the sandbox's own and starts empty per student."""
    for path in ("/usr/x", "/worker/x", "/x", "/etc/x", "/dev/shm/x"):
        assert call(boxed, "write", path) != "written", path
    assert call(boxed, "write", "/tmp/left-behind") == "written"
    listing = call(boxed, "listdir", "/tmp")  # the next session: only its own directory
    (own,) = [n for n in listing if n not in _venv_mount_parents()]
    assert own.startswith("submission-")


def _venv_mount_parents() -> set[str]:
    """Top-level /tmp entries the sandbox makes when Python itself lives under /tmp."""
    return {
        Path(p).relative_to("/tmp").parts[0]
        for p in (sys.prefix, sys.base_prefix)
        if Path(p).is_relative_to("/tmp")
    }


@pytest.mark.parametrize("worker", ["plain", pytest.param("boxed", marks=pytest.mark.sandbox)])
def test_previous_session_files_are_wiped(request, worker):
    """A session never sees an earlier session's directory."""
    w = request.getfixturevalue(worker)
    root = "/tmp" if worker == "boxed" else w._home
    first = call(w, "listdir", root)
    second = call(w, "listdir", root)
    assert len([f for f in first if f.startswith("submission-")]) == 1
    assert len([f for f in second if f.startswith("submission-")]) == 1
    assert first != second


@pytest.mark.parametrize("worker", ["plain", pytest.param("boxed", marks=pytest.mark.sandbox)])
def test_environment_is_scrubbed(request, worker, monkeypatch):
    """Student code sees only the worker's fixed environment, never the judge's."""
    monkeypatch.setenv("PROPGRADE_SECRET", "s3cret")
    w = request.getfixturevalue(worker)
    env = call(w, "env")
    assert "PROPGRADE_SECRET" not in env
    assert set(env) - {"PWD"} <= set(launcher.worker_env("/tmp"))


@pytest.mark.parametrize("worker", ["plain", pytest.param("boxed", marks=pytest.mark.sandbox)])
def test_student_code_holds_no_privileges(request, worker):
    """No capability at all, no_new_privs set; in the sandbox also a non-root uid."""
    w = request.getfixturevalue(worker)
    uids, caps = call(w, "ids")
    assert {k: int(v, 16) for k, v in caps.items() if k.startswith("Cap")} == dict.fromkeys(
        ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"], 0
    )
    assert caps["NoNewPrivs"] == "1"
    if worker == "boxed" and AS_ROOT:
        assert uids == [BWRAP.session_uid()] * 3


@pytest.mark.parametrize("worker", ["plain", pytest.param("boxed", marks=pytest.mark.sandbox)])
def test_resource_limits_are_applied(request, worker):
    """Memory, CPU, file size, processes and open files are limited as configured."""
    w = request.getfixturevalue(worker)
    got = call(w, "limits")
    assert got["RLIMIT_AS"] == [LIMITS.memory_bytes] * 2
    assert got["RLIMIT_CPU"] == [LIMITS.cpu_seconds] * 2
    assert got["RLIMIT_FSIZE"] == [LIMITS.file_bytes] * 2
    assert got["RLIMIT_NPROC"] == [LIMITS.processes] * 2
    assert got["RLIMIT_NOFILE"] == [LIMITS.open_files] * 2


@pytest.mark.sandbox
def test_no_network_not_even_loopback(boxed):
    """Host listeners, outside hosts and (lo down) the sandbox's own listeners are unreachable."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    try:
        assert call(boxed, "connect", "127.0.0.1", server.getsockname()[1]) != "connected"
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()
    assert call(boxed, "connect", "8.8.8.8", 53) != "connected"
    if AS_ROOT:
        assert call(boxed, "loopback_up") is False
        assert call(boxed, "self_connect") != "connected"


@pytest.mark.sandbox
def test_pid_namespace_hides_every_other_process(boxed):
    """Student code sees bwrap's init, the zygote and itself; nothing of the host."""
    pids = call(boxed, "pids")
    assert len(pids) == 3 and pids[:2] == [1, 2]


@pytest.mark.sandbox
@pytest.mark.skipif(not AS_ROOT, reason="the session uid exists only when the judge is root")
def test_fork_bomb_is_capped_and_cleaned_up(boxed):
    """As its own uid a session's fork bomb stops below RLIMIT_NPROC and dies with the call."""
    made = call(boxed, "fork_bomb")
    assert 0 < made < LIMITS.processes
    assert _host_pids_of_uid(BWRAP.session_uid()) == []


@pytest.mark.parametrize("worker", ["plain", pytest.param("boxed", marks=pytest.mark.sandbox)])
def test_daemons_die_with_their_call(request, worker):
    """A double-forked daemon ignoring SIGTERM is gone once its call has returned."""
    w = request.getfixturevalue(worker)
    s = w.session({"probe.py": PROBE}, "probe")
    try:
        pid = s.call("daemon").value
        assert isinstance(pid, int)
        pids = s.call("pids").value
    finally:
        s.close()
    if worker == "boxed":
        assert pid not in pids
    else:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.sandbox
@pytest.mark.skipif(not AS_ROOT, reason="host-side uid check needs the session uid (root)")
def test_killing_the_sandbox_kills_everything_in_it():
    """SIGKILL to bwrap (the judge's last resort) ends every process inside, daemons too."""
    w = Worker(BWRAP, LIMITS)
    w.start()
    try:
        s = w.session({"probe.py": PROBE}, "probe")
        protocol.send(s.sock, {"op": "map", "calls": [{"fn": "hold"}]})  # a daemon, a call running
        time.sleep(0.5)
        assert len(_host_pids_of_uid(BWRAP.session_uid())) >= 2
        os.killpg(w.proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while _host_pids_of_uid(BWRAP.session_uid()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _host_pids_of_uid(BWRAP.session_uid()) == []
    finally:
        w.close()


@pytest.mark.slow
@pytest.mark.sandbox
@needs_bwrap
def test_torch_imports_under_the_memory_limit():
    """`import torch` works in the sandbox, as the session uid, under the 2 GiB RLIMIT_AS."""
    src = (
        b"import resource, torch\n"
        b"def check(): return [float(torch.ones(3).sum()), "
        b"resource.getrlimit(resource.RLIMIT_AS)[0]]\n"
    )
    with Worker(BWRAP, Limits(import_seconds=60, call_seconds=60, message_seconds=90)) as w:
        s = w.session({"uses_torch.py": src}, "uses_torch")
        assert s.import_error is None, s.import_error
        assert s.call("check").value == [3.0, Limits().memory_bytes]
        s.close()


def test_rlimit_nproc_exemption_is_documented_for_plain_root():
    """The plain launcher says plainly when the process limit cannot hold: as root with no
    unprivileged uid to run sessions as (the kernel never applies RLIMIT_NPROC to uid 0)."""
    launcher = PlainLauncher()
    text = " ".join(launcher.protections())
    assert ("NOT enforced" in text) == (AS_ROOT and launcher.session_uid() is None)
