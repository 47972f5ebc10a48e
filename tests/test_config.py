"""Config validation: every broken config gets one clear line per problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from feedserver.config import ConfigError, parse_config
from tests.conftest import SECRET_KEY

GOOD = {
    "server": {"public_url": "https://muffin.example.edu", "database": "sqlite:///x.sqlite3",
               "allowed_origins": ["https://app.example.com"]},
    "institution": [{"slug": "state-u", "name": "State University", "canvas_url": "https://canvas.state.edu",
                     "client_id": "170000000000001", "client_secret_env": "STATE_U_SECRET"}],
}
ENV = {"MUFFIN_SECRET_KEY": SECRET_KEY, "STATE_U_SECRET": "s3cret-value"}


def problems_of(raw: dict, env: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, ENV if env is None else env)
    return info.value.problems


def with_institution(**changes: object) -> dict:
    return {**GOOD, "institution": [{**GOOD["institution"][0], **changes}]}


def test_good_config_parses_and_hides_secrets() -> None:
    config = parse_config(GOOD, ENV)
    school = config.institution("state-u")
    assert school is not None and school.canvas_host == "canvas.state.edu"
    assert school.key.client_secret.reveal() == "s3cret-value"
    assert "s3cret" not in repr(config)
    assert config.server.secure_cookies


@pytest.mark.parametrize(
    ("raw", "env", "expected"),
    [
        ({**GOOD, "server": {**GOOD["server"], "colour": "blue"}}, None, "server.colour: unknown key"),
        ({**GOOD, "frobnicate": 1}, None, "frobnicate: unknown key"),
        (with_institution(colour="red"), None, "institution[state-u].colour: unknown key"),
        (GOOD, {"MUFFIN_SECRET_KEY": SECRET_KEY}, "environment variable STATE_U_SECRET is not set"),
        (GOOD, {"STATE_U_SECRET": "x"}, "environment variable MUFFIN_SECRET_KEY is not set"),
        (with_institution(canvas_url="http://canvas.state.edu"), None, "must use https"),
        ({**GOOD, "institution": GOOD["institution"] * 2}, None, "duplicate slug 'state-u'"),
        ({**GOOD, "server": {**GOOD["server"], "database": "mysql://x"}}, None, "server.database: 'mysql://x' is not usable"),
        ({**GOOD, "server": {"database": "sqlite:///x"}}, None, "server.public_url: missing"),
        (with_institution(key="shared"), None, "no [keys.shared] table"),
        ({**GOOD, "server": {**GOOD["server"], "allowed_origins": ["*"]}}, None, "is not an origin"),
        (GOOD, {"MUFFIN_SECRET_KEY": "short", "STATE_U_SECRET": "x"}, "shorter than 32 characters"),
        ({**GOOD, "server": {**GOOD["server"], "feed_cache_mib": 0}}, None, "server.feed_cache_mib: must be"),
    ],
    ids=["unknown-server-key", "unknown-top-key", "unknown-institution-key", "missing-client-secret-env",
         "missing-secret-key-env", "http-canvas-url", "duplicate-slug", "bad-database", "missing-public-url",
         "unknown-shared-key", "wildcard-origin", "short-secret-key", "empty-feed-cache"],
)
def test_each_problem_names_key_and_fix(raw: dict, env: dict | None, expected: str) -> None:
    problems = problems_of(raw, env)
    assert any(expected in line for line in problems), problems


def test_http_is_allowed_for_loopback_canvas() -> None:
    config = parse_config(with_institution(canvas_url="http://127.0.0.1:8081"), ENV)
    assert config.institutions[0].canvas_url == "http://127.0.0.1:8081"


def test_all_problems_reported_together() -> None:
    raw = {"server": {"database": "oracle://"}, "institution": [{"slug": "a", "canvas_url": "http://x.edu"}]}
    problems = problems_of(raw, {})
    assert len(problems) >= 4
    assert all(":" in line for line in problems)


def test_shared_inherited_key_serves_many_schools() -> None:
    raw = {
        "server": GOOD["server"],
        "keys": {"inherited": {"client_id": "10000000000099", "client_secret_env": "SHARED",
                               "scopes": ["url:GET|/api/v1/courses"], "pkce": True}},
        "institution": [
            {"slug": "a", "name": "A", "canvas_url": "https://a.instructure.com", "key": "inherited"},
            {"slug": "b", "name": "B", "canvas_url": "https://b.instructure.com", "key": "inherited"},
        ],
    }
    config = parse_config(raw, {"MUFFIN_SECRET_KEY": SECRET_KEY, "SHARED": "x"})
    a, b = config.institutions
    assert a.key is b.key and a.key.scopes == ("url:GET|/api/v1/courses",) and a.key.pkce


BROKEN_FILES = {
    "unknown-key": ('[server]\npublic_url = "https://m.example"\nbogus = 1\n', "server.bogus: unknown key"),
    "missing-env": ('[server]\npublic_url = "https://m.example"\n[[institution]]\nslug = "x"\n'
                    'canvas_url = "https://c.x.edu"\nclient_id = "1"\nclient_secret_env = "NOPE_SECRET"\n',
                    "NOPE_SECRET is not set"),
    "not-https": ('[server]\npublic_url = "https://m.example"\n[[institution]]\nslug = "x"\n'
                  'canvas_url = "http://c.x.edu"\nclient_id = "1"\nclient_secret_env = "X_SECRET"\n', "must use https"),
    "duplicate-slug": ('[server]\npublic_url = "https://m.example"\n' + ('[[institution]]\nslug = "x"\n'
                       'canvas_url = "https://c.x.edu"\nclient_id = "1"\nclient_secret_env = "X_SECRET"\n') * 2,
                       "duplicate slug"),
    "bad-database": ('[server]\npublic_url = "https://m.example"\ndatabase = "mongodb://x"\n', "server.database"),
    "no-public-url": ('[server]\nport = 8080\n', "server.public_url: missing"),
    "not-toml": ('[server\n', "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_check_config_command_prints_one_line_per_problem(case: str, tmp_path: Path) -> None:
    text, expected = BROKEN_FILES[case]
    path = tmp_path / "muffin.toml"
    path.write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "feedserver", "check-config", "--config", str(path)],
        capture_output=True, text=True, env={"MUFFIN_SECRET_KEY": SECRET_KEY, "X_SECRET": "x", "PATH": "/usr/bin"},
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("config error: ") for line in lines)
    assert any(expected in line for line in lines), lines


def test_check_config_accepts_the_example(tmp_path: Path) -> None:
    example = Path(__file__).parents[1] / "examples" / "muffin.toml"
    result = subprocess.run(
        [sys.executable, "-m", "feedserver", "check-config", "--config", str(example)],
        capture_output=True, text=True,
        env={"MUFFIN_SECRET_KEY": SECRET_KEY, "STATE_U_SECRET": "x", "COAST_SECRET": "y", "INHERITED_KEY_SECRET": "z",
             "MUFFIN_ADMIN_TOKEN": "t" * 40, "PATH": "/usr/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
