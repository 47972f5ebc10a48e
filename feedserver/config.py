"""Typed configuration: a TOML file plus secrets from the environment.

`load_config` reads and validates everything once, at start. Every problem is
reported as one line that names the key and the fix, and all problems are
reported together so an operator fixes a file in one pass. Secrets never live
in the file: keys ending in ``_env`` name the environment variable to read.

Which keys exist, their kinds, defaults, limits and help are declared once, in
`feedserver.config_schema`; this module reads a file through that table and
adds the checks a kind cannot express (https, database schemes, secrets,
institutions and keys that refer to each other).
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .config_schema import DEFAULT_PROXY_PATHS, SECTIONS, Kind, section_settings, setting
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

# Canvas cloud endpoints for LTI 1.3 (docs/lti.md "Canvas cloud platforms"); used when a platform omits them.
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
    """The [server] table: one field per key of `config_schema` (units, defaults and limits are there),
    except that the ``*_env`` keys arrive as the secrets they name."""

    public_url: str
    host: str
    port: int
    database: str
    secret_keys: tuple[Secret, ...]
    """From ``secret_key_env``. First key encrypts; the rest still decrypt (rotation)."""
    admin_token: Secret | None
    """From ``admin_token_env``."""
    log_format: str
    metrics_port: int | None
    """None: no metrics listener."""
    metrics_host: str
    background_sync: bool
    sync_interval_minutes: float
    sync_concurrency_per_school: int
    sync_batch_size: int
    sync_poll_seconds: float
    sync_jitter: float
    sync_lease_seconds: float
    sync_timeout_seconds: float
    feed_cache_mib: int
    allow_private_feed_hosts: bool
    retention_days: int
    retention_warning_days: int
    log_retention_days: int
    allowed_origins: tuple[str, ...]
    proxy_paths: tuple[str, ...]
    proxy_max_bytes: int
    aggregate_min_students: int

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


@dataclass(frozen=True)
class DeveloperKey:
    """A Canvas developer key: school-made, or inherited and shared by many schools."""

    name: str
    client_id: str
    client_secret: Secret
    scopes: tuple[str, ...] = setting("keys", "scopes").default
    pkce: bool = setting("keys", "pkce").default


@dataclass(frozen=True)
class Institution:
    slug: str
    name: str
    canvas_url: str
    key: DeveloperKey
    time_zone: str = setting("institution", "time_zone").default

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

    def platform_origins(self) -> tuple[str, ...]:
        """Origins allowed to frame the tool's pages: each LTI platform's issuer, authorization
        endpoint and school Canvas address (Canvas frames tools on the school's domain)."""
        origins: list[str] = []
        for platform in self.lti_platforms:
            urls = [platform.issuer, platform.auth_url]
            institution = self.institution(platform.institution)
            if institution is not None:
                urls.append(institution.canvas_url)
            for url in urls:
                parts = urlsplit(url)
                origin = f"{parts.scheme}://{parts.netloc}"
                if parts.scheme in ("http", "https") and parts.netloc and origin not in origins:
                    origins.append(origin)
        return tuple(origins)


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
    _unknown(raw, set(SECTIONS), "", problems)
    server = _parse_server(raw.get("server", {}), environ, problems)
    keys = {
        name: _parse_key(name, table, environ, f"keys.{name}", problems)
        for name, table in _tables(raw.get("keys", {}), "keys", problems).items()
    }
    institutions, slugs = _parse_institutions(raw.get("institution", []), keys, environ, problems)
    platforms = _parse_lti(raw.get("lti_platform", []), slugs, problems)
    if problems:
        raise ConfigError(problems)
    assert server is not None
    return Config(server=server, institutions=tuple(institutions), lti_platforms=tuple(platforms), source=source)


def _names(*sections: str) -> set[str]:
    return {s.name for section in sections for s in section_settings(section)}


def _unknown(table: Mapping[str, Any], allowed: set[str], prefix: str, problems: list[str]) -> None:
    for key in table:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            problems.append(f"{prefix}{key}: unknown key; remove it or use one of: {known}")


def _read(table: Mapping[str, Any], section: str, name: str, where: str, problems: list[str]) -> Any:
    """The value of a declared key, converted; its default when absent.

    A required key that is absent or empty, or a value the declaration does
    not allow, adds a problem and reads as None (required) or the default.
    """
    declared = setting(section, name)
    value = table.get(name)
    if value is None or (declared.required and not value):
        if declared.required:
            problems.append(f"{where}.{name}: missing; set it to {declared.help}")
            return None
        return declared.default
    complaint = declared.problem(value)
    if complaint is not None:
        problems.append(f"{where}.{name}: {complaint}")
        return None if declared.required else declared.default
    if declared.kind is Kind.URL:
        _check_url(value, f"{where}.{name}", problems)
    return declared.convert(value)


def _tables(value: Any, name: str, problems: list[str]) -> dict[str, Mapping[str, Any]]:
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        problems.append(f"{name}: must be tables like [{name}.NAME]")
        return {}
    return dict(value)


def _env_secret(var: str | None, where: str, environ: Mapping[str, str], problems: list[str],
                value_hint: str = "...") -> Secret | None:
    """The secret held by environment variable `var` (None when no variable is named)."""
    if var is None:
        return None
    value = environ.get(var, "")
    if not value:
        problems.append(f"{where}: environment variable {var} is not set; export {var}={value_hint}")
        return None
    return Secret(value)


def _parse_server(table: Any, environ: Mapping[str, str], problems: list[str]) -> ServerConfig | None:
    if not isinstance(table, Mapping):
        problems.append("server: must be a table [server]")
        return None
    _unknown(table, _names("server"), "server.", problems)
    values = {s.name: _read(table, "server", s.name, "server", problems) for s in section_settings("server")}
    database = values["database"]
    if not database.startswith(("sqlite:///", "postgresql://", "postgres://")):
        problems.append(
            f"server.database: {database!r} is not usable; use sqlite:///path.sqlite3 or postgresql://user@host:5432/db"
        )
    secret_var = values.pop("secret_key_env")
    secret = _env_secret(secret_var, "server.secret_key_env", environ, problems, "$(muffin-feed generate-key)")
    secret_keys: tuple[Secret, ...] = ()
    if secret is not None:
        # Comma-separated: newest first, older keys kept only to decrypt (rotation).
        keys = [k.strip() for k in secret.reveal().split(",") if k.strip()]
        if any(len(k) < 32 for k in keys):
            problems.append(f"server.secret_key_env: {secret_var} holds a key shorter than 32 characters; "
                            "generate one with `muffin-feed generate-key`")
        secret_keys = tuple(Secret(k) for k in keys)
    admin_token = _env_secret(values.pop("admin_token_env"), "server.admin_token_env", environ, problems)
    for origin in values["allowed_origins"]:
        parts = urlsplit(origin)
        if origin == "*" or parts.scheme not in ("https", "http") or not parts.netloc or parts.path not in ("", "/"):
            problems.append(f"server.allowed_origins: {origin!r} is not an origin; use scheme://host[:port] with no path")
    if not all(p.startswith("/api/v1/") for p in values["proxy_paths"]):
        problems.append(f"server.proxy_paths: must be {setting('server', 'proxy_paths').describe()}")
        values["proxy_paths"] = DEFAULT_PROXY_PATHS
    if values["sync_timeout_seconds"] >= values["sync_lease_seconds"]:
        problems.append("server.sync_timeout_seconds: must be shorter than server.sync_lease_seconds, "
                        "or a slow sync could outlive its claim and run twice")
    if values["retention_warning_days"] >= values["retention_days"]:
        problems.append("server.retention_warning_days: must be shorter than server.retention_days, "
                        "or students would be warned before they were inactive at all")
    if values["public_url"] is None:
        return None
    return ServerConfig(
        **(values | {
            "public_url": values["public_url"].rstrip("/"),
            "allowed_origins": tuple(o.rstrip("/") for o in values["allowed_origins"]),
        }),
        secret_keys=secret_keys,
        admin_token=admin_token,
    )


def _check_url(url: str, where: str, problems: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        problems.append(f"{where}: {url!r} is not an absolute http(s) URL")
    elif parts.scheme == "http" and not is_loopback_host(parts.hostname):
        problems.append(f"{where}: {url!r} must use https (http is allowed only for localhost/127.0.0.1)")


def _parse_key(name: str, table: Mapping[str, Any], environ: Mapping[str, str], where: str,
               problems: list[str], *, check_unknown: bool = True) -> DeveloperKey | None:
    if check_unknown:
        _unknown(table, _names("keys"), f"{where}.", problems)
    client_id = _read(table, "keys", "client_id", where, problems)
    secret_var = _read(table, "keys", "client_secret_env", where, problems)
    secret = _env_secret(secret_var, f"{where}.client_secret_env", environ, problems)
    scopes = _read(table, "keys", "scopes", where, problems)
    pkce = _read(table, "keys", "pkce", where, problems)
    if client_id is None or secret is None:
        return None
    return DeveloperKey(name=name, client_id=client_id, client_secret=secret, scopes=scopes, pkce=pkce)


def _parse_institutions(items: Any, keys: dict[str, DeveloperKey | None], environ: Mapping[str, str],
                        problems: list[str]) -> tuple[list[Institution], set[str]]:
    """The usable institutions, and every slug declared (so a table that refers to a school with
    problems of its own is not blamed too)."""
    if not isinstance(items, list):
        problems.append("institution: must be an array of tables [[institution]]")
        return [], set()
    result: list[Institution] = []
    seen_slugs: set[str] = set()
    for index, table in enumerate(items):
        raw_slug = table.get("slug") if isinstance(table, Mapping) else None
        where = f"institution[{raw_slug if isinstance(raw_slug, str) and raw_slug else index}]"
        if not isinstance(table, Mapping):
            problems.append(f"{where}: must be a table")
            continue
        _unknown(table, _names("institution", "keys"), f"{where}.", problems)
        slug = _read(table, "institution", "slug", where, problems)
        if slug is None:
            continue
        if not slug.replace("-", "").isalnum() or slug != slug.lower():
            problems.append(f"{where}.slug: must be lowercase letters, digits and dashes, e.g. \"state-u\"")
            continue
        if slug in seen_slugs:
            problems.append(f"{where}.slug: duplicate slug {slug!r}; every institution needs its own slug")
            continue
        seen_slugs.add(slug)
        canvas_url = _read(table, "institution", "canvas_url", where, problems)
        if canvas_url is None:
            continue
        key_name = _read(table, "institution", "key", where, problems)
        key: DeveloperKey | None
        if key_name is not None:
            if {"client_id", "client_secret_env"} & set(table):
                problems.append(f"{where}.key: give either key = \"NAME\" or client_id/client_secret_env, not both")
            key = keys.get(key_name)
            if key_name not in keys:
                problems.append(f"{where}.key: no [keys.{key_name}] table; define it or fix the name")
        else:
            key = _parse_key(slug, table, environ, where, problems, check_unknown=False)
        name = _read(table, "institution", "name", where, problems)
        time_zone = _read(table, "institution", "time_zone", where, problems)
        if key is None:
            continue
        result.append(Institution(slug=slug, name=name or slug, canvas_url=canvas_url.rstrip("/"), key=key,
                                  time_zone=time_zone))
    return result, seen_slugs


def _parse_lti(items: Any, slugs: set[str], problems: list[str]) -> list[LtiPlatform]:
    if not isinstance(items, list):
        problems.append("lti_platform: must be an array of tables [[lti_platform]]")
        return []
    result = []
    for index, table in enumerate(items):
        where = f"lti_platform[{index}]"
        _unknown(table, _names("lti_platform"), f"{where}.", problems)
        issuer = _read(table, "lti_platform", "issuer", where, problems)
        if issuer is None:
            continue
        defaults = CANVAS_CLOUD_LTI.get(issuer, (None, None))
        auth_url = _read(table, "lti_platform", "auth_url", where, problems) or defaults[0]
        jwks_url = _read(table, "lti_platform", "jwks_url", where, problems) or defaults[1]
        for key, value in (("auth_url", auth_url), ("jwks_url", jwks_url)):
            if not value:
                problems.append(f"{where}.{key}: missing; required for issuers other than Canvas cloud")
        deployments = _read(table, "lti_platform", "deployment_ids", where, problems)
        institution = _read(table, "lti_platform", "institution", where, problems)
        if institution is not None and institution not in slugs:
            problems.append(f"{where}.institution: {institution!r} is not a configured institution slug")
        client_id = _read(table, "lti_platform", "client_id", where, problems)
        if client_id is None:
            continue
        if auth_url and jwks_url and deployments:
            result.append(LtiPlatform(issuer=issuer, client_id=client_id, deployment_ids=deployments,
                                      institution=str(institution), auth_url=auth_url, jwks_url=jwks_url))
    return result
