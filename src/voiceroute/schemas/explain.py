"""``POST /v1.0/voice/routes/explain`` (extension): what the platform would do with a call."""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from voiceroute.errors import ValidationFailed
from voiceroute.schemas.base import IDENTIFIER_PATTERN, WireModel, wire
from voiceroute.schemas.fields import E164Number, IpAddress


class CallDirection(StrEnum):
    INBOUND = "Inbound"
    TERMINATION = "Termination"


class ExplainCall(WireModel):
    phone_number: E164Number | None = wire(
        "PhoneNumber", description="The called number; its VoiceRouteId names the route."
    )
    call_route_id: str | None = wire(
        "CallRouteId", min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN
    )
    source_ip: IpAddress | None = wire(
        "SourceIp", description="Where the call comes from; required for Termination."
    )
    direction: CallDirection = wire("Direction", CallDirection.INBOUND)

    @model_validator(mode="after")
    def _names_one_route(self) -> ExplainCall:
        if (self.phone_number is None) == (self.call_route_id is None):
            raise ValidationFailed.single("$.PhoneNumber", "give PhoneNumber or CallRouteId")
        if self.direction is CallDirection.TERMINATION and self.source_ip is None:
            raise ValidationFailed.single(
                "$.SourceIp", "a Termination call needs the SourceIp it would come from"
            )
        return self


class ExplainedCandidate(WireModel):
    trunk: int = wire("Trunk", ..., description="1 or 2: which TrunkXxxN settings.")
    uri: str = wire("Uri", ..., description="Where the SIP request is sent.")
    priority: int = wire("Priority", ...)
    weight: int = wire("Weight", ...)
    first_try_probability: float = wire("FirstTryProbability", ...)
    first_try_probability_exact: str = wire(
        "FirstTryProbabilityExact", ..., description='As a fraction, e.g. "3/4".'
    )


class ExplainedOrder(WireModel):
    order: list[int] = wire("Order", ..., description="Trunk numbers, in try order.")
    probability: float = wire("Probability", ...)
    probability_exact: str = wire("ProbabilityExact", ...)


class ExplainedWebhook(WireModel):
    url: str = wire("Url", ...)
    method: str = wire("Method", ...)
    authentication_type: str = wire("AuthenticationType", ...)


class CallExplanation(WireModel):
    call_route_id: str = wire("CallRouteId", ...)
    route_name: str = wire("RouteName", ...)
    route_type: str = wire("RouteType", ...)
    phone_number: str | None = wire("PhoneNumber", None)
    direction: CallDirection = wire("Direction", ...)
    decision: str = wire("Decision", ..., description='"Accept" or "Refuse".')
    sip_code: int | None = wire("SipCode", None, description="The refusal's SIP answer.")
    reason: str = wire("Reason", ...)
    action: str = wire(
        "Action", ..., description="Refuse, TryTrunks, CallWebhook, Forward or SendToCarrier."
    )
    candidates: list[ExplainedCandidate] = wire(
        "Candidates", ..., description="Trunks that may be tried, by priority then by odds."
    )
    try_orders: list[ExplainedOrder] = wire("TryOrders", ...)
    skipped_down_trunks: list[int] = wire("SkippedDownTrunks", ...)
    failover_codes: list[int] = wire(
        "FailoverCodes",
        ...,
        description="Final answers that move on to the next trunk; a transport failure and "
        "a timeout with no answer at all always do.",
    )
    webhook: ExplainedWebhook | None = wire("Webhook", None)
    forward_to: str | None = wire("ForwardTo", None)
