"""The results store: one row per (student, assignment, submission hash, grader version).

SQLite by default, any SQLAlchemy URL (e.g. ``postgresql://...``) by option.  Each graded
submission is written in its own transaction, so killing the grader at any moment loses at
most the students in flight; a rerun finds the finished rows and skips them (unless
``--regrade``).  Rows hold the schema-versioned JSON of ``SubmissionResult`` — plain data.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Float, String, Text, UniqueConstraint, create_engine, delete, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from graders.results import SubmissionResult


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


class Store:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        if url.startswith("sqlite"):
            @event.listens_for(self.engine, "connect")
            def _pragmas(conn, _record):  # type: ignore[no-untyped-def]
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a commit survives any crash of the grader (kill -9
                # included); only an OS crash or power cut may roll back the last commits,
                # which a rerun regrades.  FULL would fsync every student (~10 ms each).
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.close()
        Base.metadata.create_all(self.engine)

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
