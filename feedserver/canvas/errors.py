"""The ways a conversation with Canvas can fail, as one exception hierarchy.

Every Canvas-facing module (OAuth, API client, sync, proxy) raises these and
nothing else, so callers decide by type: retry later (`CanvasUnavailable`,
`RateLimited`), refresh and retry once (`TokenExpired`), give up on this
resource (`Forbidden`), or ask the student to sign in again
(`ReconnectNeeded`). Messages never contain tokens, codes or full URLs with
query strings: they end up in logs and on pages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

__all__ = [
    "CanvasError",
    "CanvasUnavailable",
    "RateLimited",
    "TokenExpired",
    "Unauthorized",
    "Forbidden",
    "ScopeMissing",
    "ReconnectNeeded",
    "MalformedResponse",
    "OAuthError",
    "error_for_response",
]


class CanvasError(Exception):
    """Base of every Canvas failure; `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CanvasUnavailable(CanvasError):
    """Canvas did not answer usefully: 5xx, timeout, refused or dropped connection.

    Transient by assumption; retry with backoff and keep the last good data.
    """


class RateLimited(CanvasError):
    """Canvas throttled the token: 429, or 403 "Rate Limit Exceeded" (older Canvas).

    `retry_after` is seconds when Canvas said (it usually does not).
    """

    def __init__(self, message: str = "Canvas rate limit exceeded", *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class TokenExpired(CanvasError):
    """401 with ``WWW-Authenticate``: the access token is expired or revoked.

    Refresh it (`TokenStore.refresh(student_id, rejected=token)`) and retry once;
    if the refresh fails the grant is gone and `ReconnectNeeded` follows.
    """


#: The same failure under the name Canvas's docs use.
Unauthorized = TokenExpired


class Forbidden(CanvasError):
    """401 without ``WWW-Authenticate``, or 403: the token is fine but may not do this
    (scope missing, course concluded, permission off). Refreshing will not help."""


class ScopeMissing(Forbidden):
    """401 "Insufficient scopes on access token.": the school's key does not grant this
    endpoint (it enforces a scope list without it). The whole endpoint is off for this
    school; callers that can do without it (groups, checkpoint submissions) carry on."""


class ReconnectNeeded(CanvasError):
    """The student's grant is gone (revoked, refresh token unknown, key removed).

    Only the student can fix it, by signing in with Canvas again; the student's
    status is already ``reconnect_needed`` when this is raised by `TokenStore`.
    """


class MalformedResponse(CanvasError):
    """Canvas answered, but not with what its API promises (bad JSON, missing fields)."""


class OAuthError(CanvasError):
    """An OAuth2 error from Canvas: ``error`` code plus optional description.

    Raised for token-endpoint errors (``invalid_grant``, ``invalid_client``,
    ``invalid_request``...) and for ``?error=`` on the authorization callback.
    """

    def __init__(self, code: str, description: str | None = None, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {description}" if description else code, status=status)
        self.code = code
        self.description = description


def _rate_limited(status: int, headers: Mapping[str, str], body: str) -> bool:
    if status == 429:
        return True
    # Canvas before Oct 2025 throttled with a plain-text 403.
    return status == 403 and ("Rate Limit Exceeded" in body or headers.get("X-Rate-Limit-Remaining") in ("0", "0.0"))


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _error_text(body: str) -> str:
    """Canvas's own explanation from an error body, shortened, or ''."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, Mapping):
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            return str(errors[0].get("message", ""))[:200]
        if isinstance(data.get("message"), str):
            return data["message"][:200]
    return ""


def error_for_response(status: int, headers: Mapping[str, str], body: str, *, what: str) -> CanvasError | None:
    """The exception an API response stands for, or None when it succeeded (2xx/3xx).

    `headers` should be case-insensitive (aiohttp's `CIMultiDictProxy` is):
    Canvas sends lowercase header names since 2024. `what` names the call for
    messages ("GET /api/v1/courses"); never pass a URL with a query string.
    """
    if status < 400:
        return None
    detail = _error_text(body)
    suffix = f": {detail}" if detail else ""
    if _rate_limited(status, headers, body):
        return RateLimited(f"{what}: rate limited ({status})", status=status, retry_after=_retry_after(headers))
    if status == 401:
        if "WWW-Authenticate" in headers:
            return TokenExpired(f"{what}: access token rejected (401){suffix}", status=status)
        if "insufficient scopes" in detail.lower():
            return ScopeMissing(f"{what}: the school's developer key does not allow this (401){suffix}",
                                status=status)
        return Forbidden(f"{what}: not permitted for this token (401){suffix}", status=status)
    if status == 403:
        return Forbidden(f"{what}: forbidden (403){suffix}", status=status)
    if status >= 500:
        return CanvasUnavailable(f"{what}: Canvas answered {status}", status=status)
    return CanvasError(f"{what}: Canvas answered {status}{suffix}", status=status)
