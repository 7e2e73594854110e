"""What the services tell the data plane: a route's rows are rebuilt in the same transaction.

Called after every change to a route or to the numbers that point at it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from voiceroute.db import Database
from voiceroute.models import PhoneNumber, VoiceRoute
from voiceroute.services.route_state import RouteState
from voiceroute.sip.compiler import NumberBinding, RouteSpec
from voiceroute.sip.sync import replace_route_rows


def route_spec(session: Session, row: VoiceRoute) -> RouteSpec:
    state = RouteState.of_row(row)
    numbers = session.execute(
        select(PhoneNumber.number, PhoneNumber.voice_enabled)
        .where(PhoneNumber.voice_route_id == row.id)
        .order_by(PhoneNumber.number)
    ).all()
    return RouteSpec(
        route_id=row.id,
        sip_id=row.sip_id,
        view=state.view(),
        numbers=tuple(NumberBinding(number, enabled) for number, enabled in numbers),
        termination_subdomain=state.settings.termination_uri_subdomain,
        refer_allowed=bool(state.settings.enable_sip_refer),
        probing=bool(state.settings.intelligent_route_enabled),
    )


def _dataplane_inputs(state: RouteState) -> tuple[object, ...]:
    settings = state.settings
    return (
        state.view(),
        settings.termination_uri_subdomain,
        settings.enable_sip_refer,
        settings.intelligent_route_enabled,
    )


def changes_dataplane(before: RouteState, after: RouteState) -> bool:
    """Whether a route change can change its data-plane rows (a rename, say, cannot)."""
    return _dataplane_inputs(before) != _dataplane_inputs(after)


def resync_routes(session: Session, rows: Iterable[VoiceRoute], *, deleted: bool = False) -> None:
    """Rebuild the data-plane rows of ``rows`` (remove them if ``deleted``); bump the generation."""
    session.flush()  # pending route and number changes must be visible to route_spec
    rows = list(rows)
    specs = [] if deleted else [route_spec(session, row) for row in rows]
    replace_route_rows(session, [row.sip_id for row in rows], specs)


def resync_all(db: Database) -> int:
    """Rebuild every route's data-plane rows (after an upgrade, or to heal a hand edit).

    Rows already right are left alone and their tables' generations do not move, so running
    it when nothing is wrong costs a read, not a reload. Returns the number of routes.
    """
    with db.write() as session:
        rows = list(
            session.scalars(select(VoiceRoute).order_by(VoiceRoute.sip_id).with_for_update())
        )
        resync_routes(session, rows)
        return len(rows)
