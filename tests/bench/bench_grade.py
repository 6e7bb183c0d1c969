"""Benchmark (not a test): seconds per submission, per assignment, cold and warm, jobs 1 and 2.

``make bench`` (or ``python -m tests.bench.bench_grade [--assignment A ...] [--reps R]``)
builds, for each assignment, a batch from its catalog — the reference, every correct
variant, every mutant, every degenerate entry and the stub, each once — and in one run:

- grades it with a cold cache (examples drawn, expected values computed, every shrink searched
  by hypothesis) at ``--jobs 1`` and again, with another empty cache, at ``--jobs 2``;
- regrades it R times at ``--jobs 1`` and R times at ``--jobs 2`` with the warm cache;
- measures the worker's overhead ratio on the reference (tests/bench/overhead.py);
- grades it once more at ``--jobs 1`` under cProfile and splits the time into stages
  (tests/bench/where.py): the second table says where each assignment's time goes.

It prints a Markdown table (medians; the README's table is this output): seconds per
submission cold and warm at each job count, the speed-up of two jobs (warm), and the ratio of
a student call's cost through the worker to the same call in process.  Everything is the real
pipeline: worker processes, sandbox, store, exports, diagnosis.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from graders import mutants, registry
from graders.assign.stubs import stub_for
from graders.diagnose import optional_diagnoser
from graders.grade.batch import grade_batch
from graders.sandbox.policy import choose_launcher
from tests.bench import where
from tests.bench.overhead import measure


def catalog_sources(assignment: str) -> list[str]:
    """Every submission of the mix: reference, variants, mutants, degenerate entries, stub."""
    entries = (
        mutants.variants(assignment) + mutants.mutants(assignment) + mutants.degenerates(assignment)
    )
    return [mutants.reference_source(assignment), stub_for(assignment)] + [
        mutants.mutant_source(assignment, e) for e in entries
    ]


def build_batch(assignment: str, n: int | None, root: Path) -> Path:
    """``n`` students from the mix (``None``: the mix once): fewer than the mix are spread
    evenly over it (every kind keeps its share), more cycle over it."""
    sources = catalog_sources(assignment)
    count = n if n is not None else len(sources)
    subs = root / "subs"
    for i in range(count):
        folder = subs / f"student{i:03d}"
        folder.mkdir(parents=True)
        pick = i * len(sources) // count if count < len(sources) else i % len(sources)
        (folder / f"{assignment}.py").write_text(sources[pick])
    return subs


def _timed(subs: Path, assignment: str, out: Path, jobs: int, sandbox: str) -> float:
    t0 = time.perf_counter()
    # the staff CLI's diagnoser: diagnosis is part of a real batch's cost
    grade_batch(
        subs,
        assignment,
        out,
        jobs=jobs,
        regrade=True,
        sandbox=sandbox,
        diagnoser_for=optional_diagnoser,
    )
    return time.perf_counter() - t0


def bench(assignment: str, reps: int, sandbox: str, n: int | None) -> tuple[dict[str, float], str]:
    """The first table's figures, and the second table's row (where the time goes)."""
    root = Path(tempfile.mkdtemp(prefix=f"propgrade-bench-{assignment}-"))
    subs = build_batch(assignment, n, root)
    count = sum(1 for _ in subs.iterdir())
    row: dict[str, float] = {"n": count}
    for jobs in (1, 2):  # each cold run starts from its own empty cache
        os.environ["PROPGRADE_CACHE"] = str(root / f"cache{jobs}")
        row[f"cold{jobs}"] = _timed(subs, assignment, root / f"out{jobs}", jobs, sandbox) / count
    warm: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(reps):
        for jobs in (1, 2):
            warm[jobs].append(_timed(subs, assignment, root / "out2", jobs, sandbox))
    for jobs in (1, 2):
        row[f"warm{jobs}"] = statistics.median(warm[jobs]) / count
    row["speedup"] = row["warm1"] / row["warm2"]
    row["ratio"] = measure(assignment, root / "overhead").ratio
    stages = where.row(
        assignment, count, row["warm1"], where.profiled(subs, assignment, root / "out2")
    )
    return row, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", help="repeatable; default: every one")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("-n", type=int, default=None, help="students (default: the mix once)")
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args()
    ids = args.assignment or list(registry.ASSIGNMENTS)
    launcher = choose_launcher(args.sandbox)
    print(
        f"sandbox {launcher.name}, {os.cpu_count()} cores, {args.reps} warm repetitions "
        "(medians); seconds per submission"
    )
    print()
    print(
        "| assignment | mix | cold, jobs 1 | cold, jobs 2 | warm, jobs 1 | warm, jobs 2 "
        "| speed-up (warm) | worker / in-process |"
    )
    print("|---|---|---|---|---|---|---|---|")
    stages = []
    for assignment in ids:
        r, where_row = bench(assignment, args.reps, args.sandbox, args.n)
        stages.append(where_row)
        print(
            f"| {assignment} | {int(r['n'])} | {r['cold1']:.3f} | {r['cold2']:.3f} "
            f"| {r['warm1']:.3f} | {r['warm2']:.3f} | {r['speedup']:.2f}x "
            f"| {r['ratio']:.2f}x |",
            flush=True,
        )
    print()
    print("Where the warm time goes (jobs 1, shares of a profiled run; see tests/bench/where.py):")
    print()
    print(where.header())
    print("\n".join(stages))


if __name__ == "__main__":
    main()
