"""The results store on SQLite and on a real PostgreSQL server: rows, upserts, concurrent
writers, and every bad URL as one line."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from graders import results
from graders.cli import main
from graders.errors import EnvironmentProblem, UsageError
from graders.grade import store as store_module
from graders.grade.store import Store
from graders.results import SubmissionResult
from tests.postgres import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _result(
    student: str = "ada",
    score: float = 1.0,
    content_hash: str = "h1",
    version: str = "v1",
    assignment: str = "classification",
) -> SubmissionResult:
    test = results.TestResult(
        key="classification.softmax.p",
        exercise="classification.softmax",
        name="softmax: sums to one",
        score=score,
        max_score=2.0,
        visibility="public",
        status="passed" if score == 2.0 else "failed",
        output="got 0.5 expected 1.0",
    )
    return SubmissionResult(
        student_id=student,
        assignment=assignment,
        score=score,
        max_score=2.0,
        tests=[test],
        messages=[],
        content_hash=content_hash,
        grader_version=version,
    )


def _rows(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "select student_id, assignment, content_hash, grader_version, score "
                        "from results order by student_id, assignment, content_hash"
                    )
                )
            ]
    finally:
        engine.dispose()


def test_a_put_result_reads_back_equal(store_url):
    """get() returns exactly what put() stored, and nothing for another key."""
    store = Store(store_url)
    result = _result(score=1.5)
    store.put(result)
    assert store.get("ada", "classification", "h1", "v1") == result
    assert store.get("ada", "classification", "h2", "v1") is None
    assert store.get("ada", "classification", "h1", "v2") is None
    store.close()


def test_putting_the_same_key_again_replaces_the_row(store_url):
    """A regrade of the same (student, assignment, hash, version) leaves one row, the new one."""
    store = Store(store_url)
    store.put(_result(score=0.5))
    store.put(_result(score=2.0))
    assert store.get("ada", "classification", "h1", "v1").score == 2.0
    assert _rows(store_url) == [("ada", "classification", "h1", "v1", 2.0)]
    store.close()


def test_another_submission_or_grader_version_is_kept_as_history(store_url):
    """A changed submission or grader is a row of its own; the earlier rows stay."""
    store = Store(store_url)
    for h, v in [("h1", "v1"), ("h2", "v1"), ("h2", "v2")]:
        store.put(_result(content_hash=h, version=v))
    assert store.count() == 3 and store.count("classification") == 3
    assert store.count("backprop") == 0
    store.close()


def test_a_reopened_store_finds_its_rows(store_url):
    """A second grader opening an existing database keeps (and reads) the first one's rows."""
    Store(store_url).put(_result())
    again = Store(store_url)
    assert again.get("ada", "classification", "h1", "v1") == _result()
    again.close()


def test_stores_opened_at_once_on_an_empty_database_all_work(store_url):
    """Four graders starting together on an empty database race on CREATE TABLE harmlessly."""
    barrier, errors, stores = threading.Barrier(4), [], []

    def start(i: int) -> None:
        barrier.wait()
        try:
            store = Store(store_url)
            store.put(_result(student=f"s{i}"))
            stores.append(store)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert [r[0] for r in _rows(store_url)] == ["s0", "s1", "s2", "s3"]
    for s in stores:
        s.close()


@pytest.mark.parametrize("upsert", ["upsert", "delete_insert"])
def test_two_writers_of_the_same_students_at_once_leave_one_row_each(
    store_url, upsert, monkeypatch
):
    """Two graders putting the same 40 students at the same moment: 40 rows, no duplicate-key
    error, each row one of the two writers' complete results (also by the delete-and-insert
    of databases without ON CONFLICT, which retries the loser)."""
    if upsert == "delete_insert":
        monkeypatch.setattr(store_module, "_UPSERT", {})
    first, second = Store(store_url), Store(store_url)
    barrier, errors = threading.Barrier(2), []

    def write(store: Store, score: float) -> None:
        barrier.wait()
        try:
            for i in range(40):
                store.put(_result(student=f"s{i:02d}", score=score))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(s, x)) for s, x in [(first, 1.0), (second, 2.0)]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    rows = _rows(store_url)
    assert [r[0] for r in rows] == [f"s{i:02d}" for i in range(40)]
    for student, *_, score in rows:
        assert first.get(student, "classification", "h1", "v1").score == score in (1.0, 2.0)
    first.close()
    second.close()


# --- a bad URL is one line ---------------------------------------------------------------


def _problem(url: str) -> str:
    with pytest.raises(EnvironmentProblem) as info:
        Store(url)
    message = str(info.value)
    assert "\n" not in message and PASSWORD not in message and "s3cret" not in message
    return message


@pytest.mark.slow  # starts the session's PostgreSQL server
def test_a_wrong_password_is_one_line_without_it(postgres):
    """The server refusing the password: exit-4 problem naming the database, no password."""
    message = _problem(postgres.url(password="s3cret"))
    assert message.startswith("cannot connect to the results database postgresql+psycopg://")
    assert "password authentication failed" in message


@pytest.mark.slow  # starts the session's PostgreSQL server
def test_an_unknown_database_on_the_server_is_one_line(postgres):
    """A database the server does not have is named in the one line."""
    message = _problem(postgres.url("no_such_db"))
    assert 'database "no_such_db" does not exist' in message


def test_no_server_on_the_port_is_one_line():
    """Nothing listening (the server stopped, a wrong port) is refused at once, in one line."""
    import socket

    with socket.socket() as s:  # a port that was free a moment ago and nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    message = _problem(f"postgresql+psycopg://ta:s3cret@127.0.0.1:{port}/grades")
    assert "cannot connect" in message and "refused" in message.lower()


def test_a_host_that_does_not_resolve_is_one_line():
    """A host name nobody can resolve (.invalid is reserved for that) is one line."""
    message = _problem("postgresql+psycopg://ta:s3cret@db.invalid/grades?connect_timeout=3")
    assert "cannot connect" in message and "db.invalid" in message


def test_an_unknown_scheme_is_a_usage_error():
    """A URL naming no database SQLAlchemy knows is a usage mistake (exit 2), in one line."""
    with pytest.raises(UsageError, match="unknown kind of database 'postgress'"):
        Store("postgress://ta:s3cret@localhost/grades")


def _batch(tmp_path: Path) -> Path:
    (tmp_path / "subs" / "s1").mkdir(parents=True)
    (tmp_path / "subs" / "s1" / "classification.py").write_text("def softmax(:\n")
    return tmp_path / "subs"


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr and len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.mark.slow  # starts the session's PostgreSQL server
def test_a_wrong_password_on_the_command_line_exits_4_in_one_line(postgres, tmp_path, capsys):
    """propgrade grade --db with a wrong password: exit 4, one line, the password not shown."""
    subs = _batch(tmp_path)
    code = main(
        [
            "grade",
            str(subs),
            "-a",
            "classification",
            "--sandbox",
            "plain",
            "--out",
            str(tmp_path / "o"),
            "--db",
            postgres.url(password="s3cret"),
        ]
    )
    line = _one_line(capsys.readouterr().err)
    assert code == 4 and "password authentication failed" in line and "s3cret" not in line


@pytest.mark.slow
def test_psycopg_not_installed_is_one_line_saying_what_to_install(tmp_path):
    """In a process where psycopg cannot be imported, --db postgresql+psycopg:// exits 4 with
    the pip line, not an ImportError traceback."""
    blocked = (
        "import sys; sys.modules['psycopg'] = None  # import psycopg fails, as uninstalled\n"
        "from graders.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked,
            "grade",
            str(_batch(tmp_path)),
            "-a",
            "classification",
            "--sandbox",
            "plain",
            "--out",
            str(tmp_path / "o"),
            "--db",
            "postgresql+psycopg://ta:s3cret@127.0.0.1/grades",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = _one_line(proc.stderr)
    assert proc.returncode == 4
    assert "not installed (no module 'psycopg')" in line and "pip install 'psycopg[binary]'" in line
    assert "s3cret" not in line


@pytest.mark.slow  # starts (and stops) a PostgreSQL server of its own
def test_a_server_that_goes_away_mid_batch_is_one_line(postgres):
    """The server stopping under an open store: the next write is an exit-4 problem in one
    line, not a driver traceback."""
    from tests.postgres import PostgresServer

    own = PostgresServer(postgres.bindir).start()
    try:
        store = Store(own.database())
        store.put(_result())
        own.stop()
        with pytest.raises(EnvironmentProblem) as info:
            store.put(_result(student="bob"))
        message = str(info.value)
        assert message.startswith("lost the results database postgresql+psycopg://")
        assert "\n" not in message and PASSWORD not in message
    finally:
        own.stop()
