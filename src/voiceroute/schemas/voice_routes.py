"""The voice route on the wire: settings, the create/update/delete bodies, the answers.

Python names are correct English (``trunk1_priority``); the wire names, misspellings included,
are aliases declared once here. ``RouteSettings`` holds every client-settable, non-secret field
with its default; ``route_rule_errors`` checks the rules that span fields, on a complete route.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    Field,
    SecretStr,
    model_validator,
)

from voiceroute.errors import ValidationFailed
from voiceroute.schemas.base import IDENTIFIER_PATTERN, WireModel, request_name, wire
from voiceroute.schemas.fields import (
    DnsLabel,
    ForwardTarget,
    HeaderRuleId,
    HttpUrl,
    IpAddress,
    IpNetwork,
    Port,
    Priority,
    RouteName,
    StrictBool,
    TrunkUri,
    Username,
    WebSocketUrl,
    Weight,
)

MAX_WHITELIST_ENTRIES = 100


class RouteType(StrEnum):
    TRUNK = "Trunk"
    URL = "URL"
    FORWARD = "Forward"


class HttpMethod(StrEnum):
    GET = "GET"
    POST = "POST"


class VoiceAuthenticationType(StrEnum):
    NONE = "None"
    BASIC = "Basic"
    BEARER = "Bearer"


class Transport(StrEnum):
    UDP = "UDP"
    TCP = "TCP"
    TLS = "TLS"


class TransferCallerId(StrEnum):
    TRANSFEREE = "Transferee"
    TRANSFEROR = "Transferor"
    BOTH = "Transferee/Transferor"


class CallRouteStatus(StrEnum):
    ACTIVE = "Active"
    DISABLED = "Disabled"
    DELETED = "Deleted"


class WhitelistEntry(WireModel):
    ip_address: IpNetwork = wire("IpAddress", ...)


def _no_duplicate_entries(entries: list[WhitelistEntry]) -> list[WhitelistEntry]:
    seen: set[str] = set()
    for entry in entries:
        if entry.ip_address in seen:
            raise ValueError(f"lists {entry.ip_address} more than once")
        seen.add(entry.ip_address)
    return entries


IpWhitelist = Annotated[
    list[WhitelistEntry],
    Field(max_length=MAX_WHITELIST_ENTRIES),
    AfterValidator(_no_duplicate_entries),
]


class RouteSettings(WireModel):
    """Every client-settable, non-secret field of a route; ``None`` means "not set".

    Fields with a non-``None`` default are never ``None`` in a stored route: sending ``null``
    for one restores the default (see ``defaults_for``).
    """

    route_name: RouteName | None = wire("RouteName")
    route_type: RouteType | None = wire("RouteType")
    voice_url: HttpUrl | None = wire("VoiceUrl")
    voice_url_method: HttpMethod | None = wire("VoiceUrlMethod", HttpMethod.POST)
    voice_authentication_type: VoiceAuthenticationType | None = wire(
        "VoiceAuthenticationType", VoiceAuthenticationType.NONE, also=("VocieAuthenticationType",)
    )
    voice_username: Username | None = wire("VoiceUsername")
    callback_voice_url: HttpUrl | None = wire("CallbackVoiceUrl")
    callback_voice_url_method: HttpMethod | None = wire("CallbackVoiceUrlMethod", HttpMethod.POST)
    trunk_ip1: IpAddress | None = wire("TrunkIp1")
    trunk_ip2: IpAddress | None = wire("TrunkIp2")
    trunk_port1: Port | None = wire("TrunkPort1")
    trunk_port2: Port | None = wire("TrunkPort2")
    trunk_transport1: Transport | None = wire("TrunkTransport1", Transport.UDP)
    trunk_transport2: Transport | None = wire("TrunkTransport2", Transport.UDP)
    trunk_uri1: TrunkUri | None = wire("TrunkUri1")
    trunk_uri2: TrunkUri | None = wire("TrunkUri2")
    trunk_enabled1: StrictBool | None = wire("TrunkEnabled1", True)
    trunk_enabled2: StrictBool | None = wire("TrunkEnabled2", True)
    trunk1_priority: Priority | None = wire("Trunk1Priortiy", 1, also=("Trunk1Priority",))
    trunk1_weight: Weight | None = wire("Trunk1Weight", 1)
    trunk2_priority: Priority | None = wire("Trunk2Priortiy", 2, also=("Trunk2Priority",))
    trunk2_weight: Weight | None = wire("Trunk2Weight", 1)
    header_manipulation: HeaderRuleId | None = wire("HeaderManipulation")
    enable_sip_refer: StrictBool | None = wire("EnableSipRefer", False)
    transfer_caller_id: TransferCallerId | None = wire("TransferCallerId")
    symmetric_rtp: StrictBool | None = wire("SymmetricRtp", False)
    enable_trp_secure_trunk: StrictBool | None = wire("EnableTrpSecureTrunk", False)
    enable_pstn_transfer: StrictBool | None = wire("EnablePstnTransfer", False)
    cnam_lookup: StrictBool | None = wire("CnamLookup", False)
    ip_whitelist: IpWhitelist | None = wire(
        "IpWhitelist", [], also=("IpWhiteList",), answer="IpWhiteList"
    )
    termination_uri_subdomain: DnsLabel | None = wire("TerminationUriSubdomain")
    enable_call_streaming: StrictBool | None = wire("EnableCallStreaming", False)
    wss_uri: WebSocketUrl | None = wire("WssUri")
    intelligent_route_enabled: StrictBool | None = wire("IntelligentRouteEnabled", False)
    route_enabled: StrictBool | None = wire("RouteEnabled", True)
    forward_number: ForwardTarget | None = wire(
        "ForwardNumber",
        extension=True,
        description="Where a Forward route sends calls: an E.164 number or a sip: URI.",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_spelling_per_field(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for field in cls.model_fields.values():
                alias = field.validation_alias
                if isinstance(alias, AliasChoices):
                    given = [
                        name for name in alias.choices if isinstance(name, str) and name in data
                    ]
                    if len(given) > 1:
                        raise ValidationFailed.single(
                            f"$.{given[1]}", f"give either {given[0]} or {given[1]}, not both"
                        )
        return data


SETTINGS_FIELDS: tuple[str, ...] = tuple(RouteSettings.model_fields)


def defaults_for(fields: set[str]) -> dict[str, Any]:
    return {
        name: RouteSettings.model_fields[name].get_default(call_default_factory=True)
        for name in fields
    }


class RouteWrite(RouteSettings):
    """What create and update bodies share beyond the settings."""

    voice_password_token: Annotated[SecretStr, Field(min_length=1, max_length=4096)] | None = wire(
        "VoicePasswordToken",
        description="Password (Basic) or token (Bearer) for VoiceUrl. Write-only: never returned.",
    )
    account_id: str | None = wire(
        "AccountId", description="Optional; when sent it must be the caller's own AccountKey."
    )
    # Accepted so that a route read from the API can be sent back as an update unchanged;
    # the status follows RouteEnabled and cannot be set directly.
    call_route_status: CallRouteStatus | None = wire("CallRouteStatus")


class CreateVoiceRoute(RouteWrite):
    pass


class UpdateVoiceRoute(RouteWrite):
    call_route_id: str = wire(
        "CallRouteId", ..., min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN
    )


class DeleteVoiceRoute(WireModel):
    call_route_id: str = wire(
        "CallRouteId", ..., min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN
    )


class _RouteIdentity(WireModel):
    call_route_id: str = wire("CallRouteId", ...)
    account_id: str = wire("AccountId", ...)


class VoiceRouteAnswer(RouteSettings, _RouteIdentity):
    """A whole route as answered: identity first (as the vendor's answers are), no secrets."""

    call_route_status: CallRouteStatus = wire("CallRouteStatus", ...)


class DeletedVoiceRoute(WireModel):
    call_route_status: Literal[CallRouteStatus.DELETED] = wire("CallRouteStatus", ...)
    call_route_id: str = wire("CallRouteId", ...)


class VoiceRouteList(WireModel):
    account_id: str = wire("AccountId", ...)
    total_routes: int = wire("TotalRoutes", ...)
    results: list[VoiceRouteAnswer] = wire("Results", ...)


def route_rule_errors(settings: RouteSettings, has_voice_secret: bool) -> dict[str, list[str]]:
    """The rules that span fields, checked on a complete (created or merged) route."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(f"$.{request_name(RouteSettings, field)}", []).append(message)

    if settings.route_name is None:
        add("route_name", "is required: 1 to 128 characters")
    if settings.route_type is None:
        add("route_type", "is required: one of Trunk, URL, Forward")
    elif settings.route_type is RouteType.TRUNK:
        if settings.trunk_ip1 is None and settings.trunk_uri1 is None:
            add("trunk_ip1", "a Trunk route needs trunk 1's address: TrunkIp1 or TrunkUri1")
    elif settings.route_type is RouteType.URL:
        if settings.voice_url is None:
            add("voice_url", "a URL route needs VoiceUrl")
    elif settings.route_type is RouteType.FORWARD and settings.forward_number is None:
        add("forward_number", "a Forward route needs ForwardNumber (E.164 or a sip: URI)")

    auth = settings.voice_authentication_type
    if auth is VoiceAuthenticationType.BASIC:
        if settings.voice_username is None:
            add("voice_username", "Basic authentication needs VoiceUsername")
        if not has_voice_secret:
            errors.setdefault("$.VoicePasswordToken", []).append(
                "Basic authentication needs VoicePasswordToken"
            )
    elif auth is VoiceAuthenticationType.BEARER and not has_voice_secret:
        errors.setdefault("$.VoicePasswordToken", []).append(
            "Bearer authentication needs the token in VoicePasswordToken"
        )

    if settings.enable_call_streaming and settings.wss_uri is None:
        add("wss_uri", "EnableCallStreaming: true needs WssUri (a ws:// or wss:// URL)")
    return errors
