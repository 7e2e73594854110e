"""The order in which trunks are tried: priority groups, then an unbiased weighted draw.

This is ROUTING.md's corrected RFC 2782 algorithm, exactly::

    for each priority p, ascending (lower is tried first):
        pool = candidates with priority p
        while pool:
            positive = members of pool with weight > 0
            if positive: pick with probability weight / sum(weights of positive)
            else:        pick uniformly from pool
            emit pick; remove it from pool

The literal RFC 2782 draw (``0 <= r <= T``, weight-0 entries first) is not used: it gives the
first of two weight-1 entries 2/3 of first picks. The random source is injected so that
callers (and tests) decide whether the order is reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from typing import Protocol, TypeVar, runtime_checkable


class Ranked(Protocol):
    """Anything with ordering keys; ``Candidate`` is one."""

    @property
    def priority(self) -> int: ...

    @property
    def weight(self) -> int: ...


@runtime_checkable
class SupportsRandom(Protocol):
    """An object with ``random() -> float`` in [0, 1), such as ``random.Random``."""

    def random(self) -> float: ...


RandomSource = SupportsRandom | Callable[[], float]
"""A ``random.Random``-like object, or a callable returning floats in [0, 1)."""

RankedT = TypeVar("RankedT", bound=Ranked)


def uniform_of(source: RandomSource) -> Callable[[], float]:
    """The source as a plain callable returning floats in [0, 1)."""
    if isinstance(source, SupportsRandom):
        return source.random
    return source


def priority_groups(trunks: Iterable[RankedT]) -> list[list[RankedT]]:
    """The trunks grouped by priority, lowest first; each group keeps the input order."""
    ordered = sorted(trunks, key=lambda trunk: trunk.priority)
    return [list(group) for _, group in groupby(ordered, key=lambda trunk: trunk.priority)]


def order_trunks(trunks: Iterable[RankedT], source: RandomSource) -> tuple[RankedT, ...]:
    """One draw of the try order. Every given trunk appears exactly once."""
    uniform = uniform_of(source)
    order: list[RankedT] = []
    for group in priority_groups(trunks):
        pool = list(group)
        while pool:
            order.append(pool.pop(_pick_position(pool, uniform)))
    return tuple(order)


def _pick_position(pool: Sequence[Ranked], uniform: Callable[[], float]) -> int:
    total = sum(member.weight for member in pool)
    if total == 0:
        return _scaled_draw(uniform, len(pool))
    # Integer arithmetic after one scaling keeps the draw exact in the weights: ticket k in
    # [0, total) belongs to the member whose cumulative weight first exceeds k, so a member
    # holds exactly ``weight`` tickets and weight-0 members hold none.
    ticket = _scaled_draw(uniform, total)
    cumulative = 0
    for position, member in enumerate(pool):
        cumulative += member.weight
        if ticket < cumulative:
            return position
    raise AssertionError("unreachable: ticket < total")


def _scaled_draw(uniform: Callable[[], float], size: int) -> int:
    draw = uniform()
    if not 0.0 <= draw < 1.0:
        raise ValueError(f"the random source must return floats in [0, 1), got {draw!r}")
    # min() guards the rounding of draw * size up to size when draw is just below 1.
    return min(math.floor(draw * size), size - 1)
