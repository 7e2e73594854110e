"""Explain a call: the routing engine's decision for a number or route, with exact odds.

Read-only. The data plane follows the same engine, so what this answers is what calls get.
"""

from __future__ import annotations

import random
from fractions import Fraction

from voiceroute.db import Database
from voiceroute.errors import NotFound
from voiceroute.models import PhoneNumber, VoiceRoute
from voiceroute.routing import (
    NO_TERMINATION_URI,
    NUMBER_VOICE_DISABLED,
    Action,
    Direction,
    Explanation,
    Refusal,
    explain,
)
from voiceroute.schemas.explain import (
    CallDirection,
    CallExplanation,
    ExplainCall,
    ExplainedCandidate,
    ExplainedOrder,
    ExplainedWebhook,
)
from voiceroute.services.caller import Caller
from voiceroute.services.route_state import RouteState
from voiceroute.services.tenancy import get_owned
from voiceroute.services.trunk_health import down_trunks

_ACTIONS = {
    Action.REFUSE: "Refuse",
    Action.TRY_TRUNKS: "TryTrunks",
    Action.CALL_WEBHOOK: "CallWebhook",
    Action.FORWARD: "Forward",
    Action.SEND_TO_CARRIER: "SendToCarrier",
}
_DIRECTIONS = {
    CallDirection.INBOUND: Direction.ORIGINATION,
    CallDirection.TERMINATION: Direction.TERMINATION,
}


class ExplainService:
    def __init__(self, db: Database, widened_failover: bool = False) -> None:
        self._db = db
        self._widened_failover = widened_failover
        # Only the plan's sample order uses it; the answer's odds are exact.
        self._rng = random.Random()  # noqa: S311 - load sharing, not security

    def explain(self, caller: Caller, call: ExplainCall) -> CallExplanation:
        with self._db.read() as session:
            number = None
            route_id = call.call_route_id
            if call.phone_number is not None:
                number = get_owned(
                    session,
                    PhoneNumber,
                    caller,
                    call.phone_number,
                    what="Phone number",
                    by=PhoneNumber.number,
                )
                if number.voice_route_id is None:
                    raise NotFound(f"Phone number {number.number} does not point at a route.")
                route_id = number.voice_route_id
            assert route_id is not None  # ExplainCall names a number or a route
            row = get_owned(session, VoiceRoute, caller, route_id, what="Voice route")
            state = RouteState.of_row(row)
            health = down_trunks(session, state)

        refusal: Refusal | None = None
        if call.direction is CallDirection.INBOUND and number and not number.voice_enabled:
            refusal = NUMBER_VOICE_DISABLED
        elif (
            call.direction is CallDirection.TERMINATION
            and state.settings.termination_uri_subdomain is None
        ):
            refusal = NO_TERMINATION_URI
        explanation = explain(
            state.view(),
            direction=_DIRECTIONS[call.direction],
            rng=self._rng,
            source_ip=call.source_ip,
            trunk_health=health,
            widened_failover=self._widened_failover,
        )
        return _answer(row.id, state, call, explanation, refusal)


def _exact(probability: Fraction) -> str:
    return f"{probability.numerator}/{probability.denominator}"


def _answer(
    route_id: str,
    state: RouteState,
    call: ExplainCall,
    explanation: Explanation,
    refusal_before_routing: Refusal | None,
) -> CallExplanation:
    plan = explanation.plan
    refusal = refusal_before_routing or plan.refusal
    accepted = refusal is None
    candidates = sorted(
        plan.trunks, key=lambda c: (c.priority, -explanation.first_try[c.index], c.index)
    )
    return CallExplanation.model_validate(
        {
            "call_route_id": route_id,
            "route_name": state.settings.route_name,
            "route_type": state.settings.route_type,
            "phone_number": call.phone_number,
            "direction": call.direction,
            "decision": "Accept" if accepted else "Refuse",
            "sip_code": None if refusal is None else refusal.sip_code,
            "reason": _reason(plan.action) if refusal is None else refusal.reason,
            "action": _ACTIONS[plan.action] if accepted else "Refuse",
            "candidates": [
                ExplainedCandidate.model_validate(
                    {
                        "trunk": c.index,
                        "uri": c.address.sip_uri,
                        "priority": c.priority,
                        "weight": c.weight,
                        "first_try_probability": float(explanation.first_try[c.index]),
                        "first_try_probability_exact": _exact(explanation.first_try[c.index]),
                    },
                    by_name=True,
                )
                for c in (candidates if accepted else [])
            ],
            "try_orders": [
                ExplainedOrder.model_validate(
                    {
                        "order": list(order),
                        "probability": float(p),
                        "probability_exact": _exact(p),
                    },
                    by_name=True,
                )
                for order, p in sorted(
                    explanation.orders.items(), key=lambda item: (-item[1], item[0])
                )
                if accepted
            ],
            "skipped_down_trunks": list(plan.skipped_down),
            "failover_codes": sorted(plan.failover_codes),
            "webhook": None
            if plan.webhook is None or not accepted
            else ExplainedWebhook.model_validate(
                {
                    "url": plan.webhook.url,
                    "method": plan.webhook.method,
                    "authentication_type": plan.webhook.auth_type,
                },
                by_name=True,
            ),
            "forward_to": plan.forward_to if accepted else None,
        },
        by_name=True,
    )


def _reason(action: Action) -> str:
    return {
        Action.TRY_TRUNKS: "Trunk route: the trunks below are tried in order, failing over "
        "on the codes listed",
        Action.CALL_WEBHOOK: "URL route: the webhook below is asked what to do",
        Action.FORWARD: "Forward route: the call is sent on through the upstream carrier",
        Action.SEND_TO_CARRIER: "Termination from a whitelisted source: the call goes out "
        "through the upstream carrier",
    }.get(action, "")
