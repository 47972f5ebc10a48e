"""The normal form of Canvas calendar-feed URLs: a pasted URL and a profile's `calendar.ics` compare equal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedserver.canvas.feed_urls import CalendarFeedUrl, split_feed_url

PROFILE = Path(__file__).parents[1] / "data" / "canvas_api" / "profile.json"


def test_a_real_profiles_calendar_link_is_already_in_normal_form() -> None:
    ics = json.loads(PROFILE.read_text())["calendar"]["ics"]
    feed = split_feed_url(ics)
    assert feed == CalendarFeedUrl(url=ics, host="canvas.example.edu",
                                   feed_code="8mQ2EXAMPLEfeedcodeNOTREALk3Jd9Vw0LpXs4ZcYh")


@pytest.mark.parametrize("spelling", [
    "https://canvas.example.edu/feeds/calendars/user_abcDEF123.ics",
    "HTTPS://Canvas.Example.EDU/feeds/calendars/user_abcDEF123.ics",
    "https://canvas.example.edu:443/feeds/calendars/user_abcDEF123.ics",
    "  https://canvas.example.edu/feeds/calendars/user_abcDEF123.ics#calendar\n",
])
def test_spellings_of_one_feed_meet_in_one_form(spelling: str) -> None:
    assert split_feed_url(spelling) == CalendarFeedUrl(
        "https://canvas.example.edu/feeds/calendars/user_abcDEF123.ics", "canvas.example.edu", "abcDEF123")


def test_the_code_keeps_its_case_and_other_ports_stay() -> None:
    feed = split_feed_url("http://127.0.0.1:8001/feeds/calendars/user_AbC12345.ics")
    assert feed is not None and (feed.host, feed.feed_code) == ("127.0.0.1:8001", "AbC12345")
    assert split_feed_url("https://canvas.example.edu/feeds/calendars/user_abcdef123.ics") != split_feed_url(
        "https://canvas.example.edu/feeds/calendars/user_abcDEF123.ics")


@pytest.mark.parametrize("text", [
    "https://canvas.example.edu/feeds/calendars/course_abcDEF123.ics",   # a course's feed, not a user's
    "https://canvas.example.edu/feeds/calendars/user_abcDEF123.ics?x=1",
    "https://someone:pw@canvas.example.edu/feeds/calendars/user_abcDEF123.ics",
    "https://canvas.example.edu:99999/feeds/calendars/user_abcDEF123.ics",
    "ftp://canvas.example.edu/feeds/calendars/user_abcDEF123.ics",
    "https://canvas.example.edu/feeds/calendars/user_short.ics",
    "https:///feeds/calendars/user_abcDEF123.ics",
    "",
])
def test_anything_else_is_no_user_feed(text: str) -> None:
    assert split_feed_url(text) is None
