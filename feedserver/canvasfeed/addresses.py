"""Which IP addresses the feed fetcher may connect to.

An `AddressPolicy` is a predicate over `ipaddress` objects. The default,
`public_only`, allows globally routable unicast addresses and nothing else:
no loopback, private (RFC 1918, IPv6 ULA), link-local (which holds the cloud
metadata service 169.254.169.254), CGNAT 100.64/10, multicast, reserved or
unspecified addresses. IPv6 forms that embed an IPv4 address (mapped
``::ffff:a.b.c.d``, 6to4, NAT64 well-known prefix) are judged by the
embedded address, so they cannot smuggle a private one through.

`literal_address` reads a URL host the way the C library would connect to it,
so "2130706433", "0x7f.1" or "0177.0.0.1" are recognised as 127.0.0.1 before
any request is made.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable

__all__ = [
    "AddressPolicy",
    "IPAddress",
    "embedded_ipv4",
    "literal_address",
    "public_only",
    "public_or_loopback",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]
"""True if connecting to the address is allowed."""

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Digits, dots and hex prefixes only: the spellings inet_aton accepts (127.1, 0x7f000001, 017700000001).
_NUMERIC_V4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.IGNORECASE)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    packed = int(address)
    if packed >> 32 == 0 and packed > 1:
        # Deprecated IPv4-compatible form ::a.b.c.d (not :: or ::1, judged as IPv6 below).
        return ipaddress.IPv4Address(packed)
    return None


def public_only(address: IPAddress) -> bool:
    """The strict default: globally routable unicast only."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return public_only(inner)
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return False
    return bool(
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
        and address not in _CGNAT
    )


def public_or_loopback(address: IPAddress) -> bool:
    """`public_only` plus this machine's loopback (``allow_private_feed_hosts``: tests and the demo)."""
    inner = embedded_ipv4(address)
    return (inner or address).is_loopback or public_only(address)


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host names literally, in any spelling the resolver accepts; None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_V4.match(host):
        try:
            # inet_aton reads decimal, octal (leading 0) and hex parts, and short forms like 127.1.
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            # Numeric-looking but not an address: treat as refused by the caller (no name is all digits).
            return ipaddress.IPv4Address("0.0.0.0")
    return None
