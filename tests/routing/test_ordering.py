"""Properties of one draw of the try order, for any route and any seed (ROUTING.md)."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from hypothesis import given

from tests.routing.builders import seeds, trunk, trunk_lists, trunk_route, weighted
from voiceroute.routing import TrunkSpec, candidates_of, order_trunks


def drawn_order(trunks: tuple[TrunkSpec, ...], seed: int) -> list[int]:
    candidates = candidates_of(trunk_route(*trunks))
    return [candidate.index for candidate in order_trunks(candidates, random.Random(seed))]


def spec_of(trunks: tuple[TrunkSpec, ...], index: int) -> TrunkSpec:
    return next(spec for spec in trunks if spec.index == index)


@given(trunk_lists(), seeds)
def test_every_enabled_trunk_appears_exactly_once(trunks: tuple[TrunkSpec, ...], seed: int) -> None:
    order = drawn_order(trunks, seed)
    assert sorted(order) == sorted(spec.index for spec in trunks if spec.enabled)


@given(trunk_lists(), seeds)
def test_a_disabled_trunk_never_appears(trunks: tuple[TrunkSpec, ...], seed: int) -> None:
    disabled = {spec.index for spec in trunks if not spec.enabled}
    assert disabled.isdisjoint(drawn_order(trunks, seed))


@given(trunk_lists(), seeds)
def test_priorities_never_interleave(trunks: tuple[TrunkSpec, ...], seed: int) -> None:
    priorities = [spec_of(trunks, index).priority for index in drawn_order(trunks, seed)]
    assert priorities == sorted(priorities)


@given(trunk_lists(), seeds)
def test_weight_zero_never_precedes_a_positive_weight_in_its_priority(
    trunks: tuple[TrunkSpec, ...], seed: int
) -> None:
    order = [spec_of(trunks, index) for index in drawn_order(trunks, seed)]
    for earlier, later in pairwise(order):
        if earlier.priority == later.priority:
            assert not (earlier.weight == 0 and later.weight > 0)


@given(trunk_lists(), seeds)
def test_same_seed_same_order(trunks: tuple[TrunkSpec, ...], seed: int) -> None:
    assert drawn_order(trunks, seed) == drawn_order(trunks, seed)


def test_a_plain_callable_is_a_random_source() -> None:
    candidates = candidates_of(weighted(1, 1))
    assert [c.index for c in order_trunks(candidates, lambda: 0.0)] == [1, 2]
    assert [c.index for c in order_trunks(candidates, lambda: 0.75)] == [2, 1]


@pytest.mark.parametrize("extreme", [0.0, 1.0 - 2**-53])
def test_extreme_draws_never_pick_a_weight_zero_trunk_first(extreme: float) -> None:
    candidates = candidates_of(weighted(0, 3, 0, 1, 0))
    first = order_trunks(candidates, lambda: extreme)[0]
    assert first.weight > 0


@pytest.mark.parametrize("bad", [1.0, -0.1, 2.5])
def test_a_random_source_outside_unit_interval_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        order_trunks(candidates_of(weighted(1, 1)), lambda: bad)


def test_lower_priority_is_tried_first_whatever_the_weights() -> None:
    route = trunk_route(trunk(1, priority=2, weight=65_535), trunk(2, priority=1, weight=0))
    for seed in range(50):
        assert [c.index for c in order_trunks(candidates_of(route), random.Random(seed))] == [2, 1]
