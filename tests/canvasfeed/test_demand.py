"""The demand board: GET /admin/api/demand (bearer token) and `muffin-feed schools --demand`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feedserver.auth.schools import add_request_email, record_school_request
from feedserver.cli import main
from feedserver.typedefs import db_key
from tests.canvasfeed.conftest import MakeMuffin
from tests.canvasfeed.helpers import BEFORE_TERM, canvas_feed_url, post_feed_url
from tests.conftest import SECRET_KEY

ADMIN = {"MUFFIN_ADMIN_TOKEN": "admin-token-0123456789-abcdefghij"}


async def ask(muffin: Any, host: str, times: int, email: str | None = None) -> None:
    db = muffin.app[db_key]
    for _ in range(times):
        request_id = await record_school_request(db, host)
    if email:
        await add_request_email(db, request_id, host, email)


async def test_the_admin_api_does_not_exist_without_a_token(make_sqlite_muffin: MakeMuffin, sandbox: Any) -> None:
    muffin = await make_sqlite_muffin()
    response = await muffin.get("/admin/api/demand", headers={"Authorization": "Bearer anything"})
    assert response.status == 404
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic " + ADMIN["MUFFIN_ADMIN_TOKEN"],
                                   "Bearer " + ADMIN["MUFFIN_ADMIN_TOKEN"][:-1]],
                         ids=["none", "wrong", "basic", "prefix"])
async def test_the_admin_api_needs_the_bearer_token(make_sqlite_muffin: MakeMuffin, sandbox: Any,
                                                    header: str | None) -> None:
    muffin = await make_sqlite_muffin(admin_token_env="MUFFIN_ADMIN_TOKEN", environ=ADMIN)
    response = await muffin.get("/admin/api/demand", headers={"Authorization": header} if header else {})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "schools" not in await response.text()


async def test_schools_are_listed_by_waiting_students_with_the_admin_message(make_muffin: MakeMuffin,
                                                                            sandbox: Any) -> None:
    muffin = await make_muffin(["south"], inherited_at=["south"], admin_token_env="MUFFIN_ADMIN_TOKEN",
                               environ=ADMIN)
    await ask(muffin, "canvas.small.edu", 1)
    await ask(muffin, "canvas.big.edu", 3, email="ana@big.edu")
    # Two north students (north is not configured here) connect with their calendar feeds.
    north = sandbox.schools["north"]
    north.state.now = lambda: BEFORE_TERM
    north_host = north.url.split("://")[1]
    for user_id in (1001, 1002):
        muffin.session.cookie_jar.clear()  # two different browsers
        assert (await post_feed_url(muffin, canvas_feed_url(sandbox, "north", user_id)))[0] == 303
    south_host = sandbox.schools["south"].url.split("://")[1]
    await ask(muffin, south_host, 5)  # configured now: not on the board

    response = await muffin.get("/admin/api/demand",
                                headers={"Authorization": "Bearer " + ADMIN["MUFFIN_ADMIN_TOKEN"]})
    assert response.status == 200
    board = (await response.json())["schools"]
    assert [(s["canvas_host"], s["waiting"]) for s in board] == [
        ("canvas.big.edu", 3), (north_host, 2), ("canvas.small.edu", 1)]
    assert board[0]["emails"] == ["ana@big.edu"]
    assert (board[1]["requests"], board[1]["feed_students"]) == (2, 2)

    message = board[0]["message"]
    key = sandbox.world.schools["south"].inherited_key
    for must in ("3 students", "Developer Keys", "Inherited", key.client_id, "ON",
                 f"{muffin.server.scheme}://127.0.0.1:{muffin.server.port}/oauth/callback", "url:GET|",
                 "encrypted", "disconnect", "/privacy"):
        assert must in message, must


def test_the_cli_prints_the_board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from feedserver.store.db import create_engine, make_sessionmaker, migrate

    database = f"sqlite:///{tmp_path / 'muffin.sqlite3'}"
    config = tmp_path / "muffin.toml"
    config.write_text(f'[server]\npublic_url = "https://muffin.example.edu"\ndatabase = "{database}"\n')
    monkeypatch.setenv("MUFFIN_SECRET_KEY", SECRET_KEY)

    async def seed() -> None:
        engine = create_engine(database)
        await migrate(engine)
        db = make_sessionmaker(engine)
        for host, times in (("canvas.one.edu", 1), ("canvas.two.edu", 2)):
            for _ in range(times):
                await record_school_request(db, host)
        await engine.dispose()

    asyncio.run(seed())
    assert main(["schools", "--demand", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.index("canvas.two.edu") < out.index("canvas.one.edu")
    assert "message for the Canvas admin of canvas.two.edu" in out
    # No inherited key configured: the admin is told to create one, with every field they need.
    for must in ("+ Developer Key → API Key", "https://muffin.example.edu/oauth/callback", "Allow Include Parameters",
                 "client_id and client secret"):
        assert must in out, must
    assert main(["schools", "--demand", "--json", "--config", str(config)]) == 0
    assert '"waiting": 2' in capsys.readouterr().out
