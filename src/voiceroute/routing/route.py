"""The routing engine's own view of a voice route: plain, frozen values any caller can build.

The engine imports nothing else of voiceroute, so it cannot read ``RouteSettings`` or the
storage models. Callers copy the few fields routing needs into a ``RouteView``; the enum
values here equal the wire values (``RouteKind("Trunk")``, ``Transport("TLS")``), so a
conversion is ``Transport(settings.trunk_transport1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_PORT = 65_535


class RouteKind(StrEnum):
    TRUNK = "Trunk"
    URL = "URL"
    FORWARD = "Forward"


class Transport(StrEnum):
    UDP = "UDP"
    TCP = "TCP"
    TLS = "TLS"


@dataclass(frozen=True, slots=True)
class TrunkSpec:
    """One trunk slot of a route, as configured (``TrunkIpN``, ``TrunkUriN``, ...).

    ``index`` is the slot number (1 or 2 today) and identifies the trunk in plans and
    probabilities. ``transport`` ``None`` means "not set": the URI may then suggest one.
    """

    index: int
    ip: str | None = None
    uri: str | None = None
    port: int | None = None
    transport: Transport | None = None
    enabled: bool = True
    priority: int = 1
    weight: int = 1

    def __post_init__(self) -> None:
        if self.transport is not None:
            # Accepts the wire string or any equal StrEnum (the schema's), stores ours.
            object.__setattr__(self, "transport", Transport(self.transport))
        if self.weight < 0:
            raise ValueError(f"trunk {self.index}: weight must be 0 or more, not {self.weight}")
        if self.port is not None and not 1 <= self.port <= MAX_PORT:
            raise ValueError(f"trunk {self.index}: port must be 1 to {MAX_PORT}, not {self.port}")


@dataclass(frozen=True, slots=True)
class RouteView:
    """What routing needs of a route. Missing values are ``None``; validation happened upstream.

    ``ip_whitelist`` holds IP or CIDR strings (``WhitelistEntry.ip_address``).
    ``voice_url_method`` and ``voice_authentication_type`` are the wire strings
    (``"POST"``, ``"Bearer"``); the secret itself never enters the engine.
    """

    route_type: RouteKind
    route_enabled: bool = True
    trunks: tuple[TrunkSpec, ...] = ()
    ip_whitelist: tuple[str, ...] = ()
    voice_url: str | None = None
    voice_url_method: str = "POST"
    voice_authentication_type: str = "None"
    forward_number: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "route_type", RouteKind(self.route_type))
        indexes = [trunk.index for trunk in self.trunks]
        if len(set(indexes)) != len(indexes):
            raise ValueError(f"trunk indexes must be distinct, got {indexes}")
