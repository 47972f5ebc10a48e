"""Who is signed in: the encrypted session cookie, read and written in one place.

The cookie (aiohttp-session `EncryptedCookieStorage`, set up in app.py) holds
the student's id together with their school and Canvas user id. Every read
checks all three against the database, so a cookie outlives neither a
disconnect (the row is gone) nor a reused row id (SQLite can hand out the id
of a deleted row again). Signing in always starts a fresh session, so nothing
planted in the cookie before login (session fixation) survives it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session, new_session
from sqlalchemy import select

from ..http_policy import is_api_request
from ..problems import ProblemError
from ..store.models import Student
from ..typedefs import activity_key, db_key

__all__ = [
    "current_student_id",
    "require_student",
    "sign_in",
    "sign_out",
    "STUDENT_FIELD",
]

#: Session field: {"id": student id, "inst": institution id, "user": Canvas user id}.
STUDENT_FIELD = "student"


async def current_student_id(request: web.Request) -> int | None:
    """The signed-in student's id, or None (no session, or the student was deleted)."""
    session = await get_session(request)
    claim: Any = session.get(STUDENT_FIELD)
    if not isinstance(claim, dict) or not isinstance(claim.get("id"), int):
        return None
    async with request.app[db_key]() as db:
        row = (await db.execute(
            select(Student.institution_id, Student.canvas_user_id).where(Student.id == claim["id"])
        )).first()
    if row is None or row[0] != claim.get("inst") or row[1] != claim.get("user"):
        # A stale cookie: the student disconnected (maybe on another device).
        session.pop(STUDENT_FIELD, None)
        return None
    request.app[activity_key].seen(claim["id"])  # signed in and using the service (retention)
    return int(claim["id"])


async def require_student(request: web.Request) -> int:
    """The signed-in student's id, or stop the request.

    `/api/*` answers a 401 problem document; pages redirect to the landing page.
    """
    student_id = await current_student_id(request)
    if student_id is not None:
        return student_id
    if is_api_request(request):
        raise ProblemError(401, "not-signed-in", "Not signed in",
                           "Sign in with Canvas first; the session cookie is missing or has ended.")
    raise web.HTTPFound("/")


async def sign_in(request: web.Request, student_id: int) -> None:
    """Start a brand-new session for `student_id` (the old session's contents are dropped)."""
    async with request.app[db_key]() as db:
        row = (await db.execute(
            select(Student.institution_id, Student.canvas_user_id).where(Student.id == student_id)
        )).first()
    if row is None:
        raise LookupError(f"student {student_id} does not exist")
    session = await new_session(request)
    session[STUDENT_FIELD] = {"id": student_id, "inst": row[0], "user": row[1]}
    request.app[activity_key].seen(student_id)


async def sign_out(request: web.Request) -> None:
    """End this browser's session (the cookie is cleared on the response)."""
    session = await get_session(request)
    session.invalidate()
