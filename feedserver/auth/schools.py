"""Finding your school: search by name or Canvas address, and asking for a missing one.

The landing page filters on the server (``/?q=...``) so the picker works
without JavaScript; static/picker.js filters the same list as you type.
A search that looks like a Canvas address nobody configured leads to the
"not at your school yet" page, whose form (a CSRF-checked POST, never a GET
that any ``<img>`` could send) counts the request in `school_requests`: once
per browser and host (a mark in the session, no IP address stored), and no
faster than `RequestLimits` allow per client and overall.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from ..config import Institution
from ..ratelimit import TokenBucketLimiter
from ..store.models import SchoolRequest
from ..typedefs import config_key, db_key

__all__ = [
    "Picker",
    "RequestLimits",
    "counted_request",
    "search_schools",
    "school_picker",
    "normalize_host",
    "record_school_request",
    "add_request_email",
    "count_request_once",
    "valid_email",
    "REQUESTS_SESSION_FIELD",
    "READS",
]

#: Session field: {canvas host: school_requests row id} of the requests this browser made.
REQUESTS_SESSION_FIELD = "school_requests"

_HOST_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{1,63}(:\d{1,5})?$")
_EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")

#: What Homework Muffin reads from Canvas, for the admin and privacy pages.
READS = (
    ("Your name and Canvas user id", "to know whose calendar it is (from the sign-in response)"),
    ("Your profile's time zone", "so due dates land on the right day"),
    ("Your profile's calendar feed address",
     "to recognise you if you connected that feed before (we keep only a one-way fingerprint of it)"),
    ("Your active courses (name, code, time zone)", "to group assignments and name them in the calendar"),
    ("Assignments: title, dates, points, type, link, and whether you submitted (each checkpoint too)",
     "to put deadlines in your calendar and mark what is done"),
    ("Calendar events of your courses, sections and groups; pages and discussions with a to-do date",
     "for exams, sessions and to-dos that have no assignment"),
    ("Only if you turn them on: your personal Canvas events and planner notes",
     "to show your own entries in the same calendar"),
)


@dataclass(frozen=True)
class Picker:
    query: str
    schools: tuple[Institution, ...]
    """The matching schools, by name (all of them for an empty query)."""
    unknown_host: str | None
    """Set when the query is a Canvas address no configured school uses."""


def normalize_host(text: str | None) -> str | None:
    """"https://Canvas.State.edu/courses" -> "canvas.state.edu"; None if not a host name."""
    if not text:
        return None
    text = text.strip().lower()
    if "://" not in text:
        text = "https://" + text
    try:
        host = urlsplit(text).netloc.rsplit("@", 1)[-1]
    except ValueError:
        return None
    host = host.rstrip(".")
    return host if _HOST_RE.match(host) else None


def search_schools(institutions: Iterable[Institution], query: str) -> Picker:
    """Schools whose name, slug or Canvas host contain every word of `query`."""
    query = " ".join(query.split())[:200]
    ordered = sorted(institutions, key=lambda i: i.name.lower())
    host = normalize_host(query) if "." in query and " " not in query else None
    if host is not None:
        matches = [i for i in ordered if i.canvas_host == host or host in i.canvas_host]
        if not matches:
            matches = [i for i in ordered if i.canvas_host.endswith("." + host)]
        return Picker(query, tuple(matches), None if matches else host)
    words = query.lower().split()
    matches = [i for i in ordered
               if all(w in f"{i.name} {i.slug} {i.canvas_host}".lower() for w in words)]
    return Picker(query, tuple(matches), None)


def school_picker(request: web.Request) -> Picker:
    """The landing page's picker for this request's ``?q=`` (a Jinja global)."""
    return search_schools(request.app[config_key].institutions, request.query.get("q", ""))


def valid_email(text: str) -> bool:
    return len(text) <= 320 and bool(_EMAIL_RE.match(text))


async def record_school_request(db: async_sessionmaker, host: str) -> int:
    """Count one request for a school at `host`; the row's id."""
    async with db.begin() as session:
        row = SchoolRequest(canvas_host=host)
        session.add(row)
        await session.flush()
        return row.id


async def add_request_email(db: async_sessionmaker, request_id: int, host: str, email: str) -> None:
    """Attach an e-mail address to this browser's request (a new row if it is gone)."""
    async with db.begin() as session:
        row = await session.scalar(select(SchoolRequest).where(
            SchoolRequest.id == request_id, SchoolRequest.canvas_host == host))
        if row is None:
            row = SchoolRequest(canvas_host=host)
            session.add(row)
        row.email = email


async def counted_request(request: web.Request, host: str) -> int | None:
    """The id of this browser's request for `host`, if it made one."""
    recorded = (await get_session(request)).get(REQUESTS_SESSION_FIELD) or {}
    return int(recorded[host]) if host in recorded else None


async def count_request_once(request: web.Request, host: str) -> int:
    """Count this browser's request for `host` once (reloads and repeat visits do not inflate
    demand); the request row's id."""
    session = await get_session(request)
    recorded = dict(session.get(REQUESTS_SESSION_FIELD) or {})
    if host not in recorded:
        recorded[host] = await record_school_request(request.app[db_key], host)
        session[REQUESTS_SESSION_FIELD] = dict(list(recorded.items())[-20:])
    return int(recorded[host])


@dataclass
class RequestLimits:
    """How fast the "not at your school yet" form counts new requests, in memory (ratelimit.py).

    Per client: a burst of 10, then one a minute; a client is an IPv4
    address or an IPv6 /64 (one household's or one phone's range). Overall:
    200, then one every 3 s. Together they keep one script, or many, from
    writing the demand board: each new count is a row. Tests shrink them.
    """

    per_client: TokenBucketLimiter = field(default_factory=lambda: TokenBucketLimiter(capacity=10, rate=1 / 60))
    overall: TokenBucketLimiter = field(default_factory=lambda: TokenBucketLimiter(capacity=200, rate=1 / 3))

    def retry_after(self, remote: str | None) -> str | None:
        """None if one more request from `remote` (the peer address) may be counted now, else the
        ``Retry-After`` value (whole seconds)."""
        limiter = self.per_client
        wait = limiter.take(_client_of(remote))
        if not wait:
            limiter = self.overall
            wait = limiter.take("all")
        return limiter.retry_after_header(wait) if wait else None


def _client_of(remote: str | None) -> str:
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return remote or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
