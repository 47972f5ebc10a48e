"""Canvas `Link` headers rewritten to proxy URLs, so the browser can page through lists.

Canvas's pagination links are absolute URLs on its own host (docs/canvas-facts.md §11.3),
which the browser cannot fetch (CORS, and it holds no token). Each link on
the student's own Canvas origin whose path the allowlist accepts becomes the
same request through ``{public_url}/api/canvas``; a link anywhere else is
dropped, never passed on. Pure: header text in, header text out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from yarl import URL

from .proxy_paths import PathRejected, ProxyAllowlist

__all__ = ["rewrite_link_header", "rewrite_location", "proxy_url", "filtered_query", "canvas_param",
           "DROPPED_QUERY_PARAMS"]

#: Never forwarded to Canvas nor put in a link: a token in a URL ends up in logs,
#: and a client must not pick whose token (or whose identity) Canvas sees.
DROPPED_QUERY_PARAMS = frozenset({"access_token", "as_user_id"})
#: A query name as Canvas's own calls spell them: ``per_page``, ``include[]``, ``context_codes[]``.
_QUERY_NAME = re.compile(r"([A-Za-z0-9_]{1,100})(?:\[[A-Za-z0-9_]{0,100}\]){0,3}")

# One link-value: <uri-reference> followed by parameters, up to the next comma outside <>.
_LINK = re.compile(r"\s*<([^>]*)>\s*((?:;\s*[^;,]*)*)\s*(?:,|$)")
_REL = re.compile(r"""(?i)(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""")
_SAFE_REL = re.compile(r"[a-z]{1,20}")


def canvas_param(name: str) -> str | None:
    """The parameter Canvas reads for query name `name`, lowercased; None for a name of any other shape.

    Rails reads ``x[]`` and ``x[key]`` as ``x`` (an array, a hash), so the
    bracket suffixes go. Rails is case-sensitive, so ``AS_USER_ID`` is not
    ``as_user_id`` to Canvas; lowercasing is stricter than Canvas on purpose.
    Anything beyond letters, digits, ``_`` and trailing ``[...]`` (a NUL, a
    leading bracket, a dot) is a name no Canvas API call uses.
    """
    match = _QUERY_NAME.fullmatch(name)
    return match.group(1).lower() if match else None


def filtered_query(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Query parameters minus those Canvas would read as a dropped one (`DROPPED_QUERY_PARAMS`),
    and minus names of any other shape than `canvas_param` accepts."""
    return [(k, v) for k, v in pairs if canvas_param(k) not in (None, *DROPPED_QUERY_PARAMS)]


def proxy_url(public_url: str, canvas_path: str, query: Iterable[tuple[str, str]]) -> str:
    """The proxy URL that fetches `canvas_path` (already validated) with `query`."""
    url = URL(f"{public_url}/api/canvas{canvas_path}")
    kept = filtered_query(query)
    return str(url.with_query(kept) if kept else url)


def _origin(url: str) -> tuple[str, str, int | None] | None:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname.lower(), port or default


def _rewrite_one(target: str, canvas_url: str, public_url: str, allowlist: ProxyAllowlist) -> str | None:
    if _origin(target) != _origin(canvas_url):
        return None
    # A Canvas served under a path (https://host/canvas) links with that prefix.
    prefix = urlsplit(canvas_url).path.rstrip("/")
    try:
        parsed = URL(target, encoded=True)
        raw_path = parsed.raw_path
        if prefix:
            if not raw_path.startswith(prefix + "/"):
                return None
            raw_path = raw_path[len(prefix):]
        canvas_path = allowlist.check(raw_path)
    except (PathRejected, ValueError):
        return None
    return proxy_url(public_url, canvas_path, parsed.query.items())


def rewrite_link_header(header: str, canvas_url: str, public_url: str, allowlist: ProxyAllowlist) -> str | None:
    """`header` with every link pointed at the proxy; None when no link survives.

    `canvas_url` is the student's Canvas (from configuration), `public_url`
    ours. Only ``rel`` is kept of each link's parameters, and only when it is
    a plain word (next, prev, first, last, current).
    """
    if _origin(canvas_url) is None:
        return None
    kept = []
    for match in _LINK.finditer(header):
        target, params = match.group(1).strip(), match.group(2) or ""
        rel_match = _REL.search(params)
        rel = (rel_match.group(1) or rel_match.group(2) or "").strip().lower() if rel_match else ""
        if not _SAFE_REL.fullmatch(rel):
            continue
        rewritten = _rewrite_one(target, canvas_url, public_url, allowlist)
        if rewritten is not None:
            kept.append(f'<{rewritten}>; rel="{rel}"')
    return ",".join(kept) or None


def rewrite_location(location: str, request_url: str, canvas_url: str, public_url: str,
                     allowlist: ProxyAllowlist) -> str | None:
    """A Canvas redirect target as a proxy URL, or None when it leaves the allowlist.

    `location` may be relative; it is resolved against `request_url`, the
    Canvas URL that answered with the redirect.
    """
    try:
        target = str(URL(request_url).join(URL(location)))
    except ValueError:
        return None
    return _rewrite_one(target, canvas_url, public_url, allowlist)
