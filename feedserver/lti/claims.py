"""LTI 1.3 claim names, and `LtiLaunch`: what a validated launch tells us about the user.

Roles follow the LIS v2 vocabulary (``…/membership#Instructor``,
``…/membership/Instructor#TeachingAssistant``, ``…/institution/person#Student``).
Canvas sends context roles for course launches and institution roles for
user and account navigation, so both are read by their fragment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import LtiPlatform

__all__ = [
    "LTI_CLAIM",
    "MESSAGE_TYPE",
    "VERSION",
    "DEPLOYMENT_ID",
    "ROLES",
    "RESOURCE_LINK",
    "TARGET_LINK_URI",
    "CUSTOM",
    "CONTEXT",
    "RESOURCE_LINK_REQUEST",
    "LTI_VERSION",
    "LtiLaunch",
    "canvas_user_id_from",
]

LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI_CLAIM + "message_type"
VERSION = LTI_CLAIM + "version"
DEPLOYMENT_ID = LTI_CLAIM + "deployment_id"
ROLES = LTI_CLAIM + "roles"
RESOURCE_LINK = LTI_CLAIM + "resource_link"
TARGET_LINK_URI = LTI_CLAIM + "target_link_uri"
CUSTOM = LTI_CLAIM + "custom"
CONTEXT = LTI_CLAIM + "context"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
LTI_VERSION = "1.3.0"

_TEACHING = {"Instructor", "TeachingAssistant", "ContentDeveloper"}
_LEARNING = {"Learner", "Student"}
_CANVAS_ID = re.compile(r"^\d{1,20}$")


def _role_name(role: str) -> str:
    # ".../membership#Instructor" -> "Instructor"; ".../membership/Instructor#TeachingAssistant" -> "TeachingAssistant"
    return role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def canvas_user_id_from(claims: Mapping[str, Any]) -> str | None:
    """The Canvas user id from the ``canvas_user_id`` custom field (``$Canvas.user.id``).

    Canvas sends the variable's name unexpanded (``"$Canvas.user.id"``) when the
    privacy level withholds it; that, like any non-number, counts as absent.
    """
    custom = claims.get(CUSTOM)
    value = custom.get("canvas_user_id") if isinstance(custom, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and _CANVAS_ID.match(value) else None


@dataclass(frozen=True)
class LtiLaunch:
    """A launch that passed every check of validate.py."""

    platform: LtiPlatform
    subject: str
    """`sub`: the user's id at the platform (stable, opaque)."""
    deployment_id: str
    roles: tuple[str, ...]
    resource_link_id: str
    canvas_user_id: str | None
    name: str
    context_title: str | None
    nonce_hash: str
    expires_at: datetime

    @property
    def is_instructor(self) -> bool:
        """Teaching roles and no learner role (a TA taking another course is still a student there)."""
        names = {_role_name(r) for r in self.roles}
        return bool(names & _TEACHING) and not names & _LEARNING
