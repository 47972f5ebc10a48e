"""Every key of muffin.toml, declared once: section, name, kind, default, bounds and help.

`feedserver.config` reads and validates a file from this table, so a key's
default, type and limits cannot differ between the parser, `check-config`'s
messages, `examples/muffin.toml` and the reference table in
`docs/operations.md`; `tests/test_config_schema.py` checks the last two
against it. The table only declares: what a value means beyond its kind (a URL
that must use https, a database scheme, a secret read from the environment)
is checked in `feedserver.config`.

Adding a key: declare it here, give it a field in the matching dataclass of
`feedserver.config`, show it in `examples/muffin.toml` (commented out with its
default, or set, with the default in a comment) and regenerate the docs table
(`MUFFIN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_config_schema.py`).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_PROXY_PATHS",
    "REQUIRED",
    "SECTIONS",
    "SETTINGS",
    "Kind",
    "Setting",
    "reference_markdown",
    "section_settings",
    "setting",
    "toml_literal",
]

# Read-only Canvas API paths the same-origin proxy forwards by default.
# Patterns use Canvas's own ":param" placeholders; see feedserver/api/proxy.py.
DEFAULT_PROXY_PATHS = (
    "/api/v1/users/self",
    "/api/v1/users/self/profile",
    "/api/v1/users/self/upcoming_events",
    "/api/v1/users/self/todo",
    "/api/v1/courses",
    "/api/v1/courses/:course_id",
    "/api/v1/courses/:course_id/assignments",
    "/api/v1/courses/:course_id/assignments/:id",
    "/api/v1/courses/:course_id/assignments/:assignment_id/submissions/self",
    "/api/v1/planner/items",
    "/api/v1/calendar_events",
)


class _Required:
    """The default of a key the file must give."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Default of a key without one: leaving it out is a problem."""

SECTIONS = {
    "server": "[server]",
    "keys": "[keys.NAME]",
    "institution": "[[institution]]",
    "lti_platform": "[[lti_platform]]",
}
"""Section → how it is written in TOML. `keys` settings may also sit in an [[institution]] (the school's own key)."""


class Kind(enum.Enum):
    """What a value must look like; the value is the noun used in messages and docs."""

    TEXT = "text"
    """A string."""
    ID = "id"
    """A Canvas id: a string, or a whole number (TOML lets people drop the quotes); read as a string."""
    URL = "URL"
    """An absolute http(s) URL (`feedserver.config` also requires https for hosts other than loopback)."""
    INTEGER = "whole number"
    """An integer (not a boolean)."""
    NUMBER = "number"
    """An integer or a float (not a boolean); read as a float."""
    BOOLEAN = "true or false"
    """A TOML boolean."""
    STRINGS = "list of strings"
    """A list of strings; read as a tuple."""
    ENV = "environment variable"
    """The name of an environment variable that holds a secret: secrets never live in the file."""


@dataclass(frozen=True)
class Setting:
    """One key of one section of muffin.toml."""

    section: str
    """A key of `SECTIONS`."""
    name: str
    kind: Kind
    default: Any
    """The value when the key is absent: `REQUIRED`, None (absent means "not used"), or a value of `kind`."""
    help: str
    """What the value is, as a phrase: docs show it, and a missing key's message says "set it to <help>"."""
    unit: str = ""
    """Numbers: what they count ("MiB"). Lists: what the items are ("origins")."""
    ge: float | None = None
    """Numbers: the smallest allowed value."""
    gt: float | None = None
    """Numbers: allowed values are above this."""
    lt: float | None = None
    """Numbers: allowed values are below this."""
    le: float | None = None
    """Numbers: the largest allowed value."""
    choices: tuple[str, ...] = ()
    """Text: the only values allowed."""
    example: str = ""
    """A TOML value shown in the message for a wrong one."""
    default_doc: str = ""
    """For a default that is derived from other keys (None in `default`): what it is, in words."""

    @property
    def key(self) -> str:
        """``section.name``, as problems and docs name it."""
        return f"{self.section}.{self.name}"

    @property
    def secret(self) -> bool:
        """True for ``*_env`` keys: the file names an environment variable, the secret stays there."""
        return self.kind is Kind.ENV

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> str:
        """The allowed values as a phrase: "a whole number of MiB, at least 1"."""
        if self.choices:
            return " or ".join(json.dumps(c) for c in self.choices)
        if self.kind in (Kind.INTEGER, Kind.NUMBER):
            return self._describe_number()
        if self.kind is Kind.STRINGS:
            of = f" of {self.unit}" if self.unit else ""
            return f"a list{of} like {self.example}" if self.example else f"a list{of}"
        return {
            Kind.TEXT: "a string",
            Kind.ID: "a string or a whole number",
            Kind.URL: "an absolute https URL (http only for localhost)",
            Kind.BOOLEAN: "true or false",
            Kind.ENV: "the name of an environment variable",
        }[self.kind]

    def _describe_number(self) -> str:
        noun = "a whole number" if self.kind is Kind.INTEGER else "a number"
        of = f" of {self.unit}" if self.unit else ""
        if self.gt == 0 and self.ge is None and self.lt is None and self.le is None:
            return f"a positive {noun[2:]}{of}"
        if self.ge is not None and self.le is not None:
            return f"{noun}{of} from {_num(self.ge)} to {_num(self.le)}"
        limits = []
        if self.ge is not None:
            limits.append(f"at least {_num(self.ge)}")
        if self.gt is not None:
            limits.append(f"above {_num(self.gt)}")
        if self.lt is not None:
            limits.append(f"below {_num(self.lt)}")
        if self.le is not None:
            limits.append(f"at most {_num(self.le)}")
        text = f"{noun}{of}" + (", " + " and ".join(limits) if limits else "")
        return f"{text}, e.g. {self.example}" if self.example else text

    def problem(self, value: Any) -> str | None:
        """Why `value` (present in the file) is not allowed, as "must be …", or None if it is."""
        if self._fits(value):
            return None
        if self.choices:
            return f"use {self.describe()}"
        return f"must be {self.describe()}"

    def _fits(self, value: Any) -> bool:
        if self.choices and value not in self.choices:
            return False
        kind = self.kind
        if kind in (Kind.TEXT, Kind.URL):
            return isinstance(value, str)
        if kind is Kind.ENV:
            return isinstance(value, str) and bool(value)
        if kind is Kind.ID:
            return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
        if kind is Kind.BOOLEAN:
            return isinstance(value, bool)
        if kind is Kind.STRINGS:
            return isinstance(value, list) and all(isinstance(item, str) for item in value)
        if isinstance(value, bool) or not isinstance(value, int if kind is Kind.INTEGER else (int, float)):
            return False
        return ((self.ge is None or value >= self.ge) and (self.gt is None or value > self.gt)
                and (self.lt is None or value < self.lt) and (self.le is None or value <= self.le))

    def convert(self, value: Any) -> Any:
        """An allowed file value as the type `feedserver.config` stores."""
        if self.kind is Kind.NUMBER:
            return float(value)
        if self.kind is Kind.ID:
            return str(value)
        if self.kind is Kind.STRINGS:
            return tuple(value)
        return value


def _num(value: float) -> str:
    return f"{value:g}"


_SECONDS = "seconds"

SETTINGS: tuple[Setting, ...] = (
    # [server]: the process
    Setting("server", "public_url", Kind.URL, REQUIRED,
            'the address students use, e.g. "https://muffin.example.edu" (the base of redirect_uri and feed URLs)'),
    Setting("server", "host", Kind.TEXT, "127.0.0.1",
            "the address to listen on (keep 127.0.0.1 behind a TLS-terminating reverse proxy)"),
    Setting("server", "port", Kind.INTEGER, 8080, "the port to listen on", ge=1, le=65535),
    Setting("server", "database", Kind.TEXT, "sqlite:///muffin.sqlite3",
            "sqlite:///PATH (one process) or postgresql://USER@HOST:PORT/DB (any number of processes)"),
    Setting("server", "secret_key_env", Kind.ENV, "MUFFIN_SECRET_KEY",
            "the environment variable holding the secret key (`muffin-feed generate-key`); several keys, "
            "comma-separated, rotate: the first encrypts, the others only decrypt"),
    Setting("server", "admin_token_env", Kind.ENV, None,
            "the environment variable holding the bearer token of /admin/api/* and /-/versions (without it "
            "neither exists)"),
    Setting("server", "log_format", Kind.TEXT, "text", "how log lines are written", choices=("text", "json")),
    # [server]: metrics
    Setting("server", "metrics_port", Kind.INTEGER, None,
            "the port of this process's Prometheus /metrics listener, apart from the public port (not set: no "
            "metrics); each process on one machine needs its own (`serve --metrics-port`)", ge=1, le=65535),
    Setting("server", "metrics_host", Kind.TEXT, "127.0.0.1",
            "the address the metrics listener binds: a private one, reachable by Prometheus only"),
    # [server]: background sync
    Setting("server", "background_sync", Kind.BOOLEAN, True,
            "whether this process runs the sync scheduler (false: it only serves; `muffin-feed sync` from cron "
            "or other processes sync)"),
    Setting("server", "sync_interval_minutes", Kind.NUMBER, 60.0, "how often each student is synced",
            unit="minutes", gt=0),
    Setting("server", "sync_concurrency_per_school", Kind.INTEGER, 4,
            "parallel syncs against one Canvas host, per process", unit="syncs", ge=1),
    Setting("server", "sync_batch_size", Kind.INTEGER, 50, "students one scheduler round claims",
            unit="students", ge=1),
    Setting("server", "sync_poll_seconds", Kind.NUMBER, 30.0,
            "mean pause between scheduler rounds when nothing is due (randomised ±50 %)", unit=_SECONDS, gt=0),
    Setting("server", "sync_jitter", Kind.NUMBER, 0.1,
            "the fraction of the interval by which each student's next sync moves at random (0.1: up to ±10 %)",
            ge=0, lt=1, example="0.1"),
    Setting("server", "sync_lease_seconds", Kind.NUMBER, 900.0,
            "how long a claim on a student lasts; a crashed process's students wait this long", unit=_SECONDS, gt=0),
    Setting("server", "sync_timeout_seconds", Kind.NUMBER, 600.0,
            "the longest one student's sync may run; below sync_lease_seconds (checked at start)",
            unit=_SECONDS, gt=0),
    # [server]: feeds
    Setting("server", "feed_cache_mib", Kind.INTEGER, 256,
            "per process, memory for the feed bytes it serves (about 10 KiB per gzipped feed)", unit="MiB", ge=1),
    Setting("server", "allow_private_feed_hosts", Kind.BOOLEAN, False,
            "whether Canvas calendar-feed URLs may point at private or loopback addresses (tests and the demo)"),
    # [server]: retention
    Setting("server", "retention_days", Kind.INTEGER, 180,
            "students whose feeds no calendar app polled and who did not sign in for this long are deleted, "
            "their Canvas grant revoked", unit="days", ge=1),
    Setting("server", "retention_warning_days", Kind.INTEGER, 30,
            "how long before that deletion /me tells them (a deletion always follows the warning by at least "
            "this long); below retention_days", unit="days", ge=1),
    Setting("server", "log_retention_days", Kind.INTEGER, 90,
            "sync-run records (the sync log) older than this are pruned; each student's latest run stays",
            unit="days", ge=1),
    # [server]: API and Canvas proxy
    Setting("server", "allowed_origins", Kind.STRINGS, (),
            "web app origins allowed to call the API and the proxy with credentials (CORS)", unit="origins",
            example='["https://app.example.com"]'),
    Setting("server", "proxy_paths", Kind.STRINGS, DEFAULT_PROXY_PATHS,
            "the read-only Canvas API paths the same-origin proxy forwards (with Canvas's :param placeholders)",
            unit='Canvas API paths starting with "/api/v1/"'),
    Setting("server", "proxy_max_bytes", Kind.INTEGER, 5_000_000,
            "the largest Canvas answer the proxy passes on", unit="bytes", ge=1),
    # [server]: aggregate workload views (instructors, school admins; docs/privacy.md)
    Setting("server", "aggregate_min_students", Kind.INTEGER, 10,
            "k: the fewest contributing students any aggregate figure is built from; students count in "
            "cohorts of exactly k", unit="students", ge=5, le=1000),
    # [keys.NAME], or inline in an [[institution]] with its own key
    Setting("keys", "client_id", Kind.ID, REQUIRED, "the developer key's Client ID, copied from Canvas"),
    Setting("keys", "client_secret_env", Kind.ENV, REQUIRED,
            "the environment variable holding the developer key's Client Secret"),
    Setting("keys", "scopes", Kind.STRINGS, (),
            "the scopes to request, only if the key enforces scopes (docs/schools.md)",
            example='["url:GET|/api/v1/courses"]'),
    Setting("keys", "pkce", Kind.BOOLEAN, False, "whether to send an S256 PKCE code challenge too"),
    # [[institution]]
    Setting("institution", "slug", Kind.TEXT, REQUIRED,
            'the school\'s short name: lowercase letters, digits and dashes, e.g. "state-u"'),
    Setting("institution", "name", Kind.TEXT, None, "the school's name as students see it", default_doc="the slug"),
    Setting("institution", "canvas_url", Kind.URL, REQUIRED,
            "the school's Canvas address, e.g. https://canvas.state.edu"),
    Setting("institution", "key", Kind.TEXT, None,
            "the NAME of a [keys.NAME] table (a key shared by many schools), instead of this table's own "
            "client_id and client_secret_env"),
    Setting("institution", "time_zone", Kind.TEXT, "UTC",
            "the IANA time zone of students whose Canvas profile has none"),
    # [[lti_platform]]
    Setting("lti_platform", "issuer", Kind.TEXT, REQUIRED,
            'the platform\'s issuer, e.g. "https://canvas.instructure.com"'),
    Setting("lti_platform", "client_id", Kind.ID, REQUIRED, "the LTI developer key's Client ID"),
    Setting("lti_platform", "deployment_ids", Kind.STRINGS, REQUIRED,
            "the deployment ids Canvas shows for this install", unit="deployment ids",
            example='["12:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"]'),
    Setting("lti_platform", "institution", Kind.TEXT, REQUIRED,
            "the slug of the [[institution]] whose students launch from this platform"),
    Setting("lti_platform", "auth_url", Kind.URL, None, "the platform's OIDC authorization endpoint",
            default_doc="Canvas cloud's, for Canvas cloud issuers"),
    Setting("lti_platform", "jwks_url", Kind.URL, None, "the platform's public keys (JWKS)",
            default_doc="Canvas cloud's, for Canvas cloud issuers"),
)

_BY_KEY = {(s.section, s.name): s for s in SETTINGS}


def setting(section: str, name: str) -> Setting:
    """The declaration of ``section.name``; KeyError if there is none."""
    return _BY_KEY[section, name]


def section_settings(section: str) -> tuple[Setting, ...]:
    """The settings of one section, in declaration order."""
    return tuple(s for s in SETTINGS if s.section == section)


def toml_literal(value: Any) -> str:
    """`value` written as TOML (floats without a needless ".0": 60.0 → 60)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    raise TypeError(f"no TOML literal for {value!r}")


def _default_cell(s: Setting) -> str:
    if s.required:
        return "required"
    if s.default is None:
        return s.default_doc or "not set"
    if isinstance(s.default, tuple) and len(s.default) > 2:
        return f"the {len(s.default)} listed below"
    return f"`{toml_literal(s.default)}`"


def _rows(section: str) -> Iterator[str]:
    yield "| key | default | value | meaning |"
    yield "|---|---|---|---|"
    for s in section_settings(section):
        value = s.describe().replace("|", "\\|")
        meaning = s.help.replace("|", "\\|")
        yield f"| `{s.name}` | {_default_cell(s)} | {value} | {meaning} |"


def reference_markdown() -> str:
    """The settings reference of docs/operations.md (between its `settings-table` markers)."""
    lines: list[str] = []
    for section, written in SECTIONS.items():
        lines.append(f"`{written}`" + (" (or inline in an `[[institution]]` that has its own key)"
                                       if section == "keys" else "") + ":")
        lines.append("")
        lines.extend(_rows(section))
        lines.append("")
        for s in section_settings(section):
            if isinstance(s.default, tuple) and len(s.default) > 2:
                lines.append(f"Default `{s.name}`: " + ", ".join(f"`{p}`" for p in s.default) + ".")
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
