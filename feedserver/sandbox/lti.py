"""Each sandbox school as an LTI 1.3 platform: Canvas's launch endpoints and the pages that open a tool.

- ``GET|POST /api/lti/authorize_redirect``: the authorization endpoint (signs the id_token);
- ``GET /api/lti/security/jwks``: the platform's public keys;
- ``GET /courses/{course_id}/external_tools/{tool}?user_id=N``: the course page that opens the
  installed tool in an iframe as user N, in the course's context (course navigation);
- ``GET /accounts/{account_id}/external_tools/{tool}?user_id=N``: the same from account
  navigation, without a course (the root account's id is the school's shard).

The sandbox has no Canvas sign-in: ``user_id`` stands for the signed-in user,
as the consent page's user picker does for OAuth. A tool is installed from its
configuration JSON (`install_tool`, or ``POST /__sandbox/lti/tool`` with it as
the body), as a Canvas admin does with an LTI key's "Enter URL"; until then
these routes answer 404.

What the id_token says follows Canvas (lti_platform.py): ``sub`` and
``login_hint`` are the user's ``lti_user_id``; roles come from the user's
enrollment in the course and their roles in the school; the context claim's
id is the course's ``uuid`` (Canvas's ``lti_context_id``), and the custom
fields expand ``$Canvas.user.id`` and ``$Canvas.course.id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .lti_platform import (
    ADMINISTRATOR,
    COURSE_OFFERING,
    INSTITUTION_INSTRUCTOR,
    INSTITUTION_STUDENT,
    INSTRUCTOR,
    LEARNER,
    SYSTEM_USER,
    LaunchSubject,
    LtiPlatform,
    make_key,
)
from .middlewares import sandbox_state
from .state import SandboxState
from .world import Course, User

__all__ = ["AUTHORIZE_PATH", "JWKS_PATH", "install_tool", "lti_client_id", "setup_routes", "tool_page_path"]

AUTHORIZE_PATH = "/api/lti/authorize_redirect"
JWKS_PATH = "/api/lti/security/jwks"
#: Canvas's LIS v2 role of each enrollment type in its course (substitutions_helper.rb).
CONTEXT_ROLES = {"StudentEnrollment": LEARNER, "TeacherEnrollment": INSTRUCTOR}


def lti_client_id(state: SandboxState) -> str:
    """The Client ID of the school's LTI developer key."""
    return f"{state.school.shard}0000000000500"


def tool_page_path(course_id: int | None, user_id: int, shard: int = 0, tool: str = "homework-muffin") -> str:
    """The platform page that launches the tool as `user_id`: in a course, or from the account (`shard`)."""
    where = f"/courses/{course_id}" if course_id is not None else f"/accounts/{shard}"
    return f"{where}/external_tools/{tool}?user_id={user_id}"


def install_tool(state: SandboxState, config: Mapping[str, Any], *, issuer: str) -> LtiPlatform:
    """Install a tool from its Canvas configuration JSON; `issuer` is this school's URL."""
    try:
        login_url, launch_url = str(config["oidc_initiation_url"]), str(config["target_link_uri"])
    except KeyError as exc:
        raise ValueError(f"the tool configuration lacks {exc.args[0]}") from None
    custom = config.get("custom_fields") or {}
    if not isinstance(custom, Mapping):
        raise ValueError("custom_fields must be an object")
    shard = state.school.shard
    state.lti_platform = LtiPlatform(
        signing_key=make_key(f"sandbox-{state.school_slug}-lti"),
        subject=lambda user_hint, context_hint: _subject(state, user_hint, context_hint),
        client_id=lti_client_id(state), deployment_id=f"{shard}:sandbox-{state.school_slug}",
        custom_fields={str(k): str(v) for k, v in custom.items()}, issuer=issuer.rstrip("/"),
        tool_login_url=login_url, tool_launch_url=launch_url,
    )
    return state.lti_platform


def _institution_roles(state: SandboxState, user: User) -> list[str]:
    kinds = {e.type for e in state.world.enrollments_of(user.id)}
    roles = [SYSTEM_USER]
    if "StudentEnrollment" in kinds:
        roles.append(INSTITUTION_STUDENT)
    if "TeacherEnrollment" in kinds:
        roles.append(INSTITUTION_INSTRUCTOR)
    if user.id in state.school.admin_ids:
        roles.append(ADMINISTRATOR)
    return roles


def _course_of(state: SandboxState, context_hint: str) -> Course | None:
    kind, _, rest = context_hint.partition(":")
    if kind != "course":
        return None
    course = state.world.courses.get(int(rest)) if rest.isdigit() else None
    return course if course is not None and course.school == state.school_slug else None


def _subject(state: SandboxState, user_hint: str, context_hint: str) -> LaunchSubject | None:
    user = next((u for u in state.world.school_users(state.school_slug) if u.lti_user_id == user_hint), None)
    if user is None:
        return None
    roles = _institution_roles(state, user)
    variables = {"$Canvas.user.id": str(user.id)}
    course = _course_of(state, context_hint)
    context = None
    if course is not None:
        enrollment = state.world.enrollment(user.id, course.id)
        if enrollment is not None and enrollment.state == "active":
            roles.insert(0, CONTEXT_ROLES[enrollment.type])
        context = {"id": course.uuid, "label": course.course_code, "title": course.name, "type": [COURSE_OFFERING]}
        variables["$Canvas.course.id"] = str(course.id)
    return LaunchSubject(user.lti_user_id, user.name, tuple(sorted(set(roles))), context, variables)


def _platform(request: web.Request) -> LtiPlatform:
    platform = sandbox_state(request).lti_platform
    if platform is None:
        raise web.HTTPNotFound(text="no LTI tool is installed in this sandbox school")
    return platform


async def authorize(request: web.Request) -> web.StreamResponse:
    return await _platform(request).authorize(request)


async def jwks(request: web.Request) -> web.StreamResponse:
    return await _platform(request).jwks(request)


def _user(request: web.Request) -> User:
    state = sandbox_state(request)
    raw = request.query.get("user_id", "")
    user = state.world.users.get(int(raw)) if raw.isdigit() else None
    if user is None or user.school != state.school_slug:
        raise web.HTTPBadRequest(text="?user_id= must name a user of this school (the sandbox has no sign-in)")
    return user


async def course_tool(request: web.Request) -> web.StreamResponse:
    state, platform = sandbox_state(request), _platform(request)
    course_id = request.match_info["course_id"]
    course = state.world.courses.get(int(course_id)) if course_id.isdigit() else None
    if course is None or course.school != state.school_slug:
        raise web.HTTPNotFound(text="no such course")
    user = _user(request)
    return platform.page_around_tool(f"{course.name} · {state.school.name}", user.lti_user_id,
                                     f"course:{course.id}")


async def account_tool(request: web.Request) -> web.StreamResponse:
    state, platform = sandbox_state(request), _platform(request)
    if request.match_info["account_id"] != str(state.school.shard):
        raise web.HTTPNotFound(text="no such account")
    user = _user(request)
    return platform.page_around_tool(f"{state.school.name} · Admin", user.lti_user_id, "account:root")


async def install(request: web.Request) -> web.Response:
    try:
        config = await request.json()
        if not isinstance(config, dict):
            raise ValueError("body must be the tool's configuration JSON object")
        platform = install_tool(sandbox_state(request), config, issuer=str(request.url.origin()))
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    return web.json_response({"issuer": platform.issuer, "client_id": platform.client_id,
                              "deployment_id": platform.deployment_id,
                              "auth_url": platform.issuer + AUTHORIZE_PATH, "jwks_url": platform.issuer + JWKS_PATH})


def setup_routes(app: web.Application) -> None:
    app.router.add_get(AUTHORIZE_PATH, authorize)
    app.router.add_post(AUTHORIZE_PATH, authorize)
    app.router.add_get(JWKS_PATH, jwks)
    app.router.add_get("/courses/{course_id}/external_tools/{tool}", course_tool)
    app.router.add_get("/accounts/{account_id}/external_tools/{tool}", account_tool)
    app.router.add_post("/__sandbox/lti/tool", install)
