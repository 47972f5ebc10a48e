"""A stand-in LTI 1.3 platform (think Canvas) on a real loopback socket.

It has its own RSA keys (joserfc), publishes them at ``/jwks`` (counting the
fetches), and answers the tool's authentication request at ``/authorize`` the
way Canvas does: it signs an id_token for the user named by ``login_hint`` and
returns a page whose form auto-posts ``id_token`` and ``state`` to the tool's
``redirect_uri``. ``/course`` is a platform page for the browser tests: it
embeds the tool in an iframe, starts the launch by auto-posting the login
initiation form into it, and answers the postMessage storage API.

Tests change what gets signed through `edit` (mutate header and claims) and
`signer` (forge the signature), and the time through `now`.
"""

from __future__ import annotations

import html
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
INSTITUTION_STUDENT = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"

Header = dict[str, Any]
Claims = dict[str, Any]


def make_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


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


def sign_rs256(key: RSAKey) -> Callable[[Header, Claims], str]:
    def sign(header: Header, claims: Claims) -> str:
        return jwt.encode({**header, "alg": "RS256"}, claims, key, algorithms=["RS256"])
    return sign


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


@dataclass
class TestPlatform:
    __test__ = False  # a helper, not a pytest test class

    keys: PlatformKeys
    client_id: str = "10000000000042"
    deployment_id: str = "12:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"
    storage_target: str | None = None
    """Sent as ``lti_storage_target`` in the login initiation and the launch, like Canvas."""
    tool_url: str = ""
    """The tool's public URL; set once its port is known."""
    users: dict[str, PlatformUser] = field(default_factory=lambda: {
        "student": PlatformUser("sub-student-1001", "Ava Martínez", [LEARNER], "1001"),
        "newcomer": PlatformUser("sub-student-1002", "Liam O’Connor", [LEARNER], "1002"),
        "teacher": PlatformUser("sub-teacher-9", "Prof. Ada Byron", [INSTRUCTOR], "9"),
        "ta": PlatformUser("sub-ta-7", "Tom TA", [TEACHING_ASSISTANT], "7"),
        "ta-taking-a-course": PlatformUser("sub-ta-8", "Tia", [TEACHING_ASSISTANT, LEARNER], "8"),
        "hidden-id": PlatformUser("sub-student-anon", "Ann Onymous", [LEARNER], None),
    })
    edit: Callable[[Header, Claims], None] | None = None
    """Called with the header and claims before signing; mutate them to tamper."""
    signer: Callable[[Header, Claims], str] | None = None
    """Replaces the normal RS256 signature (forgeries)."""
    kid: str | None = None
    """The header's kid (default: the signing key's)."""
    now: Callable[[], float] = time.time
    token_lifetime: int = 300
    jwks_fetches: int = 0
    jwks_status: int = 200
    """Answer /jwks with this status (500: the platform is having a bad day)."""
    jwks_extra: list[dict[str, Any]] = field(default_factory=list)
    """Raw entries published after the real keys."""
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    issued_tokens: list[str] = field(default_factory=list)
    published: list[RSAKey] = field(default_factory=list)
    server: TestServer | None = None

    def __post_init__(self) -> None:
        self.published = [self.keys.signing]
        self.app = web.Application()
        self.app.router.add_get("/jwks", self._jwks)
        self.app.router.add_get("/authorize", self._authorize)
        self.app.router.add_post("/authorize", self._authorize)
        self.app.router.add_get("/course", self._course_page)

    # -- lifecycle -------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1") -> None:
        self.server = TestServer(self.app, host=host)
        await self.server.start_server(access_log=None)

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None, "start the platform first"
        return str(self.server.make_url("")).rstrip("/")

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self, institution: str = "north", **changes: Any) -> dict[str, Any]:
        """The tool's [[lti_platform]] table for this platform."""
        return {"issuer": self.issuer, "client_id": self.client_id, "deployment_ids": [self.deployment_id],
                "institution": institution, "auth_url": f"{self.url}/authorize", "jwks_url": f"{self.url}/jwks",
                **changes}

    def login_params(self, user: str = "student", **changes: str | None) -> dict[str, str]:
        """What Canvas sends to the tool's OIDC initiation URL."""
        params: dict[str, str | None] = {
            "iss": self.issuer, "login_hint": f"hint-{user}", "target_link_uri": f"{self.tool_url}/lti/launch",
            "client_id": self.client_id, "lti_deployment_id": self.deployment_id,
            "lti_message_hint": f"message-hint-{user}-{time.monotonic_ns()}",
            "lti_storage_target": self.storage_target,
        }
        params.update(changes)
        return {k: v for k, v in params.items() if v is not None}

    # -- keys ----------------------------------------------------------------------

    def rotate_keys(self) -> None:
        """Sign with the second key from now on and publish both (as Canvas does when rotating)."""
        self.published = [self.keys.signing, self.keys.rotated]
        self.signer = sign_rs256(self.keys.rotated)
        self.kid = self.keys.rotated.kid

    def claims_for(self, user: PlatformUser, nonce: str) -> Claims:
        now = int(self.now())
        claims: Claims = {
            "iss": self.issuer, "aud": self.client_id, "azp": self.client_id, "sub": user.sub,
            "exp": now + self.token_lifetime, "iat": now, "nonce": nonce, "name": user.name,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": f"{self.tool_url}/lti/launch",
            LTI + "resource_link": {"id": "course-nav-1", "title": "Homework Muffin"},
            LTI + "roles": list(user.roles),
            LTI + "context": {"id": "course-1", "title": "Calculus I"},
            LTI + "custom": {"canvas_user_id": user.canvas_user_id or "$Canvas.user.id"},
        }
        return claims

    def sign(self, header: Header, claims: Claims) -> str:
        signer = self.signer or sign_rs256(self.keys.signing)
        token = signer(header, claims)
        self.issued_tokens.append(token)
        return token

    # -- handlers --------------------------------------------------------------------

    async def _jwks(self, request: web.Request) -> web.Response:
        self.jwks_fetches += 1
        if self.jwks_status != 200:
            return web.Response(status=self.jwks_status, text="unavailable")
        return web.json_response({"keys": [*(k.as_dict(private=False) for k in self.published), *self.jwks_extra]})

    async def _authorize(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        self.authorize_requests.append(params)
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                    "prompt": "none", "client_id": self.client_id, "redirect_uri": f"{self.tool_url}/lti/launch"}
        wrong = sorted(k for k, v in expected.items() if params.get(k) != v)
        hint = params.get("login_hint", "")
        user = self.users.get(hint.removeprefix("hint-"))
        if wrong or user is None or not params.get("nonce") or not params.get("state"):
            return web.Response(status=400, text=f"bad authentication request: {wrong or 'user/nonce/state'}")
        header: Header = {"kid": self.kid or self.keys.signing.kid}
        claims = self.claims_for(user, params["nonce"])
        if self.edit is not None:
            self.edit(header, claims)
        fields = {"id_token": self.sign(header, claims), "state": params["state"]}
        if self.storage_target:
            fields["lti_storage_target"] = self.storage_target
        return web.Response(text=_auto_post_page(params["redirect_uri"], fields), content_type="text/html")

    async def _course_page(self, request: web.Request) -> web.Response:
        user = request.query.get("user", "student")
        fields = self.login_params(user)
        return web.Response(text=_course_page(f"{self.tool_url}/lti/login", fields), content_type="text/html")


def _inputs(fields: dict[str, str]) -> str:
    return "\n".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())


def _auto_post_page(action: str, fields: dict[str, str]) -> str:
    return f"""<!doctype html><html><body>
<form id="launch" method="post" action="{html.escape(action)}">{_inputs(fields)}</form>
<script>document.getElementById("launch").submit();</script>
</body></html>"""


# The platform side of postMessage storage, keyed by the tool's origin like Canvas's
# platform_storage.ts; every message is logged in window.storageLog for assertions.
_STORAGE_SCRIPT = """
window.storageLog = [];
const stored = {};
window.addEventListener("message", (event) => {
  const m = event.data;
  if (!m || typeof m !== "object" || !String(m.subject || "").startsWith("lti.")) return;
  window.storageLog.push({subject: m.subject, key: m.key, origin: event.origin});
  const space = stored[event.origin] = stored[event.origin] || {};
  const reply = {subject: m.subject + ".response", message_id: m.message_id, key: m.key};
  if (m.subject === "lti.put_data") {
    if (m.value) { space[m.key] = m.value; reply.value = m.value; } else { delete space[m.key]; }
  } else if (m.subject === "lti.get_data") {
    if (m.key in space) reply.value = space[m.key];
    else reply.error = {code: "bad_request", message: "no value stored for this key"};
  } else { return; }
  event.source.postMessage(reply, event.origin);
});
"""


def _course_page(login_url: str, fields: dict[str, str]) -> str:
    return f"""<!doctype html><html><head><title>Calculus I · Test Canvas</title></head><body>
<h1>Calculus I</h1>
<script>{_STORAGE_SCRIPT}</script>
<form id="initiate" method="post" action="{html.escape(login_url)}" target="tool">{_inputs(fields)}</form>
<iframe name="tool" id="tool" title="Homework Muffin" style="width: 800px; height: 900px"></iframe>
<script>document.getElementById("initiate").submit();</script>
</body></html>"""
