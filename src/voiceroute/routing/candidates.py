"""The trunks that may carry a call: enabled, with an address, and (when known) not down.

A disabled trunk or one without an address is never a candidate. Health comes from probing
and may be stale, so it only ever narrows the set: a trunk reported down is skipped while at
least one other candidate is not, and when every candidate is down all are kept, because
trying a trunk that might have recovered beats refusing the call outright.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voiceroute.routing.addresses import TrunkAddress, resolve_address
from voiceroute.routing.route import RouteView


@dataclass(frozen=True, slots=True)
class Candidate:
    """A trunk that can be tried: its slot number, ordering keys and resolved address."""

    index: int
    priority: int
    weight: int
    address: TrunkAddress


def candidates_of(route: RouteView) -> tuple[Candidate, ...]:
    """The route's enabled trunks that have an address, in slot order."""
    found: list[Candidate] = []
    for trunk in sorted(route.trunks, key=lambda spec: spec.index):
        if not trunk.enabled:
            continue
        address = resolve_address(trunk)
        if address is not None:
            found.append(Candidate(trunk.index, trunk.priority, trunk.weight, address))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class HealthFiltered:
    kept: tuple[Candidate, ...]
    skipped_down: tuple[int, ...]


def skip_down_trunks(
    candidates: tuple[Candidate, ...], trunk_health: Mapping[int, bool] | None
) -> HealthFiltered:
    """Drop candidates marked down (``False``) unless that would drop them all.

    ``trunk_health`` maps a trunk index to ``True`` (up) or ``False`` (down); an index it does
    not mention counts as up, since no probe result is not a failure.
    """
    if not trunk_health:
        return HealthFiltered(kept=candidates, skipped_down=())
    up = tuple(c for c in candidates if trunk_health.get(c.index, True))
    if not up:
        return HealthFiltered(kept=candidates, skipped_down=())
    down = tuple(c.index for c in candidates if not trunk_health.get(c.index, True))
    return HealthFiltered(kept=up, skipped_down=down)
