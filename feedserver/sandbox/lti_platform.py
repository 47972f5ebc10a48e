"""An LTI 1.3 platform, as Canvas plays it: it launches a tool by signing an id_token.

One implementation for two users: each sandbox school (`lti.py`: Canvas's own
paths, its people and courses) and the LTI test suite (tests/lti/platform.py:
a platform of its own on a loopback socket, with made-up users and switches to
tamper with what it signs).

The flow is OpenID Connect third-party-initiated login (1EdTech Security
Framework 1.0 §5.1.1): the platform's page posts its login initiation to the tool's
login URL; the tool sends the browser to `authorize`, which signs an id_token
for the user named by ``login_hint`` (in the context named by
``lti_message_hint``) and answers a page whose form auto-posts ``id_token``
and ``state`` to the tool's redirect URI. `course_page` is the platform page
around the tool: an iframe, the auto-posted initiation form, and the platform
side of postMessage storage (Canvas's ``platform_storage.ts``).

Role URIs are those Canvas sends (canvas-lms
``lib/lti/substitutions_helper.rb``, ``LIS_V2_LTI_ADVANTAGE_ROLE_MAP``): context
roles for the course's enrollments, institution roles for the user's roles in
the root account, ``system/person#User`` for everyone.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import RSAKey

__all__ = [
    "ADMINISTRATOR",
    "CONTENT_DEVELOPER",
    "COURSE_OFFERING",
    "INSTITUTION_INSTRUCTOR",
    "INSTITUTION_STUDENT",
    "INSTRUCTOR",
    "LEARNER",
    "LTI",
    "SYSTEM_USER",
    "TEACHING_ASSISTANT",
    "Claims",
    "Header",
    "LaunchSubject",
    "LtiPlatform",
    "auto_post_page",
    "course_page",
    "make_key",
    "sign_rs256",
]

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
CONTENT_DEVELOPER = "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"
INSTITUTION_STUDENT = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
INSTITUTION_INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"
ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
SYSTEM_USER = "http://purl.imsglobal.org/vocab/lis/v2/system/person#User"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

Header = dict[str, Any]
Claims = dict[str, Any]


def make_key(kid: str) -> RSAKey:
    """A fresh RSA key pair for signing (slow: generate once and keep it)."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


def sign_rs256(key: RSAKey) -> Callable[[Header, Claims], str]:
    def sign(header: Header, claims: Claims) -> str:
        return jwt.encode({**header, "alg": "RS256"}, claims, key, algorithms=["RS256"])
    return sign


@dataclass(frozen=True)
class LaunchSubject:
    """Who launches, in which context: what the id_token says about them."""

    sub: str
    name: str
    roles: tuple[str, ...]
    context: Mapping[str, Any] | None = None
    """The context claim (``id``, ``label``, ``title``, ``type``); None outside a course."""
    variables: Mapping[str, str] = field(default_factory=dict)
    """Values of Canvas variables for the custom fields, e.g. ``{"$Canvas.user.id": "1001"}``;
    a variable without a value is sent unexpanded, as Canvas does."""


@dataclass
class LtiPlatform:
    """The platform's keys, its registration of one tool, and its handlers.

    `subject` resolves a launch's ``login_hint`` and ``lti_message_hint`` to a
    `LaunchSubject` (None: an unknown user, a 400 as at Canvas). The switches
    below (`edit`, `signer`, `kid`, `now`, `jwks_status`, `jwks_extra`) let
    tests tamper with what the platform signs and publishes.
    """

    signing_key: RSAKey
    subject: Callable[[str, str], LaunchSubject | None]
    client_id: str
    deployment_id: str
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    """The tool's custom fields, name → Canvas variable (from its configuration JSON)."""
    tool_url: str = ""
    """The tool's public URL; its login and launch URLs default to ``/lti/login`` and ``/lti/launch`` under it."""
    tool_login_url: str = ""
    """The tool's OIDC initiation URL, when its configuration names one."""
    tool_launch_url: str = ""
    """The tool's launch (redirect) URL, when its configuration names one."""
    issuer: str = ""
    storage_target: str | None = None
    """Sent as ``lti_storage_target`` in the login initiation and the launch, like Canvas."""
    resource_link: Mapping[str, str] = field(
        default_factory=lambda: {"id": "course-nav-1", "title": "Homework Muffin"})
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
    """Answer the JWKS with this status (500: the platform is having a bad day)."""
    jwks_extra: list[dict[str, Any]] = field(default_factory=list)
    """Raw entries published after the real keys."""
    published: list[RSAKey] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    issued_tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.published:
            self.published = [self.signing_key]

    @property
    def login_url(self) -> str:
        return self.tool_login_url or f"{self.tool_url}/lti/login"

    @property
    def launch_url(self) -> str:
        return self.tool_launch_url or f"{self.tool_url}/lti/launch"

    def initiation(self, user_hint: str, context_hint: str, **changes: str | None) -> dict[str, str]:
        """What the platform sends to the tool's OIDC initiation URL (`changes` replace or, as None, drop fields)."""
        params: dict[str, str | None] = {
            "iss": self.issuer, "login_hint": user_hint, "target_link_uri": self.launch_url,
            "client_id": self.client_id, "lti_deployment_id": self.deployment_id,
            "lti_message_hint": context_hint, "lti_storage_target": self.storage_target,
        }
        params.update(changes)
        return {k: v for k, v in params.items() if v is not None}

    def claims_for(self, subject: LaunchSubject, nonce: str) -> Claims:
        now = int(self.now())
        claims: Claims = {
            "iss": self.issuer, "aud": self.client_id, "azp": self.client_id, "sub": subject.sub,
            "exp": now + self.token_lifetime, "iat": now, "nonce": nonce, "name": subject.name,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": self.launch_url,
            LTI + "resource_link": dict(self.resource_link),
            LTI + "roles": list(subject.roles),
            LTI + "custom": {name: subject.variables.get(variable, variable)
                             for name, variable in self.custom_fields.items()},
        }
        if subject.context is not None:
            claims[LTI + "context"] = dict(subject.context)
        return claims

    def sign(self, header: Header, claims: Claims) -> str:
        signer = self.signer or sign_rs256(self.signing_key)
        token = signer(header, claims)
        self.issued_tokens.append(token)
        return token

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [*(k.as_dict(private=False) for k in self.published), *self.jwks_extra]}

    # -- handlers --------------------------------------------------------------------

    async def jwks(self, request: web.Request) -> web.Response:
        self.jwks_fetches += 1
        if self.jwks_status != 200:
            return web.Response(status=self.jwks_status, text="unavailable")
        return web.json_response(self.public_jwks())

    async def authorize(self, request: web.Request) -> web.Response:
        """The authentication request (§5.1.1.2): check it, sign, auto-post to the tool."""
        params = dict(request.query)
        if request.method == "POST":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        self.authorize_requests.append(params)
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                    "prompt": "none", "client_id": self.client_id, "redirect_uri": self.launch_url}
        wrong = sorted(k for k, v in expected.items() if params.get(k) != v)
        subject = self.subject(params.get("login_hint", ""), params.get("lti_message_hint", ""))
        if wrong or subject is None or not params.get("nonce") or not params.get("state"):
            return web.Response(status=400, text=f"bad authentication request: {wrong or 'user/nonce/state'}")
        header: Header = {"kid": self.kid or self.signing_key.kid}
        claims = self.claims_for(subject, params["nonce"])
        if self.edit is not None:
            self.edit(header, claims)
        fields = {"id_token": self.sign(header, claims), "state": params["state"]}
        if self.storage_target:
            fields["lti_storage_target"] = self.storage_target
        return web.Response(text=auto_post_page(params["redirect_uri"], fields), content_type="text/html")

    def page_around_tool(self, title: str, user_hint: str, context_hint: str) -> web.Response:
        """The platform page that opens the tool in its iframe for this user and context."""
        fields = self.initiation(user_hint, context_hint)
        return web.Response(text=course_page(title, self.login_url, fields), content_type="text/html")


def _inputs(fields: Mapping[str, str]) -> str:
    return "\n".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in fields.items())


def auto_post_page(action: str, fields: Mapping[str, str]) -> str:
    """A page whose form posts `fields` to `action` as soon as it loads."""
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


def course_page(title: str, login_url: str, fields: Mapping[str, str]) -> str:
    """A platform page holding the tool's iframe; the login initiation is posted into it on load."""
    return f"""<!doctype html><html><head><title>{html.escape(title)}</title></head><body>
<h1>{html.escape(title.split(" · ")[0])}</h1>
<script>{_STORAGE_SCRIPT}</script>
<form id="initiate" method="post" action="{html.escape(login_url)}" target="tool">{_inputs(fields)}</form>
<iframe name="tool" id="tool" title="Homework Muffin" style="width: 1000px; height: 1400px"></iframe>
<script>document.getElementById("initiate").submit();</script>
</body></html>"""
