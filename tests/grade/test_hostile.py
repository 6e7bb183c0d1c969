"""Hostile submissions (tests/fixtures/hostile/<situation>/): each one scores exactly what its
honest functions earn, the batch finishes in bounded time, and honest students graded in the
same batch get exactly the score they get alone.

One batch per launcher is graded once per module (honest alice first, so that thieves have
someone to steal from; every hostile fixture; honest bob last) and the tests read its results.
With the plain launcher, attacks that only a filesystem/pid/network sandbox can stop are
skipped with the reason; everything else must be contained there too.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import unittest
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis
import numpy as np
import pytest

from graders import mutants, profiles, registry
from graders.export.gradescope import dumps
from graders.export.html import feedback_html
from graders.grade.runner import Judge, Submission
from graders.results import SubmissionResult
from graders.sandbox.bwrap import BwrapLauncher
from graders.sandbox.client import Worker
from graders.sandbox.launcher import Launcher
from graders.sandbox.limits import Limits
from graders.sandbox.plain import PlainLauncher
from tests.conftest import mutant

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
ASSIGNMENT = "classification"
#: short limits so that the whole hostile suite stays near a minute per launcher
LIMITS = Limits(
    call_seconds=1.0,
    import_seconds=3.0,
    message_seconds=2.5,
    submission_seconds=30.0,
    cpu_seconds=20,
)
SECRET_ENV, SECRET = "PROPGRADE_SECRET_TOKEN", "hunter2-never-leaves-the-judge"
ALICE_MARK = "ALICE-PRIVATE-5f1c9e"
PORT = 47650  # reads_env_and_opens_socket tries it; the batch listens there on the host
BATCH_SECONDS = 150.0

NOT_ISOLATED = (
    "the plain launcher has no filesystem/pid isolation: student code can read "
    "and write whatever the judge's user can (use bubblewrap)"
)
ROOT_NPROC = "running as root without bubblewrap: the kernel never applies RLIMIT_NPROC to uid 0"


@dataclass(frozen=True)
class Case:
    """What a fixture may earn (its honest functions) and why plain cannot contain it."""

    honest: frozenset[str] = frozenset()
    plain: str | None = None


def _case(*honest: str, plain: str | None = None) -> Case:
    return Case(frozenset(honest), plain)


CASES: dict[str, Case] = {
    "binary_garbage": _case(),
    "custom_base_exception": _case("softmax", "sigmoid"),
    "daemon_outlives_worker": _case("softmax"),
    "fake_pass_stdout": _case("softmax"),
    "fork_bomb": _case("softmax", plain=ROOT_NPROC if os.geteuid() == 0 else None),
    "gigabytes_of_output": _case("softmax"),
    "ignores_sigalrm_loop": _case("softmax"),
    "imports_graders": _case(plain=NOT_ISOLATED),
    "keyboard_interrupt": _case("softmax"),
    "lying_float_subclass": _case("sigmoid"),
    "lying_ndarray_subclass": _case("softmax"),
    "memory_bomb": _case("softmax"),
    "monkeypatches_numpy": _case("softmax"),
    "os_exit_in_call": _case("softmax", "sigmoid"),
    "overwrites_results_via_proc": _case("softmax", plain=NOT_ISOLATED),
    "reads_env_and_opens_socket": _case("softmax"),
    "reads_other_student": _case("softmax", plain=NOT_ISOLATED),
    "reads_reference_from_disk": _case(plain=NOT_ISOLATED),
    "recursion_segfault": _case("softmax"),
    "script_in_exception": _case("softmax"),
    "sys_exit_at_import": _case(),
}

REF = mutants.reference_source(ASSIGNMENT)
HONEST = {
    "alice": f"# {ALICE_MARK}\n{REF}",
    # bob: softmax without the max shift, cross-entropy summed instead of averaged
    "bob": mutants.splice(
        mutants.mutant_source(ASSIGNMENT, mutant(ASSIGNMENT, "softmax_no_max_shift")),
        mutant(ASSIGNMENT, "cross_entropy_sum").source,
    ),
}
#: the judge's own comparison machinery, as it was before any student code ran
ORIGINALS = {
    "np.allclose": np.allclose,
    "np.isclose": np.isclose,
    "np.array_equal": np.array_equal,
    "math.isclose": math.isclose,
    "math.isfinite": math.isfinite,
    "abs": builtins.abs,
    "AssertionError": builtins.AssertionError,
    "hypothesis.given": hypothesis.given,
    "assertEqual": unittest.TestCase.assertEqual,
    "assert_allclose": np.testing.assert_allclose,
}


@dataclass
class Batch:
    """One launcher's graded batch and what was observed around it."""

    launcher: Launcher
    results: dict[str, SubmissionResult] = field(default_factory=dict)
    alone: dict[str, SubmissionResult] = field(default_factory=dict)
    seconds: float = 0.0
    leftovers: dict[str, int] = field(default_factory=dict)
    out_before: dict[str, str] = field(default_factory=dict)
    out_after: dict[str, str] = field(default_factory=dict)
    connections: int = -1  # -1: the port was busy, nothing observed


def _submission(sid: str, data: bytes) -> Submission:
    return Submission(sid, ASSIGNMENT, {f"{ASSIGNMENT}.py": data})


def _fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name / f"{ASSIGNMENT}.py").read_bytes()


def _judge(launcher: Launcher) -> Judge:
    judge = Judge.create(profiles.get("quick"), Worker(launcher, LIMITS))
    judge.shrink_seconds = 0.5
    return judge


def _tree(root: int) -> list[int]:
    """Host pids below ``root`` (the worker's process)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_bytes()
                parents[int(name)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
            except (OSError, ValueError):
                continue
    out = []
    for pid in parents:
        p = parents.get(pid)
        for _ in range(200):
            if p is None or p == 0:
                break
            if p == root:
                out.append(pid)
                break
            p = parents.get(p)
    return out


def _snapshot(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): p.read_text() for p in sorted(out.rglob("*")) if p.is_file()}


def _make_out(tmp: Path) -> Path:
    """An OUT directory as `propgrade grade` leaves it, for overwrites_results_via_proc."""
    out = tmp / "OUT"
    (out / "alice").mkdir(parents=True)
    (out / "grades.csv").write_text("student_id,score,max_score\nalice,20,20\n")
    (out / "alice" / "results.json").write_text(json.dumps({"score": 20.0}))
    return out


def _run_batch(launcher: Launcher, tmp: Path) -> Batch:
    batch = Batch(launcher)
    props = registry.properties(ASSIGNMENT)
    names = [n for n in sorted(CASES) if launcher.name == "bwrap" or CASES[n].plain is None]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(SECRET_ENV, SECRET)
        for sid, src in HONEST.items():  # each honest student alone, in a fresh judge
            judge = _judge(launcher)
            try:
                batch.alone[sid] = judge.grade(_submission(sid, src.encode()), ASSIGNMENT, props)
            finally:
                judge.close()
        out = _make_out(tmp)
        batch.out_before = _snapshot(out)
        # a process whose command line names OUT, as the real `propgrade grade` would
        decoy = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import time; time.sleep(600)",
                "grade",
                str(tmp / "subs"),
                "--out",
                str(out),
            ]
        )
        listener = socket.socket()
        try:
            listener.bind(("127.0.0.1", PORT))
            listener.listen(8)
            listener.setblocking(False)
            batch.connections = 0
        except OSError:
            pass
        judge = _judge(launcher)
        try:
            order = ["alice", *names, "bob"]
            start = time.monotonic()
            for sid in order:
                data = HONEST[sid].encode() if sid in HONEST else _fixture_bytes(sid)
                batch.results[sid] = judge.grade(_submission(sid, data), ASSIGNMENT, props)
                proc = judge.worker.proc
                batch.leftovers[sid] = len(_tree(proc.pid)) if proc is not None else 0
            batch.seconds = time.monotonic() - start
        finally:
            judge.close()
            decoy.kill()
            decoy.wait()
        if batch.connections == 0:
            while True:
                try:
                    listener.accept()[0].close()
                    batch.connections += 1
                except OSError:
                    break
        listener.close()
        batch.out_after = _snapshot(out)
    return batch


@pytest.fixture(scope="module")
def bwrap_batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    launcher = BwrapLauncher.if_available()
    if launcher is None:
        pytest.skip("bubblewrap cannot run here (see `propgrade doctor`)")
    return _run_batch(launcher, tmp_path_factory.mktemp("bwrap"))


@pytest.fixture(scope="module")
def plain_batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    return _run_batch(PlainLauncher(), tmp_path_factory.mktemp("plain"))


LAUNCHERS = [pytest.param("bwrap", marks=pytest.mark.sandbox), "plain"]


def _batch(request: pytest.FixtureRequest, launcher: str, name: str | None = None) -> Batch:
    if launcher == "plain" and name is not None and CASES[name].plain:
        pytest.skip(CASES[name].plain)
    return request.getfixturevalue(f"{launcher}_batch")


def _expected(batch: Batch, name: str) -> dict[str, float]:
    honest = CASES[name].honest
    return {t.key: (t.score if t.function in honest else 0.0) for t in batch.alone["alice"].tests}


def _text(result: SubmissionResult) -> str:
    return "\n".join([*result.messages, result.printed, *(t.output for t in result.tests)])


def test_every_fixture_has_a_case():
    """Each folder of tests/fixtures/hostile is listed with its honest functions."""
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(CASES)


@pytest.mark.parametrize("launcher", LAUNCHERS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_scores_exactly_its_honest_points(request, name, launcher):
    """A hostile submission earns exactly what its honest functions earn alone, nothing more."""
    batch = _batch(request, launcher, name)
    result = batch.results[name]
    assert {t.key: t.score for t in result.tests} == _expected(batch, name)
    assert result.score == pytest.approx(sum(_expected(batch, name).values()))
    assert result.max_score == batch.alone["alice"].max_score


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_honest_students_score_as_when_graded_alone(request, launcher):
    """Alice (graded before the hostile ones) and bob (after) get exactly their alone results."""
    batch = _batch(request, launcher)
    for sid, alone in batch.alone.items():
        got = batch.results[sid]
        assert [(t.key, t.status, t.score) for t in got.tests] == [
            (t.key, t.status, t.score) for t in alone.tests
        ]
        assert got.score == alone.score
    assert batch.alone["alice"].score == batch.alone["alice"].max_score
    assert 0 < batch.alone["bob"].score < batch.alone["bob"].max_score


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_batch_finishes_in_bounded_time(request, launcher):
    """Every submission ends within its wall-clock limit, and the whole batch soon after."""
    batch = _batch(request, launcher)
    slowest = max(batch.results.values(), key=lambda r: r.seconds)
    assert slowest.seconds < LIMITS.submission_seconds, slowest.student_id
    assert batch.seconds < BATCH_SECONDS


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_no_process_outlives_its_student(request, launcher):
    """After each student the worker's process tree is back to its baseline (no daemons)."""
    batch = _batch(request, launcher)
    baseline = batch.leftovers["alice"]
    assert {sid: n for sid, n in batch.leftovers.items() if n != baseline} == {}


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_daemon_pids_are_gone(request, launcher):
    """The daemons daemon_outlives_worker started (pids it printed) no longer exist."""
    batch = _batch(request, launcher, "daemon_outlives_worker")
    printed = batch.results["daemon_outlives_worker"].printed
    pids = [
        int(w)
        for line in printed.splitlines()
        if line.startswith("daemon ")
        for w in line.split()[-1:]
    ]
    assert pids
    if launcher == "plain":  # host pids: each must be gone
        for pid in pids:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_printed_claims_are_only_text(request, launcher):
    """Fake "PASSED 20/20" output is kept as printed text and changes nothing."""
    batch = _batch(request, launcher, "fake_pass_stdout")
    result = batch.results["fake_pass_stdout"]
    assert "PASSED 20/20" in result.printed
    assert result.score < 20


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_crashes_and_timeouts_are_explained(request, launcher):
    """Exits, segfaults, loops and BaseExceptions become readable per-test messages."""
    batch = _batch(request, launcher)
    expect = {
        "sys_exit_at_import": "sys.exit()",
        "os_exit_in_call": "exit status",
        "recursion_segfault": "segmentation fault",
        "ignores_sigalrm_loop": "time limit",
        "keyboard_interrupt": "KeyboardInterrupt",
        "custom_base_exception": "Escape",
        "memory_bomb": "MemoryError",
        "binary_garbage": "null bytes",
    }
    for name, words in expect.items():
        assert words in _text(batch.results[name]), name


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_gigabytes_of_output_are_capped(request, launcher):
    """A gigabyte printed becomes a few kilobytes of feedback and a small results.json."""
    batch = _batch(request, launcher, "gigabytes_of_output")
    result = batch.results["gigabytes_of_output"]
    assert len(result.printed) <= 16_384 + 200
    assert "characters of output dropped" in result.printed
    assert len(dumps(result)) < 200_000


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_script_in_exception_is_escaped(request, launcher):
    """<script> in messages and class names reaches feedback as text, escaped in HTML."""
    batch = _batch(request, launcher, "script_in_exception")
    result = batch.results["script_in_exception"]
    assert "<script>" in _text(result)  # kept verbatim as data...
    page = feedback_html(result)
    assert "<script>" not in page and "&lt;script&gt;" in page  # ...and escaped on the page
    assert "<img src=x" not in page
    json.loads(dumps(result))
    assert all(len(t.output) < 20_000 for t in result.tests)


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_environment_is_scrubbed(request, launcher):
    """The judge's environment (a secret token) never reaches student code."""
    batch = _batch(request, launcher, "reads_env_and_opens_socket")
    printed = batch.results["reads_env_and_opens_socket"].printed
    assert "ENV {" in printed
    assert SECRET not in printed and SECRET_ENV not in printed


@pytest.mark.sandbox
def test_no_network_in_the_sandbox(request):
    """Sockets to the outside and to the host's loopback never connect."""
    batch = _batch(request, "bwrap", "reads_env_and_opens_socket")
    printed = batch.results["reads_env_and_opens_socket"].printed
    assert "NET refused 8.8.8.8" in printed and "connected" not in printed
    if batch.connections < 0:
        pytest.skip(f"port {PORT} was busy: no listener to observe")
    assert batch.connections == 0


@pytest.mark.sandbox
def test_reference_and_graders_are_invisible(request):
    """Neither reading the disk nor importing finds reference/ or graders/."""
    batch = _batch(request, "bwrap", "reads_reference_from_disk")
    assert "reference found at: None" in batch.results["reads_reference_from_disk"].printed
    assert "no reference:" in batch.results["imports_graders"].printed


@pytest.mark.sandbox
def test_other_students_files_are_invisible(request):
    """A thief graded after alice finds nothing of hers (no file, no text)."""
    batch = _batch(request, "bwrap", "reads_other_student")
    result = batch.results["reads_other_student"]
    assert ALICE_MARK not in _text(result)
    assert "STOLEN" not in result.printed


@pytest.mark.sandbox
def test_out_directory_cannot_be_overwritten(request):
    """Finding --out through /proc leads nowhere: OUT is byte-for-byte unchanged."""
    batch = _batch(request, "bwrap", "overwrites_results_via_proc")
    assert "overwrote: []" in batch.results["overwrites_results_via_proc"].printed
    assert batch.out_after == batch.out_before


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_monkeypatching_stays_in_the_worker(request, launcher):
    """Student patches of numpy/math/unittest/hypothesis/builtins never reach the judge."""
    _batch(request, launcher, "monkeypatches_numpy")
    current = {
        "np.allclose": np.allclose,
        "np.isclose": np.isclose,
        "np.array_equal": np.array_equal,
        "math.isclose": math.isclose,
        "math.isfinite": math.isfinite,
        "abs": builtins.abs,
        "AssertionError": builtins.AssertionError,
        "hypothesis.given": hypothesis.given,
        "assertEqual": unittest.TestCase.assertEqual,
        "assert_allclose": np.testing.assert_allclose,
    }
    assert {k: v is ORIGINALS[k] for k, v in current.items()} == dict.fromkeys(current, True)
    assert signal.getsignal(signal.SIGALRM) is not signal.SIG_IGN
