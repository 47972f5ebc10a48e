"""Canvas's Link-header pagination, unit and over HTTP."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from multidict import MultiDict
from yarl import URL

from feedserver.sandbox import SandboxWorld
from feedserver.sandbox.pagination import page_window, paginate

from .conftest import NORTH_STUDENT, bearer

LINK = re.compile(r'<([^>]+)>; rel="([a-z]+)"')


def links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(header)}


def test_link_header_format() -> None:
    page = paginate(list(range(25)), URL("http://canvas.test/api/v1/courses?include[]=term&page=2"))
    assert page.items == list(range(10, 20))
    q = "include%5B%5D=term"
    assert page.link_header == ",".join([
        f'<http://canvas.test/api/v1/courses?{q}&page=2&per_page=10>; rel="current"',
        f'<http://canvas.test/api/v1/courses?{q}&page=3&per_page=10>; rel="next"',
        f'<http://canvas.test/api/v1/courses?{q}&page=1&per_page=10>; rel="prev"',
        f'<http://canvas.test/api/v1/courses?{q}&page=1&per_page=10>; rel="first"',
        f'<http://canvas.test/api/v1/courses?{q}&page=3&per_page=10>; rel="last"',
    ])


def test_last_page_has_no_next() -> None:
    page = paginate(list(range(25)), URL("http://c.test/x?page=3"))
    assert page.items == list(range(20, 25))
    assert "next" not in links(page.link_header)


def test_per_page_bounds() -> None:
    assert page_window(MultiDict(per_page="500")) == (1, 100)
    assert page_window(MultiDict(per_page="0", page="x")) == (1, 10)
    assert page_window(MultiDict()) == (1, 10)


def test_loop_fault_points_next_at_page_one() -> None:
    page = paginate(list(range(5)), URL("http://c.test/x?page=1"), loop=True)
    assert "page=1&" in links(page.link_header)["next"]


async def test_following_next_visits_every_item_once(
        north: TestClient, token: str, world: SandboxWorld) -> None:
    course = min(e.course_id for e in world.enrollments_of(NORTH_STUDENT))
    world.add_bulk_assignments(course, 250)
    expected = {a.id for a in world.course_assignments(course) if a.published}
    assert len(expected) >= 250
    url: str | None = str(north.make_url(f"/api/v1/courses/{course}/assignments"
                                         f"?include[]=submission&access_token={token}"))
    seen: list[int] = []
    pages = 0
    while url:
        resp = await north.session.get(url, headers=bearer(token))
        assert resp.status == 200
        rels = links(resp.headers["link"])
        assert set(rels) >= {"current", "first", "last"}
        assert all(u.startswith(str(north.make_url("/api/v1/"))) for u in rels.values())
        assert all("access_token" not in u and "include%5B%5D=submission" in u
                   for u in rels.values())
        seen += [a["id"] for a in await resp.json()]
        pages += 1
        url = rels.get("next")
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert pages == -(-len(expected) // 10)


async def test_per_page_500_gives_100(north: TestClient, token: str,
                                      world: SandboxWorld) -> None:
    course = min(e.course_id for e in world.enrollments_of(NORTH_STUDENT))
    world.add_bulk_assignments(course, 250)
    resp = await north.get(f"/api/v1/courses/{course}/assignments?per_page=500",
                           headers=bearer(token))
    assert len(await resp.json()) == 100
    assert "per_page=100" in links(resp.headers["link"])["next"]
