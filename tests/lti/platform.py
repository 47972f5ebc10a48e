"""The test suite's LTI 1.3 platform: the sandbox's `LtiPlatform` on its own loopback socket.

`feedserver.sandbox.lti_platform` signs and serves; this module adds what
only tests need: made-up users (looked up by ``login_hint`` ``hint-<name>``,
in one course context "course-1"), a second and a stranger key for rotation
and forgeries, and the paths ``/jwks``, ``/authorize`` and ``/course`` (a
platform page that embeds the tool in an iframe for the browser tests).

Tests change what gets signed through `edit` (mutate header and claims) and
`signer` (forge the signature), and the time through `now`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from feedserver.lti.canvas_config import CUSTOM_FIELDS
from feedserver.sandbox.lti_platform import (
    INSTITUTION_STUDENT,
    INSTRUCTOR,
    LEARNER,
    LTI,
    TEACHING_ASSISTANT,
    Claims,
    Header,
    LaunchSubject,
    LtiPlatform,
    make_key,
    sign_rs256,
)

__all__ = [
    "INSTITUTION_STUDENT", "INSTRUCTOR", "LEARNER", "LTI", "TEACHING_ASSISTANT", "PlatformKeys", "PlatformUser",
    "TestPlatform", "make_key", "sign_hs256_with_public_key", "sign_none", "sign_rs256",
]

#: The one course every test launch happens in (no ``$Canvas.course.id``: the instructor note page).
CONTEXT = {"id": "course-1", "title": "Calculus I"}


@dataclass
class PlatformUser:
    sub: str
    name: str
    roles: list[str]
    canvas_user_id: str | None


@dataclass
class PlatformKeys:
    """Generated once per test session: RSA key generation is slow."""

    signing: RSAKey
    rotated: RSAKey
    stranger: RSAKey


def sign_none(header: Header, claims: Claims) -> str:
    """An unsigned token (``alg: none``), which joserfc rightly warns about."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.encode({**header, "alg": "none"}, claims, None, algorithms=["none"])


def sign_hs256_with_public_key(public_key: RSAKey) -> Callable[[Header, Claims], str]:
    """The classic key-confusion forgery: HMAC keyed with the platform's public PEM."""
    pem = public_key.as_pem(private=False)
    forged_key = OctKey(pem, pem)  # joserfc refuses to import a PEM as an oct key; build it directly

    def sign(header: Header, claims: Claims) -> str:
        return jwt.encode({**header, "alg": "HS256"}, claims, forged_key, algorithms=["HS256"])
    return sign


def _test_users() -> dict[str, PlatformUser]:
    return {
        "student": PlatformUser("sub-student-1001", "Ava Martínez", [LEARNER], "1001"),
        "newcomer": PlatformUser("sub-student-1002", "Liam O’Connor", [LEARNER], "1002"),
        "teacher": PlatformUser("sub-teacher-9", "Prof. Ada Byron", [INSTRUCTOR], "9"),
        "ta": PlatformUser("sub-ta-7", "Tom TA", [TEACHING_ASSISTANT], "7"),
        "ta-taking-a-course": PlatformUser("sub-ta-8", "Tia", [TEACHING_ASSISTANT, LEARNER], "8"),
        "hidden-id": PlatformUser("sub-student-anon", "Ann Onymous", [LEARNER], None),
    }


class TestPlatform(LtiPlatform):
    __test__ = False  # a helper, not a pytest test class

    def __init__(self, keys: PlatformKeys, **changes: Any) -> None:
        self.keys = keys
        self.users: dict[str, PlatformUser] = _test_users()
        self.server: TestServer | None = None
        super().__init__(signing_key=keys.signing, subject=self._subject, client_id="10000000000042",
                         deployment_id="12:8865aa05b4b79b64a91a86042e43af5ea8ae79eb",
                         custom_fields=CUSTOM_FIELDS, **changes)
        self.app = web.Application()
        self.app.router.add_get("/jwks", self.jwks)
        self.app.router.add_get("/authorize", self.authorize)
        self.app.router.add_post("/authorize", self.authorize)
        self.app.router.add_get("/course", self._course_page)

    def _subject(self, login_hint: str, message_hint: str) -> LaunchSubject | None:
        user = self.users.get(login_hint.removeprefix("hint-"))
        if user is None:
            return None
        variables = {"$Canvas.user.id": user.canvas_user_id} if user.canvas_user_id else {}
        return LaunchSubject(user.sub, user.name, tuple(user.roles), CONTEXT, variables)

    # -- lifecycle -------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1") -> None:
        self.server = TestServer(self.app, host=host)
        await self.server.start_server(access_log=None)
        self.issuer = self.url

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None, "start the platform first"
        return str(self.server.make_url("")).rstrip("/")

    def registration(self, institution: str = "north", **changes: Any) -> dict[str, Any]:
        """The tool's [[lti_platform]] table for this platform."""
        return {"issuer": self.issuer, "client_id": self.client_id, "deployment_ids": [self.deployment_id],
                "institution": institution, "auth_url": f"{self.url}/authorize", "jwks_url": f"{self.url}/jwks",
                **changes}

    def login_params(self, user: str = "student", **changes: str | None) -> dict[str, str]:
        """What Canvas sends to the tool's OIDC initiation URL, for one of `users`."""
        return self.initiation(f"hint-{user}", f"message-hint-{user}-{time.monotonic_ns()}", **changes)

    # -- keys ----------------------------------------------------------------------

    def rotate_keys(self) -> None:
        """Sign with the second key from now on and publish both (as Canvas does when rotating)."""
        self.published = [self.keys.signing, self.keys.rotated]
        self.signer = sign_rs256(self.keys.rotated)
        self.kid = self.keys.rotated.kid

    async def _course_page(self, request: web.Request) -> web.Response:
        user = request.query.get("user", "student")
        return self.page_around_tool("Calculus I · Test Canvas", f"hint-{user}",
                                     f"message-hint-{user}-{time.monotonic_ns()}")

