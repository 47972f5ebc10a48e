"""RFC 9457 problem details: the one error shape of the JSON API."""

from __future__ import annotations

import json

from aiohttp import web

__all__ = ["ProblemError", "problem_response"]

PROBLEM_TYPE_BASE = "https://homework-muffin.dev/problems/"


def problem_response(status: int, code: str, title: str, detail: str | None = None,
                     headers: dict[str, str] | None = None, **extra: object) -> web.Response:
    body: dict[str, object] = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return web.Response(status=status, text=json.dumps(body), content_type="application/problem+json",
                        headers=headers)


class ProblemError(Exception):
    """Raise from an API handler to answer with a problem document."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status, self.code, self.title, self.detail, self.headers = status, code, title, detail, headers

    def response(self) -> web.Response:
        return problem_response(self.status, self.code, self.title, self.detail, self.headers)
