"""Validation of an LTI 1.3 id_token, every check of LTI Core 1.3 and the 1EdTech
Security Framework, in this order (the first failure is raised):

1. ``token``: a compact JWS whose payload is a JSON object;
2. ``alg``: RS256 only, so ``none`` and HS256-with-the-public-key never reach a verifier;
3. ``iss``: the issuer the login was started for;
4. ``aud``: contains our client_id; ``azp``: equals it when present or when
   ``aud`` names several parties;
5. ``kid`` and ``signature``: verified by joserfc with the platform's key from
   its JWKS (jwks.py refetches once on an unknown kid);
6. ``exp``, ``iat``, ``nbf``: joserfc's claims registry, 60 s leeway, injectable clock;
7. ``nonce``: the one this login sent (its single use is enforced on completion);
8. ``claims``: ``sub``, roles, resource_link.id, target_link_uri, message type,
   version and deployment id are present with the right types;
9. ``version`` 1.3.0, ``message_type`` LtiResourceLinkRequest, ``deployment_id``
   registered, ``target_link_uri`` on this server.

The browser binding of the state (cookie or platform storage) is the caller's
job: it depends on the request, not the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwt import JWTClaimsRegistry

from ..config import LtiPlatform
from ..secure import constant_time_equals, token_hash
from .claims import (
    CONTEXT,
    DEPLOYMENT_ID,
    LTI_VERSION,
    MESSAGE_TYPE,
    RESOURCE_LINK,
    RESOURCE_LINK_REQUEST,
    ROLES,
    TARGET_LINK_URI,
    VERSION,
    LtiLaunch,
    canvas_course_id_from,
    canvas_user_id_from,
)
from .errors import (
    BadSignature,
    DisallowedAlgorithm,
    Expired,
    IssuedInFuture,
    MalformedRequest,
    MalformedToken,
    MissingClaims,
    NonceMismatch,
    NotYetValid,
    UnknownDeployment,
    WrongAudience,
    WrongAuthorizedParty,
    WrongIssuer,
    WrongMessageType,
    WrongTargetLink,
    WrongVersion,
)
from .jwks import JwksCache
from .platforms import origin_of
from .state import LoginState

__all__ = ["LaunchValidator", "ALGORITHM", "LEEWAY"]

ALGORITHM = "RS256"
LEEWAY = timedelta(seconds=60)
_MAX_TOKEN_CHARS = 64 * 1024


class LaunchValidator:
    """Checks id_tokens against the registration a login state names. `clock` gives aware UTC."""

    def __init__(self, jwks: JwksCache, public_url: str, clock: Callable[[], datetime],
                 leeway: timedelta = LEEWAY) -> None:
        self.jwks = jwks
        self.public_origin = origin_of(public_url)
        self._clock = clock
        self.leeway = leeway

    async def validate(self, id_token: str | None, state: LoginState, platform: LtiPlatform) -> LtiLaunch:
        """The launch the token describes; raises an `LtiLaunchError` subclass naming the failed check."""
        if not id_token:
            raise MalformedRequest("no id_token in the launch")
        if len(id_token) > _MAX_TOKEN_CHARS:
            raise MalformedToken("id_token too long")
        header, unverified = _peek(id_token)
        if header.get("alg") != ALGORITHM:
            raise DisallowedAlgorithm("alg is not RS256")
        if unverified.get("iss") != platform.issuer:
            raise WrongIssuer("iss differs from the login's issuer")
        _check_audience(unverified, platform.client_id)

        key = await self.jwks.key(platform.jwks_url, header.get("kid") if isinstance(header.get("kid"), str) else None)
        try:
            claims = jwt.decode(id_token, key, algorithms=[ALGORITHM]).claims
        except BadSignatureError:
            raise BadSignature("signature does not verify") from None
        except JoseError:
            raise MalformedToken("token does not decode") from None

        self._check_times(claims)
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not constant_time_equals(token_hash(nonce), state.nonce_hash):
            raise NonceMismatch("nonce is missing or not this login's")
        _check_required(claims)
        if claims[VERSION] != LTI_VERSION:
            raise WrongVersion("version is not 1.3.0")
        if claims[MESSAGE_TYPE] != RESOURCE_LINK_REQUEST:
            raise WrongMessageType("message type is not LtiResourceLinkRequest")
        if claims[DEPLOYMENT_ID] not in platform.deployment_ids:
            raise UnknownDeployment("deployment_id is not registered for this client_id")
        if origin_of(claims[TARGET_LINK_URI]) != self.public_origin:
            raise WrongTargetLink("target_link_uri is not on this server")
        return _launch(claims, platform, state)

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        registry = JWTClaimsRegistry(now=int(self._clock().timestamp()), leeway=int(self.leeway.total_seconds()),
                                     exp={"essential": True}, iat={"essential": True})
        try:
            registry.validate(dict(claims))
        except ExpiredTokenError:
            raise Expired("exp is in the past") from None
        except MissingClaimError as exc:
            raise MissingClaims(f"missing: {exc.claim}") from None
        except InvalidClaimError as exc:
            if exc.claim == "iat" and _is_number(claims.get("iat")):
                raise IssuedInFuture("iat is in the future") from None
            if exc.claim == "nbf" and _is_number(claims.get("nbf")):
                raise NotYetValid("nbf is in the future") from None
            raise MissingClaims(f"malformed: {exc.claim}") from None


def _peek(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims before verification: enough to pick the key, trusted for nothing else."""
    try:
        compact = jws.extract_compact(id_token.encode())
        header = dict(compact.headers())
        claims = json.loads(compact.payload or b"")
    except (JoseError, ValueError, TypeError):
        raise MalformedToken("not a compact JWS") from None
    if not isinstance(claims, dict):
        raise MalformedToken("payload is not a JSON object")
    return header, claims


def _check_audience(claims: Mapping[str, Any], client_id: str) -> None:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        raise WrongAudience("aud does not contain the client_id")
    if "azp" in claims or len(audiences) > 1:
        if claims.get("azp") != client_id:
            raise WrongAuthorizedParty("azp is not the client_id")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_required(claims: Mapping[str, Any]) -> None:
    missing = []
    for name in ("sub", MESSAGE_TYPE, VERSION, DEPLOYMENT_ID, TARGET_LINK_URI):
        value = claims.get(name)
        if not isinstance(value, str) or not value:
            missing.append(name.rsplit("/", 1)[-1])
    roles = claims.get(ROLES)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        missing.append("roles")
    link = claims.get(RESOURCE_LINK)
    if not isinstance(link, dict) or not isinstance(link.get("id"), str) or not link["id"]:
        missing.append("resource_link.id")
    if missing:
        raise MissingClaims("missing or malformed: " + ", ".join(missing))


def _launch(claims: Mapping[str, Any], platform: LtiPlatform, state: LoginState) -> LtiLaunch:
    context = claims.get(CONTEXT)
    title = context.get("title") if isinstance(context, dict) else None
    name = claims.get("name")
    if not isinstance(name, str) or not name:
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p)
    return LtiLaunch(
        platform=platform,
        subject=claims["sub"],
        deployment_id=claims[DEPLOYMENT_ID],
        roles=tuple(claims[ROLES]),
        resource_link_id=claims[RESOURCE_LINK]["id"],
        canvas_user_id=canvas_user_id_from(claims),
        canvas_course_id=canvas_course_id_from(claims),
        name=name[:300],
        context_title=title[:300] if isinstance(title, str) else None,
        nonce_hash=state.nonce_hash,
        expires_at=datetime.fromtimestamp(float(claims["exp"]), UTC),
    )
