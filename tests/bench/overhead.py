"""Benchmark (not a test): what the trust boundary costs per student call.

Grades the reference of an assignment once through the real pipeline (``--jobs 1``, so the
judge runs in this process) while recording every message the judge sends to the worker:
its calls and the wall time of the round trip (encode, socket, the worker's decode, the
student's compute, the worker's encode, decode on the judge's side).  Then replays exactly
those calls in this process on the same reference module, with the same argument copies a
worker makes, and times them: that is the student's own compute.

``ratio = worker seconds / in-process seconds`` for the same calls (1.0 would be a free
boundary); ``overhead per call = (worker - in-process) / calls``.  Both are measured in one
run, so machine noise moves them together.
"""

from __future__ import annotations

import copy
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders import mutants
from graders.grade.batch import grade_batch
from graders.sandbox import client, protocol
from graders.sandbox.local import resolve
from graders.sandbox.reply import Reply


@dataclass
class Overhead:
    assignment: str
    messages: int
    calls: int
    worker_seconds: float
    local_seconds: float

    @property
    def ratio(self) -> float:
        return self.worker_seconds / max(self.local_seconds, 1e-12)

    @property
    def per_call_us(self) -> float:
        return 1e6 * (self.worker_seconds - self.local_seconds) / max(self.calls, 1)


def _replay(module: Any, messages: Sequence[Sequence[protocol.Call]]) -> float:
    """Seconds to run the recorded calls in process (arguments copied, as a worker does)."""
    total = 0.0
    for calls in messages:
        results: list[Any] = []
        for call in calls:
            args = copy.deepcopy(resolve(list(call.args), results, call.base))
            kwargs = {
                k: copy.deepcopy(resolve(v, results, call.base)) for k, v in call.kwargs.items()
            }
            t0 = time.perf_counter()
            try:
                value = getattr(module, call.fn)(*args, **kwargs)
            except Exception:  # noqa: BLE001 - the worker reported the same error
                value = None
            total += time.perf_counter() - t0
            results.append(value)
    return total


def measure(assignment: str, root: Path | None = None) -> Overhead:
    root = root or Path(tempfile.mkdtemp(prefix="propgrade-overhead-"))
    source = mutants.reference_source(assignment)
    folder = root / "subs" / "reference"
    folder.mkdir(parents=True)
    (folder / f"{assignment}.py").write_text(source)
    recorded: list[tuple[list[protocol.Call], float]] = []
    original = client.Session.map

    def recording(
        self: client.Session, calls: Sequence[protocol.Call], *args: Any, **kwargs: Any
    ) -> list[Reply]:
        t0 = time.perf_counter()
        replies = original(self, calls, *args, **kwargs)
        recorded.append((list(calls), time.perf_counter() - t0))
        return replies

    client.Session.map = recording  # type: ignore[method-assign]
    try:
        grade_batch(root / "subs", assignment, root / "out", jobs=1, regrade=True)
    finally:
        client.Session.map = original  # type: ignore[method-assign]
    module = mutants.load_module(f"bench_{assignment}", source)
    messages = [calls for calls, _ in recorded]
    return Overhead(
        assignment,
        len(recorded),
        sum(len(c) for c in messages),
        sum(s for _, s in recorded),
        _replay(module, messages),
    )
