"""``GET /v1.0/voice/routes/trunks`` (extension): each trunk's live state in the data plane."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from voiceroute.schemas.base import WireModel, wire


class TrunkState(StrEnum):
    UP = "Up"
    DOWN = "Down"
    PROBING = "Probing"
    DISABLED = "Disabled"
    UNKNOWN = "Unknown"


class NodeTrunkState(WireModel):
    node: str = wire("Node", ...)
    state: TrunkState = wire("State", ...)
    last_change: datetime = wire("LastChange", ...)
    last_seen: datetime = wire("LastSeen", ...)


class TrunkStatus(WireModel):
    trunk: int = wire("Trunk", ...)
    uri: str | None = wire("Uri", ..., description="Where calls go; null without an address.")
    enabled: bool = wire("Enabled", ...)
    state: TrunkState = wire(
        "State",
        ...,
        description="Down when any data-plane node reports it down; Unknown when no node "
        "has reported it recently (or the data plane is not running).",
    )
    last_change: datetime | None = wire("LastChange", None)
    nodes: list[NodeTrunkState] = wire("Nodes", ...)


class RouteTrunks(WireModel):
    call_route_id: str = wire("CallRouteId", ...)
    intelligent_route_enabled: bool = wire(
        "IntelligentRouteEnabled", ..., description="Whether the trunks are probed."
    )
    trunks: list[TrunkStatus] = wire("Trunks", ...)
