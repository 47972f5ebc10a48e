"""Logging that never writes a secret.

Two defences: the access log records the matched route's name, never the raw
request line (feed URLs carry their token in the path, OAuth callbacks carry
codes in the query), and a filter masks anything that looks like a bearer
token, code or feed token in every other record.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .http_policy import POLL_ROUTES

__all__ = ["RouteAccessLogger", "RedactingFilter", "configure_logging", "route_label"]

# Long opaque strings (tokens, codes, secrets) and key=value pairs that carry them.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(access_token|refresh_token|code|state|client_secret|id_token|token|password|authorization)"
               r"([=:]\s*|\"\s*:\s*\")(Bearer\s+)?[^&\s\"',;]+"),
    re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"/feeds/[A-Za-z0-9_-]{16,}"),
    re.compile(r"\b[A-Za-z0-9_-]{32,}\b"),
]


def _redact(text: str) -> str:
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    text = _SECRET_PATTERNS[1].sub("Bearer [redacted]", text)
    text = _SECRET_PATTERNS[2].sub("/feeds/[redacted]", text)
    return _SECRET_PATTERNS[3].sub("[redacted]", text)


class RedactingFilter(logging.Filter):
    """Second line of defence: mask secret-looking substrings in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            # Exceptions can carry URLs with codes; keep the type, drop the text.
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {_redact(str(exc))})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def route_label(request: web.BaseRequest) -> str:
    match_info = getattr(request, "match_info", None)
    route = getattr(match_info, "route", None)
    name = getattr(route, "name", None)
    if name:
        return name
    resource = getattr(route, "resource", None)
    canonical = getattr(resource, "canonical", None)
    return canonical or "unmatched"


class RouteAccessLogger(AbstractAccessLogger):
    """Access log line: method, route name, status, bytes, milliseconds."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        route = route_label(request)
        # Calendar apps poll all day: at INFO their successful polls would be most of the log,
        # and each line costs ~23 µs of a poll's ~160 µs of CPU (bench/feed_polling.py).
        quiet = route in POLL_ROUTES and response.status in (200, 304)
        if quiet and not self.logger.isEnabledFor(logging.DEBUG):
            return
        self.logger.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s %s %.1fms", request.method, route, response.status, response.body_length, time * 1000,
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        })


def configure_logging(level: int = logging.INFO, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
