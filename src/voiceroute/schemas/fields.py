"""Validated value types shared by every wire model.

Each failure message says what is allowed, because the user reads it in ``Errors``.
Values are kept as the client sent them unless a canonical form matters for comparison
(IP addresses and networks).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints
from pydantic_core import PydanticCustomError

MAX_PORT = 65_535


def _fail(message: str) -> PydanticCustomError:
    # The message is passed as a context value so that braces in it are never interpreted.
    return PydanticCustomError("voiceroute", "{reason}", {"reason": message})


# C0 and C1 controls and the Unicode line and paragraph separators: they break log lines,
# SIP headers and terminals, and never belong in a name.
_CONTROL_CATEGORIES = {"Cc", "Zl", "Zp"}


def _printable(value: str) -> str:
    if any(unicodedata.category(character) in _CONTROL_CATEGORIES for character in value):
        raise _fail("must not contain control characters (line breaks, tabs, NUL)")
    return value


def _url_checker(schemes: tuple[str, ...], example: str) -> Callable[[str], str]:
    allowed = " or ".join(schemes)

    def check(value: str) -> str:
        message = f"must be an absolute {allowed} URL, e.g. {example}"
        if any(character.isspace() for character in value):
            raise _fail(message)
        try:
            parts = urlsplit(value)
            _ = parts.port  # raises on a malformed port
        except ValueError:
            raise _fail(message) from None
        if parts.scheme.lower() not in schemes or not _valid_host(parts.hostname):
            raise _fail(message)
        return value

    return check


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = rf"{_LABEL}(?:\.{_LABEL})*\.?"
_HOSTNAME_PATTERN = re.compile(_HOSTNAME, re.ASCII)
_SIP_URI = re.compile(
    r"(?P<scheme>sips?):(?:[^@\s;?]+@)?"
    rf"(?P<host>{_HOSTNAME}|\d{{1,3}}(?:\.\d{{1,3}}){{3}}|\[[0-9A-Fa-f:.]+\])"
    r"(?::(?P<port>\d{1,5}))?(?P<params>[;?]\S*)?",
    re.IGNORECASE | re.ASCII,
)


def parse_sip_uri(value: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of a well-formed sip/sips URI, or ``None``."""
    match = _SIP_URI.fullmatch(value)
    if match is None:
        return None
    host = match["host"]
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
    elif re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return None
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 1 <= port <= MAX_PORT:
        return None
    return match["scheme"].lower(), host, port


def _valid_host(host: str | None) -> bool:
    """A DNS name or an IP address (urlsplit has already removed IPv6 brackets)."""
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return _HOSTNAME_PATTERN.fullmatch(host) is not None
    return True


_check_http_url = _url_checker(("http", "https"), "https://example.com/voice")


def _check_trunk_uri(value: str) -> str:
    if value.lower().startswith(("sip:", "sips:")):
        if parse_sip_uri(value) is None:
            raise _fail(
                "must be a sip: or sips: URI such as sip:pbx.example.com:5061, "
                "or an absolute http or https URL"
            )
        return value
    try:
        return _check_http_url(value)
    except PydanticCustomError:
        raise _fail(
            "must be an absolute sip, sips, http or https URI, e.g. sip:pbx.example.com:5060"
        ) from None


def _check_ip_address(value: str) -> str:
    if "%" in value:  # a zone index ("fe80::1%eth0") names an interface of *this* host
        raise _fail("must be an IPv4 or IPv6 address without a %zone suffix")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise _fail("must be an IPv4 or IPv6 address, e.g. 203.0.113.10 or 2001:db8::10") from None


def _check_ip_network(value: str) -> str:
    if "%" in value:
        raise _fail("must be an IPv4 or IPv6 address or network without a %zone suffix")
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise _fail(
            "must be an IPv4 or IPv6 address, optionally with a CIDR prefix, "
            "e.g. 203.0.113.10 or 203.0.113.0/24"
        ) from None
    if "/" in value and network.network_address != ipaddress.ip_address(value.split("/")[0]):
        raise _fail(f"has host bits set after the prefix; did you mean {network}?")
    # A single host is kept without its /32 or /128, as users mostly write it; one spelling per
    # network keeps duplicate detection and the data plane's tables exact.
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network)


def _port_from_number(value: object) -> object:
    # A JSON integer port is accepted and answered as the documented string.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _check_port(value: str) -> str:
    if not re.fullmatch(r"[1-9][0-9]{0,4}", value) or int(value) > MAX_PORT:
        raise _fail('must be a port number from "1" to "65535"')
    return value


_E164 = re.compile(r"\+[1-9][0-9]{1,14}", re.ASCII)


def _check_e164(value: str) -> str:
    if not _E164.fullmatch(value):
        raise _fail("must be an E.164 number: + then 2 to 15 digits, e.g. +14155550100")
    return value


def _check_forward_target(value: str) -> str:
    if _E164.fullmatch(value) or parse_sip_uri(value) is not None:
        return value
    raise _fail(
        "must be an E.164 number such as +14155550100 or a sip: URI "
        "such as sip:alice@pbx.example.com"
    )


_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _check_dns_label(value: str) -> str:
    if not _DNS_LABEL.fullmatch(value):
        raise _fail(
            "must be a lowercase DNS label: 1 to 63 of a-z, 0-9 and '-', "
            "not starting or ending with '-', e.g. acme-pbx"
        )
    return value


StrictBool = Annotated[bool, Strict()]
Priority = Annotated[int, Strict(), Field(ge=0, le=MAX_PORT)]
Weight = Annotated[int, Strict(), Field(ge=0, le=MAX_PORT)]
RouteName = Annotated[
    str, StringConstraints(min_length=1, max_length=128), AfterValidator(_printable)
]
Username = Annotated[
    str, StringConstraints(min_length=1, max_length=256), AfterValidator(_printable)
]
HttpUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_check_http_url)]
WebSocketUrl = Annotated[
    str,
    StringConstraints(max_length=2048),
    AfterValidator(_url_checker(("ws", "wss"), "wss://stream.example.com/audio")),
]
TrunkUri = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_check_trunk_uri)]
IpAddress = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_ip_address)]
IpNetwork = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_ip_network)]
Port = Annotated[str, BeforeValidator(_port_from_number), AfterValidator(_check_port)]
E164Number = Annotated[str, StringConstraints(max_length=16), AfterValidator(_check_e164)]
ForwardTarget = Annotated[
    str, StringConstraints(max_length=2048), AfterValidator(_check_forward_target)
]
DnsLabel = Annotated[str, StringConstraints(max_length=63), AfterValidator(_check_dns_label)]
HeaderRuleId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
