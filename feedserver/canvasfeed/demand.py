"""The demand board: which unconfigured schools students are waiting for.

Counted per Canvas host from `school_requests` (the "not at your school yet"
page, and every new calendar-feed student at an unconfigured school) and
from the calendar-feed students already using Homework Muffin there. Each
school comes with a message the team can send to its Canvas administrator,
naming everything they must do: which key to enable (or create), the client
id, the redirect URI, the scopes, and what we store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..auth.schools import READS
from ..canvas.coursework import ASSIGNMENTS_PARAMS
from ..canvas.scopes import READ_ONLY_SCOPES
from ..config import Config, DeveloperKey
from ..store.feed_students import SOURCE
from ..store.models import Institution as InstitutionRow
from ..store.models import SchoolRequest, Student

__all__ = ["DEFAULT_SCOPES", "SchoolDemand", "admin_message", "board_json", "demand_board", "inherited_key"]

#: The read-only scopes docs/schools.md lists, for a school creating its own scoped key.
DEFAULT_SCOPES = READ_ONLY_SCOPES


@dataclass(frozen=True)
class SchoolDemand:
    canvas_host: str
    waiting: int
    """Students who asked for the school or connected with its calendar feed."""
    requests: int
    feed_students: int
    emails: tuple[str, ...]
    message: str


def inherited_key(config: Config) -> DeveloperKey | None:
    """Our key shared across schools (a ``[keys.NAME]`` table used by some institution), if any."""
    return next((i.key for i in config.institutions if i.key.name != i.slug), None)


def admin_message(config: Config, host: str, waiting: int) -> str:
    """A ready-to-send message for the Canvas admin of `host`."""
    redirect = f"{config.server.public_url}/oauth/callback"
    key = inherited_key(config)
    students = f"{waiting} student{'s' if waiting != 1 else ''}"
    lines = [
        f"Hello Canvas administrator of {host},",
        "",
        f"{students} at your school asked to use Homework Muffin, which puts their Canvas assignments "
        "into the calendar they already use (Google, Apple or Outlook).",
        "",
        "What to do in Canvas (Admin → Developer Keys):",
    ]
    if key is not None:
        scopes = key.scopes or DEFAULT_SCOPES
        lines += [
            "1. Open the \"Inherited\" tab and find Homework Muffin, client_id "
            f"{key.client_id}.",
            "2. Switch its state to ON for your account.",
            f"3. It redirects only to {redirect}.",
            "4. Scopes it uses (read-only): " + ", ".join(scopes) + ".",
        ]
    else:
        scopes = DEFAULT_SCOPES
        lines += [
            "1. Choose + Developer Key → API Key.",
            f"2. Key name: Homework Muffin. Redirect URI: {redirect}",
            "3. Enforce scopes, tick these read-only scopes and \"Allow Include Parameters\" "
            "(for include[]=" + ASSIGNMENTS_PARAMS[0][1] + "): " + ", ".join(scopes) + ".",
            "4. Save, switch the key ON, and send us its client_id and client secret (over a secure channel).",
        ]
    lines += [
        "",
        "What Homework Muffin reads, and why:",
        *(f"- {what}: {why}." for what, why in READS),
        "",
        "Privacy: Canvas tokens are encrypted at rest; we never see passwords; students can disconnect at any "
        "time, which revokes the token and deletes everything we stored about them. We store no grades and "
        "nothing from other students.",
        f"Details: {config.server.public_url}/privacy",
    ]
    return "\n".join(lines)


async def demand_board(db: async_sessionmaker, config: Config) -> list[SchoolDemand]:
    """Unconfigured schools, most waiting students first (then by host)."""
    configured = {i.canvas_host for i in config.institutions}
    async with db() as session:
        requests = dict((await session.execute(
            select(SchoolRequest.canvas_host, func.count()).group_by(SchoolRequest.canvas_host))).all())
        email_rows = (await session.execute(
            select(SchoolRequest.canvas_host, SchoolRequest.email).where(SchoolRequest.email.is_not(None))
            .order_by(SchoolRequest.id))).all()
        feed_students = dict((await session.execute(
            select(InstitutionRow.canvas_host, func.count(Student.id))
            .join(Student, Student.institution_id == InstitutionRow.id)
            .where(InstitutionRow.configured.is_(False), Student.source == SOURCE)
            .group_by(InstitutionRow.canvas_host))).all())
    emails: dict[str, list[str]] = {}
    for host, email in email_rows:
        if email not in emails.setdefault(host, []):
            emails[host].append(email)
    board = []
    for host in set(requests) | set(feed_students):
        if host in configured:
            continue
        # A feed student at an unconfigured school is also counted as a request when they connect.
        waiting = max(int(requests.get(host, 0)), int(feed_students.get(host, 0)))
        board.append(SchoolDemand(host, waiting, int(requests.get(host, 0)), int(feed_students.get(host, 0)),
                                  tuple(emails.get(host, [])), admin_message(config, host, waiting)))
    board.sort(key=lambda d: (-d.waiting, d.canvas_host))
    return board


def board_json(board: list[SchoolDemand]) -> dict[str, Any]:
    return {"schools": [{**asdict(d), "emails": list(d.emails)} for d in board]}


async def load_demand(config: Config) -> list[SchoolDemand]:
    """The board read straight from the configured database (for the CLI)."""
    from ..store.db import create_engine, make_sessionmaker, migrate

    engine = create_engine(config.server.database)
    try:
        await migrate(engine)
        return await demand_board(make_sessionmaker(engine), config)
    finally:
        await engine.dispose()


def format_board(board: list[SchoolDemand]) -> str:
    """The board as text: a table, then each school's message to its Canvas admin."""
    if not board:
        return "No student is waiting for an unconfigured school."
    width = max(len(d.canvas_host) for d in board)
    lines = [f"{'canvas host':<{width}}  waiting  requests  feed students  e-mails"]
    lines += [f"{d.canvas_host:<{width}}  {d.waiting:>7}  {d.requests:>8}  {d.feed_students:>13}  {len(d.emails):>7}"
              for d in board]
    for d in board:
        lines += ["", f"--- message for the Canvas admin of {d.canvas_host} ---", d.message]
        if d.emails:
            lines.append(f"(tell when enabled: {', '.join(d.emails)})")
    return "\n".join(lines)
