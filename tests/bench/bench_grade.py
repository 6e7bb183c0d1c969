"""Benchmark (not a test): seconds per submission for one assignment at --jobs 1 and 2.

``make bench`` (or ``python -m tests.bench.bench_grade [--assignment A] [-n N] [--reps R]``)
builds a batch of N submissions — the reference, the catalog's correct variants and mutants,
and the stub, repeated — grades it once with a cold cache (examples drawn, expected values
computed, every shrink searched by hypothesis), then grades it R times at ``--jobs 1`` and R
times at ``--jobs 2`` (``regrade``, warm cache: examples and shrink paths reused), all in one
run, and prints the medians: seconds per submission, seconds per submission per core, and the
speed-up of two jobs.
Everything is the real pipeline: worker processes, sandbox, store, exports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from graders import mutants
from graders.assign.stubs import stub_for
from graders.grade.batch import grade_batch
from graders.sandbox.policy import choose_launcher


def build_batch(assignment: str, n: int, root: Path) -> Path:
    sources = [mutants.reference_source(assignment), stub_for(assignment)]
    sources += [mutants.mutant_source(assignment, v) for v in mutants.variants(assignment)]
    sources += [mutants.mutant_source(assignment, m) for m in mutants.mutants(assignment)]
    subs = root / "subs"
    for i in range(n):
        folder = subs / f"student{i:03d}"
        folder.mkdir(parents=True)
        (folder / f"{assignment}.py").write_text(sources[i % len(sources)])
    return subs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="classification")
    parser.add_argument("-n", type=int, default=36)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="propgrade-bench-"))
    os.environ["PROPGRADE_CACHE"] = str(root / "cache")  # the first run is truly cold
    subs = build_batch(args.assignment, args.n, root)
    launcher = choose_launcher(args.sandbox)
    out = root / "out"
    t0 = time.perf_counter()
    grade_batch(subs, args.assignment, out, jobs=1, regrade=True, sandbox=args.sandbox)
    first = time.perf_counter() - t0
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.reps):
        for jobs in (1, 2):
            t0 = time.perf_counter()
            grade_batch(subs, args.assignment, out, jobs=jobs, regrade=True,
                        sandbox=args.sandbox)
            times[jobs].append(time.perf_counter() - t0)
    med = {j: statistics.median(ts) for j, ts in times.items()}
    per = {j: med[j] / args.n for j in med}
    print(f"assignment {args.assignment}, {args.n} submissions, sandbox {launcher.name}, "
          f"{os.cpu_count()} cores, {args.reps} repetitions (medians)")
    print(f"  first run (cold cache: examples, expected values, shrinks; jobs 1): {first:.2f} s, "
          f"{first / args.n:.3f} s per submission")
    for j in (1, 2):
        print(f"  --jobs {j}: {med[j]:.2f} s per batch, {per[j]:.3f} s per submission, "
              f"{per[j] * j:.3f} s per submission per core   runs: "
              + ", ".join(f"{t:.2f}" for t in times[j]))
    print(f"  speed-up of --jobs 2: {med[1] / med[2]:.2f}x")


if __name__ == "__main__":
    main()
