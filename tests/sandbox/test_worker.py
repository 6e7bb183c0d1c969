"""The worker process: sessions, batched calls, callbacks, crashes, timeouts, leftovers."""

from __future__ import annotations

import time

import numpy as np
import pytest

from graders.sandbox import protocol
from graders.sandbox.client import Worker
from graders.sandbox.limits import Limits
from graders.sandbox.plain import PlainLauncher
from graders.sandbox.protocol import Call, Ref
from graders.sandbox.reply import WorkerDied, WorkerTimeout

SRC = b"""
import os, signal, time, warnings
import numpy as np
print("imported")
def double(x): return 2 * x
def step(theta, g): return theta - 0.1 * g, g * 2
def numgrad(f, theta):
    return np.array([(f(theta + e) - f(theta - e)) / 2e-6 for e in np.eye(len(theta)) * 1e-6])
def crash(): os._exit(3)
def segv():
    import ctypes; ctypes.string_at(0)
def spin():
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True: pass
def slow():
    while True: pass
def daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(1000)
        os._exit(0)
    time.sleep(0.2)
    return os.getpid()
def mutate(z):
    z[0] = 99.0
    return z
def count():
    global calls
    calls = globals().get("calls", 0) + 1
    return calls
def fail(): raise ValueError("no")
def grab(z):
    old = z.copy()
    z += 1
    return old
def overflow(z): return np.exp(z)
def careful():
    warnings.warn("careful", UserWarning)
    return 1
def quiet(z):
    with np.errstate(over="ignore"):
        return np.exp(z)
"""


@pytest.fixture(scope="module")
def worker():
    w = Worker(PlainLauncher(), Limits(call_seconds=0.5, message_seconds=2.0))
    w.start()
    yield w
    w.close()


def test_import_reports_functions_and_captures_output(worker):
    """A session imports the module, lists its functions and keeps what it printed."""
    s = worker.session({"m.py": SRC}, "m")
    assert {"double", "step", "numgrad"} <= s.functions
    assert s.call("double", np.ones(2)).value.tolist() == [2.0, 2.0]
    assert "imported" in "".join(s.output)
    s.close()


def test_refs_thread_results_through_one_message(worker):
    """Ref(i, j) in a batch is item j of call i's result, resolved inside the worker."""
    s = worker.session({"m.py": SRC}, "m")
    r = s.map([Call("step", (np.ones(2), np.ones(2))), Call("step", (Ref(0, 0), Ref(0, 1)))])
    np.testing.assert_allclose(r[1].value[0], [0.7, 0.7])
    s.close()


def test_a_calls_base_offsets_its_refs_in_the_worker_and_in_process(worker):
    """A call's ``base`` is added to its Refs' call numbers: a run written from 0 threads the
    same results after another run in one message, in the worker as in a LocalSession."""
    import types

    from graders.sandbox.local import LocalSession

    run = [Call("step", (np.ones(2), np.ones(2))), Call("step", (Ref(0, 0), Ref(0, 1)))]
    later = [Call(c.fn, c.args, c.kwargs, 2) for c in run]
    first = [Call("step", (np.zeros(2), np.zeros(2))), Call("double", (3.0,))]
    module = types.ModuleType("m")
    exec(SRC.decode(), module.__dict__)  # trusted test code, as the catalog's
    s = worker.session({"m.py": SRC}, "m")
    for session in (s, LocalSession(module)):
        r = session.map(first + later)
        np.testing.assert_allclose(r[3].value[0], [0.7, 0.7])
        np.testing.assert_allclose(r[3].value[1], [4.0, 4.0])
    s.close()


def test_the_first_failure_ends_a_message(worker):
    """Calls after a failing one are answered Skipped and never run."""
    s = worker.session({"m.py": SRC}, "m")
    r = s.map([Call("count"), Call("fail"), Call("count"), Call("double", (1.0,))])
    assert r[0].value == 1 and r[1].error["type"] == "ValueError"
    assert [x.error["type"] for x in r[2:]] == ["Skipped", "Skipped"]
    assert s.call("count").value == 2  # the skipped count() never ran
    s.close()


def test_shared_first_rounds_are_preloaded_for_later_sessions(worker, monkeypatch):
    """A cached message is decoded once by the zygote; later sessions get only its number,
    and the same answers; an input changed in place is never seen again."""
    calls = [Call("grab", (np.arange(3.0),)), Call("double", (np.ones(2),))]
    first = worker.session({"m.py": SRC}, "m")
    want = [r.value.tolist() for r in first.map(calls, cache_key="preload-test")]
    first.close()
    assert "preload-test" in worker.preloaded
    sent: list[int] = []
    real = protocol.send_frame
    monkeypatch.setattr(
        protocol, "send_frame", lambda sock, f: (sent.append(len(f)), real(sock, f))[1]
    )
    later = worker.session({"m.py": SRC}, "m")
    for _ in range(2):  # again in the same session: a fresh copy, not the grabbed one
        got = [r.value.tolist() for r in later.map(calls, cache_key="preload-test")]
        assert got == want == [[0.0, 1.0, 2.0], [2.0, 2.0]]
    assert max(sent) < 200  # a number, not the arrays
    later.close()


def test_an_unshared_first_round_is_encoded_once_and_never_preloaded(worker, monkeypatch):
    """A hidden property's cached message: every session is sent the same encoded frame in
    full, and the zygote never holds it."""
    from graders.sandbox.client import Unshared

    key = Unshared(("hidden-test", 0, 1))
    calls = [Call("double", (np.arange(3.0),))]
    maps: list[bool] = []
    real = protocol.encode
    monkeypatch.setattr(
        protocol, "encode", lambda m, *f: (maps.append(m.get("op") == "map"), real(m, *f))[1]
    )
    sent: list[int] = []
    real_send = protocol.send_frame
    monkeypatch.setattr(
        protocol, "send_frame", lambda sock, f: (sent.append(len(f)), real_send(sock, f))[1]
    )
    for _ in range(3):
        s = worker.session({"m.py": SRC}, "m")
        assert s.map(calls, cache_key=key)[0].value.tolist() == [0.0, 2.0, 4.0]
        s.close()
    assert sum(maps) == 1  # encoded for the first session only
    assert key in worker.frames and key not in worker.preloaded
    frames = [n for n in sent if n > 64]  # not the sessions' "bye"
    assert len(frames) == 3 and len(set(frames)) == 1  # the same full frame to every session


def test_callbacks_are_evaluated_by_the_judge(worker):
    """A function argument runs on the judge's side and its result crosses back."""
    s = worker.session({"m.py": SRC}, "m")
    seen = []

    def f(theta):
        seen.append(theta.copy())
        return float(np.sum(theta**2))

    np.testing.assert_allclose(s.call("numgrad", f, np.array([1.0, 2.0])).value, [2, 4], rtol=1e-6)
    assert len(seen) == 4 and all(type(t) is np.ndarray for t in seen)
    s.close()


def test_input_mutation_is_reported(worker):
    """Modifying an argument in place is detected."""
    s = worker.session({"m.py": SRC}, "m")
    assert s.call("mutate", np.zeros(2)).mutated
    assert not s.call("double", np.zeros(2)).mutated
    s.close()


@pytest.mark.parametrize(
    ("fn", "words"), [("crash", "exit status 3"), ("segv", "segmentation fault")]
)
def test_a_dying_child_is_reported_not_waited_for(worker, fn, words):
    """os._exit or a segfault ends the session at once with a readable reason."""
    s = worker.session({"m.py": SRC}, "m")
    t0 = time.monotonic()
    with pytest.raises(WorkerDied, match=words):
        s.call(fn)
    assert time.monotonic() - t0 < 1.5


def test_worker_timer_stops_a_plain_endless_loop(worker):
    """A loop that respects SIGALRM gets a Timeout error for that call only."""
    s = worker.session({"m.py": SRC}, "m")
    reply = s.call("slow")
    assert reply.error["type"] == "Timeout"
    assert s.call("double", 1.0).value == 2.0
    s.close()


def test_judge_backstop_kills_a_loop_that_ignores_the_timer(worker):
    """Ignoring SIGALRM only delays the kill until the judge's per-message limit."""
    s = worker.session({"m.py": SRC}, "m")
    t0 = time.monotonic()
    with pytest.raises(WorkerTimeout):
        s.call("spin")
    assert time.monotonic() - t0 < 4.0
    s2 = worker.session({"m.py": SRC}, "m")  # the worker serves the next session
    assert s2.call("double", 2.0).value == 4.0
    s2.close()


def test_daemons_do_not_survive_the_session(worker):
    """A double-forked, setsid'ed sleeper is killed when the session ends."""
    s = worker.session({"m.py": SRC}, "m")
    s.call("daemon")
    assert len(_descendants(worker.proc.pid)) >= 2  # the session child and the daemon
    s.close()
    assert _descendants(worker.proc.pid) == []


def _descendants(root: int) -> list[int]:
    import os

    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    stat = fh.read()
                parents[int(name)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
            except (OSError, ValueError):
                pass
    out = []
    for pid in parents:
        p = pid
        while p in parents and p > 1:
            p = parents[p]
            if p == root:
                out.append(pid)
                break
    return out


@pytest.mark.parametrize(
    ("src", "kind"),
    [
        (b"def f(:\n", "SyntaxError"),
        (b"import sys\nsys.exit(0)\n", "SystemExit"),
        (b"raise KeyboardInterrupt\n", "KeyboardInterrupt"),
        (b"\xff\xfe\x00garbage", "SyntaxError"),
    ],
)
def test_import_failures_become_messages(worker, src, kind):
    """Broken modules report why they failed to import; nothing else happens."""
    s = worker.session({"m.py": src}, "m")
    assert s.import_error is not None and s.import_error["type"] == kind
    s.close()


def test_warnings_come_back_with_each_call(worker):
    """Each call's reply names the warnings it emitted, as plain strings: the same overflow
    in every call of a message (not only the first), nothing from a quiet call."""
    s = worker.session({"m.py": SRC}, "m")
    big = np.array([1000.0, 0.0])
    r = s.map(
        [
            Call("overflow", (big,)),
            Call("double", (1.0,)),
            Call("overflow", (big,)),
            Call("careful"),
            Call("quiet", (big,)),
        ]
    )
    assert [x.warnings for x in r] == [
        ("RuntimeWarning: overflow encountered in exp",),
        (),
        ("RuntimeWarning: overflow encountered in exp",),
        ("UserWarning: careful",),
        (),
    ]
    assert all(type(w) is str for x in r for w in x.warnings)
    assert s.call("overflow", big).warnings == ("RuntimeWarning: overflow encountered in exp",)
    s.close()


def test_the_judge_takes_only_a_few_short_warning_strings():
    """Whatever a (rewritten) worker sends as warnings, the judge keeps a few short strings."""
    from graders.sandbox.reply import MAX_WARNING_CHARS, MAX_WARNINGS, reply_from_entry

    got = reply_from_entry(
        {"value": 1.0, "warnings": ["x" * 10_000, 3, {"a": 1}, *["w"] * 20]}
    ).warnings
    assert got and all(type(w) is str and len(w) <= MAX_WARNING_CHARS for w in got)
    assert len(got) <= MAX_WARNINGS
    assert reply_from_entry({"value": 1.0, "warnings": "RuntimeWarning: not a list"}).warnings == ()
