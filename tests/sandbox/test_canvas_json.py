"""Canvas's JSON encoding quirks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from feedserver.sandbox.canvas_json import encode, iso, stringify_ids


def test_string_ids_covers_id_fields_only() -> None:
    body = {"id": 1, "course_id": 2, "user_ids": [3, 4], "points_possible": 5, "ok": True,
            "nested": [{"assignment_id": 6}], "plannable_id": 7}
    assert stringify_ids(body) == {"id": "1", "course_id": "2", "user_ids": ["3", "4"],
                                   "points_possible": 5, "ok": True,
                                   "nested": [{"assignment_id": "6"}], "plannable_id": "7"}


def test_rails_escapes_html_characters_but_keeps_utf8() -> None:
    raw = encode({"description": "<p>Tom & Jerry — café</p>"})
    assert b"\\u003cp\\u003eTom \\u0026 Jerry" in raw
    assert "café".encode() in raw
    assert json.loads(raw) == {"description": "<p>Tom & Jerry — café</p>"}


def test_iso_is_utc_with_z() -> None:
    assert iso(datetime(2026, 9, 5, 4, 59, tzinfo=UTC)) == "2026-09-05T04:59:00Z"
    assert iso(None) is None
