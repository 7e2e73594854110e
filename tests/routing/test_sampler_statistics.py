"""The sampler's frequencies agree with the exact probabilities, within derived tolerances.

How the tolerances are derived. With N independent draws, the count of an event of exact
probability p is Binomial(N, p), so its observed frequency has standard deviation
sqrt(p (1 - p) / N).

* Fixed cases use the normal approximation, valid when N p (1 - p) is large (asserted to be
  at least 10 below): a correct sampler lands outside p +- z sqrt(p (1 - p) / N) with
  probability FALSE_ALARM_RATE when z is the (1 - FALSE_ALARM_RATE / 2) normal quantile
  (z = 4.8916 for 1e-6). A test making k such checks fails by bad luck with probability at
  most k * 1e-6 (union bound).
* Generated cases may have p close to 0 or 1, where the normal approximation fails, so they
  use Hoeffding's inequality, which holds for every p:
  P(|frequency - p| >= t) <= 2 exp(-2 N t^2), hence t = sqrt(ln(2 / FALSE_ALARM_RATE) / (2N)).
* Probability 0 and 1 need no tolerance: such counts must be exact.

Seeds are fixed (and hypothesis is derandomised) so every run is the same run; the bounds say
that any other seed would pass too, except with the stated tiny probability, so a failure
means a biased sampler rather than an unlucky seed.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from fractions import Fraction
from statistics import NormalDist

import pytest
from hypothesis import assume, given, settings

from tests.routing.builders import seeds, trunk_lists, trunk_route, weighted
from voiceroute.routing import (
    Candidate,
    RouteView,
    TrunkSpec,
    candidates_of,
    first_try_probabilities,
    order_probabilities,
    order_trunks,
)

FALSE_ALARM_RATE = 1e-6
Z = NormalDist().inv_cdf(1 - FALSE_ALARM_RATE / 2)
DRAWS = 20_000
SEED = 20_240_601


def normal_tolerance(p: Fraction, draws: int) -> float:
    assert draws * p * (1 - p) >= 10, "normal approximation not valid for so few draws"
    return Z * math.sqrt(float(p * (1 - p)) / draws)


def hoeffding_tolerance(draws: int) -> float:
    return math.sqrt(math.log(2 / FALSE_ALARM_RATE) / (2 * draws))


def sampled_orders(
    candidates: tuple[Candidate, ...], draws: int, seed: int
) -> Counter[tuple[int, ...]]:
    source = random.Random(seed)
    return Counter(tuple(c.index for c in order_trunks(candidates, source)) for _ in range(draws))


def assert_frequencies_match(
    observed: Counter[tuple[int, ...]], exact: dict[tuple[int, ...], Fraction]
) -> None:
    draws = sum(observed.values())
    assert set(observed) <= set(exact), "the sampler produced an impossible order"
    for order, p in exact.items():
        frequency = observed[order] / draws
        if p in (0, 1):
            assert frequency == p
        else:
            assert abs(frequency - float(p)) <= normal_tolerance(p, draws), (order, frequency, p)


def test_z_is_the_quantile_for_the_stated_false_alarm_rate() -> None:
    assert abs(Z - 4.8916) < 1e-4


@pytest.mark.parametrize(
    "route",
    [weighted(1, 1), weighted(3, 1), weighted(5, 3, 2), weighted(0, 0, 0), weighted(2, 0, 1)],
    ids=["1-1", "3-1", "5-3-2", "all-zero", "2-0-1"],
)
def test_full_order_frequencies_match_exact_probabilities(route: RouteView) -> None:
    candidates = candidates_of(route)
    exact = order_probabilities(candidates)
    assert_frequencies_match(sampled_orders(candidates, DRAWS, SEED), exact)


@pytest.mark.parametrize(
    ("route", "expected_first"),
    [
        (weighted(1, 1), {1: Fraction(1, 2), 2: Fraction(1, 2)}),
        (weighted(3, 1), {1: Fraction(3, 4), 2: Fraction(1, 4)}),
    ],
    ids=["1-1 is 50/50", "3-1 is 75/25"],
)
def test_first_pick_frequencies(route: RouteView, expected_first: dict[int, Fraction]) -> None:
    candidates = candidates_of(route)
    firsts = Counter(order[0] for order in sampled_orders(candidates, DRAWS, SEED).elements())
    for index, p in expected_first.items():
        assert abs(firsts[index] / DRAWS - float(p)) <= normal_tolerance(p, DRAWS)


def test_weight_zero_is_never_sampled_first_and_always_second() -> None:
    observed = sampled_orders(candidates_of(weighted(0, 10)), DRAWS, SEED)
    assert observed == Counter({(2, 1): DRAWS})


GENERATED_DRAWS = 3_000


@settings(derandomize=True, max_examples=40, deadline=None)
@given(trunk_lists(min_size=2, max_size=4), seeds)
def test_first_pick_frequencies_of_generated_routes(
    trunks: tuple[TrunkSpec, ...], seed: int
) -> None:
    candidates = candidates_of(trunk_route(*trunks))
    assume(candidates)
    exact = first_try_probabilities(candidates)
    observed = sampled_orders(candidates, GENERATED_DRAWS, seed)
    firsts = Counter(order[0] for order in observed.elements())
    for index, p in exact.items():
        frequency = firsts[index] / GENERATED_DRAWS
        if p in (0, 1):
            assert frequency == p
        else:
            assert abs(frequency - float(p)) <= hoeffding_tolerance(GENERATED_DRAWS)
