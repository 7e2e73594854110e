from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import given

from tests.routing.builders import seeds, trunk, trunk_lists, trunk_route, weighted
from voiceroute.routing import (
    Direction,
    RouteKind,
    RouteView,
    TrunkSpec,
    explain,
    first_try_probabilities,
    plan,
)


def test_two_equal_trunks_explain_as_fifty_fifty() -> None:
    explanation = explain(weighted(1, 1), direction=Direction.ORIGINATION, rng=random.Random(3))
    assert explanation.first_try == {1: Fraction(1, 2), 2: Fraction(1, 2)}
    assert explanation.orders == {(1, 2): Fraction(1, 2), (2, 1): Fraction(1, 2)}


def test_probabilities_follow_health_skipping() -> None:
    explanation = explain(
        weighted(3, 1),
        direction=Direction.ORIGINATION,
        rng=random.Random(3),
        trunk_health={1: False},
    )
    assert explanation.first_try == {2: Fraction(1)}
    assert explanation.plan.skipped_down == (1,)


def test_non_trunk_plans_have_no_odds() -> None:
    route = RouteView(route_type=RouteKind.FORWARD, forward_number="+14155550100")
    explanation = explain(route, direction=Direction.ORIGINATION, rng=random.Random(3))
    assert explanation.first_try == {}
    assert explanation.orders == {}
    refused = explain(
        trunk_route(trunk(1)),
        direction=Direction.TERMINATION,
        rng=random.Random(3),
        source_ip="::1",
    )
    assert not refused.plan.accepted
    assert refused.orders == {}


@given(trunk_lists(), seeds)
def test_explained_plan_is_the_plan_and_its_order_is_possible(
    trunks: tuple[TrunkSpec, ...], seed: int
) -> None:
    route = trunk_route(*trunks)
    explanation = explain(route, direction=Direction.ORIGINATION, rng=random.Random(seed))
    assert explanation.plan == plan(route, direction=Direction.ORIGINATION, rng=random.Random(seed))
    if explanation.plan.trunks:
        drawn = tuple(candidate.index for candidate in explanation.plan.trunks)
        assert explanation.orders[drawn] > 0
        assert explanation.first_try == first_try_probabilities(explanation.plan.trunks)
        assert sum(explanation.first_try.values()) == 1
