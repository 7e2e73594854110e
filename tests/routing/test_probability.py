"""Exact try-order probabilities (Fractions) for the properties ROUTING.md lists."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise
from math import factorial

import pytest
from hypothesis import given

from tests.routing.builders import trunk, trunk_lists, trunk_route, weighted
from voiceroute.routing import (
    TrunkSpec,
    candidates_of,
    first_try_probabilities,
    order_probabilities,
    position_probabilities,
)


def first(*weights: int) -> dict[int, Fraction]:
    return first_try_probabilities(candidates_of(weighted(*weights)))


def test_equal_weights_split_first_picks_evenly() -> None:
    assert first(1, 1) == {1: Fraction(1, 2), 2: Fraction(1, 2)}


def test_three_to_one_gives_three_quarters_of_first_picks() -> None:
    assert first(3, 1) == {1: Fraction(3, 4), 2: Fraction(1, 4)}


def test_weight_zero_is_never_first_but_is_tried_second() -> None:
    positions = position_probabilities(candidates_of(weighted(0, 10)))
    assert positions == {1: (Fraction(0), Fraction(1)), 2: (Fraction(1), Fraction(0))}
    assert order_probabilities(candidates_of(weighted(0, 10))) == {(2, 1): Fraction(1)}


@pytest.mark.parametrize("size", [2, 3, 4])
def test_all_zero_weights_are_uniform(size: int) -> None:
    candidates = candidates_of(weighted(*[0] * size))
    assert set(first_try_probabilities(candidates).values()) == {Fraction(1, size)}
    orders = order_probabilities(candidates)
    assert len(orders) == factorial(size)
    assert set(orders.values()) == {Fraction(1, factorial(size))}


def test_three_trunk_orders_follow_draws_without_replacement() -> None:
    orders = order_probabilities(candidates_of(weighted(5, 3, 2)))
    assert orders[(1, 2, 3)] == Fraction(5, 10) * Fraction(3, 5)
    assert orders[(3, 2, 1)] == Fraction(2, 10) * Fraction(3, 8)


def test_no_trunks_have_no_orders() -> None:
    assert order_probabilities(()) == {}
    assert first_try_probabilities(()) == {}


@given(trunk_lists())
def test_orders_are_permutations_of_the_enabled_trunks_summing_to_one(
    trunks: tuple[TrunkSpec, ...],
) -> None:
    candidates = candidates_of(trunk_route(*trunks))
    orders = order_probabilities(candidates)
    enabled = sorted(spec.index for spec in trunks if spec.enabled)
    if enabled:
        assert sum(orders.values()) == 1
    for order, probability in orders.items():
        assert probability > 0
        assert sorted(order) == enabled


@given(trunk_lists())
def test_possible_orders_never_interleave_priorities_nor_lead_with_zero_weight(
    trunks: tuple[TrunkSpec, ...],
) -> None:
    by_index = {spec.index: spec for spec in trunks}
    for order in order_probabilities(candidates_of(trunk_route(*trunks))):
        specs = [by_index[index] for index in order]
        assert [s.priority for s in specs] == sorted(s.priority for s in specs)
        for earlier, later in pairwise(specs):
            if earlier.priority == later.priority:
                assert not (earlier.weight == 0 and later.weight > 0)


@given(trunk_lists())
def test_first_try_is_weight_share_of_the_lowest_priority_group(
    trunks: tuple[TrunkSpec, ...],
) -> None:
    candidates = candidates_of(trunk_route(*trunks))
    if not candidates:
        return
    lowest = min(c.priority for c in candidates)
    group = [c for c in candidates if c.priority == lowest]
    total = sum(c.weight for c in group)
    expected = {
        c.index: (
            Fraction(0)
            if c.priority != lowest
            else Fraction(c.weight, total)
            if total
            else Fraction(1, len(group))
        )
        for c in candidates
    }
    assert first_try_probabilities(candidates) == expected


def test_lower_priority_group_is_always_first() -> None:
    route = trunk_route(trunk(1, priority=5, weight=100), trunk(2, priority=0, weight=1))
    assert first_try_probabilities(candidates_of(route)) == {1: Fraction(0), 2: Fraction(1)}
