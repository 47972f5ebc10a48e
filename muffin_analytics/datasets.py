"""Sample data shipped with the package, readable offline (as pingouin ships its datasets).

:func:`sample_semester` returns one student's semester as Canvas answered
it: her Canvas calendar feed (ICS bytes) and her courses and assignments
from the REST API (JSON, with submissions).  The files live in
``muffin_analytics/data/sample_semester/`` and were generated once from the
feed server's Canvas sandbox by ``scripts/make_sample_semester.py``; the
test suite regenerates them and fails if they drift.  Notebooks and examples
use them instead of importing the server's sandbox.

The inputs are raw on purpose: they go through the same loaders as real
Canvas data (:func:`muffin_analytics.load.read_ics`,
:func:`muffin_analytics.load.from_canvas`).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from importlib import resources
from typing import Any

__all__ = ["SAMPLE_SEMESTER_DIR", "SampleSemester", "sample_semester"]

SAMPLE_SEMESTER_DIR = "sample_semester"
"""Folder of the sample semester inside ``muffin_analytics/data``."""


@dataclasses.dataclass(frozen=True)
class SampleSemester:
    """One student's semester as Canvas answered it (see :func:`sample_semester`).

    Attributes
    ----------
    student : str
        Her short name, for the ``student`` column (``"Ava"``).
    name : str
        Her full name, as Canvas's feed title carries it.
    time_zone : str
        Her Canvas time zone (IANA name).
    term_start : datetime.date
        First day of term (a Monday).
    canvas_url : str
        The (sandbox) Canvas the answers came from.
    calendar_fetched_at : datetime.datetime
        When the calendar feed was fetched (UTC): the week before term, when
        she signs up, so the feed lists the whole semester.
    api_fetched_at : datetime.datetime
        When the API answers were taken (UTC), in week 11: submissions made
        by then are in them.
    calendar_feed : bytes
        Her Canvas calendar feed (``/feeds/calendars/user_….ics``).
    courses : list of dict
        ``GET /api/v1/courses`` (her student enrollments).
    assignments : list of dict
        ``GET /api/v1/courses/:id/assignments?include[]=submission`` of every
        course, in course order.

    Examples
    --------
    >>> from muffin_analytics.datasets import sample_semester
    >>> sem = sample_semester()
    >>> sem.student, sem.time_zone, str(sem.term_start), len(sem.courses), len(sem.assignments)
    ('Ava', 'America/Chicago', '2026-08-31', 4, 138)
    """

    student: str
    name: str
    time_zone: str
    term_start: date
    canvas_url: str
    calendar_fetched_at: datetime
    api_fetched_at: datetime
    calendar_feed: bytes
    courses: list[dict[str, Any]]
    assignments: list[dict[str, Any]]


def _read(name: str) -> bytes:
    return resources.files("muffin_analytics").joinpath("data", SAMPLE_SEMESTER_DIR, name).read_bytes()


def sample_semester() -> SampleSemester:
    """The sample semester shipped with the package.

    Returns
    -------
    SampleSemester
        Raw Canvas answers plus who and when; each call reads the files
        afresh, so callers may change what they get.

    Examples
    --------
    >>> from muffin_analytics import load
    >>> from muffin_analytics.datasets import sample_semester
    >>> sem = sample_semester()
    >>> sem.student, sem.time_zone, sem.term_start.isoformat(), len(sem.courses)
    ('Ava', 'America/Chicago', '2026-08-31', 4)
    >>> feed = load.read_ics(sem.calendar_feed, student=sem.student, tz=sem.time_zone)
    >>> len(feed.frame), feed.skipped["code"].value_counts().to_dict()
    (131, {'not_assignment': 33})
    >>> api = load.from_canvas(sem.assignments, sem.courses, student=sem.student, tz=sem.time_zone)
    >>> int(api["points"].notna().sum()), int(api["submitted"].sum())
    (120, 74)
    """
    about = json.loads(_read("student.json"))
    return SampleSemester(
        student=about["short_name"],
        name=about["name"],
        time_zone=about["time_zone"],
        term_start=date.fromisoformat(about["term_start"]),
        canvas_url=about["canvas_url"],
        calendar_fetched_at=datetime.fromisoformat(about["calendar_fetched_at"]),
        api_fetched_at=datetime.fromisoformat(about["api_fetched_at"]),
        calendar_feed=_read("calendar.ics"),
        courses=json.loads(_read("courses.json")),
        assignments=json.loads(_read("assignments.json")),
    )
