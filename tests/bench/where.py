"""Benchmark (not a test): where a warm batch's time goes, per assignment.

``python -m tests.bench.where [--assignment A ...] [-n N]`` grades each assignment's catalog
mix (tests/bench/bench_grade.py) once to warm the cache, then once more at ``--jobs 1`` under
cProfile, and splits the profiled wall time into the stages below, as shares (the profiler
slows Python code down, so seconds under it are not the batch's seconds; shares are what it
can tell).  ``make bench`` prints the same table from its own run.

Each function's own time goes to the stage of its file; time in code that is not
propgrade's (builtins, the standard library, NumPy, json, matplotlib, torch) goes to the
functions that called it, in proportion to the time each caller spent in it, until a
propgrade frame is met.  Two builtins are the worker's time, not the judge's:

- **worker: calls** — the judge blocked in ``select``/``recv`` while a message's calls ran
  in the sandbox: the student's own compute plus the worker's decode, per-call safety work
  (timer, input snapshots, copies) and encode;
- **worker: start** — the same while a session starts: the zygote's fork, confinement and
  the student's import.

**send** is the judge inside ``sendall``, counted apart from its work.  The frames are small
(a median of 29 KB for adaptive_lr, far under a socket's buffer): on a quiet machine it is
0-1% of the time; on a loaded one a write can take milliseconds (median 1.4 ms for
classification beside four other jobs), time in which the kernel ran other processes before
the write returned.

``calls/sub`` is the number of student calls per submission and ``µs/call`` the batch's
unprofiled warm seconds divided by them: what a call costs all in.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders import registry
from graders.diagnose import optional_diagnoser
from graders.grade.batch import grade_batch
from graders.sandbox import client

ROOT = Path(__file__).resolve().parents[2]

#: (path prefix relative to the tree, stage); the first match wins
STAGES: tuple[tuple[str, str], ...] = (
    ("graders/sandbox/protocol.py", "codec"),
    ("graders/sandbox/framing.py", "codec"),
    ("graders/sandbox/", "transport"),
    ("graders/grade/shrink.py", "shrink"),
    ("graders/diagnose", "diagnosis"),
    ("graders/mutants/", "diagnosis"),
    ("graders/compare.py", "compare"),
    ("graders/public/", "checks"),
    ("graders/hidden/", "checks"),
    ("reference/", "checks"),
    ("graders/grade/driver.py", "engine"),
    ("graders/grade/runner.py", "engine"),
    ("graders/grade/gate.py", "engine"),
    ("graders/props.py", "engine"),
    ("graders/kit.py", "engine"),
    ("graders/strategies.py", "engine"),
    ("graders/grade/examples.py", "engine"),
    ("graders/export/", "store+export"),
    ("graders/grade/store.py", "store+export"),
    ("graders/", "batch"),
)
#: builtins in which the judge waits for the worker
WAITS = frozenset(
    ("<built-in method select.select>", "<method 'recv' of '_socket.socket' objects>")
)
SEND = "<method 'sendall' of '_socket.socket' objects>"
#: the client functions whose waits are a message's calls, or a session's start
WAIT_KINDS = {"map": "worker: calls", "session": "worker: start", "_open": "worker: start"}
COLUMNS = (
    "worker: calls",
    "worker: start",
    "send",
    "codec",
    "transport",
    "engine",
    "compare",
    "checks",
    "shrink",
    "diagnosis",
    "store+export",
    "batch",
    "other",
)

Key = tuple[str, int, str]


def _stage(key: Key) -> str | None:
    """The stage of a function's own time; None: not propgrade's (charged to its callers)."""
    path = key[0]
    if path.startswith(str(ROOT) + "/"):
        rel = path[len(str(ROOT)) + 1 :]
        if rel.startswith("tests/"):
            return "batch"
        for prefix, stage in STAGES:
            if rel.startswith(prefix):
                return stage
    return None


def _wait_kind(key: Key) -> str | None:
    if key[0].endswith("graders/sandbox/client.py") or key[0].endswith("graders/grade/runner.py"):
        return WAIT_KINDS.get(key[2])
    return None


def breakdown(stats: pstats.Stats) -> dict[str, float]:
    """Seconds per stage (columns above) of a profile; they sum to its total time."""
    table = stats.stats  # type: ignore[attr-defined]
    memo: dict[tuple[Key, bool], dict[str, float]] = {}

    def share(key: Key, waiting: bool, seen: frozenset[Key]) -> dict[str, float]:
        """How one second of ``key``'s own time divides among stages."""
        if (key, waiting) in memo:
            return memo[key, waiting]
        if waiting:
            kind = _wait_kind(key)
            if kind is not None:
                return {kind: 1.0}
        elif (stage := _stage(key)) is not None:
            return {stage: 1.0}
        callers = table.get(key, (0, 0, 0, 0, {}))[4]
        weights = {c: v[3] for c, v in callers.items() if c not in seen and v[3] > 0}
        total = sum(weights.values())
        if not weights or total <= 0 or len(seen) > 40:
            return {"other": 1.0}
        out: dict[str, float] = defaultdict(float)
        for caller, weight in weights.items():
            for stage, part in share(caller, waiting, seen | {key}).items():
                out[stage] += part * weight / total
        memo[key, waiting] = dict(out)
        return memo[key, waiting]

    seconds: dict[str, float] = defaultdict(float)
    for key, (_, _, own, _, _) in table.items():
        if own <= 0:
            continue
        if key[2] in WAITS:
            parts = share(key, True, frozenset())
        elif key[2] == SEND:
            parts = {"send": 1.0}
        else:
            parts = share(key, False, frozenset())
        for stage, part in parts.items():
            seconds[stage] += own * part
    return dict(seconds)


@dataclass
class Profiled:
    """A profiled batch: its profile and the student calls it sent to the worker."""

    stats: pstats.Stats
    calls: int


def profiled(subs: Path, assignment: str, out: Path) -> Profiled:
    """A batch at ``--jobs 1`` (the judge in this process) under cProfile, with diagnosis;
    the student calls are counted where every message leaves (``Session.map``)."""
    calls = 0
    original = client.Session.map

    def counting(self: client.Session, batch: Sequence[Any], *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += len(batch)
        return original(self, batch, *args, **kwargs)

    client.Session.map = counting  # type: ignore[method-assign,assignment]
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        grade_batch(subs, assignment, out, jobs=1, regrade=True, diagnoser_for=optional_diagnoser)
        profiler.disable()
    finally:
        client.Session.map = original  # type: ignore[method-assign]
    return Profiled(pstats.Stats(profiler), calls)


def header() -> str:
    names = " | ".join(COLUMNS)
    return (
        f"| assignment | s/sub | calls/sub | µs/call | {names} |\n"
        f"|---|---|---|---|{'---|' * len(COLUMNS)}"
    )


def row(assignment: str, count: int, per_sub: float, run: Profiled) -> str:
    """One Markdown row: warm s/sub (unprofiled), calls, µs per call, each stage's share."""
    parts = breakdown(run.stats)
    total = sum(parts.values()) or 1.0
    calls = run.calls / count
    per_call = 1e6 * per_sub / calls if calls else float("nan")
    shares = " | ".join(f"{100 * parts.get(c, 0.0) / total:.0f}%" for c in COLUMNS)
    return f"| {assignment} | {per_sub:.3f} | {calls:.0f} | {per_call:.0f} | {shares} |"


def main(argv: Sequence[str] | None = None) -> None:
    from tests.bench.bench_grade import build_batch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", help="repeatable; default: every one")
    parser.add_argument("-n", type=int, default=None, help="students (default: the mix once)")
    args = parser.parse_args(argv)
    print("warm, jobs 1; shares of the profiled time (see tests/bench/where.py)")
    print()
    print(header())
    for assignment in args.assignment or list(registry.ASSIGNMENTS):
        root = Path(tempfile.mkdtemp(prefix=f"propgrade-where-{assignment}-"))
        os.environ["PROPGRADE_CACHE"] = str(root / "cache")
        subs = build_batch(assignment, args.n, root)
        count = sum(1 for _ in subs.iterdir())
        grade_batch(subs, assignment, root / "out", jobs=1, regrade=True)  # fills the cache
        t0 = time.perf_counter()
        grade_batch(subs, assignment, root / "out", jobs=1, regrade=True)
        per_sub = (time.perf_counter() - t0) / count
        print(row(assignment, count, per_sub, profiled(subs, assignment, root / "out")), flush=True)


if __name__ == "__main__":
    main()
