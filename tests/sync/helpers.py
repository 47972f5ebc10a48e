"""Students with real sandbox grants, and reading their feeds (shared by tests/sync and tests/feeds).

`connect` drives the sandbox's own OAuth endpoints over HTTP (authorize,
the consent form's POST, the token exchange), then stores the grant the way
sign-in does (`upsert_student`, `TokenStore.save_grant`, a feed token). It
does not go through our login pages, so sync tests do not depend on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp.test_utils import TestClient
from icalendar import Calendar
from sqlalchemy import select

from feedserver.auth.appkeys import token_store_key
from feedserver.feeds.tokens import current_feed_token
from feedserver.store.models import RenderedFeed, SyncRun
from feedserver.store.students import upsert_student
from feedserver.typedefs import cipher_key, config_key, db_key

_PENDING = re.compile(r'name="pending" value="([^"]+)"')


@dataclass(frozen=True)
class Connected:
    student_id: int
    user_id: int
    school: str
    feed_token: str

    @property
    def feed_path(self) -> str:
        return f"/feeds/{self.feed_token}.ics"


async def sandbox_grant(http: aiohttp.ClientSession, school_url: str, client_id: str, client_secret: str,
                        redirect_uri: str, user_id: int) -> dict[str, Any]:
    """A token response for `user_id`, through Canvas's authorize → consent → token steps."""
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri, "state": "s",
              "force_login": "1"}
    async with http.get(f"{school_url}/login/oauth2/auth", params=params, allow_redirects=False) as page:
        html = await page.text()
        assert page.status == 200, html
    pending = _PENDING.search(html)
    assert pending, html
    async with http.post(f"{school_url}/login/oauth2/confirm", allow_redirects=False,
                         data={"pending": pending.group(1), "user_id": str(user_id), "action": "authorize"}) as sent:
        assert sent.status == 302, await sent.text()
        location = sent.headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    async with http.post(f"{school_url}/login/oauth2/token", allow_redirects=False, data={
        "grant_type": "authorization_code", "client_id": client_id, "client_secret": client_secret,
        "redirect_uri": redirect_uri, "code": code,
    }) as token:
        assert token.status == 200, await token.text()
        return dict(await token.json())


async def connect(muffin: TestClient, sandbox: Any, school: str, user_id: int) -> Connected:
    """Sign `user_id` of a sandbox school up as a student, with real tokens and a feed URL."""
    app = muffin.app
    config = app[config_key]
    institution = config.institution(school)
    assert institution is not None
    async with aiohttp.ClientSession() as http:
        grant = await sandbox_grant(http, sandbox.schools[school].url, institution.key.client_id,
                                    institution.key.client_secret.reveal(),
                                    f"{config.server.public_url}/oauth/callback", user_id)
    user = sandbox.world.users[user_id]
    student_id = await upsert_student(app[db_key], school, str(user_id), user.name, time_zone=user.time_zone)
    await app[token_store_key].save_grant(student_id, grant)
    token = await current_feed_token(app[db_key], app[cipher_key], student_id)
    return Connected(student_id, user_id, school, token)


def student_ids(sandbox: Any, school: str) -> list[int]:
    """Sandbox users of a school who are students (not the teacher)."""
    return [u.id for u in sandbox.world.school_users(school) if not u.login_id.startswith("teacher.")]


async def stored_feed(muffin: TestClient, student_id: int, kind: str = "all") -> bytes | None:
    async with muffin.app[db_key]() as session:
        return await session.scalar(
            select(RenderedFeed.body).where(RenderedFeed.student_id == student_id, RenderedFeed.kind == kind))


async def runs(muffin: TestClient, student_id: int) -> list[SyncRun]:
    async with muffin.app[db_key]() as session:
        return list((await session.scalars(
            select(SyncRun).where(SyncRun.student_id == student_id).order_by(SyncRun.id))).all())


def events(body: bytes) -> dict[str, Any]:
    """VEVENTs of a calendar by UID (asserting each UID occurs once)."""
    found: dict[str, Any] = {}
    for event in Calendar.from_ical(body).walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in found, f"UID {uid} occurs twice"
        found[uid] = event
    return found


class PinnedClock:
    """Aware UTC "now" that tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.moment = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.moment
