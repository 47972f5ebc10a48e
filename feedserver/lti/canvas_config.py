"""The Canvas developer-key JSON configuration served at /lti/config.json.

An admin creates an LTI key with Method "Enter URL" and pastes this URL; Canvas
reads the tool's login, launch and key URLs, the placements and the custom
fields from it (Canvas docs, "Configuring LTI Advantage Tools": "Anatomy of a
JSON configuration"). Redirect URIs are not part of the JSON: the admin types
``{public_url}/lti/launch`` into the key's Redirect URIs field (docs/lti.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .service import LAUNCH_PATH, LOGIN_PATH

__all__ = ["canvas_configuration", "PLACEMENTS", "CUSTOM_FIELDS", "TITLE"]

TITLE = "Homework Muffin"
DESCRIPTION = ("Puts your Canvas assignments into Google, Apple or Outlook Calendar with one private link, "
               "and suggests work sessions that flatten crunch weeks.")
#: Where students (and, for the account menu, admins) find the tool.
PLACEMENTS = {
    "course_navigation": "Homework Muffin",
    "user_navigation": "Homework Muffin calendar",
    "global_navigation": "Homework Muffin",
    "account_navigation": "Homework Muffin",
}
#: Canvas expands these variables into the launch's custom claim.
CUSTOM_FIELDS = {
    # Links the launch to the student's OAuth identity (students.canvas_user_id).
    "canvas_user_id": "$Canvas.user.id",
    # Matches a teacher's launch to the course the students' synced data names (courses.canvas_course_id).
    "canvas_course_id": "$Canvas.course.id",
}
ICON_PATH = "/lti/icon.svg"


def canvas_configuration(public_url: str) -> dict[str, Any]:
    """The developer-key JSON for a server at `public_url` (no trailing slash)."""
    launch = public_url + LAUNCH_PATH
    icon = public_url + ICON_PATH
    placements = [
        {
            "placement": placement,
            "message_type": "LtiResourceLinkRequest",
            "target_link_uri": launch,
            "text": text,
            "icon_url": icon,
        }
        for placement, text in PLACEMENTS.items()
    ]
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "oidc_initiation_url": public_url + LOGIN_PATH,
        "target_link_uri": launch,
        "public_jwk_url": public_url + "/lti/jwks.json",
        # No LTI Advantage service is used: courses and assignments come through the
        # student's own OAuth grant, so the tool asks for no platform scopes.
        "scopes": [],
        "extensions": [{
            "platform": "canvas.instructure.com",
            "domain": urlsplit(public_url).netloc,
            "tool_id": "homework-muffin",
            "privacy_level": "public",
            "settings": {
                "text": TITLE,
                "icon_url": icon,
                "placements": placements,
            },
        }],
        "custom_fields": dict(CUSTOM_FIELDS),
    }
