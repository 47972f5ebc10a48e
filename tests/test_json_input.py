"""The one reader of JSON request bodies: what it refuses, and that it refuses nothing JSON the API needs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedserver.json_input import MAX_BODY_BYTES, MAX_DEPTH, MAX_SAFE_INTEGER, JsonBodyError, parse_json_body


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(("raw", "why"), [
    (nested(100_000), "nested"),
    (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested"),
    (nested(MAX_DEPTH + 1), "nested"),
    (b"9" * 400, "too large"),
    (str(MAX_SAFE_INTEGER + 1).encode(), "too large"),
    (b"-" + str(MAX_SAFE_INTEGER + 1).encode(), "too large"),
    (b"1e400", "too large"),
    (b"-1e400", "too large"),
    (b"NaN", "not a JSON number"),
    (b"[Infinity]", "not a JSON number"),
    (b'"\\u0000"', "NUL"),
    (b'{"\\u0000": 1}', "NUL"),
    (b'"\\ud800"', "surrogate"),
    (b'"\xff"', "not valid JSON"),
    ('"x"'.encode("utf-16"), "not valid JSON"),
    (b"\xef\xbb\xbf{}", "not valid JSON"),
    (b'{"a": ', "not valid JSON"),
    (b" " * (MAX_BODY_BYTES + 1), "larger than"),
])
def test_refused(raw: bytes, why: str) -> None:
    with pytest.raises(JsonBodyError, match=why):
        # A higher size limit, so each case meets the rule it is about (100,000 brackets are 200 KB).
        parse_json_body(raw, max_bytes=max(len(raw), MAX_BODY_BYTES) if why != "larger than" else MAX_BODY_BYTES)


def test_accepted_at_the_limits() -> None:
    assert parse_json_body(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))
    assert parse_json_body(str(MAX_SAFE_INTEGER).encode()) == MAX_SAFE_INTEGER
    assert parse_json_body(b"[1e-400, 1.5e308, -0]") == [0.0, 1.5e308, 0]
    assert parse_json_body('{"title": "Übung 3 – Gödel 🧁"}'.encode()) == {"title": "Übung 3 – Gödel 🧁"}


texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=10)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20)


@given(json_values)
def test_every_json_value_within_the_limits_reads_back_as_written(value: Any) -> None:
    raw = json.dumps(value).encode()
    if len(raw) <= MAX_BODY_BYTES and _depth(value) <= MAX_DEPTH:
        assert parse_json_body(raw) == value


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0
