"""Rows that calendar apps version, written from a snapshot in a few Core statements.

Assignments and calendar items follow one rule (docs/calendar-clients.md §1):
each row is keyed by its Canvas identity and carries `content_hash`, a digest
of every field a calendar shows. Compared with a snapshot,

- a row the snapshot brings for the first time is inserted with sequence 0;
- a row whose hash or course changed gets sequence + 1 and a new
  last_modified, which calendar apps need to replace their copy;
- a row whose only differences are in its quiet columns (stored, never
  shown: an assignment's lock date) is updated without either;
- a stored row the snapshot did not bring is deleted, if the caller says it
  may go.

Only the stored rows' key, id, course, hash and quiet columns are read, and
each kind of write is one executemany: building an ORM object per row and
flushing them one by one cost most of a first sync's CPU (bench/sync_scale.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["VersionedTable", "VersionedWrite", "content_hash"]


def content_hash(shown: tuple[object, ...]) -> str:
    """SHA-256 (hex, 64 characters) of the values a calendar shows, in a fixed order.

    A datetime counts by its instant, whatever zone object a parser attached.
    The repr of a tuple of str, float and date values is unambiguous and
    several times cheaper than JSON with sorted keys.
    """
    plain = tuple(value.timestamp() if isinstance(value, datetime) else value for value in shown)
    return hashlib.sha256(repr(plain).encode()).hexdigest()


@dataclass(frozen=True)
class VersionedTable:
    """A table of versioned rows: `key` names a row of one student, `quiet` its unshown columns."""

    table: Table
    key: tuple[str, ...]
    quiet: tuple[str, ...] = ()


@dataclass
class VersionedWrite:
    """One student's rows of a `VersionedTable`, compared with a snapshot, then written.

    `put` each row of the snapshot, then `write` once; both run inside the
    caller's transaction.
    """

    versioned: VersionedTable
    student_id: int
    now: datetime
    stored: dict[tuple[Hashable, ...], Row[Any]]
    _seen: set[tuple[Hashable, ...]] = field(default_factory=set)
    _new: list[dict[str, Any]] = field(default_factory=list)
    _changed: list[dict[str, Any]] = field(default_factory=list)
    _quiet: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def load(cls, session: AsyncSession, versioned: VersionedTable, student_id: int,
                   now: datetime) -> VersionedWrite:
        """Read the student's stored rows: key, id, course, hash and quiet columns only."""
        c = versioned.table.c
        columns = [c[name] for name in (*versioned.key, "id", "course_id", "content_hash", *versioned.quiet)]
        rows = (await session.execute(select(*columns).where(c.student_id == student_id))).all()
        width = len(versioned.key)
        return cls(versioned, student_id, now, {tuple(row[:width]): row for row in rows})

    def put(self, key: tuple[Hashable, ...], course_id: int | None, digest: str,
            columns: dict[str, Any]) -> None:
        """One row of the snapshot: `columns` are its stored values (the key's columns among them).

        A key already put is ignored: the first listing wins.
        """
        if key in self._seen:
            return
        self._seen.add(key)
        row = self.stored.get(key)
        if row is None:
            self._new.append({**columns, "student_id": self.student_id, "course_id": course_id,
                              "content_hash": digest, "sequence": 0, "created_at": self.now,
                              "last_modified": self.now})
        elif row.content_hash != digest or row.course_id != course_id:
            self._changed.append({**columns, "row_id": row.id, "course_id": course_id, "content_hash": digest})
        elif any(getattr(row, name) != columns[name] for name in self.versioned.quiet):
            self._quiet.append({"row_id": row.id, **{name: columns[name] for name in self.versioned.quiet}})

    async def write(self, session: AsyncSession,
                    removable: Callable[[tuple[Hashable, ...]], bool] = lambda key: True) -> tuple[int, int, int]:
        """Insert, update and delete; (added, changed, removed). Rows updated only in their quiet
        columns do not count as changed. A stored row not put goes if `removable(its key)`."""
        table = self.versioned.table
        if self._new:
            await session.execute(insert(table), self._new)
        by_id = table.c.id == bindparam("row_id")
        if self._changed:
            # The other SET columns come from the parameters' keys.
            await session.execute(update(table).where(by_id).values(
                sequence=table.c.sequence + 1, last_modified=self.now), self._changed)
        if self._quiet:
            await session.execute(update(table).where(by_id), self._quiet)
        gone = [row.id for key, row in self.stored.items() if key not in self._seen and removable(key)]
        if gone:
            await session.execute(delete(table).where(table.c.id.in_(gone)))
        return len(self._new), len(self._changed), len(gone)
