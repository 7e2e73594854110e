"""The pure routing engine: which trunk, webhook or number a call goes to, and with what odds.

No I/O, and nothing else of voiceroute is imported: callers build a ``RouteView`` from
whatever they hold. Modules, one concept each:

- ``route``: the input values (``RouteView``, ``TrunkSpec``, ``RouteKind``, ``Transport``)
- ``addresses``: a trunk's host, port and transport
- ``candidates``: which trunks may be tried (enabled, addressed, not down)
- ``ordering``: the unbiased priority/weight draw of the try order
- ``probability``: the exact odds of every try order, as ``Fraction``s
- ``failover``: which outcomes move on to the next trunk
- ``whitelist``: whether a termination source address is let through
- ``refusals``: every refusal, with its SIP code and reason
- ``plan``: the decision for one call; ``explain``: the plan with its odds
"""

from voiceroute.routing.addresses import DEFAULT_PORTS, TrunkAddress, resolve_address
from voiceroute.routing.candidates import Candidate, candidates_of, skip_down_trunks
from voiceroute.routing.explain import Explanation, explain
from voiceroute.routing.failover import (
    DEFAULT_FAILOVER_CODES,
    KAMAILIO_SEND_FAILURE,
    KAMAILIO_UNRESOLVABLE,
    LOCAL_TIMEOUT_CODE,
    WIDENED_FAILOVER_CODES,
    failover_codes,
    should_fail_over,
)
from voiceroute.routing.ordering import RandomSource, SupportsRandom, order_trunks
from voiceroute.routing.plan import Action, CallPlan, Direction, WebhookRequest, plan
from voiceroute.routing.probability import (
    first_try_probabilities,
    order_probabilities,
    position_probabilities,
)
from voiceroute.routing.refusals import (
    NO_FORWARD_TARGET,
    NO_TERMINATION_URI,
    NO_USABLE_TRUNK,
    NO_VOICE_URL,
    NUMBER_VOICE_DISABLED,
    ROUTE_DISABLED,
    SOURCE_NOT_WHITELISTED,
    Refusal,
)
from voiceroute.routing.route import RouteKind, RouteView, Transport, TrunkSpec
from voiceroute.routing.whitelist import source_allowed

__all__ = [
    "DEFAULT_FAILOVER_CODES",
    "DEFAULT_PORTS",
    "KAMAILIO_SEND_FAILURE",
    "KAMAILIO_UNRESOLVABLE",
    "LOCAL_TIMEOUT_CODE",
    "NO_FORWARD_TARGET",
    "NO_TERMINATION_URI",
    "NO_USABLE_TRUNK",
    "NO_VOICE_URL",
    "NUMBER_VOICE_DISABLED",
    "ROUTE_DISABLED",
    "SOURCE_NOT_WHITELISTED",
    "WIDENED_FAILOVER_CODES",
    "Action",
    "CallPlan",
    "Candidate",
    "Direction",
    "Explanation",
    "RandomSource",
    "Refusal",
    "RouteKind",
    "RouteView",
    "SupportsRandom",
    "Transport",
    "TrunkAddress",
    "TrunkSpec",
    "WebhookRequest",
    "candidates_of",
    "explain",
    "failover_codes",
    "first_try_probabilities",
    "order_probabilities",
    "order_trunks",
    "plan",
    "position_probabilities",
    "resolve_address",
    "should_fail_over",
    "skip_down_trunks",
    "source_allowed",
]
