"""Canvas-style pagination: `page`/`per_page` and the `Link` header.

Canvas (lib/api.rb) defaults to 10 per page and caps `per_page` at 100.
Links are absolute URLs on the request's host carrying the original query,
minus `access_token`, plus `page` and `per_page`; rels come in the order
current, next, prev, first, last.  Clients must treat them as opaque.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from multidict import MultiMapping
from yarl import URL

T = TypeVar("T")

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
#: Never echoed into Link URLs (a token in a URL ends up in logs).
DROPPED_PARAMS = frozenset({"page", "per_page", "access_token"})


@dataclass(frozen=True)
class Page:
    items: list
    link_header: str


def _positive_int(raw: str | None, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def page_window(query: MultiMapping[str]) -> tuple[int, int]:
    """(page, per_page) from a query; bad values fall back like Canvas."""
    per_page = min(_positive_int(query.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return _positive_int(query.get("page"), 1), per_page


def paginate(items: Sequence[T], url: URL, *, loop: bool = False) -> Page:
    """Slice `items` for the request at `url` and build its `Link` header.

    `loop=True` is the `pagination_loop` fault: every `next` points at page 1.
    """
    page, per_page = page_window(url.query)
    last = max(1, -(-len(items) // per_page))
    kept = [(k, v) for k, v in url.query.items() if k not in DROPPED_PARAMS]
    base = str(url.with_query(None).with_fragment(None))

    def href(n: int) -> str:
        return f"{base}?{urlencode(kept + [('page', str(n)), ('per_page', str(per_page))])}"

    rels: list[tuple[str, int]] = [("current", page)]
    if loop:
        rels.append(("next", 1))
    elif page < last:
        rels.append(("next", page + 1))
    if page > 1:
        rels.append(("prev", min(page - 1, last)))
    rels += [("first", 1), ("last", last)]
    header = ",".join(f'<{href(n)}>; rel="{rel}"' for rel, n in rels)
    start = (page - 1) * per_page
    return Page(list(items[start : start + per_page]), header)
