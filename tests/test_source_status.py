"""When a failing source reaches the feed: at once if only the student can fix it, after a day if Canvas is down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedserver.source_status import PROBLEMS, notice_starts, shows_notice

SINCE = datetime(2026, 11, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "after"), [("feed_gone", timedelta(0)), ("login_page", timedelta(0)),
                                             ("reconnect_needed", timedelta(0)), ("unavailable", timedelta(days=1)),
                                             ("broken", timedelta(days=1))])
def test_each_problem_says_what_happened_and_what_to_do_and_when_the_feed_shows_it(kind: str,
                                                                                  after: timedelta) -> None:
    problem = PROBLEMS[kind]
    assert problem.headline and problem.explanation.endswith(".") and problem.action.endswith(".")
    assert notice_starts(kind, SINCE) == SINCE + after
    assert shows_notice(kind, SINCE, SINCE + after)
    assert not shows_notice(kind, SINCE, SINCE + after - timedelta(seconds=1))


def test_no_problem_no_notice() -> None:
    assert not shows_notice(None, SINCE, SINCE + timedelta(days=9))
    assert not shows_notice("unavailable", None, SINCE)
    assert not shows_notice("a kind we do not know", SINCE, SINCE + timedelta(days=9))
