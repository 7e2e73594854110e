"""Compile a route and its numbers into the rows Kamailio reads. Pure: no I/O.

The contract with ``kamailio.cfg`` (both sides must change together):

``dispatcher`` (module dispatcher, algorithm 8: serial by dispatcher priority, higher first)
    A route with ``sip_id`` N owns sets ``2N`` and ``2N + 1``. Each set lists the usable trunks
    in one possible try order; with equal API priorities two orders are possible and the call
    picks set ``2N`` with the exact probability the routing engine computes (keys ``a``/``d``
    below), so the data plane does exactly what ``explain`` says. ``flags`` is 8 (probing)
    when ``IntelligentRouteEnabled`` is true.

``address`` (module permissions)
    Group ``1000 + N`` holds the route's ``IpWhitelist`` (termination sources). The upstream
    carriers are not in the table: each node renders its own into its config.

``vr_routing`` (module htable), string values of ``k=v`` pairs joined by ``;``
    ``n:<E.164 number>`` -> ``r=<N>;t=<T|U|F>;e=<route enabled>;v=<voice enabled>;
    x=<REFER allowed>;s=<set A>;z=<set B>;a=<numerator>;d=<denominator>;p=<probing>``: the
    call uses set A when ``$RANDOM mod d < a``; ``d`` is 0 when no trunk is usable. ``p`` tells
    the failure route it may mark a failed trunk down (only probed trunks ever come back).
    ``f:<E.164 number>`` -> the Forward target (an E.164 number or a SIP URI), verbatim.
    ``s:<subdomain>`` -> ``r=<N>;e=<route enabled>;x=<REFER allowed>;g=<address group>``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from voiceroute.routing import RouteKind, RouteView, candidates_of, order_probabilities

ROUTE_GROUP_BASE = 1000
PROBING_FLAG = 8
_TYPE_CODES = {RouteKind.TRUNK: "T", RouteKind.URL: "U", RouteKind.FORWARD: "F"}


@dataclass(frozen=True)
class DispatcherRow:
    setid: int
    destination: str
    flags: int
    priority: int
    description: str


@dataclass(frozen=True)
class AddressRow:
    grp: int
    ip_addr: str
    mask: int
    tag: str


@dataclass(frozen=True)
class RoutingRow:
    key_name: str
    key_value: str


@dataclass(frozen=True)
class NumberBinding:
    number: str
    voice_enabled: bool


@dataclass(frozen=True)
class RouteSpec:
    """Everything the data plane needs of one route, beyond the routing engine's view."""

    route_id: str
    sip_id: int
    view: RouteView
    numbers: tuple[NumberBinding, ...]
    termination_subdomain: str | None
    refer_allowed: bool
    probing: bool


@dataclass(frozen=True)
class CompiledRoute:
    dispatcher: tuple[DispatcherRow, ...]
    addresses: tuple[AddressRow, ...]
    routing: tuple[RoutingRow, ...]


def dispatcher_sets(sip_id: int) -> tuple[int, int]:
    return 2 * sip_id, 2 * sip_id + 1


def address_group(sip_id: int) -> int:
    return ROUTE_GROUP_BASE + sip_id


def compile_route(spec: RouteSpec) -> CompiledRoute:
    set_a, set_b = dispatcher_sets(spec.sip_id)
    orders = _try_orders(spec.view)
    if len(orders) > 2:
        raise ValueError("the data plane carries at most two try orders (two trunks) per route")
    candidates = {c.index: c for c in candidates_of(spec.view)}
    flags = PROBING_FLAG if spec.probing else 0
    dispatcher = tuple(
        DispatcherRow(
            setid=setid,
            destination=candidates[index].address.sip_uri,
            flags=flags,
            priority=len(order) - position,  # dispatcher tries the higher priority first
            description=spec.route_id,
        )
        for setid, (order, _) in zip((set_a, set_b), orders, strict=False)
        for position, index in enumerate(order)
    )
    numerator, denominator = _first_set_odds(orders)
    flags_common = (
        f"r={spec.sip_id};t={_TYPE_CODES[spec.view.route_type]};e={int(spec.view.route_enabled)}"
    )
    routing: list[RoutingRow] = []
    for binding in spec.numbers:
        routing.append(
            RoutingRow(
                f"n:{binding.number}",
                f"{flags_common};v={int(binding.voice_enabled)};x={int(spec.refer_allowed)};"
                f"s={set_a};z={set_b};a={numerator};d={denominator};p={int(spec.probing)}",
            )
        )
        if spec.view.route_type is RouteKind.FORWARD and spec.view.forward_number:
            routing.append(RoutingRow(f"f:{binding.number}", spec.view.forward_number))
    group = address_group(spec.sip_id)
    if spec.termination_subdomain is not None:
        routing.append(
            RoutingRow(
                f"s:{spec.termination_subdomain}",
                f"r={spec.sip_id};e={int(spec.view.route_enabled)};"
                f"x={int(spec.refer_allowed)};g={group}",
            )
        )
    return CompiledRoute(
        dispatcher=dispatcher,
        addresses=tuple(_address_rows(spec.view.ip_whitelist, group, spec.route_id)),
        routing=tuple(routing),
    )


def _try_orders(view: RouteView) -> list[tuple[tuple[int, ...], Fraction]]:
    """Every possible try order of the usable trunks, most likely first."""
    if view.route_type is not RouteKind.TRUNK:
        return []
    candidates = candidates_of(view)
    if not candidates:
        return []
    odds = order_probabilities(candidates)
    return sorted(odds.items(), key=lambda item: (-item[1], item[0]))


def _first_set_odds(orders: list[tuple[tuple[int, ...], Fraction]]) -> tuple[int, int]:
    """``(a, d)``: set A is used when a uniform draw in ``[0, d)`` is below ``a``."""
    if not orders:
        return 0, 0
    first = orders[0][1]
    denominator = lcm(*(p.denominator for _, p in orders))
    return int(first * denominator), denominator


def _address_rows(whitelist: Iterable[str], group: int, route_id: str) -> list[AddressRow]:
    rows = []
    for entry in whitelist:
        network = ipaddress.ip_network(entry, strict=False)
        rows.append(
            AddressRow(
                grp=group,
                ip_addr=str(network.network_address),
                mask=network.prefixlen,
                tag=route_id,
            )
        )
    return rows
