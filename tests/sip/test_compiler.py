"""The route compiler: what Kamailio's tables say must be what the routing engine says."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from voiceroute.routing import (
    RouteKind,
    RouteView,
    Transport,
    TrunkSpec,
    candidates_of,
    order_probabilities,
)
from voiceroute.sip.compiler import (
    PROBING_FLAG,
    NumberBinding,
    RouteSpec,
    compile_route,
    dispatcher_sets,
)

SIP_ID = 7
SET_A, SET_B = dispatcher_sets(SIP_ID)


def trunk(index: int, **fields: object) -> TrunkSpec:
    values: dict[str, object] = {"ip": f"127.0.0.{index + 1}", "port": 5060 + index}
    values.update(fields)
    return TrunkSpec(index=index, **values)  # type: ignore[arg-type]


def spec(*trunks: TrunkSpec, **fields: object) -> RouteSpec:
    view_fields = {
        key: fields.pop(key)
        for key in ("route_type", "route_enabled", "ip_whitelist", "forward_number")
        if key in fields
    }
    values: dict[str, object] = {
        "route_id": "CRID-test",
        "sip_id": SIP_ID,
        "view": RouteView(**{"route_type": RouteKind.TRUNK, "trunks": trunks, **view_fields}),
        "numbers": (NumberBinding("+14155550100", True),),
        "termination_subdomain": None,
        "refer_allowed": False,
        "probing": False,
    }
    values.update(fields)
    return RouteSpec(**values)  # type: ignore[arg-type]


def sets(compiled) -> dict[int, list[str]]:
    """Set id -> destinations in the order dispatcher tries them (higher priority first)."""
    by_set: dict[int, list[tuple[int, str]]] = {}
    for row in compiled.dispatcher:
        by_set.setdefault(row.setid, []).append((row.priority, row.destination))
    return {s: [d for _, d in sorted(rows, reverse=True)] for s, rows in by_set.items()}


def number_entry(compiled, number: str = "+14155550100") -> dict[str, str]:
    value = next(row.key_value for row in compiled.routing if row.key_name == f"n:{number}")
    return dict(pair.split("=", 1) for pair in value.split(";"))


def test_different_priorities_give_one_serial_set_lowest_priority_first():
    compiled = compile_route(spec(trunk(1, priority=20), trunk(2, priority=10)))

    assert sets(compiled) == {SET_A: ["sip:127.0.0.3:5062", "sip:127.0.0.2:5061"]}
    entry = number_entry(compiled)
    assert (entry["a"], entry["d"], entry["s"], entry["z"]) == ("1", "1", str(SET_A), str(SET_B))


def test_equal_priorities_give_both_orders_with_the_exact_odds():
    compiled = compile_route(spec(trunk(1, weight=3), trunk(2, weight=1, priority=1)))

    assert sets(compiled) == {
        SET_A: ["sip:127.0.0.2:5061", "sip:127.0.0.3:5062"],
        SET_B: ["sip:127.0.0.3:5062", "sip:127.0.0.2:5061"],
    }
    entry = number_entry(compiled)
    assert Fraction(int(entry["a"]), int(entry["d"])) == Fraction(3, 4)


def test_a_weight_zero_trunk_is_never_first_but_still_second():
    compiled = compile_route(spec(trunk(1, weight=0, priority=1), trunk(2, weight=10, priority=1)))

    assert sets(compiled) == {SET_A: ["sip:127.0.0.3:5062", "sip:127.0.0.2:5061"]}


def test_disabled_trunks_and_trunks_without_address_are_left_out():
    compiled = compile_route(spec(trunk(1, enabled=False), trunk(2, priority=2)))
    assert sets(compiled) == {SET_A: ["sip:127.0.0.3:5062"]}

    nothing = compile_route(spec(trunk(1, enabled=False), trunk(2, ip=None, uri=None)))
    assert nothing.dispatcher == ()
    assert (number_entry(nothing)["a"], number_entry(nothing)["d"]) == ("0", "0")


def test_transport_and_probing_reach_the_destination_rows():
    compiled = compile_route(spec(trunk(1, transport=Transport.TLS, port=None), probing=True))

    (row,) = compiled.dispatcher
    assert row.destination == "sip:127.0.0.2:5061;transport=tls"
    assert row.flags == PROBING_FLAG


def test_number_entries_carry_the_route_flags():
    compiled = compile_route(
        spec(
            trunk(1),
            route_enabled=False,
            refer_allowed=True,
            numbers=(NumberBinding("+14155550100", True), NumberBinding("+14155550101", False)),
        )
    )

    first, second = number_entry(compiled), number_entry(compiled, "+14155550101")
    assert (first["r"], first["t"], first["e"], first["v"], first["x"]) == ("7", "T", "0", "1", "1")
    assert second["v"] == "0"


def test_forward_and_url_routes():
    forward = compile_route(spec(route_type=RouteKind.FORWARD, forward_number="sip:a@b.example"))
    assert number_entry(forward)["t"] == "F"
    assert ("f:+14155550100", "sip:a@b.example") in {
        (row.key_name, row.key_value) for row in forward.routing
    }
    assert forward.dispatcher == ()

    url = compile_route(spec(route_type=RouteKind.URL))
    assert number_entry(url)["t"] == "U"


def test_termination_subdomain_and_whitelist():
    compiled = compile_route(
        spec(
            trunk(1),
            termination_subdomain="acme",
            ip_whitelist=("203.0.113.0/24", "2001:db8::1", "198.51.100.7"),
        )
    )

    value = next(row.key_value for row in compiled.routing if row.key_name == "s:acme")
    assert value == "r=7;e=1;x=0;g=1007"
    assert {(a.grp, a.ip_addr, a.mask) for a in compiled.addresses} == {
        (1007, "203.0.113.0", 24),
        (1007, "2001:db8::1", 128),
        (1007, "198.51.100.7", 32),
    }


trunk_settings = st.fixed_dictionaries(
    {
        "enabled": st.booleans(),
        "priority": st.integers(0, 3),
        "weight": st.integers(0, 65_535),
    }
)


@given(trunk_settings, trunk_settings)
def test_the_tables_choose_every_try_order_with_the_engines_exact_probability(first, second):
    route = spec(trunk(1, **first), trunk(2, **second))
    compiled = compile_route(route)
    expected = order_probabilities(candidates_of(route.view))
    uri = {c.index: c.address.sip_uri for c in candidates_of(route.view)}

    by_set = sets(compiled)
    entry = number_entry(compiled)
    a, d = int(entry["a"]), int(entry["d"])
    chosen: dict[tuple[str, ...], Fraction] = {}
    if d:
        chosen[tuple(by_set[SET_A])] = Fraction(a, d)
        if a < d:
            chosen[tuple(by_set[SET_B])] = 1 - Fraction(a, d)
    assert chosen == {tuple(uri[i] for i in order): p for order, p in expected.items()}
