"""Which students' feeds changed in the database, written by any process.

A server process may remember, per feed token, the student and the current
feed version, and answer polls without asking the database (feeds/cache.py),
only if it forgets a student the moment any process rotates one of their
tokens, deletes them or renders a new feed. Triggers announce every such
write (migration 0002); this module hears them:

- SQLite: the triggers append to `feed_changes`. `catch_up()` runs before
  each use of what the process remembers: ``PRAGMA data_version`` on a
  query-only connection of its own (~5 µs, no thread hop) says whether any
  other connection committed since, and only then are the new rows read.
  One check answers for the rest of its event-loop turn (see
  `_SqliteChanges.catch_up`). A change committed before a poll arrived is
  always seen by that poll.
- PostgreSQL: the triggers NOTIFY channel ``feed_changes`` with the student
  id, and a connection of its own LISTENs. PostgreSQL signals listeners when
  the change commits, so the notice arrives within a fraction of a
  millisecond on one host; `settle()` waits for every notice committed
  before it (a round trip on the listening connection). That round trip also
  NOTIFYs a probe of its own, and so does a check every few seconds: a
  connection that stopped hearing (through a transaction-mode pooler, LISTEN
  "succeeds" and hears nothing) is caught and not trusted.

`forget(students)` is called with the changed student ids, or with None when
changes may have been missed (the listening connection was lost, the log was
pruned past this reader): then the caller must forget everything. While
`live` is False nothing remembered may be used.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import sqlite3
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .db import hold_connection, release_held

__all__ = ["CHANNEL", "FeedChanges", "watch_feed_changes"]

_LOGGER = logging.getLogger(__name__)

#: The NOTIFY channel migration 0002's PostgreSQL trigger announces changes on.
CHANNEL = "feed_changes"
#: How often the listening connection is checked; a silently dead one is found within this.
HEALTH_CHECK_SECONDS = 5.0
RECONNECT_SECONDS = (0.5, 30.0)

Forget = Callable[[Collection[int] | None], None]


class FeedChanges:
    """No way to hear changes (an unsupported driver): never live, so callers always ask the database."""

    live = False

    def catch_up(self) -> bool:
        """Hand every change committed so far to `forget`; True when remembered answers may be used."""
        return self.live

    async def settle(self) -> None:
        """Return once every change committed before this call has reached `forget`."""
        self.catch_up()

    async def close(self) -> None:
        """Stop listening."""


async def watch_feed_changes(engine: AsyncEngine, forget: Forget) -> FeedChanges:
    """Start hearing the changes in `engine`'s database; `forget` is called on this event loop."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return _SqliteChanges(Path(database), forget)
    if engine.dialect.driver == "asyncpg":
        changes = _PostgresChanges(engine, forget)
        await changes.start()
        return changes
    return FeedChanges()


class _SqliteChanges(FeedChanges):
    def __init__(self, path: Path, forget: Forget) -> None:
        # Autocommit, so each statement sees the latest commit, and query_only: it never writes.
        # (Not mode=ro: a read-only connection cannot create the WAL index if it is missing.)
        # It runs on the event loop's thread; WAL readers never wait for writers, and a short
        # busy timeout covers the rare moment SQLite itself needs (a reader recovering the index).
        self._connection = sqlite3.connect(path, isolation_level=None, timeout=0.05, check_same_thread=False)
        self._connection.execute("PRAGMA query_only = ON")
        self._forget = forget
        self._version = self._data_version()
        self._last_id = self._connection.execute("SELECT COALESCE(MAX(id), 0) FROM feed_changes").fetchone()[0]
        self._loop = asyncio.get_running_loop()
        self._checked_this_turn = False
        self.live = True

    def _data_version(self) -> int:
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def catch_up(self) -> bool:
        """Read the changes committed so far, or rely on this event-loop turn's earlier read.

        Under load one turn handles several polls, and a check is most of a
        remembered poll's cost. Reusing it keeps the guarantee: the turn's end
        is marked with `call_soon`, and the loop runs callbacks in the order
        they were scheduled, so every step that runs before the mark was
        scheduled before the check, and a poll is scheduled only after its
        request was read from the socket. Any request answered from this
        check was therefore sent before it, and so was every change its
        sender had seen committed.
        """
        if self._checked_this_turn:
            return True
        if not self._read_changes():
            return False
        self._checked_this_turn = True
        self._loop.call_soon(self._end_turn)
        return True

    def _read_changes(self) -> bool:
        try:
            version = self._data_version()  # first: a commit after it is seen by the next read
            if version == self._version:
                return True
            rows = self._connection.execute(
                "SELECT id, student_id FROM feed_changes WHERE id > ? ORDER BY id", (self._last_id,)).fetchall()
        except sqlite3.Error as exc:
            # Version unchanged: the next call reads again. Until then nothing remembered is trusted.
            _LOGGER.warning("could not read feed changes: %s", exc)
            self._forget(None)
            return False
        self._version = version
        if rows:
            # Ids are never reused and writers take turns, so they are consecutive unless pruned.
            self._forget(None if rows[0][0] != self._last_id + 1 else {student for _, student in rows})
            self._last_id = rows[-1][0]
        return True

    def _end_turn(self) -> None:
        self._checked_this_turn = False

    async def settle(self) -> None:
        # A write of this process may have committed since this turn's check: look again.
        self._checked_this_turn = False
        self.catch_up()

    async def close(self) -> None:
        self._connection.close()
        self.live = self._checked_this_turn = False


class _PostgresChanges(FeedChanges):
    def __init__(self, engine: AsyncEngine, forget: Forget) -> None:
        self._engine = engine
        self._forget = forget
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._probe_numbers = itertools.count()
        self._probes: dict[str, bool] = {}  # payload → heard yet
        self._one_query_at_a_time = asyncio.Lock()  # an asyncpg connection runs one query at a time

    async def start(self) -> None:
        # The first attempt before the server answers polls; on failure it keeps trying in the background.
        with contextlib.suppress(Exception):
            await self._listen()
        self._task = asyncio.get_running_loop().create_task(self._keep_listening(), name="feed-changes")

    async def settle(self) -> None:
        if self._driver is not None and not await self._probe():
            self._stop_trusting()
            self._lost.set()

    async def _probe(self) -> bool:
        """NOTIFY a probe on the listening connection; True once it came back.

        A session hears its own notices, and PostgreSQL sends pending notices
        before the query's answer, which asyncpg hands on in order: when the
        query returns, every notice committed before it has reached `forget`.
        """
        payload = f"probe:{os.getpid()}:{next(self._probe_numbers)}"
        self._probes[payload] = False
        try:
            async with self._one_query_at_a_time:
                driver = self._driver
                if driver is None:
                    return False
                await driver.execute(f"SELECT pg_notify('{CHANNEL}', '{payload}')")
            await asyncio.sleep(0)
        except Exception:  # noqa: BLE001 (a dead connection fails in many ways)
            return False
        finally:
            heard = self._probes.pop(payload)
        return heard

    async def close(self) -> None:
        # The flag as well as the cancel: a cancel can still be lost on the way (see _keep_listening).
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._drop()

    async def _listen(self) -> None:
        connection, driver = await hold_connection(self._engine)
        try:
            await driver.add_listener(CHANNEL, self._on_notice)
            driver.add_termination_listener(self._on_terminated)
        except BaseException:
            await release_held(connection)
            raise
        self._connection, self._driver = connection, driver
        if not await self._probe():
            await self._drop()
            raise ConnectionError("LISTEN hears nothing on this connection (a transaction-mode pooler?)")
        self._lost.clear()
        # Whatever was remembered before LISTEN began may have changed unheard.
        self._forget(None)
        self.live = True

    async def _keep_listening(self) -> None:
        delay = RECONNECT_SECONDS[0]
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that arrives as
        # its inner wait finishes (CPython gh-86296), and this loop then outlived close() forever.
        while not self._closing:
            if not self.live:
                try:
                    await self._listen()
                except Exception as exc:  # noqa: BLE001 (any failure: try again later)
                    _LOGGER.warning("not listening for feed changes (%s); polls ask the database",
                                    type(exc).__name__)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RECONNECT_SECONDS[1])
                    continue
                delay = RECONNECT_SECONDS[0]
                _LOGGER.info("listening for feed changes")
            try:
                async with asyncio.timeout(HEALTH_CHECK_SECONDS):
                    await self._lost.wait()
            except TimeoutError:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(HEALTH_CHECK_SECONDS):
                        if await self._probe():
                            continue
                _LOGGER.warning("the feed-changes connection stopped hearing; listening again")
            self._stop_trusting()
            await self._drop()

    def _on_notice(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload.startswith("probe:"):  # ours, or another process's
            if payload in self._probes:
                self._probes[payload] = True
            return
        try:
            self._forget({int(payload)})
        except ValueError:
            self._forget(None)

    def _on_terminated(self, _connection: Any) -> None:
        self._stop_trusting()
        self._lost.set()

    def _stop_trusting(self) -> None:
        if self.live:
            self.live = False
            self._forget(None)

    async def _drop(self) -> None:
        self.live = False
        connection, self._connection, self._driver = self._connection, None, None
        await release_held(connection)
