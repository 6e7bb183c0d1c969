"""``propgrade grade --scheduler``: a real Dask cluster on loopback, against a local run.

The cluster tests start ``dask scheduler`` and two ``dask worker --nthreads 1 --no-nanny``
processes (each in a session of its own, so one can be killed with everything it started),
grade a batch from the catalog on them through the command line and compare every output
with a local ``--jobs 2`` run of the same batch; the last one kills a worker mid-batch.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from graders import cli, mutants
from graders.errors import EnvironmentProblem
from graders.grade import batch as batch_module
from graders.grade import dask_backend
from graders.grade.batch import grade_batch

ROOT = Path(__file__).resolve().parents[2]
TOPIC = "classification"
DASK = Path(sys.executable).with_name("dask")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # workers import this checkout's graders


def _batch(root: Path, n: int) -> Path:
    """Correct (reference, variants) and buggy (mutants) students cycled, and one empty."""
    sources = (
        [mutants.reference_source(TOPIC)]
        + [mutants.mutant_source(TOPIC, v) for v in mutants.variants(TOPIC)[:2]]
        + [mutants.mutant_source(TOPIC, m) for m in mutants.mutants(TOPIC)]
    )
    for i in range(n):
        folder = root / "subs" / f"s{i:02d}"
        folder.mkdir(parents=True)
        (folder / f"{TOPIC}.py").write_text(sources[i % len(sources)])
    (root / "subs" / "nothing_submitted").mkdir()
    return root / "subs"


def _grade(subs: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graders.cli",
            "grade",
            str(subs),
            "--assignment",
            TOPIC,
            "--out",
            str(out),
            *extra,
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _finish(proc: subprocess.Popen) -> None:
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err


def _snapshot(out: Path) -> dict[str, bytes]:
    files = [out / "grades.csv", *sorted(out.glob("*/results.json"))]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def _untimed(data: Any) -> Any:
    """A stored payload without its timings (``seconds``, the one thing a rerun changes)."""
    if isinstance(data, dict):
        return {k: _untimed(v) for k, v in data.items() if k != "seconds"}
    if isinstance(data, list):
        return [_untimed(v) for v in data]
    return data


def _rows(out: Path) -> list[tuple[str, str, float, Any]]:
    try:
        with sqlite3.connect(out / "propgrade.sqlite", timeout=5) as db:
            rows = db.execute(
                "select student_id, content_hash, score, payload from results order by student_id"
            ).fetchall()
    except sqlite3.Error:  # not created yet
        return []
    return [(s, h, score, _untimed(json.loads(p))) for s, h, score, p in rows]


class Cluster:
    """A scheduler and its workers on loopback, each process in a session of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.file = folder, folder / "scheduler.json"
        self.scheduler = self._start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(self.file),
        )
        deadline = time.monotonic() + 120
        while not self.file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        self.workers = {
            name: self._start(
                "worker",
                "--scheduler-file",
                str(self.file),
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
                "--name",
                name,
                "--local-directory",
                str(folder),
            )
            for name in ("w0", "w1")
        }

    def _start(self, *args: str) -> subprocess.Popen:
        log = open(self.folder / f"{args[0]}-{len(os.listdir(self.folder))}.log", "w")  # noqa: SIM115
        return subprocess.Popen(
            [str(DASK), *args],
            cwd=ROOT,
            env=ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def client(self) -> Any:
        from distributed import Client

        return Client(self.address, timeout=60, set_as_default=False)

    def stop(self) -> None:
        for proc in [*self.workers.values(), self.scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not DASK.exists():
        pytest.skip(f"no dask command beside {sys.executable}")
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        with cluster.client() as client:
            client.wait_for_workers(2, timeout=120)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The batch graded locally, ``--jobs 2``: its folder, outputs, rows and seconds."""
    root = tmp_path_factory.mktemp("local")
    subs = _batch(root, 12)
    start = time.monotonic()
    _finish(_grade(subs, root / "out", "--jobs", "2"))
    return subs, _snapshot(root / "out"), _rows(root / "out"), time.monotonic() - start


@pytest.mark.slow
def test_a_batch_on_the_cluster_gives_the_local_outputs_byte_for_byte(cluster, local, tmp_path):
    """grades.csv, every results.json and every store row (timings aside) equal a local run."""
    subs, files, rows, local_seconds = local
    start = time.monotonic()
    _finish(_grade(subs, tmp_path / "out", "--scheduler", cluster.address))
    seconds = time.monotonic() - start
    assert _snapshot(tmp_path / "out") == files
    assert _rows(tmp_path / "out") == rows
    assert len(rows) == 13 and {r[2] for r in rows} != {rows[0][2]}  # a mix, not one score
    print(f"\nlocal --jobs 2: {local_seconds:.1f} s; dask, 2 workers: {seconds:.1f} s")


@pytest.mark.slow
def test_a_worker_with_other_graders_refuses_the_batch_in_one_line(cluster, tmp_path, monkeypatch):
    """A Dask worker whose grader version differs from the client's grades nobody."""
    subs = _batch(tmp_path, 1)
    monkeypatch.setattr(batch_module, "grader_version", lambda a, p: "0" * 16)
    with pytest.raises(EnvironmentProblem, match="with other graders .* install the same"):
        grade_batch(subs, TOPIC, tmp_path / "out", scheduler=cluster.address)
    assert _rows(tmp_path / "out") == []


@pytest.mark.slow
def test_a_worker_killed_mid_batch_costs_nothing(cluster, local, tmp_path):
    """kill -9 of a Dask worker grading a student: every student once, the local grades."""
    subs, files, rows, _ = local
    out = tmp_path / "out"
    proc = _grade(subs, out, "--scheduler", cluster.address)
    killed, at = None, 0
    with cluster.client() as client:
        names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
        deadline = time.monotonic() + 300
        while killed is None and proc.poll() is None and time.monotonic() < deadline:
            busy = [names.get(a) for a, keys in client.processing().items() if keys]
            at = len(_rows(out))
            if at >= 1 and busy and busy[0] in cluster.workers:
                killed = busy[0]
                os.killpg(cluster.workers[killed].pid, signal.SIGKILL)
            time.sleep(0.05)
    assert killed is not None, "the batch ended before a worker could be killed mid-batch"
    assert 1 <= at < len(rows)
    _finish(proc)
    after = _rows(out)
    assert [r[0] for r in after] == [r[0] for r in rows]  # each student exactly once
    assert after == rows
    assert _snapshot(out) == files


# --- without a cluster --------------------------------------------------------------------


def test_a_malformed_scheduler_address_is_a_usage_error(tmp_path, capsys):
    """``--scheduler nonsense`` is refused by the parser: one line, exit 2."""
    code = cli.main(
        [
            "grade",
            str(tmp_path),
            "-a",
            TOPIC,
            "--out",
            str(tmp_path / "o"),
            "--scheduler",
            "nonsense",
        ]
    )
    assert code == 2
    assert "expected a Dask scheduler's address like tcp://HOST:8786" in capsys.readouterr().err


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line_and_exit_4(tmp_path, capsys, monkeypatch):
    """A scheduler nobody listens for: one ``error:`` line naming it, exit 4, no traceback."""
    monkeypatch.setattr(dask_backend, "CONNECT_SECONDS", 1.0)
    subs = _batch(tmp_path, 1)
    code = cli.main(
        [
            "grade",
            str(subs),
            "-a",
            TOPIC,
            "--out",
            str(tmp_path / "o"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ]
    )
    err = capsys.readouterr().err
    assert code == 4
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_without_dask_the_scheduler_option_says_what_to_install(tmp_path, monkeypatch):
    """No dask.distributed here: one line with the pip command, exit 4."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    with pytest.raises(EnvironmentProblem, match=r"pip install 'propgrade\[dask\]'"):
        dask_backend.connect("tcp://127.0.0.1:8786")
