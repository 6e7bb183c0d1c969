"""Grade a whole batch: discover → (skip what the store has) → judges in parallel → export.

The parent process draws every property's examples (and expected values) once, then forks
``jobs`` judge processes that inherit them; each judge owns one sandboxed worker zygote.
Results come back as plain dicts and go into the store one transaction per student; the
batch is recorded, then the export stage (graders/export/stage.py) regenerates every file of
OUT (CSV, results.json, feedback.html, summary) from the store alone.  A judge process that
dies takes only its in-flight student with it: the pool is rebuilt, the student retried once,
then recorded with a message.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis

from graders import profiles, registry
from graders.export import nbgrader_course
from graders.export.batch_record import Member, record_batch
from graders.export.stage import export_batch, store_url
from graders.grade.discover import discover
from graders.grade.examples import ExampleBank
from graders.grade.limits import limits_for
from graders.grade.runner import DiagnoserFor, Judge, Submission
from graders.grade.store import Store
from graders.props import Property
from graders.results import SubmissionResult, TestResult
from graders.sandbox.client import Worker
from graders.sandbox.launcher import Launcher
from graders.sandbox.limits import Limits
from graders.sandbox.policy import choose_launcher

ENGINE_DIR = Path(__file__).resolve().parents[1]  #: the graders package: engine code only


def grader_version(assignment: str, profile: str) -> str:
    """Changes whenever anything that decides a grade changes: the engine, the assignment's
    manifest (limits), graders, catalog and reference (from its course), the versions."""
    h = hashlib.sha256(f"{assignment}\0{profile}\0{hypothesis.__version__}\0".encode())
    engine = sorted(ENGINE_DIR.glob("*.py")) + sorted((ENGINE_DIR / "grade").glob("*.py"))
    files = [(p.relative_to(ENGINE_DIR).as_posix(), p) for p in engine]
    # named by kind, not by path: the same course gives the same version wherever it lives
    files += registry.get(assignment).course.content_files(assignment)
    for name, path in files:
        if path.exists():
            h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class BatchReport:
    """What a batch did, for the CLI and tests."""

    results: list[SubmissionResult] = field(default_factory=list)
    graded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    out: Path = Path()
    warnings: list[str] = field(default_factory=list)


# --- judge processes --------------------------------------------------------------------

#: takes a graded student and the warnings of the judge that graded it
OnResult = Callable[[SubmissionResult, Sequence[str]], None]

_STATE: dict[str, Any] = {}


def _make_judge(
    launcher: Launcher,
    limits: Limits,
    bank: ExampleBank,
    version: str,
    diagnoser_for: DiagnoserFor | None,
    assignment: str,
) -> Judge:
    diagnoser = diagnoser_for(assignment) if diagnoser_for is not None else None
    return Judge(
        Worker(launcher, limits),
        bank,
        bank.profile,
        diagnoser,
        grader_version=version,
        shrink_memo=bank.shrink_memo(),
    )


def _init_judge(
    launcher: Launcher,
    limits: Limits,
    version: str,
    diagnoser_for: DiagnoserFor | None,
    assignment: str,
) -> None:
    _STATE["judge"] = _make_judge(
        launcher, limits, _STATE["bank"], version, diagnoser_for, assignment
    ).close_when_process_ends()


def worker_warnings(judge: Judge) -> list[str]:
    """What a judge's worker had to give up so far (a zygote that could not preload torch)."""
    return list(judge.worker.siblings.warnings)


def _grade_in_judge(sub: Submission, assignment: str, max_score: float) -> dict[str, Any]:
    judge: Judge = _STATE["judge"]
    props: list[Property] = _STATE["props"]
    result = judge.grade(sub, assignment, props, max_score).to_dict()
    return {"result": result, "warnings": worker_warnings(judge)}


def _crashed(
    sub: Submission,
    assignment: str,
    props: Sequence[Property],
    max_score: float,
    version: str,
    why: str = "",
) -> SubmissionResult:
    msg = why or (
        "the grader itself crashed twice while grading this submission; it was not "
        "graded (staff: rerun this student alone)"
    )
    return SubmissionResult(
        student_id=sub.student_id,
        assignment=assignment,
        score=0.0,
        max_score=max_score,
        tests=[
            TestResult(
                key=p.key,
                exercise=p.exercise,
                name=p.test_name,
                score=0.0,
                max_score=p.points,
                visibility=p.visibility,
                status="failed",
                output=f"not graded: {msg}",
            )
            for p in props
        ],
        messages=[msg],
        content_hash=sub.content_hash,
        grader_version=version,
        status="not graded",
    )


def _run_pool(
    subs: list[Submission],
    assignment: str,
    max_score: float,
    jobs: int,
    init_args: tuple,
    on_result: OnResult,
    on_start: Callable[[Submission], None],
) -> list[Submission]:
    """Grade ``subs`` in a fresh pool; returns those whose judge process died under them.

    At most ``jobs`` are submitted at a time (a pool queues one more than it runs), so the
    students passed to ``on_start`` and not yet to ``on_result`` are those being graded now."""
    lost: list[Submission] = []
    queue = deque(subs)
    pending: dict[Future, Submission] = {}
    pool = ProcessPoolExecutor(
        jobs, mp_context=mp.get_context("fork"), initializer=_init_judge, initargs=init_args
    )
    try:
        while queue or pending:
            while queue and len(pending) < jobs:
                try:
                    fut = pool.submit(_grade_in_judge, queue[0], assignment, max_score)
                except BrokenProcessPool:  # a judge died: what is left goes to the retry
                    lost += queue
                    queue.clear()
                    break
                pending[fut] = queue.popleft()
                on_start(pending[fut])
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                sub = pending.pop(fut)
                try:
                    data = fut.result()
                except Exception:  # noqa: BLE001 - a dead judge (BrokenProcessPool) or worse
                    lost.append(sub)
                else:
                    on_result(SubmissionResult.from_dict(data["result"]), data["warnings"])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return lost


def _run_parallel(
    todo: list[Submission],
    assignment: str,
    max_score: float,
    jobs: int,
    init_args: tuple,
    on_result: OnResult,
    props: Sequence[Property],
    version: str,
    on_start: Callable[[Submission], None],
) -> None:
    """A dead judge fails every future of its pool, so the lost are retried together once,
    then each alone in a pool of one: only a student whose grading kills a judge on its own
    is recorded as not graded."""
    lost = _run_pool(todo, assignment, max_score, jobs, init_args, on_result, on_start)
    if lost:
        lost = _run_pool(lost, assignment, max_score, jobs, init_args, on_result, on_start)
    for sub in lost:
        if _run_pool([sub], assignment, max_score, 1, init_args, on_result, on_start):
            on_result(_crashed(sub, assignment, props, max_score, version), ())


# --- the batch --------------------------------------------------------------------------


def grade_batch(
    submissions: Path,
    assignment: str,
    out: Path,
    jobs: int = 1,
    regrade: bool = False,
    db: str | None = None,
    sandbox: str = "auto",
    profile: str = "grading",
    memory_mb: int | None = None,
    call_seconds: float | None = None,
    submission_seconds: float | None = None,
    diagnoser_for: DiagnoserFor | None = None,
    progress: Callable[[int, int, SubmissionResult | None, frozenset[str]], None] | None = None,
    release_hidden: bool = False,
    scheduler: str | None = None,
    nbgrader: Path | None = None,
) -> BatchReport:
    """Grade every student under ``submissions`` for ``assignment``; write exports to ``out``.

    Returns when the batch is graded, whatever the scores.  ``db`` is any SQLAlchemy URL
    (default: SQLite at ``out/propgrade.sqlite``).  A student whose submission and graders are
    unchanged since a previous run is not graded again unless ``regrade``.  ``progress(done,
    total, last_result_or_None, ids_being_graded_now)`` is called when a student starts and
    when one is finished.  ``release_hidden``: the student files show hidden checks in full
    (graders.export.visibility).  ``memory_mb``, ``call_seconds``, ``submission_seconds``:
    ``None`` is the manifest's ``[limits]`` (:func:`graders.grade.limits.limits_for`).
    ``diagnoser_for``: names a failure's likely misconception (the staff CLI passes
    :func:`graders.diagnose.optional_diagnoser`); ``None``, no diagnosis.
    ``scheduler``: a Dask scheduler's address; its workers grade, this process writes the
    store and the exports (graders.grade.dask_backend; ``jobs`` is not used).
    ``nbgrader``: the root of the nbgrader course ``submissions`` is the ``submitted/`` of;
    the batch is then left in it as nbgrader autograde would (graders.export.nbgrader_course).
    """
    start = time.monotonic()
    spec = registry.get(assignment)
    course = nbgrader_course.open_course(nbgrader, assignment) if nbgrader else None
    out.mkdir(parents=True, exist_ok=True)
    report = BatchReport(out=out)
    launcher = choose_launcher(sandbox) if scheduler is None else None  # the workers' own
    report.warnings += getattr(launcher, "warnings", [])
    limits = limits_for(
        assignment,
        memory_mb=memory_mb,
        call_seconds=call_seconds,
        submission_seconds=submission_seconds,
    )
    version = grader_version(assignment, profile)
    store = Store(store_url(out, db))
    subs = discover(
        submissions, spec.module, report.warnings, exclude=[out], functions=spec.functions
    )
    if course is not None:
        subs = nbgrader_course.submitters(course, subs, report.warnings)
    props = registry.properties(assignment)
    todo = [
        s
        for s in subs
        if regrade or store.get(s.student_id, assignment, s.content_hash, version) is None
    ]
    report.skipped = len(subs) - len(todo)
    cluster = None
    if scheduler is not None and todo:  # before the progress bar: a refusal stays one line
        from graders.grade import dask_backend  # dask is an extra: imported only when asked

        cluster = dask_backend.connect(scheduler)
    done = report.skipped
    grading: set[str] = set()
    if progress:
        progress(done, len(subs), None, frozenset())

    def on_start(sub: Submission) -> None:
        grading.add(sub.student_id)
        if progress:
            progress(done, len(subs), None, frozenset(grading))

    def on_result(result: SubmissionResult, warnings: Sequence[str] = ()) -> None:
        nonlocal done
        # each judge says its own (a --jobs slot each): the batch's report says each once
        report.warnings += [w for w in warnings if w not in report.warnings]
        store.put(result)
        done += 1
        report.graded += 1
        grading.discard(result.student_id)
        if progress:
            progress(done, len(subs), result, frozenset(grading))

    if cluster is not None:
        batch = dask_backend.ClusterBatch(
            assignment,
            profile,
            sandbox,
            version,
            dask_backend.course_root(),
            memory_mb,
            call_seconds,
            submission_seconds,
            diagnoser_for is not None,
        )
        report.warnings += dask_backend.grade_on_cluster(
            cluster, todo, batch, props, spec.total_points, on_start, on_result
        )
    elif todo:
        assert launcher is not None
        bank = ExampleBank(profiles.get(profile))
        bank.warm(props)
        if jobs <= 1 or len(todo) == 1:
            judge = _make_judge(launcher, limits, bank, version, diagnoser_for, assignment)
            try:
                for sub in todo:
                    on_start(sub)
                    on_result(
                        judge.grade(sub, assignment, props, spec.total_points),
                        worker_warnings(judge),
                    )
            finally:
                judge.close()
        else:
            _STATE["bank"], _STATE["props"] = bank, props
            try:
                _run_parallel(
                    todo,
                    assignment,
                    spec.total_points,
                    jobs,
                    (launcher, limits, version, diagnoser_for, assignment),
                    on_result,
                    props,
                    version,
                    on_start,
                )
            finally:
                _STATE.clear()
    # grade writes the store; the export stage regenerates every file of OUT from it alone,
    # so a rerun after a kill, or `propgrade export`, gives the same files
    record_batch(
        store.engine,
        out,
        assignment,
        [Member(s.student_id, s.content_hash, version) for s in subs],
        submissions,
    )
    store.close()
    exported = export_batch(out, db, release_hidden)
    report.results = exported.results
    report.warnings += exported.warnings
    if course is not None:
        report.warnings += nbgrader_course.record(course, report.results, release_hidden)
    report.seconds = time.monotonic() - start
    return report
