"""Phone numbers on the wire (vendor paths; the release call is our extension)."""

from __future__ import annotations

from typing import Literal

from voiceroute.schemas.base import IDENTIFIER_PATTERN, WireModel, wire
from voiceroute.schemas.fields import E164Number, StrictBool


class ProvisionNumber(WireModel):
    phone_number: E164Number = wire("PhoneNumber", ...)
    voice_enabled: StrictBool = wire("VoiceEnabled", True)
    voice_route_id: str | None = wire(
        "VoiceRouteId", min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN
    )


class ProvisionAnswer(WireModel):
    phone_number_assigned: str = wire("PhoneNumberAssigned", ...)
    phone_number_id: str = wire("PhoneNumberId", ...)
    order_id: str = wire("OrderId", ...)
    order_status: Literal["Complete"] = wire("OrderStatus", "Complete")
    error_message: str | None = wire("ErrorMessage", None)


class UpdateNumber(WireModel):
    """Only the keys sent change; ``VoiceRouteId: null`` detaches the number from its route."""

    number: E164Number = wire("Number", ...)
    voice_enabled: StrictBool | None = wire("VoiceEnabled")
    voice_route_id: str | None = wire(
        "VoiceRouteId", min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN
    )


class ReleaseNumber(WireModel):
    number: E164Number = wire("Number", ...)


class PhoneNumberAnswer(WireModel):
    phone_number_id: str = wire("PhoneNumberId", ...)
    phone_number: str = wire("PhoneNumber", ...)
    voice_enabled: bool = wire("VoiceEnabled", ...)
    voice_route_id: str | None = wire("VoiceRouteId", ...)
    account_id: str = wire("AccountId", ...)


class ReleasedNumber(WireModel):
    phone_number: str = wire("PhoneNumber", ...)
    status: Literal["Released"] = wire("Status", "Released")


class NumberInventory(WireModel):
    account_id: str = wire("AccountId", ...)
    total_numbers: int = wire("TotalNumbers", ...)
    page_number: int = wire("PageNumber", ...)
    page_size: int = wire("PageSize", ...)
    results: list[PhoneNumberAnswer] = wire("Results", ...)
