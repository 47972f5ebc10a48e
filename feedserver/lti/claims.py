"""LTI 1.3 claim names, and `LtiLaunch`: what a validated launch tells us about the user.

Roles follow the LIS v2 vocabulary (``…/membership#Instructor``,
``…/membership/Instructor#TeachingAssistant``, ``…/institution/person#Student``).
Canvas sends context roles for course launches and institution roles for
user and account navigation (canvas-lms ``lib/lti/substitutions_helper.rb``,
``LIS_V2_LTI_ADVANTAGE_ROLE_MAP``). `is_instructor` (which note to show)
reads both by their fragment. Access to data is decided on full URIs:
`is_course_staff` wants a *context* role in the launch's course (an
institution ``#Instructor`` only says the person teaches somewhere), and
`is_admin` an institution or system administrator role.
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
    "canvas_course_id_from",
    "canvas_user_id_from",
    "context_id_from",
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

_LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
#: Context roles that may see the course's aggregate workload: teachers and TAs (Canvas sends a TA
#: both; other platforms may send only the sub-role). Designers and observers may not.
COURSE_STAFF_ROLES = frozenset({_LIS + "membership#Instructor", _LIS + "membership/Instructor#TeachingAssistant"})
#: Context roles that make a launch a student's, whatever else it carries.
_CONTEXT_LEARNER = _LIS + "membership#Learner"
#: Institution and system roles that may see the school's aggregate workload.
ADMIN_ROLES = frozenset({_LIS + "institution/person#Administrator", _LIS + "system/person#Administrator",
                         _LIS + "system/person#SysAdmin"})
#: The context type of a course (LTI Core 1.3 §5.4.1; Canvas sends it for courses).
COURSE_OFFERING = _LIS + "course#CourseOffering"


def _role_name(role: str) -> str:
    # ".../membership#Instructor" -> "Instructor"; ".../membership/Instructor#TeachingAssistant" -> "TeachingAssistant"
    return role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _canvas_id(claims: Mapping[str, Any], field: str) -> str | None:
    custom = claims.get(CUSTOM)
    value = custom.get(field) if isinstance(custom, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and _CANVAS_ID.match(value) else None


def canvas_user_id_from(claims: Mapping[str, Any]) -> str | None:
    """The Canvas user id from the ``canvas_user_id`` custom field (``$Canvas.user.id``).

    Canvas sends the variable's name unexpanded (``"$Canvas.user.id"``) when the
    privacy level withholds it; that, like any non-number, counts as absent.
    """
    return _canvas_id(claims, "canvas_user_id")


def context_id_from(claims: Mapping[str, Any]) -> str | None:
    """The launch's course context id, or None outside a course.

    None when the context claim is missing, has no id, or names a type that
    is not a course (LTI Core 1.3 §5.4.1: the type is optional; when present
    it must include ``CourseOffering``).
    """
    context = claims.get(CONTEXT)
    if not isinstance(context, Mapping):
        return None
    context_id, types = context.get("id"), context.get("type", [COURSE_OFFERING])
    if not isinstance(context_id, str) or not context_id or not 0 < len(context_id) <= 255:
        return None
    if not isinstance(types, list) or COURSE_OFFERING not in types:
        return None
    return context_id


def canvas_course_id_from(claims: Mapping[str, Any]) -> str | None:
    """Canvas's id of the launch's course: the ``canvas_course_id`` custom field
    (``$Canvas.course.id``), and only inside a course context (`context_id_from`).

    Outside a course Canvas leaves the variable unexpanded; that counts as absent.
    """
    return _canvas_id(claims, "canvas_course_id") if context_id_from(claims) is not None else None


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
    canvas_course_id: str | None = None
    """Canvas's id of the course the launch came from (`canvas_course_id_from`); None outside a course."""

    @property
    def is_instructor(self) -> bool:
        """Teaching roles and no learner role (a TA taking another course is still a student there)."""
        names = {_role_name(r) for r in self.roles}
        return bool(names & _TEACHING) and not names & _LEARNING

    @property
    def is_course_staff(self) -> bool:
        """A teacher or TA *of the launch's course*: a context role, no learner role, a known course."""
        roles = set(self.roles)
        return (self.canvas_course_id is not None and bool(roles & COURSE_STAFF_ROLES)
                and _CONTEXT_LEARNER not in roles)

    @property
    def is_admin(self) -> bool:
        """An administrator of the school (institution role) or of the platform (system role)."""
        return bool(set(self.roles) & ADMIN_ROLES)
