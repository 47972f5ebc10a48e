"""The fetcher against real loopback servers that count requests.

127.0.0.2 plays a school's public Canvas (the test policy calls it public);
127.0.0.1 plays every private address and must never receive a request.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from feedserver.canvasfeed.errors import (
    AddressRefused,
    FeedGone,
    FeedTooLarge,
    FeedUnavailable,
    LoginPage,
    NotACalendar,
)
from feedserver.canvasfeed.fetch import FeedFetcher
from tests.canvasfeed.conftest import FORBIDDEN, PRETEND_PUBLIC, ScriptedResolver, ServerFactory, pretend_public

PATH = "/feeds/calendars/user_0123456789abcdef.ics"
CALENDAR = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:icalendar-ruby\r\nBEGIN:VEVENT\r\nUID:event-assignment-7\r\n"
            b"DTSTAMP:20260901T000000Z\r\nDTSTART:20260910T050000Z\r\nSUMMARY:Essay [ENG-101]\r\n"
            b"URL:https://canvas.test/calendar?include_contexts=course_3#assignment_7\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")
PUBLIC = str(PRETEND_PUBLIC)


def calendar_routes() -> web.RouteTableDef:
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def feed(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(body=CALENDAR, content_type="text/calendar", headers={"ETag": '"v1"'})

    return routes


def fetcher(resolver: ScriptedResolver | None = None, **options: object) -> FeedFetcher:
    return FeedFetcher(policy=pretend_public, resolver=resolver, http="any", **options)  # type: ignore[arg-type]


async def forbidden_server(serve: ServerFactory, port: int = 0) -> object:
    return await serve(FORBIDDEN, calendar_routes(), port=port)


async def test_a_calendar_is_fetched_and_revalidated_with_its_etag(serve: ServerFactory) -> None:
    canvas = await serve(PUBLIC, calendar_routes())
    async with fetcher() as f:
        first = await f.fetch(canvas.url(PATH))
        again = await f.fetch(canvas.url(PATH), etag=first.etag)
    assert first.body == CALENDAR and first.etag == '"v1"'
    assert again.not_modified and again.body is None
    assert canvas.hits == [PATH, PATH]


async def test_a_redirect_to_a_private_address_is_refused(serve: ServerFactory) -> None:
    inside = await forbidden_server(serve)
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(inside.url(PATH))  # type: ignore[attr-defined]

    canvas = await serve(PUBLIC, routes)
    async with fetcher() as f:
        with pytest.raises(AddressRefused, match="not a public Internet address"):
            await f.fetch(canvas.url(PATH))
    assert canvas.hits == [PATH]
    assert inside.hits == []  # type: ignore[attr-defined]


async def test_a_redirect_to_a_name_that_resolves_privately_is_refused(serve: ServerFactory) -> None:
    inside = await forbidden_server(serve)
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(inside.url(PATH, host="sneaky.example"))  # type: ignore[attr-defined]

    canvas = await serve(PUBLIC, routes)
    resolver = ScriptedResolver({"sneaky.example": [[FORBIDDEN]]})
    async with fetcher(resolver) as f:
        with pytest.raises(AddressRefused, match="private or reserved"):
            await f.fetch(canvas.url(PATH))
    assert resolver.lookups == ["sneaky.example"]
    assert inside.hits == []  # type: ignore[attr-defined]


async def test_dns_rebinding_never_reaches_the_second_answer(serve: ServerFactory) -> None:
    """The name answers public, then 127.0.0.1 on the same port: the second fetch is refused."""
    canvas = await serve(PUBLIC, calendar_routes())
    inside = await serve(FORBIDDEN, calendar_routes(), port=canvas.port)
    resolver = ScriptedResolver({"canvas.test": [[PUBLIC], [FORBIDDEN]]})
    url = canvas.url(PATH, host="canvas.test")
    async with fetcher(resolver) as f:
        first = await f.fetch(url)
        with pytest.raises(AddressRefused):
            await f.fetch(url)
    assert first.body == CALENDAR
    # One lookup per connection: the answer checked is the answer connected to.
    assert resolver.lookups == ["canvas.test", "canvas.test"]
    assert canvas.hits == [PATH]
    assert inside.hits == []


async def test_a_name_with_any_private_answer_is_refused_as_a_whole(serve: ServerFactory) -> None:
    canvas = await serve(PUBLIC, calendar_routes())
    inside = await serve(FORBIDDEN, calendar_routes(), port=canvas.port)
    resolver = ScriptedResolver({"canvas.test": [[PUBLIC, FORBIDDEN, "::1"]]})
    async with fetcher(resolver) as f:
        with pytest.raises(AddressRefused):
            await f.fetch(canvas.url(PATH, host="canvas.test"))
    assert canvas.hits == [] and inside.hits == []


async def test_redirects_stop_after_three(serve: ServerFactory) -> None:
    routes = web.RouteTableDef()

    @routes.get("/feeds/calendars/{name}")
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(PATH)

    canvas = await serve(PUBLIC, routes)
    async with fetcher() as f:
        with pytest.raises(FeedUnavailable, match="redirected more than 3 times"):
            await f.fetch(canvas.url(PATH))
    assert len(canvas.hits) == 4


async def test_a_huge_body_is_refused_by_its_length(serve: ServerFactory) -> None:
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def huge(request: web.Request) -> web.Response:
        return web.Response(body=CALENDAR + b"X" * 200_000, content_type="text/calendar")

    canvas = await serve(PUBLIC, routes)
    async with fetcher(max_bytes=100_000) as f:
        with pytest.raises(FeedTooLarge, match="larger than"):
            await f.fetch(canvas.url(PATH))


async def test_an_endless_body_is_cut_at_the_cap(serve: ServerFactory) -> None:
    sent: list[int] = []
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/calendar"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"BEGIN:VCALENDAR\r\n")
        while True:  # until the client hangs up
            await response.write(b"X-FILLER:" + b"x" * 8000 + b"\r\n")
            sent.append(1)

    canvas = await serve(PUBLIC, routes)
    async with fetcher(max_bytes=200_000) as f:
        with pytest.raises(FeedTooLarge):
            await f.fetch(canvas.url(PATH))
    assert len(sent) < 1000  # stopped long before 8 MB


async def test_a_silent_server_times_out(serve: ServerFactory) -> None:
    never = asyncio.Event()
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def silent(request: web.Request) -> web.Response:
        await never.wait()
        raise AssertionError("unreachable")

    canvas = await serve(PUBLIC, routes)
    async with fetcher(timeout=aiohttp.ClientTimeout(total=0.3)) as f:
        with pytest.raises(FeedUnavailable, match="in time"):
            await f.fetch(canvas.url(PATH))


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/calendar", b"<html><body>Log in to Canvas</body></html>"),
    ("application/json", b'{"errors": []}'),
    ("text/calendar", b""),
], ids=["html-labelled-calendar", "json", "empty"])
async def test_content_that_is_not_a_calendar_is_refused(serve: ServerFactory, content_type: str,
                                                         body: bytes) -> None:
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type)

    canvas = await serve(PUBLIC, routes)
    async with fetcher() as f:
        with pytest.raises(NotACalendar, match="did not return a calendar"):
            await f.fetch(canvas.url(PATH))


@pytest.mark.parametrize("answer", ["page", "redirect"])
async def test_a_sign_in_page_instead_of_the_calendar_says_so(serve: ServerFactory, answer: str) -> None:
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def feed(request: web.Request) -> web.Response:
        if answer == "redirect":  # what a school's single sign-on in front of Canvas does
            raise web.HTTPFound("/login/saml?return_to=%2Ffeeds%2Fcalendars")
        return web.Response(text="<!doctype html><form action=/login>…</form>", content_type="text/html")

    canvas = await serve(PUBLIC, routes)
    async with fetcher() as f:
        with pytest.raises(LoginPage, match="sign-in page") as raised:
            await f.fetch(canvas.url(PATH))
    assert raised.value.problem == "login_page"
    assert canvas.hits == [PATH]  # the sign-in page itself is never fetched


async def test_a_reset_feed_url_says_so(serve: ServerFactory) -> None:
    canvas = await serve(PUBLIC, web.RouteTableDef())
    async with fetcher() as f:
        with pytest.raises(FeedGone, match="copy it again"):
            await f.fetch(canvas.url(PATH))


async def test_the_production_policy_refuses_loopback_outright(serve: ServerFactory) -> None:
    inside = await forbidden_server(serve)
    async with FeedFetcher() as f:  # the defaults: https only, public addresses only
        with pytest.raises(AddressRefused):
            await f.fetch(f"https://127.0.0.1:{inside.port}{PATH}")  # type: ignore[attr-defined]
        resolver_refusal = FeedFetcher(resolver=ScriptedResolver({"canvas.test": [[FORBIDDEN]]}))
        async with resolver_refusal:
            with pytest.raises(AddressRefused):
                await resolver_refusal.fetch(f"https://canvas.test:{inside.port}{PATH}")  # type: ignore[attr-defined]
    assert inside.hits == []  # type: ignore[attr-defined]
