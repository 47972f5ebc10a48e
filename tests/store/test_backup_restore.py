"""Backups restore, on both engines, with the commands docs/operations.md gives.

A database with synced students is backed up while the server runs
(SQLite: ``sqlite3 FILE ".backup COPY"`` and ``VACUUM INTO``; PostgreSQL:
``pg_dump -Fc`` then ``pg_restore`` into a fresh database). A second server
on the restored copy, with the same secret key, serves every feed URL with
the same bytes, ETag and Last-Modified, and shows the same feed URL. With
another key the copy's Canvas tokens and feed-URL copies cannot be
decrypted, and the backup holds none of them in clear.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.engine import make_url

from feedserver.app import create_app
from feedserver.auth.appkeys import token_store_key
from feedserver.crypto import DecryptionError, TokenCipher, generate_secret_key
from feedserver.feeds.tokens import current_feed_token
from feedserver.secure import Secret
from feedserver.store.models import CanvasToken, FeedToken
from feedserver.typedefs import cipher_key, config_key, db_key
from tests.conftest import _postgres_admin_url, fresh_postgres_database
from tests.sync.conftest import Sleeps, make_service
from tests.sync.helpers import Connected, PinnedClock, connect


@asynccontextmanager
async def restored_copy(database_url: str, tmp_path: Path, how: str) -> AsyncIterator[tuple[str, bytes]]:
    """Back the database up the documented way and restore it into a fresh one: (its URL, the backup's bytes in clear)."""
    if how == "pg_dump":
        dump = tmp_path / "muffin.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), database_url], check=True)
        admin = _postgres_admin_url()
        assert admin is not None
        async with fresh_postgres_database(admin, "muffin_restored") as restored:
            subprocess.run(["pg_restore", "--no-owner", "-d", restored, str(dump)], check=True)
            # -Fc compresses; what the backup holds in clear is what a plain dump would show.
            plain = subprocess.run(["pg_dump", "-Fp", database_url], check=True, capture_output=True).stdout
            yield restored, plain
        return
    source = make_url(database_url).database
    backup = tmp_path / "backup.sqlite3"
    if how == ".backup":
        subprocess.run(["sqlite3", str(source), f".backup {backup}"], check=True)
    else:
        with sqlite3.connect(str(source)) as conn:
            conn.execute("VACUUM INTO ?", (str(backup),))
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(backup, restored)  # restoring is putting the copy where the server expects its file
    yield f"sqlite:///{restored}", backup.read_bytes()


def backup_commands(database_url: str) -> list[str]:
    """The documented ways to back this engine up."""
    if database_url.startswith("sqlite"):
        return [".backup", "VACUUM INTO"]
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed (apt-get install postgresql-client)")
    return ["pg_dump"]


async def raw_get(url: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    async with aiohttp.ClientSession(auto_decompress=False) as http, http.get(url, headers=headers) as resp:
        return resp.status, await resp.read(), {k: resp.headers.get(k, "") for k in
                                               ("ETag", "Last-Modified", "Content-Encoding")}


async def test_a_restored_backup_serves_the_same_feeds_and_needs_the_key(muffin: TestClient, sandbox: Any,
                                                                        database_url: str, tmp_path: Path) -> None:
    service = make_service(muffin, PinnedClock(sandbox.world.anchor), Sleeps())
    students: list[Connected] = []
    for school, user in (("north", 1001), ("south", 2001)):
        students.append(await connect(muffin, sandbox, school, user))
        await service.sync_student(students[-1].student_id)
    secrets = [await muffin.app[token_store_key].access_token(students[0].student_id),
               *(s.feed_token for s in students)]
    config = muffin.app[config_key]
    for how in backup_commands(database_url):
        folder = tmp_path / how.strip(".").replace(" ", "_")
        folder.mkdir()
        async with restored_copy(database_url, folder, how) as (restored_url, backup_bytes):
            restored = TestClient(TestServer(create_app(
                replace(config, server=replace(config.server, database=restored_url))), host="127.0.0.1"))
            await restored.start_server()
            try:
                await same_feeds(muffin, restored, students)
                await unreadable_without_the_key(restored, len(students))
            finally:
                await restored.close()
            for secret in secrets:
                assert secret.encode() not in backup_bytes, f"{how}: a token is in the backup in clear"


async def same_feeds(muffin: TestClient, restored: TestClient, students: list[Connected]) -> None:
    """Every feed URL: the same bytes, ETag and Last-Modified in both encodings, 304 for the old ETag."""
    for student in students:
        for encoding in ("gzip", "identity"):
            headers = {"Accept-Encoding": encoding}
            before = await raw_get(str(muffin.make_url(student.feed_path)), headers)
            after = await raw_get(str(restored.make_url(student.feed_path)), headers)
            assert before[0] == 200 and after == before
            again = await raw_get(str(restored.make_url(student.feed_path)),
                                  {**headers, "If-None-Match": before[2]["ETag"]})
            assert again[0] == 304
        # /me shows the same feed URL: its encrypted copy decrypts with the same key.
        assert await current_feed_token(restored.app[db_key], restored.app[cipher_key],
                                        student.student_id) == student.feed_token


async def unreadable_without_the_key(restored: TestClient, students: int) -> None:
    other_key = TokenCipher([Secret(generate_secret_key())], purpose="canvas-tokens")
    async with restored.app[db_key]() as session:
        encrypted = [*(await session.scalars(select(CanvasToken.access_token_enc))).all(),
                     *(v for v in (await session.scalars(select(CanvasToken.refresh_token_enc))).all() if v),
                     *(await session.scalars(select(FeedToken.token_enc))).all()]
    assert len(encrypted) >= 2 * students
    for value in encrypted:
        with pytest.raises(DecryptionError):
            other_key.decrypt(value)
        assert restored.app[cipher_key].decrypt(value)  # the right key reads it
