"""Why a Canvas calendar-feed URL was refused or could not be read.

One base, `FeedError`, whose message is written for the student (it is shown
on the connect page and stored as a sync run's reason), so it never quotes
the feed URL itself: that URL is a secret like a password. Each class names
the `feedserver.source_status` problem it is when a sync meets it.
"""

from __future__ import annotations

from ..source_status import BROKEN, FEED_GONE, LOGIN_PAGE, UNAVAILABLE

__all__ = [
    "AddressRefused",
    "FeedBusy",
    "FeedError",
    "FeedGone",
    "FeedTooLarge",
    "FeedUnavailable",
    "FeedUrlRefused",
    "LoginPage",
    "NotACalendar",
]


class FeedError(Exception):
    """Base: the feed cannot be used; `str(exc)` is a sentence a student can act on."""

    problem = BROKEN


class FeedUrlRefused(FeedError):
    """The URL is not a Canvas calendar-feed URL we may fetch (scheme, path, host)."""


class AddressRefused(FeedUrlRefused):
    """The host is, or resolves to, an address we never connect to (private, loopback, metadata...)."""


class FeedUnavailable(FeedError):
    """The host did not answer usefully (timeout, connection refused, 5xx, too many redirects)."""

    problem = UNAVAILABLE


class FeedBusy(FeedError):
    """Too many connection attempts for one Canvas host just now; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FeedGone(FeedError):
    """Canvas answered 404/401/403: the feed URL was reset or is wrong."""

    problem = FEED_GONE


class LoginPage(FeedError):
    """A web page (a sign-in page, or a redirect to one) instead of the calendar."""

    problem = LOGIN_PAGE


class FeedTooLarge(FeedError):
    """The body went past the size cap (huge or endless)."""


class NotACalendar(FeedError):
    """The answer is not an iCalendar file."""
