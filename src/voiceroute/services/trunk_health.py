"""Trunk health as the data-plane nodes report it (``trunk_health``, written by each agent)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceroute.db import Database
from voiceroute.models import TrunkHealth, VoiceRoute, as_utc, utcnow
from voiceroute.routing import resolve_address
from voiceroute.schemas.trunks import NodeTrunkState, RouteTrunks, TrunkState, TrunkStatus
from voiceroute.services.caller import Caller
from voiceroute.services.route_state import RouteState
from voiceroute.services.tenancy import get_owned

# A node that has not reported for this long is taken to be gone (agents report every second).
STALE_AFTER = timedelta(seconds=30)
_STATES = {
    "up": TrunkState.UP,
    "down": TrunkState.DOWN,
    "probing": TrunkState.PROBING,
    "disabled": TrunkState.DISABLED,
}


def trunk_uris(state: RouteState) -> dict[int, str | None]:
    """Trunk number -> the destination URI the data plane uses for it."""
    uris: dict[int, str | None] = {}
    for trunk in state.view().trunks:
        address = resolve_address(trunk)
        uris[trunk.index] = address.sip_uri if address else None
    return uris


def fresh_reports(session: Session, uris: Iterable[str]) -> dict[str, list[TrunkHealth]]:
    horizon = utcnow() - STALE_AFTER
    reports: dict[str, list[TrunkHealth]] = {}
    for row in session.scalars(
        select(TrunkHealth)
        .where(TrunkHealth.destination.in_(list(uris)))
        .order_by(TrunkHealth.node)
    ):
        if as_utc(row.seen_at) >= horizon:
            reports.setdefault(row.destination, []).append(row)
    return reports


def _overall(reports: list[TrunkHealth]) -> TrunkState:
    states = {_STATES.get(report.state, TrunkState.UNKNOWN) for report in reports}
    for state in (TrunkState.DOWN, TrunkState.PROBING, TrunkState.DISABLED, TrunkState.UP):
        if state in states:
            return state
    return TrunkState.UNKNOWN


def down_trunks(session: Session, state: RouteState) -> dict[int, bool]:
    """Trunk number -> up (``True``) or down, for the trunks some node reports on."""
    uris = trunk_uris(state)
    reports = fresh_reports(session, filter(None, uris.values()))
    return {
        index: _overall(reports[uri]) is not TrunkState.DOWN
        for index, uri in uris.items()
        if uri is not None and uri in reports
    }


class TrunkHealthService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def route_trunks(self, caller: Caller, route_id: str) -> RouteTrunks:
        with self._db.read() as session:
            row = get_owned(session, VoiceRoute, caller, route_id, what="Voice route")
            state = RouteState.of_row(row)
            uris = trunk_uris(state)
            reports = fresh_reports(session, filter(None, uris.values()))
        enabled = {trunk.index: trunk.enabled for trunk in state.view().trunks}
        trunks = []
        for index, uri in uris.items():
            node_reports = reports.get(uri, []) if uri else []
            if not enabled[index] or uri is None:
                overall = TrunkState.DISABLED
            else:
                overall = _overall(node_reports)
            trunks.append(
                TrunkStatus.model_validate(
                    {
                        "trunk": index,
                        "uri": uri,
                        "enabled": enabled[index],
                        "state": overall,
                        "last_change": max(
                            (as_utc(r.changed_at) for r in node_reports), default=None
                        ),
                        "nodes": [
                            NodeTrunkState.model_validate(
                                {
                                    "node": r.node,
                                    "state": _STATES.get(r.state, TrunkState.UNKNOWN),
                                    "last_change": as_utc(r.changed_at),
                                    "last_seen": as_utc(r.seen_at),
                                },
                                by_name=True,
                            )
                            for r in node_reports
                        ],
                    },
                    by_name=True,
                )
            )
        return RouteTrunks.model_validate(
            {
                "call_route_id": route_id,
                "intelligent_route_enabled": bool(state.settings.intelligent_route_enabled),
                "trunks": trunks,
            },
            by_name=True,
        )
