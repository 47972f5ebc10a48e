"""The sealed login state and the state cookie."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from feedserver.lti.binding import STATE_COOKIE, has_binding, parse_bindings, set_bindings
from feedserver.lti.errors import StateMismatch
from feedserver.lti.state import STATE_LIFETIME, LoginState, StateSealer
from feedserver.secure import Secret

OLD, NEW = Secret("an-old-secret-key-of-at-least-32-characters"), Secret("the-new-secret-key-of-at-least-32-characters")
STATE = LoginState(binding="b" * 43, nonce_hash="0" * 64, issuer="https://canvas.instructure.com",
                   client_id="10000000000042", login_hint="hint", message_hint="message",
                   deployment_id="12:abc", target_link_uri="https://muffin.example.edu/lti/launch",
                   storage_target="post_message_forwarding")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 14, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_state_opens_to_what_was_sealed() -> None:
    sealer = StateSealer([NEW], Clock())
    token = sealer.seal(STATE)
    assert STATE.binding not in token and "hint" not in token, "the state is encrypted"
    assert sealer.open(token) == STATE
    assert STATE.restart_params() == {
        "iss": "https://canvas.instructure.com", "client_id": "10000000000042", "login_hint": "hint",
        "lti_message_hint": "message", "lti_deployment_id": "12:abc",
        "target_link_uri": "https://muffin.example.edu/lti/launch"}


def test_a_state_with_the_longest_hints_a_login_accepts_still_opens() -> None:
    longest = "h" * 2048  # login.py's cap on each parameter kept in the state
    state = replace(STATE, login_hint=longest, message_hint=longest, target_link_uri=longest)
    sealer = StateSealer([NEW], Clock())
    assert sealer.open(sealer.seal(state)) == state


def test_a_state_expires() -> None:
    clock = Clock()
    sealer = StateSealer([NEW], clock)
    token = sealer.seal(STATE)
    clock.now += STATE_LIFETIME
    assert sealer.open(token) == STATE
    clock.now += timedelta(seconds=1)
    with pytest.raises(StateMismatch):
        sealer.open(token)


@pytest.mark.parametrize("token", [None, "", "not-a-fernet-token", "x" * 17000],
                         ids=["none", "empty", "junk", "huge"])
def test_a_missing_or_forged_state_is_refused(token: str | None) -> None:
    with pytest.raises(StateMismatch):
        StateSealer([NEW], Clock()).open(token)


def test_a_state_sealed_with_another_key_is_refused_unless_that_key_is_still_configured() -> None:
    token = StateSealer([OLD], Clock()).seal(STATE)
    with pytest.raises(StateMismatch):
        StateSealer([NEW], Clock()).open(token)
    assert StateSealer([NEW, OLD], Clock()).open(token) == STATE  # during a key rotation


def test_a_tampered_state_is_refused() -> None:
    token = StateSealer([NEW], Clock()).seal(STATE)
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    with pytest.raises(StateMismatch):
        StateSealer([NEW], Clock()).open(flipped)


def test_the_cookie_lists_the_pending_bindings() -> None:
    first, second = "a" * 43, "b" * 43
    assert parse_bindings(None) is None
    assert parse_bindings("") == []
    assert parse_bindings(f"{first}.{second}.bad!value.short") == [first, second]
    assert has_binding([first, second], second) and not has_binding([first], second)


def test_the_cookie_keeps_the_last_five_logins_and_is_deleted_when_empty() -> None:
    response = web.Response()
    set_bindings(response, [f"{i:043d}" for i in range(7)])
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{STATE_COOKIE}={2:043d}.") and header.count(".") == 4
    assert "Max-Age=600" in header and "SameSite=None" in header and "Partitioned" in header
    emptied = web.Response()
    set_bindings(emptied, [])
    assert emptied.headers["Set-Cookie"].startswith(f"{STATE_COOKIE}=; Path=/lti/; Max-Age=0;")
