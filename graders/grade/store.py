"""The results store: one row per (student, assignment, submission hash, grader version).

SQLite by default, any SQLAlchemy URL (e.g. ``postgresql+psycopg://...``) by option; a URL
that is not one, names no known database, lacks its driver or cannot be reached is one
``UserError`` line (graders/errors.py), never a driver's traceback.  Each graded
submission is written in its own transaction, so killing the grader at any moment loses at
most the students in flight; a rerun finds the finished rows and skips them (unless
``--regrade``).  Rows hold the schema-versioned JSON of ``SubmissionResult`` — plain data.

Several graders may write one database at once (two assignments, or the same one twice by
accident): a row is written by one upsert on the ``one_result`` key (``INSERT ... ON
CONFLICT DO UPDATE`` on PostgreSQL and SQLite), so two graders of the same student leave one
row, never a duplicate-key error; the schema is created under an advisory lock on PostgreSQL,
so two graders starting on an empty database do not race on ``CREATE TABLE``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Float,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from graders.errors import EnvironmentProblem, UsageError
from graders.results import SubmissionResult

#: the pip name of a driver module SQLAlchemy may ask for, when it differs from the module's
DRIVER_PACKAGES = {
    "psycopg": "'psycopg[binary]'",
    "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient",
    "pymysql": "pymysql",
    "oracledb": "oracledb",
    "pyodbc": "pyodbc",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
}
#: seconds a PostgreSQL connection attempt may take unless the URL sets ``connect_timeout``:
#: a host that drops packets is one line after this long, not a grader hanging for minutes
CONNECT_TIMEOUT = 10
#: SQLSTATEs after which the same transaction, tried again, may succeed
_TRANSIENT = {"40001", "40P01"}  # serialization failure, deadlock detected
_RETRIES = 5
#: the advisory lock key under which the schema is created (any fixed 64-bit number)
_SCHEMA_LOCK = 0x70726F70  # "prop"
_KEY = ("student_id", "assignment", "content_hash", "grader_version")
#: the dialects whose INSERT has ON CONFLICT DO UPDATE; others delete, insert and retry
_UPSERT: dict[str, Callable[..., Any]] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

T = TypeVar("T")


class Base(DeclarativeBase):
    pass


class ResultRow(Base):
    __tablename__ = "results"
    __table_args__ = (UniqueConstraint(*_KEY, name="one_result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[str] = mapped_column(String(512), index=True)
    assignment: Mapped[str] = mapped_column(String(64), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    grader_version: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    graded_at: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


def parse_url(url: str) -> URL:
    """``url`` as a SQLAlchemy URL; :class:`UsageError` when it is not one."""
    try:
        return make_url(url)
    except ArgumentError:
        raise UsageError(
            f"not a database URL: {url!r} (expected e.g. "
            "sqlite:///path/grades.sqlite or "
            "postgresql+psycopg://user@host/dbname)"
        ) from None


def open_engine(url: str) -> Engine:
    """An engine for ``url``, or one line saying why not: the URL is not one or names no known
    database (:class:`UsageError`), or its driver is not installed (:class:`EnvironmentProblem`).
    Messages never show the password."""
    parsed = parse_url(url)
    shown = parsed.render_as_string(hide_password=True)
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    try:
        return create_engine(parsed, connect_args=connect_args)
    except NoSuchModuleError:
        raise UsageError(
            f"unknown kind of database {parsed.drivername!r} in {shown} (e.g. "
            "sqlite, postgresql+psycopg, mysql+pymysql)"
        ) from None
    except ModuleNotFoundError as exc:  # create_engine imports the driver (the DBAPI) here
        package = DRIVER_PACKAGES.get(exc.name or "", exc.name)
        raise EnvironmentProblem(
            f"the database driver for {shown} is not installed (no module "
            f"{exc.name!r}): pip install {package}"
        ) from None


def _reason(exc: DBAPIError) -> str:
    """The first line of the driver's message (psycopg's often spans several)."""
    msg = str(exc.orig).strip()
    return msg.splitlines()[0] if msg else type(exc.orig).__name__


def _transient(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _TRANSIENT


class Store:
    def __init__(self, url: str) -> None:
        self.engine = open_engine(url)
        self.shown = self.engine.url.render_as_string(hide_password=True)
        if self.engine.dialect.name == "sqlite":

            @event.listens_for(self.engine, "connect")
            def _pragmas(conn, _record):  # type: ignore[no-untyped-def]
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a commit survives any crash of the grader (kill -9
                # included); only an OS crash or power cut may roll back the last commits,
                # which a rerun regrades.  FULL would fsync every student (~10 ms each).
                cur.execute("PRAGMA synchronous=NORMAL")
                # a second grader on the same file waits for the writer instead of failing
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

        try:  # the first connection: where an unreachable server or unusable file shows
            self._create_schema()
        except (OperationalError, InterfaceError) as exc:
            self.engine.dispose()
            raise EnvironmentProblem(
                f"cannot connect to the results database {self.shown}: {_reason(exc)}"
            ) from None
        except ProgrammingError as exc:  # e.g. no CREATE right on the schema (PostgreSQL 15+)
            self.engine.dispose()
            raise EnvironmentProblem(
                f"cannot create the results table in {self.shown}: {_reason(exc)}"
            ) from None

    def _create_schema(self) -> None:
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        # DDL is transactional on PostgreSQL: a second grader waits here, then
                        # sees the first one's table and creates nothing
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
                    Base.metadata.create_all(conn)
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                # elsewhere (SQLite, ...) another grader may create the table between our look
                # and our CREATE; a second look finds it and creates only what is missing
                if attempt == 2 or not inspect(self.engine).has_table(ResultRow.__tablename__):
                    raise

    def _retrying(self, work: Callable[[], T]) -> T:
        """``work()``, tried again when another writer made it fail in a way that passes: a
        serialization failure or deadlock, or (without an upsert) a duplicate key."""
        for attempt in range(_RETRIES):
            try:
                return work()
            except (IntegrityError, OperationalError) as exc:
                racing = isinstance(exc, IntegrityError) or _transient(exc)
                if not racing or attempt == _RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _lost(self, exc: DBAPIError) -> EnvironmentProblem:
        return EnvironmentProblem(f"lost the results database {self.shown}: {_reason(exc)}")

    def get(
        self, student_id: str, assignment: str, content_hash: str, grader_version: str
    ) -> SubmissionResult | None:
        try:
            with Session(self.engine) as s:
                row = s.scalars(
                    select(ResultRow).where(
                        ResultRow.student_id == student_id,
                        ResultRow.assignment == assignment,
                        ResultRow.content_hash == content_hash,
                        ResultRow.grader_version == grader_version,
                    )
                ).first()
        except (OperationalError, InterfaceError) as exc:
            raise self._lost(exc) from None
        return None if row is None else SubmissionResult.from_dict(json.loads(row.payload))

    def put(self, result: SubmissionResult) -> None:
        """Insert or replace this (student, assignment, hash, version) row atomically, in its
        own transaction, whatever another grader writes to the same row at the same time."""
        values = dict(
            student_id=result.student_id,
            assignment=result.assignment,
            content_hash=result.content_hash,
            grader_version=result.grader_version,
            score=result.score,
            max_score=result.max_score,
            graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            payload=result.to_json(),
        )
        try:
            self._retrying(lambda: self._upsert(values))
        except (OperationalError, InterfaceError) as exc:
            raise self._lost(exc) from None

    def _upsert(self, values: dict[str, object]) -> None:
        with self.engine.begin() as conn:
            upsert = _UPSERT.get(conn.dialect.name)
            if upsert is not None:
                stmt = upsert(ResultRow).values(**values)
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=list(_KEY),
                        set_={k: stmt.excluded[k] for k in values if k not in _KEY},
                    )
                )
                return
            # any other database: delete then insert; a racing insert of the same key fails
            # on the unique constraint and the whole transaction is retried (_retrying)
            conn.execute(
                delete(ResultRow).where(*(getattr(ResultRow, k) == values[k] for k in _KEY))
            )
            conn.execute(insert(ResultRow).values(**values))

    def count(self, assignment: str | None = None) -> int:
        with Session(self.engine) as s:
            q = select(func.count()).select_from(ResultRow)
            if assignment:
                q = q.where(ResultRow.assignment == assignment)
            return s.scalar(q) or 0

    def close(self) -> None:
        self.engine.dispose()
