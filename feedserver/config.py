"""Typed configuration: a TOML file plus secrets from the environment.

`load_config` reads and validates everything once, at start. Every problem is
reported as one line that names the key and the fix, and all problems are
reported together so an operator fixes a file in one pass. Secrets never live
in the file: keys ending in ``_env`` name the environment variable to read.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .secure import Secret

__all__ = [
    "Config",
    "ConfigError",
    "ServerConfig",
    "DeveloperKey",
    "Institution",
    "LtiPlatform",
    "load_config",
    "parse_config",
    "DEFAULT_PROXY_PATHS",
    "is_loopback_host",
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

# Canvas cloud endpoints for LTI 1.3 (lti.md); used when a platform omits them.
CANVAS_CLOUD_LTI = {
    "https://canvas.instructure.com": (
        "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "https://sso.canvaslms.com/api/lti/security/jwks",
    ),
    "https://canvas.beta.instructure.com": (
        "https://sso.beta.canvaslms.com/api/lti/authorize_redirect",
        "https://sso.beta.canvaslms.com/api/lti/security/jwks",
    ),
    "https://canvas.test.instructure.com": (
        "https://sso.test.canvaslms.com/api/lti/authorize_redirect",
        "https://sso.test.canvaslms.com/api/lti/security/jwks",
    ),
}


class ConfigError(Exception):
    """The configuration cannot be used; `problems` holds one line per fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ServerConfig:
    public_url: str
    host: str = "127.0.0.1"
    port: int = 8080
    database: str = "sqlite:///muffin.sqlite3"
    secret_keys: tuple[Secret, ...] = ()
    """First key encrypts; the rest still decrypt (rotation)."""
    allowed_origins: tuple[str, ...] = ()
    sync_interval_minutes: float = 60.0
    sync_concurrency_per_school: int = 4
    allow_private_feed_hosts: bool = False
    admin_token: Secret | None = None
    proxy_paths: tuple[str, ...] = DEFAULT_PROXY_PATHS
    proxy_max_bytes: int = 5_000_000
    background_sync: bool = True
    log_format: str = "text"
    sync_lease_seconds: float = 900.0
    """How long a claim on a student lasts; a crashed process's students wait this long."""
    sync_timeout_seconds: float = 600.0
    """The longest one student's sync may run; must be shorter than the lease."""
    sync_poll_seconds: float = 30.0
    """Mean pause between scheduler rounds when nothing more is due (randomised ±50 %)."""
    sync_jitter: float = 0.1
    """Fraction of the interval by which each student's next sync is moved at random."""
    sync_batch_size: int = 50
    """Students one scheduler round claims; smaller batches spread work across processes."""
    feed_cache_mib: int = 256
    """Per-process memory for feed bytes served to calendar apps (about 10 KiB per gzipped feed)."""

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


@dataclass(frozen=True)
class DeveloperKey:
    """A Canvas developer key: school-made, or inherited and shared by many schools."""

    name: str
    client_id: str
    client_secret: Secret
    scopes: tuple[str, ...] = ()
    pkce: bool = False


@dataclass(frozen=True)
class Institution:
    slug: str
    name: str
    canvas_url: str
    key: DeveloperKey
    time_zone: str = "UTC"

    @property
    def canvas_host(self) -> str:
        return urlsplit(self.canvas_url).netloc.lower()


@dataclass(frozen=True)
class LtiPlatform:
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    institution: str
    auth_url: str
    jwks_url: str


@dataclass(frozen=True)
class Config:
    server: ServerConfig
    institutions: tuple[Institution, ...] = ()
    lti_platforms: tuple[LtiPlatform, ...] = ()
    source: str = "<memory>"

    def institution(self, slug: str) -> Institution | None:
        return next((i for i in self.institutions if i.slug == slug), None)

    def institution_for_host(self, host: str) -> Institution | None:
        host = host.lower()
        return next((i for i in self.institutions if i.canvas_host == host), None)


_SERVER_KEYS = {
    "public_url", "host", "port", "database", "secret_key_env", "allowed_origins",
    "sync_interval_minutes", "sync_concurrency_per_school", "allow_private_feed_hosts",
    "admin_token_env", "proxy_paths", "proxy_max_bytes", "background_sync", "log_format",
    "sync_lease_seconds", "sync_timeout_seconds", "sync_poll_seconds", "sync_jitter",
    "sync_batch_size", "feed_cache_mib",
}
_KEY_KEYS = {"client_id", "client_secret_env", "scopes", "pkce"}
_INSTITUTION_KEYS = {"slug", "name", "canvas_url", "key", "time_zone"} | _KEY_KEYS
_LTI_KEYS = {"issuer", "client_id", "deployment_ids", "institution", "auth_url", "jwks_url"}
_TOP_KEYS = {"server", "keys", "institution", "lti_platform"}


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_config(path: str | Path, environ: Mapping[str, str]) -> Config:
    """Read a TOML file and the environment; raise `ConfigError` listing every problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found; pass --config with the path of your muffin.toml"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML ({exc}); fix the syntax"]) from None
    return parse_config(raw, environ, source=str(path))


def parse_config(raw: Mapping[str, Any], environ: Mapping[str, str], source: str = "<memory>") -> Config:
    """Validate an already-parsed TOML mapping."""
    problems: list[str] = []
    _unknown(raw, _TOP_KEYS, "", problems)
    server = _parse_server(raw.get("server", {}), environ, problems)
    keys = {
        name: _parse_key(name, table, environ, f"keys.{name}", problems)
        for name, table in _tables(raw.get("keys", {}), "keys", problems).items()
    }
    institutions = _parse_institutions(raw.get("institution", []), keys, environ, problems)
    platforms = _parse_lti(raw.get("lti_platform", []), {i.slug for i in institutions}, problems)
    if problems:
        raise ConfigError(problems)
    assert server is not None
    return Config(server=server, institutions=tuple(institutions), lti_platforms=tuple(platforms), source=source)


def _unknown(table: Mapping[str, Any], allowed: set[str], prefix: str, problems: list[str]) -> None:
    for key in table:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            problems.append(f"{prefix}{key}: unknown key; remove it or use one of: {known}")


def _tables(value: Any, name: str, problems: list[str]) -> dict[str, Mapping[str, Any]]:
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        problems.append(f"{name}: must be tables like [{name}.NAME]")
        return {}
    return dict(value)


def _env_secret(table: Mapping[str, Any], key: str, environ: Mapping[str, str], where: str,
                problems: list[str], required: bool = True) -> Secret | None:
    var = table.get(key)
    if var is None:
        if required:
            problems.append(f"{where}.{key}: missing; name the environment variable that holds the secret")
        return None
    if not isinstance(var, str) or not var:
        problems.append(f"{where}.{key}: must be the name of an environment variable")
        return None
    value = environ.get(var, "")
    if not value:
        problems.append(f"{where}.{key}: environment variable {var} is not set; export {var}=...")
        return None
    return Secret(value)


def _parse_server(table: Any, environ: Mapping[str, str], problems: list[str]) -> ServerConfig | None:
    if not isinstance(table, Mapping):
        problems.append("server: must be a table [server]")
        return None
    _unknown(table, _SERVER_KEYS, "server.", problems)
    public_url = table.get("public_url")
    if not public_url:
        problems.append('server.public_url: missing; set it to the address students use, e.g. "https://muffin.example.edu"')
        public_url = "http://127.0.0.1:8080"
    else:
        _check_url(public_url, "server.public_url", problems)
    database = table.get("database", "sqlite:///muffin.sqlite3")
    if not isinstance(database, str) or not database.startswith(("sqlite:///", "postgresql://", "postgres://")):
        problems.append(
            f"server.database: {database!r} is not usable; use sqlite:///path.sqlite3 or postgresql://user@host:5432/db"
        )
    secret_var = table.get("secret_key_env", "MUFFIN_SECRET_KEY")
    secret_keys: tuple[Secret, ...] = ()
    raw_secret = environ.get(secret_var, "") if isinstance(secret_var, str) else ""
    if not raw_secret:
        problems.append(
            f"server.secret_key_env: environment variable {secret_var} is not set; "
            f"export {secret_var}=$(muffin-feed generate-key)"
        )
    else:
        # Comma-separated: newest first, older keys kept only to decrypt (rotation).
        parts = [p.strip() for p in raw_secret.split(",") if p.strip()]
        if any(len(p) < 32 for p in parts):
            problems.append(f"server.secret_key_env: {secret_var} holds a key shorter than 32 characters; "
                            "generate one with `muffin-feed generate-key`")
        secret_keys = tuple(Secret(p) for p in parts)
    origins = table.get("allowed_origins", [])
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        problems.append('server.allowed_origins: must be a list of origins like ["https://app.example.com"]')
        origins = []
    for origin in origins:
        parts = urlsplit(origin)
        if origin == "*" or parts.scheme not in ("https", "http") or not parts.netloc or parts.path not in ("", "/"):
            problems.append(f"server.allowed_origins: {origin!r} is not an origin; use scheme://host[:port] with no path")
    admin_token = _env_secret(table, "admin_token_env", environ, "server", problems, required=False)
    port = table.get("port", 8080)
    if not isinstance(port, int) or not 0 < port < 65536:
        problems.append("server.port: must be a whole number from 1 to 65535")
        port = 8080
    interval = table.get("sync_interval_minutes", 60.0)
    if not isinstance(interval, (int, float)) or interval <= 0:
        problems.append("server.sync_interval_minutes: must be a positive number of minutes")
        interval = 60.0
    sync_timing = _sync_timing(table, problems)
    batch_size = table.get("sync_batch_size", 50)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        problems.append("server.sync_batch_size: must be a whole number of students, at least 1")
        batch_size = 50
    cache_mib = table.get("feed_cache_mib", 256)
    if isinstance(cache_mib, bool) or not isinstance(cache_mib, int) or cache_mib < 1:
        problems.append("server.feed_cache_mib: must be a whole number of MiB, at least 1")
        cache_mib = 256
    log_format = table.get("log_format", "text")
    if log_format not in ("text", "json"):
        problems.append('server.log_format: use "text" or "json"')
    proxy_paths = table.get("proxy_paths", list(DEFAULT_PROXY_PATHS))
    if not isinstance(proxy_paths, list) or not all(isinstance(p, str) and p.startswith("/api/v1/") for p in proxy_paths):
        problems.append('server.proxy_paths: must be a list of Canvas API paths starting with "/api/v1/"')
        proxy_paths = list(DEFAULT_PROXY_PATHS)
    return ServerConfig(
        public_url=str(public_url).rstrip("/"),
        host=str(table.get("host", "127.0.0.1")),
        port=port,
        database=str(database),
        secret_keys=secret_keys,
        allowed_origins=tuple(o.rstrip("/") for o in origins),
        sync_interval_minutes=float(interval),
        sync_concurrency_per_school=int(table.get("sync_concurrency_per_school", 4)),
        allow_private_feed_hosts=bool(table.get("allow_private_feed_hosts", False)),
        admin_token=admin_token,
        proxy_paths=tuple(proxy_paths),
        proxy_max_bytes=int(table.get("proxy_max_bytes", 5_000_000)),
        background_sync=bool(table.get("background_sync", True)),
        log_format=str(log_format),
        sync_batch_size=batch_size,
        feed_cache_mib=cache_mib,
        **sync_timing,
    )


def _sync_timing(table: Mapping[str, Any], problems: list[str]) -> dict[str, float]:
    """The scheduler's lease, timeout, poll pause and jitter; defaults suit production."""
    defaults = {"sync_lease_seconds": 900.0, "sync_timeout_seconds": 600.0, "sync_poll_seconds": 30.0,
                "sync_jitter": 0.1}
    values = dict(defaults)
    for key, default in defaults.items():
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (
                value == 0 and key != "sync_jitter"):
            problems.append(f"server.{key}: must be a positive number" + (" (seconds)" if key != "sync_jitter" else ""))
        else:
            values[key] = float(value)
    if values["sync_jitter"] >= 1:
        problems.append("server.sync_jitter: must be below 1 (a fraction of sync_interval_minutes, e.g. 0.1)")
    if values["sync_timeout_seconds"] >= values["sync_lease_seconds"]:
        problems.append("server.sync_timeout_seconds: must be shorter than server.sync_lease_seconds, "
                        "or a slow sync could outlive its claim and run twice")
    return values


def _check_url(url: Any, where: str, problems: list[str]) -> None:
    if not isinstance(url, str):
        problems.append(f"{where}: must be a URL string")
        return
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        problems.append(f"{where}: {url!r} is not an absolute http(s) URL")
    elif parts.scheme == "http" and not is_loopback_host(parts.hostname):
        problems.append(f"{where}: {url!r} must use https (http is allowed only for localhost/127.0.0.1)")


def _parse_key(name: str, table: Mapping[str, Any], environ: Mapping[str, str], where: str,
               problems: list[str]) -> DeveloperKey | None:
    client_id = table.get("client_id")
    if not client_id or not isinstance(client_id, (str, int)):
        problems.append(f"{where}.client_id: missing; copy the developer key's Client ID from Canvas")
    secret = _env_secret(table, "client_secret_env", environ, where, problems)
    scopes = table.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        problems.append(f'{where}.scopes: must be a list like ["url:GET|/api/v1/courses"]')
        scopes = []
    if client_id is None or secret is None:
        return None
    return DeveloperKey(name=name, client_id=str(client_id), client_secret=secret,
                        scopes=tuple(scopes), pkce=bool(table.get("pkce", False)))


def _parse_institutions(items: Any, keys: dict[str, DeveloperKey | None], environ: Mapping[str, str],
                        problems: list[str]) -> list[Institution]:
    if not isinstance(items, list):
        problems.append("institution: must be an array of tables [[institution]]")
        return []
    result: list[Institution] = []
    seen_slugs: set[str] = set()
    for index, table in enumerate(items):
        slug = table.get("slug") if isinstance(table, Mapping) else None
        where = f"institution[{slug or index}]"
        if not isinstance(table, Mapping):
            problems.append(f"{where}: must be a table")
            continue
        _unknown(table, _INSTITUTION_KEYS, f"{where}.", problems)
        if not slug or not isinstance(slug, str) or not slug.replace("-", "").isalnum() or slug != slug.lower():
            problems.append(f"{where}.slug: must be lowercase letters, digits and dashes, e.g. \"state-u\"")
            continue
        if slug in seen_slugs:
            problems.append(f"{where}.slug: duplicate slug {slug!r}; every institution needs its own slug")
            continue
        seen_slugs.add(slug)
        canvas_url = table.get("canvas_url")
        if not canvas_url:
            problems.append(f"{where}.canvas_url: missing; the school's Canvas address, e.g. https://canvas.state.edu")
            continue
        _check_url(canvas_url, f"{where}.canvas_url", problems)
        key: DeveloperKey | None
        if "key" in table:
            if set(table) & _KEY_KEYS - {"scopes", "pkce"}:
                problems.append(f"{where}.key: give either key = \"NAME\" or client_id/client_secret_env, not both")
            key = keys.get(table["key"])
            if table["key"] not in keys:
                problems.append(f"{where}.key: no [keys.{table['key']}] table; define it or fix the name")
        else:
            key = _parse_key(slug, table, environ, where, problems)
        if key is None:
            continue
        result.append(Institution(
            slug=slug,
            name=str(table.get("name") or slug),
            canvas_url=str(canvas_url).rstrip("/"),
            key=key,
            time_zone=str(table.get("time_zone", "UTC")),
        ))
    return result


def _parse_lti(items: Any, slugs: set[str], problems: list[str]) -> list[LtiPlatform]:
    if not isinstance(items, list):
        problems.append("lti_platform: must be an array of tables [[lti_platform]]")
        return []
    result = []
    for index, table in enumerate(items):
        where = f"lti_platform[{index}]"
        _unknown(table, _LTI_KEYS, f"{where}.", problems)
        issuer = table.get("issuer")
        if not issuer:
            problems.append(f"{where}.issuer: missing, e.g. \"https://canvas.instructure.com\"")
            continue
        defaults = CANVAS_CLOUD_LTI.get(issuer, (None, None))
        auth_url = table.get("auth_url", defaults[0])
        jwks_url = table.get("jwks_url", defaults[1])
        for key, value in (("auth_url", auth_url), ("jwks_url", jwks_url)):
            if not value:
                problems.append(f"{where}.{key}: missing; required for issuers other than Canvas cloud")
            else:
                _check_url(value, f"{where}.{key}", problems)
        deployments = table.get("deployment_ids", [])
        if not isinstance(deployments, list) or not deployments:
            problems.append(f"{where}.deployment_ids: list the deployment ids Canvas shows for this install")
        institution = table.get("institution")
        if institution not in slugs:
            problems.append(f"{where}.institution: {institution!r} is not a configured institution slug")
        if not table.get("client_id"):
            problems.append(f"{where}.client_id: missing; the LTI developer key's Client ID")
            continue
        if auth_url and jwks_url and deployments:
            result.append(LtiPlatform(issuer=issuer, client_id=str(table["client_id"]),
                                      deployment_ids=tuple(str(d) for d in deployments),
                                      institution=str(institution), auth_url=auth_url, jwks_url=jwks_url))
    return result
