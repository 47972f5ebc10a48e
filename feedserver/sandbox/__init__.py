"""A Canvas-LMS-compatible stand-in server: one aiohttp app per school.

No real Canvas is reachable, so the demo and every test talk to this sandbox
exactly as production talks to Canvas.  It reproduces Canvas's documented
behaviour (sources in docs/canvas-facts.md; Canvas code paths named in
each module's docstring):

- OAuth2 (`oauth.py`): `/login/oauth2/auth` with consent page, redirect_uri
  rules (exact list or the legacy same-host rule), `unauthorized_client` for a
  key the school has not switched on, `invalid_scope`, PKCE S256, `state`
  echo, `prompt=none`; `/login/oauth2/token` with Canvas's exact error bodies,
  single-use 10-minute codes, refresh tokens that are reused (not resent);
  `DELETE /login/oauth2/token`.  A user who approved a key before is sent
  straight back (Canvas's remembered authorization / trusted keys);
  `state.remember_consent = False` always shows the page.
- REST API under `/api/v1` (`api.py`, `api_calendar.py`): users, profile,
  courses, assignments (overrides applied, unpublished hidden from students,
  locks, `include[]=submission|all_dates`, buckets), own submission, quizzes,
  planner items, calendar events (max 10 context codes), upcoming events;
  Canvas's 401 bodies and `WWW-Authenticate` rules (`api_auth.py`);
  `application/json+canvas-string-ids`; Rails-style `\\u003c` escaping.
- Pagination (`pagination.py`): 10 per page, `per_page` capped at 100, `link`
  header with current/next/prev/first/last, no `access_token` in links.
- Rate limiting (`throttle.py`): per-token leaky bucket with Canvas's code
  defaults; `x-request-cost` and `x-rate-limit-remaining` on every API
  response but a throttled one (403 "403 Forbidden (Rate Limit Exceeded)"
  or 429, `state.throttle_status`: no `x-request-cost`, as Canvas).  All header names are sent lowercase.
- Calendar feed (`ics_feed.py`): `/feeds/calendars/user_<uuid>.ics` shaped
  like Canvas's `public_feed`, with ETag/304.
- Faults (`faults.py`), the far-future due-date switch (`SandboxState.far_future_due`,
  a teacher's year-9999 typo) and hostile `Assignment.html_url` values, and remote
  control (`control.py`, `/__sandbox/*`).

Usage::

    world = SandboxWorld.seeded(seed=7, term_start=date(2026, 8, 31))
    app = create_sandbox_app(world, school="north", clock=clock, now=clock.now)
    state = app[SANDBOX_KEY]
    state.faults.server_errors = 2
    state.expire_access_tokens()

Seeded keys: `world.schools[slug].keys` (see `seed.py`): each school's own
key (`school.school_key`), the inherited key `170000000000042` (On at north,
Off at south; same secret in both) and, at north only, a scoped key without
"Allow Include Parameters".  `ManualClock` moves both clocks in tests.
"""

from .app import create_sandbox_app
from .clock import ManualClock
from .faults import Faults
from .state import SandboxState
from .typedefs import SANDBOX_KEY
from .world import SandboxWorld

__all__ = [
    "SANDBOX_KEY",
    "Faults",
    "ManualClock",
    "SandboxState",
    "SandboxWorld",
    "create_sandbox_app",
]
