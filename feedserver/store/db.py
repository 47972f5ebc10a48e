"""Engines, sessions and migrations for SQLite and PostgreSQL (one code path).

Config speaks plain URLs (``sqlite:///x.sqlite3``, ``postgresql://...``); this
module picks the async driver (aiosqlite, asyncpg) and applies the SQLite
settings that make it a reliable multi-reader store: WAL, foreign keys, a busy
timeout, and real transactions.

SQLite has one writer at a time. `SessionMaker` keeps that from turning into
``database is locked`` however many syncs run at once: on SQLite a write
transaction (``db.begin()``) first queues on an `asyncio.Lock` of the process,
in arrival order and without a timeout, and only then takes SQLite's write
lock (``BEGIN IMMEDIATE``); a plain session (``db()``, reads) starts a
deferred transaction, which in WAL mode reads a snapshot and never waits for
a writer. Writers of other processes still queue on the busy timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

__all__ = ["async_url", "create_engine", "hold_connection", "migrate", "make_sessionmaker", "release_held",
           "MIGRATION_LOCK", "MIGRATIONS_DIR", "SessionMaker"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: PostgreSQL advisory lock key that serialises migrations across processes.
MIGRATION_LOCK = 7262010
#: Waits between tries to switch a new SQLite file to WAL while another process does (~1 s in all).
WAL_SWITCH_PAUSES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
#: Execution option of plain (read) sessions on SQLite: their transaction starts deferred.
_READS = "muffin_sqlite_reads"


def async_url(database: str) -> URL:
    """Map a config URL onto SQLAlchemy's async driver URL."""
    url = make_url(database.replace("postgres://", "postgresql://", 1))
    if url.drivername in ("sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"):
        return url.set(drivername="sqlite+aiosqlite")
    if url.drivername in ("postgresql", "postgresql+asyncpg", "postgresql+psycopg"):
        return url.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database URL scheme {url.drivername!r}")


def create_engine(database: str, *, pool_size: int = 10) -> AsyncEngine:
    url = async_url(database)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's legacy transaction handling defers BEGIN and skips it for DDL;
    # SQLAlchemy's documented recipe hands control back so transactions are real.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor, engine.dialect.dbapi.OperationalError)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # A reader's deferred transaction never takes the write lock (WAL: it
        # reads a snapshot). Writers say IMMEDIATE to take it up front, so two
        # writers queue on busy_timeout instead of failing with "database is
        # locked" on upgrade; `SessionMaker` queues this process's own first.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READS) else "BEGIN IMMEDIATE")


def _use_wal(cursor: Any, locked: type[Exception]) -> None:
    """Put the database file in WAL mode (it stays so), once, whoever gets there first.

    Processes that open a new file together all try; SQLite answers the
    losers "database is locked" at once, without the busy timeout, so they
    look again shortly and find WAL set by the winner.
    """
    for pause in WAL_SWITCH_PAUSES:
        cursor.execute("PRAGMA journal_mode")
        if cursor.fetchone()[0] in ("wal", "memory"):  # an in-memory database keeps no journal file
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except locked:
            time.sleep(pause)  # blocks the loop, but only while a new file is being set up
    cursor.execute("PRAGMA journal_mode=WAL")  # the last try raises what SQLite says


class SessionMaker(async_sessionmaker):
    """`async_sessionmaker` whose ``begin()`` is a write transaction and ``()`` a read, on SQLite.

    On PostgreSQL both are the plain SQLAlchemy behaviour. On SQLite, write
    transactions of this process run one at a time, in arrival order (see the
    module docstring); a task that opens a write transaction inside its own
    would wait for itself, so that raises instead.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._writing: asyncio.Task[object] | None = None

    def __call__(self, **local_kw: Any) -> Any:
        if self._writer is not None and not local_kw.pop("_write", False):
            local_kw["execution_options"] = {_READS: True, **local_kw.get("execution_options", {})}
        return super().__call__(**local_kw)

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[Any]:  # type: ignore[override]
        """A session in a transaction that commits on exit (rolls back on an exception)."""
        if self._writer is None:
            async with super().begin() as session:
                yield session
            return
        task = asyncio.current_task()
        if task is not None and task is self._writing:
            raise RuntimeError("a write transaction inside another one of the same task (SQLite would deadlock)")
        async with self._writer:
            self._writing = task
            try:
                async with self(_write=True) as session, session.begin():
                    yield session
            finally:
                self._writing = None


def make_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return SessionMaker(engine)


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent; safe from several processes on PostgreSQL)."""
    cfg = _alembic_config()

    def _upgrade(sync_connection) -> None:  # type: ignore[no-untyped-def]
        cfg.attributes["connection"] = sync_connection
        command.upgrade(cfg, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Serialise concurrent starts: only one process runs DDL at a time.
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        await connection.run_sync(_upgrade)


async def hold_connection(engine: AsyncEngine) -> tuple[AsyncConnection, Any]:
    """A connection kept for one long-lived job (feed lookups, LISTEN), and its driver's own connection.

    The driver connection (aiosqlite or asyncpg) is for work SQLAlchemy does
    not wrap, or wraps at a cost the hot path should not pay.
    """
    connection = await engine.connect()
    try:
        raw = await connection.get_raw_connection()
    except BaseException:
        await release_held(connection)
        raise
    return connection, raw.driver_connection


async def release_held(connection: AsyncConnection | None) -> None:
    """Give up a held connection that may already be broken: invalidated, so the pool never reuses it."""
    if connection is None:
        return
    with contextlib.suppress(Exception):  # already broken: nothing more to release
        await connection.invalidate()
        await connection.close()
