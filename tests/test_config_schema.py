"""The settings table (feedserver/config_schema.py) against everything that repeats it.

The parser reads its defaults, kinds and limits from the table and says what
is wrong in the table's words.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from feedserver.config import ConfigError, DeveloperKey, Institution, ServerConfig, parse_config
from feedserver.config_schema import REQUIRED, SECTIONS, SETTINGS, Kind, Setting, setting
from tests.conftest import SECRET_KEY

ENV = {"MUFFIN_SECRET_KEY": SECRET_KEY, "KEY_SECRET": "s3cret", "ADMIN": "t" * 40}
# One valid table per section; a test changes one key of it. Where each section's problems are reported:
MINIMAL: dict[str, Any] = {
    "server": {"public_url": "https://muffin.example.edu"},
    "keys": {"shared": {"client_id": "1", "client_secret_env": "KEY_SECRET"}},
    "institution": [{"slug": "a", "canvas_url": "https://canvas.a.edu", "client_id": "2",
                     "client_secret_env": "KEY_SECRET"}],
    "lti_platform": [{"issuer": "https://canvas.instructure.com", "client_id": "3", "deployment_ids": ["1:x"],
                      "institution": "a"}],
}
WHERE = {"server": "server", "keys": "keys.shared", "institution": "institution[a]", "lti_platform": "lti_platform[0]"}


def literal_default(s: Setting) -> Any:
    """The declared default as TOML would give it, or REQUIRED/None when it has none in the file."""
    return list(s.default) if isinstance(s.default, tuple) else s.default


def with_value(s: Setting, value: Any) -> dict[str, Any]:
    raw = {k: (dict(v) if isinstance(v, dict) else [dict(t) for t in v]) for k, v in MINIMAL.items()}
    raw["keys"] = {"shared": dict(MINIMAL["keys"]["shared"])}
    table = {"server": raw["server"], "keys": raw["keys"]["shared"], "institution": raw["institution"][0],
             "lti_platform": raw["lti_platform"][0]}[s.section]
    if value is None:
        table.pop(s.name, None)
    else:
        table[s.name] = value
    return raw


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, ENV)
    return info.value.problems


# The table itself

def test_each_key_is_declared_once_and_its_default_is_allowed() -> None:
    keys = [(s.section, s.name) for s in SETTINGS]
    assert len(keys) == len(set(keys))
    for s in SETTINGS:
        assert s.section in SECTIONS and s.help
        assert s.secret == s.name.endswith("_env"), f"{s.key}: secrets, and only they, are *_env keys"
        if s.default not in (REQUIRED, None):
            assert s.problem(literal_default(s)) is None, f"{s.key}: the default breaks its own rule"
        assert bool(s.default_doc) <= (s.default is None), f"{s.key}: default_doc is for derived defaults"


def test_the_parsed_config_takes_every_default_from_the_table() -> None:
    config = parse_config({"server": {"public_url": "https://muffin.example.edu"},
                           "institution": [MINIMAL["institution"][0]]}, ENV)
    server = config.server
    for s in SETTINGS:
        if s.section == "server" and not s.secret and not s.required:
            assert getattr(server, s.name) == s.convert(literal_default(s)), s.key
    assert {f.name for f in dataclasses.fields(ServerConfig)} == (
        {s.name for s in SETTINGS if s.section == "server" and not s.secret} | {"secret_keys", "admin_token"})
    school = config.institutions[0]
    assert school.time_zone == setting("institution", "time_zone").default
    assert (school.key.scopes, school.key.pkce) == (setting("keys", "scopes").default, setting("keys", "pkce").default)
    # The dataclass defaults other code relies on are the table's too.
    defaults = {f.name: f.default for f in [*dataclasses.fields(DeveloperKey), *dataclasses.fields(Institution)]}
    assert (defaults["scopes"], defaults["pkce"], defaults["time_zone"]) == (
        setting("keys", "scopes").default, setting("keys", "pkce").default, setting("institution", "time_zone").default)


# Messages: check-config says what the table says

WRONG_KIND = {"not": "this"}  # TOML can give a table for any key; no setting is one


def where(s: Setting) -> str:
    # An institution is named by its slug, by its index while the slug is unusable.
    return "institution[0]" if s.key == "institution.slug" else WHERE[s.section]


@pytest.mark.parametrize("s", SETTINGS, ids=[s.key for s in SETTINGS])
def test_a_value_of_the_wrong_kind_is_named_with_the_declared_rule(s: Setting) -> None:
    expected = f"{where(s)}.{s.name}: {'use' if s.choices else 'must be'} {s.describe()}"
    assert expected in problems_of(with_value(s, WRONG_KIND))


NUMBERS = [s for s in SETTINGS if s.kind in (Kind.INTEGER, Kind.NUMBER)]


@pytest.mark.parametrize("s", NUMBERS, ids=[s.key for s in NUMBERS])
def test_numbers_outside_the_declared_limits_are_refused(s: Setting) -> None:
    low = s.ge - 1 if s.ge is not None else s.gt
    high = s.le + 1 if s.le is not None else s.lt
    for value in (v for v in (low, high) if v is not None):
        value = int(value) if s.kind is Kind.INTEGER else float(value)
        assert f"server.{s.name}: must be {s.describe()}" in problems_of(with_value(s, value)), value
    assert f"server.{s.name}: must be" in " ".join(problems_of(with_value(s, True)))  # a boolean is no number


REQUIRED_SETTINGS = [s for s in SETTINGS if s.required]


@pytest.mark.parametrize("s", REQUIRED_SETTINGS, ids=[s.key for s in REQUIRED_SETTINGS])
def test_a_missing_required_key_says_what_to_set_it_to(s: Setting) -> None:
    assert f"{where(s)}.{s.name}: missing; set it to {s.help}" in problems_of(with_value(s, None))


SECRETS = [s for s in SETTINGS if s.secret]


@pytest.mark.parametrize("s", SECRETS, ids=[s.key for s in SECRETS])
def test_secrets_come_only_from_the_environment(s: Setting) -> None:
    problems = problems_of(with_value(s, "NOT_EXPORTED"))
    assert any(line.startswith(f"{WHERE[s.section]}.{s.name}: environment variable NOT_EXPORTED is not set")
               for line in problems), problems
    config = parse_config(with_value(s, "ADMIN"), ENV)
    assert ENV["ADMIN"] not in repr(config) and "s3cret" not in repr(config)


def test_check_config_prints_the_declared_rule(tmp_path: Path) -> None:
    path = tmp_path / "muffin.toml"
    path.write_text('[server]\npublic_url = "https://m.example"\nfeed_cache_mib = 0\nbackground_sync = "no"\n')
    result = subprocess.run([sys.executable, "-m", "feedserver", "check-config", "--config", str(path)],
                            capture_output=True, text=True,
                            env={"MUFFIN_SECRET_KEY": SECRET_KEY, "PATH": "/usr/bin"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"config error: server.background_sync: must be {setting('server', 'background_sync').describe()}",
        f"config error: server.feed_cache_mib: must be {setting('server', 'feed_cache_mib').describe()}",
    ]
