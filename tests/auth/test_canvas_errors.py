"""Mapping Canvas HTTP answers onto the shared exception hierarchy (feedserver/canvas/errors.py)."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from feedserver.canvas import errors
from feedserver.canvas.errors import error_for_response


def classify(status: int, body: str = "", **headers: str) -> errors.CanvasError | None:
    return error_for_response(status, CIMultiDict({k.replace("_", "-"): v for k, v in headers.items()}), body,
                              what="GET /api/v1/courses")


def test_success_is_no_error() -> None:
    assert classify(200) is None and classify(304) is None


def test_401_with_www_authenticate_is_an_expired_token() -> None:
    error = classify(401, '{"errors":[{"message":"Invalid access token."}]}', www_authenticate='Bearer realm="canvas-lms"')
    assert isinstance(error, errors.TokenExpired) and isinstance(error, errors.Unauthorized)
    assert error.status == 401 and "Invalid access token." in str(error)


def test_401_without_the_header_is_a_permission_problem() -> None:
    error = classify(401, '{"errors":[{"message":"Insufficient scopes on access token."}]}')
    assert isinstance(error, errors.Forbidden) and not isinstance(error, errors.TokenExpired)


@pytest.mark.parametrize(("status", "body", "headers"), [
    (429, "", {}),
    (403, "403 Forbidden (Rate Limit Exceeded)", {}),
    (403, "", {"x-rate-limit-remaining": "0.0"}),
])
def test_throttling_old_and_new(status: int, body: str, headers: dict[str, str]) -> None:
    assert isinstance(classify(status, body, **headers), errors.RateLimited)


def test_retry_after_is_read_when_present() -> None:
    error = classify(429, "", retry_after="12")
    assert isinstance(error, errors.RateLimited) and error.retry_after == 12.0


def test_plain_403_is_forbidden() -> None:
    assert type(classify(403, '{"status":"unauthorized"}')) is errors.Forbidden


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_mean_unavailable(status: int) -> None:
    error = classify(status, "<html>Bad Gateway</html>")
    assert isinstance(error, errors.CanvasUnavailable) and error.status == status


def test_other_client_errors_are_plain_canvas_errors() -> None:
    error = classify(404, '{"errors":[{"message":"The specified resource does not exist."}]}')
    assert type(error) is errors.CanvasError and "does not exist" in str(error)


def test_every_error_is_a_canvas_error() -> None:
    for cls in (errors.CanvasUnavailable, errors.RateLimited, errors.TokenExpired, errors.Forbidden,
                errors.ReconnectNeeded, errors.MalformedResponse):
        assert issubclass(cls, errors.CanvasError)
    oauth = errors.OAuthError("invalid_grant", "authorization_code not found", status=400)
    assert isinstance(oauth, errors.CanvasError)
    assert (oauth.code, oauth.description, oauth.status) == ("invalid_grant", "authorization_code not found", 400)
