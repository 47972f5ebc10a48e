"""Loaders: ICS calendars, Canvas API JSON and the server's database → assignments table.

All three return the table of :mod:`muffin_analytics.schema`, with
``est_hours`` left ``NaN`` (run :func:`muffin_analytics.effort.estimate`).
``kind`` is classified from the title (and Canvas submission types) when the
source does not say.  What Canvas's answers mean (submission states, feed
UIDs, quiz and discussion markers) is read with
:mod:`muffin_analytics.canvas_rules`, the rules the feed server uses too.

**Nothing is skipped silently.**  Items that are not assignments (Canvas
calendar events, our suggested work sessions ``hm-session-*``, announcements,
unpublished assignments, repeated ids) are left out and listed in
``frame.attrs["skipped"].frame`` (a :class:`~muffin_analytics.schema.RowReport`
around a DataFrame with columns ``ref`` (UID or id), ``title``, ``code`` and
``reason``).  :func:`read_ics` returns both as a
:class:`LoadResult`.

Time handling: ICS times with a zone or ``Z`` are converted to UTC; floating
times and all-day dates are read in the calendar's zone (``tz`` argument,
else ``X-WR-TIMEZONE``, else UTC).  An all-day event (Canvas uses them for
assignments due at 23:59 or 00:00) is taken as due at **23:59** local time on
its date, and flagged ``due_all_day``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .canvas_rules import (
    CALENDAR_EVENT_UID_PREFIX,
    HANDED_IN,
    PLANNER_ASSIGNMENT_TYPES,
    assignment_id_of,
    is_override_uid,
    planner_submission_state,
    split_summary,
    submission_state,
    submission_types,
)
from .effort import classify_kinds
from .errors import InputError
from .privacy import pseudonym, resolve_salt
from .schema import COLUMNS, KINDS, RowReport, conform

__all__ = [
    "LoadResult",
    "SKIPPED_COLUMNS",
    "read_ics",
    "from_ics",
    "from_canvas",
    "from_store",
    "from_store_async",
    "async_url",
]

SKIPPED_COLUMNS = ("ref", "title", "code", "reason")
"""Columns of ``attrs["skipped"]``."""


@dataclasses.dataclass
class LoadResult:
    """What a loader read: the assignments and the items it left out.

    Attributes
    ----------
    frame : pandas.DataFrame
        Assignments table (``frame.attrs["skipped"].frame`` is :attr:`skipped`).
    skipped : pandas.DataFrame
        ``ref, title, code, reason`` of every item left out.

    Examples
    --------
    >>> from muffin_analytics import datasets
    >>> from muffin_analytics.load import read_ics
    >>> sem = datasets.sample_semester()
    >>> res = read_ics(sem.calendar_feed, student=sem.student, tz=sem.time_zone)
    >>> len(res.frame), res.skipped["code"].value_counts().to_dict()
    (131, {'not_assignment': 33})
    """

    frame: pd.DataFrame
    skipped: pd.DataFrame


def _skipped_frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(SKIPPED_COLUMNS)).astype("str")


def _finish(records: list[dict[str, Any]], skipped: list[tuple[str, str, str, str]], extra: Iterable[str] = ()) -> LoadResult:
    """Records → conformed table, repeated (student, id) pairs moved to *skipped*."""
    cols = [*COLUMNS, "tz", "description", "submission_types", "due_all_day", "submitted_at", "submission_state", *extra]
    if not records:
        frame = conform(pd.DataFrame({c: pd.Series(dtype="object") for c in ("student", "assignment_id", "due_at")}))
        frame = frame.assign(tz=pd.Series(dtype="str"))
    else:
        raw = pd.DataFrame.from_records(records)
        for c in cols:
            if c not in raw.columns:
                raw[c] = None
        raw = raw[[c for c in cols if c in raw.columns]]
        kinds = raw["kind"].where(raw["kind"].isin(KINDS))
        if kinds.isna().any():
            guessed = classify_kinds(raw["title"].fillna(""), raw["submission_types"], raw["description"])
            kinds = kinds.fillna(guessed)
        raw["kind"] = kinds
        dup = raw.duplicated(["student", "assignment_id"], keep="first").to_numpy()
        for _, row in raw.loc[dup].iterrows():
            skipped.append((str(row["assignment_id"]), str(row["title"]), "duplicate", "assignment listed again; first occurrence kept"))
        raw = raw.loc[~dup].reset_index(drop=True)
        if raw["submission_state"].isna().all():
            raw = raw.drop(columns="submission_state")
        frame = conform(raw)
    skipped_df = _skipped_frame(skipped)
    frame.attrs["skipped"] = RowReport(skipped_df)
    return LoadResult(frame, skipped_df)


# --------------------------------------------------------------------------
# ICS
# --------------------------------------------------------------------------

_PREFIX_SUMMARY = re.compile(r"^(?P<course>[A-Z]{2,6}[ -]?\d{2,4}[A-Z]?(?:[ -][A-Z0-9]{1,4})?):\s+(?P<title>.+)$")
_ID_IN_TEXT = (
    re.compile(r"#assignment_(\d+)"),
    re.compile(r"assignment[-_](\d+)"),
    re.compile(r"(?:^|[-_.:/])a(\d+)(?:@|$)"),
)


def _xtext(value: Any) -> str | None:
    """Unescaped text of a property (X- properties arrive unparsed)."""
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0]
    text = str(value)
    text = text.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
    return text.strip() or None


def _categories(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        cats = getattr(item, "cats", None)
        out.extend(str(c).strip() for c in (cats if cats is not None else [item]) if str(c).strip())
    return out


def _read_source(source: str | bytes | Path) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, Path):
        return source.read_bytes()
    if isinstance(source, str):
        if source.lstrip().upper().startswith("BEGIN:VCALENDAR"):
            return source.encode("utf-8")
        path = Path(source)
        if not path.exists():
            raise InputError(f"{source[:60]!r} is neither ICS text (BEGIN:VCALENDAR…) nor an existing file")
        return path.read_bytes()
    raise InputError(f"from_ics reads a path, bytes or str, got {type(source).__name__}")


def _to_utc(value: Any, zone: zoneinfo.ZoneInfo) -> tuple[pd.Timestamp, bool]:
    """(UTC timestamp, all_day) of a DTSTART/DTEND value."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return pd.Timestamp(value).tz_convert("UTC"), False
    if isinstance(value, dt.date):
        local = dt.datetime.combine(value, dt.time(23, 59), tzinfo=zone)
        return pd.Timestamp(local).tz_convert("UTC"), True
    raise InputError(f"cannot read {value!r} as a date or datetime")


def _assignment_id(uid: str, url: str | None, explicit: str | None) -> int | None:
    if explicit:
        try:
            return int(explicit.strip())
        except ValueError:
            raise InputError(f"X-MUFFIN-ASSIGNMENT-ID must be an integer, got {explicit!r}") from None
    canvas_id = assignment_id_of(uid, url)
    if canvas_id is not None:
        return int(canvas_id)
    # Other producers: look for an id in UID and URL; an override UID holds the override's id, not one.
    texts = [url] if is_override_uid(uid) else [uid, url]
    for text in texts:
        if not text:
            continue
        for pattern in _ID_IN_TEXT:
            found = pattern.search(text)
            if found:
                return int(found.group(1))
    return None


def _boolean(text: str | None) -> bool | None:
    if text is None:
        return None
    key = text.strip().lower()
    if key in ("true", "yes", "1"):
        return True
    if key in ("false", "no", "0"):
        return False
    return None


def read_ics(source: str | bytes | Path, *, student: str | None = None, tz: str | None = None) -> LoadResult:
    """Read a Canvas or Homework Muffin ICS calendar.

    Parameters
    ----------
    source : path, bytes or str
        A file path, or the calendar itself (text starting ``BEGIN:VCALENDAR``).
    student : str, optional
        Value of the ``student`` column; default ``X-MUFFIN-STUDENT`` of the
        calendar, else ``"student"``.  (Canvas's ``X-WR-CALNAME`` holds the
        student's name and is deliberately not used.)
    tz : str, optional
        Zone for floating and all-day times and for the ``tz`` column;
        default ``X-WR-TIMEZONE``, else UTC.

    Returns
    -------
    LoadResult

    Notes
    -----
    Per event:

    * assignment id — ``X-MUFFIN-ASSIGNMENT-ID``; else Canvas's
      ``event-assignment-<id>``; for ``event-assignment-override-<oid>`` the
      ``#assignment_<id>`` fragment of the URL; else a trailing ``a<digits>``,
      ``assignment-<digits>`` or ``#assignment_<digits>`` in UID or URL;
    * course — ``X-MUFFIN-COURSE``; else Canvas's ``title [course]`` summary;
      else the first ``CATEGORIES``; else a ``COURSE 101: title`` prefix;
    * due — ``DTEND`` if present and later than ``DTSTART``, else ``DTSTART``;
    * kind, points, submitted — ``X-MUFFIN-KIND``, ``X-MUFFIN-POINTS``,
      ``X-MUFFIN-SUBMITTED`` (true/false/unknown); Canvas feeds carry none
      of these, so points and submitted are ``NaN`` / ``<NA>`` there.

    Skipped (listed in ``skipped``): ``hm-session-*`` work sessions, events
    without an assignment id (e.g. ``event-calendar-event-*``), repeats.

    Examples
    --------
    >>> from muffin_analytics.load import read_ics
    >>> ics = '''BEGIN:VCALENDAR
    ... VERSION:2.0
    ... BEGIN:VEVENT
    ... UID:event-assignment-42
    ... DTSTART:20261010T045900Z
    ... DTEND:20261010T045900Z
    ... SUMMARY:Essay 2 [HIST 101]
    ... END:VEVENT
    ... END:VCALENDAR
    ... '''
    >>> res = read_ics(ics, tz="America/Chicago")
    >>> res.frame[["assignment_id", "course", "title", "kind"]].to_numpy().tolist()
    [[42, 'HIST 101', 'Essay 2', 'essay']]
    """
    from icalendar import Calendar

    data = _read_source(source)
    if not data.strip():
        raise InputError("empty input: not an ICS calendar")
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except ValueError as exc:
        raise InputError(f"not a readable ICS calendar: {exc}") from exc
    if not calendars:
        raise InputError("no VCALENDAR in input")
    records: list[dict[str, Any]] = []
    skipped: list[tuple[str, str, str, str]] = []
    for cal in calendars:
        zone_name = tz or _xtext(cal.get("X-WR-TIMEZONE")) or "UTC"
        try:
            zone = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(f"unknown time zone {zone_name!r}") from exc
        who = student or _xtext(cal.get("X-MUFFIN-STUDENT")) or "student"
        for ev in cal.walk("VEVENT"):
            uid = _xtext(ev.get("UID")) or ""
            summary = _xtext(ev.get("SUMMARY")) or ""
            if uid.startswith("hm-session-"):
                skipped.append((uid, summary, "session", "suggested work session, not an assignment"))
                continue
            url = _xtext(ev.get("URL"))
            aid = _assignment_id(uid, url, _xtext(ev.get("X-MUFFIN-ASSIGNMENT-ID")))
            if aid is None:
                reason = "Canvas calendar event, not an assignment" if uid.startswith(CALENDAR_EVENT_UID_PREFIX) else "no assignment id in UID, URL or X-MUFFIN-ASSIGNMENT-ID"
                skipped.append((uid, summary, "not_assignment", reason))
                continue
            start_prop, end_prop = ev.get("DTSTART"), ev.get("DTEND")
            if start_prop is None:
                skipped.append((uid, summary, "undated_event", "event without DTSTART"))
                continue
            start_utc, all_day = _to_utc(start_prop.dt, zone)
            due = start_utc
            if end_prop is not None and not all_day:
                end_utc, _ = _to_utc(end_prop.dt, zone)
                if end_utc > start_utc:
                    due = end_utc
            title, course = summary, _xtext(ev.get("X-MUFFIN-COURSE"))
            canvas_title, canvas_code = split_summary(summary, override=is_override_uid(uid))
            if canvas_code:
                title = canvas_title
                course = course or canvas_code
            cats = _categories(ev.get("CATEGORIES"))
            if not course and cats:
                course = cats[0]
            if not course:
                pm = _PREFIX_SUMMARY.match(summary)
                if pm:
                    course, title = pm.group("course"), pm.group("title")
            points_text = _xtext(ev.get("X-MUFFIN-POINTS"))
            try:
                points = float(points_text) if points_text else np.nan
            except ValueError:
                raise InputError(f"X-MUFFIN-POINTS of {uid!r} is not a number: {points_text!r}") from None
            kind = (_xtext(ev.get("X-MUFFIN-KIND")) or "").lower() or None
            unlock = _xtext(ev.get("X-MUFFIN-UNLOCK-AT"))
            records.append(
                {
                    "student": who,
                    "course": course or "",
                    "assignment_id": aid,
                    "title": title,
                    "kind": kind,
                    "unlock_at": pd.Timestamp(unlock).tz_convert("UTC") if unlock and pd.Timestamp(unlock).tzinfo else None,
                    "due_at": due,
                    "points": points,
                    "submitted": _boolean(_xtext(ev.get("X-MUFFIN-SUBMITTED"))),
                    "tz": zone_name,
                    "description": _xtext(ev.get("DESCRIPTION")),
                    "due_all_day": all_day,
                }
            )
    return _finish(records, skipped)


def from_ics(source: str | bytes | Path, *, student: str | None = None, tz: str | None = None) -> pd.DataFrame:
    """ICS calendar → assignments table; ``attrs["skipped"]`` lists what was left out.

    Parameters
    ----------
    source : path, bytes or str
        A file path, or the calendar text itself.
    student : str, optional
        Value of the ``student`` column (default ``X-MUFFIN-STUDENT``, else
        ``"student"``).
    tz : str, optional
        Zone for floating and all-day times (default ``X-WR-TIMEZONE``, else UTC).

    Returns
    -------
    pandas.DataFrame
        The assignments table; ``attrs["skipped"].frame`` lists the events
        left out.  See :func:`read_ics` for the rules.

    Examples
    --------
    >>> from muffin_analytics.load import from_ics
    >>> from_ics("BEGIN:VCALENDAR\\nVERSION:2.0\\nEND:VCALENDAR\\n").shape[0]  # empty calendar
    0
    """
    return read_ics(source, student=student, tz=tz).frame


# --------------------------------------------------------------------------
# Canvas API JSON
# --------------------------------------------------------------------------

def _course_index(courses: Any) -> dict[str, dict[str, Any]]:
    if courses is None:
        return {}
    if isinstance(courses, Mapping):
        items = [{"id": k, **v} if isinstance(v, Mapping) else {"id": k, "course_code": str(v)} for k, v in courses.items()]
    else:
        items = list(courses)
    out: dict[str, dict[str, Any]] = {}
    for c in items:
        if "id" in c and c["id"] is not None:
            out[str(c["id"])] = dict(c)
    return out


def from_canvas(
    assignments: Iterable[Mapping[str, Any]] | Mapping[Any, Iterable[Mapping[str, Any]]],
    courses: Iterable[Mapping[str, Any]] | Mapping[Any, Any] | None = None,
    *,
    student: str = "student",
    tz: str | None = None,
) -> pd.DataFrame:
    """Canvas API JSON → assignments table.

    Parameters
    ----------
    assignments : list of dict (or mapping course id → list)
        As Canvas returns them: course assignments
        (``GET /api/v1/courses/:id/assignments``, optionally with
        ``include[]=submission``) and/or planner items
        (``GET /api/v1/planner/items``); the two may be mixed.
    courses : list of dict or mapping, optional
        Canvas courses (``id``, ``course_code``, ``name``, ``time_zone``) to
        label rows; planner items fall back to ``context_name``.
    student : str
        Value of the ``student`` column.
    tz : str, optional
        ``tz`` column; default the course's ``time_zone``, else UTC.

    Returns
    -------
    pandas.DataFrame
        ``submission_state`` follows
        :func:`muffin_analytics.canvas_rules.submission_state` (planner items:
        :func:`~muffin_analytics.canvas_rules.planner_submission_state`);
        ``submitted`` is ``<NA>`` when Canvas sent no submission (assignments
        fetched without ``include[]=submission``).  ``kind`` comes from the
        title first, then the submission types Canvas's quiz and discussion
        markers imply.  ``attrs["skipped"]`` lists unpublished assignments
        and non-assignment planner items.

    Examples
    --------
    >>> from muffin_analytics.load import from_canvas
    >>> df = from_canvas([{"id": 7, "name": "Quiz 1", "course_id": 3,
    ...     "due_at": "2026-10-09T04:59:00Z", "points_possible": 10,
    ...     "submission_types": ["online_quiz"]}],
    ...     courses=[{"id": 3, "course_code": "CHEM 110", "time_zone": "America/Chicago"}])
    >>> df[["course", "kind", "points", "tz"]].to_numpy().tolist()
    [['CHEM 110', 'quiz', 10.0, 'America/Chicago']]
    """
    items: list[Mapping[str, Any]] = []
    if isinstance(assignments, Mapping):
        for cid, group in assignments.items():
            for a in group:
                items.append({"course_id": cid, **a} if "course_id" not in a else a)
    else:
        items = list(assignments)
    course_by_id = _course_index(courses)
    records: list[dict[str, Any]] = []
    skipped: list[tuple[str, str, str, str]] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise InputError(f"Canvas items must be JSON objects, got {type(item).__name__}")
        course_id = item.get("course_id")
        course = course_by_id.get(str(course_id)) if course_id is not None else None
        course_label = (course or {}).get("course_code") or (course or {}).get("name") or item.get("context_name") or (f"course {course_id}" if course_id is not None else "")
        zone = tz or (course or {}).get("time_zone") or "UTC"
        if "plannable_type" in item:
            ptype = item.get("plannable_type")
            plannable = item.get("plannable") or {}
            title = plannable.get("title") or plannable.get("name") or ""
            ref = f"{ptype}:{item.get('plannable_id')}"
            if ptype not in PLANNER_ASSIGNMENT_TYPES:
                skipped.append((ref, str(title), "not_assignment", f"planner item of type {ptype!r}, not an assignment"))
                continue
            aid = plannable.get("assignment_id") or item.get("plannable_id")
            if aid is None:
                skipped.append((ref, str(title), "not_assignment", "planner item without an id"))
                continue
            state = planner_submission_state(item.get("submissions"))
            records.append(
                {
                    "student": student,
                    "course": course_label,
                    "assignment_id": aid,
                    "title": title,
                    "kind": None,
                    "unlock_at": plannable.get("unlock_at"),
                    "due_at": plannable.get("due_at") or item.get("plannable_date"),
                    "points": plannable.get("points_possible"),
                    "submitted": HANDED_IN[state],
                    "submission_state": state,
                    "tz": zone,
                    "submission_types": ",".join(PLANNER_ASSIGNMENT_TYPES[ptype]),
                }
            )
            continue
        if item.get("id") is None:
            raise InputError(f"Canvas assignment without an id: {dict(item)!r:.120}")
        title = item.get("name") or item.get("title") or ""
        if item.get("published") is False or item.get("workflow_state") == "unpublished":
            skipped.append((str(item["id"]), str(title), "unpublished", "assignment not published"))
            continue
        submission = item.get("submission")
        # Fetched without include[]=submission, an assignment has no submission: unknown, not unsubmitted.
        state = submission_state(submission, requested=False)
        records.append(
            {
                "student": student,
                "course": course_label,
                "assignment_id": item["id"],  # an int, or a string with Accept: application/json+canvas-string-ids
                "title": title,
                "kind": None,
                "unlock_at": item.get("unlock_at"),
                "due_at": item.get("due_at"),
                "points": item.get("points_possible"),
                "submitted": HANDED_IN[state],
                "submission_state": state,
                "submitted_at": submission.get("submitted_at") if isinstance(submission, Mapping) else None,
                "tz": zone,
                "description": item.get("description"),
                "submission_types": ",".join(submission_types(item)),
            }
        )
    for r in records:
        for key in ("unlock_at", "due_at", "submitted_at"):
            r[key] = pd.Timestamp(r[key]).tz_convert("UTC") if r.get(key) and pd.Timestamp(r[key]).tzinfo else (
                pd.Timestamp(r[key]).tz_localize("UTC") if r.get(key) else None)
        if r.get("points") is not None and float(r["points"]) < 0:
            raise InputError(f"assignment {r['assignment_id']} has negative points_possible {r['points']}")
    return _finish(records, skipped).frame


# --------------------------------------------------------------------------
# The server's database
# --------------------------------------------------------------------------


def async_url(database_url: str) -> str:
    """Give a database URL its async driver (``sqlite+aiosqlite``, ``postgresql+asyncpg``).

    Examples
    --------
    >>> from muffin_analytics.load import async_url
    >>> async_url("sqlite:///muffin.db"), async_url("postgres://u@h/db")
    ('sqlite+aiosqlite:///muffin.db', 'postgresql+asyncpg://u@h/db')
    """
    scheme, sep, rest = database_url.partition("://")
    if not sep:
        raise InputError(f"not a database URL: {database_url!r}")
    base = scheme.split("+", 1)[0].lower()
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    raise InputError(f"unsupported database {scheme!r}: use sqlite:/// or postgresql://")


# The columns read from each of the server's tables.  The tables themselves
# are reflected from the database (``MetaData.reflect``), not declared here:
# the feed server's migrations (feedserver/store/models.py) own the schema,
# this package may not import the server, and a copy of the definitions
# would drift from the database it reads.  Reflection also reads an older or
# newer schema as long as these columns are there.
_STORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "institutions": ("id", "slug", "name"),
    "students": ("id", "institution_id", "canvas_user_id", "time_zone"),
    "courses": ("id", "student_id", "canvas_course_id", "name", "course_code"),
    "assignments": (
        "id", "student_id", "course_id", "canvas_assignment_id", "title", "kind", "unlock_at", "due_at",
        "points_possible", "published", "submission_state", "submitted_at",
    ),
}


def _reflect_tables(sync_conn: Any) -> dict[str, Any]:
    """The server's tables as the database has them; InputError names what is missing."""
    import sqlalchemy as sa

    present = set(sa.inspect(sync_conn).get_table_names())
    absent = sorted(set(_STORE_COLUMNS) - present)
    if absent:
        raise InputError(f"not a Homework Muffin database: no table {', '.join(absent)}")
    md = sa.MetaData()
    md.reflect(sync_conn, only=list(_STORE_COLUMNS))
    for name, columns in _STORE_COLUMNS.items():
        lacking = [c for c in columns if c not in md.tables[name].c]
        if lacking:
            raise InputError(f"table {name} of this database has no column {', '.join(lacking)}")
    return dict(md.tables)


def _store_query(tables: dict[str, Any]) -> Any:
    """One row per assignment with its student, course and institution."""
    import sqlalchemy as sa

    institutions, students = tables["institutions"], tables["students"]
    courses, assignments = tables["courses"], tables["assignments"]
    return (
        sa.select(
            institutions.c.slug,
            students.c.canvas_user_id,
            students.c.id.label("student_pk"),
            students.c.time_zone,
            courses.c.course_code,
            courses.c.name.label("course_name"),
            assignments.c.canvas_assignment_id,
            assignments.c.title,
            assignments.c.kind,
            assignments.c.unlock_at,
            assignments.c.due_at,
            assignments.c.points_possible,
            assignments.c.published,
            assignments.c.submission_state,
            assignments.c.submitted_at,
        )
        .select_from(
            assignments.join(students, assignments.c.student_id == students.c.id)
            .outerjoin(courses, assignments.c.course_id == courses.c.id)
            .outerjoin(institutions, students.c.institution_id == institutions.c.id)
        )
        .order_by(assignments.c.student_id, assignments.c.due_at, assignments.c.id)
    )


async def from_store_async(
    database_url: str,
    pseudonymize: bool = True,
    *,
    salt: str | bytes | None = None,
) -> pd.DataFrame:
    """Coroutine version of :func:`from_store`, for callers already in an event loop.

    Examples
    --------
    >>> from muffin_analytics.load import from_store_async
    >>> df = await from_store_async("sqlite:///muffin.sqlite3")  # doctest: +SKIP
    """
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(_reflect_tables)
            rows = (await conn.execute(_store_query(tables))).mappings().all()
    finally:
        await engine.dispose()
    key = resolve_salt(salt) if pseudonymize else b""
    records: list[dict[str, Any]] = []
    skipped: list[tuple[str, str, str, str]] = []
    names: dict[str, str] = {}
    for row in rows:
        ident = f"{row['slug'] or 'institution'}:{row['canvas_user_id'] if row['canvas_user_id'] is not None else row['student_pk']}"
        if ident not in names:
            names[ident] = pseudonym(ident, key) if pseudonymize else ident
        if row["published"] is False:
            skipped.append((str(row["canvas_assignment_id"]), str(row["title"] or ""), "unpublished", "assignment not published"))
            continue
        state = (row["submission_state"] or "unknown").lower()
        if state not in HANDED_IN:
            raise InputError(f"unknown submission_state {state!r} for assignment {row['canvas_assignment_id']}")
        records.append(
            {
                "student": names[ident],
                "course": row["course_code"] or row["course_name"] or "",
                "assignment_id": str(row["canvas_assignment_id"]),  # the server stores Canvas ids as text
                "title": row["title"] or "",
                "kind": (row["kind"] or "").lower() or None,
                "unlock_at": _db_time(row["unlock_at"]),
                "due_at": _db_time(row["due_at"]),
                "points": row["points_possible"],
                "submitted": HANDED_IN[state],
                "submission_state": state,
                "submitted_at": _db_time(row["submitted_at"]),
                "tz": row["time_zone"] or "UTC",
            }
        )
    for r in records:
        if r["points"] is not None and float(r["points"]) < 0:
            raise InputError(f"assignment {r['assignment_id']} has negative points_possible {r['points']}")
    return _finish(records, skipped).frame


def _db_time(value: Any) -> pd.Timestamp | None:
    """Database datetimes are UTC: naive ones are read as UTC."""
    if value is None:
        return None
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def from_store(database_url: str, pseudonymize: bool = True, *, salt: str | bytes | None = None) -> pd.DataFrame:
    """The server's database → assignments table.

    Parameters
    ----------
    database_url : str
        ``sqlite:///path`` or ``postgresql://…`` (read through aiosqlite /
        asyncpg; the driver is added to the URL).
    pseudonymize : bool, default True
        Replace ``<institution slug>:<canvas user id>`` by a salted HMAC
        (:mod:`muffin_analytics.privacy`).  ``False`` keeps the readable form.
    salt : str or bytes, optional
        Default ``$MUFFIN_PSEUDONYM_SALT``, else random for this call (so two
        calls give unlinkable pseudonyms).

    Returns
    -------
    pandas.DataFrame
        ``submitted`` from ``submission_state`` (submitted/graded/late → True,
        missing/unsubmitted → False, unknown/NULL → <NA>;
        :data:`muffin_analytics.canvas_rules.HANDED_IN`); ``tz`` from
        ``students.time_zone``.  Unpublished assignments are listed in
        ``attrs["skipped"]``.

    Raises
    ------
    InputError
        If the database lacks one of the tables or columns read, or holds a
        ``submission_state`` outside
        :data:`~muffin_analytics.canvas_rules.SUBMISSION_STATES`.

    Notes
    -----
    The tables are reflected from the database, so any schema the server's
    migrations produced is read, with no copy of its definitions here.
    Safe to call from a running event loop (a notebook): the query then runs
    on a worker thread.  Inside async code prefer :func:`from_store_async`.
    Assignment ids are strings, as the server stores them.

    Examples
    --------
    >>> from muffin_analytics.load import from_store
    >>> df = from_store("sqlite:///muffin.sqlite3", salt="keep-me-secret")  # doctest: +SKIP
    >>> df.groupby("student")["est_hours"].size()  # doctest: +SKIP
    """
    coro = from_store_async(database_url, pseudonymize, salt=salt)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
