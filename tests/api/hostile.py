"""A hand list of hostile requests, sent byte for byte to every route the app serves.

schemathesis (test_schemathesis.py) explores what the OpenAPI document
describes; this list covers what a document never describes: bodies that are
not UTF-8 or nest 100,000 deep, numbers no float holds, dates that overflow
in the student's time zone, NUL bytes, invalid percent-encoding, duplicate
and bracketed parameter names, huge headers, wrong content types. Routes are
read from the app's router, so a route added later is fuzzed without
listing it here.

Requests go over a raw socket (`send`): an HTTP client library would repair
or refuse most of them before they left.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass

from aiohttp import web

from tests.api.conftest import RawResponse, parse_raw_response

#: Values for path placeholders; anything else gets "1".
PATH_SAMPLES = {"slug": "north", "token": "A" * 43, "assignment_id": "1", "path": "api/v1/courses",
                "filename": "style.css"}
#: Query names the pages, LTI endpoints and API read (hostile values go to all of them at once).
QUERY_NAMES = ("host", "q", "institution", "return_to", "state", "code", "error", "error_description", "kind",
               "from", "to", "course", "status", "undated", "iss", "login_hint", "target_link_uri", "client_id",
               "lti_message_hint", "lti_deployment_id", "lti_storage_target", "per_page", "page", "include[]")

_DIGITS = "9" * 400


def _all_names(value: str, limit: int = 6000) -> tuple[str, ...]:
    """`value` for every name in `QUERY_NAMES`, in as few query strings as keep the request line short
    (aiohttp's parser refuses lines over 8190 bytes itself, before the app sees them)."""
    queries, current = [], ""
    for name in QUERY_NAMES:
        pair = f"{name}={value}"
        if current and len(current) + len(pair) > limit:
            queries.append(current)
            current = ""
        current = f"{current}&{pair}" if current else pair
    return (*queries, current)


#: Query strings (already percent-encoded as sent), each appended to every GET route and every write route.
QUERIES = (
    *_all_names("%ff%fe"),  # not UTF-8
    *_all_names("%00"),  # NUL
    *_all_names("%ed%a0%80"),  # a UTF-16 surrogate encoded as UTF-8
    *_all_names(_DIGITS),
    *_all_names("%zz%"),  # invalid percent-encoding
    "&".join(f"{name}={'x' * 1500}" for name in ("q", "host", "state", "return_to")),
    "%zz=1&%=2&%%%=3&=4&&&",
    "&".join(f"{name}=1&{name}=2" for name in QUERY_NAMES),  # every parameter twice
    "from=9999-12-31", "to=9999-12-31", "from=0001-01-01", "to=0001-01-01", "from=0001-01-01&to=9999-12-31",
    "from=2026-02-30", "undated=%00", "course=" + _DIGITS, "kind=all&kind=all",
    "as_user_id[]=1&access_token[]=x&AS_USER_ID=1&as_user_id%00=1&[as_user_id]=1&as_user_id]=1",
    "return_to=//evil.example&return_to=/%0d%0aSet-Cookie:x=1",
)

_NESTED = b"[" * 100_000 + b"]" * 100_000
_NESTED_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@dataclass(frozen=True)
class Body:
    name: str
    content_type: str | None
    data: bytes
    with_csrf: bool = True
    """Prefix form bodies with the session's valid csrf_token, so the hostile part reaches the handler."""


#: Bodies sent to every route that takes one (POST, PUT, PATCH, DELETE).
BODIES = (
    Body("form not UTF-8 (csrf_token)", "application/x-www-form-urlencoded", b"csrf_token=\xff", with_csrf=False),
    Body("form not UTF-8", "application/x-www-form-urlencoded",
         b"host=\xff\xfe&email=\xc0\x80&feed_url=\xff&hours=\xff&assignment_id=\xff&id_token=\xff&state=\xff"),
    Body("form with NUL", "application/x-www-form-urlencoded",
         b"host=canvas.nul.edu%00&email=a%00@b.edu&feed_url=https://x%00.edu/feeds/calendars/user_a.ics"
         b"&hours=1%00&assignment_id=%00&id_token=%00&state=%00&days_off=%00&session_hours=%00&suggestions=on"),
    Body("form with huge numbers", "application/x-www-form-urlencoded",
         b"hours=" + _DIGITS.encode() + b"&session_hours=" + _DIGITS.encode() + b"&session_start_hour="
         + _DIGITS.encode() + b"&free_mon=" + _DIGITS.encode() + b"&reminder=" + _DIGITS.encode()
         + b"&reminders_listed=1&assignment_id=" + _DIGITS.encode()),
    Body("form with non-finite numbers", "application/x-www-form-urlencoded",
         b"hours=nan&session_hours=inf&free_mon=-inf&free_tue=nan&free_wed=1e999&free_thu=1&free_fri=1"
         b"&free_sat=1&free_sun=1&assignment_id=1"),
    Body("form with duplicates", "application/x-www-form-urlencoded",
         b"csrf_token=a&csrf_token=b&host=a.edu&host=b.edu&hours=1&hours=2&id_token=a&id_token=b"),
    Body("form with unknown charset", "application/x-www-form-urlencoded; charset=x-no-such-charset",
         b"host=canvas.x.edu"),
    Body("form with invalid percent-encoding", "application/x-www-form-urlencoded", b"host=%zz&email=%&%ff=%00"),
    Body("multipart without boundary", "multipart/form-data", b"--x\r\n\r\n"),
    Body("multipart, broken", "multipart/form-data; boundary=x",
         b"--x\r\nContent-Disposition: form-data; name=\"host\"\r\n\r\n\xff\xfe\r\n--x"),
    Body("JSON nested 100,000 deep", "application/json", _NESTED),
    Body("JSON object nested 100,000 deep", "application/json", _NESTED_OBJECT),
    Body("JSON hours with 400 digits", "application/json", b'{"hours": ' + _DIGITS.encode() + b"}"),
    Body("JSON session_hours with 400 digits", "application/json", b'{"session_hours": -' + _DIGITS.encode() + b"}"),
    Body("JSON hours with a 400-digit exponent", "application/json", b'{"hours": 1e' + _DIGITS.encode() + b"}"),
    Body("JSON hours NaN", "application/json", b'{"hours": NaN}'),
    Body("JSON free_hours Infinity", "application/json", b'{"free_hours": [Infinity, 1, 1, 1, 1, 1, 1]}'),
    Body("JSON tiny and huge course ids", "application/json",
         b'{"hidden_courses": [1e-400, -0, 18446744073709551616, true, null, "1 OR 1=1"]}'),
    Body("JSON with NUL and a lone surrogate", "application/json",
         b'{"hidden_courses": ["\\u0000", "\\ud800"], "days_off": ["\\u0000"], "id_token": "\\ud800",'
         b' "state": "\\u0000", "value": "x"}'),
    Body("JSON settings lists too long", "application/json",
         json.dumps({"hidden_courses": [str(i) for i in range(20_000)]}).encode()),
    Body("JSON not UTF-8", "application/json", b'{"hours": "\xff"}'),
    Body("JSON array", "application/json", b"[1, 2, 3]"),
    Body("JSON truncated", "application/json", b'{"hours": '),
    Body("JSON as text/plain", "text/plain", b'{"hours": 1}'),
    Body("JSON with a bad charset", "application/json; charset=x-no-such-charset", b'{"hours": 1}'),
    Body("no content type", None, b"\x00\xff" * 64),
    Body("XML", "application/xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"),
)

#: Header sets sent to every route (GET routes with no body, write routes with an empty body).
HEADERS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("a header just under aiohttp's 8190-byte limit", (("X-Filler", "x" * 8000),)),
    ("100 headers", tuple((f"X-H{i}", "x") for i in range(100))),
    ("another site's Origin", (("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site"))),
    ("Origin null and odd fetch metadata", (("Origin", "null"), ("Sec-Fetch-Site", "same-origin, none"))),
    ("garbage cookies", (("Cookie", "muffin_session=" + "%ff" * 500 + "; muffin_lti_state=\u00ff\u00fe"),)),
    ("garbage Accept and Accept-Encoding", (("Accept", "*/*;q=NaN, text/html;q=" + _DIGITS),
                                            ("Accept-Encoding", "gzip;q=-1, br;q=" + _DIGITS))),
    ("odd Authorization", (("Authorization", "Bearer " + "x" * 6000),)),
    ("ranges and conditions", (("Range", "bytes=" + _DIGITS + "-"), ("If-None-Match", '"' + "x" * 3000 + '"'),
                               ("If-Modified-Since", "Mon, 99 Foo 99999 99:99:99 GMT"))),
    ("content type garbage", (("Content-Type", 'application/json; charset="\\'),)),
    ("forwarding headers", (("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Proto", "gopher"),
                            ("Forwarded", "for=\"[::1\";host=evil.example"))),
    ("Accept-Language and User-Agent in Latin-1", (("Accept-Language", "\u00ff" * 300),
                                                   ("User-Agent", "\u00e9" * 300))),
)

#: Headers aiohttp's HTTP parser refuses with its own 400 before any of our code runs (NUL and other
#: control characters, a field over 8190 bytes, too many fields): the answer must still be a 400, not a 5xx.
PARSER_REFUSES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("a 20,000-byte header", (("X-Filler", "x" * 20_000),)),
    ("200 headers", tuple((f"X-H{i}", "x") for i in range(200))),
    ("NUL in a header", (("X-CSRF-Token", "a\x00b"),)),
    ("control characters in Origin and cookies", (("Origin", "\x7f://x"), ("Cookie", "muffin_session=\x01"))),
)


@dataclass(frozen=True)
class Target:
    """One route with its placeholders filled: what the hostile requests are sent to."""

    method: str
    path: str
    name: str | None

    @property
    def takes_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


def targets(app: web.Application, last: frozenset[str] = frozenset()) -> list[Target]:
    """Every (method, route) of `app` except HEAD, with its placeholders filled; routes in `last` come last."""
    found = []
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        if "path" in info:
            path = info["path"]
        elif "formatter" in info:
            path = info["formatter"]
            for name, value in PATH_SAMPLES.items():
                path = path.replace("{" + name + "}", value)
            while "{" in path:
                start, end = path.index("{"), path.index("}")
                path = path[:start] + "1" + path[end + 1:]
        elif "prefix" in info:  # static files
            path = info["prefix"] + "/" + PATH_SAMPLES["filename"]
        else:
            raise AssertionError(f"unknown resource kind {info}")
        methods = ("GET", "POST", "PUT", "PATCH", "DELETE") if route.method == "*" else (route.method,)
        found += [Target(method, path, route.name) for method in methods]
    return sorted(found, key=lambda t: (t.name in last, t.path, t.method))


def send(host: str, port: int, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"",
         timeout: float = 30) -> RawResponse:
    """One HTTP/1.1 request written byte for byte (latin-1 for the head), the whole answer read."""
    head = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
            *(f"{k}: {v}" for k, v in headers)]
    if body or Target(method, target, None).takes_body:
        head.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", errors="replace") + body
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return parse_raw_response(b"".join(chunks))


def requests_for(target: Target, csrf: str) -> Iterator[tuple[str, str, list[tuple[str, str]], bytes]]:
    """(label, request target, headers, body) of every hostile request for `target`."""
    for query in QUERIES:
        yield f"query {query[:40]}", f"{target.path}?{query}", [], b""
    for label, headers in HEADERS:
        yield f"headers: {label}", target.path, list(headers), b""
    if target.takes_body:
        for body in BODIES:
            data = body.data
            if body.with_csrf and body.content_type and body.content_type.startswith(
                    "application/x-www-form-urlencoded"):
                data = f"csrf_token={csrf}&".encode() + data
            headers = [("Content-Type", body.content_type)] if body.content_type else []
            yield f"body: {body.name}", target.path, headers, data
