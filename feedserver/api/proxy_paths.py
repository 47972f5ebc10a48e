"""Which Canvas paths the same-origin proxy may forward: validation, pure and total.

The proxy's only input from the browser that reaches Canvas is a path, so
this module decides, with no I/O, whether a raw (still percent-encoded) path
names one of the allowlisted read-only Canvas API resources. The allowlist
uses Canvas's own pattern syntax (``/api/v1/courses/:course_id/assignments``);
a ``:param`` matches one segment that is a number or ``self``.

Everything odd is refused rather than repaired: absolute URLs and ``//host``,
``.``/``..`` segments, any percent-encoding (decoded again and again until it
stops changing, so ``%252e`` is seen as the ``.`` it becomes), backslashes,
``@``, control characters, empty segments and anything outside
``[A-Za-z0-9_]`` in a segment. No allowlisted Canvas path needs any of those.
The path handed back is rebuilt from the pattern's own literals and the
checked parameters, never copied from the input, so what is forwarded is
exactly what was checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["PathRejected", "ProxyAllowlist", "fully_decoded"]

#: A literal segment of an allowlisted pattern, and of an acceptable path.
_SEGMENT = re.compile(r"[A-Za-z0-9_]{1,100}")
#: What a ``:param`` placeholder accepts: a Canvas id (64-bit) or ``self``.
_PARAM_VALUE = re.compile(r"[0-9]{1,20}|self")
_PARAM = re.compile(r":[a-z_]{1,50}")
#: Decoding rounds before a path is declared hostile (``%25`` nested this deep is no accident).
_MAX_DECODE_ROUNDS = 5
MAX_PATH_LENGTH = 500


class PathRejected(ValueError):
    """The path may not be forwarded; `reason` is a short stable word for logs and the problem detail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def fully_decoded(raw: str) -> str:
    """`raw` percent-decoded repeatedly until it no longer changes.

    Raises `PathRejected("encoding")` when it still changes after a few
    rounds (``%25252525...``): no honest client nests encodings that deep.
    """
    current = raw
    for _ in range(_MAX_DECODE_ROUNDS):
        decoded = unquote(current, errors="strict")
        if decoded == current:
            return current
        current = decoded
    raise PathRejected("encoding")


def _is_control(ch: str) -> bool:
    return ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F


def _check_characters(path: str) -> None:
    for ch in path:
        if _is_control(ch) or ch.isspace():
            raise PathRejected("control-character")
        if ch == "\\":
            raise PathRejected("backslash")
        if ch == "@":
            raise PathRejected("userinfo")


def _segments(path: str) -> list[str]:
    """The segments of an already decoded, character-checked path."""
    if re.match(r"/*[A-Za-z][A-Za-z0-9+.-]*:", path):
        raise PathRejected("absolute-url")
    if not path.startswith("/"):
        raise PathRejected("not-absolute-path")
    if path.startswith("//"):
        raise PathRejected("network-path")
    segments = path[1:].split("/")
    for segment in segments:
        if segment in (".", ".."):
            raise PathRejected("dot-segment")
        if segment == "":
            raise PathRejected("empty-segment")
        if not _SEGMENT.fullmatch(segment):
            raise PathRejected("bad-segment")
    return segments


@dataclass(frozen=True)
class _Pattern:
    source: str
    parts: tuple[str, ...]

    def fill(self, segments: Sequence[str]) -> str | None:
        """The canonical path when `segments` is an instance of this pattern, else None."""
        if len(segments) != len(self.parts):
            return None
        out = []
        for part, segment in zip(self.parts, segments, strict=True):
            if part.startswith(":"):
                if not _PARAM_VALUE.fullmatch(segment):
                    return None
                out.append(segment)
            elif part == segment:
                out.append(part)
            else:
                return None
        return "/" + "/".join(out)


class ProxyAllowlist:
    """The read-only Canvas API paths the proxy forwards (``config.server.proxy_paths``)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        compiled = []
        for source in patterns:
            parts = tuple(source.strip("/").split("/"))
            if not source.startswith("/api/v1/") or not all(
                    _SEGMENT.fullmatch(p) or _PARAM.fullmatch(p) for p in parts):
                raise ValueError(f"proxy path pattern {source!r} is not like /api/v1/courses/:course_id")
            compiled.append(_Pattern(source, parts))
        self.patterns: tuple[_Pattern, ...] = tuple(compiled)

    def check(self, raw_path: str) -> str:
        """The canonical Canvas path for a raw request path, or raise `PathRejected`.

        `raw_path` is the part of the request path after ``/api/canvas``, as
        sent (percent-encoding intact), e.g. ``/api/v1/courses/12/assignments``.
        """
        if len(raw_path) > MAX_PATH_LENGTH:
            raise PathRejected("too-long")
        _check_characters(raw_path)
        if not raw_path.isascii():
            raise PathRejected("non-ascii")
        try:
            decoded = fully_decoded(raw_path)
        except UnicodeDecodeError:
            raise PathRejected("encoding") from None
        _check_characters(decoded)
        if decoded != raw_path:
            # Percent-encoding hides what a segment is; the allowlist never needs it.
            _segments(decoded)  # a precise reason (dot-segment, network-path...) when there is one
            raise PathRejected("percent-encoding")
        segments = _segments(decoded)
        for pattern in self.patterns:
            canonical = pattern.fill(segments)
            if canonical is not None:
                return canonical
        raise PathRejected("not-allowlisted")

    def allows(self, raw_path: str) -> bool:
        try:
            self.check(raw_path)
        except PathRejected:
            return False
        return True
