"""The plan for one call on one route: refuse it, or where to send it and how to fail over.

``plan`` is the one place that turns a route, a direction and (for termination) a source
address into a decision. Origination follows the route's type; termination checks the source
against ``IpWhitelist`` first (so an unlisted source learns nothing about the route), then
``RouteEnabled``, and sends accepted calls out through the upstream carrier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from voiceroute.routing.candidates import Candidate, candidates_of, skip_down_trunks
from voiceroute.routing.failover import failover_codes
from voiceroute.routing.ordering import RandomSource, order_trunks
from voiceroute.routing.refusals import (
    NO_FORWARD_TARGET,
    NO_USABLE_TRUNK,
    NO_VOICE_URL,
    ROUTE_DISABLED,
    SOURCE_NOT_WHITELISTED,
    Refusal,
)
from voiceroute.routing.route import RouteKind, RouteView
from voiceroute.routing.whitelist import source_allowed


class Direction(StrEnum):
    ORIGINATION = "origination"
    """A call from the upstream carrier to one of our numbers."""
    TERMINATION = "termination"
    """A call from the customer's PBX out through the upstream carrier."""


class Action(StrEnum):
    REFUSE = "refuse"
    TRY_TRUNKS = "try_trunks"
    CALL_WEBHOOK = "call_webhook"
    FORWARD = "forward"
    SEND_TO_CARRIER = "send_to_carrier"


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """How a URL route's webhook is called. The secret is never part of a plan."""

    url: str
    method: str
    auth_type: str


@dataclass(frozen=True, slots=True)
class CallPlan:
    """What happens to the call. Fields not used by ``action`` stay empty."""

    direction: Direction
    action: Action
    refusal: Refusal | None = None
    trunks: tuple[Candidate, ...] = ()
    """Try order, for ``TRY_TRUNKS``."""
    skipped_down: tuple[int, ...] = ()
    """Indexes of candidates left out because probing reports them down."""
    failover_codes: frozenset[int] = frozenset()
    """Received final codes that move to the next trunk (transport failure and a timeout with
    no reply always do; see ``failover``)."""
    webhook: WebhookRequest | None = None
    forward_to: str | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def plan(
    route: RouteView,
    *,
    direction: Direction,
    rng: RandomSource,
    source_ip: str | None = None,
    trunk_health: Mapping[int, bool] | None = None,
    widened_failover: bool = False,
) -> CallPlan:
    """Decide one call. ``source_ip`` is required for termination and ignored otherwise.

    ``rng`` draws the trunk order; ``trunk_health`` maps trunk index to up (``True``) or down.
    """
    if direction is Direction.TERMINATION:
        return _plan_termination(route, source_ip)
    if not route.route_enabled:
        return _refuse(direction, ROUTE_DISABLED)
    if route.route_type is RouteKind.TRUNK:
        return _plan_trunks(route, rng, trunk_health, widened_failover)
    if route.route_type is RouteKind.URL:
        if not route.voice_url:
            return _refuse(direction, NO_VOICE_URL)
        webhook = WebhookRequest(
            url=route.voice_url,
            method=route.voice_url_method,
            auth_type=route.voice_authentication_type,
        )
        return CallPlan(direction, Action.CALL_WEBHOOK, webhook=webhook)
    if not route.forward_number:
        return _refuse(direction, NO_FORWARD_TARGET)
    return CallPlan(direction, Action.FORWARD, forward_to=route.forward_number)


def _plan_termination(route: RouteView, source_ip: str | None) -> CallPlan:
    if source_ip is None:
        raise ValueError("a termination plan needs the call's source_ip")
    if not source_allowed(source_ip, route.ip_whitelist):
        return _refuse(Direction.TERMINATION, SOURCE_NOT_WHITELISTED)
    if not route.route_enabled:
        return _refuse(Direction.TERMINATION, ROUTE_DISABLED)
    return CallPlan(Direction.TERMINATION, Action.SEND_TO_CARRIER)


def _plan_trunks(
    route: RouteView,
    rng: RandomSource,
    trunk_health: Mapping[int, bool] | None,
    widened_failover: bool,
) -> CallPlan:
    usable = skip_down_trunks(candidates_of(route), trunk_health)
    if not usable.kept:
        return _refuse(Direction.ORIGINATION, NO_USABLE_TRUNK)
    return CallPlan(
        Direction.ORIGINATION,
        Action.TRY_TRUNKS,
        trunks=order_trunks(usable.kept, rng),
        skipped_down=usable.skipped_down,
        failover_codes=failover_codes(widened_failover),
    )


def _refuse(direction: Direction, refusal: Refusal) -> CallPlan:
    return CallPlan(direction, Action.REFUSE, refusal=refusal)
