"""A route's complete state: its settings and its sealed secret, as stored and as snapshotted."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args

from voiceroute.models import VoiceRoute
from voiceroute.routing import RouteKind, RouteView, Transport, TrunkSpec
from voiceroute.schemas.voice_routes import SETTINGS_FIELDS, RouteSettings, WhitelistEntry


def _enum_of(annotation: Any) -> type[Enum] | None:
    for candidate in get_args(annotation) or (annotation,):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return candidate
    return None


# Settings fields whose stored string becomes an enum member: {field name: enum class}.
_ENUM_FIELDS = {
    name: enum
    for name, field in RouteSettings.model_fields.items()
    if (enum := _enum_of(field.annotation)) is not None
}


@dataclass(frozen=True)
class RouteState:
    settings: RouteSettings
    sealed_secret: str | None

    @classmethod
    def of_row(cls, row: VoiceRoute) -> RouteState:
        """The stored route. Rows were validated on their way in, so they are only converted
        (enums, whitelist entries), not validated again: reads are the hot path."""
        values: dict[str, Any] = {name: getattr(row, name) for name in SETTINGS_FIELDS}
        for name, enum in _ENUM_FIELDS.items():
            if values[name] is not None:
                values[name] = enum(values[name])
        values["ip_whitelist"] = [
            WhitelistEntry.model_construct(ip_address=entry) for entry in row.ip_whitelist
        ]
        return cls(RouteSettings.model_construct(**values), row.voice_password_token_encrypted)

    def columns(self) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(self.settings, name) for name in SETTINGS_FIELDS}
        values["ip_whitelist"] = [entry.ip_address for entry in self.settings.ip_whitelist or []]
        values["voice_password_token_encrypted"] = self.sealed_secret
        return values

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "settings": self.settings.model_dump(mode="json", by_alias=False),
            "sealed_secret": self.sealed_secret,
        }

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> RouteState:
        return cls(
            RouteSettings.model_validate(snapshot["settings"], by_name=True),
            snapshot.get("sealed_secret"),
        )

    def wire_view(self) -> dict[str, Any]:
        """The settings as an answer shows them (wire names, JSON values)."""
        return self.settings.model_dump(mode="json", by_alias=True)

    def view(self) -> RouteView:
        """What the routing engine needs of this route."""
        s = self.settings
        trunks = (
            TrunkSpec(
                index=1,
                ip=s.trunk_ip1,
                uri=s.trunk_uri1,
                port=int(s.trunk_port1) if s.trunk_port1 else None,
                transport=Transport(s.trunk_transport1) if s.trunk_transport1 else None,
                enabled=bool(s.trunk_enabled1),
                priority=s.trunk1_priority or 0,
                weight=s.trunk1_weight or 0,
            ),
            TrunkSpec(
                index=2,
                ip=s.trunk_ip2,
                uri=s.trunk_uri2,
                port=int(s.trunk_port2) if s.trunk_port2 else None,
                transport=Transport(s.trunk_transport2) if s.trunk_transport2 else None,
                enabled=bool(s.trunk_enabled2),
                priority=s.trunk2_priority or 0,
                weight=s.trunk2_weight or 0,
            ),
        )
        return RouteView(
            route_type=RouteKind(s.route_type or RouteKind.TRUNK),
            route_enabled=bool(s.route_enabled),
            trunks=trunks,
            ip_whitelist=tuple(entry.ip_address for entry in s.ip_whitelist or []),
            voice_url=s.voice_url,
            voice_url_method=s.voice_url_method or "POST",
            voice_authentication_type=s.voice_authentication_type or "None",
            forward_number=s.forward_number,
        )
