"""The Canvas API scopes Homework Muffin needs: all read-only (docs/schools.md lists them for admins).

One definition for the admin instructions (canvasfeed.demand) and the
sandbox's developer keys, so the two cannot drift apart.
"""

from __future__ import annotations

__all__ = ["READ_ONLY_SCOPES"]

READ_ONLY_SCOPES = (
    "url:GET|/api/v1/users/:id",
    "url:GET|/api/v1/users/:user_id/profile",
    "url:GET|/api/v1/courses",
    "url:GET|/api/v1/courses/:course_id/assignments",
    "url:GET|/api/v1/planner/items",
    "url:GET|/api/v1/users/self/upcoming_events",
    "url:GET|/api/v1/calendar_events",
    "url:GET|/api/v1/users/self/groups",
    "url:GET|/api/v1/courses/:course_id/students/submissions",
)
