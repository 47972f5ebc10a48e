"""JSON request bodies: the one reader, with limits on size, nesting, numbers and strings.

Python's `json` accepts more than JSON and more than the rest of the code can
hold: ``NaN`` and ``Infinity``; a 400-digit integer, which no float holds
(an OverflowError wherever it later meets one); nesting 100,000 deep, which
overflows the parser's recursion; ``\\u0000`` and lone surrogates, which
PostgreSQL refuses to store and UTF-8 cannot encode. `parse_json_body`
refuses all of it where the bytes come in, so no handler ever sees such a
value; callers turn `JsonBodyError` into their own 400 answer.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "MAX_SAFE_INTEGER", "JsonBodyError", "parse_json_body", "read_json_body"]

MAX_BODY_BYTES = 64 * 1024
"""Far above any body the API or the LTI tool takes (a settings patch with 366 days off is ~5 KB)."""
MAX_DEPTH = 16
"""Nesting levels (an object or array each); the API's bodies need 2."""
MAX_SAFE_INTEGER = 2**53 - 1
"""RFC 8259 §6: integers beyond ±(2**53 - 1) do not survive the IEEE 754 doubles most parsers use."""


class JsonBodyError(ValueError):
    """The body is not JSON this service accepts; the message says why, for the client."""


async def read_json_body(request: web.Request, *, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """`request`'s body parsed by `parse_json_body` (its Content-Type is the caller's to check).

    A body announced larger than `max_bytes` is refused before it is read.
    """
    if request.content_length is not None and request.content_length > max_bytes:
        raise JsonBodyError(f"The body is larger than {max_bytes // 1024} KiB.")
    return parse_json_body(await request.read(), max_bytes=max_bytes)


def parse_json_body(raw: bytes, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `raw` (UTF-8), or `JsonBodyError`.

    Numbers come back as int (within ±`MAX_SAFE_INTEGER`) or finite float;
    strings hold no NUL and no lone surrogate.
    """
    if len(raw) > max_bytes:
        raise JsonBodyError(f"The body is larger than {max_bytes // 1024} KiB.")
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=_no_constant, parse_int=_safe_int, parse_float=_finite_float)
    except JsonBodyError:
        raise
    except RecursionError:
        raise JsonBodyError(f"The body is nested more than {max_depth} levels deep.") from None
    except ValueError:  # UnicodeDecodeError and JSONDecodeError among them
        raise JsonBodyError("The body is not valid JSON (UTF-8).") from None
    _check_tree(value, max_depth)
    return value


def _no_constant(name: str) -> Any:
    raise JsonBodyError(f"{name} is not a JSON number.")


def _safe_int(text: str) -> int:
    # A length check first: int() of thousands of digits is itself slow.
    if len(text.lstrip("-")) > 16 or abs(number := int(text)) > MAX_SAFE_INTEGER:
        raise JsonBodyError("A number in the body is too large.")
    return number


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise JsonBodyError("A number in the body is too large.")
    return number


def _check_tree(value: Any, max_depth: int) -> None:
    """Depth and strings of a parsed value, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_string(item)
        elif isinstance(item, (dict, list)):
            if depth >= max_depth:
                raise JsonBodyError(f"The body is nested more than {max_depth} levels deep.")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_string(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_string(text: str) -> None:
    if "\x00" in text:
        raise JsonBodyError("A string in the body holds a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonBodyError("A string in the body holds a lone surrogate (\\ud800-\\udfff).") from None
