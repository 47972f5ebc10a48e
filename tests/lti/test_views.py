"""Full launches over real sockets: the test platform signs, our server checks.

A valid launch succeeds; every way the LTI 1.3 core spec says a launch must
fail is refused with a 4xx page, a log line naming the check, and nobody
signed in.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from feedserver.app import SESSION_COOKIE
from feedserver.lti.binding import STATE_COOKIE
from feedserver.lti.jwks import MIN_REFETCH
from feedserver.store.models import UsedNonce
from feedserver.store.students import upsert_student
from feedserver.typedefs import db_key
from tests.lti.conftest import MakeTool, Tool
from tests.lti.helpers import Launch, Step, UserAgent, check_of, data_attributes, query_of
from tests.lti.platform import (
    LTI,
    TestPlatform,
    sign_hs256_with_public_key,
    sign_none,
    sign_rs256,
)

Tamper = Callable[[TestPlatform], None]
FEED_TOKEN = re.compile(r'id="feed-url" value="[^"]+/feeds/([^"/]+)\.ics"')


def edit_claims(change: Callable[[dict[str, Any]], None]) -> Tamper:
    def tamper(platform: TestPlatform) -> None:
        platform.edit = lambda header, claims: change(claims)
    return tamper


def edit_header(change: Callable[[dict[str, Any]], None]) -> Tamper:
    def tamper(platform: TestPlatform) -> None:
        platform.edit = lambda header, claims: change(header)
    return tamper


def drop(name: str) -> Tamper:
    return edit_claims(lambda claims: claims.pop(name))


def set_claim(name: str, value: Any) -> Tamper:
    return edit_claims(lambda claims: claims.__setitem__(name, value))


def now_plus(seconds: int) -> int:
    return int(time.time()) + seconds


def set_time_claim(name: str, seconds_from_now: int) -> Tamper:
    # Read the clock when the launch is made, not when the module is collected: a long run
    # would otherwise turn "10 minutes ahead" into the past.
    return edit_claims(lambda claims: claims.__setitem__(name, now_plus(seconds_from_now)))


def forge(make_signer: Callable[[TestPlatform], Any]) -> Tamper:
    def tamper(platform: TestPlatform) -> None:
        platform.signer = make_signer(platform)
    return tamper


REFUSALS: list[tuple[str, Tamper, str, int]] = [
    ("wrong signature", forge(lambda p: sign_rs256(p.keys.stranger)), "signature", 400),
    ("alg none", forge(lambda p: sign_none), "alg", 400),
    ("HS256 keyed with the public key", forge(lambda p: sign_hs256_with_public_key(p.keys.signing)), "alg", 400),
    ("no kid", edit_header(lambda header: header.pop("kid")), "kid", 400),
    ("wrong iss", set_claim("iss", "https://canvas.evil.example"), "iss", 400),
    ("wrong aud", set_claim("aud", "10000000000099"), "aud", 400),
    ("aud names several parties and no azp",
     edit_claims(lambda c: (c.__setitem__("aud", [c["aud"], "other-tool"]), c.pop("azp"))), "azp", 400),
    ("wrong azp", set_claim("azp", "other-tool"), "azp", 400),
    ("expired", set_time_claim("exp", -120), "exp", 400),
    ("iat in the future", set_time_claim("iat", 600), "iat", 400),
    ("nbf in the future", set_time_claim("nbf", 600), "nbf", 400),
    ("another login's nonce", set_claim("nonce", "nonce-of-another-login"), "nonce", 400),
    ("no nonce", drop("nonce"), "nonce", 400),
    ("unknown deployment", set_claim(LTI + "deployment_id", "99:someone-elses"), "deployment_id", 403),
    ("wrong version", set_claim(LTI + "version", "1.1.0"), "version", 400),
    ("deep linking message", set_claim(LTI + "message_type", "LtiDeepLinkingRequest"), "message_type", 400),
    ("target_link_uri elsewhere", set_claim(LTI + "target_link_uri", "https://other.example/launch"),
     "target_link_uri", 400),
    ("no sub", drop("sub"), "claims", 400),
    ("no roles", drop(LTI + "roles"), "claims", 400),
    ("roles not a list", set_claim(LTI + "roles", "Learner"), "claims", 400),
    ("no resource_link", drop(LTI + "resource_link"), "claims", 400),
    ("resource_link without id", set_claim(LTI + "resource_link", {"title": "x"}), "claims", 400),
    ("no target_link_uri", drop(LTI + "target_link_uri"), "claims", 400),
    ("no message_type", drop(LTI + "message_type"), "claims", 400),
    ("no version", drop(LTI + "version"), "claims", 400),
    ("no deployment_id", drop(LTI + "deployment_id"), "claims", 400),
    ("no exp", drop("exp"), "claims", 400),
    ("no iat", drop("iat"), "claims", 400),
]


def refusal_logged(caplog: pytest.LogCaptureFixture, check: str) -> bool:
    return any(f"check {check} failed" in r.getMessage() for r in caplog.records if r.name == "feedserver.lti.views")


def session_cookie(agent: UserAgent) -> str | None:
    return next((c.value for c in agent.session.cookie_jar if c.key == SESSION_COOKIE), None)


async def nonce_rows(tool: Tool) -> int:
    async with tool.service.nonces.db() as session:
        return int(await session.scalar(select(func.count()).select_from(UsedNonce).where(UsedNonce.purpose == "lti")))


def assert_refused(step: Step, check: str, status: int, caplog: pytest.LogCaptureFixture) -> None:
    assert step.status == status, step.text
    assert check_of(step.text) == check, step.text
    assert refusal_logged(caplog, check), [r.getMessage() for r in caplog.records]


def assert_framable_by_anyone(step: Step) -> None:
    """An error page holds no user data: any site's frame may show it (CSP ``frame-ancestors *``)."""
    assert "frame-ancestors *;" in step.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in step.headers


def assert_connect_page(step: Step) -> None:
    assert step.status == 200, step.text
    assert check_of(step.text) is None
    assert "Connect with Canvas" in step.text
    assert 'href="/login?institution=north&amp;return_to=%2Fme" target="_blank"' in step.text


# -- a valid launch ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_valid_launch_succeeds(tool: Tool, agent: UserAgent, platform: TestPlatform, method: str) -> None:
    launch = await agent.launch(platform, "newcomer", method=method)

    # The authentication request carries everything the Security Framework asks for.
    auth = launch.auth_query
    assert launch.auth_url.startswith(f"{platform.url}/authorize?")
    assert {k: auth[k] for k in ("scope", "response_type", "response_mode", "prompt", "client_id", "redirect_uri")} == {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": platform.client_id, "redirect_uri": f"{tool.url}/lti/launch"}
    sent = platform.login_params("newcomer")
    assert auth["login_hint"] == sent["login_hint"]
    assert auth["lti_message_hint"].startswith("message-hint-newcomer-")
    assert len(auth["nonce"]) >= 43 and len(auth["state"]) >= 43
    cookie = launch.login.headers["Set-Cookie"]
    assert cookie.startswith(f"{STATE_COOKIE}=")
    for attribute in ("Path=/lti/", "Max-Age=600", "HttpOnly", "Secure", "SameSite=None", "Partitioned"):
        assert attribute in cookie

    assert_connect_page(launch.result)
    # The binding is spent: the cookie is cleared, the nonce recorded.
    assert agent.state_cookie() is None
    assert await nonce_rows(tool) == 1


async def test_each_login_gets_a_fresh_nonce_and_state(tool: Tool, agent: UserAgent, platform: TestPlatform) -> None:
    first = query_of((await agent.initiate(platform)).headers["Location"])
    second = query_of((await agent.initiate(platform)).headers["Location"])
    assert first["nonce"] != second["nonce"] and first["state"] != second["state"]
    # Both logins are pending in this browser; either may finish first.
    assert len((agent.state_cookie() or "").split(".")) == 2


async def test_client_id_may_be_left_out_when_the_issuer_has_one_registration(
        tool: Tool, agent: UserAgent, platform: TestPlatform) -> None:
    launch = await agent.launch(platform, "newcomer", client_id=None, lti_deployment_id=None)
    assert launch.auth_query["client_id"] == platform.client_id
    assert_connect_page(launch.result)


async def test_launches_within_the_leeway_are_accepted(tool: Tool, agent: UserAgent, platform: TestPlatform) -> None:
    # Platform clock 30 s ahead (iat in our future) and a token that expired 30 s ago: both within 60 s.
    platform.edit = lambda header, claims: claims.update(iat=now_plus(30), exp=now_plus(-30))
    assert_connect_page((await agent.launch(platform, "newcomer")).result)


# -- refused launches --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "tamper", "check", "status"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_a_tampered_launch_is_refused(tool: Tool, agent: UserAgent, platform: TestPlatform,
                                            caplog: pytest.LogCaptureFixture, name: str, tamper: Tamper,
                                            check: str, status: int) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    tamper(platform)
    launch = await agent.launch(platform, "student")
    assert_refused(launch.result, check, status, caplog)
    assert session_cookie(agent) is None
    assert await nonce_rows(tool) == 0
    token = launch.form["id_token"]
    assert all(token not in r.getMessage() for r in caplog.records)
    # The refusal shows inside Canvas's frame, not as a blocked frame.
    assert_framable_by_anyone(launch.result)


async def test_an_unknown_kid_is_refetched_once_then_refused(tool: Tool, agent: UserAgent, platform: TestPlatform,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    assert_connect_page((await agent.launch(platform, "newcomer")).result)
    assert platform.jwks_fetches == 1
    later = tool.service.clock() + MIN_REFETCH + timedelta(seconds=1)
    tool.service.clock = lambda: later

    platform.kid = "platform-2027-01"  # a kid the platform never publishes
    assert_refused((await agent.launch(platform)).result, "kid", 400, caplog)
    assert platform.jwks_fetches == 2, "an unknown kid makes us look at the JWKS again"
    # Right after, another unknown kid does not hammer the platform.
    assert_refused((await agent.launch(platform)).result, "kid", 400, caplog)
    assert platform.jwks_fetches == 2


async def test_a_rotated_platform_key_is_picked_up(tool: Tool, agent: UserAgent, platform: TestPlatform) -> None:
    assert_connect_page((await agent.launch(platform, "newcomer")).result)
    platform.rotate_keys()
    later = tool.service.clock() + MIN_REFETCH
    tool.service.clock = lambda: later
    launch = await agent.launch(platform, "newcomer")
    assert_connect_page(launch.result)
    assert platform.jwks_fetches == 2


async def test_a_replayed_launch_is_refused(tool: Tool, agent: UserAgent, platform: TestPlatform,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    held: list[str | None] = []
    launch = await agent.launch(platform, "newcomer", between=lambda: held.append(agent.state_cookie()))
    assert_connect_page(launch.result)
    again = await agent.post(f"{tool.url}/lti/launch", data=launch.form)
    assert_refused(again, "nonce", 400, caplog)
    # Even with the state cookie put back, the nonce stays spent.
    assert held[0] is not None
    agent.set_state_cookie(held[0])
    assert "presented twice" not in caplog.text
    assert_refused(await agent.post(f"{tool.url}/lti/launch", data=launch.form), "nonce", 400, caplog)
    assert "presented twice" in caplog.text, "refused when using up the nonce, not before"
    assert await nonce_rows(tool) == 1


async def test_a_launch_without_state_is_refused(tool: Tool, agent: UserAgent, platform: TestPlatform,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    login = await agent.initiate(platform)
    _, fields, action = await agent.authorize(login)
    del fields["state"]
    assert_refused(await agent.post(action, data=fields), "state", 400, caplog)
    fields["state"] = "forged-" + "x" * 80
    assert_refused(await agent.post(action, data=fields), "state", 400, caplog)
    assert_refused(await agent.post(action, data={"state": "x"}), "request", 400, caplog)


async def test_a_launch_finished_in_another_browser_is_refused(tool: Tool, platform: TestPlatform,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """Login CSRF: Mallory starts a launch and makes Alice's browser post it."""
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    mallory, alice = UserAgent(tool.url), UserAgent(tool.url)
    try:
        _, mallorys_form, action = await mallory.authorize(await mallory.initiate(platform, "student"))
        await alice.initiate(platform, "newcomer")  # Alice's browser holds a state cookie of its own
        assert_refused(await alice.post(action, data=mallorys_form), "state", 400, caplog)
        assert session_cookie(alice) is None
        # Mallory's id_token with Alice's state: the nonce does not match her login.
        _, alices_form, _ = await alice.authorize(await alice.initiate(platform, "newcomer"))
        mixed = {**alices_form, "id_token": mallorys_form["id_token"]}
        assert_refused(await alice.post(action, data=mixed), "nonce", 400, caplog)
    finally:
        await mallory.close()
        await alice.close()


async def test_an_expired_login_state_is_refused(tool: Tool, agent: UserAgent, platform: TestPlatform,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    login = await agent.initiate(platform)
    _, fields, action = await agent.authorize(login)
    later = tool.service.clock() + timedelta(minutes=11)
    tool.service.clock = lambda: later
    platform.now = lambda: later.timestamp()
    assert_refused(await agent.post(action, data=fields), "state", 400, caplog)


# -- login initiation --------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "check", "status"), [
    ({"iss": "https://canvas.unknown.example"}, "iss", 403),
    ({"iss": None}, "iss", 403),
    ({"client_id": "10000000000099"}, "client_id", 403),
    ({"lti_deployment_id": "99:unknown"}, "deployment_id", 403),
    ({"login_hint": None}, "request", 400),
], ids=["unknown issuer", "no issuer", "unknown client", "unknown deployment", "no login_hint"])
async def test_a_login_from_an_unregistered_platform_is_refused(
        tool: Tool, agent: UserAgent, platform: TestPlatform, caplog: pytest.LogCaptureFixture,
        changes: dict[str, str | None], check: str, status: int) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    login = await agent.initiate(platform, **changes)
    assert_refused(login, check, status, caplog)
    assert "Location" not in login.headers and agent.state_cookie() is None
    assert platform.authorize_requests == []
    # A Canvas we do not know is not among the configured framing origins, yet its users must see why.
    assert_framable_by_anyone(login)


async def test_a_missing_client_id_is_refused_when_the_issuer_has_several(
        make_tool: MakeTool, platform: TestPlatform, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    tool = await make_tool(registrations=[platform.registration(),
                                          platform.registration(client_id="10000000000043")])
    agent = UserAgent(tool.url)
    try:
        assert_refused(await agent.initiate(platform, client_id=None), "client_id", 403, caplog)
        # With the client_id, each registration is found.
        assert (await agent.initiate(platform)).status == 302
        assert (await agent.initiate(platform, client_id="10000000000043")).status == 302
    finally:
        await agent.close()


# -- without the state cookie ----------------------------------------------------------------


async def test_platform_storage_finishes_a_launch_without_cookies(tool: Tool, agent: UserAgent,
                                                                  platform: TestPlatform,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    platform.storage_target = "post_message_forwarding"
    login = await agent.initiate(platform, "newcomer")
    assert login.status == 200
    stored = data_attributes(login.text)
    assert stored["step"] == "login" and stored["target"] == "post_message_forwarding"
    assert stored["origin"] == platform.url  # the origin of the platform's authorization endpoint
    assert stored["next"].startswith(f"{platform.url}/authorize?")
    assert stored["key"].startswith("muffin_state_") and stored["value"] not in stored["key"]

    launch = await agent.launch(platform, "newcomer", between=agent.drop_cookies)
    check = data_attributes(launch.result.text)
    assert launch.result.status == 200 and check["step"] == "launch"
    assert check["target"] == "post_message_forwarding" and check["origin"] == platform.url
    assert await nonce_rows(tool) == 0, "nothing is accepted before the browser proves the binding"

    # What lti.js does with the value lti.get_data returned for this launch's key.
    value = data_attributes(launch.login.text)["value"]
    assert data_attributes(launch.login.text)["key"] == check["key"]
    confirmed = await agent.confirm_from_storage(launch.result, value)
    assert_connect_page(confirmed)
    assert await nonce_rows(tool) == 1
    assert_refused(await agent.confirm_from_storage(launch.result, value), "nonce", 400, caplog)


async def test_platform_storage_with_the_wrong_value_is_refused(tool: Tool, agent: UserAgent,
                                                                platform: TestPlatform,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    platform.storage_target = "_parent"
    launch = await agent.launch(platform, "newcomer", between=agent.drop_cookies)
    other_login = await agent.initiate(platform, "newcomer")
    assert_refused(await agent.confirm_from_storage(launch.result, data_attributes(other_login.text)["value"]),
                   "state", 400, caplog)
    assert await nonce_rows(tool) == 0


@pytest.mark.parametrize("headers", [
    {"X-Muffin-LTI": ""},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},
], ids=["no script header", "cross-site fetch", "foreign origin"])
async def test_a_storage_confirmation_from_another_site_is_refused(
        tool: Tool, agent: UserAgent, platform: TestPlatform, caplog: pytest.LogCaptureFixture,
        headers: dict[str, str]) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    platform.storage_target = "_parent"
    launch = await agent.launch(platform, "newcomer", between=agent.drop_cookies)
    value = data_attributes(launch.login.text)["value"]
    assert_refused(await agent.confirm_from_storage(launch.result, value, **headers), "origin", 403, caplog)
    assert await nonce_rows(tool) == 0


async def test_without_cookie_or_storage_the_launch_offers_a_new_tab(tool: Tool, agent: UserAgent,
                                                                     platform: TestPlatform) -> None:
    launch = await agent.launch(platform, "newcomer", between=agent.drop_cookies)
    assert launch.result.status == 200
    assert "Open Homework Muffin in a new tab" in launch.result.text
    link = re.search(r'<a class="button" href="(/lti/login\?[^"]+)" target="_blank"', launch.result.text)
    assert link, launch.result.text
    restart = html.unescape(link.group(1))
    params = query_of(restart)
    sent = platform.login_params("newcomer")
    assert params["iss"] == platform.issuer and params["client_id"] == platform.client_id
    assert params["login_hint"] == sent["login_hint"]
    assert params["lti_message_hint"] == launch.auth_query["lti_message_hint"]
    assert "lti_storage_target" not in params
    assert await nonce_rows(tool) == 0

    # In a tab of its own the cookie works, and the same launch goes through.
    tab = await agent.get(f"{tool.url}{restart}")
    assert tab.status == 302
    _, fields, action = await agent.authorize(tab)
    assert_connect_page(await agent.post(action, data=fields))


# -- framing ---------------------------------------------------------------------------------------


async def test_lti_pages_may_be_framed_by_the_platform_only(tool: Tool, agent: UserAgent,
                                                            platform: TestPlatform) -> None:
    launch = await agent.launch(platform, "newcomer")
    csp = launch.result.headers["Content-Security-Policy"]
    ancestors = csp.split("frame-ancestors ", 1)[1].split(";", 1)[0].split()
    # The issuer and authorization endpoint (test platform) and the school's Canvas address.
    assert ancestors == ["'self'", platform.url, "http://127.0.0.1:9"]
    assert "X-Frame-Options" not in launch.result.headers
    assert "script-src 'self'" in csp
    elsewhere = await agent.get(f"{tool.url}/")
    assert elsewhere.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in elsewhere.headers["Content-Security-Policy"]


# -- logs ---------------------------------------------------------------------------------------


async def test_logs_of_launches_hold_no_secret(tool: Tool, platform: TestPlatform,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await upsert_student(tool.app[db_key], "north", "1001", "Ava Martínez", source="oauth")
    secrets: set[str] = set()
    agent = UserAgent(tool.url)
    try:
        def remember(launch: Launch) -> None:
            secrets.update({launch.form["id_token"], launch.form["state"], launch.auth_query["nonce"],
                            launch.auth_query["login_hint"], launch.auth_query["lti_message_hint"]})

        signed_in = await agent.launch(platform, "student", between=lambda: secrets.add(agent.state_cookie() or ""))
        remember(signed_in)
        secrets.add(session_cookie(agent) or "no session")
        secrets.add(FEED_TOKEN.search(signed_in.result.text).group(1))  # type: ignore[union-attr]

        platform.storage_target = "_parent"
        cookieless = await agent.launch(platform, "newcomer", between=agent.drop_cookies)
        remember(cookieless)
        value = data_attributes(cookieless.login.text)["value"]
        secrets.add(value)
        assert (await agent.confirm_from_storage(cookieless.result, value)).status == 200

        platform.edit = lambda header, claims: claims.update(aud="someone-else")
        refused = await agent.launch(platform, "student")
        remember(refused)
        assert refused.result.status == 400
    finally:
        await agent.close()

    assert any(r.name == "aiohttp.access" for r in caplog.records), "the access log was not captured"
    assert any("check aud failed" in r.getMessage() for r in caplog.records)
    secrets.discard("")
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        for secret in secrets:
            assert secret not in text, f"a secret appears in a record of {record.name} ({record.funcName})"


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"id_token": "a", "state": "b", "value": ' + b"9" * 400 + b"}",
    b'{"id_token": "\\u0000", "state": "\\ud800", "value": "c"}',
    b'{"id_token": "\xff", "state": "b", "value": "c"}',
], ids=["nested 100,000 deep", "400 digits", "NUL and lone surrogate", "not UTF-8"])
async def test_a_storage_confirmation_no_parser_should_take_is_a_400_page(
        tool: Tool, agent: UserAgent, caplog: pytest.LogCaptureFixture, body: bytes) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    refused = await agent.post(f"{tool.url}/lti/launch/storage", data=body,
                               headers={"Content-Type": "application/json", "X-Muffin-LTI": "storage"})
    assert_refused(refused, "request", 400, caplog)
    assert_framable_by_anyone(refused)
