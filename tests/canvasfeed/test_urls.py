"""Validation of pasted feed URLs before any request: the hostile ones, each with its reason."""

from __future__ import annotations

import ipaddress

import pytest

from feedserver.canvasfeed.addresses import literal_address, public_only, public_or_loopback
from feedserver.canvasfeed.errors import AddressRefused, FeedUrlRefused
from feedserver.canvasfeed.urls import parse_feed_url

CODE = "Abc123secretFeedCode0987654321xyzXYZ0042"
PATH = f"/feeds/calendars/user_{CODE}.ics"

HOSTILE = [
    ("plain http", f"http://canvas.example.edu{PATH}", "https"),
    ("ftp", f"ftp://canvas.example.edu{PATH}", "https://"),
    ("javascript", "javascript:alert(1)", "https://"),
    ("wrong path", "https://canvas.example.edu/calendar/user_abc12345.ics", "/feeds/calendars/user_"),
    ("course feed", f"https://canvas.example.edu/feeds/calendars/course_{CODE}.ics", "/feeds/calendars/user_"),
    ("path traversal", f"https://canvas.example.edu/feeds/calendars/../../admin/user_{CODE}.ics",
     "/feeds/calendars/user_"),
    ("query smuggling", f"https://canvas.example.edu{PATH}?url=http://10.0.0.1", "/feeds/calendars/user_"),
    ("credentials", f"https://admin:pw@canvas.example.edu{PATH}", "user name or password"),
    ("loopback", f"https://127.0.0.1{PATH}", "not a public"),
    ("localhost", f"https://localhost{PATH}", "this server itself"),
    ("10/8", f"https://10.1.2.3{PATH}", "not a public"),
    ("192.168/16", f"https://192.168.0.10{PATH}", "not a public"),
    ("172.16/12", f"https://172.16.5.4{PATH}", "not a public"),
    ("CGNAT", f"https://100.64.0.1{PATH}", "not a public"),
    ("cloud metadata", f"https://169.254.169.254{PATH}", "not a public"),
    ("unspecified", f"https://0.0.0.0{PATH}", "not a public"),
    ("multicast", f"https://224.0.0.1{PATH}", "not a public"),
    ("broadcast", f"https://255.255.255.255{PATH}", "not a public"),
    ("IPv6 loopback", f"https://[::1]{PATH}", "not a public"),
    ("IPv4-mapped loopback", f"https://[::ffff:127.0.0.1]{PATH}", "not a public"),
    ("IPv4-mapped hex", f"https://[::ffff:7f00:1]{PATH}", "not a public"),
    ("IPv4-mapped metadata", f"https://[::ffff:169.254.169.254]{PATH}", "not a public"),
    ("IPv4-compatible", f"https://[::10.0.0.1]{PATH}", "not a public"),
    ("6to4 of loopback", f"https://[2002:7f00:1::]{PATH}", "not a public"),
    ("NAT64 of 10/8", f"https://[64:ff9b::a00:1]{PATH}", "not a public"),
    ("IPv6 ULA", f"https://[fd00::1]{PATH}", "not a public"),
    ("IPv6 link-local", f"https://[fe80::1]{PATH}", "not a public"),
    ("decimal IPv4", f"https://2130706433{PATH}", "not a public"),
    ("octal IPv4", f"https://0177.0.0.1{PATH}", "not a public"),
    ("hex IPv4", f"https://0x7f.0.0.1{PATH}", "not a public"),
    ("hex dword", f"https://0x7f000001{PATH}", "not a public"),
    ("short IPv4", f"https://127.1{PATH}", "not a public"),
    ("octal metadata", f"https://0251.0376.0251.0376{PATH}", "not a public"),
    ("trailing-dot loopback", f"https://127.0.0.1.{PATH}", "not a public"),
    ("bad host", f"https://exa_mple!.edu{PATH}", "not a valid host"),
    ("empty", "   ", "Paste"),
]


@pytest.mark.parametrize(("url", "expected"), [(u, e) for _, u, e in HOSTILE], ids=[n for n, _, _ in HOSTILE])
def test_hostile_urls_are_refused_before_any_request(url: str, expected: str) -> None:
    with pytest.raises(FeedUrlRefused) as refused:
        parse_feed_url(url)
    message = str(refused.value)
    assert expected in message
    assert CODE not in message  # the feed code is a secret: never echoed


@pytest.mark.parametrize("url", [f"http://127.0.0.1:8001{PATH}", f"http://localhost:8001{PATH}",
                                 f"http://10.0.0.1{PATH}", f"http://[::1]:8001{PATH}"])
def test_the_demo_switch_allows_loopback_only(url: str) -> None:
    host = url.split("//")[1].split("/")[0]
    if host.startswith("10."):
        with pytest.raises(AddressRefused):
            parse_feed_url(url, policy=public_or_loopback, http="loopback")
    else:
        assert parse_feed_url(url, policy=public_or_loopback, http="loopback").feed_code == CODE


def test_a_canvas_url_is_normalised() -> None:
    feed = parse_feed_url(f"  webcal://Canvas.Example.EDU:443{PATH}#x ")
    assert feed.url == f"https://canvas.example.edu{PATH}"
    assert (feed.host, feed.feed_code) == ("canvas.example.edu", CODE)


@pytest.mark.parametrize(("spelling", "address"), [
    ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("017700000001", "127.0.0.1"), ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"), ("[::1]", "::1"),
])
def test_numeric_spellings_are_read_like_the_c_library(spelling: str, address: str) -> None:
    assert literal_address(spelling) == ipaddress.ip_address(address)


@pytest.mark.parametrize("name", ["canvas.example.edu", "instructure.com", "a1.b2"])
def test_names_are_not_addresses(name: str) -> None:
    assert literal_address(name) is None


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "151.101.1.69"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert public_only(ipaddress.ip_address(address))
    assert public_or_loopback(ipaddress.ip_address(address))
