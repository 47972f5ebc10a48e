"""The tool's own keys at /lti/jwks.json: public parts only, current and previous during a rotation."""

from __future__ import annotations

import json

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from feedserver.lti.keys import ToolKeys, generate_tool_key
from tests.lti.conftest import Tool
from tests.lti.helpers import UserAgent

PRIVATE_PARTS = {"d", "p", "q", "dp", "dq", "qi"}


async def test_jwks_json_publishes_the_public_key(tool: Tool, agent: UserAgent) -> None:
    first = json.loads((await agent.get(f"{tool.url}/lti/jwks.json")).text)
    (key,) = first["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key["kid"] and not PRIVATE_PARTS & set(key)
    # Generated once, then stable for the life of the process.
    assert json.loads((await agent.get(f"{tool.url}/lti/jwks.json")).text) == first
    current = await tool.service.tool_keys.get()
    assert current.current.kid == key["kid"] and current.current.is_private


async def test_a_rotation_publishes_current_and_previous(tool: Tool, agent: UserAgent) -> None:
    before = await tool.service.tool_keys.get()
    tool.service.tool_keys.set(before.rotated())
    keys = json.loads((await agent.get(f"{tool.url}/lti/jwks.json")).text)["keys"]
    assert len(keys) == 2 and keys[1]["kid"] == before.current.kid and keys[0]["kid"] != keys[1]["kid"]
    # A platform holding the published set verifies what either key signed.
    published = KeySet.import_key_set({"keys": keys})
    for signer in ((await tool.service.tool_keys.get()).current, before.current):
        token = jwt.encode({"alg": "RS256", "kid": signer.kid}, {"iss": "muffin"}, signer)
        assert jwt.decode(token, published, algorithms=["RS256"]).claims == {"iss": "muffin"}


def test_keys_load_from_a_private_jwks() -> None:
    current, previous = generate_tool_key(), generate_tool_key()
    document = {"keys": [current.as_dict(private=True), previous.as_dict(private=False)]}
    keys = ToolKeys.from_private_jwks(document)
    assert keys.current.kid == current.kid and [k.kid for k in keys.previous] == [previous.kid]
    assert [k["kid"] for k in keys.public_jwks()["keys"]] == [current.kid, previous.kid]



@pytest.mark.parametrize("document", [{}, {"keys": []}, {"keys": "x"}], ids=["no keys", "empty", "not a list"])
def test_an_unusable_private_jwks_is_refused(document: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ToolKeys.from_private_jwks(document)


def test_the_signing_key_must_be_private() -> None:
    with pytest.raises(ValueError, match="private"):
        ToolKeys.from_private_jwks({"keys": [generate_tool_key().as_dict(private=False)]})
