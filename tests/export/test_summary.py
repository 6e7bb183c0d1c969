"""The batch summary picture is written atomically, safe beside another grader of the folder."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from graders import results
from graders.export.summary import write_summary


def _results(n: int = 3) -> list[results.SubmissionResult]:
    return [
        results.SubmissionResult(
            f"s{i}",
            "classification",
            float(i),
            2.0,
            [results.TestResult("a.f.p", "a.f", "f: p", float(i % 2), 1.0, "public", "passed")],
        )
        for i in range(n)
    ]


def test_a_temporary_file_of_another_grader_is_left_alone(tmp_path: Path):
    """A half-written picture of another grader writing the same folder is not renamed."""
    theirs = tmp_path / "summary.tmp.png"  # the fixed name an earlier version used
    theirs.write_bytes(b"another grader's picture")
    write_summary(_results(), tmp_path)
    assert theirs.read_bytes() == b"another grader's picture"
    assert (tmp_path / "summary.png").read_bytes()[:4] == b"\x89PNG"


def _write(folder: str) -> None:
    write_summary(_results(), Path(folder))


def test_graders_writing_one_folder_at_once_all_succeed(tmp_path: Path):
    """Four grader processes writing one output folder at once: each succeeds (exit 0), and a
    whole PNG is left, with no temporary file."""
    fork = multiprocessing.get_context("fork")
    writers = [fork.Process(target=_write, args=(str(tmp_path),)) for _ in range(4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=120)
    assert [w.exitcode for w in writers] == [0, 0, 0, 0]
    assert (tmp_path / "summary.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.md", "summary.png"]
