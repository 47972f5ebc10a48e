"""The API's problem codes, in one table, and the problems that carry extra members.

Every problem document the JSON API answers has a stable ``code`` (RFC 9457
extension member) that a web app may switch on; `CODES` lists them with
their HTTP status and meaning, and docs/api.md must list the same (a test
checks). Handlers raise `ProblemError` (feedserver/problems.py) or the
subclasses here; `error_middleware` turns them into responses.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from ..problems import ProblemError, problem_response

__all__ = ["CODES", "Code", "ApiProblem", "FieldProblem", "api_problem"]


@dataclass(frozen=True)
class Code:
    status: int
    title: str
    meaning: str


#: Every code a web app may see on /api paths, including those raised by other
#: packages (auth's 401 and 403, the error middleware's generic ones).
CODES: dict[str, Code] = {
    "invalid-field": Code(400, "Invalid input",
                          "A query parameter or body member is missing, unknown or invalid; `field` names it."),
    "invalid-body": Code(400, "Invalid body",
                         "The request body is not a JSON object, or is one no parser should take: larger than "
                         "64 KiB, nested more than 16 levels, a number beyond ±2^53 or not finite, a string with "
                         "NUL or a lone surrogate, not UTF-8."),
    "unsupported-media-type": Code(415, "Send JSON", "A request body must be sent as application/json."),
    "not-signed-in": Code(401, "Not signed in", "No session: sign in with Canvas first (raised by auth)."),
    "csrf-failed": Code(403, "Cross-site request refused",
                        "A state-changing request came without an allowed Origin or CSRF token (raised by auth)."),
    "reconnect-needed": Code(409, "Reconnect with Canvas",
                             "Canvas no longer accepts the student's grant: sign in with Canvas again."),
    "school-not-configured": Code(409, "School no longer configured",
                                  "The student's school was removed from this server's configuration."),
    "sync-too-soon": Code(429, "Sync requested too soon", "A sync was requested too recently; see Retry-After."),
    "proxy-path-invalid": Code(400, "Path refused",
                               "The proxied path is malformed or hostile (encoding, dot segments, host tricks)."),
    "proxy-path-not-allowed": Code(403, "Path not allowed",
                                   "The proxied path is well-formed but not on the read-only allowlist."),
    "proxy-read-only": Code(405, "The Canvas proxy only reads", "Only GET is forwarded; `Allow: GET`."),
    "proxy-rate-limited": Code(429, "Too many Canvas requests",
                               "Too many proxied requests from this student; see Retry-After."),
    "canvas-unavailable": Code(502, "Canvas is unavailable",
                               "The student's Canvas could not be reached, or failed (its 5xx is in "
                               "`canvas_status`)."),
    "canvas-response-too-large": Code(502, "Canvas's answer is too large",
                                      "Canvas's answer is larger than server.proxy_max_bytes; ask for fewer items."),
    "canvas-redirect-refused": Code(502, "Canvas redirected elsewhere",
                                    "Canvas redirected somewhere the proxy will not follow."),
    "canvas-timeout": Code(504, "Canvas did not answer in time", "The student's Canvas did not answer in time."),
    "assignment-not-found": Code(404, "No such assignment",
                                 "The student has no stored assignment with that Canvas id."),
    "http-400": Code(400, "Bad Request",
                     "The request could not be read: a form body that is not UTF-8, or a NUL character in the "
                     "query (request pipeline)."),
    "plan-unavailable": Code(503, "Plan unavailable",
                             "The student's plan could not be computed (logged); the calendar keeps its last plan."),
    "http-404": Code(404, "Not Found", "No such API route (error middleware)."),
    "http-405": Code(405, "Method Not Allowed", "The route exists, but not with this method (error middleware)."),
    "http-500": Code(500, "Something went wrong", "An unexpected server error; it has been logged."),
}


class ApiProblem(ProblemError):
    """A `ProblemError` with extension members (RFC 9457 §3.2) besides ``code``."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None,
                 headers: dict[str, str] | None = None, **members: object) -> None:
        super().__init__(status, code, title, detail, headers)
        self.members = members

    def response(self) -> web.Response:
        return problem_response(self.status, self.code, self.title, self.detail, self.headers, **self.members)


def api_problem(code: str, detail: str | None = None, *, title: str | None = None,
                headers: dict[str, str] | None = None, **members: object) -> ApiProblem:
    """The problem for one of `CODES`, with its registered status and title."""
    entry = CODES[code]
    return ApiProblem(entry.status, code, title or entry.title, detail, headers, **members)


class FieldProblem(ApiProblem):
    """400 ``invalid-field``: `field` (a query parameter or JSON member name) is wrong.

    The name is also a member of the problem document, so a form can mark
    the right input without parsing the detail text.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(400, "invalid-field", "Invalid input", f"{field}: {message}", field=field)
        self.field = field
