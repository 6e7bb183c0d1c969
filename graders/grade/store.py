"""The results store: one row per (student, assignment, submission hash, grader version).

SQLite by default, any SQLAlchemy URL (e.g. ``postgresql+psycopg://...``) by option; a URL
that is not one, names no known database, lacks its driver or cannot be reached is one
``UserError`` line (graders/errors.py), never a driver's traceback.  Each graded
submission is written in its own transaction, so killing the grader at any moment loses at
most the students in flight; a rerun finds the finished rows and skips them (unless
``--regrade``).  Rows hold the schema-versioned JSON of ``SubmissionResult`` — plain data.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Float, String, Text, UniqueConstraint, create_engine, delete, event, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from graders.errors import EnvironmentProblem, UsageError
from graders.results import SubmissionResult

#: the pip name of a driver module SQLAlchemy may ask for, when it differs from the module's
DRIVER_PACKAGES = {"psycopg": "'psycopg[binary]'", "psycopg2": "psycopg2-binary",
                   "MySQLdb": "mysqlclient", "pymysql": "pymysql", "oracledb": "oracledb",
                   "pyodbc": "pyodbc", "asyncpg": "asyncpg", "pg8000": "pg8000"}


class Base(DeclarativeBase):
    pass


class ResultRow(Base):
    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("student_id", "assignment", "content_hash",
                                       "grader_version", name="one_result"),)

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
        raise UsageError(f"not a database URL: {url!r} (expected e.g. "
                         "sqlite:///path/grades.sqlite or "
                         "postgresql+psycopg://user@host/dbname)") from None


def open_engine(url: str) -> Engine:
    """An engine for ``url``, or one line saying why not: the URL is not one or names no known
    database (:class:`UsageError`), or its driver is not installed (:class:`EnvironmentProblem`).
    Messages never show the password."""
    parsed = parse_url(url)
    shown = parsed.render_as_string(hide_password=True)
    try:
        return create_engine(parsed)
    except NoSuchModuleError:
        raise UsageError(f"unknown kind of database {parsed.drivername!r} in {shown} (e.g. "
                         "sqlite, postgresql+psycopg, mysql+pymysql)") from None
    except ModuleNotFoundError as exc:  # create_engine imports the driver (the DBAPI) here
        package = DRIVER_PACKAGES.get(exc.name or "", exc.name)
        raise EnvironmentProblem(f"the database driver for {shown} is not installed (no module "
                                 f"{exc.name!r}): pip install {package}") from None


class Store:
    def __init__(self, url: str) -> None:
        self.engine = open_engine(url)
        if self.engine.dialect.name == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _pragmas(conn, _record):  # type: ignore[no-untyped-def]
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a commit survives any crash of the grader (kill -9
                # included); only an OS crash or power cut may roll back the last commits,
                # which a rerun regrades.  FULL would fsync every student (~10 ms each).
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.close()
        try:  # the first connection: where an unreachable server or unusable file shows
            Base.metadata.create_all(self.engine)
        except (OperationalError, InterfaceError) as exc:
            self.engine.dispose()
            shown = self.engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
            raise EnvironmentProblem(f"cannot connect to the results database {shown}: "
                                     f"{reason or type(exc.orig).__name__}") from None

    def get(self, student_id: str, assignment: str, content_hash: str,
            grader_version: str) -> SubmissionResult | None:
        with Session(self.engine) as s:
            row = s.scalars(select(ResultRow).where(
                ResultRow.student_id == student_id, ResultRow.assignment == assignment,
                ResultRow.content_hash == content_hash,
                ResultRow.grader_version == grader_version)).first()
            return None if row is None else SubmissionResult.from_dict(json.loads(row.payload))

    def put(self, result: SubmissionResult) -> None:
        """Insert or replace this (student, assignment, hash, version) row atomically."""
        with Session(self.engine) as s, s.begin():
            s.execute(delete(ResultRow).where(
                ResultRow.student_id == result.student_id,
                ResultRow.assignment == result.assignment,
                ResultRow.content_hash == result.content_hash,
                ResultRow.grader_version == result.grader_version))
            s.add(ResultRow(student_id=result.student_id, assignment=result.assignment,
                            content_hash=result.content_hash,
                            grader_version=result.grader_version, score=result.score,
                            max_score=result.max_score,
                            graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
                            payload=result.to_json()))

    def count(self, assignment: str | None = None) -> int:
        with Session(self.engine) as s:
            q = select(ResultRow)
            if assignment:
                q = q.where(ResultRow.assignment == assignment)
            return len(s.scalars(q).all())

    def close(self) -> None:
        self.engine.dispose()
