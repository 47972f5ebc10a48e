"""The configured [[lti_platform]] registrations, looked up by issuer and client_id.

On Canvas cloud every school shares one issuer, so a registration is told
apart by its client_id (one LTI developer key per school) and then by the
deployment ids listed for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from ..config import LtiPlatform
from .errors import UnknownClient, UnknownIssuer

__all__ = ["find_registration", "origin_of"]


def find_registration(platforms: Iterable[LtiPlatform], issuer: str | None, client_id: str | None) -> LtiPlatform:
    """The registration for `issuer` and `client_id`.

    `client_id` may be None (login initiation may omit it) when the issuer has
    exactly one registration. Raises `UnknownIssuer` or `UnknownClient`.
    """
    if not issuer:
        raise UnknownIssuer("no issuer given")
    of_issuer = [p for p in platforms if p.issuer == issuer]
    if not of_issuer:
        raise UnknownIssuer("issuer is not configured")
    if client_id is None or client_id == "":
        if len(of_issuer) == 1:
            return of_issuer[0]
        raise UnknownClient("no client_id given and the issuer has several registrations")
    for platform in of_issuer:
        if platform.client_id == client_id:
            return platform
    raise UnknownClient("client_id is not registered for the issuer")


def origin_of(url: str) -> str:
    """scheme://host[:port] of an absolute URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"

