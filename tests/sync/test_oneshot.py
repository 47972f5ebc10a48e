"""`muffin-feed sync`: one pass over the students, from cron."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from feedserver import cli
from feedserver.config import Config
from feedserver.sync_command import sync_all_once
from tests.conftest import SECRET_KEY
from tests.sync.helpers import connect, runs, stored_feed


async def test_one_pass_syncs_the_due_students_once(muffin: TestClient, sandbox: Any, app_config: Config) -> None:
    first = await connect(muffin, sandbox, "north", 1001)
    second = await connect(muffin, sandbox, "south", 2002)
    summary = await sync_all_once(app_config)
    requests = 0
    for student in (first, second):
        (run,) = await runs(muffin, student.student_id)
        assert run.outcome == "ok" and await stored_feed(muffin, student.student_id)
        requests += run.requests
    assert summary.startswith(f"synced 2 student(s): 2 ok; {requests} Canvas request(s), ")
    assert await sync_all_once(app_config) == \
        "synced 0 student(s): nothing due; 0 Canvas request(s), 0 calendar change(s)"
    again = await sync_all_once(app_config, only_due=False)
    assert again == f"synced 2 student(s): 2 ok; {requests} Canvas request(s), 0 calendar change(s)"


async def test_the_command_line(muffin: TestClient, sandbox: Any, app_config: Config, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    student = await connect(muffin, sandbox, "north", 1003)
    tables, env = sandbox.institution_tables()
    lines = ["[server]", f'public_url = "{app_config.server.public_url}"',
             f'database = "{app_config.server.database}"']
    for table in tables:
        lines += ["[[institution]]", *(f"{k} = {v!r}".replace("'", '"') for k, v in table.items())]
    path = tmp_path / "muffin.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, value in {**env, "MUFFIN_SECRET_KEY": SECRET_KEY}.items():
        monkeypatch.setenv(name, value)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        # Its own event loop in a thread, so the sandbox on this loop keeps answering.
        assert await asyncio.to_thread(cli.main, ["sync", "--config", str(path)]) == 0
    finally:
        root.handlers[:] = handlers  # `sync` configures logging for the whole process
        root.setLevel(level)
    (run,) = await runs(muffin, student.student_id)
    assert run.outcome == "ok"
    assert capsys.readouterr().out.startswith(f"synced 1 student(s): 1 ok; {run.requests} Canvas request(s)")
