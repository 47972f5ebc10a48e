"""`/__sandbox/*`: steer a sandbox running in another process.

- `GET|POST|DELETE /__sandbox/faults`: read, set (JSON object of `Faults`
  fields; unknown or ill-typed fields → 400, nothing changed), reset.
- `GET /__sandbox/requests`: `{"total", "by_user": {"<id>"|"anonymous": n}}`
  plus `"log"` (every record) with `?log=1`; `DELETE` clears it.
- `POST /__sandbox/settings`: `token_lifetime`, `throttle_status`,
  `remember_consent` and `throttle` (`{maximum, high_water, leak_rate,
  up_front, request_cost}`).
- `POST /__sandbox/tokens/expire`: every access token expires now.
- `POST /__sandbox/users/{user_id}/revoke`: delete the user's grants.
- `POST /__sandbox/far-future`: ``{"assignment_id": N, "on": true}`` makes that
  assignment due 9999-12-31T23:59:00Z (a teacher's typo Canvas accepts);
  ``"on": false`` gives it its own date back.
These routes are not logged, throttled or faulted.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .canvas_json import iso
from .middlewares import sandbox_state

THROTTLE_FIELDS = ("maximum", "high_water", "leak_rate", "up_front", "request_cost")


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(text="body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


async def get_faults(request: web.Request) -> web.Response:
    return web.json_response(sandbox_state(request).faults.as_dict())


async def set_faults(request: web.Request) -> web.Response:
    faults = sandbox_state(request).faults
    try:
        faults.update(await _json_object(request))
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    return web.json_response(faults.as_dict())


async def reset_faults(request: web.Request) -> web.Response:
    faults = sandbox_state(request).faults
    faults.reset()
    return web.json_response(faults.as_dict())


async def get_requests(request: web.Request) -> web.Response:
    state = sandbox_state(request)
    by_user = {("anonymous" if k is None else str(k)): v for k, v in state.request_counts.items()}
    body: dict[str, Any] = {"total": len(state.request_log), "by_user": by_user}
    if request.query.get("log") in ("1", "true"):
        body["log"] = [
            {"method": r.method, "path": r.path, "query": r.query, "user_id": r.user_id,
             "status": r.status, "at": iso(r.at)}
            for r in state.request_log
        ]
    return web.json_response(body)


async def clear_requests(request: web.Request) -> web.Response:
    sandbox_state(request).clear_request_log()
    return web.json_response({"total": 0, "by_user": {}})


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a non-negative number")
    return float(value)


async def set_settings(request: web.Request) -> web.Response:
    state = sandbox_state(request)
    body = await _json_object(request)
    try:
        # Validate everything first so a bad request changes nothing.
        changes: dict[str, Any] = {}
        if "token_lifetime" in body:
            changes["token_lifetime"] = _number(body["token_lifetime"], "token_lifetime")
        if "throttle_status" in body:
            if body["throttle_status"] not in (403, 429):
                raise ValueError("throttle_status must be 403 or 429")
            changes["throttle_status"] = body["throttle_status"]
        if "remember_consent" in body:
            if not isinstance(body["remember_consent"], bool):
                raise ValueError("remember_consent must be true or false")
            changes["remember_consent"] = body["remember_consent"]
        throttle = body.get("throttle", {})
        if not isinstance(throttle, dict) or set(throttle) - set(THROTTLE_FIELDS):
            raise ValueError(f"throttle takes only {', '.join(THROTTLE_FIELDS)}")
        limits = {k: _number(v, k) for k, v in throttle.items()}
        unknown = set(body) - {"token_lifetime", "throttle_status", "remember_consent", "throttle"}
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    for name, value in changes.items():
        setattr(state, name, value)
    for name, value in limits.items():
        setattr(state.throttle, name, value)
    return web.json_response({
        "token_lifetime": state.token_lifetime, "throttle_status": state.throttle_status,
        "remember_consent": state.remember_consent,
        "throttle": {k: getattr(state.throttle, k) for k in THROTTLE_FIELDS},
    })


async def expire_tokens(request: web.Request) -> web.Response:
    sandbox_state(request).expire_access_tokens()
    return web.json_response({"expired": True})


async def revoke_user(request: web.Request) -> web.Response:
    try:
        user_id = int(request.match_info["user_id"])
    except ValueError:
        return web.json_response({"error": "user_id must be an integer"}, status=400)
    return web.json_response({"revoked": sandbox_state(request).revoke_user_tokens(user_id)})


async def far_future(request: web.Request) -> web.Response:
    state = sandbox_state(request)
    body = await _json_object(request)
    assignment_id, on = body.get("assignment_id"), body.get("on", True)
    if isinstance(assignment_id, bool) or not isinstance(assignment_id, int) or not isinstance(on, bool):
        return web.json_response({"error": "assignment_id must be an integer and on true or false"}, status=400)
    if assignment_id not in state.world.assignments:
        return web.json_response({"error": "no such assignment"}, status=404)
    state.far_future_due(assignment_id, on)
    return web.json_response({"far_future_due": sorted(state.world.far_future_due)})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/__sandbox/faults", get_faults)
    app.router.add_post("/__sandbox/faults", set_faults)
    app.router.add_delete("/__sandbox/faults", reset_faults)
    app.router.add_get("/__sandbox/requests", get_requests)
    app.router.add_delete("/__sandbox/requests", clear_requests)
    app.router.add_post("/__sandbox/settings", set_settings)
    app.router.add_post("/__sandbox/tokens/expire", expire_tokens)
    app.router.add_post("/__sandbox/users/{user_id}/revoke", revoke_user)
    app.router.add_post("/__sandbox/far-future", far_future)
