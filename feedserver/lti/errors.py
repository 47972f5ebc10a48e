"""Why an LTI login or launch was refused: one exception class per failed check.

Every class names its `check` (the word the log line carries), the HTTP
status of the refusal page, and the words a student reads. The `detail`
given when raising is for the log only and must never hold the token, the
state, the nonce or any hint the platform sent: only names of checks and
configured values.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "LtiLaunchError",
    "MalformedRequest",
    "UnknownIssuer",
    "UnknownClient",
    "WrongIssuer",
    "MalformedToken",
    "DisallowedAlgorithm",
    "WrongAudience",
    "WrongAuthorizedParty",
    "UnknownKey",
    "JwksUnavailable",
    "BadSignature",
    "Expired",
    "IssuedInFuture",
    "NotYetValid",
    "NonceMismatch",
    "NonceReplayed",
    "StateMismatch",
    "UnknownDeployment",
    "WrongMessageType",
    "WrongVersion",
    "MissingClaims",
    "WrongTargetLink",
    "CrossSiteRequest",
]

_START_AGAIN = "Close this and open Homework Muffin again from your Canvas menu."
_ADMIN = ("Homework Muffin is not set up for this Canvas yet. Your Canvas administrator can finish the "
          "setup; the steps are in Homework Muffin's LTI guide.")


class LtiLaunchError(Exception):
    """Base: the launch (or its login step) failed the check named `check`."""

    check: ClassVar[str] = "launch"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Canvas could not open Homework Muffin"
    message: ClassVar[str] = _START_AGAIN

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.check)
        self.detail = detail


class MalformedRequest(LtiLaunchError):
    """The login or launch request lacks a required parameter (e.g. no id_token)."""

    check = "request"


class UnknownIssuer(LtiLaunchError):
    """`iss` is not the issuer of any configured [[lti_platform]]."""

    check = "iss"
    status = 403
    title = "This Canvas is not connected to Homework Muffin"
    message = _ADMIN


class UnknownClient(LtiLaunchError):
    """The client_id is not registered for the issuer, or is missing while several are."""

    check = "client_id"
    status = 403
    title = "This Canvas is not connected to Homework Muffin"
    message = _ADMIN


class WrongIssuer(LtiLaunchError):
    """The id_token's `iss` is not the issuer this login was started for."""

    check = "iss"


class MalformedToken(LtiLaunchError):
    """The id_token is not a compact JWS with a JSON object as payload."""

    check = "token"


class DisallowedAlgorithm(LtiLaunchError):
    """The id_token's `alg` is not RS256 (``none`` and HMAC algorithms are always refused)."""

    check = "alg"


class WrongAudience(LtiLaunchError):
    """`aud` does not contain the registered client_id."""

    check = "aud"


class WrongAuthorizedParty(LtiLaunchError):
    """`azp` is not the client_id (or is missing while `aud` names several parties)."""

    check = "azp"


class UnknownKey(LtiLaunchError):
    """The `kid` is missing, or absent from the platform's JWKS even after fetching it again."""

    check = "kid"


class JwksUnavailable(LtiLaunchError):
    """The platform's JWKS could not be fetched and no earlier copy is cached."""

    check = "jwks"
    status = 502
    title = "Canvas did not answer"
    message = "We could not reach Canvas to check this launch. Please try again in a minute."


class BadSignature(LtiLaunchError):
    """The signature does not verify with the platform's key of that `kid`."""

    check = "signature"


class Expired(LtiLaunchError):
    """`exp` is in the past (beyond the leeway)."""

    check = "exp"
    title = "This launch took too long"
    message = _START_AGAIN


class IssuedInFuture(LtiLaunchError):
    """`iat` is in the future (beyond the leeway): a clock problem or a forged token."""

    check = "iat"


class NotYetValid(LtiLaunchError):
    """`nbf` is in the future (beyond the leeway)."""

    check = "nbf"


class NonceMismatch(LtiLaunchError):
    """The token's `nonce` is missing or is not the one this login sent."""

    check = "nonce"


class NonceReplayed(LtiLaunchError):
    """The nonce was already used: this exact launch was submitted before."""

    check = "nonce"
    title = "This launch was already used"
    message = "Each launch from Canvas works once. " + _START_AGAIN


class StateMismatch(LtiLaunchError):
    """The state is missing, forged, expired, or was not started in this browser."""

    check = "state"
    title = "We could not match this launch to your browser"
    message = ("A launch must finish in the browser that started it. " + _START_AGAIN)


class UnknownDeployment(LtiLaunchError):
    """`deployment_id` is not listed for the registration."""

    check = "deployment_id"
    status = 403
    title = "This Canvas installation is not connected to Homework Muffin"
    message = _ADMIN


class WrongMessageType(LtiLaunchError):
    """The message type is not LtiResourceLinkRequest (the only one this tool handles)."""

    check = "message_type"
    title = "Homework Muffin cannot do that from here"
    message = "Homework Muffin opens from Canvas's navigation menus only. " + _START_AGAIN


class WrongVersion(LtiLaunchError):
    """The LTI version claim is not 1.3.0."""

    check = "version"


class MissingClaims(LtiLaunchError):
    """A claim LTI 1.3 requires is missing or has the wrong type."""

    check = "claims"


class WrongTargetLink(LtiLaunchError):
    """`target_link_uri` does not point at this server."""

    check = "target_link_uri"


class CrossSiteRequest(LtiLaunchError):
    """The platform-storage confirmation did not come from our own page's script."""

    check = "origin"
    status = 403
