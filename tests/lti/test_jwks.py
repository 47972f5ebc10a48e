"""The platform-key cache: fetched through one HTTP client, kept for an hour,
fetched again on an unknown kid but never in a burst."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from feedserver.lti.errors import JwksUnavailable, UnknownKey
from feedserver.lti.jwks import JWKS_TTL, MIN_REFETCH, JwksCache
from tests.lti.conftest import MakeTool
from tests.lti.helpers import UserAgent, check_of
from tests.lti.platform import PlatformKeys, TestPlatform


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 14, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(http: aiohttp.ClientSession, clock: Clock) -> JwksCache:
    return JwksCache(http, clock)


async def test_keys_are_cached_for_the_ttl(cache: JwksCache, clock: Clock, platform: TestPlatform,
                                           platform_keys: PlatformKeys) -> None:
    url = f"{platform.url}/jwks"
    key = await cache.key(url, platform_keys.signing.kid)
    assert key.as_dict(private=False)["n"] == platform_keys.signing.as_dict(private=False)["n"]
    assert not key.is_private
    clock.advance(JWKS_TTL - timedelta(seconds=1))
    await cache.key(url, platform_keys.signing.kid)
    assert platform.jwks_fetches == 1
    clock.advance(timedelta(seconds=1))
    await cache.key(url, platform_keys.signing.kid)
    assert platform.jwks_fetches == 2


async def test_an_unknown_kid_refetches_at_most_once_per_interval(cache: JwksCache, clock: Clock,
                                                                  platform: TestPlatform,
                                                                  platform_keys: PlatformKeys) -> None:
    url = f"{platform.url}/jwks"
    with pytest.raises(UnknownKey):
        await cache.key(url, "never-published")
    assert platform.jwks_fetches == 1, "a set fetched this moment is not fetched again"
    for _ in range(5):
        with pytest.raises(UnknownKey):
            await cache.key(url, "never-published")
    assert platform.jwks_fetches == 1
    clock.advance(MIN_REFETCH)
    platform.rotate_keys()
    assert (await cache.key(url, platform_keys.rotated.kid)).kid == platform_keys.rotated.kid
    assert platform.jwks_fetches == 2


async def test_concurrent_launches_share_one_fetch(cache: JwksCache, platform: TestPlatform,
                                                   platform_keys: PlatformKeys) -> None:
    url = f"{platform.url}/jwks"
    keys = await asyncio.gather(*(cache.key(url, platform_keys.signing.kid) for _ in range(8)))
    assert {k.kid for k in keys} == {platform_keys.signing.kid}
    assert platform.jwks_fetches == 1


async def test_a_failing_platform_keeps_the_cached_keys(cache: JwksCache, clock: Clock, platform: TestPlatform,
                                                        platform_keys: PlatformKeys,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    url = f"{platform.url}/jwks"
    await cache.key(url, platform_keys.signing.kid)
    platform.jwks_status = 500
    clock.advance(JWKS_TTL)
    with caplog.at_level(logging.WARNING, logger="feedserver.lti.jwks"):
        assert (await cache.key(url, platform_keys.signing.kid)).kid == platform_keys.signing.kid
    assert platform.jwks_fetches == 2
    assert "keeping the cached keys" in caplog.text


async def test_no_keys_at_all_is_unavailable(cache: JwksCache, platform: TestPlatform,
                                             platform_keys: PlatformKeys, unused_tcp_port: int) -> None:
    platform.jwks_status = 503
    with pytest.raises(JwksUnavailable):
        await cache.key(f"{platform.url}/jwks", platform_keys.signing.kid)
    with pytest.raises(JwksUnavailable):
        await cache.key(f"http://127.0.0.1:{unused_tcp_port}/jwks", platform_keys.signing.kid)
    with pytest.raises(UnknownKey):
        await cache.key(f"{platform.url}/jwks", None)


async def test_only_rsa_signing_keys_for_rs256_are_kept(cache: JwksCache, platform: TestPlatform,
                                                        platform_keys: PlatformKeys) -> None:
    public = platform_keys.rotated.as_dict(private=False)
    platform.jwks_extra = [
        {**public, "kid": "for-encryption", "use": "enc"},
        {**public, "kid": "for-ps256", "alg": "PS256"},
        {"kty": "EC", "kid": "ec-key", "crv": "P-256", "x": "x", "y": "y"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        {**public, "kid": "with-private-parts", **{k: v for k, v in platform_keys.rotated.as_dict(private=True).items()
                                                  if k in ("d", "p", "q")}},
        "not even an object",
    ]
    url = f"{platform.url}/jwks"
    for kid in ("for-encryption", "for-ps256", "ec-key", "broken"):
        with pytest.raises(UnknownKey):
            await cache.key(url, kid)
    kept = await cache.key(url, "with-private-parts")
    assert not kept.is_private, "private parameters a platform publishes by mistake are dropped"


async def test_a_launch_while_the_platform_keys_are_unreachable_is_a_502(
        make_tool: MakeTool, platform: TestPlatform,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="feedserver.lti")
    platform.jwks_status = 500
    tool = await make_tool()
    agent = UserAgent(tool.url)
    try:
        result = (await agent.launch(platform, "newcomer")).result
    finally:
        await agent.close()
    assert result.status == 502 and check_of(result.text) == "jwks"
    assert "Canvas did not answer" in result.text


async def test_a_failing_platform_is_not_asked_on_every_launch(cache: JwksCache, clock: Clock,
                                                               platform: TestPlatform,
                                                               platform_keys: PlatformKeys) -> None:
    url = f"{platform.url}/jwks"
    await cache.key(url, platform_keys.signing.kid)
    platform.jwks_status = 500
    clock.advance(JWKS_TTL)
    for _ in range(5):
        assert (await cache.key(url, platform_keys.signing.kid)).kid == platform_keys.signing.kid
    assert platform.jwks_fetches == 2, "one failed attempt, then quiet"
    clock.advance(MIN_REFETCH)
    platform.jwks_status = 200
    await cache.key(url, platform_keys.signing.kid)
    assert platform.jwks_fetches == 3
    clock.advance(timedelta(seconds=1))
    await cache.key(url, platform_keys.signing.kid)
    assert platform.jwks_fetches == 3, "fresh again for another hour"
