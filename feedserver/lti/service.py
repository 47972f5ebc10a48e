"""The LTI tool's parts in one object, on ``app[lti_service_key]``: login, launch
verification, nonce use, and the tool's keys.

`clock` is one attribute for all of them, so a test that moves it moves the
state lifetime, the token times and the JWKS cache together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..config import Config
from .claims import LtiLaunch
from .jwks import JwksCache
from .keys import LazyToolKeys
from .login import LoginStart, begin_login
from .nonces import NonceStore
from .platforms import find_registration
from .state import LoginState, StateSealer
from .validate import LaunchValidator

__all__ = ["LtiService", "VerifiedLaunch", "LAUNCH_PATH", "LOGIN_PATH"]

LOGIN_PATH = "/lti/login"
LAUNCH_PATH = "/lti/launch"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class VerifiedLaunch:
    """A token that passed validation, with the login state it came back with.
    Not yet bound to the browser, and its nonce not yet used."""

    launch: LtiLaunch
    state: LoginState


class LtiService:
    def __init__(self, config: Config, db: async_sessionmaker, http: aiohttp.ClientSession) -> None:
        self.config = config
        self.clock = _utc_now
        public_url = config.server.public_url
        self.redirect_uri = public_url + LAUNCH_PATH
        self.sealer = StateSealer(config.server.secret_keys, self._now)
        self.jwks = JwksCache(http, self._now)
        self.validator = LaunchValidator(self.jwks, public_url, self._now)
        self.nonces = NonceStore(db)
        self.tool_keys = LazyToolKeys()

    def _now(self) -> datetime:
        return self.clock()

    def begin_login(self, params: Mapping[str, str]) -> LoginStart:
        """Check an initiation request; the authentication request to send the browser to."""
        return begin_login(self.config.lti_platforms, params, self.redirect_uri, self.sealer.seal)

    async def verify(self, id_token: str | None, state: str | None) -> VerifiedLaunch:
        """Open the state and validate the token against the registration it names."""
        login = self.sealer.open(state)
        # Looked up again: the registration may have been removed since the login.
        platform = find_registration(self.config.lti_platforms, login.issuer, login.client_id)
        launch = await self.validator.validate(id_token, login, platform)
        return VerifiedLaunch(launch, login)

    async def refuse_replay(self, verified: VerifiedLaunch) -> None:
        """Raise `NonceReplayed` early for a launch whose nonce is already used."""
        await self.nonces.check_unused(verified.launch.nonce_hash)

    async def complete(self, verified: VerifiedLaunch) -> LtiLaunch:
        """Use up the nonce (raises `NonceReplayed`); the launch is then accepted."""
        now = self.clock()
        await self.nonces.consume(verified.launch.nonce_hash, now + self.sealer.lifetime, now)
        return verified.launch
