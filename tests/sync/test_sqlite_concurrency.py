"""SQLite under many concurrent syncs: writers queue inside the process, readers never wait for them."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from feedserver.app import create_app
from feedserver.auth.appkeys import token_store_key
from feedserver.store.models import RenderedFeed, SyncRun
from feedserver.store.students import upsert_student
from feedserver.sync.job import SyncDeps
from feedserver.sync.scheduler import SyncService
from feedserver.typedefs import config_key, db_key, http_key
from tests.conftest import make_config
from tests.sync.helpers import PinnedClock

CONCURRENCY = 50


async def test_fifty_concurrent_syncs_on_sqlite_all_succeed(sandbox: Any, tmp_path: Path,
                                                            unused_tcp_port: int) -> None:
    tables, env = sandbox.institution_tables()
    config = make_config({"public_url": f"http://127.0.0.1:{unused_tcp_port}",
                          "database": f"sqlite:///{tmp_path / 'muffin.sqlite3'}", "background_sync": False,
                          "allow_private_feed_hosts": True, "sync_concurrency_per_school": CONCURRENCY},
                         tables, env)
    server = TestServer(create_app(config), host="127.0.0.1", port=unused_tcp_port)
    await server.start_server()
    try:
        app = server.app
        state = sandbox.schools["north"].state
        ids = []
        for user in sandbox.world.add_students("north", CONCURRENCY, courses_each=1):
            grant = state.grant_token(user.id)
            student_id = await upsert_student(app[db_key], "north", str(user.id), user.name)
            await app[token_store_key].save_grant(student_id, {"access_token": grant.access_token,
                                                               "refresh_token": grant.refresh_token})
            ids.append(student_id)
        deps = SyncDeps(config=app[config_key], db=app[db_key], http=app[http_key], tokens=app[token_store_key],
                        clock=PinnedClock(sandbox.world.anchor), rng=random.Random(4))
        service = SyncService(deps)
        assert service.concurrency_per_school == CONCURRENCY

        outcomes = await service.run_round(student_ids=ids)

        assert [o.error for o in outcomes if o.outcome != "ok"] == []
        assert len(outcomes) == CONCURRENCY
        async with app[db_key]() as session:
            runs = dict((await session.execute(
                select(SyncRun.outcome, func.count()).where(SyncRun.student_id.in_(ids)).group_by(SyncRun.outcome)
            )).all())
            feeds = await session.scalar(select(func.count()).select_from(RenderedFeed)
                                         .where(RenderedFeed.student_id.in_(ids), RenderedFeed.kind == "all"))
        assert runs == {"ok": CONCURRENCY}
        assert feeds == CONCURRENCY
    finally:
        await server.close()
