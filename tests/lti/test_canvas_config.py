"""/lti/config.json is the developer-key JSON Canvas documents, and every URL in it works."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from feedserver.lti.canvas_config import canvas_configuration
from tests.lti.conftest import Tool
from tests.lti.helpers import UserAgent, query_of
from tests.lti.platform import TestPlatform

SCHEMA = json.loads((Path(__file__).with_name("canvas_developer_key.schema.json")).read_text(encoding="utf-8"))


def validate(document: object) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


async def test_config_json_is_a_canvas_developer_key(tool: Tool, agent: UserAgent, platform: TestPlatform) -> None:
    response = await agent.get(f"{tool.url}/lti/config.json")
    assert response.status == 200 and response.headers["Content-Type"].startswith("application/json")
    config = json.loads(response.text)
    validate(config)

    assert config["oidc_initiation_url"] == f"{tool.url}/lti/login"
    assert config["target_link_uri"] == f"{tool.url}/lti/launch"
    assert config["public_jwk_url"] == f"{tool.url}/lti/jwks.json"
    assert config["custom_fields"]["canvas_user_id"] == "$Canvas.user.id"
    assert config["scopes"] == []
    (canvas,) = config["extensions"]
    assert canvas["privacy_level"] == "public" and canvas["domain"] == urlsplit(tool.url).netloc
    placements = {p["placement"]: p for p in canvas["settings"]["placements"]}
    assert {"course_navigation", "user_navigation", "account_navigation", "global_navigation"} <= set(placements)
    for placement in placements.values():
        assert placement["message_type"] == "LtiResourceLinkRequest"
        assert placement["target_link_uri"] == f"{tool.url}/lti/launch"

    # Every URL Canvas will use answers.
    icon = await agent.get(placements["course_navigation"]["icon_url"])
    assert icon.status == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    jwks = json.loads((await agent.get(config["public_jwk_url"])).text)
    assert [k["kty"] for k in jwks["keys"]] == ["RSA"]
    login = await agent.initiate(platform)
    assert login.status == 302
    assert query_of(login.headers["Location"])["redirect_uri"] == config["target_link_uri"]


def test_the_schema_catches_what_canvas_would_refuse() -> None:
    good = canvas_configuration("https://muffin.example.edu")
    validate(good)
    broken = [
        {k: v for k, v in good.items() if k != "oidc_initiation_url"},
        {k: v for k, v in good.items() if k != "public_jwk_url"},
        {**good, "extensions": [{**good["extensions"][0], "privacy_level": "everything"}]},
        {**good, "extensions": [{**good["extensions"][0], "settings": {"placements": [
            {"placement": "course_navigation", "message_type": "basic-lti-launch-request"}]}}]},
        {**good, "scopes": ["url:GET|/api/v1/courses"]},
        {**good, "custom_fields": {"canvas_user_id": 42}},
        {**good, "redirect_uris": ["https://muffin.example.edu/lti/launch"]},
    ]
    for document in broken:
        with pytest.raises(jsonschema.ValidationError):
            validate(document)
