"""Where a trunk is: its host, port and transport, from ``TrunkIpN``/``TrunkUriN``/``TrunkPortN``.

The host is ``TrunkIpN`` when set, else the host of ``TrunkUriN``: a ``sip:``/``sips:`` URI
(``sip:user@host:5070;transport=tcp``, IPv6 in brackets) or an ``http(s)://`` URL, since the
vendor's documented examples are https URLs. The port is ``TrunkPortN`` when set, else the
port written in the URI, else 5060 (UDP, TCP) or 5061 (TLS). The transport is
``TrunkTransportN`` when set, else what the URI says (``;transport=`` or ``sips:`` meaning
TLS), else UDP. A trunk whose address cannot be found has none and is never tried.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from voiceroute.routing.route import MAX_PORT, Transport, TrunkSpec

DEFAULT_PORTS: dict[Transport, int] = {
    Transport.UDP: 5060,
    Transport.TCP: 5060,
    Transport.TLS: 5061,
}


@dataclass(frozen=True, slots=True)
class TrunkAddress:
    """A resolved next hop. ``host`` is bare: an IPv6 literal carries no brackets here."""

    host: str
    port: int
    transport: Transport

    @property
    def sip_uri(self) -> str:
        """The next hop as a SIP URI, in the form Kamailio's dispatcher takes."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        suffix = "" if self.transport is Transport.UDP else f";transport={self.transport.lower()}"
        return f"sip:{host}:{self.port}{suffix}"


@dataclass(frozen=True, slots=True)
class _UriParts:
    host: str
    port: int | None
    transport: Transport | None


def resolve_address(trunk: TrunkSpec) -> TrunkAddress | None:
    """The trunk's address, or ``None`` when neither ``ip`` nor a readable ``uri`` gives a host."""
    uri_parts = _parse_trunk_uri(trunk.uri) if trunk.uri else None
    if trunk.ip:
        host = _normalise_host(trunk.ip)
    elif uri_parts is not None:
        host = uri_parts.host
    else:
        return None
    uri_transport = uri_parts.transport if uri_parts is not None else None
    uri_port = uri_parts.port if uri_parts is not None else None
    transport = trunk.transport or uri_transport or Transport.UDP
    port = trunk.port or uri_port or DEFAULT_PORTS[transport]
    return TrunkAddress(host=host, port=port, transport=transport)


def _parse_trunk_uri(uri: str) -> _UriParts | None:
    scheme, colon, rest = uri.strip().partition(":")
    scheme = scheme.lower()
    if not colon:
        return None
    if scheme in ("sip", "sips"):
        return _parse_sip_uri(scheme, rest)
    if scheme in ("http", "https"):
        return _parse_http_url(uri.strip())
    return None


def _parse_sip_uri(scheme: str, rest: str) -> _UriParts | None:
    # sip:[user[:password]@]host[:port][;params][?headers] (RFC 3261 section 19.1.1)
    before_headers = rest.split("?", 1)[0]
    address, *params = before_headers.split(";")
    hostport = address.rpartition("@")[2]
    split = _split_hostport(hostport)
    if split is None:
        return None
    host, port = split
    transport = Transport.TLS if scheme == "sips" else None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "transport" and value.strip().upper() in Transport.__members__:
            transport = Transport(value.strip().upper())
    return _UriParts(host=host, port=port, transport=transport)


def _parse_http_url(url: str) -> _UriParts | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    # The URL's scheme says nothing about SIP transport; an explicit port is kept.
    return _UriParts(host=_normalise_host(parts.hostname), port=port, transport=None)


def _split_hostport(hostport: str) -> tuple[str, int | None] | None:
    if hostport.startswith("["):
        host, bracket, after = hostport[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            return None
        port_text = after[1:] if after else ""
    else:
        host, _, port_text = hostport.partition(":")
    if not host:
        return None
    if not port_text:
        return _normalise_host(host), None
    if not port_text.isdigit() or not 1 <= int(port_text) <= MAX_PORT:
        return None
    return _normalise_host(host), int(port_text)


def _normalise_host(host: str) -> str:
    bare = host.strip().removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        # DNS names compare case-insensitively; a trailing dot names the same host.
        return bare.lower().rstrip(".")
