"""Building the authentication request from a login initiation."""

from __future__ import annotations

import pytest

from feedserver.config import LtiPlatform
from feedserver.lti.errors import MalformedRequest, UnknownClient, UnknownDeployment, UnknownIssuer
from feedserver.lti.login import begin_login, storage_key
from feedserver.lti.state import LoginState
from feedserver.secure import token_hash
from tests.lti.helpers import query_of

CANVAS = "https://canvas.instructure.com"
PLATFORMS = (
    LtiPlatform(CANVAS, "10000000000042", ("12:a",), "north", "https://sso.canvaslms.com/api/lti/authorize_redirect?x=1",
                "https://sso.canvaslms.com/api/lti/security/jwks"),
    LtiPlatform(CANVAS, "10000000000043", ("13:b",), "south", "https://sso.canvaslms.com/api/lti/authorize_redirect",
                "https://sso.canvaslms.com/api/lti/security/jwks"),
)
REDIRECT = "https://muffin.example.edu/lti/launch"
sealed: list[LoginState] = []


def seal(state: LoginState) -> str:
    sealed.append(state)
    return f"sealed-{len(sealed)}"


def test_the_authentication_request() -> None:
    start = begin_login(PLATFORMS, {"iss": CANVAS, "client_id": "10000000000042", "login_hint": "42",
                                           "lti_message_hint": "eyJ.hint", "lti_deployment_id": "12:a",
                                           "lti_storage_target": "post_message_forwarding",
                                           "target_link_uri": REDIRECT}, REDIRECT, seal)
    query = query_of(start.auth_url)
    assert start.auth_url.startswith("https://sso.canvaslms.com/api/lti/authorize_redirect?x=1&")
    assert query == {"x": "1", "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                     "prompt": "none", "client_id": "10000000000042", "redirect_uri": REDIRECT, "login_hint": "42",
                     "lti_message_hint": "eyJ.hint", "state": start.sealed_state, "nonce": start.nonce}
    assert start.sealed_state == f"sealed-{len(sealed)}" and sealed[-1] == start.state
    assert start.state.nonce_hash == token_hash(start.nonce)
    assert start.state.storage_target == "post_message_forwarding"
    assert start.platform_origin == "https://sso.canvaslms.com"
    assert storage_key(start.state.binding).startswith("muffin_state_")


def test_an_odd_storage_target_is_ignored_and_an_absent_hint_left_out() -> None:
    start = begin_login(PLATFORMS, {"iss": CANVAS, "client_id": "10000000000043", "login_hint": "42",
                                       "lti_storage_target": "javascript:alert(1)"}, REDIRECT, seal)
    assert start.state.storage_target is None
    assert "lti_message_hint" not in query_of(start.auth_url)


@pytest.mark.parametrize(("params", "error"), [
    ({"iss": "https://other.example", "client_id": "10000000000042", "login_hint": "42"}, UnknownIssuer),
    ({"iss": CANVAS, "login_hint": "42"}, UnknownClient),
    ({"iss": CANVAS, "client_id": "999", "login_hint": "42"}, UnknownClient),
    ({"iss": CANVAS, "client_id": "10000000000042", "login_hint": "42", "lti_deployment_id": "13:b"},
     UnknownDeployment),
    ({"iss": CANVAS, "client_id": "10000000000042"}, MalformedRequest),
    ({"iss": CANVAS, "client_id": "10000000000042", "login_hint": "x" * 3000}, MalformedRequest),
])
def test_a_login_that_names_no_registration_is_refused(params: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        begin_login(PLATFORMS, params, REDIRECT, seal)
