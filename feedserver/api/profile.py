"""The signed-in student as the web app sees them: who, which school, feed links, sync state."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..config import Config
from ..crypto import TokenCipher
from ..feeds.tokens import current_feed_token, feed_links
from ..settings import StudentSettings
from ..source_status import PROBLEMS, notice_starts
from ..store.models import Institution as InstitutionRow
from ..store.models import Student, SyncRun
from .assignments import iso_utc
from .errors import api_problem

__all__ = ["load_student", "problem_document", "profile_document", "feed_document", "settings_document",
           "institutions_document"]


async def load_student(db: async_sessionmaker, student_id: int) -> tuple[Student, InstitutionRow]:
    """The student's row and their school's row; 401 ``not-signed-in`` if the student is gone."""
    async with db() as session:
        row = (await session.execute(
            select(Student, InstitutionRow).join(InstitutionRow, InstitutionRow.id == Student.institution_id)
            .where(Student.id == student_id))).first()
    if row is None:
        # Disconnected between the session check and here (another tab, another device).
        raise api_problem("not-signed-in", "This student no longer exists here.")
    return row[0], row[1]


def _institution(config: Config, row: InstitutionRow) -> dict[str, str]:
    configured = config.institution(row.slug)
    if configured is not None:
        return {"slug": configured.slug, "name": configured.name, "canvas_url": configured.canvas_url}
    # A school known only by its Canvas host (calendar-feed students): no OAuth configuration.
    return {"slug": row.slug, "name": row.name, "canvas_url": f"https://{row.canvas_host}"}


async def feed_document(config: Config, db: async_sessionmaker, cipher: TokenCipher, student_id: int,
                        kind: str = "all", token: str | None = None) -> dict[str, str]:
    """The subscribe links of the student's feed of `kind` (issuing a token on first use)."""
    if token is None:
        token = await current_feed_token(db, cipher, student_id, kind)
    return {"kind": kind, **asdict(feed_links(config.server.public_url, token, kind))}


async def problem_document(db: async_sessionmaker, student: Student) -> dict[str, Any] | None:
    """Why the student's calendar stopped updating (feedserver.source_status), or None."""
    problem = PROBLEMS.get(student.source_problem or "")
    if problem is None or student.source_problem_since is None:
        return None
    async with db() as session:
        detail = await session.scalar(select(SyncRun.error).where(
            SyncRun.student_id == student.id, SyncRun.outcome == "error").order_by(SyncRun.id.desc()).limit(1))
    return {"kind": problem.kind, "title": problem.headline[:1].upper() + problem.headline[1:],
            "explanation": problem.explanation, "action": problem.action,
            "since": iso_utc(student.source_problem_since), "detail": detail,
            "feed_notice_from": iso_utc(notice_starts(problem.kind, student.source_problem_since))}


async def profile_document(config: Config, db: async_sessionmaker, cipher: TokenCipher,
                           student_id: int) -> dict[str, Any]:
    """The body of ``GET /api/me``."""
    student, institution = await load_student(db, student_id)
    feed = await feed_document(config, db, cipher, student_id)
    feed.pop("kind")
    return {
        "user": {"name": student.display_name, "canvas_user_id": student.canvas_user_id,
                 "time_zone": student.time_zone},
        "institution": _institution(config, institution),
        "status": student.status,
        "source": student.source,
        "feed": feed,
        "last_sync_at": iso_utc(student.last_sync_at),
        "problem": await problem_document(db, student),
    }


def settings_document(student: Student) -> dict[str, Any]:
    return StudentSettings.from_json(student.settings).to_json()


def institutions_document(config: Config) -> dict[str, Any]:
    """The public school list of the picker: configured schools only, by name."""
    schools = sorted(config.institutions, key=lambda i: i.name.lower())
    return {"institutions": [
        {"slug": i.slug, "name": i.name, "canvas_host": i.canvas_host, "login_url": f"/login?institution={i.slug}"}
        for i in schools
    ]}
