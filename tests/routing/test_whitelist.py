from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceroute.routing import source_allowed

AnyAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@pytest.mark.parametrize(
    ("source", "whitelist", "allowed"),
    [
        ("203.0.113.10", ["203.0.113.10"], True),
        ("203.0.113.11", ["203.0.113.10"], False),
        ("203.0.113.77", ["198.51.100.0/24", "203.0.113.0/24"], True),
        ("203.0.114.1", ["203.0.113.0/24"], False),
        ("203.0.113.77", ["203.0.113.5/24"], True),  # host bits ignored, as the schema allows
        ("2001:db8::10", ["2001:db8::10"], True),
        ("2001:db8::10", ["2001:0db8:0000::0010"], True),
        ("2001:db8:1::5", ["2001:db8::/48"], False),
        ("2001:db8:0:ff::5", ["2001:db8::/48"], True),
        ("[2001:db8::10]", ["2001:db8::/32"], True),
        ("::ffff:203.0.113.10", ["203.0.113.0/24"], True),
        ("::ffff:203.0.113.10", ["198.51.100.0/24"], False),
        ("203.0.113.10", ["::ffff:203.0.113.0/120"], True),
        ("203.0.113.10", ["::ffff:203.0.113.10"], True),
        ("203.0.113.10", ["::/0"], False),  # IPv6 networks never match IPv4 sources
        ("2001:db8::1", ["0.0.0.0/0"], False),
        (" 203.0.113.10 ", ["203.0.113.10"], True),
    ],
)
def test_source_decisions(source: str, whitelist: list[str], allowed: bool) -> None:
    assert source_allowed(source, whitelist) is allowed


def test_an_empty_whitelist_refuses_everyone() -> None:
    assert not source_allowed("203.0.113.10", [])
    assert not source_allowed("::1", ())


@pytest.mark.parametrize("source", ["", "not-an-ip", "203.0.113", "203.0.113.10:5060"])
def test_an_unreadable_source_is_refused(source: str) -> None:
    assert not source_allowed(source, ["0.0.0.0/0", "::/0"])


def test_an_unreadable_entry_matches_nothing_and_spoils_nothing() -> None:
    assert not source_allowed("203.0.113.10", ["garbage"])
    assert source_allowed("203.0.113.10", ["garbage", "203.0.113.10"])


ipv4 = st.ip_addresses(v=4)
ipv6 = st.ip_addresses(v=6)


@given(st.one_of(ipv4, ipv6))
def test_an_address_is_allowed_by_a_whitelist_naming_it(address: AnyAddress) -> None:
    assert source_allowed(str(address), [str(address)])


@given(ipv4, st.integers(min_value=0, max_value=32))
def test_mapped_and_plain_ipv4_sources_get_the_same_answer(
    address: ipaddress.IPv4Address, prefix: int
) -> None:
    network = ipaddress.IPv4Network((address, prefix), strict=False)
    mapped = f"::ffff:{address}"
    assert source_allowed(mapped, [str(network)])
    assert source_allowed(str(address), [str(network)])


@given(st.one_of(ipv4, ipv6), st.one_of(ipv4, ipv6), st.integers(min_value=0, max_value=128))
def test_decision_agrees_with_network_membership(
    source: AnyAddress, base: AnyAddress, prefix: int
) -> None:
    network = ipaddress.ip_network(f"{base}/{min(prefix, base.max_prefixlen)}", strict=False)
    mapped_away = (
        isinstance(source, ipaddress.IPv6Address) and source.ipv4_mapped is not None
    ) or (
        isinstance(network, ipaddress.IPv6Network)
        and network.subnet_of(ipaddress.IPv6Network("::ffff:0:0/96"))
    )
    if mapped_away:
        return  # mapped forms are covered above; here compare plain addresses only
    expected = source.version == network.version and source in network
    assert source_allowed(str(source), [str(network)]) is expected
