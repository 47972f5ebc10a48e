"""The OpenAPI document matches the app's routes, is valid JSON Schema, and docs/api.md keeps up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import schemathesis
from aiohttp import web

from feedserver.api.errors import CODES
from feedserver.api.openapi import openapi_document
from feedserver.api.params import ASSIGNMENT_KINDS
from feedserver.app import create_app
from feedserver.settings import StudentSettings
from tests.conftest import make_config

DOCS = Path(__file__).parents[2] / "docs" / "api.md"
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # HEAD mirrors GET; OPTIONS is CORS preflight


def api_routes(app: web.Application) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        resource = route.resource
        if resource is not None and resource.canonical.startswith("/api/") and route.method not in IGNORED_METHODS:
            found.add((resource.canonical, route.method))
    return found


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items() for method in item
            if method in ("get", "put", "post", "patch", "delete", "options", "head")}


@pytest.fixture
def app(sqlite_url: str) -> web.Application:
    return create_app(make_config({"database": sqlite_url, "allowed_origins": ["https://app.example.com"]}))


async def test_every_api_route_is_documented_and_nothing_else(app: web.Application, aiohttp_client: Any) -> None:
    # Started, so routes other subsystems add at startup are there too.
    client = await aiohttp_client(app)
    served = await (await client.get("/api/openapi.json")).json()
    registered = api_routes(client.app)
    assert ("/api/me", "DELETE") in registered  # auth's route, documented here
    assert registered == documented(served)
    assert served["servers"] == [{"url": "http://127.0.0.1:8080"}]


def test_document_is_a_loadable_openapi_31_with_valid_schemas() -> None:
    document = openapi_document(make_config().server)
    assert document["openapi"] == "3.1.0"
    for name, schema in document["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)
    loaded = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) == len(documented(document))


def test_settings_schema_follows_the_settings_record() -> None:
    schemas = openapi_document(make_config().server)["components"]["schemas"]
    fields = set(StudentSettings().to_json())
    assert set(schemas["Settings"]["properties"]) == fields == set(schemas["Settings"]["required"])
    validator = jsonschema.Draft202012Validator(schemas["Settings"])
    assert validator.is_valid(StudentSettings().to_json())


def test_kinds_match_the_analytics_package() -> None:
    from muffin_analytics.schema import KINDS

    assert ASSIGNMENT_KINDS == KINDS


def test_docs_list_every_code_and_endpoint() -> None:
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (\d{3}) \|", text, flags=re.MULTILINE))
    assert rows == {code: str(entry.status) for code, entry in CODES.items()}
    document = openapi_document(make_config().server)
    for path, method in documented(document):
        if path == "/api/canvas/{path}":
            assert "GET /api/canvas/" in text
            continue
        assert re.search(rf"`{method} {re.escape(path)}[`\[]", text), (method, path)
