"""The OpenAPI 3.1 document of ``/api``, written by hand and served at ``/api/openapi.json``.

Hand-written because the handlers are plain aiohttp functions; two tests keep
it honest: every ``/api`` route registered on the app appears here with its
methods and nothing else does (tests/api/test_openapi.py), and schemathesis
fuzzes the live app against it (tests/api/test_schemathesis.py). The
settings schema mirrors `feedserver.settings._validate` rule for rule.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from aiohttp import web

from .. import __version__
from ..config import ServerConfig
from ..feeds.tokens import FEED_KINDS
from ..json_input import MAX_SAFE_INTEGER
from ..settings import MAX_DAYS_OFF, MAX_HIDDEN_COURSES, MAX_REMINDERS
from ..source_status import PROBLEMS
from .appkeys import openapi_key
from .errors import CODES
from .params import ASSIGNMENT_KINDS, FIRST_DATE, LAST_DATE, SUBMISSION_STATES

__all__ = ["openapi_document", "openapi_handler", "setup_openapi"]

_PROBLEM = "application/problem+json"
_UTC_TIME = {"type": ["string", "null"], "format": "date-time", "description": "ISO 8601 UTC, e.g. 2026-10-12T22:59:00Z"}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$", "example": "2026-10-12"}
# A date filter: all but the calendar's first and last days (FIRST_DATE and LAST_DATE are the days next to them).
_FILTER_DATE = {**_DATE, "pattern": rf"^(?!{date.min}$|{date.max}$)\d{{4}}-\d{{2}}-\d{{2}}$"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {_PROBLEM: {"schema": _ref("Problem")}}}
    if headers:
        response["headers"] = headers
    return response


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string", "pattern": r"^\d+$"}}}
_BAD = _problem("`invalid-field` (the problem's `field` names the parameter).")
_NOT_SIGNED_IN = _problem("`not-signed-in`: no session cookie, or the student disconnected.")
_CSRF = _problem("`csrf-failed`: no allowed `Origin` and no `X-CSRF-Token`.")
_STUDENT = [{"session": []}]
_COOKIE_NOTE = "Needs the session cookie; cross-origin callers send it with `credentials: 'include'`."


def _kind_param() -> dict[str, Any]:
    return {"name": "kind", "in": "query", "required": False, "description": "Which feed (default `all`).",
            "schema": {"type": "string", "enum": list(FEED_KINDS)}}


def _array_param(name: str, description: str, items: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "style": "form",
            "explode": True, "schema": {"type": "array", "items": items, "minItems": 1, "maxItems": 50}}


def _schemas() -> dict[str, Any]:
    settings_properties: dict[str, Any] = {
        "hidden_courses": {"type": "array", "maxItems": MAX_HIDDEN_COURSES,
                           "items": {"type": ["string", "integer"], "pattern": "^[0-9]{1,20}$", "minimum": 0,
                                     "maximum": MAX_SAFE_INTEGER},
                           "description": "Canvas course ids left out of the feed."},
        "submitted": {"type": "string", "enum": ["mark", "hide"],
                      "description": "Mark submitted assignments with ✓, or hide them."},
        "event_style": {"type": "string", "enum": ["timed", "all_day"]},
        "reminder_minutes": {"type": "array", "maxItems": MAX_REMINDERS,
                             "items": {"type": "integer", "minimum": 0, "maximum": 10080}},
        "suggestions": {"type": "boolean", "description": "Add suggested work sessions to the feed."},
        "free_hours": {"type": "array", "minItems": 7, "maxItems": 7,
                       "items": {"type": "number", "minimum": 0, "maximum": 16},
                       "description": "Free study hours per weekday, Monday first."},
        "days_off": {"type": "array", "maxItems": MAX_DAYS_OFF, "items": _DATE},
        "session_hours": {"type": "number", "minimum": 0.25, "maximum": 8},
        "session_start_hour": {"type": "integer", "minimum": -1, "maximum": 23,
                               "description": "Local start hour of suggested sessions; -1 for all-day."},
        "hidden_event_courses": {"type": "array", "maxItems": MAX_HIDDEN_COURSES,
                                 "items": {"type": ["string", "integer"], "pattern": "^[0-9]{1,20}$", "minimum": 0,
                                           "maximum": MAX_SAFE_INTEGER},
                                 "description": "Canvas course ids whose calendar events are left out."},
        "personal_events": {"type": "boolean",
                            "description": "Show the student's personal Canvas calendar events (off by default)."},
        "planner_notes": {"type": "boolean",
                          "description": "Show the student's Canvas planner notes (off by default)."},
    }
    read_only = {
        "free_time_answered": {"type": "boolean", "readOnly": True,
                               "description": "The student has given their free hours (setting `free_hours` "
                                              "answers it); until then no verdict on whether the work fits."},
    }
    feed_links = {
        "url": {"type": "string", "format": "uri", "description": "https URL of the private ICS feed."},
        "webcal_url": {"type": "string", "description": "The same feed as webcal:// (Apple Calendar)."},
        "google_calendar_url": {"type": "string", "format": "uri"},
        "outlook_url": {"type": "string", "format": "uri"},
    }
    return {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details; `code` is stable, switch on it.",
            "required": ["type", "title", "status", "code"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "code": {"type": "string", "description": "One of: " + ", ".join(sorted(CODES))},
                "detail": {"type": "string"},
                "field": {"type": "string", "description": "With `invalid-field`: the parameter or member."},
            },
        },
        "Institution": {
            "type": "object", "additionalProperties": False,
            "required": ["slug", "name", "canvas_host", "login_url"],
            "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                           "canvas_host": {"type": "string"},
                           "login_url": {"type": "string", "description": "Where the picker sends the student."}},
        },
        "Institutions": {
            "type": "object", "additionalProperties": False, "required": ["institutions"],
            "properties": {"institutions": {"type": "array", "items": _ref("Institution")}},
        },
        "FeedLinks": {
            "type": "object", "additionalProperties": False, "required": list(feed_links),
            "properties": feed_links,
        },
        "Feed": {
            "type": "object", "additionalProperties": False, "required": ["kind", *feed_links],
            "properties": {"kind": {"type": "string", "enum": list(FEED_KINDS)}, **feed_links},
        },
        "Me": {
            "type": "object", "additionalProperties": False,
            "required": ["user", "institution", "status", "source", "feed", "last_sync_at", "problem"],
            "properties": {
                "user": {"type": "object", "additionalProperties": False,
                         "required": ["name", "canvas_user_id", "time_zone"],
                         "properties": {"name": {"type": "string"}, "canvas_user_id": {"type": "string"},
                                        "time_zone": {"type": "string", "description": "IANA zone name."}}},
                "institution": {"type": "object", "additionalProperties": False,
                                "required": ["slug", "name", "canvas_url"],
                                "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                                               "canvas_url": {"type": "string", "format": "uri"}}},
                "status": {"type": "string", "enum": ["active", "reconnect_needed"]},
                "source": {"type": "string", "enum": ["oauth", "canvas_feed"]},
                "feed": _ref("FeedLinks"),
                "last_sync_at": _UTC_TIME,
                "problem": {
                    "description": "Why the calendar stopped updating, and what to do; null while all is well.",
                    "oneOf": [{"type": "null"}, {
                        "type": "object", "additionalProperties": False,
                        "required": ["kind", "title", "explanation", "action", "since", "detail",
                                     "feed_notice_from"],
                        "properties": {
                            "kind": {"type": "string", "enum": list(PROBLEMS)},
                            "title": {"type": "string"},
                            "explanation": {"type": "string", "description": "What happened."},
                            "action": {"type": "string", "description": "What the student can do."},
                            "since": {"type": "string", "format": "date-time",
                                      "description": "First failure after the last good sync (UTC)."},
                            "detail": {"type": ["string", "null"], "description": "What the last attempt met."},
                            "feed_notice_from": {"type": "string", "format": "date-time",
                                                 "description": "From when the feed shows one notice event "
                                                                "for it (UTC; a day after `since` for "
                                                                "Canvas being down, at once otherwise)."},
                        }}],
                },
            },
        },
        "Settings": {
            "type": "object", "additionalProperties": False, "required": [*settings_properties, *read_only],
            "properties": {**settings_properties, **read_only},
        },
        "SettingsPatch": {
            "type": "object", "additionalProperties": False, "properties": settings_properties,
            "description": "Any subset of the settings; the rest keep their values.",
        },
        "Assignment": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "title", "kind", "course", "due_at", "unlock_at", "lock_at", "points_possible",
                         "submission_state", "submitted_at", "html_url", "last_modified"],
            "properties": {
                "id": {"type": "string", "description": "Canvas assignment id."},
                "title": {"type": "string"},
                "kind": {"type": "string", "enum": list(ASSIGNMENT_KINDS)},
                "course": {"type": "object", "additionalProperties": False, "required": ["id", "name", "code"],
                           "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                          "code": {"type": "string"}}},
                "due_at": _UTC_TIME, "unlock_at": _UTC_TIME, "lock_at": _UTC_TIME,
                "points_possible": {"type": ["number", "null"]},
                "submission_state": {"type": "string", "enum": list(SUBMISSION_STATES)},
                "submitted_at": _UTC_TIME,
                "html_url": {"type": "string"},
                "last_modified": _UTC_TIME,
            },
        },
        "AssignmentList": {
            "type": "object", "additionalProperties": False, "required": ["assignments", "count"],
            "properties": {"assignments": {"type": "array", "items": _ref("Assignment")},
                           "count": {"type": "integer", "minimum": 0}},
        },
        "Workload": _workload_schema(),
        "EstimateChange": {
            "type": "object", "additionalProperties": False, "required": ["hours"],
            "properties": {"hours": {"type": ["number", "null"], "minimum": 0.25, "maximum": 200,
                                     "description": "The student's own estimate in hours; null returns to the "
                                                    "model's estimate."}},
        },
        "EstimateChanged": {
            "type": "object", "additionalProperties": False,
            "required": ["assignment_id", "hours", "plan_changed", "sessions"],
            "properties": {"assignment_id": {"type": "string"}, "hours": {"type": ["number", "null"]},
                           "plan_changed": {"type": "boolean",
                                            "description": "The stored sessions (and so the feed) changed."},
                           "sessions": {"type": "integer", "minimum": 0}},
        },
        "WhatIf": _what_if_schema(),
        "SyncAccepted": {
            "type": "object", "additionalProperties": False, "required": ["status"],
            "properties": {"status": {"type": "string", "enum": ["queued"]}},
        },
    }


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": list(props), "properties": props}


def _what_if_schema() -> dict[str, Any]:
    window = {"oneOf": [{"type": "null"}, _obj({"first": _DATE, "last": _DATE})]}
    weeks = {"type": "array", "items": _DATE, "description": "Mondays of the crunch weeks from this week on."}
    return _obj({
        "assignment_id": {"type": "string"}, "title": {"type": "string"}, "course": {"type": "string"},
        "due_before": _UTC_TIME, "due_after": {**_UTC_TIME, "type": "string"},
        "peak_before": {"type": "number", "minimum": 0}, "peak_after": {"type": "number", "minimum": 0},
        "critical_window_before": window, "critical_window_after": window,
        "crunch_weeks_before": weeks, "crunch_weeks_after": weeks,
        "affected": {"type": "boolean", "description": "The peak, the critical window or the crunch weeks change."},
        "explanation": {"type": "string"},
    })


def _workload_schema() -> dict[str, Any]:
    obj = _obj
    text_list = {"type": "array", "items": {"type": "string"}}
    hours = {"type": "number", "minimum": 0}
    nullable_days = {"type": ["number", "null"], "minimum": 0}
    return obj({
        "today": _DATE,
        "time_zone": {"type": "string"},
        "suggestions_on": {"type": "boolean"},
        "model": {"type": "string", "description": "How the estimates are made."},
        "feasible": {"type": "boolean", "description": "The work fits the free hours."},
        "peak": {"type": "number", "minimum": 0,
                 "description": "Busiest day's share of its free hours in the best plan (1 = exactly full)."},
        "peak_words": {"type": "string"},
        "critical_window": {"oneOf": [{"type": "null"}, obj({"first": _DATE, "last": _DATE, "hours": hours,
                                                                 "free_hours": hours})]},
        "explanation": {"type": "string"},
        "suggestions": text_list,
        "crunches": text_list,
        "ask_about": {**text_list, "description": "Deadlines to ask about when the work cannot fit."},
        "left_out": text_list,
        "days": {"type": "array", "items": obj({"date": _DATE, "free_hours": hours, "planned_hours": hours,
                                                 "last_minute_hours": hours})},
        "estimates": {"type": "array", "items": obj({
            "assignment_id": {"type": "string"}, "course": {"type": "string"}, "title": {"type": "string"},
            "due_at": _UTC_TIME, "hours": hours, "low": hours, "high": hours, "basis": {"type": "string"},
            "overridden": {"type": "boolean"}})},
        "sessions": {"type": "array", "items": obj({"assignment_id": {"type": "string"}, "date": _DATE,
                                                     "hours": hours})},
        "free_time_answered": {"type": "boolean",
                               "description": "False: the free hours are defaults, so no verdict is given."},
        "start_first": {"type": "array", "description": "What to start, earliest first, each with why.",
                        "items": obj({"assignment_id": {"type": "string"}, "course": {"type": "string"},
                                      "title": {"type": "string"}, "start": _DATE, "work_day": _DATE,
                                      "hours_per_day": hours, "why": {"type": "string"}})},
        "next_crunch": {"type": ["string", "null"]},
        "timing": {"oneOf": [{"type": "null"}, obj({
            "sentence": {"type": "string"}, "submissions": {"type": "integer", "minimum": 0},
            "lead_days": hours, "lead_low": nullable_days, "lead_high": nullable_days})]},
    })


def _proxy_operations(server: ServerConfig) -> dict[str, Any]:
    allowlist = "\n".join(f"- `{p}`" for p in server.proxy_paths)
    path_param = {"name": "path", "in": "path", "required": True,
                  "description": "A Canvas API path such as `api/v1/courses`, its slashes sent as slashes (an "
                                 "encoded `%2F`, like any percent-encoding, is refused); must match the allowlist.",
                  "schema": {"type": "string", "pattern": "^[A-Za-z0-9_/]+$", "maxLength": 499}}
    refused = _problem("`proxy-read-only`.", {"Allow": {"schema": {"type": "string", "const": "GET"}}})
    passthrough_headers = {
        "Link": {"description": "Canvas pagination links, rewritten to proxy URLs.", "schema": {"type": "string"}},
        "X-Rate-Limit-Remaining": {"description": "Canvas's, passed through.", "schema": {"type": "string"}},
        "X-Request-Cost": {"description": "Canvas's, passed through.", "schema": {"type": "string"}},
    }
    get = {
        "operationId": "canvasProxy",
        "summary": "Read the student's own Canvas (allowlisted GET paths only)",
        "description": (
            "Forwards to the signed-in student's school's Canvas with the server-held token; the browser "
            "never sees a Canvas token. The query string is passed on (minus `access_token` and "
            "`as_user_id`). Canvas's status and JSON body come back unchanged; `Link` is rewritten to "
            f"proxy URLs. {_COOKIE_NOTE}\n\nAllowlist (`:param` = a number or `self`):\n{allowlist}"),
        "security": _STUDENT,
        "parameters": [path_param],
        "responses": {
            "200": {"description": "Canvas's answer.", "headers": passthrough_headers,
                    "content": {"application/json": {"schema": {}}}},
            "400": _problem("`proxy-path-invalid` or `invalid-field`."),
            "401": {"description": "`not-signed-in` (problem), or Canvas's own 401 (no permission).",
                    "content": {_PROBLEM: {"schema": _ref("Problem")}, "application/json": {"schema": {}}}},
            "403": {"description": "`proxy-path-not-allowed` (problem), or Canvas's own 403.",
                    "content": {_PROBLEM: {"schema": _ref("Problem")}, "application/json": {"schema": {}},
                                "text/plain": {"schema": {"type": "string"}}}},
            "409": _problem("`reconnect-needed` or `school-not-configured`."),
            "429": {"description": "`proxy-rate-limited` (problem), or Canvas throttling (passed through).",
                    "headers": _RETRY_AFTER,
                    "content": {_PROBLEM: {"schema": _ref("Problem")}, "text/plain": {"schema": {"type": "string"}}}},
            "502": _problem("`canvas-unavailable`, `canvas-response-too-large` or `canvas-redirect-refused`."),
            "504": _problem("`canvas-timeout`."),
            "default": {"description": "Any other status Canvas answered, passed through.",
                        "content": {"application/json": {"schema": {}}, "text/plain": {"schema": {"type": "string"}},
                                    _PROBLEM: {"schema": _ref("Problem")}}},
        },
    }
    operations: dict[str, Any] = {"get": get}
    for method in ("post", "put", "patch", "delete"):
        operations[method] = {
            "operationId": f"canvasProxy{method.capitalize()}",
            "summary": "Refused: the proxy only reads",
            "parameters": [path_param],
            "responses": {"405": refused},
        }
    return operations


def openapi_document(server: ServerConfig) -> dict[str, Any]:
    """The whole document for this server (its URL and proxy allowlist come from `server`)."""
    me_read = {"security": _STUDENT}
    state_changing = "State-changing: needs an allowed `Origin` (or `X-CSRF-Token`)."
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Homework Muffin API",
            "version": __version__,
            "description": "The JSON API of the Homework Muffin web app and its same-origin Canvas proxy. "
                           "See docs/api.md for authentication, CORS and CSRF.",
        },
        "servers": [{"url": server.public_url}],
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "muffin_session",
                                            "description": "Set by signing in with Canvas (GET /login)."}},
            "schemas": _schemas(),
        },
        "paths": {
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")}}},
            "/api/institutions": {"get": {
                "operationId": "listInstitutions", "summary": "Schools students can sign in with (public)",
                "responses": {"200": _json(_ref("Institutions"), "Configured schools, by name."), "400": _BAD}}},
            "/api/me": {
                "get": {**me_read, "operationId": "getMe", "summary": "The signed-in student",
                        "description": _COOKIE_NOTE,
                        "responses": {"200": _json(_ref("Me"), "Who, which school, feed links, last sync."),
                                      "400": _BAD, "401": _NOT_SIGNED_IN}},
                "delete": {**me_read, "operationId": "disconnect",
                           "summary": "Disconnect: revoke the Canvas grant and delete everything stored",
                           "description": state_changing,
                           "responses": {"204": {"description": "Gone; the session cookie is cleared."},
                                         "401": _NOT_SIGNED_IN, "403": _CSRF}},
            },
            "/api/me/settings": {
                "get": {**me_read, "operationId": "getSettings", "summary": "Feed and suggestion settings",
                        "responses": {"200": _json(_ref("Settings"), "All settings with their values."),
                                      "400": _BAD, "401": _NOT_SIGNED_IN}},
                "patch": {**me_read, "operationId": "patchSettings", "summary": "Change some settings",
                          "description": f"{state_changing} The feed is re-rendered at once.",
                          "requestBody": {"required": True, "content": {
                              "application/json": {"schema": _ref("SettingsPatch")}}},
                          "responses": {
                              "200": _json(_ref("Settings"), "All settings after the change."),
                              "400": _problem("`invalid-field` or `invalid-body`."),
                              "401": _NOT_SIGNED_IN, "403": _CSRF,
                              "415": _problem("`unsupported-media-type`.")}},
            },
            "/api/me/assignments": {"get": {
                **me_read, "operationId": "listAssignments",
                "summary": "Stored assignments, earliest due first (undated last)",
                "description": "From the last sync, not live Canvas. Date filters are local dates in the "
                               "student's time zone and leave out undated assignments.",
                "parameters": [
                    _array_param("course", "Canvas course ids (repeat or comma-separate).",
                                 {"type": "string", "pattern": r"^[0-9]{1,20}$"}),
                    {"name": "from", "in": "query", "required": False, "schema": _FILTER_DATE,
                     "description": f"Due on or after this local date ({FIRST_DATE} to {LAST_DATE})."},
                    {"name": "to", "in": "query", "required": False, "schema": _FILTER_DATE,
                     "description": f"Due on or before this local date ({FIRST_DATE} to {LAST_DATE}); "
                                    "not before `from`."},
                    _array_param("status", "Submission states.", {"type": "string", "enum": list(SUBMISSION_STATES)}),
                    _array_param("kind", "Assignment kinds.", {"type": "string", "enum": list(ASSIGNMENT_KINDS)}),
                    {"name": "undated", "in": "query", "required": False, "schema": {"type": "boolean"},
                     "description": "true: only undated; false: only dated; absent: both."},
                ],
                "responses": {"200": _json(_ref("AssignmentList"), "Matching assignments."),
                              "400": _BAD, "401": _NOT_SIGNED_IN}}},
            "/api/me/feed": {"get": {
                **me_read, "operationId": "getFeed", "summary": "The private feed URL and subscribe links",
                "parameters": [_kind_param()],
                "responses": {"200": _json(_ref("Feed"), "Feed links."), "400": _BAD, "401": _NOT_SIGNED_IN}}},
            "/api/me/feed/rotate": {"post": {
                **me_read, "operationId": "rotateFeed", "summary": "Replace the feed URL; the old one is a 404 at once",
                "description": state_changing, "parameters": [_kind_param()],
                "responses": {"200": _json(_ref("Feed"), "The new links."), "400": _BAD,
                              "401": _NOT_SIGNED_IN, "403": _CSRF}}},
            "/api/me/sync": {"post": {
                **me_read, "operationId": "requestSync", "summary": "Sync with Canvas soon",
                "description": state_changing,
                "responses": {"202": _json(_ref("SyncAccepted"), "Queued."),
                              "401": _NOT_SIGNED_IN, "403": _CSRF,
                              "409": _problem("`reconnect-needed`: sign in with Canvas again first."),
                              "429": _problem("`sync-too-soon`.", _RETRY_AFTER)}}},
            "/api/me/workload": {"get": {
                **me_read, "operationId": "getWorkload",
                "summary": "The weeks ahead: load per day, the balanced plan, crunches and suggestions",
                "description": "Computed from today on (the student's time zone); submitted work is left out. "
                               "Estimates are ranges; `model` says how they are made.",
                "responses": {"200": _json(_ref("Workload"), "The workload summary."), "400": _BAD,
                              "401": _NOT_SIGNED_IN, "503": _problem("`plan-unavailable`.")}}},
            "/api/me/assignments/{assignment_id}/estimate": {"put": {
                **me_read, "operationId": "putEstimate",
                "summary": "Set (or clear) the student's own effort estimate for one assignment",
                "description": f"{state_changing} Also calibrates the estimates of the student's other "
                               "assignments of the same kind; the plan and the feed change at once.",
                "parameters": [{"name": "assignment_id", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]{1,20}$"},
                                "description": "Canvas assignment id."}],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("EstimateChange")}}},
                "responses": {"200": _json(_ref("EstimateChanged"), "Stored; the plan was recomputed."),
                              "400": _problem("`invalid-field` or `invalid-body`."),
                              "401": _NOT_SIGNED_IN, "403": _CSRF,
                              "404": _problem("`assignment-not-found`."),
                              "415": _problem("`unsupported-media-type`.")}}},
            "/api/me/assignments/{assignment_id}/what-if": {"get": {
                **me_read, "operationId": "whatIf",
                "summary": "What an extension would change: the plan if one assignment were due on another day",
                "description": "Nothing is stored. The new due date keeps the old deadline's local time of day; "
                               "peaks and windows are the balanced plan's from today, crunch weeks those of the "
                               "student's own last-minute timing.",
                "parameters": [{"name": "assignment_id", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]{1,20}$"},
                                "description": "Canvas assignment id."},
                               {"name": "due", "in": "query", "required": True, "schema": _DATE,
                                "description": "The new due date (local), within a year of today."}],
                "responses": {"200": _json(_ref("WhatIf"), "Before and after."), "400": _BAD,
                              "401": _NOT_SIGNED_IN, "404": _problem("`assignment-not-found`."),
                              "503": _problem("`plan-unavailable`.")}}},
            "/api/canvas/{path}": _proxy_operations(server),
        },
    }


async def openapi_handler(request: web.Request) -> web.Response:
    return web.Response(body=request.app[openapi_key], content_type="application/json",
                        headers={"Cache-Control": "public, max-age=300"})


def setup_openapi(app: web.Application, server: ServerConfig) -> None:
    """Serve the document (rendered once) at ``/api/openapi.json``."""
    app[openapi_key] = json.dumps(openapi_document(server), indent=1).encode()
    app.router.add_get("/api/openapi.json", openapi_handler, name="openapi", allow_head=False)
