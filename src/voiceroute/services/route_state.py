"""A route's complete state: its settings and its sealed secret, as stored and as snapshotted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voiceroute.models import VoiceRoute
from voiceroute.schemas.voice_routes import SETTINGS_FIELDS, RouteSettings


@dataclass(frozen=True)
class RouteState:
    settings: RouteSettings
    sealed_secret: str | None

    @classmethod
    def of_row(cls, row: VoiceRoute) -> RouteState:
        values: dict[str, Any] = {name: getattr(row, name) for name in SETTINGS_FIELDS}
        values["ip_whitelist"] = [{"ip_address": entry} for entry in row.ip_whitelist]
        return cls(
            RouteSettings.model_validate(values, by_name=True), row.voice_password_token_encrypted
        )

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
