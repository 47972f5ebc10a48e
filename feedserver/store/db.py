"""Engines, sessions and migrations for SQLite and PostgreSQL (one code path).

Config speaks plain URLs (``sqlite:///x.sqlite3``, ``postgresql://...``); this
module picks the async driver (aiosqlite, asyncpg) and applies the SQLite
settings that make it a reliable multi-reader store: WAL, foreign keys, a busy
timeout, and real transactions.
"""

from __future__ import annotations

import contextlib
import time
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
           "MIGRATION_LOCK", "MIGRATIONS_DIR"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: PostgreSQL advisory lock key that serialises migrations across processes.
MIGRATION_LOCK = 7262010
#: Waits between tries to switch a new SQLite file to WAL while another process does (~1 s in all).
WAL_SWITCH_PAUSES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


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
        # IMMEDIATE takes the write lock up front, so two writers queue on
        # busy_timeout instead of failing with "database is locked" on upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


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


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


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
