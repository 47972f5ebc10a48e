"""return_to after sign-in: this site's own paths only."""

from __future__ import annotations

import pytest

from feedserver.auth.redirects import safe_return_to


@pytest.mark.parametrize("value", ["/me", "/me?tab=settings", "/api/me#x", "/a/b/c", "/%2F%2Fstill-a-path"])
def test_own_paths_are_kept(value: str) -> None:
    assert safe_return_to(value) == value


@pytest.mark.parametrize("value", [
    None, "", "me", "//evil.example", "///evil.example", "/\\evil.example", "/ok\\..\\x",
    "https://evil.example/me", "http:/evil.example", "javascript:alert(1)", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", "/me\r\nSet-Cookie: x=1", "/me\x00", "/me\x7f", "/ me",
    " /me", "/" + "a" * 2000,
])
def test_anything_a_browser_could_read_as_another_site_is_dropped(value: str | None) -> None:
    assert safe_return_to(value) is None
