"""schemathesis against the live app with a signed-in session: no 5xx, nothing the document does not describe.

The server and the sandbox run in a background thread (tests/auth/live.py);
schemathesis calls them over real sockets with `requests`. Bounded: a few
examples per operation, positive and negative data. ``DELETE /api/me`` is
left out (it would end the session mid-run); test_cors.py covers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from feedserver.app import SESSION_COOKIE
from feedserver.store.models import Student
from feedserver.sync.appkeys import sync_service_key
from feedserver.typedefs import db_key
from tests.api.conftest import NORTH_STUDENT
from tests.auth.live import LiveStack, live_stack

EXAMPLES = 12
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
               response_schema_conformance]
SKIPPED = {("DELETE", "/api/me")}


@pytest.fixture
def stack(database_url: str) -> Iterator[LiveStack]:
    with live_stack(database_url) as running:
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


async def _student_id(stack: LiveStack) -> int:
    async with stack.app[db_key]() as db:
        return (await db.scalars(select(Student.id).where(Student.canvas_user_id == str(NORTH_STUDENT)))).one()


def test_fuzz_the_api_signed_in(stack: LiveStack) -> None:
    session = browser_session(stack, "north", NORTH_STUDENT)
    student_id = stack.call(_student_id(stack))
    outcome = stack.call(stack.app[sync_service_key].sync_student(student_id))
    assert outcome.outcome == "ok", outcome  # so /api/me/assignments has real rows to describe

    schema = schemathesis.openapi.from_url(f"{stack.url}/api/openapi.json")
    # Browsers send Origin on every state-changing request; ours is the trusted one.
    headers = {"Origin": stack.url}
    cookies = {SESSION_COOKIE: session.cookies[SESSION_COOKIE]}
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        modes = [(GenerationMode.POSITIVE, CONFORMANCE)]
        if operation.query or operation.body:
            # Only query strings and bodies can be made invalid (a path string is always a string).
            modes.append((GenerationMode.NEGATIVE, [*CONFORMANCE, negative_data_rejection]))
        for mode, checks in modes:

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            # The session cookie is the real one, never a generated or negated value.
            @given(case=operation.as_strategy(generation_mode=mode, cookies=cookies))
            def run(case: Any) -> None:
                nonlocal calls
                calls += 1
                case.call_and_validate(base_url=stack.url, session=session, headers=headers, checks=checks)

            run()

    assert calls >= 10 * EXAMPLES
    # The session survived the run: it was authenticated throughout.
    assert session.get(f"{stack.url}/api/me").status_code == 200
