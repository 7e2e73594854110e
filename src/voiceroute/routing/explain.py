"""What will happen to a call, with the odds: a plan plus exact try-order probabilities.

The plan's trunk order is one draw; the probabilities are the honest answer to "which trunk
will this call try first", computed over the same candidates the plan used (after health
skipping), so an API can show both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from voiceroute.routing.ordering import RandomSource
from voiceroute.routing.plan import CallPlan, Direction, plan
from voiceroute.routing.probability import first_try_probabilities, order_probabilities
from voiceroute.routing.route import RouteView


@dataclass(frozen=True, slots=True)
class Explanation:
    """A plan with, for trunk plans, the exact odds; both maps are empty for other plans."""

    plan: CallPlan
    first_try: Mapping[int, Fraction] = field(default_factory=dict)
    """Trunk index -> probability of being tried first."""
    orders: Mapping[tuple[int, ...], Fraction] = field(default_factory=dict)
    """Full try order (trunk indexes) -> probability; only possible orders are listed."""


def explain(
    route: RouteView,
    *,
    direction: Direction,
    rng: RandomSource,
    source_ip: str | None = None,
    trunk_health: Mapping[int, bool] | None = None,
    widened_failover: bool = False,
) -> Explanation:
    """``plan`` with the same arguments, plus the exact probabilities behind its trunk order."""
    call_plan = plan(
        route,
        direction=direction,
        rng=rng,
        source_ip=source_ip,
        trunk_health=trunk_health,
        widened_failover=widened_failover,
    )
    if not call_plan.trunks:
        return Explanation(call_plan)
    return Explanation(
        call_plan,
        first_try=first_try_probabilities(call_plan.trunks),
        orders=order_probabilities(call_plan.trunks),
    )
