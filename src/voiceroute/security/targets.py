"""Refuse webhook and stream targets inside the operator's own network (SSRF).

``VoiceUrl``, ``CallbackVoiceUrl`` and ``WssUri`` are fetched by the platform, so a tenant could
point them at loopback, link-local, private or cloud metadata addresses and reach what only the
platform can. IP literals are judged by their address; names by a list of names that always
mean "this host" or "the metadata service". Names are not resolved here: DNS can change after
the write, so the component that calls the URL must check the address it connects to as well.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_LOCAL_NAMES = re.compile(
    r"(^|\.)(localhost|localdomain|local|internal|home\.arpa)$"
    r"|^(metadata|metadata\.google\.internal|metadata\.goog|instance-data)$",
    re.IGNORECASE,
)
# A part of an IPv4 address as inet_aton reads it: hex, octal or decimal.
_INET_ATON_PART = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")


def _reads_as_ipv4(host: str) -> bool:
    """Whether a resolver would take ``host`` for an IPv4 address (2130706433, 0x7f.1, 127.1)."""
    parts = host.split(".")
    return 1 <= len(parts) <= 4 and all(_INET_ATON_PART.fullmatch(part) for part in parts)


def unsafe_target_reason(url: str) -> str | None:
    """Why ``url`` must not be fetched by the platform, or ``None`` when it may be."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if _LOCAL_NAMES.search(host):
            return f"{host} names a local or metadata host"
        if _reads_as_ipv4(host):
            return f"{host} is an IP address in a non-standard form; write it as a dotted quad"
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    ):
        return f"{address} is a loopback, link-local, private or reserved address"
    return None
