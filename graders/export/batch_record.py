"""Which stored results make up OUT: the batch record, beside the results in their database.

The results store (graders/grade/store.py) keeps every graded version of every submission
(history); a batch's output folder shows one of each student.  After every batch ``grade``
records, under OUT, the assignment and the ``(student id, content hash, grader version)`` of
each student it graded or found unchanged, in discovery order.  The export stage reads that
record and the rows it names, so every file of OUT is regenerated from the database alone and
a TA re-exports (or exports to an LMS) without the submissions and without regrading.

One row per OUT (its resolved path), replaced in one transaction; its payload is
schema-versioned JSON, plain data like the results'.  A store whose OUT moved (the default
SQLite file travels inside OUT) is found by being the store's only batch.  The table is
``batches``, created on first use, in whatever database the store uses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import String, Text, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from graders.errors import InputError

SCHEMA_VERSION = 1


class _Base(DeclarativeBase):
    pass


class BatchRow(_Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    out: Mapped[str] = mapped_column(String(1024), unique=True)
    assignment: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class Member:
    """One student of a batch: the store row holding their result."""

    student_id: str
    content_hash: str
    grader_version: str


@dataclass(frozen=True)
class Batch:
    """A recorded batch: what OUT shows."""

    out: str  #: the resolved OUT it was written to
    assignment: str
    submissions: str  #: the SUBMISSIONS folder it was graded from (for messages)
    members: tuple[Member, ...]  #: in discovery order


def _key(out: Path) -> str:
    return str(out.resolve())


def record_batch(
    engine: Engine, out: Path, assignment: str, members: Sequence[Member], submissions: Path | str
) -> None:
    """Record (replacing any earlier record) that OUT shows ``members`` of ``assignment``."""
    _Base.metadata.create_all(engine)
    payload = json.dumps(
        {
            "schema": SCHEMA_VERSION,
            "submissions": str(submissions),
            "members": [[m.student_id, m.content_hash, m.grader_version] for m in members],
        }
    )
    with Session(engine) as s, s.begin():
        s.execute(delete(BatchRow).where(BatchRow.out == _key(out)))
        s.add(
            BatchRow(
                out=_key(out),
                assignment=assignment,
                payload=payload,
                recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )


def find_batch(engine: Engine, out: Path, where: str) -> Batch:
    """The batch recorded for OUT, else the store's only batch; one :class:`InputError` line
    when there is none or several (``where`` names the store in it)."""
    _Base.metadata.create_all(engine)
    with Session(engine) as s:
        row = s.scalars(select(BatchRow).where(BatchRow.out == _key(out))).first()
        if row is None:
            rows = s.scalars(select(BatchRow).order_by(BatchRow.out)).all()
            if not rows:
                raise InputError(
                    f"no graded batch is recorded in {where}: run propgrade grade "
                    "first (a rerun grades nothing unchanged and records it)"
                )
            if len(rows) > 1:
                raise InputError(
                    f"{where} records no batch for {out} but {len(rows)} others "
                    f"({', '.join(r.out for r in rows[:3])}"
                    f"{', ...' if len(rows) > 3 else ''}): name one of them as OUT"
                )
            row = rows[0]
        data = json.loads(row.payload)
    if data.get("schema") != SCHEMA_VERSION:
        raise InputError(
            f"the batch record in {where} has schema {data.get('schema')}, not "
            f"{SCHEMA_VERSION}: rerun propgrade grade to record it again"
        )
    return Batch(
        out=row.out,
        assignment=row.assignment,
        submissions=data["submissions"],
        members=tuple(Member(*m) for m in data["members"]),
    )
