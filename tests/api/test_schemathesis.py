"""Fuzzing the live app: it answers no 5xx, and nothing the OpenAPI document does not describe.

Two fuzzers, both over real sockets against the server and the sandbox in a
background thread (tests/auth/live.py), signed in through the real flow:

- schemathesis runs every operation of ``/api/openapi.json`` with all its
  checks, positive and negative data, a few examples each;
- a hand list of hostile requests (tests/api/hostile.py) goes to every route
  the app serves, pages, forms, LTI endpoints, the proxy and the admin API
  included: bodies, headers and query strings no document describes. Every
  answer must be below 500, carry the security headers and name no version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from sqlalchemy import select

from feedserver.planning.compute import WHAT_IF_DAYS
from feedserver.app import SESSION_COOKIE
from feedserver.http_policy import SECURITY_HEADERS
from feedserver.store.models import Student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.api import hostile
from tests.api.conftest import NORTH_STUDENT
from tests.auth.live import LiveStack, live_stack

EXAMPLES = 12
ADMIN_TOKEN = "admin-token-0123456789-abcdefghij"
#: Disconnects its student: run last, as a student of its own.
ENDS_SESSION = {("DELETE", "/api/me")}
#: The proxy's path parameter spans segments (``api/v1/courses``), which OpenAPI cannot describe:
#: schemathesis sends its slashes as ``%2F``, which the proxy refuses like any percent-encoding.
NOT_CHECKED = {("GET", "/api/canvas/{path}"): {"positive_data_acceptance"}}


@pytest.fixture
def stack(database_url: str) -> Iterator[LiveStack]:
    with live_stack(database_url, environ={"MUFFIN_ADMIN_TOKEN": ADMIN_TOKEN},
                    admin_token_env="MUFFIN_ADMIN_TOKEN") as running:
        yield running


def browser_session(stack: LiveStack, school: str, user_id: int) -> requests.Session:
    """A `requests` session signed in through the real flow (our /login, the sandbox's consent)."""
    session = requests.Session()
    start = session.get(f"{stack.url}/login", params={"institution": school}, allow_redirects=False)
    consent = session.get(start.headers["Location"], allow_redirects=False)
    pending = re.search(r'name="pending" value="([^"]+)"', consent.text)
    assert pending, consent.text
    decided = session.post(f"{stack.canvas[school]}/login/oauth2/confirm", allow_redirects=False,
                           data={"pending": pending.group(1), "user_id": str(user_id), "action": "authorize"})
    back = session.get(decided.headers["Location"], allow_redirects=False)
    assert (back.status_code, back.headers.get("Location")) == (302, "/me"), back.text
    return session


async def _student_id(stack: LiveStack, user_id: int) -> int:
    async with stack.app[db_key]() as db:
        return (await db.scalars(select(Student.id).where(Student.canvas_user_id == str(user_id)))).one()


async def _move_east(stack: LiveStack, user_id: int) -> None:
    """East of UTC, where 0001-01-01 starts before year 1 in UTC: the zone that breaks date arithmetic."""
    async with stack.app[db_key].begin() as db:
        (await db.get(Student, await _student_id(stack, user_id))).time_zone = "Asia/Tokyo"


def from_after_to(case: Any) -> bool:
    query = case.query or {}
    return isinstance(query.get("from"), str) and isinstance(query.get("to"), str) and query["from"] > query["to"]


def moved_too_far(case: Any) -> bool:
    """A what-if date more than a year from today: a rule relative to the day the request is made."""
    due = (case.query or {}).get("due")
    try:
        return abs(date.fromisoformat(due) - date.today()) > timedelta(days=WHAT_IF_DAYS - 1)
    except (TypeError, ValueError):
        return False


def all_checks() -> list[Any]:
    load_all_checks()
    return CHECKS.get_all()


def test_fuzz_every_operation_with_every_check(stack: LiveStack) -> None:
    session = browser_session(stack, "north", NORTH_STUDENT)
    student_id = stack.call(_student_id(stack, NORTH_STUDENT))
    outcome = stack.call(stack.app[sync_service_key].sync_student(student_id))
    assert outcome.outcome == "ok", outcome  # so /api/me/assignments has real rows to describe
    stack.call(_move_east(stack, NORTH_STUDENT))
    leaving = browser_session(stack, "north", NORTH_STUDENT + 1)

    schema = schemathesis.openapi.from_url(f"{stack.url}/api/openapi.json")
    # Browsers send Origin on every state-changing request; ours is the trusted one.
    headers = {"Origin": stack.url}
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: (op.method.upper(), op.path) in ENDS_SESSION)
    calls: dict[str, int] = {}
    for operation in operations:
        key = (operation.method.upper(), operation.path)
        skipped = set(NOT_CHECKED.get(key, ()))
        if not any(status.startswith("2") for status in operation.definition.raw["responses"]):
            skipped.add("positive_data_acceptance")  # documented as always refused (the proxy's writes)
        checks = [check for check in all_checks() if check.__name__ not in skipped]
        signed_in = leaving if key in ENDS_SESSION else session
        # The session cookie is the real one, never a generated or negated value.
        cookies = {SESSION_COOKIE: signed_in.cookies[SESSION_COOKIE]}
        modes = [GenerationMode.POSITIVE]
        if operation.query or operation.body:
            # Only query strings and bodies can be made invalid (a path string is always a string).
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode, cookies=cookies))
            def run(case: Any) -> None:
                # Rules no schema can state (between two parameters, or relative to today): such a request
                # is a 400, not "valid".
                assume(not (mode.is_positive and (from_after_to(case) or moved_too_far(case))))
                calls[operation.label] = calls.get(operation.label, 0) + 1
                case.call_and_validate(base_url=stack.url, session=signed_in, headers=headers, checks=checks)

            run()

    assert set(calls) == {operation.label for operation in operations}
    assert sum(calls.values()) >= 10 * EXAMPLES
    # The session survived the run: it was authenticated throughout.
    assert session.get(f"{stack.url}/api/me").status_code == 200


def test_hostile_requests_on_every_route(stack: LiveStack) -> None:
    session = browser_session(stack, "north", NORTH_STUDENT)
    stack.call(_move_east(stack, NORTH_STUDENT))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', session.get(f"{stack.url}/me").text)
    assert csrf
    host, port = stack.url.removeprefix("http://").split(":")
    # Signed in, from our own origin, with the admin token and the LTI storage header: past every
    # door, so the hostile part reaches the code that reads it.
    defaults = {"Cookie": f"{SESSION_COOKIE}={session.cookies[SESSION_COOKIE]}", "Origin": stack.url,
                "Authorization": f"Bearer {ADMIN_TOKEN}", "X-Muffin-LTI": "storage"}
    failures = []
    sent = 0
    # A sync makes later pages costlier, and a disconnect ends the session: those routes go last.
    for target in hostile.targets(stack.app, last=frozenset({"api_sync", "disconnect", "api_me_delete"})):
        for label, request_target, extra, body in hostile.requests_for(target, csrf.group(1)):
            answer = hostile.send(host, int(port), target.method, request_target,
                                  list({**defaults, **dict(extra)}.items()), body)
            sent += 1
            problems = [f"status {answer.status}"] if answer.status >= 500 else []
            problems += [f"{name}: {answer.headers.get(name)}" for name, value in SECURITY_HEADERS.items()
                         if answer.headers.get(name) != value]
            if b"Traceback" in answer.body:
                problems.append("a traceback")
            if problems:
                failures.append(f"{target.method} {target.path} [{label}]: {', '.join(problems)}")
    for label, extra in hostile.PARSER_REFUSES:
        answer = hostile.send(host, int(port), "GET", "/me", [*defaults.items(), *extra])
        sent += 1
        if (answer.status, answer.headers.get("Server")) != (400, SECURITY_HEADERS["Server"]):
            failures.append(f"GET /me [parser: {label}]: {answer.status} {answer.headers.get('Server')}")
    assert sent > 2000
    assert not failures, f"{len(failures)} of {sent}:\n" + "\n".join(failures[:80])
