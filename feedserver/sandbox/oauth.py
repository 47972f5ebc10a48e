"""Canvas's OAuth2 provider endpoints (docs/canvas-facts.md §10).

- `GET /login/oauth2/auth` validates the request, then shows the consent page
  (or, for a returning user who approved this key, redirects straight back).
- `POST /login/oauth2/confirm` is the consent form's Authorize/Cancel.
- `POST /login/oauth2/token` exchanges codes and refresh tokens; it never
  redirects.  Errors are Canvas's ERROR_MAP (lib/canvas/oauth/request_error.rb).
- `DELETE /login/oauth2/token` revokes the presented token's whole grant.

Choices where Canvas's behaviour is undocumented:
- a key known in another school but not enabled here redirects with
  `unauthorized_client` at authorize (as Canvas Cloud does for inherited
  keys); at the token endpoint it is an unknown client;
- a `redirect_uri` at the token step that differs from the authorize step's
  is `invalid_request` "redirect_uri does not match client settings";
- a wrong PKCE verifier is `invalid_grant` "code_verifier does not match".
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote, urlsplit

from aiohttp import web
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from yarl import URL

from . import canvas_json as cj
from .consent import AuthorizationRequest
from .middlewares import presented_token, sandbox_state
from .oauth_pages import consent_page, error_page
from .responses import redirect
from .state import SandboxState
from .typedefs import USER_KEY
from .world import DeveloperKey

SESSION_COOKIE = "canvas_sandbox_session_{school}"
OAUTH_CHALLENGE = {"WWW-Authenticate": "Canvas OAuth 2.0"}
USERINFO_SCOPE = "/auth/userinfo"

ERRORS = {  # Canvas's ERROR_MAP: key -> (error, description, status)
    "invalid_client_id": ("invalid_client", "unknown client", 401),
    "invalid_client_secret": ("invalid_client", "invalid client", 401),
    "invalid_redirect": ("invalid_request", "redirect_uri does not match client settings", 400),
    "invalid_refresh_token": ("invalid_request", "refresh_token not found", 400),
    "invalid_authorization_code": ("invalid_grant", "authorization_code not found", 400),
    "incorrect_client": ("invalid_grant", "incorrect client", 400),
    "invalid_code_verifier": ("invalid_grant", "code_verifier does not match", 400),
    "authorization_code_not_supplied": (
        "invalid_request",
        "You must provide the code parameter when using the authorization_code grant type", 400),
    "refresh_token_not_supplied": (
        "invalid_request",
        "You must provide the refresh_token parameter when using the refresh_token grant type",
        400),
    "unsupported_grant_type": (
        "unsupported_grant_type", "The grant_type you requested is not currently supported", 400),
}
UNAUTHORIZED_CLIENT = "Client does not have access to the specified Canvas account."
INVALID_SCOPE = ("A requested scope is invalid, unknown, malformed, or exceeds the scope "
                 "granted by the resource owner. The following scopes were requested, "
                 "but not granted: {}")


def oauth_error(name: str) -> web.Response:
    error, description, status = ERRORS[name]
    return web.json_response(
        {"error": error, "error_description": description}, status=status,
        headers=OAUTH_CHALLENGE if status == 401 else None,
    )


def redirect_with(redirect_uri: str, **params: str | None) -> web.Response:
    """302 to `redirect_uri` with `params` appended to its query (None = omitted)."""
    pairs = [(k, v) for k, v in params.items() if v is not None]
    return redirect(str(URL(redirect_uri).extend_query(pairs)))


def redirect_allowed(key: DeveloperKey, uri: str) -> bool:
    """Exact match on the key's list, or Canvas's legacy same-host/subdomain rule."""
    if uri in key.redirect_uris:
        return True
    if not key.legacy_redirect_uri:
        return False
    own = urlsplit(key.legacy_redirect_uri).hostname
    other = urlsplit(uri).hostname
    return bool(own and other and (other == own or other.endswith(f".{own}")))


def _requested_scopes(request: web.Request) -> list[str]:
    # One space-separated list; repeated parameters: the last wins; `scopes` is an alias.
    raw = (request.query.getall("scope", []) or request.query.getall("scopes", []) or [""])[-1]
    return [s for s in raw.split(" ") if s]


def _session_user(request: web.Request, state: SandboxState) -> int | None:
    cookie = request.cookies.get(SESSION_COOKIE.format(school=state.school_slug))
    return state.consent.session_user(cookie)


def _approve(state: SandboxState, pending: AuthorizationRequest, user_id: int) -> web.Response:
    code = state.tokens.issue_code(
        client_id=pending.client_id, user_id=user_id, redirect_uri=pending.redirect_uri,
        scopes=pending.scopes, purpose=pending.purpose, code_challenge=pending.code_challenge,
        now=state.now(),
    )
    state.consent.approvals.add((user_id, pending.client_id))
    return redirect_with(pending.redirect_uri, code=code, state=pending.state)


async def authorize(request: web.Request) -> web.StreamResponse:
    state = sandbox_state(request)
    query = request.query
    client_id = query.get("client_id", "")
    found = state.world.find_key(client_id) if client_id.isdigit() else None
    if found is None:
        return oauth_error("invalid_client_id")
    key = state.school.key(client_id) or found[1]
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_allowed(key, redirect_uri):
        # Never redirect to an unregistered URI: Canvas shows the error itself.
        return oauth_error("invalid_redirect")
    echo = query.get("state")
    if query.get("response_type") != "code":
        return redirect_with(redirect_uri, error="unsupported_response_type",
                             error_description="response_type must be code", state=echo)
    if not key.enabled or state.school.key(client_id) is None:
        return redirect_with(redirect_uri, error="unauthorized_client",
                             error_description=UNAUTHORIZED_CLIENT, state=echo)
    scopes = _requested_scopes(request)
    if key.require_scopes:
        missing = [s for s in scopes if s not in key.scopes]
        if not scopes or missing:
            return redirect_with(redirect_uri, error="invalid_scope",
                                 error_description=INVALID_SCOPE.format(" ".join(missing)),
                                 state=echo)
    challenge = query.get("code_challenge")
    if challenge and query.get("code_challenge_method", "S256") != "S256":
        return redirect_with(redirect_uri, error="invalid_request",
                             error_description="code_challenge_method must be S256", state=echo)
    pending = AuthorizationRequest(
        client_id=client_id, app_name=key.name, redirect_uri=redirect_uri, state=echo,
        scopes=scopes, purpose=query.get("purpose"), code_challenge=challenge,
    )
    user_id = None if query.get("force_login") in ("1", "true") else _session_user(request, state)
    approved = user_id is not None and (user_id, client_id) in state.consent.approvals
    prompt = query.get("prompt")
    if prompt is not None:
        if prompt != "none":
            return redirect_with(redirect_uri, error="unsupported_prompt_type", state=echo)
        if user_id is None:
            return redirect_with(redirect_uri, error="login_required", state=echo)
        if not approved:
            return redirect_with(redirect_uri, error="interaction_required", state=echo)
    # prompt=none got this far only for an approved user: answer without a page.
    if approved and (state.remember_consent or prompt == "none"):
        request[USER_KEY] = user_id  # type: ignore[assignment]
        return _approve(state, pending, user_id)  # type: ignore[arg-type]
    hint = query.get("unique_id") or query.get("login_hint")
    users = state.world.school_users(state.school_slug)
    selected = next((u.id for u in users if hint and u.login_id == hint), user_id)
    page = consent_page(
        app_name=key.name, school_name=state.school.name, users=users,
        selected_user_id=selected, pending_id=state.consent.hold(pending), scopes=scopes,
        purpose=pending.purpose,
    )
    return web.Response(text=page, content_type="text/html")


async def confirm(request: web.Request) -> web.StreamResponse:
    state = sandbox_state(request)
    form = await request.post()
    pending = state.consent.release(str(form.get("pending", "")))
    if pending is None:
        return web.Response(status=400, content_type="text/html", text=error_page(
            "Authorization expired", "This authorization request is no longer valid; "
            "go back to the application and try again."))
    if form.get("action") != "authorize":
        return redirect_with(pending.redirect_uri, error="access_denied",
                             error_description="The user denied the request",
                             state=pending.state)
    try:
        user = state.world.users[int(str(form.get("user_id", "")))]
    except (KeyError, ValueError):
        user = None
    if user is None or user.school != state.school_slug:
        return web.Response(status=400, content_type="text/html",
                            text=error_page("Unknown user", "Pick a user of this school."))
    request[USER_KEY] = user.id
    response = _approve(state, pending, user.id)
    response.set_cookie(SESSION_COOKIE.format(school=state.school_slug),
                        state.consent.log_in(user.id), httponly=True, samesite="Lax")
    return response


def _client_credentials(request: web.Request, form: Any) -> tuple[str, str | None]:
    """Client id and secret from the body, else from HTTP Basic."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ":"
        basic_id, _, basic_secret = decoded.partition(":")
        client_id = client_id or unquote(basic_id)
        secret = secret or unquote(basic_secret)
    return str(client_id or ""), (str(secret) if secret else None)


def _token_body(state: SandboxState, grant_user: int, access: str | None,
                refresh: str | None, expires: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "user": cj.token_user_json(state.world.users[grant_user]),
    }
    if refresh is not None:
        body["refresh_token"] = refresh
    if expires and access is not None:
        body["expires_in"] = int(state.token_lifetime)
    body["canvas_region"] = "unknown"
    return body


async def token(request: web.Request) -> web.StreamResponse:
    state = sandbox_state(request)
    form = await request.post()
    client_id, secret = _client_credentials(request, form)
    key = state.school.key(client_id)
    if key is None or not key.enabled:
        return oauth_error("invalid_client_id")
    grant_type = form.get("grant_type") or ("authorization_code" if form.get("code") else "")
    code_text = str(form.get("code", ""))
    code = state.tokens.peek_code(code_text, state.now()) if code_text else None
    public_pkce = grant_type == "authorization_code" and code is not None \
        and code.code_challenge is not None and secret is None
    if not public_pkce and secret != key.client_secret:
        return oauth_error("invalid_client_secret")
    lifetime = state.token_lifetime if key.auto_expire_tokens else None
    if grant_type == "authorization_code":
        if not code_text:
            return oauth_error("authorization_code_not_supplied")
        if code is None:
            return oauth_error("invalid_authorization_code")
        if code.client_id != client_id:
            return oauth_error("incorrect_client")
        if form.get("redirect_uri") and form.get("redirect_uri") != code.redirect_uri:
            return oauth_error("invalid_redirect")
        if code.code_challenge is not None:
            verifier = str(form.get("code_verifier", ""))
            if not verifier or create_s256_code_challenge(verifier) != code.code_challenge:
                return oauth_error("invalid_code_verifier")
        state.tokens.use_code(code_text)
        request[USER_KEY] = code.user_id
        if code.scopes == [USERINFO_SCOPE]:
            # Identity only: no API token at all (docs/canvas-facts.md §10.2).
            return web.json_response(_token_body(state, code.user_id, None, None, False))
        grant = state.tokens.create_grant(
            user_id=code.user_id, client_id=client_id, scopes=code.scopes,
            purpose=code.purpose, lifetime=lifetime, now=state.now(),
        )
        if form.get("replace_tokens") in ("1", "true"):
            state.tokens.revoke_where(user_id=code.user_id, client_id=client_id, keep=grant)
        return web.json_response(_token_body(state, grant.user_id, grant.access_token,
                                             grant.refresh_token, lifetime is not None))
    if grant_type == "refresh_token":
        refresh = str(form.get("refresh_token", ""))
        if not refresh:
            return oauth_error("refresh_token_not_supplied")
        grant = state.tokens.by_refresh(refresh)
        if grant is None:
            return oauth_error("invalid_refresh_token")
        if grant.client_id != client_id:
            return oauth_error("incorrect_client")
        state.tokens.refresh(grant, lifetime, state.now())
        request[USER_KEY] = grant.user_id
        # The refresh token is reused, so it is not sent again.
        return web.json_response(_token_body(state, grant.user_id, grant.access_token, None,
                                             lifetime is not None))
    return oauth_error("unsupported_grant_type")


async def revoke(request: web.Request) -> web.StreamResponse:
    state = sandbox_state(request)
    presented = presented_token(request)
    if presented is None:
        return web.json_response(
            {"message": "can't delete OAuth access token when not using an OAuth access token"},
            status=400)
    grant = state.tokens.by_access(presented)
    if grant is None:
        return web.json_response({"errors": [{"message": "Invalid access token."}]}, status=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="canvas-lms"'})
    request[USER_KEY] = grant.user_id
    state.tokens.revoke(grant)
    return web.json_response({})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/login/oauth2/auth", authorize)
    app.router.add_post("/login/oauth2/confirm", confirm)
    app.router.add_post("/login/oauth2/token", token)
    app.router.add_delete("/login/oauth2/token", revoke)
