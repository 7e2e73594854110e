from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given

from tests.routing.builders import seeds, trunk, trunk_lists, trunk_route, weighted
from voiceroute.routing import (
    NO_FORWARD_TARGET,
    NO_USABLE_TRUNK,
    NO_VOICE_URL,
    ROUTE_DISABLED,
    SOURCE_NOT_WHITELISTED,
    Action,
    CallPlan,
    Direction,
    RouteKind,
    RouteView,
    TrunkSpec,
    WebhookRequest,
    candidates_of,
    order_trunks,
    plan,
)

ORIGINATION = Direction.ORIGINATION
TERMINATION = Direction.TERMINATION


def originate(
    route: RouteView,
    seed: int = 7,
    *,
    trunk_health: dict[int, bool] | None = None,
    widened_failover: bool = False,
) -> CallPlan:
    return plan(
        route,
        direction=ORIGINATION,
        rng=random.Random(seed),
        trunk_health=trunk_health,
        widened_failover=widened_failover,
    )


def terminate(route: RouteView, source_ip: str) -> CallPlan:
    return plan(route, direction=TERMINATION, rng=random.Random(0), source_ip=source_ip)


def indexes(call_plan: CallPlan) -> list[int]:
    return [candidate.index for candidate in call_plan.trunks]


@pytest.mark.parametrize("kind", list(RouteKind))
def test_a_disabled_route_refuses_origination_with_403(kind: RouteKind) -> None:
    route = RouteView(
        route_type=kind,
        route_enabled=False,
        trunks=(trunk(1),),
        voice_url="https://hooks.example.com/voice",
        forward_number="+14155550100",
    )
    call_plan = originate(route)
    assert call_plan.action is Action.REFUSE
    assert call_plan.refusal == ROUTE_DISABLED
    assert ROUTE_DISABLED.sip_code == 403
    assert not call_plan.accepted


def test_trunk_route_tries_its_trunks_with_default_failover() -> None:
    call_plan = originate(trunk_route(trunk(1, priority=1), trunk(2, priority=2)))
    assert call_plan.accepted
    assert call_plan.action is Action.TRY_TRUNKS
    assert indexes(call_plan) == [1, 2]
    assert call_plan.failover_codes == {503}


def test_widened_failover_is_carried_into_the_plan() -> None:
    call_plan = originate(weighted(1, 1), widened_failover=True)
    assert call_plan.failover_codes == {503, 408, 480, 500, 502, 504}


@given(trunk_lists(), seeds)
def test_plan_order_is_the_ordering_draw_for_the_same_seed(
    trunks: tuple[TrunkSpec, ...], seed: int
) -> None:
    route = trunk_route(*trunks)
    call_plan = originate(route, seed)
    expected = order_trunks(candidates_of(route), random.Random(seed))
    if expected:
        assert call_plan.trunks == expected
    else:
        assert call_plan.refusal == NO_USABLE_TRUNK


def test_trunk_route_without_a_usable_trunk_refuses() -> None:
    route = trunk_route(trunk(1, enabled=False), TrunkSpec(index=2))
    assert originate(route).refusal == NO_USABLE_TRUNK


def test_url_route_calls_the_webhook_without_the_secret() -> None:
    route = RouteView(
        route_type=RouteKind.URL,
        voice_url="https://hooks.example.com/voice",
        voice_url_method="GET",
        voice_authentication_type="Bearer",
    )
    call_plan = originate(route)
    assert call_plan.action is Action.CALL_WEBHOOK
    assert call_plan.webhook == WebhookRequest("https://hooks.example.com/voice", "GET", "Bearer")
    assert call_plan.trunks == ()
    assert call_plan.failover_codes == frozenset()


def test_url_route_without_url_refuses() -> None:
    assert originate(RouteView(route_type=RouteKind.URL)).refusal == NO_VOICE_URL


def test_forward_route_forwards_to_its_number() -> None:
    route = RouteView(route_type=RouteKind.FORWARD, forward_number="sip:alice@pbx.example.com")
    call_plan = originate(route)
    assert call_plan.action is Action.FORWARD
    assert call_plan.forward_to == "sip:alice@pbx.example.com"


def test_forward_route_without_target_refuses() -> None:
    assert originate(RouteView(route_type=RouteKind.FORWARD)).refusal == NO_FORWARD_TARGET


def test_wire_strings_are_accepted_for_the_route_type() -> None:
    forward: Any = "Forward"
    unknown: Any = "Sip"
    assert RouteView(route_type=forward).route_type is RouteKind.FORWARD
    with pytest.raises(ValueError, match="Sip"):
        RouteView(route_type=unknown)


WHITELISTED = RouteView(
    route_type=RouteKind.URL, voice_url="https://x.example", ip_whitelist=("203.0.113.0/24",)
)


def test_termination_from_a_listed_source_goes_to_the_carrier() -> None:
    call_plan = terminate(WHITELISTED, "203.0.113.9")
    assert call_plan.action is Action.SEND_TO_CARRIER
    assert call_plan.direction is TERMINATION
    assert call_plan.accepted


def test_termination_from_an_unlisted_source_is_refused_with_403() -> None:
    call_plan = terminate(WHITELISTED, "198.51.100.9")
    assert call_plan.refusal == SOURCE_NOT_WHITELISTED
    assert SOURCE_NOT_WHITELISTED.sip_code == 403


def test_termination_checks_the_whitelist_before_route_enabled() -> None:
    disabled = RouteView(
        route_type=RouteKind.TRUNK, route_enabled=False, ip_whitelist=("203.0.113.0/24",)
    )
    assert terminate(disabled, "198.51.100.9").refusal == SOURCE_NOT_WHITELISTED
    assert terminate(disabled, "203.0.113.9").refusal == ROUTE_DISABLED


def test_termination_with_an_empty_whitelist_is_refused() -> None:
    route = RouteView(route_type=RouteKind.TRUNK, trunks=(trunk(1),))
    assert terminate(route, "203.0.113.9").refusal == SOURCE_NOT_WHITELISTED


def test_termination_needs_a_source_address() -> None:
    with pytest.raises(ValueError, match="source_ip"):
        plan(WHITELISTED, direction=TERMINATION, rng=random.Random(0))


def test_a_down_trunk_is_skipped_while_another_is_up() -> None:
    route = trunk_route(trunk(1, priority=1), trunk(2, priority=2), trunk(3, priority=3))
    call_plan = originate(route, trunk_health={1: False, 2: True})
    assert indexes(call_plan) == [2, 3]
    assert call_plan.skipped_down == (1,)


def test_trunks_missing_from_health_count_as_up() -> None:
    route = trunk_route(trunk(1, priority=1), trunk(2, priority=2))
    assert indexes(originate(route, trunk_health={1: False})) == [2]


@given(seeds)
def test_when_every_trunk_is_down_all_are_kept_in_their_usual_order(seed: int) -> None:
    route = weighted(1, 3, 0)
    all_down = originate(route, seed, trunk_health={1: False, 2: False, 3: False})
    assert all_down.trunks == originate(route, seed).trunks
    assert all_down.skipped_down == ()


def test_health_of_a_disabled_trunk_does_not_matter() -> None:
    route = trunk_route(trunk(1, enabled=False), trunk(2))
    call_plan = originate(route, trunk_health={1: True, 2: False})
    assert indexes(call_plan) == [2]
