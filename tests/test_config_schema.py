"""The settings table (feedserver/config_schema.py) against everything that repeats it.

The parser reads its defaults, kinds and limits from the table and says what
is wrong in the table's words; `examples/muffin.toml` shows every key with
the declared default; docs/operations.md carries the table as generated text.
`MUFFIN_UPDATE_GOLDEN=1` rewrites the docs table instead of failing.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from feedserver.config import ConfigError, DeveloperKey, Institution, ServerConfig, parse_config
from feedserver.config_schema import REQUIRED, SECTIONS, SETTINGS, Kind, Setting, reference_markdown, setting, \
    toml_literal
from tests.conftest import SECRET_KEY

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "muffin.toml"
OPERATIONS = ROOT / "docs" / "operations.md"
DOCS_BEGIN = "<!-- settings-table: generated from feedserver/config_schema.py; edit there -->\n"
DOCS_END = "<!-- /settings-table -->\n"

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


# examples/muffin.toml shows every key with the declared default

@dataclass(frozen=True)
class Shown:
    """One key as the example shows it: set, or commented out (``# key = value``)."""

    section: str
    name: str
    value: Any
    commented: bool
    text: str
    """The line(s), comment included."""


_HEADER = re.compile(r"^\[\[?([a-z_]+)(?:\.[A-Za-z0-9_-]+)?\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^(#\s*)?([a-z_]+)\s*=\s*")


def shown_keys(text: str) -> list[Shown]:
    """Every key line of a TOML file, commented out or not, with the section it sits in."""
    lines = text.splitlines()
    found: list[Shown] = []
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if header := _HEADER.match(line):
            section = header.group(1)
            continue
        key = _KEY.match(line)
        if not key or not section:
            continue
        commented = key.group(1) is not None
        chunk = [line]
        while True:  # a value may span lines, e.g. a list
            body = "\n".join(re.sub(r"^#\s?", "", part) if commented else part for part in chunk)
            try:
                value = tomllib.loads(body)[key.group(2)]
                break
            except tomllib.TOMLDecodeError:
                assert index < len(lines), f"cannot read {chunk[0]!r} as TOML"
                chunk.append(lines[index])
                index += 1
        name = key.group(2)
        declared_section = section if (section, name) in {(s.section, s.name) for s in SETTINGS} else (
            "keys" if section == "institution" else section)
        found.append(Shown(declared_section, name, value, commented, "\n".join(chunk)))
    return found


def test_the_example_shows_every_setting_with_its_default() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    shown = shown_keys(text)
    declared = {(s.section, s.name): s for s in SETTINGS}
    assert not [f"{k.section}.{k.name}" for k in shown if (k.section, k.name) not in declared], "undeclared keys"
    assert {(s.section, s.name) for s in SETTINGS} - {(k.section, k.name) for k in shown} == set(), "keys not shown"
    for k in shown:
        s = declared[k.section, k.name]
        default = literal_default(s)
        if default in (REQUIRED, None):
            continue
        if k.commented:
            assert k.value == default, f"{k.text!r}: a commented-out key shows its default, {toml_literal(default)}"
        elif k.value != default:
            assert f"default {toml_literal(default)}" in k.text, f"{k.text!r}: say 'default {toml_literal(default)}'"
    # The reader above agrees with TOML about the keys that are set.
    parsed = tomllib.loads(text)
    tables = [parsed["server"], *parsed["keys"].values(), *parsed["institution"], *parsed["lti_platform"]]
    assert sum(len(t) for t in tables) == len([k for k in shown if not k.commented])


def test_the_example_reader_sees_commented_lists_and_sections() -> None:
    shown = shown_keys('[server]\n# proxy_paths = [\n#   "/api/v1/a",\n# ]\nport = 1  # default 8080\n'
                       '[[institution]]\npkce = true\n# Prose: not = a key line\n')
    assert [(k.section, k.name, k.value, k.commented) for k in shown] == [
        ("server", "proxy_paths", ["/api/v1/a"], True), ("server", "port", 1, False), ("keys", "pkce", True, False)]


# docs/operations.md carries the generated table

def test_the_docs_table_is_the_generated_one() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    assert text.count(DOCS_BEGIN) == 1 and text.count(DOCS_END) == 1, "settings-table markers"
    before, rest = text.split(DOCS_BEGIN)
    current, after = rest.split(DOCS_END)
    expected = "\n" + reference_markdown() + "\n"
    if current != expected and os.environ.get("MUFFIN_UPDATE_GOLDEN"):
        OPERATIONS.write_text(before + DOCS_BEGIN + expected + DOCS_END + after, encoding="utf-8")
        current = expected
    assert current == expected, ("docs/operations.md's settings table is out of date; rewrite it with "
                                 "MUFFIN_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_config_schema.py")
    for s in SETTINGS:
        assert f"| `{s.name}` |" in current
