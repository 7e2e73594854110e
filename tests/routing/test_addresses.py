from __future__ import annotations

from typing import Any

import pytest

from voiceroute.routing import (
    DEFAULT_PORTS,
    RouteKind,
    RouteView,
    Transport,
    TrunkAddress,
    TrunkSpec,
    candidates_of,
    resolve_address,
)


def address(**fields: Any) -> TrunkAddress | None:
    return resolve_address(TrunkSpec(index=1, **fields))


def test_ip_wins_over_uri_host() -> None:
    assert address(ip="198.51.100.7", uri="sip:pbx.example.com") == TrunkAddress(
        "198.51.100.7", 5060, Transport.UDP
    )


@pytest.mark.parametrize(
    ("uri", "host", "port"),
    [
        ("sip:pbx.example.com", "pbx.example.com", 5060),
        ("sip:user@pbx.example.com:5070;transport=udp", "pbx.example.com", 5070),
        ("sip:user:secret@203.0.113.5:5080?subject=x", "203.0.113.5", 5080),
        ("SIP:PBX.Example.COM.", "pbx.example.com", 5060),
        ("sip:alice@[2001:db8::10]:5070", "2001:db8::10", 5070),
        ("sip:[2001:0db8:0:0::10]", "2001:db8::10", 5060),
        ("https://trunk.example.com/path", "trunk.example.com", 5060),
        ("http://trunk.example.com:5090", "trunk.example.com", 5090),
        ("https://[2001:db8::7]:5062/x", "2001:db8::7", 5062),
    ],
)
def test_host_and_port_from_the_uri(uri: str, host: str, port: int) -> None:
    resolved = address(uri=uri, transport=Transport.UDP)
    assert resolved is not None
    assert (resolved.host, resolved.port) == (host, port)


def test_trunk_port_wins_over_the_uri_port() -> None:
    resolved = address(uri="sip:pbx.example.com:5070", port=5090)
    assert resolved is not None
    assert resolved.port == 5090


@pytest.mark.parametrize(
    ("transport", "port"), [(Transport.UDP, 5060), (Transport.TCP, 5060), (Transport.TLS, 5061)]
)
def test_default_port_follows_the_transport(transport: Transport, port: int) -> None:
    assert address(ip="198.51.100.7", transport=transport) == TrunkAddress(
        "198.51.100.7", port, transport
    )
    assert DEFAULT_PORTS[transport] == port


def test_transport_defaults_to_udp() -> None:
    resolved = address(ip="198.51.100.7")
    assert resolved is not None
    assert resolved.transport is Transport.UDP


def test_uri_suggests_a_transport_only_when_none_is_set() -> None:
    assert address(uri="sip:pbx.example.com;transport=tcp") == TrunkAddress(
        "pbx.example.com", 5060, Transport.TCP
    )
    assert address(uri="sips:pbx.example.com") == TrunkAddress(
        "pbx.example.com", 5061, Transport.TLS
    )
    assert address(uri="sips:pbx.example.com", transport=Transport.UDP) == TrunkAddress(
        "pbx.example.com", 5060, Transport.UDP
    )


def test_wire_strings_are_accepted_for_the_transport() -> None:
    assert address(ip="198.51.100.7", transport="TLS") == TrunkAddress(
        "198.51.100.7", 5061, Transport.TLS
    )


def test_ipv6_trunk_ip_is_normalised_and_bracketed_in_the_sip_uri() -> None:
    resolved = address(ip="2001:0db8::0010", transport=Transport.TLS)
    assert resolved == TrunkAddress("2001:db8::10", 5061, Transport.TLS)
    assert resolved.sip_uri == "sip:[2001:db8::10]:5061;transport=tls"


def test_sip_uri_of_a_udp_trunk_has_no_transport_parameter() -> None:
    resolved = address(ip="198.51.100.7", port=5070)
    assert resolved is not None
    assert resolved.sip_uri == "sip:198.51.100.7:5070"


@pytest.mark.parametrize(
    "uri",
    [
        "sip:",
        "sip:user@",
        "sip:pbx.example.com:notaport",
        "sip:pbx.example.com:70000",
        "sip:[2001:db8::1",
        "sip:[2001:db8::1]x",
        "ftp://pbx.example.com",
        "pbx.example.com",
        "https://",
        "https://pbx.example.com:99999",
    ],
)
def test_unreadable_uri_gives_no_address(uri: str) -> None:
    assert address(uri=uri) is None


def test_no_ip_and_no_uri_gives_no_address() -> None:
    assert address() is None


def test_only_enabled_trunks_with_an_address_are_candidates() -> None:
    route = RouteView(
        route_type=RouteKind.TRUNK,
        trunks=(
            TrunkSpec(index=3, ip="198.51.100.3"),
            TrunkSpec(index=1, ip="198.51.100.1", enabled=False),
            TrunkSpec(index=2),
        ),
    )
    assert [candidate.index for candidate in candidates_of(route)] == [3]


@pytest.mark.parametrize("bad", [{"weight": -1}, {"port": 0}, {"port": 65_536}])
def test_impossible_trunk_values_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="trunk 1"):
        TrunkSpec(index=1, **bad)


def test_route_rejects_duplicate_trunk_indexes() -> None:
    with pytest.raises(ValueError, match="distinct"):
        RouteView(route_type=RouteKind.TRUNK, trunks=(TrunkSpec(1), TrunkSpec(1)))
