"""Grade a batch on an existing Dask cluster: ``propgrade grade ... --scheduler tcp://HOST:PORT``.

What crosses Dask is plain data, both ways.  The client sends each student as a dict of the
submission's file contents (bytes) and discovery's notes, with the batch's settings as
strings and numbers (:class:`ClusterBatch`: the assignment, profile, sandbox, limits, the
course's directory and the grader version).  The Dask worker grades it with a judge of its
own, created on first use and kept for the life of the worker process (one per batch
settings, :func:`grade_on_worker`): the judge draws the examples, and its sandboxed worker
zygote runs the student's code, exactly as a local judge does; the judge never runs it.  The
reply is the JSON text of the judge's :class:`SubmissionResult` (``to_dict``, the store's
own payload), parsed by the client, which alone writes the store and ``OUT``.

Identical to a local run: each Dask worker computes the grader version from its own
installation and course and refuses a batch whose version differs (another propgrade, an
edited course file): one line, exit 4.  The same version means the same engine, graders,
reference and (derandomized) examples, so the same results byte for byte, timings aside.

Failures: a Dask worker that dies (kill -9, a lost machine) takes its in-flight students with
it and the scheduler runs them again on another worker, up to its ``allowed-failures``
(default 3); the client writes a student once, the first result that comes back (by student
and content hash), so each is in the store exactly once.  A student whose task killed that
many workers is recorded as not graded, as a local judge crash is.

Each Dask worker process grades one student at a time (the judge and hypothesis keep
process-wide state): run workers with ``--nthreads 1`` and as many ``--nworkers`` as cores.
"""

from __future__ import annotations

import atexit
import json
import socket
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from graders import course as courses
from graders import profiles, registry
from graders.errors import EnvironmentProblem, InputError, UsageError, UserError
from graders.grade.batch import _crashed, _make_judge, grader_version, worker_warnings
from graders.grade.examples import ExampleBank
from graders.grade.limits import limits_for
from graders.grade.runner import Judge
from graders.grade.submission import Submission
from graders.props import Property
from graders.results import SubmissionResult
from graders.sandbox.policy import choose_launcher

CONNECT_SECONDS = 10.0  #: to reach the scheduler
WORKERS_SECONDS = 60.0  #: a cluster without workers this long (at the start, or all lost)
POLL_SECONDS = 5.0  #: how often a waiting client looks at the cluster's workers
MAX_JUDGES = 2  #: judges kept per Dask worker process (a zygote and a bank each)
ERRORS: dict[str, type[UserError]] = {
    c.__name__: c for c in (UsageError, InputError, EnvironmentProblem)
}


@dataclass(frozen=True)
class ClusterBatch:
    """A batch's settings, as every Dask worker needs them (strings and numbers only)."""

    assignment: str
    profile: str
    sandbox: str
    version: str  #: the client's grader version; a worker must agree
    course: str | None = None  #: the course's directory; None: the bundled course
    memory_mb: int | None = None
    call_seconds: float | None = None
    submission_seconds: float | None = None
    diagnose: bool = True


def course_root() -> str | None:
    """The current course's directory as the workers open it; None for the bundled course
    (each worker's own installation, wherever it lives)."""
    current = courses.current()
    return None if current.bundled else str(current.root)


# --- the Dask worker's side ------------------------------------------------------------------

_LOCK = threading.Lock()  # one student at a time per process: the judge is not thread-safe
_JUDGES: OrderedDict[str, tuple[Judge, list[Property], float, list[str]]] = OrderedDict()


def _close_judges() -> None:
    while _JUDGES:
        _JUDGES.popitem(last=False)[1][0].close()


atexit.register(_close_judges)  # a worker that exits takes its zygotes with it


def _judge_for(batch: ClusterBatch) -> tuple[Judge, list[Property], float, list[str]]:
    """This process's judge for ``batch``, made on first use (inside the batch's course)."""
    key = json.dumps(asdict(batch), sort_keys=True)
    if key in _JUDGES:
        _JUDGES.move_to_end(key)
        return _JUDGES[key]
    ours = grader_version(batch.assignment, batch.profile)
    if ours != batch.version:
        raise EnvironmentProblem(
            f"dask worker {socket.gethostname()} grades {batch.assignment} with other graders "
            f"(grader version {ours}, the client's {batch.version}): install the same "
            "propgrade and the same course directory on every worker"
        )
    launcher = choose_launcher(batch.sandbox)
    limits = limits_for(
        batch.assignment,
        memory_mb=batch.memory_mb,
        call_seconds=batch.call_seconds,
        submission_seconds=batch.submission_seconds,
    )
    bank = ExampleBank(profiles.get(batch.profile))
    props = registry.properties(batch.assignment)
    bank.warm(props)
    diagnoser_for = None
    if batch.diagnose:  # a cluster worker is staff side: the catalog is installed there
        from graders.diagnose import optional_diagnoser

        diagnoser_for = optional_diagnoser
    judge = _make_judge(launcher, limits, bank, ours, diagnoser_for, batch.assignment)
    _JUDGES[key] = (
        judge,
        props,
        registry.get(batch.assignment).total_points,
        list(getattr(launcher, "warnings", [])),
    )
    while len(_JUDGES) > MAX_JUDGES:
        _JUDGES.popitem(last=False)[1][0].close()
    return _JUDGES[key]


def grade_on_worker(student: dict[str, Any], settings: dict[str, Any]) -> str:
    """Run on a Dask worker: grade one student; the reply is JSON text, never an object.

    ``student``: ``student_id``, ``module``, ``files`` (name -> bytes), ``problems``,
    ``notes``; ``settings``: the fields of :class:`ClusterBatch`.  The reply is
    ``{"result": <SubmissionResult.to_dict()>, "warnings": [...], "worker": host}``, or
    ``{"error": message, "kind": UsageError | InputError | EnvironmentProblem}`` for what
    the staff running the batch must fix (a worker without the course, other graders)."""
    batch = ClusterBatch(**settings)
    with _LOCK:
        try:
            course = (
                courses.open_course(Path(batch.course))
                if batch.course is not None
                else courses.bundled()
            )
            with courses.using(course):
                judge, props, max_score, warnings = _judge_for(batch)
                sub = Submission(
                    str(student["student_id"]),
                    str(student["module"]),
                    {str(k): bytes(v) for k, v in student["files"].items()},
                    [str(p) for p in student["problems"]],
                    [str(n) for n in student["notes"]],
                )
                result = judge.grade(sub, batch.assignment, props, max_score)
        except UserError as exc:
            kind = next((n for n, c in ERRORS.items() if isinstance(exc, c)), "EnvironmentProblem")
            return json.dumps(
                {"error": f"on dask worker {socket.gethostname()}: {exc.message}", "kind": kind}
            )
    return json.dumps(
        {
            "result": result.to_dict(),
            "warnings": warnings + [w for w in worker_warnings(judge) if w not in warnings],
            "worker": socket.gethostname(),
        }
    )


# --- the client's side -----------------------------------------------------------------------


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` that has a worker, or one
    line saying why not: dask not installed, an address that is not one, a scheduler that
    cannot be reached or has no workers."""
    try:
        from distributed import Client
    except ImportError:
        raise EnvironmentProblem(
            "--scheduler needs dask.distributed, which is not installed "
            "here: pip install 'propgrade[dask]'"
        ) from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except ValueError as exc:
        raise UsageError(f"--scheduler {address}: {_first_line(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, a handshake that failed
        raise EnvironmentProblem(
            f"cannot reach the Dask scheduler at {address}: {_first_line(exc)}"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except TimeoutError:
        client.close()
        raise EnvironmentProblem(
            f"the Dask scheduler at {address} has no workers (waited "
            f"{WORKERS_SECONDS:g} s): start them with 'dask worker "
            f"{address} --nthreads 1'"
        ) from None
    return client


def _student(sub: Submission) -> dict[str, Any]:
    return {
        "student_id": sub.student_id,
        "module": sub.module,
        "files": dict(sub.files),
        "problems": list(sub.problems),
        "notes": list(sub.notes),
    }


def _killed(
    sub: Submission, batch: ClusterBatch, props: Sequence[Property], max_score: float
) -> SubmissionResult:
    from dask import config

    times = config.get("distributed.scheduler.allowed-failures", 3) + 1
    return _crashed(
        sub,
        batch.assignment,
        props,
        max_score,
        batch.version,
        why=f"the Dask workers grading this submission died {times} times; it was "
        "not graded (staff: rerun this student alone)",
    )


def grade_on_cluster(
    client: Any,
    todo: list[Submission],
    batch: ClusterBatch,
    props: Sequence[Property],
    max_score: float,
    on_start: Callable[[Submission], None],
    on_result: Callable[[SubmissionResult], None],
) -> list[str]:
    """Grade ``todo`` on the cluster of ``client`` (from :func:`connect`, closed here);
    returns the workers' warnings.

    As many students are in flight as the cluster has worker threads (counted again as
    workers come and go), so those passed to ``on_start`` and not yet to ``on_result`` are
    being graded now.  ``on_result`` is called once per student."""
    from distributed import wait
    from distributed.scheduler import KilledWorker

    address = client.scheduler.address
    settings, tag = asdict(batch), uuid.uuid4().hex[:8]
    queue = deque(enumerate(todo))
    pending: dict[Any, Submission] = {}
    written: set[tuple[str, str]] = set()
    warned: dict[str, set[str]] = {}
    alone_since: float | None = None
    try:
        while queue or pending:
            threads = sum(client.nthreads().values())
            alone_since = None if threads else alone_since or time.monotonic()
            if alone_since is not None and time.monotonic() - alone_since > WORKERS_SECONDS:
                raise EnvironmentProblem(
                    f"the Dask cluster at {address} lost all its workers; {len(queue) + len(pending)} "
                    "student(s) not graded (rerun: the store keeps the others)"
                )
            while queue and len(pending) < max(1, threads):
                i, sub = queue.popleft()
                fut = client.submit(
                    grade_on_worker,
                    _student(sub),
                    settings,
                    pure=False,
                    key=f"propgrade-grade-{tag}-{i}",
                )
                pending[fut] = sub
                on_start(sub)
            try:
                with client.as_current():  # wait() asks for the current client: ours
                    done, _ = wait(
                        list(pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED"
                    )
            except TimeoutError:  # none finished yet: look at the workers again
                done = set()
            for fut in done:
                sub = pending.pop(fut)
                try:
                    reply = json.loads(fut.result())
                except KilledWorker:
                    reply = {"result": _killed(sub, batch, props, max_score).to_dict()}
                except Exception as exc:  # noqa: BLE001 - the worker could not run our task
                    raise EnvironmentProblem(
                        f"a Dask worker could not grade {sub.student_id}: "
                        f"{type(exc).__name__}: {_first_line(exc)} (is the same propgrade "
                        "installed on every worker?)"
                    ) from None
                finally:
                    fut.release()
                if "error" in reply:
                    raise ERRORS.get(reply.get("kind"), EnvironmentProblem)(reply["error"])
                result = SubmissionResult.from_dict(reply["result"])
                if (result.student_id, result.content_hash) != (sub.student_id, sub.content_hash):
                    raise EnvironmentProblem(
                        f"a Dask worker answered for another student than {sub.student_id}"
                    )
                for w in reply.get("warnings", []):
                    warned.setdefault(w, set()).add(reply.get("worker", "?"))
                if (sub.student_id, sub.content_hash) not in written:  # once in the store
                    written.add((sub.student_id, sub.content_hash))
                    on_result(result)
    finally:
        if pending:
            client.cancel(list(pending))
        client.close()
    return [f"on dask worker(s) {', '.join(sorted(hosts))}: {w}" for w, hosts in warned.items()]
