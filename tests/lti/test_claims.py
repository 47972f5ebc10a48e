"""Reading who launched: roles and the Canvas user id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedserver.config import LtiPlatform
from feedserver.lti.claims import CUSTOM, LtiLaunch, canvas_user_id_from

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
PLATFORM = LtiPlatform("https://canvas.instructure.com", "1", ("d",), "north", "https://a", "https://j")


def launch_with(*roles: str) -> LtiLaunch:
    return LtiLaunch(platform=PLATFORM, subject="s", deployment_id="d", roles=roles, resource_link_id="r",
                     canvas_user_id=None, name="", context_title=None, nonce_hash="0",
                     expires_at=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(("roles", "instructor"), [
    ((LIS + "membership#Instructor",), True),
    ((LIS + "membership/Instructor#TeachingAssistant",), True),
    ((LIS + "membership#ContentDeveloper",), True),
    ((LIS + "membership#Learner",), False),
    ((LIS + "membership#Instructor", LIS + "membership#Learner"), False),
    ((LIS + "institution/person#Instructor", LIS + "institution/person#Student"), False),
    ((LIS + "institution/person#Instructor", LIS + "system/person#User"), True),
    ((LIS + "system/person#User",), False),
    ((), False),
], ids=["instructor", "TA", "designer", "learner", "instructor and learner", "institution teacher who studies",
        "institution teacher (user navigation)", "plain user", "no roles"])
def test_instructors_are_teaching_roles_without_a_learner_role(roles: tuple[str, ...], instructor: bool) -> None:
    assert launch_with(*roles).is_instructor is instructor


@pytest.mark.parametrize(("custom", "expected"), [
    ({"canvas_user_id": "1001"}, "1001"),
    ({"canvas_user_id": 1001}, "1001"),
    ({"canvas_user_id": "$Canvas.user.id"}, None),
    ({"canvas_user_id": True}, None),
    ({"canvas_user_id": "12 OR 1=1"}, None),
    ({}, None),
    ("not an object", None),
])
def test_the_canvas_user_id_comes_from_the_custom_claim(custom: object, expected: str | None) -> None:
    assert canvas_user_id_from({CUSTOM: custom}) == expected
    assert canvas_user_id_from({}) is None
