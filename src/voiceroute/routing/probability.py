"""Exact probabilities of the try order, as ``Fraction``s, for explaining and for testing.

Within a priority group every permutation is enumerated and given the probability that
``ordering.order_trunks`` emits it; groups are independent, so a full order's probability is
the product over groups. Enumeration costs n! per group of n trunks: trivial for the two trunk
slots a route has today, still fine up to about 8 per group.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from itertools import permutations, product
from typing import Protocol

from voiceroute.routing.ordering import Ranked, priority_groups


class IndexedRanked(Ranked, Protocol):
    @property
    def index(self) -> int: ...


def sequence_probability(sequence: Sequence[Ranked]) -> Fraction:
    """The probability that one priority group is drawn in exactly this order."""
    probability = Fraction(1)
    pool = list(sequence)
    for pick in sequence:
        total = sum(member.weight for member in pool)
        if total == 0:
            probability *= Fraction(1, len(pool))
        else:
            probability *= Fraction(pick.weight, total)
        if probability == 0:
            return probability
        pool.remove(pick)
    return probability


def order_probabilities(trunks: Iterable[IndexedRanked]) -> dict[tuple[int, ...], Fraction]:
    """Every possible try order (as trunk indexes) with its exact probability; they sum to 1.

    Orders that cannot happen (a weight-0 trunk before a positive one) are left out; no trunks
    give no orders.
    """
    per_group: list[list[tuple[tuple[int, ...], Fraction]]] = []
    for group in priority_groups(trunks):
        outcomes = [
            (tuple(member.index for member in order), sequence_probability(order))
            for order in permutations(group)
        ]
        per_group.append([outcome for outcome in outcomes if outcome[1] > 0])
    if not per_group:
        return {}
    result: dict[tuple[int, ...], Fraction] = {}
    for combination in product(*per_group):
        order = tuple(index for indexes, _ in combination for index in indexes)
        probability = Fraction(1)
        for _, group_probability in combination:
            probability *= group_probability
        result[order] = probability
    return result


def first_try_probabilities(trunks: Iterable[IndexedRanked]) -> dict[int, Fraction]:
    """For each trunk index, the exact probability that it is tried first (0 included)."""
    listed = list(trunks)
    first: dict[int, Fraction] = {trunk.index: Fraction(0) for trunk in listed}
    for order, probability in order_probabilities(listed).items():
        first[order[0]] += probability
    return first


def position_probabilities(trunks: Iterable[IndexedRanked]) -> dict[int, tuple[Fraction, ...]]:
    """For each trunk index, the exact probability of being tried 1st, 2nd, ... nth."""
    listed = list(trunks)
    positions = {trunk.index: [Fraction(0)] * len(listed) for trunk in listed}
    for order, probability in order_probabilities(listed).items():
        for position, index in enumerate(order):
            positions[index][position] += probability
    return {index: tuple(row) for index, row in positions.items()}
