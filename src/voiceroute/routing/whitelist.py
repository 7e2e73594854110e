"""Who may send termination calls through a route: its ``IpWhitelist`` (IPs and CIDRs).

An empty whitelist lets nobody through. Termination sends calls out through the operator's
carrier at the operator's cost, so a route must name its sources before it carries any: an
empty list is "not configured yet", never "everyone".

Addresses are compared by value, never as text. An IPv4-mapped IPv6 address
(``::ffff:203.0.113.10``, which a dual-stack socket reports for an IPv4 peer) is the IPv4
address it maps, on either side: the source is unmapped, and a whitelist network inside
``::ffff:0:0/96`` is read as the IPv4 network it maps. Entries are CIDRs read leniently
(host bits after the prefix are ignored). An entry or a source that is not an address
matches nothing, so a bad value can only ever refuse.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_MAPPED_PREFIX_BITS = 96


def source_allowed(source_ip: str, whitelist: Iterable[str]) -> bool:
    """Whether ``source_ip`` lies in one of the whitelist's addresses or networks."""
    source = _parse_address(source_ip)
    if source is None:
        return False
    return any(
        network is not None and network.version == source.version and source in network
        for network in map(_parse_network, whitelist)
    )


def _parse_address(text: str) -> IpAddress | None:
    try:
        address = ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _parse_network(text: str) -> IpNetwork | None:
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(_IPV4_MAPPED):
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.IPv4Network((mapped, network.prefixlen - _MAPPED_PREFIX_BITS))
    return network
